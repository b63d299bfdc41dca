"""The dataset catalog: Data300 fields, the dataset model and its SQLite store."""

from __future__ import annotations

from seoul_data.catalog.fields import FIELDS
from seoul_data.catalog.model import (
    ACCESS_LEVELS,
    CatalogError,
    Concept,
    Dataset,
    Derived,
    Field,
    Version,
)
from seoul_data.catalog.store import Catalog

__all__ = [
    "ACCESS_LEVELS",
    "FIELDS",
    "Catalog",
    "CatalogError",
    "Concept",
    "Dataset",
    "Derived",
    "Field",
    "Version",
]
