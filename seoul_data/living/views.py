"""What the 생활인구 분석 dashboard (dashboards/living_population.ipynb) shows, as plain
functions of a store and the page's choices: the menus' options, the summary line, the
hour × weekday heatmap and the day by age group (inline images), every area at one hour for
the 3D map with its legend, and the busiest dongs.

The notebook builds the widgets and calls these; tests call them directly.

    store = default_store()
    area = area_view(store, "중구", WHOLE_GU, "2023-03")     # summary, heatmap, by_age
    hour = hour_view(store, "2023-03", 18, "dong")           # the map's layers, legend, top ten
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from seoul_data.display import esc, image, notice, number, png, with_unit
from seoul_data.geo import boundaries, dong_table
from seoul_data.living import queries
from seoul_data.living.areas import output_area_shapes
from seoul_data.living.queries import DEFAULT_STORE, LivingPopulationError
from seoul_data.paths import data_dir
from seoul_data.prepared import prepared

#: The dong menu's first entry: the whole gu.
WHOLE_GU = "(자치구 전체)"
#: The busiest area is drawn this many metres high (deck.gl elevation).
TALLEST = 8000
#: The 집계구 store, preferred to the 행정동 store when it exists (under the data directory).
OUTPUT_AREA_STORE = "living/oa"
NO_DATA = (
    "생활인구 자료가 아직 없습니다. 관리자에게 자료 적재(seoul-data living ingest/generate)를 "
    "요청하세요."
)
SYNTHETIC = "※ 합성 자료: 실제 생활인구가 아니라 공식 형식과 실제 표본에 맞춰 만든 값입니다."
#: Korean text in the charts (the font ships in every image); NanumGothic has no U+2212 minus.
CHART_STYLE = {"font.family": ["NanumGothic"], "axes.unicode_minus": False}
HOURS = range(0, 24, 3)


# -- the store and the menus ---------------------------------------------------------------


def default_store() -> Path:
    """The platform's store: the 집계구 store when there is one, else the 행정동 store."""
    for path in (data_dir() / OUTPUT_AREA_STORE, data_dir() / DEFAULT_STORE):
        if any(path.glob("month=*/*.parquet")):
            return path
    return data_dir() / DEFAULT_STORE


def months(store: Path) -> list[str]:
    """The months the store holds (YYYY-MM), oldest first."""
    return sorted(p.name.removeprefix("month=") for p in store.glob("month=*") if p.is_dir())


def days_held(store: Path, month: str) -> int:
    """How many days of ``month`` the store holds."""
    return len(list((store / f"month={month}").glob("day=*.parquet")))


#: A month shows every weekday of the hour × weekday chart when it holds this many days.
WEEK = 7


def default_month(store: Path) -> str | None:
    """The month a page opens on: the latest that holds a whole week (so the hour × weekday
    chart has every weekday), else the one holding the most days, the latest of those
    (None when the store holds none). The last month is often a day or two old only."""
    held = months(store)
    if not held:
        return None
    days = {month: days_held(store, month) for month in held}
    weeks = [m for m in held if days[m] >= WEEK]
    return weeks[-1] if weeks else max(reversed(held), key=days.__getitem__)


def month_options(store: Path) -> list[tuple[str, str]]:
    """The month menu: (label, month), the label saying how many days are held when not
    all of the month ('2019-03 (1일치)')."""
    options = []
    for month in months(store):
        held, whole = days_held(store, month), pd.Period(month, "M").days_in_month
        options.append((month if held in (0, whole) else f"{month} ({held}일치)", month))
    return options


def period(store: Path, month: str) -> tuple[str, str]:
    """The first and last day (YYYY-MM-DD) the store holds of ``month``; the calendar month
    when it holds no day of it."""
    days = sorted(p.name[4:14] for p in (store / f"month={month}").glob("day=*.parquet"))
    if days:
        return days[0], days[-1]
    whole = pd.Period(month, "M")
    return str(whole.start_time.date()), str(whole.end_time.date())


def synthetic_note(store: Path) -> str:
    """The caveat every chart carries when the store is synthetic, else ''."""
    meta = store / "_synthetic.json"
    if meta.exists() and json.loads(meta.read_text()).get("synthetic"):
        return SYNTHETIC
    return ""


def has_output_areas(store: Path) -> bool:
    """Whether the store holds 집계구 rows (the map can then show them)."""
    import pyarrow.parquet as pq

    files = sorted(store.glob("month=*/*.parquet"))
    return bool(files) and "oa_code" in pq.read_schema(files[0]).names


@prepared
def gu_names() -> list[str]:
    """The 25 gu, in Korean alphabetical order."""
    return sorted(set(dong_table()["gu_name_ko"]))


@prepared
def dong_options(gu: str) -> list[str]:
    """The dong menu of a gu: the whole gu, then its dongs."""
    table = dong_table()
    return [WHOLE_GU, *sorted(table.loc[table["gu_name_ko"] == gu, "name_ko"])]


def place(gu: str, dong: str | None) -> str:
    """The area the queries take: the gu, or 'gu dong'."""
    return gu if dong in (None, WHOLE_GU) else f"{gu} {dong}"


# -- the chosen area -----------------------------------------------------------------------


@dataclass(frozen=True)
class AreaView:
    """The chosen area and month, as HTML: the summary line, the two charts and the note."""

    summary: str
    heatmap: str
    by_age: str
    note: str


@prepared
def area_view(store: Path, gu: str, dong: str | None, month: str | None) -> AreaView:
    """The summary, the hour × weekday heatmap and the day by age group of an area in a
    month. Raises LivingPopulationError (Korean) when the store cannot answer."""
    if not months(store):
        raise LivingPopulationError(NO_DATA)
    month = month or default_month(store)
    first, last = period(store, month)
    area, note = place(gu, dong), synthetic_note(store)
    grid = queries.heatmap(area, first, last, source=store)
    by_age = queries.profile(area, first, last, by="age", source=store)
    ratio = queries.day_night(area, first, last, source=store)
    peak = queries.peak_hour(area, first, last, source=store)
    return AreaView(
        summary=summary_html(area, first, last, peak, ratio),
        heatmap=heatmap_image(grid, f"{area} 시간대×요일 평균 생활인구 ({month})", note),
        by_age=by_age_image(by_age, f"{area} 시간대별 연령대 생활인구 ({month})", note),
        note=notice(note),
    )


def summary_html(area: str, first: str, last: str, peak: int, ratio: float) -> str:
    """One line: the area and period, the busiest hour and the day/night ratio."""
    return (
        f"<b>{esc(area)}</b> · {esc(first)}–{esc(last)}: 가장 붐비는 시간 {peak}시, "
        f"주간(9–18시)/야간(0–5시) 비 {number(ratio, 2)}"
    )


def heatmap_image(table: pd.DataFrame, title: str, note: str = "") -> str:
    """Hour (rows) × weekday (columns) as a colour grid, an inline PNG."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(CHART_STYLE):
        fig = Figure(figsize=(6.5, 5))
        ax = fig.subplots()
        grid = ax.imshow(table.to_numpy(), aspect="auto", cmap="YlOrRd")
        ax.set_xticks(range(len(table.columns)), table.columns)
        ax.set_yticks(HOURS, [f"{h}시" for h in HOURS])
        ax.set_title(title)
        fig.colorbar(grid, ax=ax, label="평균 생활인구 (명)")
        ax.text(0, -0.12, note, transform=ax.transAxes, fontsize=7, color="#a33")
        return image(png(fig), title)


def by_age_image(table: pd.DataFrame, title: str, note: str = "") -> str:
    """One line per age group over the 24 hours, an inline PNG."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(CHART_STYLE):
        fig = Figure(figsize=(6.5, 4))
        ax = fig.subplots()
        for column in table.columns:
            ax.plot(table.index, table[column], marker=".", label=column)
        ax.set_xticks(HOURS, [f"{h}시" for h in HOURS])
        ax.set_ylabel("평균 생활인구 (명)")
        ax.set_title(title)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        ax.text(0, -0.18, note, transform=ax.transAxes, fontsize=7, color="#a33")
        return image(png(fig), title)


# -- every area at one hour ----------------------------------------------------------------


@dataclass(frozen=True)
class HourView:
    """Every area at one hour: the map's shapes and per-area values, its legend, and the
    busiest ten dongs (HTML)."""

    level: str
    shapes: Any  # GeoDataFrame, in the order of the per-area lists
    elevation: list[float]
    fill: list[tuple[int, int, int]]
    tooltips: list[str]
    legend: str
    top: str


def area_shapes(store: Path, level: str):
    """The map's areas (GeoDataFrame with gu_name_ko, name_ko) and their codes in the
    store: 행정동 (boundaries), or 집계구 (the store's synthetic cells)."""
    if level == "oa":
        shapes = output_area_shapes(store)
        table = dong_table()
        dongs = table.set_index(table["mois10"].str[:8].astype(int))
        dong_names = shapes.dong_code.map(dongs["name_ko"])
        shapes = shapes.assign(
            gu_name_ko=shapes.dong_code.map(dongs["gu_name_ko"]),
            name_ko=dong_names + " 집계구 " + shapes.oa_code.astype(str),
        )
        return shapes, shapes["oa_code"]
    shapes = boundaries("dong")
    return shapes, shapes["mois10"].str[:8].astype(int)


@prepared
def hour_view(store: Path, month: str, hour: int, level: str = "dong") -> HourView:
    """Every area (``level``: 'dong' or 'oa') at ``hour``, averaged over the month. Raises
    LivingPopulationError (Korean) when the store cannot answer."""
    from seoul_data.maps import classify

    first, last = period(store, month)
    shapes, codes = area_shapes(store, level)
    ranked = queries.ranking(hour, first, last, level=level, source=store)
    values = codes.map(dict(zip(ranked.code, ranked.total, strict=True)))
    classes = classify(values)
    top = values.max()
    unit = "행정동" if level == "dong" else "집계구"
    dongs = ranked if level == "dong" else queries.ranking(hour, first, last, source=store)
    return HourView(
        level=level,
        shapes=shapes,
        elevation=[0 if v != v else v / top * TALLEST for v in values],
        fill=[classes.rgb(i) for i in classes.index],
        tooltips=[
            f"<b>{esc(gu)} {esc(name)}</b><br>{hour}시 평균 "
            + with_unit(value, "명", digits=0, missing="자료 없음")
            for gu, name, value in zip(shapes["gu_name_ko"], shapes["name_ko"], values, strict=True)
        ],
        legend=classes.legend_html("명", f"{hour}시 {unit}별 평균 생활인구 ({first}–{last})"),
        top=top_table(dongs, hour, synthetic_note(store)),
    )


def top_table(ranked: pd.DataFrame, hour: int, note: str = "") -> str:
    """The ten busiest dongs of a ranking (name, total) as an HTML table."""
    rows = "".join(
        f"<tr><td>{i + 1}</td><td>{esc(r.name)}</td><td>{number(r.total, 0)}</td></tr>"
        for i, r in enumerate(ranked.head(10).itertuples())
    )
    return (
        f"<b>{hour}시 생활인구 상위 10개 행정동</b><table><tr><th>순위</th>"
        f"<th>행정동</th><th>평균(명)</th></tr>{rows}</table>{notice(note)}"
    )


def show_map(box, view: HourView, height: int = 520) -> None:
    """Draw ``view`` in ``box`` (an ipywidgets Box), on the 3D map there where it can."""
    from seoul_data.maps import deck3d

    deck3d.show(
        box,
        view.shapes,
        level=view.level,
        elevation=view.elevation,
        fill=view.fill,
        tooltips=view.tooltips,
        height=height,
    )


# -- wiring --------------------------------------------------------------------------------
