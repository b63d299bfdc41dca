"""Every dashboard through the hub's dashboards service, in headless Chromium on a separated
network, as a logged-in staff member: every request stays on 127.0.0.1, no JavaScript error,
the 3D map and the 2D map are drawn, Korean text is set in a Korean font, the widgets work.
Screenshots go to var/screenshots/."""

from __future__ import annotations

from pathlib import Path

import pytest

from seoul_data.catalog import Catalog
from seoul_data.catalog.datagokr import import_datagokr
from seoul_data.sources import BUNDLED_DATA, ingest_bundled, sources
from tests.browser import browser, drawn, frames_asked, has_font, log_in, pixels, watched_page
from tests.conftest import small_living_store, started_hub

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:Workbook contains no default style:UserWarning"),
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"
SERVICE = "services/dashboards/voila/render"


@pytest.fixture(scope="module")
def hub(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    data = tmp / "data"
    wanted = {
        s.dataset.id for s in sources() if s.dataset.id.startswith(("population.", "living."))
    }
    maps = {"facilities.public_libraries", "safety.ansimi_cctv", "facilities.public_toilets"}
    ingest_bundled(data, only=wanted | maps | {"transport.bicycle_facilities"})
    small_living_store(data)
    catalog = BUNDLED_DATA / "catalog/datagokr_catalog_20220630_seoul_orgs.csv"
    import_datagokr(Catalog(data), catalog)
    with started_hub(request, tmp, {"carol": "staff"}, data_dir=data, dashboards_pool=1) as hub:
        yield hub


@pytest.fixture(scope="module")
def chromium():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with browser() as chromium:
        yield chromium


def open_dashboard(hub, chromium, notebook: str):
    context = chromium.new_context(viewport={"width": 1280, "height": 1400})
    watched = watched_page(context)
    log_in(watched.page, hub.url, "carol", hub.passwords["carol"])
    hub.wait_for_service("dashboards")
    response = watched.page.goto(f"{hub.url}/{SERVICE}/{notebook}", timeout=180_000)
    assert response.status == 200, response.status
    return context, watched


def test_population_hall_in_the_browser(hub, chromium):
    context, watched = open_dashboard(hub, chromium, "population_hall.ipynb")
    page = watched.page
    page.wait_for_selector("[data-drawn] canvas", state="attached", timeout=120_000)
    canvas = page.locator("[data-drawn] canvas").first
    canvas.scroll_into_view_if_needed()
    first = pixels(canvas)
    assert drawn(first), "the 3D map canvas is blank"
    frames_asked(page, 2500)  # the map is still: its loop sleeps (static/deck-idle.js)
    assert frames_asked(page, 1000) <= 2
    assert "서울 인구관" in page.inner_text("body") and "세대 수" in page.inner_text("body")
    assert has_font(page, "NanumGothic")
    page.screenshot(path=str(SCREENSHOTS / "population_hall.png"), full_page=True)

    # another hall: the cards and the extruded values change
    page.click("button:has-text('인구변화')")
    page.wait_for_selector("text=노령화지수", timeout=60_000)
    page.wait_for_timeout(1500)  # the extrusion transition
    assert (pixels(canvas) != first).any(axis=-1).mean() > 0.01

    # the 2D map: Leaflet draws the 25 gu inside its own frame
    page.click("li:has-text('2D 지도'), .lm-TabBar-tab:has-text('2D 지도')")
    frame = page.frame_locator("iframe[title='지도']")
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=60_000)
    assert frame.locator("path.leaflet-interactive").count() == 25
    page.screenshot(path=str(SCREENSHOTS / "population_hall_2d.png"), full_page=True)
    context.close()
    assert watched.outside() == []
    assert watched.errors == []


def test_data_search_in_the_browser(hub, chromium):
    context, watched = open_dashboard(hub, chromium, "data_search.ipynb")
    page = watched.page
    page.wait_for_selector("input", timeout=120_000)
    assert "데이터 검색" in page.inner_text("body")
    page.fill("input", "따릉이 대여소 위치")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=건을 찾았습니다", timeout=60_000)
    assert "자전거" in page.inner_text("body")
    # a follow-up: the newest exchange shows next to the input, not below the fold, and no
    # wide preview pushes the conversation off the page
    page.fill("input", "그중 강남구만")
    page.keyboard.press("Enter")
    newest = page.locator(".sd-me", has_text="그중 강남구만")
    newest.wait_for(timeout=60_000)
    page.wait_for_timeout(500)
    in_view = """e => { const r = e.getBoundingClientRect();
        return r.top >= 0 && r.bottom <= innerHeight && r.right <= innerWidth; }"""
    assert newest.evaluate(in_view) and page.locator("input").evaluate(in_view)
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert "None" not in page.inner_text(".sd-history")
    assert has_font(page, "NanumGothic")
    page.screenshot(path=str(SCREENSHOTS / "data_search.png"), full_page=True)
    context.close()
    assert watched.outside() == []
    assert watched.errors == []


def test_living_population_in_the_browser(hub, chromium):
    context, watched = open_dashboard(hub, chromium, "living_population.ipynb")
    page = watched.page
    page.wait_for_selector("[data-drawn] canvas", state="attached", timeout=120_000)
    canvas = page.locator("[data-drawn] canvas").first
    canvas.scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    first = pixels(canvas)
    assert drawn(first), "the dong map is blank"
    body = page.inner_text("body")
    assert "생활인구 분석" in body and "합성 자료" in body and "가장 붐비는 시간" in body
    # another gu: the summary follows
    page.select_option("select >> nth=0", "종로구")
    page.wait_for_selector("text=종로구 ·", timeout=60_000)
    page.screenshot(path=str(SCREENSHOTS / "living_population.png"), full_page=True)
    context.close()
    assert watched.outside() == []
    assert watched.errors == []


def test_gis_chart_png_in_the_browser(hub, chromium):
    """The "PNG 만들기" button in the service: its container's Chromium draws the map; the link
    (or what went wrong) shows beside the button, not above a map taller than a screen."""
    context, watched = open_dashboard(hub, chromium, "gis_gallery.ipynb")
    page = watched.page
    page.wait_for_selector("iframe", timeout=120_000)  # the example map
    page.click("button:has-text('PNG 만들기')")
    link = page.locator("a[download='map.png']")
    link.wait_for(timeout=120_000)
    assert link.get_attribute("href").startswith("data:image/png;base64,")
    context.close()
    assert watched.outside() == []
    assert watched.errors == []


def map_frame(page, renderer: str):
    """The map page inside the gallery (an iframe) once it says it has drawn."""
    from playwright.sync_api import Error as PlaywrightError

    for _ in range(600):
        for frame in page.frames:
            if frame.url != "about:srcdoc" or frame.is_detached():
                continue
            try:
                if frame.evaluate(
                    f"document.body && document.body.dataset.renderer === '{renderer}' "
                    "&& !!document.body.dataset.drawnMs"
                ):
                    return frame
            except PlaywrightError:  # the previous map, replaced while we asked
                continue
        page.wait_for_timeout(100)
    raise AssertionError(f"no drawn {renderer} map")


def test_gis_gallery_in_the_browser(hub, chromium):
    context, watched = open_dashboard(hub, chromium, "gis_gallery.ipynb")
    page = watched.page
    page.wait_for_selector("iframe[title*='도서관']", timeout=120_000)
    leaflet = map_frame(page, "leaflet")
    assert (
        leaflet.locator("path.leaflet-interactive").count() >= 425
        or leaflet.locator("canvas").count()
    )
    assert "행정동별 개수" in leaflet.inner_text("body") and "202행" in page.inner_text("body")
    page.screenshot(path=str(SCREENSHOTS / "gis_gallery_leaflet.png"), full_page=True)
    # the 83,000 CCTV cameras as a density map: drawn by WebGL
    page.select_option("select >> nth=0", label="안심이 CCTV 8만 대 밀도")
    page.click("text=예시 열기")
    webgl = map_frame(page, "webgl")
    canvas = page.locator("iframe[title*='CCTV']").first
    canvas.scroll_into_view_if_needed()
    assert drawn(pixels(canvas)), "the WebGL density map is blank"
    assert webgl.locator("canvas").count() >= 1
    page.screenshot(path=str(SCREENSHOTS / "gis_gallery_webgl.png"), full_page=True)
    context.close()
    assert watched.outside() == []
    assert watched.errors == []


def test_ai_analysis_in_the_browser(hub, chromium):
    context, watched = open_dashboard(hub, chromium, "ai_analysis.ipynb")
    page = watched.page
    page.wait_for_selector("text=학습 시작", timeout=120_000)
    assert "AI 분석" in page.inner_text("body")
    page.click("text=학습 시작")
    page.wait_for_selector("text=기준보다", timeout=120_000)  # scores beside the baseline
    page.wait_for_selector("img", timeout=60_000)
    assert drawn(pixels(page.locator("img").first)), "the result chart is blank"
    assert has_font(page, "NanumGothic")
    page.screenshot(path=str(SCREENSHOTS / "ai_analysis.png"), full_page=True)
    context.close()
    assert watched.outside() == []
    assert watched.errors == []
