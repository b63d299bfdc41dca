"""생활인구: the synthetic generator calibrated on the real samples, the monthly Parquet store,
the official CSV layout in and out, and the analyses (``sd.living``)."""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest

from seoul_data import living
from seoul_data.living.generator import calibrate, generate
from seoul_data.living.layout import BANDS, OFFICIAL
from seoul_data.living.queries import LivingPopulationError
from seoul_data.living.store import LivingCsvError, export_csv, ingest_csv
from tests.conftest import LIVING_DATASETS, bundled_data

pytestmark = pytest.mark.filterwarnings("ignore:Workbook contains no default style:UserWarning")
START, DAYS, DONGS = date(2023, 3, 6), 14, 40  # two weeks from a Monday; 종로·중구·용산 dongs
WEEK1, WEEK2 = ("2023-03-06", "2023-03-12"), ("2023-03-13", "2023-03-19")


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    with bundled_data(tmp_path_factory.mktemp("living"), LIVING_DATASETS) as data:
        oa = generate(
            data / "living" / "oa",
            start=START,
            days=DAYS,
            dongs=DONGS,
            seed=7,
            output_areas=4000,
            progress=False,
        )
        dong = generate(
            data / "living" / "dong",
            level="dong",
            start=START,
            days=DAYS,
            dongs=DONGS,
            seed=7,
            output_areas=4000,
            progress=False,
        )
        yield {"data": data, "oa": oa, "dong": dong}


def read(store, where: str = "") -> pd.DataFrame:
    return (
        duckdb.connect()
        .execute(
            f"SELECT * FROM read_parquet('{store}/month=*/*.parquet', hive_partitioning=false) "
            + where
        )
        .df()
    )


def test_official_layout_has_28_bands():
    assert len(BANDS) == 28 and BANDS[0] == "m00_09" and BANDS[-1] == "f70_plus"
    assert OFFICIAL["남자0세부터9세생활인구수"] == "m00_09"
    assert OFFICIAL["여자70세이상생활인구수"] == "f70_plus"


def test_generated_store_is_synthetic_reproducible_and_consistent(stores, tmp_path):
    oa = read(stores["oa"])
    areas = oa.oa_code.nunique()
    assert len(oa) == areas * 24 * DAYS and oa.dong_code.nunique() == DONGS
    assert (stores["oa"] / "_synthetic.json").read_text().count('"synthetic": true') == 1
    assert sorted(p.name for p in stores["oa"].iterdir() if p.is_dir()) == [
        "_dong",
        "month=2023-03",
    ]
    # the dong rollup beside the 집계구 rows holds their sums
    rollup = read(stores["oa"] / "_dong").set_index(["date", "hour", "dong_code"]).sort_index()
    by_dong = oa.groupby(["date", "hour", "dong_code"])[["total", *BANDS]].sum().sort_index()
    np.testing.assert_allclose(rollup[["total", *BANDS]].to_numpy(), by_dong.to_numpy(), rtol=1e-4)
    # the 28 bands add up to the total, and the dong store is the sum of its output areas
    np.testing.assert_allclose(oa[list(BANDS)].sum(axis=1), oa.total, rtol=1e-4)
    dong = read(stores["dong"]).set_index(["date", "hour", "dong_code"]).total.sort_index()
    summed = oa.groupby(["date", "hour", "dong_code"]).total.sum().sort_index()
    np.testing.assert_allclose(dong.to_numpy(), summed.to_numpy(), rtol=1e-4)
    again = generate(
        tmp_path / "again",
        level="dong",
        start=START,
        days=2,
        dongs=DONGS,
        seed=7,
        output_areas=4000,
        progress=False,
    )
    first_two = read(stores["dong"], "WHERE date < DATE '2023-03-08'")
    pd.testing.assert_frame_equal(read(again), first_two)


def test_calibrated_on_the_real_week(stores):
    import seoul_data as sd

    real = sd.load("living.dong_hourly_week_20190304")
    real = real[real.dong_code == "11140550"]  # 명동: offices and shops
    real = real.assign(
        hour=pd.to_datetime(real.time).dt.hour, weekday=pd.to_datetime(real.time).dt.day_of_week < 5
    )
    real = real[real.weekday].groupby("hour").t.mean()
    ours = living.profile("명동", *WEEK1, day="weekday", source=stores["oa"])["총생활인구"]
    assert np.corrcoef(real.to_numpy(), ours.to_numpy())[0, 1] > 0.95
    assert 0.8 < ours.mean() / real.mean() < 1.25
    assert len(calibrate().dong_codes) > 400


def test_profiles_peaks_day_night_and_heatmap(stores):
    source = stores["oa"]
    by_age = living.profile("중구", *WEEK1, by="age", source=source)
    total = living.profile("중구", *WEEK1, source=source)["총생활인구"]
    assert list(by_age.index) == list(range(24)) and len(by_age.columns) == 4
    np.testing.assert_allclose(by_age.sum(axis=1), total, rtol=1e-4)
    by_sex = living.profile("중구", *WEEK1, by="sex", source=source)
    assert list(by_sex.columns) == ["남자", "여자"]
    # a business district fills in the day; a residential dong empties
    assert living.day_night("명동", *WEEK1, source=source) > 1.5
    assert living.day_night("무악동", *WEEK1, source=source) < 0.8
    assert 9 <= living.peak_hour("명동", *WEEK1, source=source) <= 18
    weekend = living.profile("명동", *WEEK1, day="weekend", source=source)["총생활인구"]
    weekday = living.profile("명동", *WEEK1, day="weekday", source=source)["총생활인구"]
    assert weekday.loc[14] > weekend.loc[14]
    grid = living.heatmap("종로구", *WEEK1, source=source)
    assert grid.shape == (24, 7) and list(grid.columns) == [
        "월",
        "화",
        "수",
        "목",
        "금",
        "토",
        "일",
    ]


def test_the_rollup_gives_the_same_answers_as_the_output_areas(stores, monkeypatch):
    from seoul_data.living import queries

    fast = living.profile("중구", *WEEK1, by="age", source=stores["oa"])
    ranked = living.ranking(18, *WEEK1, source=stores["oa"])
    monkeypatch.setattr(queries, "USE_ROLLUP", False)
    rows = living.profile("중구", *WEEK1, by="age", source=stores["oa"])
    pd.testing.assert_frame_equal(fast, rows, rtol=1e-4)
    slow = living.ranking(18, *WEEK1, source=stores["oa"])
    np.testing.assert_allclose(ranked.total, slow.total, rtol=1e-4)
    by_area = living.ranking(18, *WEEK1, level="oa", source=stores["oa"])
    assert by_area.name.str.startswith("집계구 ").all()
    assert len(by_area) == read(stores["oa"]).oa_code.nunique()


def test_ranking_compare_and_inflow(stores):
    top = living.ranking(18, *WEEK1, source=stores["dong"])
    assert len(top) == DONGS and top.total.is_monotonic_decreasing
    assert top.name.str.contains("구 ").all()
    by_gu = living.ranking(18, *WEEK1, level="gu", source=stores["dong"])
    assert set(by_gu.name) == {"종로구", "중구", "용산구"}
    same = living.compare(WEEK1, WEEK1, source=stores["dong"])
    assert (same["변화"].abs() < 1e-6).all()
    weeks = living.compare(WEEK1, WEEK2, source=stores["dong"])
    assert len(weeks) == DONGS and weeks["변화율(%)"].abs().max() < 20
    inflow = living.inflow("명동", *WEEK1, source=stores["oa"])
    assert (inflow["유입"] == inflow["총생활인구"] - inflow["주민등록인구"]).all()
    assert inflow.loc[14, "유입"] > 0  # more people at 2 pm than live there


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: living.profile("없는동네", *WEEK1, source=s), "알 수 없는 지역"),
        (lambda s: living.profile("중구", "2023-03-12", "2023-03-06", source=s), "앞섭니다"),
        (lambda s: living.profile("중구", "2022-01-01", "2022-01-31", source=s), "자료가 없습니다"),
        (lambda s: living.ranking(24, *WEEK1, source=s), "0–23"),
        (lambda s: living.profile("중구", *WEEK1, by="income", source=s), "by는"),
    ],
)
def test_bad_requests_get_korean_errors(stores, call, message):
    with pytest.raises(LivingPopulationError, match=message):
        call(stores["oa"])


def test_missing_store_says_how_to_make_one(tmp_path):
    with pytest.raises(LivingPopulationError, match="seoul-data living"):
        living.profile("중구", *WEEK1, source=tmp_path / "nothing")


def test_official_csv_round_trip_in_chunks(stores, tmp_path):
    csv = export_csv(stores["dong"], "2023-03", tmp_path / "LOCAL_PEOPLE_DONG_202303.csv")
    head = csv.open(encoding="cp949").readline()
    assert head.startswith("기준일ID,시간대구분,행정동코드,총생활인구수,남자0세부터9세생활인구수")
    rows = ingest_csv([csv], tmp_path / "store", chunk_rows=1000)
    assert rows == DONGS * 24 * DAYS
    back = read(tmp_path / "store").sort_values(["date", "hour", "dong_code"])
    original = read(stores["dong"]).sort_values(["date", "hour", "dong_code"])
    np.testing.assert_allclose(back.total, original.total, atol=1e-3)


def test_ingested_output_areas_get_a_fresh_rollup(stores, tmp_path, monkeypatch):
    import shutil

    from seoul_data.living import queries
    from seoul_data.living.store import ROLLUP

    # one day of 집계구 rows in the official layout, every figure doubled
    day = read(stores["oa"], "WHERE date = DATE '2023-03-07'")
    for column in ("total", *BANDS):
        day[column] *= 2
    day["date"] = pd.to_datetime(day["date"]).dt.strftime("%Y%m%d")
    official = {ours: name for name, ours in OFFICIAL.items()}
    csv = tmp_path / "LOCAL_PEOPLE_20230307.csv"
    day[[c for c in official if c in day]].rename(columns=official).to_csv(
        csv, index=False, encoding="cp949"
    )
    store = tmp_path / "oa"
    shutil.copytree(stores["oa"], store)  # its rollup holds the old sums of that day
    assert ingest_csv([csv], store) == len(day)
    assert (store / ROLLUP / "month=2023-03" / "day=2023-03-07.parquet").exists()
    before = living.ranking(18, "2023-03-07", "2023-03-07", source=stores["oa"])
    after = living.ranking(18, "2023-03-07", "2023-03-07", source=store)
    np.testing.assert_allclose(after.total, 2 * before.total, rtol=1e-4)
    monkeypatch.setattr(queries, "USE_ROLLUP", False)
    rows = living.ranking(18, "2023-03-07", "2023-03-07", source=store)
    np.testing.assert_allclose(after.total, rows.total, rtol=1e-4)


def test_a_bad_cell_is_refused_with_its_line_and_nothing_is_kept(stores, tmp_path):
    csv = export_csv(stores["dong"], "2023-03", tmp_path / "month.csv")
    lines = csv.read_text(encoding="cp949").splitlines()
    fields = lines[5000].split(",")
    fields[3] = "12a"  # line 5001: a total that is not a number
    lines[5000] = ",".join(fields)
    fields = lines[10].split(",")
    fields[4] = "*"  # a suppressed cell is fine
    lines[10] = ",".join(fields)
    csv.write_text("\n".join(lines) + "\n", encoding="cp949")
    store = tmp_path / "store"
    with pytest.raises(LivingCsvError, match=r"month\.csv 5001행 '총생활인구수'"):
        ingest_csv([csv], store, chunk_rows=1000)
    assert not list(store.glob("month=*/*.parquet"))


def test_cli_generates_registers_and_refuses(stores, tmp_path):
    import subprocess
    import sys

    import seoul_data as sd

    env_dir = str(stores["data"])
    made = subprocess.run(
        [sys.executable, "-m", "seoul_data.cli", "--data-dir", env_dir, "living", "generate",
         "--level", "dong", "--days", "2", "--dongs", "5", "--start", "2023-04-03"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip # a command line: each option beside its value
    assert made.returncode == 0, made.stderr
    entry = sd.describe("living.synthetic_dong")
    assert entry["synthetic"] and "합성" in entry["title"] and "2023-04-03" in entry["title"]
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "기준일ID,시간대구분,행정동코드,총생활인구수\n20230403,25,11110515,1.0\n", encoding="cp949"
    )
    refused = subprocess.run(
        [sys.executable, "-m", "seoul_data.cli", "--data-dir", env_dir, "living", "ingest",
         str(bad), "--out", str(tmp_path / "store")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip # a command line: each option beside its value
    assert refused.returncode == 2
    assert "bad.csv 2행 '시간대구분'" in refused.stderr
