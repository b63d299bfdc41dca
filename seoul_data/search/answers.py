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
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import pandas as pd

from seoul_data import geo, population_hall
from seoul_data.catalog import CatalogError
from seoul_data.display import with_unit
from seoul_data.load import catalog
from seoul_data.population_hall import IndicatorNotSupported
from seoul_data.search.figures import (
    LEVEL_NAME,
    NoAnswer,
    Place,
    Value,
    declared_measures,
    josa,
    measure_value,
    name_key,
    number,
    period_text,
    series_of,
    squeeze,
)
from seoul_data.search.phrases import (
    INDICATOR_WORDS,
    NOT_MEASURE,
    OTHER_REGIONS,
    SOURCE_HINTS,
    SUM_WORDS,
)
from seoul_data.search.query import ParsedQuery, morphemes, parse
from seoul_data.sources import declared
from seoul_data.tidy import CITY, period_label

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
class _Asked:
    """What a question asks the value of: a measure or a Population Hall indicator."""

    label: str
    value: Callable[[Place, ParsedQuery], Value]


def ask(question: str, session=None) -> Answer:
    """Answer a question that asks for a value, from the catalog's datasets.

    session: a conversation (``sd.search_session()``); a follow-up ("강남구는?", "2020년은?")
    asks the previous question again with the new place or period.
    """
    parsed = parse(question)
    if session is not None:
        parsed, _ = session.resolve(parsed)
        session.record(parsed)
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
    except NoAnswer as missing:
        return _unanswered(parsed, missing.reason, missing.suggest, f"측정값: {found.label}")
    except (CatalogError, PermissionError, OSError) as e:
        return _unanswered(parsed, f"자료를 읽을 수 없습니다 ({e})", (), "자료 접근 실패")
    return _combine(results, parsed, filters, notes)


# -- measure and place ------------------------------------------------------------------------


@functools.cache
def _asked() -> list[tuple[str, _Asked]]:
    """(word, what it asks for): the words of the measures, then of the indicators."""
    named = []
    for measure in declared_measures()[0]:
        asked = _Asked(measure.label, functools.partial(measure_value, measure))
        named += [(squeeze(word), asked) for word in measure.words]
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
                words.setdefault(squeeze(word), row.id)
    words.update({squeeze(w): i for w, i in INDICATOR_WORDS.items()})
    return words


def _measure(parsed: ParsedQuery) -> tuple[_Asked | None, list[str]]:
    """The measure (or Population Hall indicator) the longest measure word names, and the
    labels of other measures the rest of the question names (answered one at a time)."""
    text = squeeze(NOT_MEASURE.sub(" ", parsed.text))
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
        raise NoAnswer(f"{josa(names, '을', '를')} 서울의 자치구나 행정동으로 찾지 못했습니다")
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
    if len(form) >= 2 and squeeze(form) in _vocabulary():
        return True
    word = parse(form)
    return bool(word.sex or word.age or word.period)


@functools.cache
def _vocabulary() -> str:
    """The words of the measures and of their datasets' titles, keywords and publishers."""
    found, layouts = declared_measures()
    words = [w for m in found for w in m.words] + list(_indicator_words())
    for dataset in map(declared, layouts):
        words += [dataset.title, dataset.publisher, dataset.provider, *dataset.keywords]
    words += [pattern for pattern, _, _ in SOURCE_HINTS]
    return squeeze(" ".join(words))


# -- Population Hall indicators ---------------------------------------------------------------


def _indicator_value(indicator_id: str, place: Place, parsed: ParsedQuery) -> Value:
    definition = population_hall.get(indicator_id)
    suggest = tuple(definition.datasets) or _catalog_hits(parsed.terms)
    if place.level == "sido":
        raise NoAnswer(
            f"{josa(place.name, '은', '는')} 서울 밖이라 '{definition.name}' 값이 없습니다"
        )
    try:
        frame = population_hall.indicator(indicator_id, gu=place.gu, level=place.level)
    except (IndicatorNotSupported, ValueError) as e:
        raise NoAnswer(str(e).rstrip("."), suggest) from None
    if place.level == "dong":
        frame = frame[frame["area_name"].map(name_key) == name_key(place.dong["name_ko"])]
    frame = frame.sort_values("period", kind="stable").drop_duplicates("period")
    if frame.empty:
        raise NoAnswer(f"{place.name}의 '{definition.name}' 값이 없습니다", suggest)
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
        raise NoAnswer(
            f"'{definition.name}'에 {period_text(period)} 값이 없습니다 (자료 기간 {span})",
            suggest,
        )
    row = frame[keys == picked[-1]].iloc[0]
    basis = ""
    if yearly and len(row["period"]) == 7:
        basis = f"{int(row['period'][5:])}월 말 기준"
    ids = re.findall(r"\(([\w.]+)\)", row["source"])
    integral = definition.unit in ("명", "세대", "건", "가구")
    return Value(
        value=number(values[picked[-1]], integral),
        unit=definition.unit,
        label=definition.name,
        period=period_label(picked[-1]),
        place=place,
        dataset=", ".join(ids) or None,
        publisher=" · ".join(re.findall(r"([^·(]+?) \(", row["source"])) or row["source"],
        series=series_of(values, integral) if len(values) > 1 else [],
        range=[(period_label(k), values[k]) for k in picked] if len(picked) > 1 else [],
        note="; ".join(n for n in (definition.definition.rstrip("."), basis) if n),
        how=f"서울 인구관 지표 {indicator_id}",
        additive=False,
    )


# -- sentences --------------------------------------------------------------------------------


def _combine(results: list[Value], parsed: ParsedQuery, filters: dict, notes: list[str]) -> Answer:
    first = results[0]
    unit = first.unit
    sources = f"출처: {first.publisher} ({first.dataset})"
    understood = (
        f"측정값: {first.label} · 장소: "
        + ", ".join(f"{r.place.name}({LEVEL_NAME[r.place.level]})" for r in results)
        + f" · 기간: {first.period}. "
    )
    notes = " ".join([*parsed.notes, *notes])
    if len(results) == 1:
        subject = f"{first.period} {first.place.name} {first.label}"
        text = f"{josa(subject, '은', '는')} {with_unit(first.value, unit)}입니다"
        extras = [first.note] if first.note else []
        if first.value is not None and first.value < 0 and "순이동" in first.label:
            extras.append("전출이 전입보다 많은 순유출")
        if first.range:
            extras.append(
                ", ".join(
                    f"{label} {with_unit(number(v, False), unit)}" for label, v in first.range
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
        value = number(sum(r.value for r in results), True)
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


def __getattr__(name: str):
    """``MEASURES`` and ``LAYOUTS`` (see :mod:`seoul_data.search.figures`), for readers."""
    if name in ("MEASURES", "LAYOUTS"):
        return declared_measures()[name == "LAYOUTS"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
