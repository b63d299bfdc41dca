"""Read local files into tables of strings, whatever their encoding and format.

Every reader returns a DataFrame whose cells are the file's text (``None`` where empty),
with ``frame.attrs["first_line"]`` the file line of the first data row, so that the
validation step can name the line of a bad cell. Types come later, from the schema.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

import pandas as pd
from charset_normalizer import from_bytes

from seoul_data.ingest.errors import IngestError

FORMATS = ("csv", "tsv", "xlsx", "xls", "json", "geojson", "parquet")
#: Encodings tried in order before asking charset-normalizer. CP949 is a superset of
#: EUC-KR, so it reads both.
KOREAN_ENCODINGS = ("utf-8-sig", "cp949")


def detect_format(path: Path) -> str:
    """Format from the file name (``.csv.gz`` counts as csv)."""
    suffixes = [s.lstrip(".").lower() for s in path.suffixes if s != ".gz"]
    suffix = suffixes[-1] if suffixes else ""
    if suffix == "json" and path.name.endswith(("geojson", "geo.json", ".geojson.gz")):
        return "geojson"
    if suffix in FORMATS:
        return suffix
    if suffix == "txt":
        return "tsv"
    raise IngestError(
        f"unknown file format {suffix!r}; known: {', '.join(FORMATS)}", source=str(path)
    )


def read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def detect_encoding(data: bytes, source: str = "") -> str:
    """The text encoding of ``data``: UTF-8 (with or without BOM), CP949/EUC-KR, or
    charset-normalizer's best guess; raises when no encoding decodes it."""
    for encoding in KOREAN_ENCODINGS:
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    guess = from_bytes(data).best()
    if guess is None:
        raise IngestError("cannot tell the text encoding (not UTF-8, not CP949)", source=source)
    return guess.encoding


def decode(data: bytes, encoding: str | None, source: str) -> str:
    encoding = encoding or detect_encoding(data, source)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise IngestError(
            f"not valid {encoding} text (byte {e.start:,}); give the right encoding",
            source=source,
            line=line,
        ) from None


def read_table(
    path: str | Path,
    *,
    format: str | None = None,
    encoding: str | None = None,
    skip_rows: int = 0,
    sheet: str | int = 0,
    record_path: str | None = None,
    columns: list[str] | None = None,
    na_values: list[str] | None = None,
    whole_document: bool = False,
    header: bool = True,
) -> pd.DataFrame:
    """Read a local file into a DataFrame of strings.

    skip_rows: lines (or sheet rows) above the header. record_path: for JSON, the key
    (dotted for nesting) that holds the list of records. columns: names that replace the
    header's, by position (for multi-row or duplicated headers). na_values: cell texts
    that mean "not available" (such as ``-``), read as missing. whole_document: for JSON
    that is not a list of records, an empty table carrying the parsed document in
    ``attrs["document"]`` for a transform to reshape. header: False for a CSV published
    without a header row (its first row is data; ``columns`` names them).
    """
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise IngestError("no such file", source=source)
    format = format or detect_format(path)
    if not header and (format not in ("csv", "tsv") or columns is None):
        raise IngestError("header = false needs a CSV and read.columns", source=source)
    if format in ("csv", "tsv"):
        frame = _read_delimited(path, format, encoding, skip_rows, source, header)
    elif format in ("xlsx", "xls"):
        frame = _read_excel(path, format, sheet, skip_rows, source)
    elif format == "json":
        frame = _read_json(path, encoding, record_path, source, whole_document)
    elif format == "geojson":
        frame = _read_geojson(path, source)
    elif format == "parquet":
        frame = pd.read_parquet(path).astype("string")
        frame.attrs["first_line"] = 1
    else:
        raise IngestError(f"unknown format {format!r}", source=source)
    first_line = frame.attrs.get("first_line", 1)
    if whole_document:
        return frame
    frame.columns = [str(c).strip() for c in frame.columns]
    if columns is not None:
        if len(columns) != frame.shape[1]:
            raise IngestError(
                f"expected {len(columns)} columns, the file has {frame.shape[1]}", source=source
            )
        frame = frame.set_axis(columns, axis=1)
    if na_values:
        frame = frame.mask(frame.isin(na_values))
    frame.attrs["first_line"] = first_line
    return frame


def _read_delimited(path, format, encoding, skip_rows, source, header=True) -> pd.DataFrame:
    text = decode(read_bytes(path), encoding, source)
    delimiter = "\t" if format == "tsv" else ","
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for _ in range(skip_rows):
            next(rows)
        first = next(rows)
    except StopIteration:
        raise IngestError("the file has no header row", source=source) from None
    width = len(first)
    records = [] if header else [first]
    try:
        for record in rows:
            if not record or record == [""]:
                continue
            if len(record) != width:
                raise IngestError(
                    f"{len(record)} fields where the header has {width}",
                    source=source,
                    line=rows.line_num,
                )
            records.append(record)
    except csv.Error as e:
        raise IngestError(f"malformed CSV: {e}", source=source, line=rows.line_num) from None
    names = first if header else [str(i) for i in range(1, width + 1)]
    frame = pd.DataFrame(records, columns=names, dtype="string")
    frame = frame.replace({"": pd.NA})
    frame.attrs["first_line"] = skip_rows + (2 if header else 1)
    return frame


def _read_excel(path, format, sheet, skip_rows, source) -> pd.DataFrame:
    engine = "xlrd" if format == "xls" else "openpyxl"
    try:
        frame = pd.read_excel(path, sheet_name=sheet, skiprows=skip_rows, dtype=str, engine=engine)
    except (ValueError, KeyError) as e:
        raise IngestError(f"cannot read the workbook: {e}", source=source) from None
    except Exception as e:  # xlrd/openpyxl raise their own types for corrupt files
        raise IngestError(f"not a readable {format} file: {e}", source=source) from None
    # blank rows below the table, as blank lines in a CSV, are not records
    frame = frame.dropna(how="all").astype("string")
    frame.attrs["first_line"] = skip_rows + 2
    return frame


def _read_json(path, encoding, record_path, source, whole_document=False) -> pd.DataFrame:
    text = decode(read_bytes(path), encoding, source)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise IngestError(f"malformed JSON: {e.msg}", source=source, line=e.lineno) from None
    if whole_document:
        frame = pd.DataFrame()
        frame.attrs.update(document=data, first_line=1)
        return frame
    for key in (record_path or "").split("."):
        if not key:
            continue
        if not isinstance(data, dict) or key not in data:
            raise IngestError(f"no key {key!r} on the record path {record_path!r}", source=source)
        data = data[key]
    if not isinstance(data, list):
        raise IngestError("expected a list of records (set record_path)", source=source)
    frame = pd.json_normalize(data).astype("string")
    frame.attrs["first_line"] = 1
    return frame


def _read_geojson(path, source) -> pd.DataFrame:
    import geopandas

    try:
        frame = geopandas.read_file(path)
    except Exception as e:
        raise IngestError(f"not a readable GeoJSON file: {e}", source=source) from None
    table = pd.DataFrame(frame.drop(columns="geometry")).astype("string")
    table["geometry"] = frame.geometry.to_wkt()
    table.attrs["first_line"] = 1
    return table
