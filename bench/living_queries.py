"""생활인구 at city scale: sd.living on a full synthetic year at 집계구 level against pandas
reading the monthly CSVs (what analysts do today), in one run.

    python -m bench.living_queries [--store DIR] [--repeat 5] [--gu 강남구]
                                   [--out bench/results/living_queries.json]

Data: a synthetic year (2023) for ~19,150 output areas, hourly, 28 bands (~168 million rows),
made by seoul_data.living.generator (``--store`` reuses one); the baseline's inputs are the
months it needs written as official-layout CSVs (Korean headers; UTF-8, as DuckDB writes).

Queries: (a) one gu's hourly profile for one month by age group, (b) every dong's mean
population at 18:00 over one month, (c) a period comparison for all dongs (two months).
Ours runs in a child process (its peak memory is reported); p50 over ``--repeat`` runs, with
the store's dong rollup (what sd.living uses for dong and gu questions) and without it (the
집계구 rows themselves). The baseline runs once per query. Also: generation and CSV ingest
rows/s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from bench.report import new_report, write_report
from seoul_data.geo import gu_code
from seoul_data.living.layout import AGE_GROUPS, OFFICIAL, SEXES
from seoul_data.sources import ingest_bundled

MONTH, OTHER = "2023-03", "2023-04"
PERIOD = ("2023-03-01", "2023-03-31")
OTHER_PERIOD = ("2023-04-01", "2023-04-30")
CALIBRATION = {
    "living.dong_hourly_week_20190304",
    "living.gu_hourly_2024h1",
    "population.dong_age5",
    "population.dong_resident_2021q2",
}

OURS = """
import json, resource, statistics, sys, time
from seoul_data import living
from seoul_data.living import queries as q
store, repeat = sys.argv[1], int(sys.argv[2])
runs = {
    "a_gu_month_profile_by_age": lambda: living.profile("%(gu)s", "%(p0)s", "%(p1)s", by="age",
                                                        source=store),
    "b_all_dongs_at_18_month": lambda: living.ranking(18, "%(p0)s", "%(p1)s", source=store),
    "c_all_dongs_two_periods": lambda: living.compare(("%(p0)s", "%(p1)s"), ("%(o0)s", "%(o1)s"),
                                                      source=store),
}
out = {}
for mode, rollup in (("", True), ("_from_output_areas", False)):
    q.USE_ROLLUP = rollup
    for name, run in runs.items():
        times = []
        for _ in range(repeat):
            started = time.perf_counter(); result = run()
            times.append(time.perf_counter() - started)
        out[name + mode] = {"p50_s": round(statistics.median(times), 3),
                            "runs_s": [round(t, 3) for t in times], "rows": len(result)}
out["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
print(json.dumps(out))
"""


def baseline(csv_dir: Path, gu: str) -> dict:
    """pandas: read the month's CSV, filter, group (per query, from the file each time)."""
    names = {k: v for k, v in OFFICIAL.items()}
    results = {}

    def read(month: str) -> pd.DataFrame:
        return pd.read_csv(csv_dir / f"LOCAL_PEOPLE_{month.replace('-', '')}.csv").rename(
            columns=names
        )

    started = time.perf_counter()
    frame = read(MONTH)
    frame = frame[frame.dong_code // 1000 == int(gu_code(gu))]
    groups = {
        label: [f"{s}{k}" for s, _ in SEXES for k in keys] for label, keys in AGE_GROUPS.items()
    }
    for label, columns in groups.items():
        frame[label] = frame[columns].sum(axis=1)
    frame.groupby(["date", "hour"])[list(groups)].sum().groupby("hour").mean()
    results["a_gu_month_profile_by_age"] = round(time.perf_counter() - started, 2)

    started = time.perf_counter()
    frame = read(MONTH)
    at = frame[frame.hour == 18].groupby(["date", "dong_code"]).total.sum()
    at.groupby("dong_code").mean().sort_values(ascending=False)
    results["b_all_dongs_at_18_month"] = round(time.perf_counter() - started, 2)

    started = time.perf_counter()
    means = []
    for month in (MONTH, OTHER):
        frame = read(month)
        means.append(
            frame.groupby(["date", "hour", "dong_code"]).total.sum().groupby("dong_code").mean()
        )
    table = pd.concat(means, axis=1, keys=["a", "b"])
    (100 * (table.b - table.a) / table.a).sort_values()
    results["c_all_dongs_two_periods"] = round(time.perf_counter() - started, 2)
    return results


def export(store: Path, month: str, path: Path) -> None:
    """A month as an official-layout CSV (Korean headers, no oa_code; the dong file's shape
    is the 집계구 file's with 집계구코드, here kept)."""
    official = {v: k for k, v in OFFICIAL.items()}
    select = ", ".join(
        f'{ours} AS "{name}"' for ours, name in official.items() if ours not in ("date",)
    )
    duckdb.connect().execute(
        f"COPY (SELECT strftime(date, '%Y%m%d') AS \"기준일ID\", {select} "
        f"FROM read_parquet('{store}/month={month}/*.parquet')) TO '{path}' (HEADER)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", help="a generated 집계구 store to reuse")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--gu", default="강남구", help="the gu of query (a)")
    parser.add_argument("--out", default="bench/results/living_queries.json")
    args = parser.parse_args()
    report = new_report("living_queries")
    with tempfile.TemporaryDirectory(dir="/var/tmp") as work_dir:
        work = Path(work_dir)
        os.environ["SEOUL_DATA_DIR"] = str(work / "data")
        os.environ["SEOUL_USAGE_LOG"] = str(work / "usage.jsonl")
        ingest_bundled(work / "data", only=CALIBRATION)
        store = Path(args.store) if args.store else work / "oa"
        if not args.store:
            from seoul_data.living.generator import generate

            started = time.perf_counter()
            generate(store, start=date(2023, 1, 1), days=365, progress=False)
            seconds = time.perf_counter() - started
        else:
            seconds = None
        rows = (
            duckdb.connect()
            .execute(f"SELECT count(*) FROM read_parquet('{store}/month=*/*.parquet')")
            .fetchone()[0]
        )
        size = sum(f.stat().st_size for f in store.glob("month=*/*.parquet"))
        report["data"] = {
            "rows": rows,
            "parquet_gib": round(size / 2**30, 2),
            "generate_s": seconds and round(seconds, 1),
            "generate_rows_per_s": seconds and round(rows / seconds),
        }

        child = subprocess.run(
            [
                sys.executable,
                "-c",
                OURS
                % {
                    "gu": args.gu,
                    "p0": PERIOD[0],
                    "p1": PERIOD[1],
                    "o0": OTHER_PERIOD[0],
                    "o1": OTHER_PERIOD[1],
                },
                str(store),
                str(args.repeat),
            ],
            capture_output=True,
            text=True,
            env=os.environ,
        )
        if child.returncode:
            raise SystemExit(child.stderr)
        report["ours"] = json.loads(child.stdout.strip().splitlines()[-1])

        csv_dir = work / "csv"
        csv_dir.mkdir()
        for month in (MONTH, OTHER):
            export(store, month, csv_dir / f"LOCAL_PEOPLE_{month.replace('-', '')}.csv")
        from seoul_data.living.store import ingest_csv

        started = time.perf_counter()
        ingested = ingest_csv(
            [csv_dir / f"LOCAL_PEOPLE_{MONTH.replace('-', '')}.csv"],
            work / "ingested",
            encoding="utf-8",
        )
        seconds = time.perf_counter() - started
        report["ingest_csv"] = {
            "rows": ingested,
            "seconds": round(seconds, 1),
            "rows_per_s": round(ingested / seconds),
        }
        report["baseline_pandas_csv_s"] = baseline(csv_dir, args.gu)
    report["speedup"] = {
        name: round(report["baseline_pandas_csv_s"][name] / report["ours"][name]["p50_s"], 1)
        for name in report["baseline_pandas_csv_s"]
    }
    report["baseline_peak_rss_mib"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
    )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    write_report(report, args.out)


if __name__ == "__main__":
    main()
