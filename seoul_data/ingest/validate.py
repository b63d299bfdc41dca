"""Check a table of strings against a dataset's declared schema and give it its types.

Suppressed cells (``*`` in Korean official statistics) become missing values with a
``<column>__suppressed`` flag beside them, never zero. The first cell that does not fit
its type stops the ingest with the file line and the column.
"""

from __future__ import annotations

import pandas as pd

from seoul_data.catalog.model import Dataset, Field
from seoul_data.ingest.errors import IngestError

SUPPRESSED = "*"
SUPPRESSED_SUFFIX = "__suppressed"
_TRUE = {"y", "yes", "true", "1", "t", "예", "o"}
_FALSE = {"n", "no", "false", "0", "f", "아니오", "x"}


def conform(frame: pd.DataFrame, dataset: Dataset, source: str) -> pd.DataFrame:
    """Return ``frame`` with exactly the schema's columns, typed, plus suppression flags."""
    declared = [f.name for f in dataset.schema]
    missing = [name for name in declared if name not in frame.columns]
    if missing:
        extra = [c for c in frame.columns if c not in declared]
        raise IngestError(
            f"schema drift: missing column(s) {missing}"
            + (f"; the file has {extra} instead" if extra else ""),
            source=source,
        )
    first_line = frame.attrs.get("first_line", 1)
    out = {}
    for field in dataset.schema:
        # a cell of spaces is an empty cell
        values = frame[field.name].astype("string").str.strip().replace("", pd.NA)
        suppressed = values == SUPPRESSED
        if suppressed.any():
            values = values.mask(suppressed)
        out[field.name] = _typed(values, field, source, first_line)
        if suppressed.any():
            out[field.name + SUPPRESSED_SUFFIX] = suppressed.fillna(False).astype(bool)
    return pd.DataFrame(out)


def _typed(values: pd.Series, field: Field, source: str, first_line: int) -> pd.Series:
    if field.values:
        korean = dict(field.values)
        unknown = values.notna() & ~values.isin(list(korean))
        if unknown.any():
            _raise_at(values, unknown, field, source, first_line, f"is not one of {list(korean)}")
        return values.map(korean).astype("string")
    if field.type in ("string", "geometry"):
        return values.astype("string")
    if field.type in ("integer", "number", "year"):
        cleaned = values.str.replace(",", "", regex=False).str.replace(" ", "", regex=False)
        numbers = pd.to_numeric(cleaned, errors="coerce")
        _fail_on_unparsed(values, numbers, field, source, first_line)
        if field.type == "number":
            return numbers.astype("Float64")
        fractional = numbers.notna() & (numbers % 1 != 0)
        if fractional.any():
            _raise_at(values, fractional, field, source, first_line, "is not a whole number")
        return numbers.astype("Int64")
    if field.type in ("date", "datetime"):
        parsed = pd.to_datetime(values, errors="coerce", format="mixed")
        _fail_on_unparsed(values, parsed, field, source, first_line)
        return parsed.dt.normalize() if field.type == "date" else parsed
    if field.type == "boolean":
        lowered = values.str.lower()
        known = lowered.isin(_TRUE | _FALSE) | lowered.isna()
        if not known.all():
            _raise_at(values, ~known, field, source, first_line, "is not yes/no")
        return lowered.map(lambda v: None if pd.isna(v) else v in _TRUE).astype("boolean")
    raise IngestError(f"unsupported type {field.type!r}", source=source, column=field.name)


def _fail_on_unparsed(values, parsed, field, source, first_line) -> None:
    bad = values.notna() & parsed.isna()
    if bad.any():
        _raise_at(values, bad, field, source, first_line, f"is not a valid {field.type}")


def _raise_at(values, bad, field, source, first_line, problem) -> None:
    position = int(bad.to_numpy().nonzero()[0][0])
    raise IngestError(
        f"{values.iloc[position]!r} {problem} ({int(bad.sum()):,} such cells)",
        source=source,
        line=first_line + position,
        column=field.name,
    )
