"""A measure's value for one place, from the datasets that declare it (rules 3–6 of
:mod:`seoul_data.search.answers`): which rows serve the place, the age band and sex asked,
how rows combine (counts summed, rates recomputed from their declared ratio), the period,
and the series; with the small sentence helpers the answers share.

    measure_value(measure, place, parsed)   # Value: the number, its period, source and how
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from seoul_data.catalog import CatalogError
from seoul_data.catalog.meaning import AgeGroups, Layout, Measure, MeasureSource, layout, measures
from seoul_data.load import describe, load
from seoul_data.paths import data_dir
from seoul_data.search.phrases import (
    SOURCE_HINTS,
)
from seoul_data.search.query import ParsedQuery, Period
from seoul_data.sources import concepts, declared, sources
from seoul_data.tidy import CITY, keyed, period_label


@functools.cache
def declared_measures() -> tuple[tuple[Measure, ...], dict[str, Layout]]:
    """The measures and the layout of each dataset that holds one, as the catalog's
    declarations say; read on first use, so that importing the library parses no spec."""
    found = measures([s.dataset for s in sources()], concepts())
    where = {
        source.dataset: layout(declared(source.dataset)) for m in found for source in m.sources
    }
    return found, where


def __getattr__(name: str):
    """``MEASURES`` and ``LAYOUTS``: :func:`declared_measures`, by name."""
    if name in ("MEASURES", "LAYOUTS"):
        return declared_measures()[name == "LAYOUTS"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


Level = Literal["city", "gu", "dong", "sido"]
_LEVEL_RANK = {"dong": 0, "gu": 1, "city": 2}
LEVEL_NAME = {"city": "서울시", "gu": "자치구", "dong": "행정동", "sido": "시도"}


@dataclass(frozen=True)
class Place:
    """A place asked about: Seoul, a gu, a dong (its geo.find_dong row) or another 시도."""

    level: Level
    name: str  # as said in the answer
    gu: str | None = None
    dong: dict | None = None
    region: str = CITY  # the 시도 (vital statistics' name)


@dataclass(frozen=True)
class Value:
    """One place's value of what was asked, with where it comes from and how."""

    value: float | int | None
    unit: str
    label: str
    period: str
    place: Place
    dataset: str | None
    publisher: str
    series: list[dict]
    range: list[tuple[str, float]]  # (period, value) of each year of a range asked
    note: str
    how: str
    additive: bool  # values of several places may be summed


class NoAnswer(Exception):
    """The data cannot answer; the message says why, in Korean."""

    def __init__(self, reason: str, suggest: tuple[str, ...] = ()):
        super().__init__(reason)
        self.reason = reason
        self.suggest = suggest
        self.stage = 0  # how far the source got (see _option)
        self.detail = ""  # said after the dataset id (its period)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


@dataclass
class _Option:
    """A source that can answer, with the rows it answers from."""

    source: MeasureSource
    rank: tuple
    year: int  # the year of the value
    values: pd.Series  # by the keys of the period asked
    picked: list[str]  # the keys asked for
    series: pd.Series  # by the dataset's own periods
    label: str  # the period, as said
    how: str  # how the value was computed
    basis: str = ""


def measure_value(measure: Measure, place: Place, parsed: ParsedQuery) -> Value:
    reasons: dict[str, tuple[int, list[str]]] = {}  # reason → (stage, the datasets)
    options = []
    for order, source in enumerate(measure.sources):
        try:
            options.append(_option(measure, source, place, parsed, order))
        except NoAnswer as e:
            reasons.setdefault(e.reason, (e.stage, []))[1].append(f"{source.dataset}{e.detail}")
    if not options:
        # the sources that got furthest say the most; the one reason when all agree
        ranked = sorted(reasons.items(), key=lambda item: -item[1][0])
        said = [f"{reason} ({', '.join(ids)})" for reason, (_, ids) in ranked]
        if len(reasons) == 1 and not ranked[0][1][0]:
            said = list(reasons)
        raise NoAnswer(
            f"{subject(parsed, place, measure.label)} 값이 자료에 없습니다 — "
            + "; ".join(said[:3]),
            tuple(dict.fromkeys(s.dataset for s in measure.sources)),
        )
    # rank = (a fallback period, -named, aggregated, declared order); with no period asked
    # the most recent year comes right after what the question names
    if parsed.period is None:
        options.sort(key=lambda o: (*o.rank[:2], -o.year, *o.rank[2:]))
    else:
        options.sort(key=lambda o: o.rank)
    best = options[0]
    value = best.values[best.picked[-1]]
    meta = describe(best.source.dataset)
    integral = measure.additive and not measure.hourly
    series = [] if len(best.series) < 2 else series_of(best.series, integral)
    return Value(
        value=number(value, integral),
        unit=measure.unit,
        label=qualified_label(parsed, measure.label),
        period=best.label,
        place=place,
        dataset=best.source.dataset,
        publisher=meta["publisher"],
        series=series,
        range=[(period_label(k), best.values[k]) for k in best.picked]
        if len(best.picked) > 1
        else [],
        note="; ".join(n for n in (best.source.note, best.basis) if n),
        how=best.how,
        additive=integral,
    )


def _option(measure: Measure, source: MeasureSource, place: Place, parsed: ParsedQuery, order: int):
    layout = declared_measures()[1][source.dataset]
    try:
        meta = describe(source.dataset)
        latest = meta["versions"][-1] if meta["versions"] else {}
        table = _table(source.dataset, str(data_dir()), tuple(latest.items()))
    except PermissionError:
        raise NoAnswer("이 자료를 볼 권한이 없습니다") from None
    except CatalogError:  # declared, but not (yet) loaded into this data directory
        raise NoAnswer("이 자료가 플랫폼에 적재되어 있지 않습니다") from None
    stage = 0  # how far this source got: place, age and sex, period, a value
    try:
        rows, native, how = _place_rows(table, layout, place)
        stage = 1
        rows, column, narrowed = _qualify(rows, source, parsed, not native)
        how += narrowed
        stage = 2
        combine = _combiner(measure, source, rows, native)
        picked, grain, label = _period_keys(measure, layout.grain, rows, parsed.period)
        values = combine(rows, column, grain)
        stage = 3
        picked = [k for k in picked if k in values.index and pd.notna(values[k])]
        if not picked and grain == "year" and layout.grain == "month":
            raise NoAnswer("그 해의 12개월이 모두 있지 않아 연간 합계를 낼 수 없습니다")
        if not picked:
            raise NoAnswer(f"{period_text(parsed.period)} 값이 없습니다")
    except NoAnswer as e:
        e.stage = stage
        e.detail = f" {meta['temporal']}" if stage >= 2 else ""
        raise
    series = values if grain == "key" else combine(rows, column, "key")
    hint = _hints(parsed, measure, meta)
    basis = ""
    if layout.grain == "year" and layout.as_of_column:
        months = rows.loc[rows["_key"] == picked[-1], layout.as_of_column].dropna().unique()
        if len(months) == 1 and re.fullmatch(r"\d{4}-\d{2}", months[0]):
            basis = f"{int(months[0][5:])}월 말 기준"
    if label is None and layout.grain == "hour" and grain != "key":
        days = rows.loc[rows["_year"].astype(str).isin(picked) | (grain == "all"), "_ts"]
        label = f"{days.min():%Y-%m-%d} – {days.max():%Y-%m-%d}"
    if label is None:
        label = (
            period_label(picked[-1])
            if len(picked) == 1
            else (f"{period_label(picked[0])}–{period_label(picked[-1])}")
        )
    fallback = layout.grain == "quarter" and parsed.period and not parsed.period.quarter
    if fallback:
        basis = "연간 자료가 없어 분기 자료"
    year = int(rows["_year"].max() if picked[-1] == "all" else picked[-1][:4])
    rank = (bool(fallback), -hint, 0 if native else 1, order)
    return _Option(source, rank, year, values, picked, series, label, how, basis)


def _hints(parsed: ParsedQuery, measure: Measure, meta: dict) -> int:
    """How many words of the question name this dataset: the :data:`SOURCE_HINTS`, and
    other words found in its title or keywords ('코로나' → the 2020 week), leaving out the
    words of the measure and of places, which every candidate shares."""
    named = sum(
        1
        for pattern, key, wanted in SOURCE_HINTS
        if re.search(pattern, parsed.text) and wanted in str(meta.get(key, ""))
    )
    described = " ".join([meta["title"], *meta["keywords"]]).lower()
    common = squeeze(" ".join(measure.words))
    places = {*parsed.gu, *(d["name_ko"] for d in parsed.dong)}
    for term in dict.fromkeys(parsed.terms):
        if (
            len(term) >= 2
            and not term.isdigit()
            and term not in common
            and not term.startswith("서울")
            and not any(term in place for place in places)
            and term in described
        ):
            named += 1
    return named


@functools.lru_cache(maxsize=32)
def _table(dataset: str, directory: str, version: tuple) -> pd.DataFrame:
    """The dataset (one version in one data directory) with the standard keys of
    :func:`seoul_data.tidy.keyed`, dong names compared without separators."""
    frame = keyed(declared(dataset), load(dataset))
    if "_dong" in frame:
        frame["_dong"] = frame["_dong"].map(name_key)
    return frame


def name_key(name: str) -> str:
    """A dong name without spaces and separators: '종로1.2.3.4가동' = '종로1·2·3·4가동'."""
    return re.sub(r"[\s.·,ㆍ]", "", name)


def _place_rows(table: pd.DataFrame, layout: Layout, place: Place):
    """(rows of the place, whether they are at its level, how they are combined)."""
    levels = set(table["_level"])
    if place.level == "sido":
        rows = table[(table["_level"] == "sido") & (table["_area"] == place.region)]
        if rows.empty:
            raise NoAnswer(f"{josa(place.name, '은', '는')} 서울 밖이라 자료에 없습니다")
        return rows, True, f"{place.region} 행"
    if place.level == "dong":
        if "dong" not in levels:
            raise NoAnswer("행정동 단위 값이 없습니다")
        if layout.dong_code:
            column, system = layout.dong_code
            rows = table[table[column].astype(str) == place.dong[system]]
        else:
            rows = table[
                (table["_area"] == place.gu) & (table["_dong"] == name_key(place.dong["name_ko"]))
            ]
        if rows.empty:
            raise NoAnswer(f"{place.name} 행이 없습니다")
        return rows, True, f"{place.name} 행"
    if place.level in levels:
        rows = table[table["_level"] == place.level]
        if place.level == "gu":
            rows = rows[rows["_area"] == place.gu]
        return rows, True, f"{place.name} 행"
    finer = [lv for lv in levels if _LEVEL_RANK.get(lv, 9) < _LEVEL_RANK[place.level]]
    if not finer:
        raise NoAnswer(f"{LEVEL_NAME[place.level]} 단위 값이 없습니다")
    level = min(finer, key=_LEVEL_RANK.__getitem__)
    rows = table[table["_level"] == level]
    if place.level == "gu":
        rows = rows[rows["_area"] == place.gu]
    if rows.empty:
        raise NoAnswer(f"{place.name} 행이 없습니다")
    return rows, False, f"{place.name}의 {LEVEL_NAME[level]}별 값을 합친 것"


def _qualify(rows: pd.DataFrame, source: MeasureSource, parsed: ParsedQuery, place_combined: bool):
    """(rows, value column, what was done) for the age band and sex asked (rule 5)."""
    column, done = source.value, []
    if parsed.sex:
        if source.sex_rows:
            rows = rows[rows[source.sex_rows] == parsed.sex]
            done.append(f"{source.sex_rows} = {parsed.sex}")
        elif source.by_sex:
            column = source.by_sex[parsed.sex]
        else:
            raise NoAnswer("성별로 나뉜 값이 없습니다")
    if parsed.age:
        low, high = parsed.age
        if source.age_rows:
            ages = rows[source.age_rows]
            rows = rows[(ages >= low) & (ages <= (100 if high is None else high))]
            top = "100(100세 이상)" if high is None or high >= 100 else high
            done.append(f"{source.age_rows} {low}–{top}의 합")
        elif source.age_groups:
            if parsed.sex:
                raise NoAnswer("연령과 성별을 함께 나눈 값이 없습니다")
            columns = _band_columns(source.age_groups, low, high)
            rows = rows.assign(_band=rows[columns].sum(axis=1, min_count=len(columns)))
            column = "_band"
            done.append(f"{' + '.join(columns)}")
        else:
            raise NoAnswer("연령별 값이 없습니다")
    if source.ratio and column == source.value and (place_combined or not source.value):
        top, bottom, scale = source.ratio
        summed = "의 합" if place_combined else ""
        done.append(f"{top}{summed} ÷ {bottom}{summed}" + (f" × {scale:g}" if scale != 1 else ""))
    elif column != "_band":
        done.append(f"열 {column}")
    return rows, column, f" ({', '.join(done)})"


def _band_columns(groups: AgeGroups, low: int, high: int | None) -> list[str]:
    chosen = [
        (first, last, column)
        for first, last, column in groups
        if first >= low and (high is None or (last is not None and last <= high))
    ]
    top = groups[-1][1] is None
    covered = (
        bool(chosen)
        and chosen[0][0] == low
        and (chosen[-1][1] == high if high is not None else (chosen[-1][1] is None and top))
    )
    if not covered:
        edges = [f"{f}세 이상" if t is None else f"{f}–{t}세" for f, t, _ in groups]
        shown = ", ".join(edges if len(edges) < 4 else [edges[0], edges[1], "…", edges[-1]])
        raise NoAnswer(f"연령 구간이 자료의 구간({shown})과 맞지 않습니다")
    return [column for _, _, column in chosen]


def _combiner(measure: Measure, source: MeasureSource, rows: pd.DataFrame, native: bool):
    """A function (rows, column, grain) → values by period key (rule 3)."""

    def total(part: pd.Series) -> float:
        return part.sum() if part.notna().all() else math.nan  # suppressed cells stay missing

    def keys(frame: pd.DataFrame, grain: str) -> pd.Series:
        if grain == "all":
            return pd.Series("all", index=frame.index)
        return frame["_year"].astype(str) if grain == "year" else frame["_key"]

    def combine(frame: pd.DataFrame, column: str, grain: str) -> pd.Series:
        if measure.hourly:
            per_hour = frame.groupby("_ts")[column].agg(total)
            by = keys(frame.drop_duplicates("_ts").set_index("_ts"), grain)
            by_period = per_hour.groupby(by.reindex(per_hour.index))
            return by_period.agg(lambda part: part.mean(skipna=False))
        group = frame.groupby(keys(frame, grain))
        if grain == "year" and not measure.flow:
            raise NoAnswer("월별 자료로 연간 값을 만들 수 없습니다")
        if grain == "year":
            complete = group["_key"].nunique() == 12
            return group[column].agg(total).where(complete)
        if native and source.value and (group.size() == 1).all() and column == source.value:
            return group[column].first().astype(float)
        if source.ratio and column == source.value:
            top, bottom, scale = source.ratio
            return group[top].agg(total) / group[bottom].agg(total) * scale
        if measure.additive:
            return group[column].agg(total)
        raise NoAnswer("이 값은 더해서 구할 수 없습니다 (비율·지수)")

    return combine


def _period_keys(measure: Measure, kind: str, rows: pd.DataFrame, period: Period | None):
    """(the keys asked for, the grain of the values, the period as said or None) (rule 4)."""
    keys = sorted(rows["_key"].unique())
    if period is None:
        if measure.hourly:
            first, last = rows["_ts"].min(), rows["_ts"].max()
            return ["all"], "all", f"{first:%Y-%m-%d} – {last:%Y-%m-%d}"
        return keys[-1:], "key", None
    years = range(period.start, period.end + 1)
    if period.quarter:
        if kind != "quarter":
            raise NoAnswer("분기 자료가 아닙니다")
        return [f"{period.start}-Q{period.quarter}"], "key", None
    if period.month:
        if kind not in ("month", "hour"):
            raise NoAnswer("월별 자료가 아닙니다")
        return [f"{period.start}-{period.month:02d}"], "key", None
    if kind == "year":
        return [str(y) for y in years], "key", None
    if kind == "quarter" and not measure.flow:
        return [k for k in keys if int(k[:4]) in years], "key", None
    if kind in ("month", "hour"):
        return [str(y) for y in years], "year", None
    raise NoAnswer("연간 값이 없습니다")


def series_of(values: pd.Series, integral: bool) -> list[dict]:
    return [
        {"period": period_label(k), "value": number(v, integral)}
        for k, v in values.items()
        if pd.notna(v)
    ]


def qualified_label(parsed: ParsedQuery, label: str) -> str:
    words = []
    if parsed.age:
        low, high = parsed.age
        words.append(f"{low}세 이상" if high is None else f"{low}–{high}세")
    if parsed.sex:
        words.append({"남": "남자", "여": "여자"}[parsed.sex])
    return " ".join([*words, label])


def subject(parsed: ParsedQuery, place: Place, label: str) -> str:
    period = period_text(parsed.period)
    return " ".join(p for p in (period, place.name, qualified_label(parsed, label)) if p)


def period_text(period: Period | None) -> str:
    return period.label() if period else ""


def josa(word: str, after_consonant: str, after_vowel: str) -> str:
    """The word with the particle its last syllable takes ('송파구는', '순이동은')."""
    last = word.rstrip()[-1:]
    if "가" <= last <= "힣":
        final = (ord(last) - 0xAC00) % 28
        if after_consonant == "으로":  # 로 also follows ㄹ
            return word + ("으로" if final not in (0, 8) else "로")
        return word + (after_consonant if final else after_vowel)
    return f"{word}{after_consonant}({after_vowel})"


def number(value, integral: bool) -> float | int | None:
    if value is None or pd.isna(value):
        return None
    value = float(value)
    if integral and value.is_integer():
        return int(value)
    return round(value, 6)
