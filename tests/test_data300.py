"""Data300's staged files (data/data300/, provenance in data/SOURCES.md §8), declared only:
each ingests as published, loads with the row count INDEX.tsv records, places its rows where
it names a gu, and search finds it by its title; every Data300 field has datasets staff can
open. Files not declared are listed here with the reason."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

import seoul_data as sd
from seoul_data.catalog import Catalog
from seoul_data.catalog.datagokr import import_datagokr
from seoul_data.catalog.fields import FIELDS
from seoul_data.geo import gu_table, join_places
from seoul_data.sources import BUNDLED_DATA, ingest_bundled, sources

DATA300 = [s for s in sources() if s.file.startswith("data300/")]
GU_NAMES = list(gu_table()["name_ko"])
DATAGOKR_CSV = "datagokr_catalog_20220630_seoul_orgs.csv"
with open(BUNDLED_DATA / "data300" / "INDEX.tsv", encoding="utf-8") as index_file:
    INDEX = {row["path"]: row for row in csv.DictReader(index_file, delimiter="\t")}

#: Staged files that are not (yet) datasets, and why.
LEFT_OUT: dict[str, str] = {
    f"administration/election2020_pr_by_gu_seoul/개표상황(투표구별)_{gu}.xlsx": (
        "the election commission's workbook: title rows, a two-row merged header, merged"
        " 읍면동 cells and total rows among the polling districts; one table of the 25 needs"
        " a transform"
    )
    for gu in GU_NAMES
} | {
    "population_household/seoul_trade_area_resident_pop_by_gu_cp949.csv": (
        "byte-identical to population/seoul_trade_area_resident_pop_by_gu_cp949.csv, declared"
        " as population.gu_trade_area_residents (not copied twice)"
    ),
}
#: Datasets whose rows differ from INDEX.tsv's count, and why.
ROWS_DIFFER: dict[str, str] = {
    "urban.street_trash_bins_201909": "a title row and a blank row above the header",
    "health.gu_medical_institutions_2022": "INDEX counts the 4-line header's 3 extra lines",
    "welfare.gu_registered_disabled_by_severity_2021": "the same 4-line 서울통계 header",
    "environment.gu_park_area_per_capita_2022": "a 3-line header",
    "environment.gu_parks_2022": "a 5-line header",
    "economy.gu_grdp_2021": "a 2-line header",
    "housing.apartment_real_price_index_2020_2024": "the header line is written twice",
}
#: Datasets whose gu column places fewer than 95 % of rows, and why.
PLACED_LESS: dict[str, str] = {
    "environment.gu_park_area_per_capita_2022": "rows 소계 (Seoul) and 서울대공원 (in 과천시)",
    "environment.gu_parks_2022": "rows 소계 (Seoul) and 서울대공원 (in 과천시)",
}


def staged(source) -> str:
    return source.file.removeprefix("data300/")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("data300")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEOUL_DATA_DIR", str(directory))
        patch.setenv("SEOUL_USAGE_LOG", str(directory / "usage.jsonl"))
        patch.setenv("SEOUL_DATA_GROUPS", "analyst")
        ingest_bundled(directory, only={s.dataset.id for s in DATA300})
        # as on the platform: the data.go.kr records beside the data
        import_datagokr(Catalog(directory), BUNDLED_DATA / "catalog" / DATAGOKR_CSV)
        yield directory


def test_every_staged_file_is_a_dataset_or_said_why_not():
    declared = {staged(s) for s in DATA300}
    assert declared <= set(INDEX), declared - set(INDEX)
    assert set(INDEX) - declared == set(LEFT_OUT)


@pytest.mark.parametrize("source", DATA300, ids=lambda s: s.dataset.id)
def test_a_staged_dataset_loads_with_its_rows(data_dir, source):
    frame = sd.load(source.dataset.id)
    expected = int(INDEX[staged(source)]["rows"])
    if source.dataset.id in ROWS_DIFFER:
        assert len(frame) != expected
    else:
        assert len(frame) == expected


def test_gu_columns_place_their_rows(data_dir):
    shares = {}
    for source in DATA300:
        for field in source.dataset.schema:
            if field.role == "gu" or (field.role == "gu_code" and field.code_system):
                frame = sd.load(source.dataset.id, columns=[field.name])
                system = "name" if field.role == "gu" else field.code_system
                _, report = join_places(frame, field.name, "gu", system)
                shares[source.dataset.id] = report.matched / max(len(frame), 1)
    print({k: round(v, 3) for k, v in sorted(shares.items())})  # the figures, in the log
    low = {k for k, v in shares.items() if v < 0.95}
    assert low == set(PLACED_LESS), {k: shares[k] for k in low}


def test_search_finds_each_by_its_title(data_dir):
    missed = []
    for source in DATA300:
        hits = sd.search(source.dataset.title, k=5).hits
        if source.dataset.id not in [hit.id for hit in hits]:
            missed.append((source.dataset.title, [hit.id for hit in hits]))
    assert missed == []


def test_every_field_has_datasets_staff_can_open():
    per_field = Counter(s.dataset.field for s in sources())
    assert {field: per_field[field] for field in FIELDS if per_field[field] < 5} == {}


def test_a_dataset_linked_to_its_data_go_kr_record_is_one_entry(data_dir):
    linked = [s.dataset for s in DATA300 if s.dataset.source_id]
    records = {f"datagokr.{d.source_id}" for d in linked}
    catalog = Catalog(data_dir)
    held = {d.id for d in catalog.find() if d.id in records}
    # national bodies' records (LOCALDATA, HIRA …) are not in the Seoul list: 21 of 52 are
    assert len(linked) >= 40 and len(held) >= 20
    for dataset in linked:
        found = [hit.id for hit in sd.search(dataset.title, k=10).hits]
        assert f"datagokr.{dataset.source_id}" not in found, dataset.id
    # and the count per field has it once, as a dataset that opens
    counts = catalog.field_counts()
    assert sum(c["open"] + c["listed"] for c in counts.values()) == catalog.count() - len(held)
