"""What a dataset's columns mean, read from its schema: where and when each row is, how it
is broken down, and which measures it holds (see the roles and attributes of
:class:`~seoul_data.catalog.Field`).

    layout(dataset)                  # Layout: place, time and breakdown columns
    measures(datasets, concepts)     # every Measure with the datasets that hold it

This is the one place a column's meaning is read from; direct answers
(:mod:`seoul_data.search.answers`), the Population Hall's tables (:mod:`seoul_data.tidy`) and
map placement (:mod:`seoul_data.maps.places`) all use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from seoul_data.catalog.model import CatalogError, Concept, Dataset, Field

#: A geo code system of a dong code column → the key of its code in ``geo.find_dong`` rows.
DONG_CODE_KEYS = {"mois": "mois8", "kostat": "kostat7"}
#: (first age, last age or None for open-ended, column)
AgeGroups = tuple[tuple[int, int | None, str], ...]


@dataclass(frozen=True)
class Layout:
    """Where a dataset keeps its place and its time.

    level: the finest place of a row ('dong', 'gu' or 'sido'; a gu column's 서울특별시 rows
    and datasets with no place column are the city). grain: the period of one value
    ('year', 'quarter', 'month', 'hour'). as_of: the column or the month ('12') a year's
    stocks were counted at.
    """

    level: str
    area: str | None  # the column naming the gu (or 서울특별시, or a 시도); None: the city
    time: str  # the column holding the period
    grain: str
    dong: str | None = None  # the column naming the dong
    dong_code: tuple[str, str] | None = None  # (column, key of its code in find_dong rows)
    hour: str | None = None  # the hour column, where the time column holds only the day
    as_of: str = ""
    as_of_column: str | None = None


@dataclass(frozen=True)
class MeasureSource:
    """One dataset that holds a measure, and how to read the measure from it."""

    dataset: str
    value: str  # the column of the value ('' for a derived ratio with no column)
    by_sex: dict[str, str] | None = None  # {'남': column, '여': column}
    sex_rows: str | None = None  # a column holding '남'/'여': rows are filtered
    age_rows: str | None = None  # a column of single-year ages (100 = 100세 이상)
    age_groups: AgeGroups | None = None
    ratio: tuple[str, str, float] | None = None  # numerator, denominator, scale: to combine
    note: str = ""  # what the figure is, said in the answer


@dataclass(frozen=True)
class Measure:
    """A value people ask for (its :class:`Concept`) and the datasets that hold it."""

    concept: Concept
    sources: tuple[MeasureSource, ...]

    @property
    def label(self) -> str:
        return self.concept.label

    @property
    def words(self) -> tuple[str, ...]:
        return self.concept.words

    @property
    def unit(self) -> str:
        return self.concept.unit

    @property
    def flow(self) -> bool:
        return self.concept.flow

    @property
    def additive(self) -> bool:
        """Counts add up over places (and, for flows, over months)."""
        return self.concept.aggregation != "none"

    @property
    def hourly(self) -> bool:
        """An hourly stock, averaged over the hours of a period (living population)."""
        return self.concept.aggregation == "mean"


def layout(dataset: Dataset) -> Layout | None:
    """Where and when the dataset's rows are, or None when it declares no time column."""
    roles: dict[str, Field] = {}
    for column in dataset.schema:
        roles.setdefault(column.role, column)
    time = next((c for c in dataset.schema if c.time_grain), None)
    if time is None:
        return None
    place = roles.get("gu") or roles.get("sido")
    code = roles.get("dong_code")
    level = "dong" if "dong" in roles else "sido" if "sido" in roles else "gu" if place else ""
    return Layout(
        level=level or "city",
        area=place.name if place else None,
        time=time.name,
        grain="hour" if "hour" in roles else time.time_grain,
        dong=roles["dong"].name if "dong" in roles else None,
        dong_code=(code.name, DONG_CODE_KEYS[code.code_system]) if code else None,
        hour=roles["hour"].name if "hour" in roles else None,
        as_of=time.as_of,
        as_of_column=roles["as_of"].name if "as_of" in roles else None,
    )


def measures(datasets: Iterable[Dataset], concepts: Iterable[Concept]) -> tuple[Measure, ...]:
    """Every declared measure with the datasets that hold it, in the order the concepts and
    the datasets are declared (a dataset declared earlier is preferred). Raises
    :class:`CatalogError` for a column naming a measure no concept declares."""
    concepts = tuple(concepts)
    known = {c.label for c in concepts}
    found: dict[str, list[MeasureSource]] = {c.label: [] for c in concepts}
    for dataset in datasets:
        if layout(dataset) is None:
            continue
        for label, source in _sources(dataset):
            if label not in known:
                raise CatalogError(f"dataset {dataset.id}: no measure {label!r} is declared")
            found[label].append(source)
    return tuple(Measure(c, tuple(found[c.label])) for c in concepts if found[c.label])


def _sources(dataset: Dataset) -> Iterable[tuple[str, MeasureSource]]:
    """(measure label, source) for each measure the dataset holds as a whole."""
    roles = {c.role: c.name for c in reversed(dataset.schema) if c.role}
    for column in dataset.schema:
        if column.sex or column.age:
            continue  # a part of a measure, read beside its whole
        for label in column.measure:
            parts = [c for c in dataset.schema if label in c.measure]
            by_sex = {c.sex: c.name for c in parts if c.sex and not c.age}
            groups = sorted((*c.age_band, c.name) for c in parts if c.age and not c.sex)
            yield (
                label,
                MeasureSource(
                    dataset.id,
                    column.name,
                    by_sex=by_sex if set(by_sex) == {"남", "여"} else None,
                    sex_rows=roles.get("sex"),
                    age_rows=roles.get("age"),
                    age_groups=tuple(groups) or None,
                    ratio=column.ratio_parts,
                    note=column.note,
                ),
            )
    for derived in dataset.derived:
        yield (
            derived.measure,
            MeasureSource(dataset.id, "", ratio=derived.ratio_parts, note=derived.note),
        )


def measure_columns(dataset: Dataset, names: dict[str, str]) -> dict[str, str]:
    """{column: name} for the columns holding each measure of ``names`` ({label: name}) as a
    whole (not one sex or age band); CatalogError for a measure the dataset does not hold."""
    found = {}
    for label, name in names.items():
        column = next(
            (c for c in dataset.schema if label in c.measure and not (c.sex or c.age)), None
        )
        if column is None:
            raise CatalogError(f"dataset {dataset.id} holds no measure {label!r}")
        found[column.name] = name
    return found


def age_columns(dataset: Dataset, label: str) -> dict[str, tuple[int, int | None]]:
    """{column: (first age, last age or None)} of the age bands of a measure, youngest first."""
    parts = [c for c in dataset.schema if label in c.measure and c.age and not c.sex]
    return {c.name: c.age_band for c in sorted(parts, key=lambda c: c.age_band[0])}


def summable(dataset: Dataset, concepts: Iterable[Concept]) -> set[str]:
    """The dataset's measure columns whose values add up over places (every measure they
    hold has aggregation 'sum'); a rate or a mean is recomputed, never summed."""
    adds = {c.label for c in concepts if c.aggregation == "sum"}
    return {c.name for c in dataset.schema if c.measure and set(c.measure) <= adds}
