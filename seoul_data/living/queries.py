"""The living-population analyses (``sd.living``), in DuckDB over the monthly Parquet store.

Every function takes a period (``start``, ``end``: dates or 'YYYY-MM-DD', both included) and
reads only the months it spans. ``source`` is a store directory (what ``generator.generate``
or ``store.ingest_csv`` wrote); by default the platform's synthetic 행정동 store (``make data``
makes one: 2023-01-01 to 2023-04-01).

    sd.living.profile("강남구", "2023-03-01", "2023-03-31", by="age")   # hour × age group
    sd.living.ranking(18, "2023-03-01", "2023-03-31")                    # every dong at 18:00
    sd.living.compare(("2023-03-06", "2023-03-12"), ("2023-03-13", "2023-03-19"))
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from seoul_data.living.layout import AGE_GROUPS, BANDS, SEXES
from seoul_data.living.store import ROLLUP
from seoul_data.paths import data_dir

#: The store used when no ``source`` is given (under the platform data directory).
DEFAULT_STORE = "living/dong"
WEEKDAYS = ("월", "화", "수", "목", "금", "토", "일")
DAY_HOURS = tuple(range(9, 19))
NIGHT_HOURS = tuple(range(0, 6))
#: Whether dong and gu questions may read a store's dong rollup (the benchmark turns it off
#: to measure the 집계구 rows themselves).
USE_ROLLUP = True


class LivingPopulationError(ValueError):
    """A request the store cannot answer (the message is Korean)."""


def _store(source: str | Path | None) -> Path:
    path = Path(source) if source else data_dir() / DEFAULT_STORE
    if not any(path.glob("month=*/*.parquet")):
        raise LivingPopulationError(
            f"생활인구 자료가 없습니다: {path} (seoul-data living generate 로 만들거나 "
            "공식 CSV를 seoul-data living ingest 로 불러오세요)"
        )
    return path


def _period(start, end) -> tuple[date, date]:
    first, last = pd.Timestamp(start).date(), pd.Timestamp(end).date()
    if last < first:
        raise LivingPopulationError(f"기간의 끝({last})이 시작({first})보다 앞섭니다.")
    return first, last


def _scan(source, start, end, *, by_area: bool = False):
    """A connection, the FROM clause over the days of the period, and its parameters. A
    question about dongs or gu reads the store's dong rollup when it holds the same days
    (``by_area``: the question needs the 집계구 rows themselves)."""
    first, last = _period(start, end)
    path = _store(source)
    files = _files(path, first, last)
    if not files:
        raise LivingPopulationError(f"{first}–{last} 기간의 생활인구 자료가 없습니다 ({path}).")
    rollup = _files(path / ROLLUP, first, last) if USE_ROLLUP and not by_area else []
    if rollup and [f.name for f in rollup] == [f.name for f in files]:
        files = rollup
    con = duckdb.connect()
    con.execute(f"SET threads = {os.cpu_count() or 1}")
    return con, "read_parquet(?) WHERE date BETWEEN ? AND ?", [[str(f) for f in files], first, last]


def _files(path: Path, first: date, last: date) -> list[Path]:
    months = pd.period_range(first, last, freq="M").strftime("%Y-%m").tolist()
    return [
        f
        for m in months
        for f in sorted((path / f"month={m}").glob("*.parquet"))
        if _day(f) is None or first <= _day(f) <= last
    ]


def _day(file: Path) -> date | None:
    """The day a store file holds (``day=YYYY-MM-DD.parquet``), None for other names."""
    name = file.stem
    return date.fromisoformat(name[4:]) if name.startswith("day=") else None


def _area(area: str | int) -> tuple[str, int, str]:
    """(column, code, Korean name) of a gu or dong given by name or MOIS code."""
    from seoul_data.geo import find_dong, find_gu, gu_code

    text = str(area).strip()
    if text.isdigit():
        if len(text) == 5:
            return "gu_code", int(text), text
        if len(text) in (8, 10):
            return "dong_code", int(text[:8]), text
    gu = find_gu(text)
    if gu and (text.endswith("구") or text == gu.removesuffix("구")):
        return "gu_code", int(gu_code(gu)), gu
    dongs = find_dong(text)
    if len(dongs) == 1:
        return "dong_code", int(dongs[0]["mois10"][:8]), dongs[0]["name_ko"]
    if len(dongs) > 1:
        names = ", ".join(f"{d['gu_name_ko']} {d['name_ko']}" for d in dongs[:5])
        raise LivingPopulationError(f"'{area}'에 해당하는 행정동이 여럿입니다: {names}")
    raise LivingPopulationError(f"알 수 없는 지역입니다: '{area}' (자치구·행정동 이름이나 코드)")


def _day_filter(day: str) -> str:
    kinds = {"all": "", "weekday": " AND isodow(date) <= 5", "weekend": " AND isodow(date) >= 6"}
    if day not in kinds:
        raise LivingPopulationError(f"day는 all, weekday, weekend 중 하나입니다: {day!r}")
    return kinds[day]


def profile(
    area, start, end, *, by: str | None = None, day: str = "all", source=None
) -> pd.DataFrame:
    """Mean population of an area for each hour of the day over the period (the area's sum
    over its output areas or dongs, averaged over days); ``by`` 'age' (4 groups) or 'sex'
    splits it into columns; ``day`` 'weekday' or 'weekend' keeps those days."""
    column, code, _ = _area(area)
    con, source_sql, params = _scan(source, start, end)
    if by is None:
        parts = {"총생활인구": ["total"]}
    elif by == "age":
        parts = {
            label: [f"{s}{k}" for s, _ in SEXES for k in keys] for label, keys in AGE_GROUPS.items()
        }
    elif by == "sex":
        parts = {ko: [b for b in BANDS if b.startswith(s)] for s, ko in SEXES}
    else:
        raise LivingPopulationError(f"by는 None, 'age', 'sex' 중 하나입니다: {by!r}")
    sums = ", ".join(f'sum({" + ".join(cols)}) AS "{label}"' for label, cols in parts.items())
    means = ", ".join(f'avg("{label}") AS "{label}"' for label in parts)
    query = (
        f"SELECT hour, {means} FROM (SELECT date, hour, {sums} FROM {source_sql} "
        f"AND {column} = ?{_day_filter(day)} GROUP BY date, hour) GROUP BY hour ORDER BY hour"
    )
    frame = con.execute(query, [*params, code]).df().set_index("hour")
    if frame.empty:
        raise LivingPopulationError(f"'{area}'의 {start}–{end} 생활인구 자료가 없습니다.")
    return frame


def heatmap(area, start, end, *, source=None) -> pd.DataFrame:
    """Mean population by hour (rows) and weekday (columns 월…일) over the period."""
    column, code, _ = _area(area)
    con, source_sql, params = _scan(source, start, end)
    query = (
        f"SELECT isodow(date) AS dow, hour, avg(total) AS total FROM (SELECT date, hour, "
        f"sum(total) AS total FROM {source_sql} AND {column} = ? GROUP BY date, hour) "
        "GROUP BY dow, hour"
    )
    frame = con.execute(query, [*params, code]).df()
    table = frame.pivot(index="hour", columns="dow", values="total").sort_index()
    return table.rename(columns={d: WEEKDAYS[d - 1] for d in table.columns})


def day_night(area, start, end, *, source=None) -> float:
    """Mean population in the day (09–18 h) over the night (00–05 h)."""
    hours = profile(area, start, end, source=source)["총생활인구"]
    return float(hours.loc[list(DAY_HOURS)].mean() / hours.loc[list(NIGHT_HOURS)].mean())


def peak_hour(area, start, end, *, source=None) -> int:
    """The hour of the day with the most people, on average over the period."""
    return int(profile(area, start, end, source=source)["총생활인구"].idxmax())


def inflow(area, start, end, *, source=None) -> pd.DataFrame:
    """The hourly profile beside the area's registered residents: who comes in (positive)
    or goes out (negative) compared with those who live there."""
    column, code, _ = _area(area)
    hours = profile(area, start, end, source=source)
    residents = _residents(column, code)
    return hours.assign(주민등록인구=residents, 유입=hours["총생활인구"] - residents)


def _residents(column: str, code: int) -> float:
    """Registered Korean residents (2021 Q2; living population counts Koreans) of a gu or
    dong, matched by name."""
    from seoul_data.geo import dong_table, gu_name
    from seoul_data.load import load

    table = load("population.dong_resident_2021q2")
    if column == "gu_code":
        rows = table[table.gu == gu_name(str(code), "mois")]
    else:
        dongs = dong_table()
        match = dongs[dongs["mois10"].str[:8] == str(code)]
        if match.empty:
            raise LivingPopulationError(f"행정동 코드 {code}를 찾을 수 없습니다.")
        gu, dong = match.iloc[0][["gu_name_ko", "name_ko"]]
        rows = table[(table.gu == gu) & (table.dong == dong)]
    if rows.empty:
        raise LivingPopulationError("이 지역의 주민등록인구(2021년 2분기)가 없습니다.")
    return float(rows["korean_total"].sum())


def ranking(
    hour: int, start, end, *, level: str = "dong", top: int | None = None, source=None
) -> pd.DataFrame:
    """Every dong (or gu, or 집계구 'oa') by its mean population at ``hour`` over the period,
    largest first."""
    if not 0 <= int(hour) <= 23:
        raise LivingPopulationError(f"시간대는 0–23입니다: {hour}")
    column = {"dong": "dong_code", "gu": "gu_code", "oa": "oa_code"}.get(level)
    if column is None:
        raise LivingPopulationError(f"level은 'oa', 'dong', 'gu' 중 하나입니다: {level!r}")
    con, source_sql, params = _scan(source, start, end, by_area=level == "oa")
    query = (
        f"SELECT {column} AS code, avg(total) AS total FROM (SELECT date, {column}, "
        f"sum(total) AS total FROM {source_sql} AND hour = ? GROUP BY date, {column}) "
        "GROUP BY code ORDER BY total DESC"
    )
    frame = con.execute(query, [*params, int(hour)]).df()
    frame = _named(frame, level)
    return frame.head(top).reset_index(drop=True) if top else frame


def compare(first: tuple, second: tuple, *, level: str = "dong", source=None) -> pd.DataFrame:
    """Each area's mean hourly population in two periods, the change and the change in %
    (e.g. a week of 2019 against the same week of 2020: the COVID change)."""
    column = {"dong": "dong_code", "gu": "gu_code"}[level]
    frames = []
    for label, (start, end) in (("기간1", first), ("기간2", second)):
        con, source_sql, params = _scan(source, start, end)
        # the period's hours once, then each area's total over them (an hour an area lacks
        # counts as nobody there)
        hours = con.execute(
            f"SELECT count(*) FROM (SELECT DISTINCT date, hour FROM {source_sql})", params
        ).fetchone()[0]
        query = (
            f'SELECT {column} AS code, sum(total) / ? AS "{label}" FROM {source_sql} GROUP BY code'
        )
        frames.append(con.execute(query, [hours, *params]).df().set_index("code"))
    table = frames[0].join(frames[1], how="outer")
    table["변화"] = table["기간2"] - table["기간1"]
    table["변화율(%)"] = 100 * table["변화"] / table["기간1"]
    return _named(table.reset_index(), level).sort_values("변화율(%)").reset_index(drop=True)


def _named(frame: pd.DataFrame, level: str) -> pd.DataFrame:
    from seoul_data.geo import dong_table, gu_table

    if level == "gu":
        names = dict(zip(gu_table()["mois"].astype(int), gu_table()["name_ko"], strict=True))
        return frame.assign(name=frame["code"].map(names))
    if level == "oa":  # 집계구 have codes, not names
        return frame.assign(name="집계구 " + frame["code"].astype(str))
    dongs = dong_table()
    codes = dongs["mois10"].str[:8].astype(int)
    names = dict(zip(codes, dongs["gu_name_ko"] + " " + dongs["name_ko"], strict=True))
    return frame.assign(name=frame["code"].map(names))
