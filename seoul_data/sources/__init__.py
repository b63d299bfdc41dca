"""The bundled sources: how each real file under ``data/`` becomes a catalog dataset.

Each ``*.toml`` file here declares datasets (metadata and schema, see
:class:`seoul_data.catalog.Dataset`) together with the file they are read from, the read
options and, for layouts that need reshaping, the name of a transform in
:mod:`seoul_data.sources.transforms`. Metadata and reading stay declarative; code is used
only where a layout needs it.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from seoul_data.catalog import Catalog, CatalogError, Concept, Dataset, Derived, Field
from seoul_data.ingest import IngestError, IngestResult, ingest
from seoul_data.sources import transforms

SPEC_DIR = Path(__file__).parent
#: The real files bundled with the repository (provenance: data/SOURCES.md).
BUNDLED_DATA = Path(__file__).resolve().parents[2] / "data"
_SOURCE_KEYS = ("file", "read", "transform", "transform_args")


@dataclass(frozen=True)
class Source:
    dataset: Dataset
    file: str
    read: dict = field(default_factory=dict)
    transform: str | None = None
    transform_args: dict = field(default_factory=dict)

    def path(self, raw_dir: Path) -> Path:
        """The source file under ``raw_dir``; refuses paths that leave it."""
        root = raw_dir.resolve()
        path = (root / self.file).resolve()
        if not path.is_relative_to(root):
            raise IngestError(f"source path {self.file!r} leaves the data folder {root}")
        return path


@cache
def sources() -> tuple[Source, ...]:
    """Every bundled source, in spec-file order."""
    found = [source for spec in sorted(SPEC_DIR.glob("*.toml")) for source in load_specs(spec)]
    ids = [s.dataset.id for s in found]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"dataset ids declared twice: {sorted(duplicates)}")
    return tuple(found)


@cache
def concepts() -> tuple[Concept, ...]:
    """Every measure declared by the spec files (``[[measures]]``), in spec-file order."""
    found = [
        _concept(entry, spec)
        for spec in sorted(SPEC_DIR.glob("*.toml"))
        for entry in _read_spec(spec).get("measures", [])
    ]
    labels = [c.label for c in found]
    duplicates = {label for label in labels if labels.count(label) > 1}
    if duplicates:
        raise ValueError(f"measures declared twice: {sorted(duplicates)}")
    return tuple(found)


def load_specs(spec_file: Path) -> list[Source]:
    """The sources declared in one TOML spec file."""
    return [_source(entry, spec_file) for entry in _read_spec(spec_file).get("datasets", [])]


def _read_spec(spec_file: Path) -> dict:
    try:
        with open(spec_file, "rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise IngestError(f"cannot read the spec: {e}", source=str(spec_file)) from None


def _concept(entry: dict, spec_file: Path) -> Concept:
    try:
        return Concept(**entry)
    except TypeError as e:
        raise ValueError(f"{spec_file.name}: measure {entry.get('label')}: {e}") from None


def _source(entry: dict, spec_file: Path) -> Source:
    entry = dict(entry)
    options = {key: entry.pop(key) for key in _SOURCE_KEYS if key in entry}
    entry["keywords"] = tuple(entry.get("keywords", ()))
    entry["allowed_groups"] = tuple(entry.get("allowed_groups", ()))
    try:
        entry["schema"] = tuple(Field(**f) for f in entry.get("schema", ()))
        entry["derived"] = tuple(Derived(**d) for d in entry.get("derived", ()))
        dataset = Dataset(**entry)
    except (TypeError, CatalogError) as e:
        raise ValueError(f"{spec_file.name}: dataset {entry.get('id')}: {e}") from None
    transform = options.get("transform")
    if transform and not hasattr(transforms, transform):
        raise ValueError(f"{spec_file.name}: {dataset.id}: no transform {transform!r}")
    return Source(
        dataset,
        options["file"],
        options.get("read", {}),
        transform,
        options.get("transform_args", {}),
    )


def ingest_source(
    source: Source, data_dir: str | Path, raw_dir: Path = BUNDLED_DATA
) -> IngestResult:
    """Ingest one bundled source into the data directory."""
    transform: Callable | None = None
    if source.transform:
        transform = functools.partial(
            getattr(transforms, source.transform), **source.transform_args
        )
    return ingest(
        source.dataset,
        data_dir=data_dir,
        path=source.path(raw_dir),
        read_options=source.read,
        transform=transform,
        provenance={"bundled_file": source.file},
    )


def ingest_bundled(
    data_dir: str | Path,
    *,
    raw_dir: Path = BUNDLED_DATA,
    only: set[str] | None = None,
    progress: Callable[[Source, IngestResult], None] | None = None,
) -> list[IngestResult]:
    """Ingest every bundled source (or those in ``only``); unchanged ones write nothing."""
    Catalog(data_dir)  # create the catalog even when nothing is selected
    results = []
    for source in sources():
        if only and source.dataset.id not in only:
            continue
        result = ingest_source(source, data_dir, raw_dir)
        results.append(result)
        if progress:
            progress(source, result)
    return results


def declared(dataset_id: str) -> Dataset:
    """The bundled declaration of a dataset (metadata and schema); KeyError if none."""
    found = _by_id().get(dataset_id)
    if found is None:
        raise KeyError(f"no bundled dataset {dataset_id!r}")
    return found


@cache
def _by_id() -> dict[str, Dataset]:
    return {source.dataset.id: source.dataset for source in sources()}
