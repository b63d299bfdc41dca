"""Direct answers to Korean questions that ask for a value: "2019년 송파구 인구는 몇 명이야?".

    from seoul_data.search.answers import ask
    ask("2019년 송파구 인구는 몇 명이야?").answer
    # '2019년 송파구 인구는 675,961명입니다 (12월 말 기준). 출처: 행정안전부 (population.gu_resident_total)'

The question is read once by :func:`seoul_data.search.query.parse`; the value is computed from
the catalog's datasets as the table :data:`MEASURES` says. The rules, in the order applied:

1. **Measure.** The longest measure word found in the question (spaces ignored) names the
   measure: '한국인 인구' beats '인구', '순이동' beats '인구', '출생아 수 증감률' beats
   '출생아 수'. Words that name a source rather than a measure ('인구동태', '인구동향') are
   taken out first. The names of the Population Hall's indicators (``sd.indicators()``) are
   measure words too; a tie goes to :data:`MEASURES`. An indicator is answered by
   ``sd.indicator`` (노령화지수, 성비 …), and one without data says what is missing.
2. **Place.** A dong → the dong; a gu → the gu; '서울' or no place → the city. A region outside
   Seoul (부산, 경기도, 해운대구 …) is answered only where a dataset holds it (the vital
   statistics of every 시도), never with a Seoul figure. Several places → each value in the
   sentence; their sum is the value only when the question asks for it (합계, 합, 전체 …).
3. **Source.** A measure lists its sources in order of preference. A source serves a place
   when it has rows at that level or finer rows to combine (dong → gu → city: counts are
   summed, rates recomputed from their numerator and denominator, a published rate that has
   neither is not combined). A source the question names ("통계청 … 인구동태 기준", "행정동별
   … 합계", :data:`SOURCE_HINTS`) comes first, then a source with rows at the level asked,
   then the declared order.
4. **Period.** A year → annual tables; a quarter → quarterly tables; a month → monthly tables
   (and hourly living population averaged over the month). A year asked of a monthly flow
   (전입, 전출, 순이동) is the sum of its twelve months, given only when all twelve are there.
   A year with no annual table falls back to a quarterly table of that year for stock
   measures (인구, 세대 …), and the answer says which quarter. No period → the most recent
   year any source has (ties: rule 3). A range → the value of its last year, the range in
   the sentence.
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
from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

import seoul_data as sd
from seoul_data import geo
from seoul_data.catalog import CatalogError
from seoul_data.population_hall import IndicatorNotSupported
from seoul_data.search.query import ParsedQuery, Period, morphemes, parse

Kind = Literal["year", "quarter", "month", "hour"]
Level = Literal["city", "gu", "dong", "sido"]
CITY = "서울특별시"
_LEVEL_RANK = {"dong": 0, "gu": 1, "city": 2}
_LEVEL_NAME = {"city": "서울시", "gu": "자치구", "dong": "행정동", "sido": "시도"}


# -- the declarative tables -------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Where a dataset keeps its place and its time."""

    area: str | None  # the column naming the gu (or 서울특별시, or a 시도); None: the city
    time: str  # the column holding the period
    kind: Kind
    dong: str | None = None  # the column naming the dong
    dong_code: tuple[str, str] | None = None  # (column, geo code system of find_dong rows)
    hour: str | None = None  # the hour column, where the time column holds only the day


_DONG_YEARS = dict(area="gu", time="year", kind="year", dong="dong")
LAYOUTS: dict[str, Layout] = {
    "population.gu_resident_total": Layout("area", "year", "year"),
    "population.gu_resident_age_sex": Layout("gu", "year", "year"),
    "population.gu_resident_2017q1": Layout("gu", "period", "quarter"),
    "population.dong_resident_2021q2": Layout("gu", "period", "quarter", dong="dong"),
    "population.dong_households_density": Layout(
        **_DONG_YEARS, dong_code=("dong_code_kostat", "kostat7")
    ),
    "population.dong_age5": Layout(**_DONG_YEARS, dong_code=("dong_code_kostat", "kostat7")),
    "population.dong_births_cbr": Layout(**_DONG_YEARS, dong_code=("dong_code_kostat", "kostat7")),
    "population.gu_fiscal_independence": Layout("gu", "year", "year"),
    "population.sido_vital_stats": Layout("region", "year", "year"),
    "population.gu_migration_monthly": Layout("gu", "month", "month"),
    "population.city_migration_monthly": Layout(None, "month", "month"),
    "living.gu_hourly_2024h1": Layout("gu", "date", "hour", hour="hour"),
    "living.dong_hourly_week_20190304": Layout(
        None, "time", "hour", dong="dong_name", dong_code=("dong_code", "mois8")
    ),
    "living.dong_hourly_week_20200309": Layout(
        None, "time", "hour", dong="dong_name", dong_code=("dong_code", "mois8")
    ),
}

#: (first age, last age or None for open-ended, column)
AgeGroups = tuple[tuple[int, int | None, str], ...]
_AGE5: AgeGroups = (
    *((a, a + 4, f"age_{a}_{a + 4}") for a in range(0, 100, 5)),
    (100, None, "age_100_plus"),
)
_AGED65: AgeGroups = ((65, None, "aged_65_plus"),)
_DECADES: AgeGroups = tuple((10 * i, 10 * i + 9, f"a{i}") for i in range(1, 7))


@dataclass(frozen=True)
class Source:
    """One dataset that holds a measure, and how to read the measure from it."""

    dataset: str
    value: str  # the column of the value
    by_sex: dict[str, str] | None = None  # {'남': column, '여': column}
    sex_rows: str | None = None  # a column holding '남'/'여': rows are filtered
    age_rows: str | None = None  # a column of single-year ages (100 = 100세 이상)
    age_groups: AgeGroups | None = None
    ratio: tuple[str, str, float] | None = None  # numerator, denominator, scale: to combine
    note: str = ""  # what the figure is, said in the answer


@dataclass(frozen=True)
class Measure:
    """A value people ask for, the words that name it, and where it is found."""

    label: str
    words: tuple[str, ...]
    unit: str
    sources: tuple[Source, ...]
    additive: bool = True  # counts add up over places (and, for flows, over months)
    flow: bool = False  # a count over a period (births, moves), not a stock at a date
    hourly: bool = False  # living population: an hourly stock, averaged over the period


def _dong_density(column: str, **kw) -> Source:
    return Source("population.dong_households_density", column, **kw)


def _quarters(column: str, **kw) -> tuple[Source, Source]:
    return (
        Source("population.gu_resident_2017q1", column, **kw),
        Source("population.dong_resident_2021q2", column, **kw),
    )


def _sexes(prefix: str) -> dict[str, str]:
    return {"남": f"{prefix}_male", "여": f"{prefix}_female"}


def _vital(column: str) -> Source:
    return Source("population.sido_vital_stats", column, note="통계청 인구동향조사, 연간")


_KOREANS = "주민등록인구(한국인)"
_WITH_FOREIGNERS = "분기 말 기준, 등록외국인 포함"
MEASURES: tuple[Measure, ...] = (
    Measure("한국인 인구", ("한국인", "한국인 인구", "내국인", "내국인 인구"), "명", (
        *_quarters("korean_total", by_sex=_sexes("korean"), note="분기 말 기준"),
        Source("population.gu_resident_total", "population", note=_KOREANS),
        Source("population.gu_resident_age_sex", "population", sex_rows="sex", age_rows="age",
               note=_KOREANS),
        _dong_density("population", by_sex=_sexes("pop"), note=_KOREANS),
    )),
    Measure("등록외국인 수", ("외국인", "외국인 수", "외국인 인구", "등록외국인", "foreigners"),
            "명", _quarters("foreign_total", by_sex=_sexes("foreign"), note="분기 말 기준")),
    Measure("세대당 인구", ("세대당 인구", "세대당인구", "세대당", "세대원 수"), "명", (
        _dong_density("population", ratio=("population", "households", 1.0),
                      note="주민등록인구 ÷ 세대 수"),
        *_quarters("persons_per_household", ratio=("korean_total", "households", 1.0),
                   note="한국인 인구 ÷ 세대 수"),
    ), additive=False),
    Measure("세대 수", ("세대", "세대 수", "세대수", "households"), "세대", (
        _dong_density("households"), *_quarters("households", note="분기 말 기준"),
    )),
    Measure("인구밀도", ("인구밀도", "인구 밀도", "밀도", "density"), "명/km²", (
        _dong_density("density", ratio=("population", "area_km2", 1.0)),
    ), additive=False),
    Measure("면적", ("면적", "넓이", "area"), "km²", (_dong_density("area_km2"),)),
    Measure("합계출산율", ("합계출산율", "출산율", "fertility"), "명",
            (_vital("total_fertility_rate"),), additive=False),
    Measure("조출생률", ("조출생률", "출생률", "birth rate"), "명(인구 천 명당)", (
        _vital("crude_birth_rate"),
        Source("population.dong_births_cbr", "crude_birth_rate",
               ratio=("births", "midyear_pop", 1000.0)),
    ), additive=False),
    Measure("출생아 수", ("출생아", "출생아 수", "출생", "출산", "신생아", "births"), "명", (
        _vital("births"),
        Source("population.dong_births_cbr", "births", by_sex=_sexes("births")),
    ), flow=True),
    Measure("조사망률", ("조사망률", "사망률"), "명(인구 천 명당)",
            (_vital("crude_death_rate"),), additive=False),
    Measure("사망자 수", ("사망자", "사망자 수", "사망", "deaths"), "명", (_vital("deaths"),),
            flow=True),
    Measure("자연증가율", ("자연증가율", "자연 증가율"), "명(인구 천 명당)",
            (_vital("natural_increase_rate"),), additive=False),
    Measure("자연증가", ("자연증가", "자연 증가", "자연증가 수"), "명",
            (_vital("natural_increase"),), flow=True),
    Measure("조혼인율", ("조혼인율", "혼인율", "결혼율"), "건(인구 천 명당)",
            (_vital("crude_marriage_rate"),), additive=False),
    Measure("혼인 건수", ("혼인", "혼인 건수", "결혼", "marriages"), "건", (_vital("marriages"),),
            flow=True),
    Measure("조이혼율", ("조이혼율", "이혼율"), "건(인구 천 명당)",
            (_vital("crude_divorce_rate"),), additive=False),
    Measure("이혼 건수", ("이혼", "이혼 건수", "divorces"), "건", (_vital("divorces"),),
            flow=True),
    Measure("전입 인구", ("전입", "전입자", "전입 인구", "전입자 수", "들어온"), "명", (
        Source("population.gu_migration_monthly", "총전입"),
        Source("population.city_migration_monthly", "inbound"),
    ), flow=True),
    Measure("전출 인구", ("전출", "전출자", "전출 인구", "전출자 수", "나간"), "명", (
        Source("population.gu_migration_monthly", "총전출"),
        Source("population.city_migration_monthly", "outbound"),
    ), flow=True),
    Measure("순이동 인구", ("순이동", "순이동 인구", "순유입", "순전입", "net migration"), "명", (
        Source("population.gu_migration_monthly", "순이동"),
        Source("population.city_migration_monthly", "net"),
    ), flow=True),
    Measure("재정자립도", ("재정자립도", "재정 자립도", "자립도"), "%", (
        Source("population.gu_fiscal_independence", "fiscal_independence"),
    ), additive=False),
    Measure("생활인구", ("생활인구", "생활 인구", "유동인구", "living population"), "명", (
        Source("living.gu_hourly_2024h1", "population", note="시간대별 추정치의 평균"),
        *(Source(f"living.dong_hourly_week_{week}", "t", by_sex={"남": "m", "여": "f"},
                 age_groups=_DECADES, note="시간대별 추정치의 평균")
          for week in ("20190304", "20200309")),
    ), hourly=True),
    # last: its word is the shortest and the most general
    Measure("인구", ("인구", "인구수", "주민등록인구", "주민등록 인구", "주민 수", "고령자",
                   "노인 인구", "어르신", "population"), "명", (
        Source("population.gu_resident_total", "population", note=_KOREANS),
        Source("population.gu_resident_age_sex", "population", sex_rows="sex", age_rows="age",
               note=_KOREANS),
        _dong_density("population", by_sex=_sexes("pop"), note=_KOREANS),
        Source("population.dong_age5", "population", age_groups=_AGE5, note=_KOREANS),
        *_quarters("pop_total", by_sex=_sexes("pop"), age_groups=_AGED65,
                   note=_WITH_FOREIGNERS),
    )),
)  # fmt: skip

#: Words that name a source: (pattern in the question, dataset metadata key, value it holds).
SOURCE_HINTS: tuple[tuple[str, str, str], ...] = (
    (r"통계청", "publisher", "통계청"),
    (r"행정안전부|행안부", "publisher", "행정안전부"),
    (r"인구\s*동태", "title", "인구동태"),
    (r"시도별", "title", "시도별"),
    (r"자치구별", "spatial", "gu"),
    (r"행정동\s*별|행정동\s*자료|동별", "spatial", "dong"),
    (r"주민등록", "title", "주민등록"),
    (r"열린\s*데이터", "provider", "열린데이터"),
)
#: Phrases that name a source and contain a measure word; removed before measures are read.
_NOT_MEASURE = re.compile(r"인구\s*동태|인구\s*동향|인구\s*이동\s*통계")
#: Words asking for the sum of several places.
_SUM_WORDS = re.compile(r"합계|합산|합쳐|더한|총합|전체|모두|\b합\b")
#: 시도 outside Seoul, as the vital statistics name them; the short names people write.
OTHER_REGIONS = {
    "부산": "부산광역시", "대구": "대구광역시", "인천": "인천광역시", "광주": "광주광역시",
    "대전": "대전광역시", "울산": "울산광역시", "세종": "세종특별자치시", "경기": "경기도",
    "강원": "강원도", "충북": "충청북도", "충청북": "충청북도", "충남": "충청남도",
    "충청남": "충청남도", "전북": "전라북도", "전라북": "전라북도", "전남": "전라남도",
    "전라남": "전라남도", "경북": "경상북도", "경상북": "경상북도", "경남": "경상남도",
    "경상남": "경상남도", "제주": "제주특별자치도",
}  # fmt: skip
#: Extra names of Population Hall indicators, beside their own names.
INDICATOR_WORDS = {
    "고령화율": "population_change.aged_share",
    "고령자 비율": "population_change.aged_share",
    "노인 비율": "population_change.aged_share",
    "1인 가구": "households.one_person_households",
    "독거노인": "households.elderly_living_alone",
}


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


class _NoAnswer(Exception):
    """The data cannot answer; the message says why, in Korean."""

    def __init__(self, reason: str, suggest: tuple[str, ...] = ()):
        super().__init__(reason)
        self.reason = reason
        self.suggest = suggest


def ask(question: str, session=None) -> Answer:
    """Answer a question that asks for a value, from the catalog's datasets.

    session: the conversation (reserved; not used yet).
    """
    parsed = parse(question)
    filters = parsed.filters()
    if not parsed.text:
        return Answer(
            "질문이 비어 있습니다. 예: '2019년 송파구 인구는 몇 명이야?'", filters=filters
        )
    found = _measure(parsed)
    if found is None:
        return _unanswered(
            parsed,
            "무엇의 값을 묻는지 알지 못했습니다 (예: 인구, 세대 수, 출생아 수, 전입, 재정자립도)",
            _catalog_hits(parsed.terms),
            "측정값을 찾지 못함",
        )
    try:
        places = _places(parsed)
        if isinstance(found, str):
            results = [_indicator_value(found, place, parsed) for place in places]
        else:
            results = [_measure_value(found, place, parsed) for place in places]
    except _NoAnswer as missing:
        label = found if isinstance(found, str) else found.label
        return _unanswered(parsed, missing.reason, missing.suggest, f"측정값: {label}")
    except (CatalogError, PermissionError, OSError) as e:
        return _unanswered(parsed, f"자료를 읽을 수 없습니다 ({e})", (), "자료 접근 실패")
    return _combine(results, parsed, filters)


# -- measure and place ------------------------------------------------------------------------


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


@functools.cache
def _indicator_words() -> dict[str, str]:
    words = {}
    for row in sd.indicators()[["id", "name"]].itertuples():
        name = re.sub(r"\(.*?\)", "", row.name)
        inside = re.findall(r"\((.*?)\)", row.name)
        for word in (name, name.removesuffix(" 수"), *inside):
            if not re.search(r"\d+[–-]\d+세|월별", word):
                words.setdefault(_squeeze(word), row.id)
    words.update({_squeeze(w): i for w, i in INDICATOR_WORDS.items()})
    return words


def _measure(parsed: ParsedQuery) -> Measure | str | None:
    """The measure (or Population Hall indicator id) the longest measure word names."""
    text = _squeeze(_NOT_MEASURE.sub(" ", parsed.text))
    best: tuple[int, Measure | str] | None = None
    for measure in MEASURES:
        for word in measure.words:
            if _squeeze(word) in text and (best is None or len(_squeeze(word)) > best[0]):
                best = (len(_squeeze(word)), measure)
    for word, indicator_id in _indicator_words().items():
        if word in text and (best is None or len(word) > best[0]):
            best = (len(word), indicator_id)
    return best[1] if best else None


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
    return [Place("city", CITY)]


def _outside_seoul(text: str) -> tuple[str, str | None] | None:
    """(the name, its 시도 in the vital statistics or None) of a place outside Seoul."""
    for form, tag in morphemes(text):
        if tag != "NNP" or form.startswith("서울"):
            continue
        for short, region in OTHER_REGIONS.items():
            if form.startswith(short) and (len(form) == len(short) or form[-1] in "시도"):
                return form, region
        if len(form) >= 3 and form[-1] in "시군구도" and geo.find_gu(form) is None:
            return form, None
    return None


# -- values from the measure table ------------------------------------------------------------


@dataclass
class _Option:
    """A source that can answer, with the rows it answers from."""

    source: Source
    rank: tuple
    values: pd.Series  # by period key
    picked: list[str]  # the keys asked for
    label: str  # the period, as said
    how: str  # how the value was computed
    basis: str = ""


def _measure_value(measure: Measure, place: Place, parsed: ParsedQuery) -> dict:
    reasons: list[str] = []
    options = []
    for order, source in enumerate(measure.sources):
        try:
            options.append(_option(measure, source, place, parsed, order))
        except _NoAnswer as e:
            reasons.append(f"{source.dataset}: {e.reason}")
    if not options:
        raise _NoAnswer(
            f"{_subject(parsed, place, measure.label)} 값이 자료에 없습니다 — "
            + "; ".join(dict.fromkeys(reasons)),
            tuple(dict.fromkeys(s.dataset for s in measure.sources)),
        )
    if parsed.period is None:  # the most recent year wins, then the preference order
        options.sort(key=lambda o: (-int(o.picked[-1][:4]), o.rank))
    else:
        options.sort(key=lambda o: o.rank)
    best = options[0]
    value = best.values[best.picked[-1]]
    meta = sd.describe(best.source.dataset)
    series = [] if len(best.values) < 2 else _series(best.values)
    return {
        "value": _number(value, measure.additive and not measure.hourly),
        "unit": measure.unit,
        "label": _qualified_label(parsed, measure.label),
        "period": best.label,
        "place": place,
        "dataset": best.source.dataset,
        "publisher": meta["publisher"],
        "series": series,
        "range": [(_key_label(k), best.values[k]) for k in best.picked] if len(best.picked) > 1
        else [],
        "note": "; ".join(n for n in (best.source.note, best.basis) if n),
        "how": best.how,
        "additive": measure.additive and not measure.hourly,
    }


def _option(measure: Measure, source: Source, place: Place, parsed: ParsedQuery, order: int):
    layout = LAYOUTS[source.dataset]
    meta = sd.describe(source.dataset)
    table = _table(source.dataset, meta["versions"][-1]["version"] if meta["versions"] else 0)
    rows, native, how = _place_rows(table, layout, place)
    rows, column = _qualify(rows, source, parsed)
    combine = _combiner(measure, source, rows, native)
    picked, grain, label = _period_keys(measure, layout.kind, rows, parsed.period)
    values = combine(rows, column, grain)
    picked = [k for k in picked if k in values.index and pd.notna(values[k])]
    if not picked:
        if grain == "year" and layout.kind == "month":
            raise _NoAnswer("그 해의 12개월이 모두 있지 않아 연간 합계를 낼 수 없습니다")
        raise _NoAnswer(f"{_period_text(parsed.period)} 값 없음 (자료 기간: {meta['temporal']})")
    hint = sum(
        1
        for pattern, key, wanted in SOURCE_HINTS
        if re.search(pattern, parsed.text) and wanted in str(meta.get(key, ""))
    )
    basis = ""
    if layout.kind == "year" and "period" in rows.columns:
        months = rows.loc[rows["_key"] == picked[-1], "period"].dropna().unique()
        if len(months) == 1 and re.fullmatch(r"\d{4}-\d{2}", months[0]):
            basis = f"{int(months[0][5:])}월 말 기준"
    if label is None:
        label = _key_label(picked[-1]) if len(picked) == 1 else (
            f"{_key_label(picked[0])}–{_key_label(picked[-1])}"
        )
    if layout.kind == "quarter" and parsed.period and not parsed.period.quarter:
        basis = f"{_key_label(picked[-1])} 자료 (연간 자료 없음)"
    rank = (-hint, 0 if native else 1, order)
    return _Option(source, rank, values, picked, label, how, basis)


@functools.lru_cache(maxsize=32)
def _table(dataset: str, version: int, _directory: str | None = None) -> pd.DataFrame:
    """The dataset with standard columns: _level, _area, _gu, _dong, _key, _year (+ _ts)."""
    return _tidy(dataset, sd.load(dataset))


def _tidy(dataset: str, frame: pd.DataFrame) -> pd.DataFrame:
    layout = LAYOUTS[dataset]
    spatial = sd.describe(dataset)["spatial"]
    frame = frame.copy()
    if layout.dong_code and layout.area is None:  # the gu from the dong code
        codes = frame[layout.dong_code[0]].astype(str).str[:5]
        frame["_area"] = codes.map({c: geo.gu_name(c, "mois") for c in codes.unique()})
    elif layout.area:
        frame["_area"] = frame[layout.area].astype(str)
    else:
        frame["_area"] = CITY
    if spatial == "dong":
        frame["_level"] = "dong"
        frame["_dong"] = frame[layout.dong].astype(str).map(_name_key)
    else:
        other = "sido" if spatial == "sido" else "gu"
        frame["_level"] = np.where(frame["_area"] == CITY, "city", other)
    time = frame[layout.time]
    if layout.kind == "year":
        frame["_key"] = time.astype(int).astype(str)
    elif layout.kind == "hour":
        stamp = pd.to_datetime(time)
        if layout.hour:
            stamp = stamp + pd.to_timedelta(frame[layout.hour], unit="h")
        frame["_ts"] = stamp
        frame["_key"] = stamp.dt.strftime("%Y-%m")
    else:
        frame["_key"] = time.astype(str)
    frame["_year"] = frame["_key"].str[:4].astype(int)
    return frame


def _name_key(name: str) -> str:
    return re.sub(r"[\s.·,ㆍ]", "", name.split("구", 1)[-1] if name.count("구") else name)


def _place_rows(table: pd.DataFrame, layout: Layout, place: Place):
    """(rows of the place, whether they are at its level, how they are combined)."""
    levels = set(table["_level"])
    if place.level == "sido":
        rows = table[(table["_level"] == "sido") & (table["_area"] == place.region)]
        if rows.empty:
            raise _NoAnswer(f"{place.name}은(는) 서울 밖이라 이 자료에 없습니다")
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


def _qualify(rows: pd.DataFrame, source: Source, parsed: ParsedQuery):
    """(rows, value column) for the age band and sex asked (rule 5)."""
    column = source.value
    if parsed.sex:
        if source.sex_rows:
            rows = rows[rows[source.sex_rows] == parsed.sex]
        elif source.by_sex:
            column = source.by_sex[parsed.sex]
        else:
            raise _NoAnswer("성별로 나뉜 값이 없습니다")
    if parsed.age:
        low, high = parsed.age
        if source.age_rows:
            ages = rows[source.age_rows]
            rows = rows[(ages >= low) & (ages <= (100 if high is None else high))]
        elif source.age_groups:
            if parsed.sex:
                raise _NoAnswer("연령과 성별을 함께 나눈 값이 없습니다")
            columns = _band_columns(source.age_groups, low, high)
            rows = rows.assign(_band=rows[columns].sum(axis=1, min_count=len(columns)))
            column = "_band"
        else:
            raise _NoAnswer("연령별 값이 없습니다")
    return rows, column


def _band_columns(groups: AgeGroups, low: int, high: int | None) -> list[str]:
    chosen = [
        (first, last, column)
        for first, last, column in groups
        if first >= low and (high is None or (last is not None and last <= high))
    ]
    top = groups[-1][1] is None
    covered = bool(chosen) and chosen[0][0] == low and (
        chosen[-1][1] == high if high is not None else (chosen[-1][1] is None and top)
    )
    if not covered:
        edges = ", ".join(f"{f}–{'' if t is None else t}세" for f, t, _ in groups)
        raise _NoAnswer(f"연령 구간이 자료의 구간({edges})과 맞지 않습니다")
    return [column for _, _, column in chosen]


def _combiner(measure: Measure, source: Source, rows: pd.DataFrame, native: bool):
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
            return per_hour.groupby(by.reindex(per_hour.index)).mean()
        group = frame.groupby(keys(frame, grain))
        if grain == "year" and not measure.flow:
            raise _NoAnswer("월별 자료로 연간 값을 만들 수 없습니다")
        if grain == "year":
            complete = group["_key"].nunique() == 12
            return group[column].agg(total).where(complete)
        if native and (group.size() == 1).all() and column == source.value:
            return group[column].first().astype(float)
        if source.ratio and column == source.value:
            top, bottom, scale = source.ratio
            return group[top].agg(total) / group[bottom].agg(total) * scale
        if measure.additive:
            return group[column].agg(total)
        raise _NoAnswer("이 값은 더해서 구할 수 없습니다 (비율·지수)")

    return combine


def _period_keys(measure: Measure, kind: Kind, rows: pd.DataFrame, period: Period | None):
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


def _series(values: pd.Series) -> list[dict]:
    return [
        {"period": _key_label(k), "value": _number(v, False)}
        for k, v in values.items()
        if pd.notna(v)
    ]


# -- Population Hall indicators ---------------------------------------------------------------


def _indicator_value(indicator_id: str, place: Place, parsed: ParsedQuery) -> dict:
    definition = sd.population_hall.get(indicator_id)
    suggest = tuple(definition.datasets) if definition.supported else ()
    if place.level == "sido":
        raise _NoAnswer(f"{place.name}은(는) 서울 밖이라 '{definition.name}' 값이 없습니다")
    try:
        frame = sd.indicator(
            indicator_id, gu=place.gu, level=place.level if place.level != "sido" else None
        )
    except (IndicatorNotSupported, ValueError) as e:
        raise _NoAnswer(str(e), suggest) from None
    if place.level == "dong":
        frame = frame[frame["area_name"].map(_name_key) == _name_key(place.dong["name_ko"])]
    frame = frame.sort_values("period")
    values = frame.set_index("period")["value"]
    if values.empty:
        raise _NoAnswer(f"{place.name}의 '{definition.name}' 값이 없습니다", suggest)
    period = parsed.period
    if period is None:
        picked = [values.index[-1]]
    else:
        years = frame["year"].between(period.start, period.end)
        if period.quarter:
            years &= frame["period"] == f"{period.start}-Q{period.quarter}"
        elif period.month:
            years &= frame["period"] == f"{period.start}-{period.month:02d}"
        picked = list(frame.loc[years, "period"])
    if not picked:
        span = f"{values.index[0]} – {values.index[-1]}"
        raise _NoAnswer(
            f"'{definition.name}'에 {_period_text(period)} 값이 없습니다 (자료 기간: {span})",
            suggest,
        )
    source = frame.loc[frame["period"] == picked[-1], "source"].iloc[0]
    ids = re.findall(r"\(([\w.]+)\)", source)
    return {
        "value": _number(values[picked[-1]], False),
        "unit": definition.unit,
        "label": definition.name,
        "period": _key_label(picked[-1]),
        "place": place,
        "dataset": ", ".join(ids) or None,
        "publisher": " · ".join(re.findall(r"([^·(]+?) \(", source)) or source,
        "series": _series(values) if len(values) > 1 else [],
        "range": [(_key_label(k), values[k]) for k in picked] if len(picked) > 1 else [],
        "note": definition.formula,
        "how": f"서울 인구관 지표 {indicator_id}",
        "additive": False,
    }


# -- sentences --------------------------------------------------------------------------------


def _combine(results: list[dict], parsed: ParsedQuery, filters: dict) -> Answer:
    first = results[0]
    unit = first["unit"]
    sources = f"출처: {first['publisher']} ({first['dataset']})"
    understood = (
        f"측정값 '{first['label']}', 장소 "
        + ", ".join(f"{r['place'].name}({_LEVEL_NAME[r['place'].level]})" for r in results)
        + f", 기간 {first['period']}로 읽었습니다. "
    )
    notes = " ".join(parsed.notes)
    if len(results) == 1:
        subject = f"{first['period']} {first['place'].name} {first['label']}"
        text = f"{_topic(subject)} {_fmt(first['value'])}{unit}입니다"
        extras = [first["note"]] if first["note"] else []
        if first["value"] is not None and first["value"] < 0 and "순이동" in first["label"]:
            extras.append("전출이 전입보다 많은 순유출")
        if first["range"]:
            extras.append(
                ", ".join(f"{label} {_fmt(_number(v, False))}{unit}" for label, v in first["range"])
            )
        if extras:
            text += f" ({'; '.join(extras)})"
        return Answer(
            answer=f"{text}. {sources}",
            value=first["value"],
            unit=unit,
            period=first["period"],
            place=first["place"].name,
            dataset=first["dataset"],
            series=first["series"],
            why=(understood + f"{first['dataset']}에서 {first['how']}. {notes}").strip(),
            filters=filters,
        )
    parts = ", ".join(f"{r['place'].name} {_fmt(r['value'])}{unit}" for r in results)
    same = len({(r["dataset"], r["period"]) for r in results}) == 1
    value = None
    text = f"{first['period']} {first['label']}: {parts}"
    if _SUM_WORDS.search(parsed.text) and same and all(r["additive"] for r in results):
        value = _number(sum(r["value"] for r in results), True)
        text += f" (합계 {_fmt(value)}{unit})"
    else:
        text += " (여러 곳이라 하나의 값은 없습니다; 합계는 '합계'라고 물어 주세요)"
    datasets = ", ".join(dict.fromkeys(r["dataset"] for r in results))
    return Answer(
        answer=f"{text}. 출처: {first['publisher']} ({datasets})",
        value=value,
        unit=unit,
        period=first["period"],
        place=", ".join(r["place"].name for r in results),
        dataset=datasets,
        why=(understood + notes).strip(),
        filters=filters,
    )


def _unanswered(parsed: ParsedQuery, reason: str, suggest, why: str) -> Answer:
    known = {i: t for i, t in sd.catalog(loadable=True)[["id", "title"]].itertuples(index=False)}
    close = [f"{i} ({known[i]})" for i in dict.fromkeys(suggest) if i in known][:4]
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
        for dataset in sd.catalog(keyword=term, loadable=True)["id"]:
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


def _key_label(key: str) -> str:
    if re.fullmatch(r"\d{4}", key):
        return f"{key}년"
    if match := re.fullmatch(r"(\d{4})-Q(\d)", key):
        return f"{match[1]}년 {match[2]}분기"
    if match := re.fullmatch(r"(\d{4})-(\d{2})", key):
        return f"{match[1]}년 {int(match[2])}월"
    return key


def _topic(subject: str) -> str:
    """The subject with 은/는 after its last syllable."""
    last = subject.rstrip()[-1]
    if "가" <= last <= "힣":
        return subject + ("은" if (ord(last) - 0xAC00) % 28 else "는")
    return subject + "은(는)"


def _number(value, integral: bool) -> float | int | None:
    if value is None or pd.isna(value):
        return None
    value = float(value)
    if integral and value.is_integer():
        return int(value)
    return round(value, 6)


def _fmt(value: float | int | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, int) or float(value).is_integer() and abs(value) >= 1000:
        return f"{int(value):,}"
    digits = 1 if abs(value) >= 100 else 2 if abs(value) >= 10 else 3
    return f"{value:,.{digits}f}".rstrip("0").rstrip(".")
