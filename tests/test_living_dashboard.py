"""생활인구 분석 dashboard, executed on a real kernel over a synthetic store calibrated on the
real samples, driven through its widgets (what each view draws: tests/test_living_views.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.conftest import LIVING_DATASETS, bundled_data
from tests.dashboard_kernel import WIDGET_VIEW, executed

#: What the page shows now, read from its widgets in the kernel.
STATE = """{
    "gu": gu_menu.value, "dong": dong_menu.value, "month": month_menu.value,
    "hour": hour_slider.value, "level": level_buttons.value, "summary": summary.value,
    "status": status.value, "heat": heat.value, "ages": ages.value, "legend": legend.value,
    "elevation": list(map_box.children[0].elevation) if map_box.children else [],
    "top": top_table.value, "note": note.value,
}"""

pytestmark = pytest.mark.filterwarnings("ignore:Workbook contains no default style:UserWarning")


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    from seoul_data.living.generator import generate

    tmp = tmp_path_factory.mktemp("living-dashboard")
    with bundled_data(tmp, LIVING_DATASETS) as data:
        # 집계구 of 종로구, 중구 and 용산구 (40 dongs): the page prefers the 집계구 store
        generate(
            data / "living" / "oa",
            start=date(2023, 3, 6),
            days=14,
            dongs=40,
            output_areas=4000,
            progress=False,
        )
    with executed("living_population.ipynb", tmp, data) as dashboard:
        yield dashboard


def test_the_page_shows_the_chosen_area_and_says_the_data_is_synthetic(page):
    outputs = page.page_outputs()
    assert [o.output_type for o in outputs] == ["display_data"] and WIDGET_VIEW in outputs[0][
        "data"
    ]
    state = page.value(STATE)
    assert state["month"] == "2023-03" and state["gu"] == "중구" and state["status"] == ""
    assert "합성 자료" in state["note"] and "합성 자료" in state["top"]
    assert "가장 붐비는 시간" in state["summary"]
    assert len(state["heat"]) > 1000 and len(state["ages"]) > 1000
    assert len(state["elevation"]) == 425


def test_area_dong_and_hour_change_the_figures(page):
    page.run("gu_menu.value = '종로구'")
    gu = page.value(STATE)
    assert gu["gu"] == "종로구" and "<b>종로구</b>" in gu["summary"]
    page.run("dong_menu.value = '무악동'")
    dong = page.value(STATE)
    assert "<b>종로구 무악동</b>" in dong["summary"] and dong["heat"] != gu["heat"]
    page.run("hour_slider.value = 3")
    night = page.value(STATE)
    assert night["hour"] == 3 and "3시 생활인구 상위 10개" in night["top"]
    page.run("hour_slider.value = 14")
    day = page.value(STATE)
    assert day["elevation"] != night["elevation"]
    assert day["top"].replace("14시", "") != night["top"].replace("3시", "")  # other dongs lead


def test_output_areas_on_the_map_with_their_synthetic_cells(page):
    from seoul_data.living.areas import output_area_shapes

    assert page.value("level_buttons.layout.display") is None  # offered: the store has 집계구
    store = Path(page.value("str(STORE)"))
    assert store.name == "oa"  # the page prefers the 집계구 store
    page.run("level_buttons.value = 'oa'")
    state = page.value(STATE)
    cells = output_area_shapes(store)
    assert state["level"] == "oa" and len(state["elevation"]) == len(cells) > 100
    assert "집계구별 평균 생활인구" in state["legend"]
    page.run("level_buttons.value = 'dong'")
    assert len(page.value(STATE)["elevation"]) == 425


def test_without_a_store_the_page_says_what_to_do(page, tmp_path):
    page.run(f"STORE = __import__('pathlib').Path({str(tmp_path)!r}); show_area()")
    assert "생활인구 자료가 아직 없습니다" in page.value("status.value")
