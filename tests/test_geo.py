"""seoul_data.geo on the real reference files and real published Seoul data (data/)."""

from __future__ import annotations

import dataclasses
import gzip
import json
import logging
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from seoul_data import geo

DATA = Path(__file__).resolve().parent.parent / "data"
REFERENCE = Path(geo.__file__).resolve().parent / "reference"
GU = geo.gu_table()


def read_csv(relative: str, **kwargs) -> pd.DataFrame:
    return pd.read_csv(DATA / relative, dtype=str, encoding="utf-8-sig", **kwargs)


@pytest.fixture(scope="module")
def living_population_gu() -> pd.DataFrame:
    """Hourly living population by gu, 2024 H1 (자치구코드 = MOIS 5-digit), 93,000 rows."""
    return read_csv("living_population/seoul_gu_living_pop_hourly_2024H1.csv")


@pytest.fixture(scope="module")
def fiscal_independence() -> pd.DataFrame:
    """재정자립도 by gu 2017–2021: SGG (name), CODE (KOSTAT 5-digit), CODE_AD (MOIS 10)."""
    return read_csv("population/seoul_gu_fiscal_independence_2017_2021.csv", index_col=0)


@pytest.fixture(scope="module")
def dong_density() -> pd.DataFrame:
    """Population by 행정동 2017–2021: SGG, NAME_AD, CODE (KOSTAT 7), CODE_AD (MOIS 10)."""
    return read_csv("population/seoul_hdong_pop_households_density_2017_2021.csv", index_col=0)


@pytest.fixture(scope="module")
def living_population_dong_2019() -> pd.DataFrame:
    """Living population by 행정동, Monday 2019-03-04 00h: code_8 (MOIS 8-digit, int)."""
    path = DATA / "living_population/seoul_hdong_living_pop_hourly_week_20190304.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        rows = json.load(handle)
    return pd.DataFrame(
        {"code_8": [r["code_8"] for r in rows], "full_name": [r["full_name"] for r in rows]}
    )


# -- reference tables ------------------------------------------------------------------------


def test_reference_files_are_small_copies_of_the_repository_data():
    assert sum(p.stat().st_size for p in REFERENCE.iterdir()) < 2_000_000
    for name, original in [
        ("seoul_gu_codes.csv", "boundaries/gu/seoul_gu_codes.csv"),
        ("seoul_gu_juso2015_geo_simple.json", "boundaries/gu/seoul_gu_juso2015_geo_simple.json"),
    ]:
        assert (REFERENCE / name).read_bytes() == (DATA / original).read_bytes()
    original = gpd.read_file(DATA / "boundaries/dong/seoul_hdong_admdongkor_ver20210401.geojson")
    assert original["adm_cd2"].tolist() == geo.dong_table()["mois10"].tolist()
    assert original["adm_nm"].tolist() == geo.dong_table()["full_name"].tolist()


def test_gu_table():
    assert len(GU) == 25
    assert list(GU.columns) == ["name_ko", "name_en", "mois", "kostat", "mois10"]
    assert GU.iloc[0].to_dict() == {
        "name_ko": "종로구",
        "name_en": "Jongno-gu",
        "mois": "11110",
        "kostat": "11010",
        "mois10": "1111000000",
    }
    assert (GU["mois10"] == GU["mois"] + "00000").all()
    for column in GU.columns:
        assert GU[column].is_unique


def test_dong_table():
    dongs = geo.dong_table()
    assert len(dongs) == 425
    assert dongs["mois10"].is_unique and dongs["kostat7"].is_unique and dongs["mois8"].is_unique
    assert (dongs["mois8"] == dongs["mois10"].str[:8]).all()
    assert (
        dongs["full_name"] == "서울특별시 " + dongs["gu_name_ko"] + " " + dongs["name_ko"]
    ).all()
    assert (dongs["mois10"].str[:5] == dongs["gu_mois"]).all()
    # Both code systems of each dong name the same gu: checks the gu code table too.
    assert (dongs["gu_mois"].map(lambda c: geo.gu_name(c, "mois")) == dongs["gu_name_ko"]).all()
    kostat_gu = dongs["kostat7"].str[:5].map(lambda c: geo.gu_name(c, "kostat"))
    assert (kostat_gu == dongs["gu_name_ko"]).all()


def test_tables_are_copies():
    gu, dong = geo.gu_table(), geo.dong_table()
    gu.loc[0, "name_ko"] = "바뀐구"
    del dong["mois10"]
    assert geo.gu_table().loc[0, "name_ko"] == "종로구"
    assert "mois10" in geo.dong_table().columns


# -- gu codes --------------------------------------------------------------------------------


@pytest.mark.parametrize("row", GU.to_dict("records"), ids=GU["name_en"].tolist())
def test_gu_round_trips_between_systems(row):
    name, mois, kostat = row["name_ko"], row["mois"], row["kostat"]
    assert geo.gu_code(name) == mois
    assert geo.gu_code(name, "mois") == mois
    assert geo.gu_code(name, "kostat") == kostat
    assert geo.gu_code(name, "mois10") == row["mois10"]
    assert geo.gu_name(mois, "mois") == name
    assert geo.gu_name(kostat, "kostat") == name
    assert geo.gu_code(mois, "mois", to="kostat") == kostat
    assert geo.gu_code(kostat, "kostat", to="mois") == mois
    assert geo.gu_code(geo.gu_code(mois, "mois", to="kostat"), "kostat", to="mois") == mois
    assert geo.gu_code(row["mois10"]) == mois
    assert geo.gu_name(row["mois10"]) == name
    assert geo.gu_code(int(kostat), "kostat", to="mois") == mois


def test_11110_is_jongno_in_mois_and_nowon_in_kostat():
    assert geo.gu_name("11110", "mois") == "종로구"
    assert geo.gu_name("11110", "kostat") == "노원구"
    assert geo.gu_code("11110", "kostat", to="mois") == "11350"
    assert geo.gu_code("11110", "mois", to="kostat") == "11010"


@pytest.mark.parametrize("call", [lambda: geo.gu_name("11110"), lambda: geo.gu_code(11680)])
def test_a_five_digit_code_without_system_is_refused_with_an_explanation(call):
    with pytest.raises(ValueError) as error:
        call()
    message = str(error.value)
    for part in ("MOIS", "KOSTAT", "11110", "종로구", "노원구", "system='mois'", "system='kostat'"):
        assert part in message


def test_longer_codes_name_their_gu():
    assert geo.gu_name("1168000000") == "강남구"
    assert geo.gu_name("1168064000") == "강남구"  # 역삼1동
    assert geo.gu_name("11680640", "mois8") == "강남구"
    assert geo.gu_name("1123064") == "강남구"  # KOSTAT 7-digit dong code
    assert geo.gu_code("1123064", to="kostat") == "11230"
    assert geo.gu_code("1168000000", "mois") == "11680"
    assert geo.gu_name(11680.0, "mois") == "강남구"  # codes read as floats


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        (("99999", "mois"), {}),
        (("11215", "kostat"), {}),  # 광진구 in MOIS, nothing in KOSTAT
        (("11010", "mois"), {}),  # 종로구 in KOSTAT, nothing in MOIS
        (("2611000000",), {}),  # 부산 중구
        (("11680", "wgs84"), {}),
        (("강남구", "kostat7"), {}),
        (("부산진구",), {}),
    ],
)
def test_unknown_codes_names_and_systems_raise(args, kwargs):
    with pytest.raises(ValueError):
        geo.gu_code(*args, **kwargs)


# -- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("강남", "강남구"),
        ("강남구", "강남구"),
        ("강남구청", "강남구"),
        ("서울시 강남구청", "강남구"),
        ("서울특별시 강남구", "강남구"),
        ("  강 남 구 ", "강남구"),
        ("Gangnam-gu", "강남구"),
        ("gangnam", "강남구"),
        ("GANGNAM GU", "강남구"),
        ("Gangnam District", "강남구"),
        ("Gangnam-gu, Seoul", "강남구"),
        ("중구", "중구"),
        ("중", "중구"),
        ("Jung-gu", "중구"),
        ("중랑", "중랑구"),
        ("Jongno", "종로구"),
        ("서울특별시 강남구 역삼1동", "강남구"),
        ("서울 중구 명동", "중구"),
        ("\u1100\u1161\u11bc\u1102\u1161\u11b7\u1100\u116e", "강남구"),  # NFD, as macOS writes
        ("강남역", None),
        ("중앙동", None),
        ("부산", None),
        ("", None),
        (None, None),
    ],
)
def test_find_gu(text, expected):
    assert geo.find_gu(text) == expected


def test_total_rows_are_the_citys_and_the_sums_in_a_column_of_gu():
    gu = geo.gu_table()["name_ko"].tolist()
    frame = pd.DataFrame(
        {
            "area": ["서울특별시", *gu, "합 계", "소계"],
            "year": ["2021"] * 28,  # text, but not a column of gu
            "n": range(28),
        }
    )
    assert geo.total_rows(frame).tolist() == [True] + [False] * 25 + [True, True]
    # '계' or '서울' in a column that names no gu is data, not a total
    other = pd.DataFrame({"kind": ["계", "서울", "부산"], "n": [1, 2, 3]})
    assert not geo.total_rows(other).any()


@pytest.mark.parametrize("row", GU.to_dict("records"), ids=GU["name_en"].tolist())
def test_find_gu_knows_every_gu_by_every_spelling(row):
    name, english = row["name_ko"], row["name_en"]
    spellings = [name, name[:-1], name + "청", "서울특별시 " + name, english, english.upper()]
    spellings += [english.removesuffix("-gu"), english.replace("-", " ")]
    assert {geo.find_gu(spelling) for spelling in spellings} == {name}


def names(rows: list[dict]) -> list[tuple[str, str]]:
    return [(row["gu_name_ko"], row["name_ko"]) for row in rows]


def test_find_dong():
    (sinchon,) = geo.find_dong("신촌")
    assert sinchon == {
        "name_ko": "신촌동",
        "full_name": "서울특별시 서대문구 신촌동",
        "gu_name_ko": "서대문구",
        "gu_mois": "11410",
        "mois10": "1141058500",
        "kostat7": "1113075",
        "mois8": "11410585",
    }
    assert names(geo.find_dong("신촌동")) == [("서대문구", "신촌동")]
    assert names(geo.find_dong("역삼1동")) == [("강남구", "역삼1동")]
    assert names(geo.find_dong("역삼 1동")) == [("강남구", "역삼1동")]
    assert geo.find_dong("역삼3동") == []
    assert geo.find_dong("없는동") == []
    assert geo.find_dong("") == []


def test_find_dong_in_two_gu():
    assert sorted(names(geo.find_dong("신사동"))) == [("강남구", "신사동"), ("관악구", "신사동")]
    assert names(geo.find_dong("신사동", gu="강남")) == [("강남구", "신사동")]
    assert names(geo.find_dong("신사", gu="Gwanak-gu")) == [("관악구", "신사동")]
    assert names(geo.find_dong("서울특별시 관악구 신사동")) == [("관악구", "신사동")]
    assert names(geo.find_dong("관악구신사동")) == [("관악구", "신사동")]
    assert geo.find_dong("신사동", gu="종로구") == []
    assert geo.find_dong("서울특별시 관악구 신사동", gu="강남구") == []
    with pytest.raises(ValueError):
        geo.find_dong("신사동", gu="부산진구")


def test_find_dong_spelling_variants_and_split_dongs():
    assert names(geo.find_dong("종로1.2.3.4가동")) == [("종로구", "종로1·2·3·4가동")]
    assert names(geo.find_dong("종로1ㆍ2ㆍ3ㆍ4가동")) == [("종로구", "종로1·2·3·4가동")]
    assert names(geo.find_dong("면목제3.8동")) == [("중랑구", "면목3·8동")]
    assert names(geo.find_dong("역삼동")) == [("강남구", "역삼1동"), ("강남구", "역삼2동")]
    assert names(geo.find_dong("성수")) == [
        ("성동구", "성수1가1동"),
        ("성동구", "성수1가2동"),
        ("성동구", "성수2가1동"),
        ("성동구", "성수2가3동"),
    ]


def test_every_dong_is_found_by_its_name_and_gu():
    for row in geo.dong_table().to_dict("records"):
        assert geo.find_dong(row["name_ko"], gu=row["gu_name_ko"]) == [row]
        assert geo.find_dong(row["full_name"]) == [row]


# -- code system detection -------------------------------------------------------------------


def test_detect_code_system_on_real_columns(
    living_population_gu, fiscal_independence, dong_density, living_population_dong_2019
):
    assert geo.detect_code_system(living_population_gu["자치구코드"]) == "mois"
    assert geo.detect_code_system(fiscal_independence["CODE"]) == "kostat"
    assert geo.detect_code_system(fiscal_independence["CODE_AD"]) == "mois10"
    assert geo.detect_code_system(dong_density["CODE"]) == "kostat7"
    assert geo.detect_code_system(dong_density["CODE_AD"]) == "mois10"
    assert geo.detect_code_system(living_population_dong_2019["code_8"]) == "mois8"


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        (GU["mois"], "mois"),
        (GU["kostat"], "kostat"),
        (GU["mois10"], "mois10"),
        (geo.dong_table()["mois8"], "mois8"),
        (geo.dong_table()["kostat7"], "kostat7"),
        (["11680", "99999", None, "", "합계"], "mois"),  # noise is no evidence
        ([11010, 11250.0, float("nan")], "kostat"),
        (["11215"], "mois"),
        (["11110", "11140", "11170", "11200", "11230"], "ambiguous"),  # in both systems
        (["11010", "11680"], "ambiguous"),  # evidence for both
        (["11680", "1168000000"], "ambiguous"),
        ([], "ambiguous"),
    ],
)
def test_detect_code_system(codes, expected):
    assert geo.detect_code_system(codes) == expected


# -- boundaries ------------------------------------------------------------------------------


def test_boundaries():
    gu = geo.boundaries("gu")
    dong = geo.boundaries("dong")
    assert (len(gu), len(dong)) == (25, 425)
    assert gu.crs == dong.crs == "EPSG:4326"
    assert list(gu.columns) == [*GU.columns, "geometry"]
    assert list(dong.columns) == [*geo.dong_table().columns, "geometry"]
    assert gu.is_valid.all() and dong.is_valid.all()
    assert pd.DataFrame(gu.drop(columns="geometry")).equals(GU)
    assert set(gu.geom_type) == {"Polygon"} and set(dong.geom_type) == {"MultiPolygon"}
    minx, miny, maxx, maxy = gu.total_bounds
    assert 126.7 < minx < maxx < 127.3 and 37.4 < miny < maxy < 37.8
    with pytest.raises(ValueError):
        geo.boundaries("si")


def test_every_dong_lies_in_its_gu():
    gu = geo.boundaries("gu").set_index("mois")
    dong = geo.boundaries("dong")
    gu_shapes = gpd.GeoSeries(gu.loc[dong["gu_mois"], "geometry"].to_numpy(), crs=gu.crs)
    inside = gu_shapes.contains(dong.geometry.representative_point().reset_index(drop=True))
    assert inside.all(), dong.loc[~inside.to_numpy(), "full_name"].tolist()


def test_boundaries_are_copies():
    gu = geo.boundaries("gu")
    gu.loc[0, "name_ko"] = "바뀐구"
    del gu["mois"]
    assert geo.boundaries("gu").loc[0, "name_ko"] == "종로구"
    assert "mois" in geo.boundaries("gu").columns


# -- join_places -----------------------------------------------------------------------------


def test_join_by_mois_code_keeps_an_unmatched_row(living_population_gu, caplog):
    bogus = pd.DataFrame({"기준일ID": ["20240605"], "자치구코드": ["99999"], "총생활인구수": ["1"]})
    frame = pd.concat([living_population_gu, bogus], ignore_index=True)
    with caplog.at_level(logging.WARNING, logger="seoul_data.geo"):
        joined, report = geo.join_places(frame, "자치구코드")

    assert isinstance(joined, gpd.GeoDataFrame) and joined.crs == "EPSG:4326"
    assert report == geo.JoinReport(
        matched=93_000, unmatched=1, unmatched_values=["99999"], system="mois"
    )
    assert len(joined) == len(frame) and joined.index.equals(frame.index)
    assert joined["자치구코드"].tolist() == frame["자치구코드"].tolist()
    assert (joined["mois"].iloc[:-1] == frame["자치구코드"].iloc[:-1]).all()
    assert joined["name_ko"].iloc[:-1].nunique() == 25
    last = joined.iloc[-1]
    assert last["자치구코드"] == "99999" and last.geometry is None and pd.isna(last["name_ko"])
    assert joined.geometry.isna().sum() == 1
    assert "99999" in caplog.text and "1개" in caplog.text
    assert "연결 안 됨 1행" in str(report)


def test_join_by_kostat_code_and_by_name_agree(fiscal_independence):
    by_code, report = geo.join_places(fiscal_independence, "CODE")
    assert (report.system, report.matched, report.unmatched) == ("kostat", 125, 0)
    assert (by_code["name_ko"] == by_code["SGG"]).all()
    nowon = by_code[by_code["CODE"] == "11110"]
    assert set(nowon["name_ko"]) == {"노원구"} and set(nowon["mois"]) == {"11350"}

    by_mois10, report = geo.join_places(fiscal_independence, "CODE_AD")
    assert report.system == "mois10" and (by_mois10["name_ko"] == by_mois10["SGG"]).all()

    by_name, report = geo.join_places(fiscal_independence, "SGG", system="name")
    assert (report.matched, report.unmatched) == (125, 0)
    assert by_name.geometry.geom_equals(by_code.geometry).all()
    assert by_name.index.equals(fiscal_independence.index)


def test_join_by_name_variants_and_missing_values():
    frame = pd.DataFrame(
        {
            "place": ["강남", "강남구청", "Gangnam-gu", "서울특별시 강남구 역삼1동", "부산", None],
            "value": range(6),
        },
        index=list("abcdef"),
    )
    joined, report = geo.join_places(frame, "place", system="name")
    assert joined["name_ko"].tolist()[:4] == ["강남구"] * 4
    assert (report.matched, report.unmatched) == (4, 2)
    assert report.unmatched_values == ["부산", None]
    assert joined.index.tolist() == list("abcdef")
    assert joined.geometry.isna().tolist() == [False] * 4 + [True] * 2


def test_join_dong_by_code_and_name(dong_density):
    by_code, report = geo.join_places(dong_density, "CODE_AD", level="dong")
    assert report.system == "mois10"
    # 2017–2018 강북구 dong codes changed in 2019; those rows stay, unmatched and listed.
    assert report.unmatched == 12
    assert {code[:5] for code in report.unmatched_values} == {"11305"}
    assert len(by_code) == len(dong_density)
    assert (by_code.loc[by_code["YEAR"] == "2021", "mois10"].notna()).all()

    by_kostat, report = geo.join_places(dong_density, "CODE", level="dong")
    assert report.system == "kostat7" and report.unmatched == 3

    dong_density = dong_density.assign(
        place="서울특별시 " + dong_density["SGG"] + " " + dong_density["NAME_AD"]
    )
    by_name, report = geo.join_places(dong_density, "place", level="dong", system="name")
    assert (report.matched, report.unmatched) == (len(dong_density), 0)
    both = by_code["mois10"].notna().to_numpy()
    assert (by_name["mois10"].to_numpy()[both] == by_code["mois10"].to_numpy()[both]).all()

    # A bare name in two gu is not guessed: 신사동 (강남구, 관악구) stays unmatched.
    bare, report = geo.join_places(dong_density, "NAME_AD", level="dong", system="name")
    assert report.unmatched_values == ["신사동"]
    assert report.unmatched == (dong_density["NAME_AD"] == "신사동").sum()


def test_join_dong_by_mois8_living_population(living_population_dong_2019):
    frame = living_population_dong_2019
    joined, report = geo.join_places(frame, "code_8", level="dong")
    assert report.system == "mois8"
    assert report.matched == 418
    assert report.unmatched_values == [11305590, 11305600, 11305606, 11305610, 11305620, 11305630]
    # The file writes names as '강북구번1동' (gu and dong without a space).
    by_name, report = geo.join_places(frame, "full_name", level="dong", system="name")
    assert (report.matched, report.unmatched) == (424, 0)
    gu_level, report = geo.join_places(frame, "code_8", level="gu")
    assert (report.matched, report.unmatched) == (424, 0)


def test_join_refuses_what_it_cannot_decide():
    frame = pd.DataFrame({"code": ["11110", "11140"]})
    with pytest.raises(ValueError, match="system=") as error:
        geo.join_places(frame, "code")
    assert "MOIS" in str(error.value) and "KOSTAT" in str(error.value)
    joined, report = geo.join_places(frame, "code", system="kostat")
    assert joined["name_ko"].tolist() == ["노원구", "마포구"]
    with pytest.raises(ValueError, match="level='dong'"):
        geo.join_places(pd.DataFrame({"code": ["11680"]}), "code", level="dong", system="mois")
    with pytest.raises(KeyError):
        geo.join_places(frame, "missing")
    with pytest.raises(ValueError, match="sjoin"):
        geo.join_places(geo.boundaries("gu"), "mois", system="mois")


def test_join_report_is_frozen():
    report = geo.JoinReport(matched=1, unmatched=0, unmatched_values=[], system="mois")
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.matched = 2  # type: ignore[misc]


# -- coordinates -----------------------------------------------------------------------------


def read_centroids() -> pd.DataFrame:
    path = DATA / "boundaries/dong/seoul_admcd_centroids_utmk_2001_2023_from_admdongkor.tsv"
    return pd.read_csv(path, sep="\t", dtype={"ADMCD": str})


def test_to_wgs84_on_the_seoul_centroid():
    centroids = read_centroids()
    seoul = centroids[centroids["ADMNM"] == "서울특별시"].iloc[0]
    assert (seoul["X"], seoul["Y"]) == (954919, 1950195)
    lon, lat = geo.to_wgs84(seoul["X"], seoul["Y"])
    assert abs(lon - 126.98) < 0.02 and abs(lat - 37.56) < 0.02
    city = geo.boundaries("gu").union_all()
    assert city.contains(gpd.points_from_xy([lon], [lat])[0])


def test_to_wgs84_puts_each_dong_centroid_in_its_dong():
    centroids = read_centroids()
    dong = geo.boundaries("dong").merge(centroids, left_on="mois10", right_on="ADMCD")
    assert len(dong) == 425
    lon, lat = geo.to_wgs84(dong["X"].to_numpy(), dong["Y"].to_numpy())
    assert isinstance(lon, np.ndarray) and lon.shape == (425,)
    points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs("EPSG:5179")
    shapes = gpd.GeoSeries(dong.geometry.to_numpy(), crs="EPSG:4326").to_crs("EPSG:5179")
    # Metres from each centroid to its dong: 0 for all but one concave dong (about 145 m).
    assert shapes.distance(points).max() < 200


def test_names_and_codes_work_without_geopandas():
    """The library runs in containers without the geo extra: only maps need geopandas."""
    script = """
import sys
for name in ("geopandas", "shapely", "pyproj"):
    sys.modules[name] = None  # makes `import name` fail as if it were not installed
from seoul_data import geo
assert geo.gu_code("강남구", "kostat") == "11230"
assert len(geo.find_dong("신사동")) == 2
assert geo.detect_code_system(["11680"]) == "mois"
try:
    geo.boundaries("gu")
except ImportError as error:
    print(error)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert "geopandas" in done.stdout and "[geo]" in done.stdout


def test_import_does_not_load_geopandas():
    script = "import sys, seoul_data.geo; print('geopandas' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "False"
