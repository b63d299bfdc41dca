"""The bundled facility, safety, transport, misc and living-population files, ingested for real.

Each dataset is ingested once into a temporary data directory; the tests then compare the
Parquet files with the raw files under ``data/``: row counts, columns, types, coordinates
and a few values read straight from the source.
"""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

from seoul_data.ingest.validate import SUPPRESSED_SUFFIX
from seoul_data.sources import BUNDLED_DATA, ingest_bundled, sources

#: Rows of each dataset, counted in the raw files (see data/SOURCES.md §4 and §6).
EXPECTED_ROWS = {
    "facilities.public_libraries": 202,
    "facilities.emergency_rooms": 68,
    "facilities.public_toilets": 5046,
    "facilities.post_offices": 227,
    # 835 CSV records, 3 of which are pieces of a previous record's broken HTML
    "facilities.cultural_spaces": 832,
    "facilities.social_welfare": 3122,
    "facilities.cinema_licenses": 900,
    "facilities.statues": 51,
    "facilities.schools": 1319,
    "safety.heat_shelters_2023": 4133,
    "safety.cold_shelters_2023": 1450,
    "safety.earthquake_indoor_shelters": 969,
    "safety.ansimi_cctv": 83734,
    # 1,658 rows × 39 half-hour columns
    "transport.metro_congestion_2022": 1658 * 39,
    "transport.public_parking": 17864,
    "transport.bicycle_facilities": 2992,
    "transport.bike_sharing_demand_uci": 8760,
    "misc.gu_cctv_2016": 25,
    "misc.police_station_5crimes": 31,
    # 155 days × 24 hours × 25 gu
    "living.gu_hourly_2024h1": 93000,
    # 424 dong × 168 hours
    "living.dong_hourly_week_20190304": 424 * 168,
    "living.dong_hourly_week_20200309": 424 * 168,
}
DATASET_IDS = sorted(EXPECTED_ROWS)
FOLDERS = ("facilities", "safety", "transport", "misc", "living_population")
#: Files in those folders that are not datasets of their own.
NOT_DATASETS = {
    "misc/seoul_police_station_5crimes_utf8.csv",  # UTF-8 copy of the CP949 file
    "living_population/COLUMNS.md",  # documentation
}
SEOUL_LAT = (37.4, 37.75)
SEOUL_LON = (126.7, 127.3)


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    """Ingest every dataset once: (data directory, {id: IngestResult})."""
    data_dir = tmp_path_factory.mktemp("bundled-other")
    results = ingest_bundled(data_dir, only=set(DATASET_IDS))
    return data_dir, {r.version.dataset_id: r for r in results}


def _source(dataset_id):
    return next(s for s in sources() if s.dataset.id == dataset_id)


def _table(ingested, dataset_id) -> pd.DataFrame:
    data_dir, results = ingested
    return pd.read_parquet(Path(data_dir) / results[dataset_id].version.path)


def _raw_csv(relative_path, encoding="utf-8-sig") -> list[dict[str, str]]:
    path = BUNDLED_DATA / relative_path
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding=encoding, newline="") as f:
        return list(csv.DictReader(f))


def test_every_data_file_has_a_dataset():
    on_disk = {
        str(p.relative_to(BUNDLED_DATA))
        for folder in FOLDERS
        for p in (BUNDLED_DATA / folder).iterdir()
        if p.is_file()
    }
    declared = {s.file for s in sources() if s.file.split("/")[0] in FOLDERS}
    assert declared == on_disk - NOT_DATASETS
    assert {s.dataset.id for s in sources() if s.file in declared} == set(DATASET_IDS)


@pytest.mark.parametrize("dataset_id", DATASET_IDS)
def test_rows_columns_and_types(ingested, dataset_id):
    _, results = ingested
    schema = _source(dataset_id).dataset.schema
    table = _table(ingested, dataset_id)

    assert len(table) == EXPECTED_ROWS[dataset_id] == results[dataset_id].version.rows
    declared = [f.name for f in schema]
    flags = [c for c in table.columns if c.endswith(SUPPRESSED_SUFFIX)]
    assert [c for c in table.columns if c not in flags] == declared
    assert all(f.removesuffix(SUPPRESSED_SUFFIX) in declared for f in flags)
    for field in schema:
        if field.type in ("integer", "year"):
            assert pd.api.types.is_integer_dtype(table[field.name]), field.name
        elif field.type == "number":
            assert pd.api.types.is_float_dtype(table[field.name]), field.name
        elif field.type in ("date", "datetime"):
            assert pd.api.types.is_datetime64_any_dtype(table[field.name]), field.name


@pytest.mark.parametrize(
    "dataset_id",
    [i for i in DATASET_IDS if {"lat", "lon"} <= {f.role for f in _source(i).dataset.schema}],
)
def test_coordinates_lie_in_seoul(ingested, dataset_id):
    dataset = _source(dataset_id).dataset
    table = _table(ingested, dataset_id)
    lat, lon = table[dataset.column("lat").name], table[dataset.column("lon").name]
    present = lat.notna() & lon.notna()
    inside = lat.between(*SEOUL_LAT) & lon.between(*SEOUL_LON)
    assert present.sum() > 0.9 * len(table)
    assert inside[present].mean() >= 0.99


def test_reingest_writes_nothing(ingested):
    data_dir, _ = ingested
    again = ingest_bundled(data_dir, only=set(DATASET_IDS))
    assert len(again) == len(DATASET_IDS)
    assert [r.version.dataset_id for r in again if r.changed] == []


# -- values read straight from the raw files ---------------------------------------------------


def test_library_name_and_coordinates(ingested):
    raw = next(
        r
        for r in _raw_csv("facilities/seoul_public_libraries.csv")
        if r["도서관명"] == "강남구립못골도서관"
    )
    table = _table(ingested, "facilities.public_libraries")
    row = table[table["name"] == "강남구립못골도서관"].iloc[0]
    assert row["gu"] == raw["구명"] == "강남구"
    assert row["lat"] == pytest.approx(float(raw["위도"]))
    assert row["lon"] == pytest.approx(float(raw["경도"]))


def test_metro_congestion_at_eight(ingested):
    raw = next(
        r
        for r in _raw_csv("transport/seoul_metro_congestion_20221231_cp949.csv", "cp949")
        if (r["요일구분"], r["호선"], r["출발역"], r["상하구분"]) == ("평일", "2", "강남", "외선")
    )
    table = _table(ingested, "transport.metro_congestion_2022")
    station = table[
        (table["day_type"] == "평일")
        & (table["line"] == "2")
        & (table["station"] == "강남")
        & (table["direction"] == "외선")
    ]
    assert list(station["time_slot"])[:2] == ["05:30", "06:00"]
    assert list(station["time_slot"])[-2:] == ["00:00", "00:30"]
    at_eight = station.loc[station["time_slot"] == "08:00", "congestion"].item()
    assert at_eight == pytest.approx(float(raw["8시00분"])) == pytest.approx(106.6)
    # an empty cell (no train after midnight on line 1) stays missing, never 0
    line_1 = table[(table["line"] == "1") & (table["time_slot"] == "00:30")]
    assert line_1["congestion"].isna().any()


def test_gu_living_population_sum_at_one_hour(ingested):
    raw = [
        float(r["총생활인구수"])
        for r in _raw_csv("living_population/seoul_gu_living_pop_hourly_2024H1.csv")
        if r["기준일ID"] == "20240101" and r["시간대구분"] == "08"
    ]
    table = _table(ingested, "living.gu_hourly_2024h1")
    hour = table[(table["date"] == pd.Timestamp("2024-01-01")) & (table["hour"] == 8)]
    assert len(hour) == len(raw) == 25
    assert hour["population"].sum() == pytest.approx(sum(raw))
    gangnam = hour[hour["gu_code"] == "11680"]
    assert gangnam["gu"].item() == "강남구"
    assert gangnam["population"].item() == pytest.approx(616923.2659)
    assert table["date"].nunique() == 155


@pytest.mark.parametrize(
    ("dataset_id", "file", "week_start", "bands"),
    [
        ("living.dong_hourly_week_20190304", "20190304", "2019-03-04", 6),
        ("living.dong_hourly_week_20200309", "20200309", "2020-03-09", 5),
    ],
)
def test_dong_living_population_week(ingested, dataset_id, file, week_start, bands):
    path = BUNDLED_DATA / f"living_population/seoul_hdong_living_pop_hourly_week_{file}.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        sajik = next(r for r in json.load(f) if r["code_8"] == 11110530)
    table = _table(ingested, dataset_id)
    assert [c for c in table.columns if c.startswith("a")] == [f"a{i}" for i in range(1, bands + 1)]
    rows = table[table["dong_code"] == "11110530"].sort_values("time")
    assert rows["dong_name"].iloc[0] == "종로구사직동"
    assert rows["time"].iloc[0] == pd.Timestamp(week_start)
    assert rows["time"].iloc[-1] == pd.Timestamp(week_start) + pd.Timedelta(hours=167)
    assert list(rows["t"]) == sajik["t"]
    assert list(rows[f"a{bands}"]) == sajik[f"a{bands}"]


def test_cultural_spaces_keep_facilities_only(ingested):
    table = _table(ingested, "facilities.cultural_spaces")
    assert sorted(table["seq"]) == list(range(1, 833))
    assert not table["category"].str.contains("<", regex=False).any()
    seoul_library = table[table["name"] == "서울도서관"].iloc[0]
    assert seoul_library["lat"] == pytest.approx(37.56631742)


def test_bike_sharing_dates_are_day_first(ingested):
    table = _table(ingested, "transport.bike_sharing_demand_uci")
    assert table["date"].iloc[0] == pd.Timestamp("2017-12-01")
    assert table["date"].iloc[-1] == pd.Timestamp("2018-11-30")
    assert table["date"].nunique() == 365
    assert table.loc[~table["functioning_day"], "rented_bike_count"].eq(0).all()


def test_spot_values_of_other_tables(ingested):
    cinema = _table(ingested, "facilities.cinema_licenses")
    yongsan = cinema[cinema["name"] == "씨지브이 용산아이파크몰 제4관"].iloc[0]
    assert (yongsan["x_tm"], yongsan["y_tm"]) == pytest.approx((196762.0774, 447480.0396))
    assert cinema["license_date"].notna().all()

    crimes = _table(ingested, "misc.police_station_5crimes")
    jungbu = crimes[crimes["police_station"] == "중부서"].iloc[0]
    assert jungbu["theft_occurred"] == 1395  # '1,395' in the file

    heat = _table(ingested, "safety.heat_shelters_2023")
    # the source gives one facility number to two different shelters: both are kept
    assert heat["facility_no"].eq("1129000255").sum() == 2

    welfare = _table(ingested, "facilities.social_welfare")
    assert welfare["gu_code"].str.len().eq(10).all()
    assert welfare["capacity"].isna().sum() == 315  # blank in the file, never 0

    schools = _table(ingested, "facilities.schools")
    assert schools["school_code"].str.fullmatch(r"\d{7}").all()
    assert schools["gu"].isna().sum() == 9  # "" in the JSON
