"""Narrowing the previous answer: "그중 강남구만", "그중 2020년만".

A follow-up that names only a place or a period keeps the datasets found before that hold
it, each with the structured filter of its rows (``sd.load(id, where=...)``), and names the
others with the reason they cannot be narrowed. It never shows the same hits again as if
they had been narrowed.

What a dataset holds is read from its declared columns (the roles of
:class:`~seoul_data.catalog.Field`):

- a ``gu`` column holds gu names; a ``gu_code`` or ``dong_code`` column holds codes of its
  declared ``code_system``. MOIS (행정안전부, 11110 종로구 … 11740 강동구) and KOSTAT (통계청,
  11010 … 11250) reuse the same numbers for different gu, so a code column that declares
  no system is never filtered;
- a ``dong`` column holds dong names (filtered with the gu, as names repeat across gu);
- a time column (``year``, ``date``, ``time`` with its grain) holds years, dates or periods
  that begin with the year ('2024-01', '2017-Q1', '20191').

A catalogue-only entry has no rows here: only its metadata can say whether it is about the
place or period asked (the district office that publishes it, its temporal coverage).
A dataset whose columns could hold the place or period but whose rows do not is refused
with what it does hold.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from seoul_data import geo
from seoul_data.catalog import CatalogError, Dataset
from seoul_data.catalog.meaning import DONG_CODE_KEYS, layout
from seoul_data.search.figures import josa
from seoul_data.search.index import district_of, temporal_years
from seoul_data.search.query import ParsedQuery, Period

#: How many titles a note names before "외 N건".
TITLES_IN_NOTE = 3
#: How many values of a place column a refusal lists ("자료의 자치구: 종로구, 중구").
PLACES_IN_REASON = 5
SYSTEM_NAMES = {"mois": "행정안전부", "kostat": "통계청"}
_NUMERIC = ("integer", "number", "year")
_FILELESS = "플랫폼에 파일이 없는 목록 정보라"


class CannotNarrow(Exception):
    """A dataset that cannot be narrowed to the conditions; the message (Korean) says why."""


@dataclass(frozen=True)
class Conditions:
    """What a follow-up narrows to: the gu, dong and period of the conversation so far."""

    gu: tuple[str, ...] = ()
    dong: tuple[dict, ...] = ()
    period: Period | None = None

    @classmethod
    def of(cls, parsed: ParsedQuery) -> Conditions:
        return cls(parsed.gu, parsed.dong, parsed.period)

    def place(self) -> str:
        """The place asked for, as said ('강남구', '역삼1동'), or ''."""
        names = [d["name_ko"] for d in self.dong]
        if len(set(names)) < len(names):  # 신사동 of 강남구 and of 관악구
            return ", ".join(f"{d['gu_name_ko']} {d['name_ko']}" for d in self.dong)
        return ", ".join(names or self.gu)

    def label(self) -> str:
        """Place and period, as said ('강남구 · 2020년')."""
        period = self.period.label() if self.period else ""
        return " · ".join(part for part in (self.place(), period) if part)


@dataclass(frozen=True)
class Narrowed:
    """A dataset's rows that hold the conditions: ``where`` for ``sd.load`` (empty: every
    row does) and how they were chosen, in Korean."""

    where: list
    how: str


@dataclass(frozen=True)
class Narrowing:
    """Previous hits narrowed: those kept (their ``why`` says how), the filter of each kept
    hit's rows by id, and notes that name the others with their reasons."""

    hits: list
    where: dict[str, list]
    notes: list[str]


def load_call(dataset_id: str, where: list | None = None) -> str:
    """The ``sd.load`` call that opens a dataset, with the rows a follow-up kept."""
    rows = f", where={json.dumps(where, ensure_ascii=False)}" if where else ""
    return f'sd.load("{dataset_id}"{rows})'


def wants_narrowing(parsed: ParsedQuery, search_terms: list[str], breakdowns: list[str]) -> bool:
    """Whether a follow-up only names a place or a period ("그중 2020년만"): no words of
    its own to search for (beside the parts of a dong's name, 역삼 of 역삼1동, and the
    분기 of a quarter), no breakdown, age or sex."""
    named = bool(parsed.gu or parsed.dong or parsed.period)
    dongs = [d["name_ko"] for d in parsed.dong]
    quarter = parsed.period is not None and parsed.period.quarter is not None
    words = [
        t for t in search_terms if not any(t in d for d in dongs) and not (quarter and t == "분기")
    ]
    return named and not (words or breakdowns or parsed.age or parsed.sex)


def narrow_hits(hits: list, conditions: Conditions) -> Narrowing:
    """The hits (``Hit`` of the search) that hold the conditions, in their order."""
    from seoul_data.load import open_catalog

    store = open_catalog()
    kept, where, refused = [], {}, {}
    for hit in hits:
        try:
            dataset = store.get(hit.id)
            narrowed = narrow_dataset(dataset, conditions)
        except (CannotNarrow, PermissionError) as e:  # PermissionError: not this reader's
            refused.setdefault(str(e), []).append(hit.title)
            continue
        except (CatalogError, OSError) as e:
            refused.setdefault(f"자료를 거르지 못했습니다 ({e})", []).append(hit.title)
            continue
        kept.append(replace(hit, why=[f"좁힘: {narrowed.how}", *hit.why]))
        where[hit.id] = narrowed.where
    label = conditions.label()
    if kept:
        head = f"이전 결과 {len(hits)}건을 {josa(label, '으로', '로')} 좁혔습니다: {len(kept)}건."
    else:
        head = (
            f"이전 결과 {len(hits)}건 중 {josa(label, '으로', '로')} 좁힐 수 있는 자료가 없습니다."
        )
    notes = [head]
    for reason, titles in refused.items():
        named = ", ".join(f"「{t}」" for t in titles[:TITLES_IN_NOTE])
        more = f" 외 {len(titles) - TITLES_IN_NOTE}건" if len(titles) > TITLES_IN_NOTE else ""
        notes.append(f"좁히지 못함 — {reason}: {named}{more}")
    return Narrowing(kept, where, notes)


def narrow_dataset(dataset: Dataset, conditions: Conditions) -> Narrowed:
    """The rows of ``dataset`` that hold ``conditions``; CannotNarrow (Korean) when its
    columns or metadata cannot say, or its rows do not hold them. Reads the data (a row
    at a time) to check; PermissionError for a dataset the current user may not read."""
    if not dataset.loadable:
        return _catalogue_only(dataset, conditions)
    place, place_how = _place_filter(dataset, conditions) if conditions.place() else ([], "")
    time, time_how = _time_filter(dataset, conditions.period) if conditions.period else ([], "")
    _check_rows(dataset, conditions, place, time)
    return Narrowed(place + time, " · ".join(h for h in (place_how, time_how) if h))


# -- place ------------------------------------------------------------------------------------


def _place_filter(dataset: Dataset, conditions: Conditions) -> tuple[list, str]:
    said = conditions.place()
    if conditions.dong:
        return _dong_filter(dataset, conditions.dong, said)
    gu = dataset.column("gu")
    if gu is not None:
        return [[gu.name, "in", list(conditions.gu)]], f"{said}({gu.name} 열)"
    code = dataset.column("gu_code")
    if code is not None:
        system = _system(code, said)
        codes = [geo.gu_code(name, system) for name in conditions.gu]
        values = codes + [c + "00000" for c in codes] if system == "mois" else codes  # 5 or 10
        how = f"{said}({code.name} 열, {SYSTEM_NAMES[system]} 코드 {', '.join(codes)})"
        return [[code.name, "in", values]], how
    dong_code = dataset.column("dong_code")
    if dong_code is not None:
        system = _system(dong_code, said)
        if len(conditions.gu) > 1:
            raise CannotNarrow(
                f"행정동 코드 열로는 자치구를 한 번에 하나만 고를 수 있습니다 ({said})"
            )
        prefix = geo.gu_code(conditions.gu[0], system)  # a dong's code begins with its gu's
        how = f"{said}({dong_code.name} 열, {SYSTEM_NAMES[system]} 코드 {prefix}…)"
        return [[dong_code.name, "like", prefix + "%"]], how
    raise CannotNarrow(_no_place_column(dataset, said))


def _dong_filter(dataset: Dataset, dongs: tuple[dict, ...], said: str) -> tuple[list, str]:
    dong = dataset.column("dong")
    if dong is not None:
        where = [[dong.name, "in", [d["name_ko"] for d in dongs]]]
        gu = dataset.column("gu")
        if gu is not None:  # dong names repeat across gu (신사동: 강남구, 관악구)
            where.append([gu.name, "in", sorted({d["gu_name_ko"] for d in dongs})])
        return where, f"{said}({dong.name} 열)"
    code = dataset.column("dong_code")
    if code is not None:
        system = _system(code, said)
        if len(dongs) > 1:
            raise CannotNarrow(f"행정동 코드 열로는 동을 한 번에 하나만 고를 수 있습니다 ({said})")
        prefix = dongs[0][DONG_CODE_KEYS[system]]
        how = f"{said}({code.name} 열, {SYSTEM_NAMES[system]} 코드 {prefix})"
        return [[code.name, "like", prefix + "%"]], how
    if dataset.column("gu") or dataset.column("gu_code"):
        raise CannotNarrow(f"자치구 열은 있지만 행정동 열이 없어 {said}만 고를 수 없습니다")
    raise CannotNarrow(_no_place_column(dataset, said))


def _system(column, said: str) -> str:
    """The declared code system of a code column, or CannotNarrow: the two systems reuse
    the same numbers, so a code whose system is not known is never matched."""
    if column.code_system not in SYSTEM_NAMES:
        raise CannotNarrow(
            f"코드 열({column.name})의 코드 체계(행정안전부·통계청)가 밝혀져 있지 않아 {said}만"
            " 고를 수 없습니다 (두 체계는 같은 번호를 다른 구에 씁니다)"
        )
    return column.code_system


def _no_place_column(dataset: Dataset, said: str) -> str:
    roles = {f.role for f in dataset.schema}
    if "sido" in roles:
        return f"시도별 자료라 {said} 행이 없습니다"
    if {"lat", "lon"} <= roles:
        return f"자치구 열 없이 위치 좌표만 있어 {said}만 고를 수 없습니다"
    return f"자치구를 나타내는 열이 없어(서울시 전체 자료) {said}만 고를 수 없습니다"


# -- period -----------------------------------------------------------------------------------


def _time_filter(dataset: Dataset, period: Period) -> tuple[list, str]:
    said = period.label()
    column = next((f for f in dataset.schema if f.time_grain), None)
    if column is None:
        first, last = temporal_years(dataset.temporal)
        within = first and period.start <= first and last <= period.end
        if within and not (period.month or period.quarter):
            return [], f"{said}(자료 전체가 {_span_text(first, last)} 자료)"
        raise CannotNarrow(f"연도·날짜 열이 없어 {said}만 고를 수 없습니다{_span(dataset)}")
    name, grain = column.name, column.time_grain
    if column.type in ("date", "datetime"):
        low, high = _dates(period)
        return [[name, ">=", low], [name, "<", high]], f"{said}({name} 열)"
    finer = period.month or period.quarter
    if grain == "year" and finer:
        raise CannotNarrow(f"연 단위 자료라 {said}만 고를 수 없습니다")
    if grain == "quarter" and period.month:
        raise CannotNarrow(f"분기 단위 자료라 {said}만 고를 수 없습니다")
    if column.type in _NUMERIC:
        if period.start == period.end:
            return [[name, "=", period.start]], f"{said}({name} 열)"
        return [[name, ">=", period.start], [name, "<=", period.end]], f"{said}({name} 열)"
    if not finer:
        # periods written as text begin with their year: '2024-01', '2017-Q1', '20191'
        return [[name, ">=", str(period.start)], [name, "<", str(period.end + 1)]], (
            f"{said}({name} 열)"
        )
    values = _period_values(dataset, name, grain, period)
    if not values:
        raise CannotNarrow(f"자료에 {said} 행이 없습니다{_span(dataset)}")
    return [[name, "in", values]], f"{said}({name} 열)"


def _dates(period: Period) -> tuple[str, str]:
    """The first day of a period and the first day after it (ISO)."""
    if period.month:
        first = (period.start, period.month)
        months = 1
    elif period.quarter:
        first = (period.start, 3 * period.quarter - 2)
        months = 3
    else:
        first = (period.start, 1)
        months = 12 * (period.end - period.start + 1)
    index = first[0] * 12 + first[1] - 1 + months
    return f"{first[0]:04d}-{first[1]:02d}-01", f"{index // 12:04d}-{index % 12 + 1:02d}-01"


def _period_values(dataset: Dataset, column: str, grain: str, period: Period) -> list[str]:
    """The values of a text period column (a month or quarter grain) in ``period``, read
    as the library reads periods (:func:`seoul_data.tidy.keyed`)."""
    from seoul_data.load import load
    from seoul_data.tidy import keyed

    where = layout(dataset)
    needed = [where.area, where.dong, where.dong_code and where.dong_code[0], where.time]
    needed += [where.hour, where.as_of_column]
    year = [[column, ">=", str(period.start)], [column, "<", str(period.start + 1)]]
    frame = load(dataset.id, list(dict.fromkeys(c for c in needed if c)), where=year)
    if frame.empty:
        return []
    if period.month:
        wanted = {f"{period.start}-{period.month:02d}"}
    elif grain == "month":  # a quarter of monthly rows
        wanted = {
            f"{period.start}-{m:02d}" for m in range(3 * period.quarter - 2, 3 * period.quarter + 1)
        }
    else:
        wanted = {f"{period.start}-Q{period.quarter}"}
    keys = keyed(dataset, frame)["_key"]
    return sorted(frame.loc[keys.isin(wanted), column].astype(str).unique())


def _span(dataset: Dataset) -> str:
    first, last = temporal_years(dataset.temporal)
    return f" (자료 기간: {_span_text(first, last)})" if first else ""


def _span_text(first: int, last: int) -> str:
    return f"{first}년" if first == last else f"{first}–{last}년"


# -- rows -------------------------------------------------------------------------------------


def _check_rows(dataset: Dataset, conditions: Conditions, place: list, time: list) -> None:
    """CannotNarrow unless some row holds the conditions; the reason says what is missing."""
    if not place and not time:
        return
    if _has_rows(dataset, place + time):
        return
    said = conditions.place()
    if place and not _has_rows(dataset, place):
        raise CannotNarrow(f"자료에 {said} 행이 없습니다{_places_held(dataset, place[0][0])}")
    period = conditions.period.label() if conditions.period else ""
    if time and not _has_rows(dataset, time):
        raise CannotNarrow(f"자료에 {period} 행이 없습니다{_span(dataset)}")
    raise CannotNarrow(f"자료에 {said} 행과 {period} 행은 있지만 둘 다인 행은 없습니다")


def _has_rows(dataset: Dataset, where: list) -> bool:
    from seoul_data.load import load

    return not load(dataset.id, [where[0][0]], where=where, limit=1).empty


def _places_held(dataset: Dataset, column: str) -> str:
    """What a place column holds, for a refusal ('자료의 자치구: 종로구, 중구')."""
    from seoul_data.load import load

    values = sorted(load(dataset.id, [column])[column].dropna().astype(str).unique())
    if not values:
        return ""
    if len(values) > PLACES_IN_REASON:
        return f" ({column} 열 값 {len(values)}가지)"
    return f" ({column} 열 값: {', '.join(values)})"


# -- catalogue-only entries -------------------------------------------------------------------


def _catalogue_only(dataset: Dataset, conditions: Conditions) -> Narrowed:
    """A catalogue entry with no rows: narrowed by its metadata only."""
    how = []
    said = conditions.label()
    if conditions.place():
        district = district_of(dataset.publisher, dataset.title)
        if conditions.dong:
            raise CannotNarrow(f"{_FILELESS} {said}만 골라 볼 수 없습니다")
        if district and district in conditions.gu:
            how.append(f"{district} 자료 (보유 기관: {dataset.publisher})")
        elif district:
            raise CannotNarrow(f"다른 자치구({district})의 자료입니다")
        else:
            raise CannotNarrow(f"{_FILELESS} {said}만 골라 볼 수 없습니다 (서울시 전체 자료)")
    period = conditions.period
    if period:
        said = period.label()
        first, last = temporal_years(dataset.temporal)
        if not first:
            raise CannotNarrow(
                f"플랫폼에 파일이 없고 목록에 자료 기간도 없어 {said}만 고를 수 없습니다"
            )
        if last < period.start or first > period.end:
            raise CannotNarrow(f"자료 기간이 {_span_text(first, last)}이라 {said} 자료가 없습니다")
        inside = period.start <= first and last <= period.end
        if not inside or period.month or period.quarter:
            raise CannotNarrow(f"{_FILELESS} {said}만 골라 볼 수 없습니다{_span(dataset)}")
        how.append(f"자료 기간 {_span_text(first, last)}")
    return Narrowed([], " · ".join(how))
