"""Catalog and loading speed: the baseline and ours in one run, numbers to JSON.

    python -m bench.catalog_and_load [--repeat 20] [--out bench/results/catalog_and_load.json]

1. Import of the full data.go.kr catalogue (61,359 entries) into an empty catalog.
2. ``sd.catalog()`` filter latency on that catalog (field, keyword, both).
3. ``sd.load`` of one gu and one hour from the living-population file (93,000 rows)
   against pandas ``read_csv`` of the same file followed by the same filter.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

import seoul_data as sd
from bench.report import new_report, write_report
from seoul_data.catalog import Catalog
from seoul_data.catalog.datagokr import import_datagokr
from seoul_data.sources import BUNDLED_DATA, ingest_bundled, sources

FULL_CATALOGUE = BUNDLED_DATA / "catalog" / "datagokr_catalog_20220630_full.csv.gz"
LIVING_ID = "living.gu_hourly_2024h1"
GANGNAM_MOIS = "11680"


def timed(function, repeat: int) -> dict:
    """Median and min wall time of ``repeat`` calls, in milliseconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(times), 2), "min_ms": round(min(times), 2)}


def bench_catalog(work: Path, repeat: int) -> dict:
    started = time.perf_counter()
    count = import_datagokr(Catalog(work), FULL_CATALOGUE)
    import_s = time.perf_counter() - started
    return {
        "entries": count,
        "import_s": round(import_s, 2),
        "filter_field": timed(lambda: sd.catalog(field="교통"), repeat),
        "filter_keyword": timed(lambda: sd.catalog(keyword="주차장"), repeat),
        "filter_field_and_keyword": timed(lambda: sd.catalog(field="교통", keyword="주차"), repeat),
    }


def bench_load(work: Path, repeat: int) -> dict:
    ingest_bundled(work, only={LIVING_ID})
    source = next(s for s in sources() if s.dataset.id == LIVING_ID)
    raw = source.path(BUNDLED_DATA)

    def baseline() -> pd.DataFrame:
        frame = pd.read_csv(raw, encoding="utf-8-sig", dtype={"자치구코드": str})
        return frame[(frame["자치구코드"] == GANGNAM_MOIS) & (frame["시간대구분"] == 8)]

    gu_code = source.dataset.column("gu_code").name
    hour = next(f.name for f in source.dataset.schema if f.name == "hour")

    def ours() -> pd.DataFrame:
        return sd.load(LIVING_ID, where=f'"{gu_code}" = \'{GANGNAM_MOIS}\' AND "{hour}" = 8')

    rows = (len(baseline()), len(ours()))
    if rows[0] != rows[1]:
        raise AssertionError(f"baseline and ours disagree: {rows}")
    return {
        "dataset": LIVING_ID,
        "source_rows": sum(1 for _ in open(raw, encoding="utf-8-sig")) - 1,
        "result_rows": rows[1],
        "pandas_read_csv_and_filter": timed(baseline, repeat),
        "sd_load_with_filter": timed(ours, repeat),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--out", default="bench/results/catalog_and_load.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        os.environ["SEOUL_DATA_DIR"] = work
        os.environ["SEOUL_USAGE_LOG"] = str(Path(work) / "usage.jsonl")
        results = {
            "catalog": bench_catalog(Path(work), args.repeat),
            "load": bench_load(Path(work), args.repeat),
        }
    write_report(new_report("catalog_and_load", results=results), args.out)


if __name__ == "__main__":
    main()
