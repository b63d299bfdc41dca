"""What the 생활인구 분석 dashboard draws (seoul_data.living.views), called directly over a
synthetic 집계구 store calibrated on the real samples; the page itself, executed on a real
kernel: tests/test_living_dashboard.py."""

from __future__ import annotations

import base64
import re
from datetime import date

import ipywidgets as widgets
import pytest

from seoul_data.living import views
from seoul_data.living.queries import LivingPopulationError
from tests.conftest import LIVING_DATASETS, bundled_data

GREY = (200, 200, 200)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from seoul_data.living.generator import generate

    with bundled_data(tmp_path_factory.mktemp("living-views"), LIVING_DATASETS) as data:
        # one week of the 집계구 of 종로구, 중구 and 용산구 (40 dongs)
        yield generate(
            data / "living" / "oa",
            start=date(2023, 3, 6),
            days=7,
            dongs=40,
            output_areas=4000,
            progress=False,
        )


def png_of(image: str) -> bytes:
    return base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', image).group(1))


def test_the_store_its_months_and_period(store, tmp_path, monkeypatch):
    assert views.default_store() == store  # the 집계구 store before the 행정동 store
    assert views.months(store) == ["2023-03"] and views.default_month(store) == "2023-03"
    assert views.month_options(store) == [("2023-03 (7일치)", "2023-03")]
    assert views.period(store, "2023-03") == ("2023-03-06", "2023-03-12")
    assert views.period(store, "2023-04") == ("2023-04-01", "2023-04-30")  # no day held
    assert views.synthetic_note(store) == views.SYNTHETIC and "합성 자료" in views.SYNTHETIC
    assert views.has_output_areas(store)
    empty = tmp_path / "empty"
    assert views.months(empty) == [] and views.default_month(empty) is None
    assert views.synthetic_note(empty) == "" and not views.has_output_areas(empty)
    monkeypatch.setenv("SEOUL_DATA_DIR", str(tmp_path))
    assert views.default_store() == tmp_path / "living" / "dong"  # where `make data` puts it


def test_the_page_opens_on_a_month_with_a_whole_week(tmp_path):
    """A store's last month often holds a day or two: a one-column weekday chart."""
    for month, days in (("2024-01", 31), ("2024-02", 9), ("2024-03", 1)):
        folder = tmp_path / f"month={month}"
        folder.mkdir()
        for day in range(1, days + 1):
            (folder / f"day={month}-{day:02d}.parquet").touch()
    assert views.default_month(tmp_path) == "2024-02"
    assert views.month_options(tmp_path)[1:] == [
        ("2024-02 (9일치)", "2024-02"),
        ("2024-03 (1일치)", "2024-03"),
    ]
    assert views.month_options(tmp_path)[0] == ("2024-01", "2024-01")  # all of it
    for day in (7, 8, 9):
        (tmp_path / "month=2024-02" / f"day=2024-02-0{day}.parquet").unlink()
    assert views.default_month(tmp_path) == "2024-01"  # 6 days: not a week


def test_menus_and_places():
    assert len(views.gu_names()) == 25 and views.gu_names()[0] == "강남구"
    jongno = views.dong_options("종로구")
    assert jongno[0] == views.WHOLE_GU and "무악동" in jongno and "명동" not in jongno
    assert views.place("종로구", views.WHOLE_GU) == views.place("종로구", None) == "종로구"
    assert views.place("종로구", "무악동") == "종로구 무악동"


def test_an_area_its_summary_and_charts(store):
    gu = views.area_view(store, "종로구", views.WHOLE_GU, "2023-03")
    assert gu.summary.startswith("<b>종로구</b> · 2023-03-06–2023-03-12: 가장 붐비는 시간 ")
    assert re.search(r"주간\(9–18시\)/야간\(0–5시\) 비 \d+\.\d\d$", gu.summary)
    for image in (gu.heatmap, gu.by_age):
        assert png_of(image)[:4] == b"\x89PNG" and len(image) > 1000
    assert 'alt="종로구 시간대×요일 평균 생활인구 (2023-03)"' in gu.heatmap
    assert "합성 자료" in gu.note and 'class="sd-notice"' in gu.note
    dong = views.area_view(store, "종로구", "무악동", None)  # the latest month
    assert dong.summary.startswith("<b>종로구 무악동</b>") and dong.heatmap != gu.heatmap


def test_an_area_the_store_cannot_answer_says_why_in_korean(store, tmp_path):
    with pytest.raises(LivingPopulationError, match="생활인구 자료가 아직 없습니다"):
        views.area_view(tmp_path, "중구", views.WHOLE_GU, None)
    with pytest.raises(LivingPopulationError):
        views.area_view(store, "강남구", "없는동", "2023-03")


def test_every_dong_at_an_hour_its_gaps_and_the_busiest_ten(store):
    night, day = (views.hour_view(store, "2023-03", hour) for hour in (3, 14))
    assert len(night.shapes) == len(night.elevation) == len(night.fill) == 425
    assert max(day.elevation) == views.TALLEST and day.elevation != night.elevation
    # the store holds 40 dongs: the others are flat, grey and say so
    held = [i for i, e in enumerate(day.elevation) if e > 0]
    assert len(held) == 40
    gap = next(i for i in range(425) if i not in held)
    assert day.fill[gap] == GREY and day.tooltips[gap].endswith("14시 평균 자료 없음")
    assert re.search(r"14시 평균 [\d,]+명$", day.tooltips[held[0]])
    assert "14시 행정동별 평균 생활인구 (2023-03-06–2023-03-12)" in day.legend
    assert "자료 없음" in day.legend
    assert "3시 생활인구 상위 10개 행정동" in night.top and "합성 자료" in night.top
    assert night.top.count("<tr>") == 11  # the head and ten dongs
    assert day.top.replace("14시", "") != night.top.replace("3시", "")  # other dongs lead


def test_output_areas_tile_their_dongs(store):
    from seoul_data.geo import boundaries
    from seoul_data.living.areas import output_area_shapes

    view = views.hour_view(store, "2023-03", 18, "oa")
    cells = output_area_shapes(store)
    assert len(view.elevation) == len(cells) > 100
    assert "18시 집계구별 평균 생활인구" in view.legend
    assert " 집계구 " in view.tooltips[0] and "상위 10개 행정동" in view.top  # dongs still
    dongs = boundaries("dong").to_crs(5179)
    dongs = dongs.set_index(dongs.mois10.str[:8].astype(int))
    covered = dongs.loc[cells.dong_code.unique()].area.sum()
    tiled = cells.to_crs(5179).dissolve("dong_code").area.sum()
    assert round(float(tiled / covered), 3) == 1.0


def test_top_table_escapes_names():
    import pandas as pd

    ranked = pd.DataFrame({"name": ["<b>동</b>"], "total": [1234.6]})
    table = views.top_table(ranked, 9)
    assert "&lt;b&gt;동&lt;/b&gt;" in table and "<td>1,235</td>" in table


def test_the_map_keeps_its_widget_for_new_values_and_changes_it_for_other_areas(store):
    box = widgets.VBox()
    views.show_map(box, views.hour_view(store, "2023-03", 3))
    first = box.children[0]
    views.show_map(box, views.hour_view(store, "2023-03", 14))
    assert box.children[0] is first and first.revision == 2
    views.show_map(box, views.hour_view(store, "2023-03", 14, "oa"))
    cells = views.area_shapes(store, "oa")[0]
    assert box.children[0] is not first and len(box.children[0].elevation) == len(cells) != 425
