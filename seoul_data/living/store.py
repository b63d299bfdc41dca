"""The living-population store: Parquet by month and day, and the official CSV layout in and
out.

``ingest_csv`` reads official files (CP949 or UTF-8, quoted or not, ``*`` for suppressed
cells) in chunks, so a 125 MB day file or a month of them never has to fit in memory, and
writes the same ``month=YYYY-MM/day=YYYY-MM-DD.parquet`` files the generator writes (with
the dong rollup of 집계구 rows). A bad file is refused with its name, line and column, and
nothing of it is kept.
``export_csv`` writes a month in the official layout (the benchmark's baseline reads it).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from seoul_data.living.layout import BANDS, OFFICIAL

CHUNK_ROWS = 200_000
#: Beside a 집계구 store, its sum by 행정동 (same layout, no oa_code): dong and gu questions
#: read 45 times fewer rows there. Used only for the days it has as many of as the store.
ROLLUP = "_dong"
KEYS = ("date", "hour", "dong_code")


def register_official(data_dir: Path) -> str:
    """Catalog the official series ingested under ``data_dir/living/official`` (internal:
    every platform user may read it, a public hall may not), so it has an access class."""
    from seoul_data.catalog import Catalog, Dataset

    dataset = Dataset(
        id="living.official",
        title="생활인구 (공식 자료) — 시간대별",
        field="인구/가구",
        description="서울시 생활인구 공식 CSV를 seoul-data living ingest 로 불러온 자료입니다."
        " sd.living 으로 분석합니다.",
        keywords=("생활인구", "유동인구", "시간대별"),
        publisher="서울특별시",
        provider="서울특별시",
        format="PARQUET",
        access="internal",
    )
    Catalog(data_dir).upsert([dataset])
    return dataset.id


class LivingCsvError(ValueError):
    """An official CSV the store cannot take (the message says file, line and column)."""


def ingest_csv(
    files: list[Path], out: Path, *, encoding: str | None = None, chunk_rows: int = CHUNK_ROWS
) -> int:
    """Add official CSV files to the store at ``out``; returns the rows written. The days
    they hold replace the same days in the store only once every file has been read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".ingest-", dir=out))
    writers: dict[str, pq.ParquetWriter] = {}
    rows = 0
    try:
        for path in map(Path, files):
            line = 2  # the header is line 1
            for chunk in _chunks(path, encoding, chunk_rows):
                frame = _checked(chunk, path, line)
                line += len(chunk)
                for day, part in frame.groupby("date", sort=True):
                    key = f"{day:%Y-%m-%d}"
                    table = pa.Table.from_pandas(part, preserve_index=False)
                    if key not in writers:
                        folder = staging / f"month={day:%Y-%m}"
                        folder.mkdir(exist_ok=True)
                        target = folder / f"day={key}.parquet"
                        writers[key] = pq.ParquetWriter(target, table.schema, compression="lz4")
                    writers[key].write_table(table)
                rows += len(frame)
        for writer in writers.values():
            writer.close()
        writers.clear()
        days = sorted(staging.glob("month=*/*.parquet"))
        rollups = [_rollup(day, staging / ROLLUP) for day in days]
        for day, rollup in zip(days, rollups, strict=True):
            # same file system: each day appears whole or not at all; the day's rollup is
            # replaced too (or removed, for dong rows), so no stale sum outlives its rows
            _move(rollup, out / ROLLUP / day.parent.name / day.name)
            _move(day, out / day.parent.name / day.name)
    finally:
        for writer in writers.values():
            writer.close()
        shutil.rmtree(staging, ignore_errors=True)
    return rows


def _rollup(day: Path, folder: Path) -> Path | None:
    """The dong sums of a day of 집계구 rows (None for a day of dong rows)."""
    import pyarrow.parquet as pq

    table = pq.read_table(day)
    if "oa_code" not in table.column_names:
        return None
    keys = ["date", "hour", "gu_code", "dong_code"]
    values = [c for c in table.column_names if c not in (*keys, "oa_code")]
    sums = table.group_by(keys).aggregate([(c, "sum") for c in values])
    sums = sums.rename_columns([c.removesuffix("_sum") for c in sums.column_names])
    sums = sums.select(keys + values).sort_by([("dong_code", "ascending"), ("hour", "ascending")])
    target = folder / day.parent.name / day.name
    target.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(sums, target, compression="lz4")
    return target


def _move(file: Path | None, target: Path) -> None:
    if file is None:
        target.unlink(missing_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    file.replace(target)


def _chunks(path: Path, encoding: str | None, chunk_rows: int):
    """The file in blocks of rows: numbers parsed by Arrow's CSV reader (``*`` → missing),
    the key columns kept as text for the checks."""
    import re

    import pyarrow as pa
    from pyarrow import csv

    from seoul_data.ingest.readers import detect_encoding

    if encoding is None:
        with open(path, "rb") as f:
            head = f.read(1 << 20)  # the first MiB tells, cut at a line end
        encoding = detect_encoding(head[: head.rfind(b"\n") + 1] or head, path.name)
    try:
        with open(path, encoding=encoding, newline="") as f:
            header = [c.strip().strip('"').lstrip("\ufeff") for c in f.readline().split(",")]
    except UnicodeDecodeError as e:
        raise LivingCsvError(
            f"{path.name}: {encoding} 인코딩으로 읽을 수 없습니다 ({e.reason})"
        ) from None
    names = [OFFICIAL.get(c, c) for c in header]
    numbers = {n: pa.float32() for n in names if n == "total" or n in BANDS}
    text = {n: pa.string() for n in names if n not in numbers}
    options = {
        "read_options": csv.ReadOptions(
            column_names=names, skip_rows=1, encoding=encoding, block_size=1 << 24
        ),
        "convert_options": csv.ConvertOptions(
            column_types={**numbers, **text}, null_values=["*"], strings_can_be_null=False
        ),
    }
    try:
        for batch in csv.open_csv(path, **options):
            frame = batch.to_pandas()
            for start in range(0, len(frame), chunk_rows):
                yield frame.iloc[start : start + chunk_rows].reset_index(drop=True)
    except pa.ArrowInvalid as e:
        found = re.search(r"column #(\d+)", str(e))
        if not found:
            raise LivingCsvError(f"{path.name}: 읽을 수 없습니다 ({e})") from None
        column = int(found[1])
        line, value = _first_bad_number(path, encoding, column)
        raise LivingCsvError(
            f"{path.name} {line}행 '{header[column]}' 열의 값을 읽을 수 없습니다: {value!r}"
        ) from None
    except UnicodeDecodeError as e:
        raise LivingCsvError(
            f"{path.name}: {encoding} 인코딩으로 읽을 수 없습니다 ({e.reason})"
        ) from None


def _first_bad_number(path: Path, encoding: str, column: int) -> tuple[int, str]:
    """The line and value of the first cell of ``column`` that is neither a number nor *
    (Arrow names the column, not the row)."""
    import csv

    with open(path, encoding=encoding, newline="") as f:
        for line, row in enumerate(csv.reader(f), start=1):
            if line == 1 or column >= len(row) or row[column].strip() == "*":
                continue
            try:
                float(row[column])
            except ValueError:
                return line, row[column]
    return 0, ""


def _checked(chunk: pd.DataFrame, path: Path, first_line: int) -> pd.DataFrame:
    chunk = chunk.rename(columns=lambda c: OFFICIAL.get(c.strip().lstrip("\ufeff"), c.strip()))
    missing = [c for c in ("date", "hour", "dong_code", "total") if c not in chunk.columns]
    if missing:
        raise LivingCsvError(f"{path.name}: 필수 열이 없습니다: {', '.join(missing)}")
    frame = pd.DataFrame()
    dates = pd.to_datetime(chunk["date"].str.strip(), format="%Y%m%d", errors="coerce")
    _refuse(dates.isna(), chunk["date"], path, first_line, "기준일ID")
    frame["date"] = dates.dt.date
    hours = pd.to_numeric(chunk["hour"], errors="coerce")
    _refuse(hours.isna() | ~hours.between(0, 23), chunk["hour"], path, first_line, "시간대구분")
    frame["hour"] = hours.astype(np.int8)
    codes = chunk["dong_code"].str.strip()
    _refuse(~codes.str.fullmatch(r"11\d{6}"), codes, path, first_line, "행정동코드")
    frame["gu_code"] = codes.str[:5].astype(np.int32)
    frame["dong_code"] = codes.astype(np.int32)
    if "oa_code" in chunk.columns:
        frame["oa_code"] = pd.to_numeric(chunk["oa_code"], errors="coerce").astype("Int64")
    for column in ("total", *[b for b in BANDS if b in chunk.columns]):
        frame[column] = chunk[column].astype(np.float32)  # parsed by Arrow; '*' → missing
    return frame


def _refuse(bad: pd.Series, raw: pd.Series, path: Path, first_line: int, column: str) -> None:
    if bad.any():
        at = int(np.flatnonzero(bad.to_numpy())[0])
        raise LivingCsvError(
            f"{path.name} {first_line + at}행 '{column}' 열의 값을 읽을 수 없습니다: "
            f"{raw.iloc[at]!r}"
        )


def export_csv(store: Path, month: str, path: Path) -> Path:
    """One month of the store as an official-layout CSV (CP949), for baselines and exchange."""
    import duckdb

    files = sorted((Path(store) / f"month={month}").glob("*.parquet"))
    ours = {v: k for k, v in OFFICIAL.items()}
    con = duckdb.connect()
    frame = con.execute("SELECT * FROM read_parquet(?)", [[str(f) for f in files]]).df()
    frame["date"] = pd.to_datetime(frame["date"]).dt.strftime("%Y%m%d")
    frame["hour"] = frame["hour"].map("{:02d}".format)
    keep = [c for c in ours if c in frame.columns]
    frame[keep].rename(columns=ours).to_csv(
        path, index=False, encoding="cp949", float_format="%.4f"
    )
    return path
