"""Direct answers to Korean questions that ask for a value: "2019년 송파구 인구는 몇 명이야?".

    from seoul_data.search.answers import ask
    ask("2019년 송파구 인구는 몇 명이야?").answer
    # '2019년 송파구 인구는 675,961명입니다 (주민등록인구(한국인); 12월 말 기준).
    #  출처: 행정안전부 (population.gu_resident_total)'

The question is read once by :func:`seoul_data.search.query.parse`; the value is computed from
the catalog's datasets as their schemas declare (:data:`MEASURES`,
:mod:`seoul_data.catalog.meaning`). The rules, in the order applied:

1. **Measure.** The longest measure word found in the question (spaces ignored) names the
   measure: '한국인 인구' beats '인구', '순이동' beats '인구', '출생아 수 증감률' beats
   '출생아 수'. Words that name a source rather than a measure ('인구동태', '인구동향') are
   taken out first. The names of the Population Hall's indicators (``sd.indicators()``) are
   measure words too; a tie goes to :data:`MEASURES`. An indicator is answered by
   ``sd.indicator`` (노령화지수, 성비 …), and one without data says what is missing. One
   measure is answered; others the question names are mentioned in ``why``.
2. **Place.** A dong → the dong; a gu → the gu; '서울' or no place → the city. A region outside
   Seoul (부산, 경기도, 해운대구 …) is answered only where a dataset holds it (the vital
   statistics of every 시도), never with a Seoul figure; so is a proper noun that is no place
   we know ('여의도', '광화문'). Several places → each value in the sentence; their sum is the
   value only when the question asks for it (합계, 합, 전체 …).
3. **Source.** A measure lists its sources in order of preference. A source serves a place
   when it has rows at that level or finer rows to combine (dong → gu → city: counts are
   summed, rates recomputed from their numerator and denominator, a published rate that has
   neither is not combined). A source the question names ("통계청 … 인구동태 기준", "행정동별
   … 합계", :data:`SOURCE_HINTS`, or another word of its title or keywords: '코로나') comes
   first, then a source with rows at the level asked, then the declared order.
4. **Period.** A year → annual tables; a quarter → quarterly tables; a month → monthly tables
   (and hourly living population averaged over the month). A year asked of a monthly flow
   (전입, 전출, 순이동) is the sum of its twelve months, given only when all twelve are there.
   A year with no annual table falls back to a quarterly table of that year for stock
   measures (인구, 세대 …), and the answer says which quarter. No period → the most recent
   year, among the sources the question names if it names any. A range → the value of its
   last year, the range in the sentence. The series is the measure over the source's periods.
5. **Age and sex.** The single-year table sums the band (age 100 = 100세 이상) for either sex;
   tables of age groups (5-year, 10대 …, 65세 이상) serve only bands on their group edges and
   no sex; sex alone uses a table's 남/여 columns.
6. **Never a number the data do not hold.** Otherwise ``value`` is None, the sentence says
   what is missing and names the closest datasets (``sd.catalog``).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Literal

import pandas as pd

from seoul_data import geo, population_hall
from seoul_data.catalog import CatalogError
from seoul_data.catalog.meaning import AgeGroups, Layout, Measure, MeasureSource, layout, measures
from seoul_data.display import with_unit
from seoul_data.load import catalog, describe, load
from seoul_data.paths import data_dir
from seoul_data.population_hall import IndicatorNotSupported
from seoul_data.search.phrases import (
    INDICATOR_WORDS,
    NOT_MEASURE,
    OTHER_REGIONS,
    SOURCE_HINTS,
    SUM_WORDS,
)
from seoul_data.search.query import ParsedQuery, Period, morphemes, parse
from seoul_data.sources import concepts, declared, sources
from seoul_data.tidy import CITY, keyed, period_label

#: The measures and where each is held, as the catalog's declarations say.
MEASURES: tuple[Measure, ...] = measures([s.dataset for s in sources()], concepts())
LAYOUTS: dict[str, Layout] = {
    source.dataset: layout(declared(source.dataset)) for m in MEASURES for source in m.sources
}
Level = Literal["city", "gu", "dong", "sido"]
_LEVEL_RANK = {"dong": 0, "gu": 1, "city": 2}
_LEVEL_NAME = {"city": "서울시", "gu": "자치구", "dong": "행정동", "sido": "시도"}


# -- the answer -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """A direct answer: a Korean sentence and the value behind it (None: no answer)."""

    answer: str
    value: float | int | None = None
    unit: str = ""
    period: str = ""
    place: str = ""
    dataset: str | None = None
    series: list[dict] = field(default_factory=list)
    why: str = ""
    filters: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        """The answer as a JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class Place:
    level: Level
    name: str  # as said in the answer
    gu: str | None = None
    dong: dict | None = None
    region: str = CITY  # the 시도 (vital statistics' name)


@dataclass(frozen=True)
class _Value:
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


@dataclass(frozen=True)
class _Asked:
    """What a question asks the value of: a measure or a Population Hall indicator."""

    label: str
    value: Callable[[Place, ParsedQuery], _Value]


class _NoAnswer(Exception):
    """The data cannot answer; the message says why, in Korean."""

    def __init__(self, reason: str, suggest: tuple[str, ...] = ()):
        super().__init__(reason)
        self.reason = reason
        self.suggest = suggest
        self.stage = 0  # how far the source got (see _option)
        self.detail = ""  # said after the dataset id (its period)


def ask(question: str, session=None) -> Answer:
    """Answer a question that asks for a value, from the catalog's datasets.

    session: a conversation (``sd.search_session()``); a follow-up ("강남구는?", "2020년은?")
    asks the previous question again with the new place or period.
    """
    parsed = parse(question)
    if session is not None:
        parsed, _ = session.resolve(parsed)
        session.record(parsed, [])
    filters = parsed.filters()
    if not parsed.text:
        return Answer(
            "질문이 비어 있습니다. 예: '2019년 송파구 인구는 몇 명이야?'", filters=filters
        )
    found, others = _measure(parsed)
    notes = [f"다른 값({', '.join(others)})도 물었지만 한 번에 하나만 답합니다."] if others else []
    if found is None:
        return _unanswered(
            parsed,
            "무엇의 값을 묻는지 알지 못했습니다 (예: 인구, 세대 수, 출생아 수, 전입, 재정자립도)",
            _catalog_hits(parsed.terms),
            "측정값을 찾지 못함",
        )
    try:
        results = [found.value(place, parsed) for place in _places(parsed)]
    except _NoAnswer as missing:
        return _unanswered(parsed, missing.reason, missing.suggest, f"측정값: {found.label}")
    except (CatalogError, PermissionError, OSError) as e:
        return _unanswered(parsed, f"자료를 읽을 수 없습니다 ({e})", (), "자료 접근 실패")
    return _combine(results, parsed, filters, notes)


# -- measure and place ------------------------------------------------------------------------


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


@functools.cache
def _asked() -> list[tuple[str, _Asked]]:
    """(word, what it asks for): the words of the measures, then of the indicators."""
    named = []
    for measure in MEASURES:
        asked = _Asked(measure.label, functools.partial(_measure_value, measure))
        named += [(_squeeze(word), asked) for word in measure.words]
    indicators = {}
    for word, indicator_id in _indicator_words().items():
        if indicator_id not in indicators:
            indicators[indicator_id] = _Asked(
                indicator_id, functools.partial(_indicator_value, indicator_id)
            )
        named.append((word, indicators[indicator_id]))
    return named


@functools.cache
def _indicator_words() -> dict[str, str]:
    words = {}
    for row in population_hall.indicators()[["id", "name"]].itertuples():
        name = re.sub(r"\(.*?\)", "", row.name)
        inside = re.findall(r"\((.*?)\)", row.name)
        for word in (name, name.removesuffix(" 수"), *inside):
            if not re.search(r"\d+[–-]\d+세|월별", word):
                words.setdefault(_squeeze(word), row.id)
    words.update({_squeeze(w): i for w, i in INDICATOR_WORDS.items()})
    return words


def _measure(parsed: ParsedQuery) -> tuple[_Asked | None, list[str]]:
    """The measure (or Population Hall indicator) the longest measure word names, and the
    labels of other measures the rest of the question names (answered one at a time)."""
    text = _squeeze(NOT_MEASURE.sub(" ", parsed.text))
    found = [(word, what) for word, what in _asked() if word in text]
    if not found:
        return None, []
    word, best = max(found, key=lambda item: len(item[0]))  # the first of the longest
    rest = text.replace(word, " ")
    others = {what.label for other, what in found if other in rest and what is not best}
    return best, sorted(others)


def _places(parsed: ParsedQuery) -> list[Place]:
    """The places asked about (rule 2)."""
    outside = _outside_seoul(parsed.text)
    if outside:
        name, region = outside
        return [Place("sido", name, region=region or name)]
    if parsed.dong:
        return [
            Place("dong", f"{d['gu_name_ko']} {d['name_ko']}", d["gu_name_ko"], d)
            for d in parsed.dong
        ]
    if parsed.gu:
        return [Place("gu", gu, gu) for gu in parsed.gu]
    unknown = _unknown_names(parsed.text)
    if unknown:
        names = ", ".join(unknown)
        raise _NoAnswer(f"{_josa(names, '을', '를')} 서울의 자치구나 행정동으로 찾지 못했습니다")
    return [Place("city", CITY)]


def _outside_seoul(text: str) -> tuple[str, str | None] | None:
    """(the name, its 시도 in the vital statistics or None) of a place outside Seoul."""
    for form, tag in morphemes(text):
        if tag != "NNP" or form.startswith("서울"):
            continue
        for short, region in OTHER_REGIONS.items():
            if form.startswith(short) and (len(form) == len(short) or form[-1] in "시도"):
                return form, region
        if len(form) >= 3 and form[-1] in "시군구" and geo.find_gu(form) is None:
            return form, None
    return None


def _unknown_names(text: str) -> list[str]:
    """Names the question gives a place we do not know: a proper noun, or a noun with 의 before
    the measure ('화성의 인구'), that is no Seoul place and no word of the measures and their
    datasets ('통계청', '코로나', '여성'). No city figure stands in for such a place."""
    tokens = morphemes(text)
    unknown = []
    for i, (form, tag) in enumerate(tokens):
        possessor = tag == "NNG" and i + 1 < len(tokens) and tokens[i + 1][1] == "JKG"
        if (tag == "NNP" or possessor) and not _known_word(form):
            unknown.append(form)
    return unknown


def _known_word(form: str) -> bool:
    if form.startswith("서울") or geo.find_gu(form) or geo.find_dong(form):
        return True
    if len(form) >= 2 and _squeeze(form) in _vocabulary():
        return True
    word = parse(form)
    return bool(word.sex or word.age or word.period)


@functools.cache
def _vocabulary() -> str:
    """The words of the measures and of their datasets' titles, keywords and publishers."""
    words = [w for m in MEASURES for w in m.words] + list(_indicator_words())
    for dataset in map(declared, LAYOUTS):
        words += [dataset.title, dataset.publisher, dataset.provider, *dataset.keywords]
    words += [pattern for pattern, _, _ in SOURCE_HINTS]
    return _squeeze(" ".join(words))


# -- values from the measure table ------------------------------------------------------------


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


def _measure_value(measure: Measure, place: Place, parsed: ParsedQuery) -> _Value:
    reasons: dict[str, tuple[int, list[str]]] = {}  # reason → (stage, the datasets)
    options = []
    for order, source in enumerate(measure.sources):
        try:
            options.append(_option(measure, source, place, parsed, order))
        except _NoAnswer as e:
            reasons.setdefault(e.reason, (e.stage, []))[1].append(f"{source.dataset}{e.detail}")
    if not options:
        # the sources that got furthest say the most; the one reason when all agree
        ranked = sorted(reasons.items(), key=lambda item: -item[1][0])
        said = [f"{reason} ({', '.join(ids)})" for reason, (_, ids) in ranked]
        if len(reasons) == 1 and not ranked[0][1][0]:
            said = list(reasons)
        raise _NoAnswer(
            f"{_subject(parsed, place, measure.label)} 값이 자료에 없습니다 — "
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
    series = [] if len(best.series) < 2 else _series(best.series, integral)
    return _Value(
        value=_number(value, integral),
        unit=measure.unit,
        label=_qualified_label(parsed, measure.label),
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
    layout = LAYOUTS[source.dataset]
    try:
        meta = describe(source.dataset)
        latest = meta["versions"][-1] if meta["versions"] else {}
        table = _table(source.dataset, str(data_dir()), tuple(latest.items()))
    except PermissionError:
        raise _NoAnswer("이 자료를 볼 권한이 없습니다") from None
    except CatalogError:  # declared, but not (yet) loaded into this data directory
        raise _NoAnswer("이 자료가 플랫폼에 적재되어 있지 않습니다") from None
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
            raise _NoAnswer("그 해의 12개월이 모두 있지 않아 연간 합계를 낼 수 없습니다")
        if not picked:
            raise _NoAnswer(f"{_period_text(parsed.period)} 값이 없습니다")
    except _NoAnswer as e:
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
    common = _squeeze(" ".join(measure.words))
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
        frame["_dong"] = frame["_dong"].map(_name_key)
    return frame


def _name_key(name: str) -> str:
    """A dong name without spaces and separators: '종로1.2.3.4가동' = '종로1·2·3·4가동'."""
    return re.sub(r"[\s.·,ㆍ]", "", name)


def _place_rows(table: pd.DataFrame, layout: Layout, place: Place):
    """(rows of the place, whether they are at its level, how they are combined)."""
    levels = set(table["_level"])
    if place.level == "sido":
        rows = table[(table["_level"] == "sido") & (table["_area"] == place.region)]
        if rows.empty:
            raise _NoAnswer(f"{_josa(place.name, '은', '는')} 서울 밖이라 자료에 없습니다")
        return rows, True, f"{place.region} 행"
    if place.level == "dong":
        if "dong" not in levels:
            raise _NoAnswer("행정동 단위 값이 없습니다")
        if layout.dong_code:
            column, system = layout.dong_code
            rows = table[table[column].astype(str) == place.dong[system]]
        else:
            rows = table[
                (table["_area"] == place.gu) & (table["_dong"] == _name_key(place.dong["name_ko"]))
            ]
        if rows.empty:
            raise _NoAnswer(f"{place.name} 행이 없습니다")
        return rows, True, f"{place.name} 행"
    if place.level in levels:
        rows = table[table["_level"] == place.level]
        if place.level == "gu":
            rows = rows[rows["_area"] == place.gu]
        return rows, True, f"{place.name} 행"
    finer = [lv for lv in levels if _LEVEL_RANK.get(lv, 9) < _LEVEL_RANK[place.level]]
    if not finer:
        raise _NoAnswer(f"{_LEVEL_NAME[place.level]} 단위 값이 없습니다")
    level = min(finer, key=_LEVEL_RANK.__getitem__)
    rows = table[table["_level"] == level]
    if place.level == "gu":
        rows = rows[rows["_area"] == place.gu]
    if rows.empty:
        raise _NoAnswer(f"{place.name} 행이 없습니다")
    return rows, False, f"{place.name}의 {_LEVEL_NAME[level]}별 값을 합친 것"


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
            raise _NoAnswer("성별로 나뉜 값이 없습니다")
    if parsed.age:
        low, high = parsed.age
        if source.age_rows:
            ages = rows[source.age_rows]
            rows = rows[(ages >= low) & (ages <= (100 if high is None else high))]
            top = "100(100세 이상)" if high is None or high >= 100 else high
            done.append(f"{source.age_rows} {low}–{top}의 합")
        elif source.age_groups:
            if parsed.sex:
                raise _NoAnswer("연령과 성별을 함께 나눈 값이 없습니다")
            columns = _band_columns(source.age_groups, low, high)
            rows = rows.assign(_band=rows[columns].sum(axis=1, min_count=len(columns)))
            column = "_band"
            done.append(f"{' + '.join(columns)}")
        else:
            raise _NoAnswer("연령별 값이 없습니다")
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
        raise _NoAnswer(f"연령 구간이 자료의 구간({shown})과 맞지 않습니다")
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
            raise _NoAnswer("월별 자료로 연간 값을 만들 수 없습니다")
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
        raise _NoAnswer("이 값은 더해서 구할 수 없습니다 (비율·지수)")

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
            raise _NoAnswer("분기 자료가 아닙니다")
        return [f"{period.start}-Q{period.quarter}"], "key", None
    if period.month:
        if kind not in ("month", "hour"):
            raise _NoAnswer("월별 자료가 아닙니다")
        return [f"{period.start}-{period.month:02d}"], "key", None
    if kind == "year":
        return [str(y) for y in years], "key", None
    if kind == "quarter" and not measure.flow:
        return [k for k in keys if int(k[:4]) in years], "key", None
    if kind in ("month", "hour"):
        return [str(y) for y in years], "year", None
    raise _NoAnswer("연간 값이 없습니다")


def _series(values: pd.Series, integral: bool) -> list[dict]:
    return [
        {"period": period_label(k), "value": _number(v, integral)}
        for k, v in values.items()
        if pd.notna(v)
    ]


# -- Population Hall indicators ---------------------------------------------------------------


def _indicator_value(indicator_id: str, place: Place, parsed: ParsedQuery) -> _Value:
    definition = population_hall.get(indicator_id)
    suggest = tuple(definition.datasets) or _catalog_hits(parsed.terms)
    if place.level == "sido":
        raise _NoAnswer(
            f"{_josa(place.name, '은', '는')} 서울 밖이라 '{definition.name}' 값이 없습니다"
        )
    try:
        frame = population_hall.indicator(indicator_id, gu=place.gu, level=place.level)
    except (IndicatorNotSupported, ValueError) as e:
        raise _NoAnswer(str(e).rstrip("."), suggest) from None
    if place.level == "dong":
        frame = frame[frame["area_name"].map(_name_key) == _name_key(place.dong["name_ko"])]
    frame = frame.sort_values("period", kind="stable").drop_duplicates("period")
    if frame.empty:
        raise _NoAnswer(f"{place.name}의 '{definition.name}' 값이 없습니다", suggest)
    # one value a year ('2020-12' year end): said as the year, the month as its basis
    yearly = frame["year"].is_unique and frame["period"].str.fullmatch(r"\d{4}(-\d{2})?").all()
    keys = frame["year"].astype(str) if yearly else frame["period"]
    values = pd.Series(frame["value"].to_numpy(), index=keys.to_numpy())
    period = parsed.period
    if period is None:
        picked = [values.index[-1]]
    else:
        inside = frame["year"].between(period.start, period.end)
        if period.quarter:
            inside &= frame["period"] == f"{period.start}-Q{period.quarter}"
        elif period.month:
            inside &= frame["period"] == f"{period.start}-{period.month:02d}"
        picked = list(keys[inside])
    if not picked:
        span = f"{period_label(values.index[0])}–{period_label(values.index[-1])}"
        raise _NoAnswer(
            f"'{definition.name}'에 {_period_text(period)} 값이 없습니다 (자료 기간 {span})",
            suggest,
        )
    row = frame[keys == picked[-1]].iloc[0]
    basis = ""
    if yearly and len(row["period"]) == 7:
        basis = f"{int(row['period'][5:])}월 말 기준"
    ids = re.findall(r"\(([\w.]+)\)", row["source"])
    integral = definition.unit in ("명", "세대", "건", "가구")
    return _Value(
        value=_number(values[picked[-1]], integral),
        unit=definition.unit,
        label=definition.name,
        period=period_label(picked[-1]),
        place=place,
        dataset=", ".join(ids) or None,
        publisher=" · ".join(re.findall(r"([^·(]+?) \(", row["source"])) or row["source"],
        series=_series(values, integral) if len(values) > 1 else [],
        range=[(period_label(k), values[k]) for k in picked] if len(picked) > 1 else [],
        note="; ".join(n for n in (definition.definition.rstrip("."), basis) if n),
        how=f"서울 인구관 지표 {indicator_id}",
        additive=False,
    )


# -- sentences --------------------------------------------------------------------------------


def _combine(results: list[_Value], parsed: ParsedQuery, filters: dict, notes: list[str]) -> Answer:
    first = results[0]
    unit = first.unit
    sources = f"출처: {first.publisher} ({first.dataset})"
    understood = (
        f"측정값: {first.label} · 장소: "
        + ", ".join(f"{r.place.name}({_LEVEL_NAME[r.place.level]})" for r in results)
        + f" · 기간: {first.period}. "
    )
    notes = " ".join([*parsed.notes, *notes])
    if len(results) == 1:
        subject = f"{first.period} {first.place.name} {first.label}"
        text = f"{_josa(subject, '은', '는')} {with_unit(first.value, unit)}입니다"
        extras = [first.note] if first.note else []
        if first.value is not None and first.value < 0 and "순이동" in first.label:
            extras.append("전출이 전입보다 많은 순유출")
        if first.range:
            extras.append(
                ", ".join(
                    f"{label} {with_unit(_number(v, False), unit)}" for label, v in first.range
                )
            )
        if extras:
            text += f" ({'; '.join(extras)})"
        return Answer(
            answer=f"{text}. {sources}",
            value=first.value,
            unit=unit,
            period=first.period,
            place=first.place.name,
            dataset=first.dataset,
            series=first.series,
            why=(understood + f"{first.dataset}의 {first.how}. {notes}").strip(),
            filters=filters,
        )
    parts = ", ".join(f"{r.place.name} {with_unit(r.value, unit)}" for r in results)
    same = len({(r.dataset, r.period) for r in results}) == 1
    value = None
    text = f"{first.period} {first.label}: {parts}"
    if SUM_WORDS.search(parsed.text) and same and all(r.additive for r in results):
        value = _number(sum(r.value for r in results), True)
        text += f" (합계 {with_unit(value, unit)})"
    else:
        text += " (여러 곳이라 하나의 값은 없습니다; 합계는 '합계'라고 물어 주세요)"
    datasets = ", ".join(dict.fromkeys(r.dataset for r in results))
    return Answer(
        answer=f"{text}. 출처: {first.publisher} ({datasets})",
        value=value,
        unit=unit,
        period=first.period,
        place=", ".join(r.place.name for r in results),
        dataset=datasets,
        why=(understood + notes).strip(),
        filters=filters,
    )


def _unanswered(parsed: ParsedQuery, reason: str, suggest, why: str) -> Answer:
    try:
        known = dict(catalog(loadable=True)[["id", "title"]].itertuples(index=False))
    except (CatalogError, OSError):  # no catalog to suggest from
        known = {}
    close = [f"{i} ({known[i]})" for i in dict.fromkeys(suggest) if i in known][:3]
    text = f"답할 수 없습니다: {reason}."
    if close:
        text += " 가까운 자료: " + ", ".join(close) + "."
    return Answer(
        answer=text,
        period=parsed.period.label() if parsed.period else "",
        why=f"{why}. {' '.join(parsed.notes)}".strip(),
        filters=parsed.filters(),
    )


def _catalog_hits(terms: tuple[str, ...]) -> tuple[str, ...]:
    hits: dict[str, int] = {}
    for term in terms:
        if len(term) < 2 or term.isdigit():
            continue
        for dataset in catalog(keyword=term, loadable=True)["id"]:
            hits[dataset] = hits.get(dataset, 0) + 1
    return tuple(sorted(hits, key=lambda i: -hits[i])[:3])


def _qualified_label(parsed: ParsedQuery, label: str) -> str:
    words = []
    if parsed.age:
        low, high = parsed.age
        words.append(f"{low}세 이상" if high is None else f"{low}–{high}세")
    if parsed.sex:
        words.append({"남": "남자", "여": "여자"}[parsed.sex])
    return " ".join([*words, label])


def _subject(parsed: ParsedQuery, place: Place, label: str) -> str:
    period = _period_text(parsed.period)
    return " ".join(p for p in (period, place.name, _qualified_label(parsed, label)) if p)


def _period_text(period: Period | None) -> str:
    return period.label() if period else ""


def _josa(word: str, after_consonant: str, after_vowel: str) -> str:
    """The word with the particle its last syllable takes ('송파구는', '순이동은')."""
    last = word.rstrip()[-1:]
    if "가" <= last <= "힣":
        final = (ord(last) - 0xAC00) % 28
        if after_consonant == "으로":  # 로 also follows ㄹ
            return word + ("으로" if final not in (0, 8) else "로")
        return word + (after_consonant if final else after_vowel)
    return f"{word}{after_consonant}({after_vowel})"


def _number(value, integral: bool) -> float | int | None:
    if value is None or pd.isna(value):
        return None
    value = float(value)
    if integral and value.is_integer():
        return int(value)
    return round(value, 6)
