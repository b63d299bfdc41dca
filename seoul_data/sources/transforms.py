"""Reshaping for source layouts that a schema alone cannot describe.

Each function takes the table as read (strings) and returns the table the dataset's schema
declares. Wide statistical tables (one column per year or per half hour) become long ones,
which is what filters, joins and charts need.
"""

from __future__ import annotations

import json
import re

import pandas as pd

SEOUL = "서울특별시"


def _long_years(frame: pd.DataFrame, id_vars: list[str], value_name: str) -> pd.DataFrame:
    """Melt year columns ('2010', '2010 년', '2021. 08', '2021. 08 월') into year/period."""
    year_columns = [c for c in frame.columns if re.match(r"^\d{4}", c)]
    if not year_columns:
        raise ValueError("no year columns (e.g. '2010') in the header")
    long = frame.melt(
        id_vars=id_vars, value_vars=year_columns, var_name="_period", value_name=value_name
    )
    parts = long["_period"].str.extract(r"^(\d{4})(?:\.\s*(\d{1,2}))?")
    long["year"] = parts[0]
    # a bare year is the year-end figure (December); '2021. 08' is that month's
    long["period"] = parts[0] + "-" + parts[1].fillna("12").str.zfill(2)
    return long.drop(columns="_period")


def kosis_gu_total(frame: pd.DataFrame) -> pd.DataFrame:
    """KOSIS resident population, one column per year → area, year, period, population."""
    frame = frame.rename(columns={"행정구역(시군구)별": "area"})
    frame = frame[frame["연령별"] == "계"].drop(columns="연령별")
    return _long_years(frame, ["area"], "population")


def kosis_gu_age_sex(frame: pd.DataFrame) -> pd.DataFrame:
    """KOSIS population by single-year age and sex, wide years → one row per cell."""
    frame = frame.rename(
        columns={"행정구역(시군구)별": "gu", "연령별": "age_label", "항목": "item"}
    )
    sexes = {"남자인구수": "남", "여자인구수": "여"}
    unknown = set(frame["item"]) - set(sexes)
    if unknown:
        raise ValueError(f"unexpected 항목 values {sorted(unknown)}")
    frame = frame.assign(sex=frame["item"].map(sexes)).drop(columns=["item", "단위"])
    frame["age"] = frame["age_label"].str.extract(r"^(\d+)")[0]
    return _long_years(frame, ["gu", "age_label", "age", "sex"], "population")


def seoul_quarter_stats(frame: pd.DataFrame) -> pd.DataFrame:
    """Seoul statistics quarter tables (3 header rows): keep the gu or dong rows.

    The 합계 (city) and 소계 (gu subtotal) rows are sums of the rows kept; they are left
    out so that every row is one area, and recomputed by any group-by.
    """
    area = "dong" if "dong" in frame.columns else "gu"
    frame = frame[~frame[area].isin(["합계", "소계"])].copy()
    frame["period"] = frame["period"].str.replace(r"^(\d{4})\.(\d)/4$", r"\1-Q\2", regex=True)
    return frame


def kosis_gu_migration(frame: pd.DataFrame) -> pd.DataFrame:
    """{'data': {gu: {YYYYMM: {총전입, 총전출, 순이동}}}} → gu, month, in, out, net."""
    rows = [
        {"gu": gu, "month": f"{month[:4]}-{month[4:]}", **values}
        for gu, months in _json_column(frame, "data").items()
        for month, values in months.items()
    ]
    return pd.DataFrame(rows).astype("string")


def kosis_city_migration(frame: pd.DataFrame) -> pd.DataFrame:
    """{'inbound': [{month, value}], 'outbound': [...], 'net': [...]} → month, in, out, net."""
    series = {
        name: {r["month"]: r["value"] for r in _json_column(frame, name)}
        for name in ("inbound", "outbound", "net")
    }
    months = sorted(set().union(*series.values()))
    rows = [
        {"month": f"{m[:4]}-{m[4:]}", **{name: series[name].get(m) for name in series}}
        for m in months
    ]
    return pd.DataFrame(rows).astype("string")


def _json_column(frame: pd.DataFrame, key: str):
    """The object under ``key`` of a JSON document read as one row (see record_path '')."""
    if key not in frame.attrs.get("document", {}):
        raise ValueError(f"no {key!r} in the JSON document")
    return frame.attrs["document"][key]


def living_population_dong_week(frame: pd.DataFrame, week_start: str) -> pd.DataFrame:
    """Per-dong arrays of 168 hourly values (t, m, f, a1…a6) → one row per dong and hour."""
    start = pd.Timestamp(week_start)
    rows = []
    bands = [c for c in ("a1", "a2", "a3", "a4", "a5", "a6") if c in frame.columns]
    for record in frame.to_dict("records"):
        series = {key: json.loads(record[key]) for key in ("t", "m", "f", *bands)}
        for hour in range(len(series["t"])):
            rows.append(
                {
                    "dong_code": str(record["code_8"]),
                    "dong_name": record["full_name"],
                    "time": (start + pd.Timedelta(hours=hour)).isoformat(),
                    **{key: series[key][hour] for key in series},
                }
            )
    return pd.DataFrame(rows).astype("string")


def drop_record_fragments(frame: pd.DataFrame, key: str, spill: list[str]) -> pd.DataFrame:
    """Drop the records whose ``key`` is not a whole number: pieces of a broken record.

    In the cultural-spaces file some HTML 시설소개 cells have unbalanced quotes, so the rest
    of their markup is read as records of its own, with bits of HTML in every column and
    in the header-less ``spill`` columns at the end. Those records describe no facility.
    A kept record with text in a ``spill`` column means the layout is not the expected one.
    """
    whole = frame[key].str.strip().str.fullmatch(r"\d+").fillna(False).astype(bool)
    kept = frame[whole]
    filled = [c for c in spill if kept[c].notna().any()]
    if filled:
        raise ValueError(f"records with text under the header-less column(s) {filled}")
    return kept


_HALF_HOUR = re.compile(r"^(\d{1,2})시(\d{2})분$")
_METRO_KEYS = {
    "연번": "row_no",
    "요일구분": "day_type",
    "호선": "line",
    "역번호": "station_number",
    "출발역": "station",
    "상하구분": "direction",
}


def metro_congestion_long(frame: pd.DataFrame) -> pd.DataFrame:
    """서울교통공사 congestion, one column per half hour ('5시30분' … '00시30분') → one row per
    station, direction, day type and time slot ('HH:MM'), in the file's order.

    Empty cells (no train in that half hour) stay missing.
    """
    slots = [c for c in frame.columns if _HALF_HOUR.match(c)]
    if not slots:
        raise ValueError("no half-hour columns such as '5시30분'")
    missing = [c for c in _METRO_KEYS if c not in frame.columns]
    if missing:
        raise ValueError(f"no column(s) {missing}")
    frame = frame.rename(columns=_METRO_KEYS)
    long = frame.reset_index(drop=True).melt(
        id_vars=list(_METRO_KEYS.values()),
        value_vars=slots,
        var_name="time_slot",
        value_name="congestion",
        ignore_index=False,
    )
    long["_slot"] = long["time_slot"].map({c: i for i, c in enumerate(slots)})
    long = long.rename_axis("_row").sort_values(["_row", "_slot"], kind="stable")
    hours_minutes = long["time_slot"].str.extract(_HALF_HOUR)
    long["time_slot"] = hours_minutes[0].str.zfill(2) + ":" + hours_minutes[1]
    return long.drop(columns="_slot").reset_index(drop=True)


def living_population_gu_hourly(frame: pd.DataFrame) -> pd.DataFrame:
    """Gu living population with MOIS gu codes: add the gu name beside the code.

    A code that is not a MOIS Seoul gu code stops the ingest rather than become a blank.
    """
    from seoul_data.geo import gu_name

    codes = frame["gu_code"].str.strip()
    names = {code: gu_name(code, "mois") for code in codes.dropna().unique()}
    return frame.assign(gu=codes.map(names))


def day_first_dates(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Rewrite day-first dates ('1/12/2017' = 1 December 2017) as ISO 'YYYY-MM-DD'.

    The schema's date parser reads 'a/b/YYYY' month first; these files are day first.
    """
    frame = frame.copy()
    for column in columns:
        parts = frame[column].str.strip().str.extract(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
        unparsed = frame[column].notna() & parts[0].isna()
        if unparsed.any():
            raise ValueError(f"{column}: {frame[column][unparsed].iloc[0]!r} is not D/M/YYYY")
        frame[column] = parts[2] + "-" + parts[1].str.zfill(2) + "-" + parts[0].str.zfill(2)
    return frame
