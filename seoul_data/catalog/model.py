"""What a dataset is: metadata, separate from how it is read (``seoul_data.sources``).

Names follow DCAT and Frictionless where they have one: ``title``, ``description``,
``keywords``, ``publisher``, ``license``, ``temporal``, ``spatial``, ``accrual_periodicity``
(update cycle); a resource's ``schema`` is a list of Frictionless fields.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from seoul_data.catalog.fields import FIELDS

ACCESS_LEVELS = ("public", "internal", "restricted")
FIELD_TYPES = ("string", "integer", "number", "boolean", "date", "datetime", "year", "geometry")
DATASET_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,80}$")
#: What a column says about a row. Place: ``gu`` (a gu name, or 서울특별시 on the city's row),
#: ``gu_code``, ``dong``, ``dong_code``, ``sido`` (a 시도 name), ``lat``, ``lon``. Time:
#: ``year``, ``date``, ``time`` (with its ``grain``), ``hour`` (the hour of a ``date``),
#: ``as_of`` (the month a year's stock was counted at, 'YYYY-MM'). Breakdowns: ``sex``
#: (rows of 남/여), ``age`` (rows of single-year ages, 100 = 100세 이상).
PLACE_ROLES = ("gu", "gu_code", "dong", "dong_code", "sido", "lat", "lon")
TIME_ROLES = ("year", "date", "time")
ROLES = (*PLACE_ROLES, *TIME_ROLES, "hour", "as_of", "sex", "age")
GRAINS = ("year", "quarter", "month", "day", "hour")
#: How a measure adds up over places: ``sum`` (counts), ``mean`` (an hourly stock: summed
#: over places at each hour, averaged over the hours of a period), ``none`` (rates, shares,
#: indices: recomputed from a declared ``ratio`` or not combined at all).
AGGREGATIONS = ("sum", "mean", "none")
_AGE_BAND = re.compile(r"^(\d{1,3})-(\d{1,3})?$")
_RATIO = re.compile(r"^(\w+)/(\w+)(?:\*(\d+(?:\.\d+)?))?$")


class CatalogError(ValueError):
    """A dataset description or catalog request that cannot be accepted; says which and why."""


@dataclass(frozen=True)
class Field:
    """A column of a resource (Frictionless ``field``)."""

    name: str
    type: str = "string"
    title: str = ""
    unit: str = ""
    description: str = ""
    #: What the column says about a row: a place, a time or a breakdown (:data:`ROLES`).
    role: str = ""
    #: Code system of a code column: ``mois`` or ``kostat`` (the two reuse numbers).
    code_system: str = ""
    #: Of a time column: the period one value covers (:data:`GRAINS`); ``year`` and ``date``
    #: columns default to year and day.
    grain: str = ""
    #: Of a year column whose stocks are counted at one month's end: that month ('12').
    as_of: str = ""
    #: Of a measure column: the measures (labels of :class:`Concept`) it holds a value of.
    measure: tuple[str, ...] = ()
    #: Of a measure column that holds one part: the sex ('남'/'여') or the age band
    #: ('0-4', '65-' for 65세 이상) of its people.
    sex: str = ""
    age: str = ""
    #: Of a rate column: how it is recomputed for a sum of places, 'numerator/denominator'
    #: with an optional '*scale' ('births/midyear_pop*1000'), in column names.
    ratio: str = ""
    #: Of a measure column: what its figure is, said beside an answer ('분기 말 기준').
    note: str = ""
    #: Of a string column whose source writes codes or English words: each source value and
    #: the Korean word the platform holds instead (``values = { Winter = "겨울" }`` in a
    #: spec). The ingest writes the Korean word; a value outside the list stops it.
    values: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        pairs = self.values.items() if isinstance(self.values, dict) else self.values
        object.__setattr__(self, "values", tuple((str(a), str(b)) for a, b in pairs))
        if isinstance(self.measure, str):
            object.__setattr__(self, "measure", (self.measure,) if self.measure else ())
        object.__setattr__(self, "measure", tuple(self.measure))
        where = f"field {self.name!r}"
        if self.type not in FIELD_TYPES:
            raise CatalogError(f"{where}: type {self.type!r} not in {FIELD_TYPES}")
        if self.role and self.role not in ROLES:
            raise CatalogError(f"{where}: role {self.role!r} not in {ROLES}")
        if self.grain and self.grain not in GRAINS:
            raise CatalogError(f"{where}: grain {self.grain!r} not in {GRAINS}")
        if self.sex not in ("", "남", "여"):
            raise CatalogError(f"{where}: sex {self.sex!r} is not '남' or '여'")
        if self.age and not _AGE_BAND.match(self.age):
            raise CatalogError(f"{where}: age {self.age!r} is not a band like '0-4' or '65-'")
        if self.ratio and not _RATIO.match(self.ratio):
            raise CatalogError(f"{where}: ratio {self.ratio!r} is not like 'a/b' or 'a/b*1000'")
        if self.values and self.type != "string":
            raise CatalogError(f"{where}: values relabel a string column, not a {self.type}")
        if (self.sex or self.age or self.ratio or self.note) and not self.measure:
            raise CatalogError(f"{where}: sex, age, ratio and note describe a measure column")

    @property
    def time_grain(self) -> str:
        """The grain of a time column ('' for other columns)."""
        if self.role not in TIME_ROLES:
            return ""
        return self.grain or {"year": "year", "date": "day"}.get(self.role, "")

    @property
    def age_band(self) -> tuple[int, int | None] | None:
        """The age band of a part column as (first, last or None for open-ended)."""
        match = _AGE_BAND.match(self.age)
        if not match:
            return None
        return int(match[1]), int(match[2]) if match[2] else None

    @property
    def ratio_parts(self) -> tuple[str, str, float] | None:
        """(numerator, denominator, scale) of a rate column."""
        return _ratio_parts(self.ratio)


@dataclass(frozen=True)
class Derived:
    """A measure a dataset holds no column of but gives by a ratio of two of its columns
    (세대당 인구 = population/households)."""

    measure: str
    ratio: str
    note: str = ""

    def __post_init__(self) -> None:
        if not _RATIO.match(self.ratio):
            raise CatalogError(f"derived {self.measure!r}: ratio {self.ratio!r} is not 'a/b'")

    @property
    def ratio_parts(self) -> tuple[str, str, float]:
        return _ratio_parts(self.ratio)


def _ratio_parts(text: str) -> tuple[str, str, float] | None:
    """'births/midyear_pop*1000' → ('births', 'midyear_pop', 1000.0); None if no ratio."""
    match = _RATIO.match(text)
    return (match[1], match[2], float(match[3] or 1)) if match else None


@dataclass(frozen=True)
class Concept:
    """A measure people ask for, declared once (``[[measures]]`` in a source spec): its
    label, the words that name it, its unit and how it adds up (:data:`AGGREGATIONS`).

    flow: a count over a period (births, moves) that adds up over months; a stock (people at
    a date) does not.
    """

    label: str
    words: tuple[str, ...]
    unit: str
    aggregation: str = "sum"
    flow: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "words", tuple(self.words))
        if self.aggregation not in AGGREGATIONS:
            raise CatalogError(
                f"measure {self.label!r}: aggregation {self.aggregation!r} not in {AGGREGATIONS}"
            )
        if self.label not in self.words:
            object.__setattr__(self, "words", (self.label, *self.words))


@dataclass(frozen=True)
class Dataset:
    """A catalog entry. ``schema`` is empty for metadata-only entries (a link elsewhere)."""

    id: str
    title: str
    field: str
    description: str = ""
    title_en: str = ""
    keywords: tuple[str, ...] = ()
    publisher: str = ""
    provider: str = ""
    license: str = ""
    attribution: str = ""
    accrual_periodicity: str = ""
    issued: str = ""
    modified: str = ""
    temporal: str = ""
    spatial: str = ""
    access: str = "public"
    #: Groups that may read a ``restricted`` dataset (admins always may).
    allowed_groups: tuple[str, ...] = ()
    source_id: str = ""
    landing_page: str = ""
    format: str = ""
    synthetic: bool = False
    schema: tuple[Field, ...] = field(default=())
    derived: tuple[Derived, ...] = ()

    def __post_init__(self) -> None:
        if not DATASET_ID.match(self.id):
            raise CatalogError(f"dataset id {self.id!r}: lower-case letters, digits, . _ -")
        if self.field not in FIELDS:
            raise CatalogError(f"dataset {self.id}: field {self.field!r} is not one of {FIELDS}")
        if self.access not in ACCESS_LEVELS:
            raise CatalogError(f"dataset {self.id}: access {self.access!r} not in {ACCESS_LEVELS}")
        names = [f.name for f in self.schema]
        if len(names) != len(set(names)):
            raise CatalogError(f"dataset {self.id}: duplicate column names in schema")
        ratios = [f.ratio_parts for f in self.schema if f.ratio] + [
            d.ratio_parts for d in self.derived
        ]
        for numerator, denominator, _ in ratios:
            for name in (numerator, denominator):
                if name not in names:
                    raise CatalogError(f"dataset {self.id}: ratio names no column {name!r}")

    @property
    def loadable(self) -> bool:
        return bool(self.schema)

    def column(self, role: str) -> Field | None:
        """The first column with this role, if any."""
        return next((f for f in self.schema if f.role == role), None)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Dataset:
        data = dict(data)
        data["keywords"] = tuple(data.get("keywords", ()))
        data["allowed_groups"] = tuple(data.get("allowed_groups", ()))
        data["schema"] = tuple(Field(**f) for f in data.get("schema", ()))
        data["derived"] = tuple(Derived(**d) for d in data.get("derived", ()))
        return cls(**data)


@dataclass(frozen=True)
class Version:
    """One ingest of a dataset: its Parquet file and where it came from."""

    dataset_id: str
    version: int
    path: str
    rows: int
    sha256: str
    created: str
    provenance: dict
