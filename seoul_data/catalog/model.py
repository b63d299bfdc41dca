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
    #: Role of the column for filters and joins: ``gu`` (a gu name), ``gu_code``,
    #: ``dong_code``, ``year``, ``date``, ``lat``, ``lon``.
    role: str = ""
    #: Code system of a code column: ``mois`` or ``kostat`` (the two reuse numbers).
    code_system: str = ""

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise CatalogError(f"field {self.name!r}: type {self.type!r} not in {FIELD_TYPES}")


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
