"""sd.maps on the real bundled data: every chart type, joins with both gu code systems, dong
codes and names, rows that cannot be placed are counted, pages are offline and their scripts
run in Chromium, PNG export, the GIS gallery's examples, views and menus (executed on a real
kernel)."""

from __future__ import annotations

import base64
import html
import re

import numpy as np
import pandas as pd
import pytest

import seoul_data as sd
from seoul_data.maps import MapError, gallery, views
from seoul_data.maps.places import PlaceColumns
from tests.conftest import bundled_data
from tests.dashboard_kernel import executed

pytestmark = pytest.mark.filterwarnings("ignore:Workbook contains no default style:UserWarning")
WANTED = {
    "facilities.public_libraries",
    "facilities.public_toilets",
    "facilities.social_welfare",
    "safety.ansimi_cctv",
    "safety.heat_shelters_2023",
    "transport.public_parking",
    "misc.gu_cctv_2016",
    "population.dong_households_density",
    "population.gu_resident_total",
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    # the metro table names stations but has no coordinates: it cannot be mapped
    wanted = WANTED | {"transport.metro_congestion_2022"}
    with (
        bundled_data(tmp_path_factory.mktemp("maps"), wanted) as data,
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.delenv("SDH_MAP_TILE_URL", raising=False)
        yield data


def offline(page) -> None:
    """Nothing in the page points outside it (scripts, styles, images, tiles)."""
    markup = re.sub(r"<script[^>]*>.*?</script>", "", page.html, flags=re.S)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", markup), "external asset"
    assert "<script src=" not in markup and "cdn.jsdelivr" not in markup


def test_shipped_scripts_name_no_cdn():
    # the city's separated network reaches none of these; loaders.gl's defaults (workers
    # and libraries from unpkg) are taken out when deck.gl is bundled (scripts/build-deckgl.mjs)
    from seoul_data.maps.leaflet import STATIC

    hosts = (
        "unpkg.com",
        "jsdelivr",
        "cdnjs",
        "gstatic.com",
        "googleapis.com",
        "api.mapbox.com",
        "raw.githubusercontent.com",
        "opencagedata",
    )
    for asset in sorted(STATIC.iterdir()):
        text = asset.read_text(encoding="utf-8", errors="replace")
        assert not [h for h in hosts if h in text], asset.name


def test_every_chart_type_on_real_data(data_dir):
    libraries = sd.maps.choropleth("facilities.public_libraries", level="dong")
    assert libraries.renderer == "leaflet" and libraries.features == 425
    assert (
        libraries.report.placed
        == libraries.report.total
        == len(sd.load("facilities.public_libraries"))
    )
    assert "행정동별 개수" in libraries.title and "공공도서관" in libraries.html
    assert "출처: 서울 열린데이터광장" in libraries.html and "경계: 통계청" in libraries.html

    toilets = sd.maps.clusters("facilities.public_toilets")
    assert toilets.renderer == "leaflet" and "markerClusterGroup" in toilets.html

    cctv = sd.maps.density("safety.ansimi_cctv", value="cameras")
    assert cctv.renderer == "webgl" and cctv.features > 80_000  # above WEBGL_POINTS
    assert "HeatmapLayer" in cctv.html and "수량" in cctv.title

    small = sd.maps.density("safety.heat_shelters_2023")
    assert small.renderer == "leaflet" and "L.heatLayer" in small.html

    parking = sd.maps.symbols("transport.public_parking", "capacity", unit="면")
    assert parking.report.unplaced > 0 and "좌표 없음" in str(parking.report)

    hexes = sd.maps.hexbin("safety.ansimi_cctv", "cameras", radius_m=1000)
    assert 150 < hexes.features < 1000 and hexes.renderer == "leaflet"

    trend = sd.maps.animate("population.gu_resident_total", "year", "population")
    assert trend.features == 25 and '"steps":["2010"' in trend.html and "재생" in trend.html

    pair = sd.maps.compare(
        sd.maps.choropleth("misc.gu_cctv_2016", "installed_2014"),
        sd.maps.choropleth("misc.gu_cctv_2016", "installed_2016"),
    )
    assert pair.renderer == "compare" and pair.html.count("<iframe") == 2
    shared = sd.maps.compare_columns("misc.gu_cctv_2016", "installed_2014", "installed_2016")
    # one scale for both maps: the same legend (breaks) twice
    legends = re.findall(r"</span>(\d[\d,.]* ~ \d[\d,.]*)", html.unescape(shared.html))
    assert legends and legends[: len(legends) // 2] == legends[len(legends) // 2 :]
    for page in (libraries, toilets, cctv, small, parking, hexes, trend, pair, shared):
        offline(page)


def test_gu_joins_with_both_code_systems_and_names(data_dir):
    gu = sd.geo.gu_table()
    counts = np.arange(1, 26)
    maps = [
        sd.maps.choropleth(
            pd.DataFrame({"gu_code": gu[system], "n": counts}),
            "n",
            place=PlaceColumns("gu", ("gu_code",), system),
            renderer="webgl",
        )
        for system in ("mois", "kostat")
    ]
    named = sd.maps.choropleth(
        pd.DataFrame({"자치구": gu.name_ko, "n": counts}), "n", renderer="webgl"
    )
    for page in (*maps, named):
        assert page.report.placed == 25
    # the same gu gets the same value whichever system names it
    tips = [re.findall(r"종로구<\\?/b><br>n 합계: (\d+)", p.html) for p in (*maps, named)]
    assert tips[0] == tips[1] == tips[2] == ["1"]


def test_dong_joins_with_codes_and_names_and_unplaced_rows_are_counted(data_dir):
    frame = sd.load("population.dong_households_density")
    frame = frame[frame.year == frame.year.max()]
    by_code = {
        column: sd.maps.choropleth(
            frame, "density", agg="mean", level="dong", place=PlaceColumns("dong", (column,))
        )
        for column in ("dong_code_kostat", "dong_code_mois")
    }
    placed = {c: p.report.placed for c, p in by_code.items()}
    assert min(placed.values()) > 400, placed
    odd = pd.DataFrame({"dong": ["사직동", "없는동", "역삼1동", None], "v": [1, 2, 3, 4]})
    page = sd.maps.choropleth(odd, "v", level="dong", place=PlaceColumns("dong", ("dong",), "name"))
    assert page.report.placed == 2 and page.report.unplaced == 2
    assert "없는동" in str(page.report) and "위치를 찾지 못한 2행" in str(page.report)
    points = pd.DataFrame({"lat": [37.57, np.nan, 0.0], "lon": [126.98, 127.0, 0.0]})
    dots = sd.maps.clusters(points)
    assert (dots.report.placed, dots.report.unplaced) == (1, 2)


def test_bad_requests_get_korean_errors(data_dir):
    with pytest.raises(MapError, match="없는 데이터셋"):
        sd.maps.choropleth("nothing.here")
    with pytest.raises(MapError, match="값 열 'nope'"):
        sd.maps.choropleth("facilities.public_libraries", "nope")
    with pytest.raises(MapError, match="좌표"):
        sd.maps.clusters("misc.gu_cctv_2016")
    with pytest.raises(MapError, match="위치를 나타내는 열"):
        sd.maps.choropleth(pd.DataFrame({"a": [1, 2]}))
    with pytest.raises(MapError, match="renderer"):
        sd.maps.density("safety.heat_shelters_2023", renderer="svg")
    with pytest.raises(MapError, match="50m"):
        sd.maps.hexbin("safety.heat_shelters_2023", radius_m=10)


def test_renderer_can_be_forced_and_a_tile_server_configured(data_dir, monkeypatch):
    webgl = sd.maps.choropleth("facilities.public_libraries", level="dong", renderer="webgl")
    assert webgl.renderer == "webgl" and "GeoJsonLayer" in webgl.html
    assert "tile.internal" not in webgl.html
    monkeypatch.setenv("SDH_MAP_TILE_URL", "http://tile.internal/{z}/{x}/{y}.png")
    monkeypatch.setenv("SDH_MAP_TILE_ATTRIBUTION", "서울시 내부 지도")
    tiled = sd.maps.clusters("facilities.public_toilets")
    assert "http://tile.internal/{z}/{x}/{y}.png" in tiled.html and "서울시 내부 지도" in tiled.html


@pytest.mark.browser  # headless Chromium: loaded while no test makes networks (scripts/test.sh)
def test_html_and_png_export(data_dir, tmp_path):
    from PIL import Image

    page = sd.maps.density("safety.ansimi_cctv", value="cameras")
    saved = page.save(tmp_path / "cctv.html")
    assert saved.read_text(encoding="utf-8") == page.html
    picture = Image.open(page.png(tmp_path / "cctv.png", 800, 600)).convert("RGB")
    assert picture.size == (800, 600)
    colours = np.asarray(picture).reshape(-1, 3)
    # the heat map is drawn: many distinct colours, some of them warm (red > blue)
    assert len(np.unique(colours, axis=0)) > 200
    assert ((colours[:, 0].astype(int) - colours[:, 2]) > 80).sum() > 1000


@pytest.mark.browser
def test_a_still_webgl_map_asks_for_no_frames_until_touched(data_dir):
    from tests.browser import browser, frames_asked, watched_page

    page_html = sd.maps.choropleth("facilities.public_libraries", level="dong", renderer="webgl")
    with browser() as chromium:
        watched = watched_page(chromium.new_context(viewport={"width": 1000, "height": 700}))
        page = watched.page
        page.set_content(page_html.html)
        page.wait_for_function("!!document.body.dataset.drawnMs", timeout=60_000)
        frames_asked(page, 2500)  # deck-idle.js's STILL_MS has passed
        assert frames_asked(page, 1000) <= 2  # deck.gl alone asks for 60 a second
        # the pointer wakes the loop, which picks the area under it for the tooltip (asleep,
        # no tooltip would ever show)
        page.mouse.move(500, 350)
        page.wait_for_function(
            "document.querySelector('.deck-tooltip')?.innerText.trim()", timeout=30_000
        )
        frames_asked(page, 2500)
        assert frames_asked(page, 1000) <= 2  # and it sleeps again
    assert watched.errors == []


def test_gallery_lists_mappable_datasets_and_draws_every_example(data_dir):
    ids = [i for _, i in gallery.mappable()]
    assert set(ids) == WANTED  # every one of them can be placed; none is listed that cannot
    for dataset_id in ids:
        assert gallery.columns(dataset_id)[1], dataset_id
    frame, found, numeric = gallery.columns("transport.public_parking")
    assert found[0].kind == "point" and "capacity" in numeric
    for example in gallery.EXAMPLES:
        page = gallery.example(example.label)
        assert page.features > 0, example.label
        offline(page)


@pytest.mark.browser
def test_leaflet_pages_run_their_scripts(data_dir):
    from tests.browser import browser, watched_page

    symbols = sd.maps.symbols("transport.public_parking", "capacity", unit="면")
    trend = sd.maps.animate("population.gu_resident_total", "year", "population")
    pair = sd.maps.compare_columns("misc.gu_cctv_2016", "installed_2014", "installed_2016")
    with browser() as chromium:
        watched = watched_page(chromium.new_context())
        page = watched.page
        for name, drawn in (("symbols", symbols), ("trend", trend), ("pair", pair)):
            page.set_content(drawn.html)
            page.wait_for_function("!!document.body.dataset.drawnMs", timeout=60_000)
            if name == "symbols":  # one circle per placed car park, and the credit
                circles = page.evaluate(
                    "() => { const spec = document.getElementById('sd-leaflet-symbols');"
                    " let n = 0; window[JSON.parse(spec.textContent).map].eachLayer("
                    "(l) => { if (l instanceof L.CircleMarker) n++; }); return n; }"
                )
                assert circles == symbols.features, circles
                assert "출처:" in page.inner_text(".leaflet-control-attribution")
            if name == "trend":  # the player steps through the years
                assert page.inner_text("#sd-step-label") == "2010"
                page.fill("#sd-step", "3")
                page.dispatch_event("#sd-step", "input")
                assert page.evaluate("document.body.dataset.step") == "3"
                assert page.inner_text("#sd-step-label") == "2013"
        assert watched.errors == [] and watched.outside() == []


def test_gallery_views_describe_and_offer_the_map(data_dir):
    frame, found, _ = gallery.columns("safety.ansimi_cctv")
    assert views.place_options(found)[0] == ("좌표: lon, lat", 0)
    assert (
        views.dataset_summary(frame)
        == f"<small>{len(frame):,}행 · 열 {len(frame.columns)}개</small>"
    )
    page = gallery.example(gallery.EXAMPLES[0].label)
    assert views.map_report(page).endswith("<small>· 그리기: Leaflet</small>")
    link = views.html_download(page)
    found = re.search(
        r'download="map.html" href="data:text/html;charset=utf-8;base64,([^"]+)"', link
    )
    assert base64.b64decode(found.group(1)).decode("utf-8") == page.html
    assert ">HTML로 내려받기</a>" in link


def test_gallery_dashboard_on_a_kernel(data_dir, tmp_path):
    with executed("gis_gallery.ipynb", tmp_path, data_dir) as dashboard:
        first = dashboard.value("current['page'].title")
        assert "도서관" in first
        dashboard.run("datasets.value = 'safety.ansimi_cctv'")
        assert dashboard.value("places.options[0][0]") == "좌표: lon, lat"
        dashboard.run("values.value = 'cameras'; charts.value = 'density'; draw()")
        assert dashboard.value("current['page'].renderer") == "webgl"
        assert dashboard.value("status.value") == ""
        dashboard.run("charts.value = 'choropleth'; levels.value = '행정동'; draw()")
        assert "행정동별" in dashboard.value("current['page'].title")
        dashboard.run("png_link()")  # headless Chromium draws the PNG download
        assert "PNG로 내려받기" in dashboard.value("downloads.value")
        dashboard.run("datasets.value = 'misc.gu_cctv_2016'; charts.value = 'clusters'; draw()")
        assert "좌표" in dashboard.value("status.value")  # a Korean message, not a crash


def test_legend_ranges_read_right_with_negative_values_and_phrase_units():
    from seoul_data.maps.classes import classify

    legend = classify(np.array([-2.77, -2.5, -2.17, -1.0, 0.5, 3.0]), k=2).legend_html("%")
    assert "-2.77 ~ " in legend and "--" not in legend
    phrase = classify(np.array([120.0, 140.0, 163.0]), k=1).legend_html("유소년 인구 100명당 명")
    assert "120 ~ 163(유소년 인구 100명당 명)" in phrase


def test_gallery_value_menu_starts_on_a_measure_for_areas_and_counts_things(data_dir):
    _, areas, measures = gallery.columns("misc.gu_cctv_2016")
    assert areas[0].kind == "gu" and measures
    # a row per gu: counting rows would draw every gu the same '1'
    assert gallery.default_value(areas[0], measures) == measures[0]
    options = gallery.value_options("misc.gu_cctv_2016", measures)
    assert options[0] == (gallery.COUNT, gallery.COUNT)
    assert any(label != name and f"({name})" in label for label, name in options[1:])
    _, points, numbers = gallery.columns("facilities.public_libraries")
    assert points[0].kind == "point"
    assert gallery.default_value(points[0], numbers) == gallery.COUNT  # libraries counted
