"""What an indicator is: its definition, how its values are computed, and what data it lacks.

An :class:`Indicator` is declared once, in the module of its area under
:mod:`seoul_data.population_hall.areas`. Its values come from computations (:class:`Computation`):
each is a formula (see :mod:`seoul_data.population_hall.formulas`) over a :class:`Table` (see
:mod:`seoul_data.population_hall.tables`) for some spatial levels. Where the data is not there, a
:class:`Gap` says exactly which data is missing, for which levels: nothing is estimated.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import pandas as pd

#: The six areas of the 서울 인구관, in the order they are shown.
AREAS: tuple[str, ...] = (
    "서울의 가구",
    "혼인과 이혼",
    "출생과 사망",
    "인구변화",
    "인구이동",
    "외국인",
)

Level = Literal["city", "gu", "dong"]
LEVELS: tuple[Level, ...] = ("city", "gu", "dong")
LEVEL_NAMES: dict[str, str] = {"city": "서울시", "gu": "자치구", "dong": "행정동"}

#: The columns that say which area and time a table row (and a value) is for.
KEY_COLUMNS = ["level", "gu", "area_name", "year", "period"]

#: A formula: the value of an indicator for every row of a table (NaN where none).
Formula = Callable[[pd.DataFrame], pd.Series]

_ID = re.compile(r"^[a-z][a-z_]*\.[a-z0-9_]+$")


def span(first: int, last: int) -> tuple[int, ...]:
    """The years first to last, both included."""
    return tuple(range(first, last + 1))


class IndicatorNotSupported(LookupError):
    """The indicator (or the level asked for) cannot be computed: its data is missing."""


@dataclass(frozen=True)
class Table:
    """Datasets brought to one row per area and period (see :mod:`.tables`).

    build: returns a frame with :data:`KEY_COLUMNS` and numeric columns, read afresh from
    the platform data directory on every call.
    """

    name: str
    datasets: tuple[str, ...]
    build: Callable[[], pd.DataFrame]


@dataclass(frozen=True)
class Computation:
    """Values of an indicator at some levels: a formula over the rows of a table.

    years: the years with values at one of the levels at least (checked by the tests against
    the data); :func:`span` gives a run of years.
    """

    table: Table
    formula: Formula
    levels: tuple[Level, ...]
    years: tuple[int, ...]


@dataclass(frozen=True)
class Gap:
    """Levels at which an indicator has no value, and the data that would be needed."""

    levels: tuple[Level, ...]
    missing: str


@dataclass(frozen=True)
class Indicator:
    """One indicator of the 서울 인구관.

    definition: what it means, in Korean (one or two sentences). formula: how it is
    computed, in the datasets' column names. note: caveats a reader must know (reference
    months, left-out sums, differences between sources).
    """

    id: str
    name: str
    area: str
    unit: str
    definition: str
    formula: str
    computations: tuple[Computation, ...] = ()
    gaps: tuple[Gap, ...] = ()
    note: str = ""

    def __post_init__(self) -> None:
        if not _ID.match(self.id):
            raise ValueError(f"indicator id {self.id!r} is not an ascii slug like 'area.name'")
        if self.area not in AREAS:
            raise ValueError(f"{self.id}: area {self.area!r} is not one of {AREAS}")
        if not self.computations and not self.gaps:
            raise ValueError(f"{self.id}: neither computed nor a gap saying what is missing")
        for level in self.levels + tuple(lv for g in self.gaps for lv in g.levels):
            if level not in LEVELS:
                raise ValueError(f"{self.id}: unknown level {level!r}")

    @property
    def supported(self) -> bool:
        """Whether values are computed from real data (at one level at least)."""
        return bool(self.computations)

    @property
    def levels(self) -> tuple[Level, ...]:
        """The levels with values (for an unsupported indicator: the levels it is meant for)."""
        wanted = {lv for c in self.computations for lv in c.levels}
        if not wanted:
            wanted = {lv for g in self.gaps for lv in g.levels}
        return tuple(lv for lv in LEVELS if lv in wanted)

    @property
    def years(self) -> tuple[int, ...]:
        """The years with values at one level at least."""
        return tuple(sorted({y for c in self.computations for y in c.years}))

    @property
    def datasets(self) -> tuple[str, ...]:
        """The dataset ids the values come from."""
        return tuple(dict.fromkeys(d for c in self.computations for d in c.table.datasets))

    @property
    def missing(self) -> str:
        """What data is missing, and for which levels; empty when nothing is."""
        if not self.supported:
            return "; ".join(g.missing for g in self.gaps)
        return "; ".join(
            f"{'·'.join(LEVEL_NAMES[lv] for lv in g.levels)}: {g.missing}" for g in self.gaps
        )
