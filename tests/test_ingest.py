"""Collection (ingest) of local files: encodings, versions, atomicity, clear errors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import seoul_data as sd
from seoul_data.catalog import Catalog, CatalogError, Dataset, Field
from seoul_data.ingest import IngestError, detect_encoding, ingest
from seoul_data.sources import BUNDLED_DATA, Source, ingest_source, load_specs, sources

TOTAL_ID = "population.gu_resident_total"


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    directory = tmp_path / "data"
    monkeypatch.setenv("SEOUL_DATA_DIR", str(directory))
    monkeypatch.setenv("SEOUL_USAGE_LOG", str(tmp_path / "usage.jsonl"))
    monkeypatch.delenv("SEOUL_DATA_GROUPS", raising=False)
    return directory


def _source(dataset_id: str) -> Source:
    return next(s for s in sources() if s.dataset.id == dataset_id)


def _counts(dataset: Dataset, n: int, bad_line: int | None = None) -> str:
    lines = ["gu,count"]
    for i in range(n):
        lines.append(f"종로구,{'12a' if bad_line == i + 2 else i}")
    return "\n".join(lines) + "\n"


COUNTS = Dataset(
    id="test.counts",
    title="시험 데이터",
    field="일반행정",
    schema=(Field("gu", role="gu"), Field("count", "integer", unit="건")),
)


def test_cp949_and_utf8_files_give_the_same_data(data_dir):
    cp949 = _source(TOTAL_ID)
    assert detect_encoding(cp949.path(BUNDLED_DATA).read_bytes()) == "cp949"
    first = ingest_source(cp949, data_dir)
    utf8 = Source(cp949.dataset, cp949.file.replace("_cp949", "_utf8"), {}, cp949.transform)
    second = ingest_source(utf8, data_dir)
    assert second.changed is False and second.version == first.version
    frame = sd.load(TOTAL_ID, gu="종로", years=[2020])
    assert frame.to_dict("records") == [
        {"area": "종로구", "year": 2020, "period": "2020-12", "population": 149384}
    ]


def test_versions_stay_loadable_and_identical_data_writes_nothing(data_dir, tmp_path):
    path = tmp_path / "counts.csv"
    path.write_text(_counts(COUNTS, 3), encoding="utf-8")
    assert ingest(COUNTS, data_dir=data_dir, path=path).changed
    assert not ingest(COUNTS, data_dir=data_dir, path=path).changed
    path.write_text(_counts(COUNTS, 5), encoding="cp949")
    result = ingest(COUNTS, data_dir=data_dir, path=path)
    assert result.changed and result.version.version == 2 and result.version.rows == 5
    assert len(sd.load("test.counts", version=1)) == 3
    assert len(sd.load("test.counts")) == 5
    assert [v["version"] for v in sd.describe("test.counts")["versions"]] == [1, 2]


def test_bad_cell_on_line_40001_changes_nothing(data_dir, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(_counts(COUNTS, 10), encoding="utf-8")
    ingest(COUNTS, data_dir=data_dir, path=good)
    before = sorted(p.relative_to(data_dir) for p in data_dir.rglob("*"))
    catalog_bytes = (data_dir / "catalog.sqlite").read_bytes()

    bad = tmp_path / "bad.csv"
    bad.write_text(_counts(COUNTS, 50_000, bad_line=40_001), encoding="utf-8")
    with pytest.raises(IngestError) as error:
        ingest(COUNTS, data_dir=data_dir, path=bad)
    assert error.value.line == 40_001 and error.value.column == "count"
    assert "bad.csv, line 40,001, column 'count': '12a' is not a valid integer" in str(error.value)

    assert sorted(p.relative_to(data_dir) for p in data_dir.rglob("*")) == before
    assert (data_dir / "catalog.sqlite").read_bytes() == catalog_bytes
    assert len(sd.load("test.counts")) == 10


def test_failure_while_writing_leaves_no_trace(data_dir, tmp_path, monkeypatch):
    path = tmp_path / "counts.csv"
    path.write_text(_counts(COUNTS, 3), encoding="utf-8")
    ingest(COUNTS, data_dir=data_dir, path=path)
    path.write_text(_counts(COUNTS, 4), encoding="utf-8")

    def disk_full(frame, target):
        target.write_bytes(b"PAR1 half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("seoul_data.ingest.pipeline._write_parquet", disk_full)
    with pytest.raises(OSError, match="No space"):
        ingest(COUNTS, data_dir=data_dir, path=path)
    versions_dir = data_dir / "datasets" / "test.counts"
    assert sorted(p.name for p in versions_dir.iterdir()) == ["v1"]
    assert [v.version for v in Catalog(data_dir).versions("test.counts")] == [1]


def test_killed_ingest_leaves_catalog_and_data_as_before(data_dir, tmp_path):
    small = tmp_path / "small.csv"
    small.write_text(_counts(COUNTS, 3), encoding="utf-8")
    ingest(COUNTS, data_dir=data_dir, path=small)
    catalog_bytes = (data_dir / "catalog.sqlite").read_bytes()
    big = tmp_path / "big.csv"
    big.write_text(_counts(COUNTS, 1_500_000), encoding="utf-8")
    script = (
        "import sys; from seoul_data.ingest import ingest; from tests.test_ingest import COUNTS;"
        "ingest(COUNTS, data_dir=sys.argv[1], path=sys.argv[2])"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(data_dir), str(big)],
        cwd=Path(__file__).parent.parent,
    )
    time.sleep(1.5)
    assert child.poll() is None, "the ingest ended before it could be killed"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert (data_dir / "catalog.sqlite").read_bytes() == catalog_bytes
    assert len(sd.load("test.counts")) == 3
    # the next ingest clears whatever staging the killed one left
    small.write_text(_counts(COUNTS, 4), encoding="utf-8")
    assert ingest(COUNTS, data_dir=data_dir, path=small).version.version == 2
    assert sorted(p.name for p in (data_dir / "datasets" / "test.counts").iterdir()) == [
        "v1",
        "v2",
    ]


@pytest.mark.parametrize(
    ("content", "options", "message"),
    [
        ("gu,count\n종로구,1\n중구,2,3\n", {}, "line 3: 3 fields where the header has 2"),
        ('gu,count\n종로구,1\n"중구,2\n', {}, "fields where the header has 2"),
        ("gu,total\n종로구,1\n", {}, "schema drift: missing column(s) ['count']"),
        ("", {}, "no header row"),
        ("gu,count\n종로구,1\n", {"format": "xlsx"}, "not a readable xlsx file"),
    ],
    ids=["extra-field", "truncated-quote", "schema-drift", "empty", "not-excel"],
)
def test_bad_files_are_refused_with_where(data_dir, tmp_path, content, options, message):
    path = tmp_path / "broken.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(IngestError, match="broken.csv") as error:
        ingest(COUNTS, data_dir=data_dir, path=path, read_options=options)
    assert message in str(error.value)
    assert not (data_dir / "datasets" / "test.counts").exists() or not any(
        (data_dir / "datasets" / "test.counts").iterdir()
    )


def test_wrong_encoding_names_the_line(data_dir, tmp_path):
    path = tmp_path / "korean.csv"
    path.write_text("gu,count\n종로구,1\n중구,2\n", encoding="cp949")
    with pytest.raises(IngestError, match=r"korean.csv, line 2: not valid utf-8 text"):
        ingest(COUNTS, data_dir=data_dir, path=path, read_options={"encoding": "utf-8"})


def test_a_csv_without_a_header_row_is_read_with_the_declared_names(data_dir, tmp_path):
    path = tmp_path / "no_header.csv"
    path.write_text("종로구,1\n중구,x\n", encoding="utf-8")
    options = {"header": False, "columns": ["gu", "count"]}
    with pytest.raises(IngestError, match=r"no_header.csv, line 2, column 'count': 'x' is not"):
        ingest(COUNTS, data_dir=data_dir, path=path, read_options=options)
    path.write_text("종로구,1\n중구,2\n", encoding="utf-8")
    ingest(COUNTS, data_dir=data_dir, path=path, read_options=options)
    assert sd.load("test.counts")["gu"].tolist() == ["종로구", "중구"]  # no row lost
    with pytest.raises(IngestError, match="header = false needs a CSV and read.columns"):
        ingest(COUNTS, data_dir=data_dir, path=path, read_options={"header": False})


def test_suppressed_cells_are_missing_with_a_flag(data_dir, tmp_path):
    path = tmp_path / "suppressed.csv"
    path.write_text('gu,count\n종로구,*\n중구,"1,234"\n용산구,\n', encoding="utf-8")
    ingest(COUNTS, data_dir=data_dir, path=path)
    frame = sd.load("test.counts")
    assert frame["count"].isna().tolist() == [True, False, True]
    assert frame["count"].iloc[1] == 1234
    assert frame["count__suppressed"].tolist() == [True, False, False]


def test_declared_values_are_written_in_korean_and_others_stop_the_ingest(data_dir, tmp_path):
    weather = Dataset(
        id="test.weather",
        title="시험 계절",
        field="일반행정",
        schema=(Field("season", values={"Winter": "겨울", "Summer": "여름"}),),
    )
    path = tmp_path / "seasons.csv"
    path.write_text("season\nWinter\nSummer\n", encoding="utf-8")
    ingest(weather, data_dir=data_dir, path=path)
    assert sd.load("test.weather")["season"].tolist() == ["겨울", "여름"]
    path.write_text("season\nWinter\nMonsoon\n", encoding="utf-8")
    with pytest.raises(
        IngestError, match=r"line 3.*'Monsoon' is not one of \['Winter', 'Summer'\]"
    ):
        ingest(weather, data_dir=data_dir, path=path)
    assert sd.load("test.weather")["season"].tolist() == ["겨울", "여름"]  # as before
    with pytest.raises(CatalogError, match="values relabel a string column"):
        Field("count", "integer", values={"1": "하나"})
    # the bundled bike data: seasons and holidays in Korean
    ingest_source(_source("transport.bike_sharing_demand_uci"), data_dir=data_dir)
    bikes = sd.load("transport.bike_sharing_demand_uci")
    assert set(bikes["season"]) == {"겨울", "봄", "여름", "가을"}
    assert set(bikes["holiday"]) == {"공휴일", "공휴일 아님"}


def test_hostile_paths_and_ids_are_refused(data_dir, tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(
        '[[datasets]]\nid = "test.escape"\ntitle = "t"\nfield = "일반행정"\n'
        'file = "../../etc/passwd"\nschema = [{ name = "x" }]\n',
        encoding="utf-8",
    )
    (source,) = load_specs(spec)
    with pytest.raises(IngestError, match="leaves the data folder"):
        ingest_source(source, data_dir, tmp_path)
    with pytest.raises(CatalogError, match="dataset id"):
        Dataset(id="../../evil", title="t", field="일반행정")
    with pytest.raises(CatalogError, match="unknown dataset id 'population/../x'"):
        Catalog(data_dir).get("population/../x")


def test_restricted_data_needs_an_allowed_group(data_dir, tmp_path, monkeypatch):
    secret = Dataset(
        id="test.secret",
        title="비공개 시험 데이터",
        field="일반행정",
        access="restricted",
        allowed_groups=("analyst",),
        schema=COUNTS.schema,
    )
    path = tmp_path / "secret.csv"
    path.write_text(_counts(secret, 2), encoding="utf-8")
    ingest(secret, data_dir=data_dir, path=path)
    with pytest.raises(PermissionError, match="열람 권한이 없습니다"):
        sd.load("test.secret")
    monkeypatch.setenv("SEOUL_DATA_GROUPS", "staff")
    with pytest.raises(PermissionError):
        sd.load("test.secret")
    assert (
        "test_secret"
        not in sd.sql("SELECT table_name FROM information_schema.tables")["table_name"].tolist()
    )
    monkeypatch.setenv("SEOUL_DATA_GROUPS", "staff,analyst")
    assert len(sd.load("test.secret")) == 2
    log = (tmp_path / "usage.jsonl").read_text(encoding="utf-8")
    assert '"action": "load", "target": "test.secret"' in log


def test_load_pushes_filters_down_and_sql_sees_views(data_dir):
    ingest_source(_source("population.gu_resident_age_sex"), data_dir)
    frame = sd.load(
        "population.gu_resident_age_sex",
        columns=["gu", "age", "sex", "population"],
        gu=["강남", "Songpa-gu"],
        years=2020,
        where="age >= 65",
    )
    assert set(frame["gu"]) == {"강남구", "송파구"} and frame["age"].min() == 65
    assert list(frame.columns) == ["gu", "age", "sex", "population"]
    total = sd.sql(
        "SELECT sum(population) AS p FROM population_gu_resident_age_sex"
        " WHERE year = 2020 AND gu = '강남구'"
    )["p"].iloc[0]
    raw = pd.read_csv(
        BUNDLED_DATA / "population/kosis_seoul_gu_resident_pop_by_age_sex_2008_2021_utf8.csv"
    )
    assert total == raw.loc[raw["행정구역(시군구)별"] == "강남구", "2020 년"].sum()
    with pytest.raises(CatalogError, match="has no column"):
        sd.load("population.gu_resident_age_sex", columns=["nope"])
    with pytest.raises(CatalogError, match="서울시 자치구가 아닙니다"):
        sd.load("population.gu_resident_age_sex", gu="부산")


def test_datagokr_catalogue_entries_keep_their_keys(data_dir):
    from seoul_data.catalog import FIELDS
    from seoul_data.catalog.datagokr import import_datagokr

    store = Catalog(data_dir)
    assert import_datagokr(store, BUNDLED_DATA / "catalog/datagokr_catalog_20220630_seoul_orgs.csv")
    entries = store.find(provider="공공데이터포털")
    raw = pd.read_csv(BUNDLED_DATA / "catalog/datagokr_catalog_20220630_seoul_orgs.csv", dtype=str)
    assert len(entries) == len(raw) == 5230
    assert {d.source_id for d in entries} == set(raw["목록키"])
    assert {d.field for d in entries} == set(FIELDS)
    assert all(d.landing_page.startswith("https://www.data.go.kr/") for d in entries)
    assert not any(d.loadable for d in entries)
    with pytest.raises(CatalogError, match="metadata only"):
        store.current(entries[0].id)


def test_cli_ingests_and_lists(data_dir, tmp_path):
    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "seoul_data.cli", "--data-dir", str(data_dir), *args],
            capture_output=True,
            text=True,
        )

    result = run("ingest", "--bundled", "--only", TOTAL_ID, "--quiet")
    assert result.returncode == 0, result.stderr
    assert "1 datasets: 1 new versions" in result.stdout
    listed = run("catalog", "--field", "인구/가구", "--loadable")
    assert TOTAL_ID in listed.stdout
    missing = run("describe", "population.gu_resident_totl")
    assert missing.returncode == 2 and "did you mean population.gu_resident_total" in missing.stderr


def test_boundaries_load_as_geodataframes(data_dir):
    for dataset_id in ("boundaries.gu_juso2015", "boundaries.dong_admdongkor2021"):
        ingest_source(_source(dataset_id), data_dir)
    gu = sd.load("boundaries.gu_juso2015")
    assert type(gu).__name__ == "GeoDataFrame" and len(gu) == 25
    assert gu.crs == "EPSG:4326" and gu.is_valid.all()
    gangnam = sd.load("boundaries.dong_admdongkor2021", gu="강남")
    assert len(gangnam) == 22 and set(gangnam["sgg"]) == {"11680"}
    # every dong lies inside its own gu (the MOIS code joins the two files)
    dong = sd.load("boundaries.dong_admdongkor2021").to_crs(5179)
    shapes = gu.set_index("SIG_CD").to_crs(5179).geometry
    inside = [
        shapes[row.sgg].contains(row.geometry.representative_point()) for row in dong.itertuples()
    ]
    assert all(inside)


def test_cli_collects_from_the_seoul_api_into_a_new_version(data_dir, tmp_path):
    from tests.fake_open_apis import SEOUL_KEY, FakeOpenApis

    spec = tmp_path / "api.toml"
    spec.write_text(
        '[[datasets]]\nid = "test.spop"\ntitle = "행정동 생활인구 (API)"\nfield = "인구/가구"\n'
        'file = ""\nschema = [\n'
        '  { name = "STDR_DE_ID", type = "date", role = "date" },\n'
        '  { name = "TMZON_PD_SE", type = "integer" },\n'
        '  { name = "ADSTRD_CODE_SE", role = "dong_code", code_system = "mois" },\n'
        '  { name = "TOT_LVPOP_CO", type = "number", unit = "명" },\n]\n',
        encoding="utf-8",
    )
    with FakeOpenApis() as fake:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "seoul_data.cli",
                "--data-dir",
                str(data_dir),
                "ingest",
                "--spec",
                str(spec),
                "--seoul-api",
                "SPOP_LOCAL_RESD_DONG",
                "--dataset",
                "test.spop",
                "--base-url",
                fake.url,
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "SEOUL_API_KEY": SEOUL_KEY},
        )
    assert result.returncode == 0, result.stderr
    assert "test.spop: 2,352 rows, version 1 (new version)" in result.stdout
    frame = sd.load("test.spop", where="TMZON_PD_SE = 8")
    assert len(frame) == 98 and frame["TOT_LVPOP_CO"].gt(0).all()
    assert sd.describe("test.spop")["versions"][0]["rows"] == 2352
    assert SEOUL_KEY not in (data_dir / "catalog.sqlite").read_bytes().decode("utf-8", "replace")


def test_parquet_and_json_sources(data_dir, tmp_path):
    frame = pd.DataFrame({"gu": ["종로구", "중구"], "count": [3, 4]})
    frame.to_parquet(tmp_path / "counts.parquet")
    ingest(COUNTS, data_dir=data_dir, path=tmp_path / "counts.parquet")
    assert sd.load("test.counts")["count"].tolist() == [3, 4]
    (tmp_path / "counts.json").write_text(
        '{"rows": [{"gu": "용산구", "count": "7"}]}', encoding="utf-8"
    )
    ingest(
        COUNTS,
        data_dir=data_dir,
        path=tmp_path / "counts.json",
        read_options={"record_path": "rows"},
    )
    assert sd.load("test.counts").to_dict("records") == [{"gu": "용산구", "count": 7}]


def test_every_bundled_dataset_loads_with_its_schema(data_dir, monkeypatch):
    from seoul_data.sources import ingest_bundled

    # an analyst reads every bundled dataset (some are internal, one is for analysts only)
    monkeypatch.setenv("SEOUL_DATA_GROUPS", "analyst")
    results = ingest_bundled(data_dir)
    access = {s.dataset.access for s in sources()}
    assert access == {"public", "internal", "restricted"}  # the demo shows every class
    assert len(results) == len(sources()) >= 40
    for source, result in zip(sources(), results, strict=True):
        frame = sd.load(source.dataset.id, limit=5)
        declared = [f.name for f in source.dataset.schema]
        assert [c for c in frame.columns if not c.endswith("__suppressed")] == [
            c for c in declared if c != "geometry"
        ] or type(frame).__name__ == "GeoDataFrame", source.dataset.id
        assert result.version.rows > 0, source.dataset.id


def test_a_catalog_of_the_first_release_is_upgraded_in_place(tmp_path):
    import json
    import sqlite3

    old = sqlite3.connect(tmp_path / "catalog.sqlite")
    old.executescript(
        "CREATE TABLE datasets (id TEXT PRIMARY KEY, field TEXT NOT NULL, title TEXT NOT NULL,"
        " provider TEXT NOT NULL, publisher TEXT NOT NULL, access TEXT NOT NULL,"
        " source_id TEXT NOT NULL, loadable INTEGER NOT NULL, search_text TEXT NOT NULL,"
        " doc TEXT NOT NULL);"
        "CREATE INDEX datasets_field ON datasets (field);"
    )
    doc = json.dumps(COUNTS.to_dict(), ensure_ascii=False)
    old.execute(
        "INSERT INTO datasets VALUES (?, ?, ?, '', '', 'public', '', 1, '시험', ?)",
        (COUNTS.id, COUNTS.field, COUNTS.title, doc),
    )
    old.commit()
    old.close()
    store = Catalog(tmp_path)
    assert [d.id for d in store.find(keyword="시험")] == ["test.counts"]
    assert store.summaries(field="일반행정")[0][0] == "test.counts"
    indexes = (
        sqlite3.connect(tmp_path / "catalog.sqlite")
        .execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'datasets'")
        .fetchall()
    )
    assert ("datasets_field",) in indexes
