"""The 데이터 검색 dashboard over real bundled data: its replies and their HTML
(seoul_data.search.views) called directly, and the notebook executed on a real kernel
(nbclient), driven through the functions and widgets its page uses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from seoul_data.search import views
from tests.conftest import bundled_data
from tests.dashboard_kernel import REPO, WIDGET_VIEW, Dashboard, executed

CATALOG_CSV = REPO / "data" / "catalog" / "datagokr_catalog_20220630_seoul_orgs.csv"
# the real xlsx has no default style; openpyxl says so each time it is read
pytestmark = pytest.mark.filterwarnings("ignore:Workbook contains no default style:UserWarning")


class SearchDashboard(Dashboard):
    def send(self, message: str) -> dict:
        turn = self.run(f"import json; print(json.dumps(send({message!r}), ensure_ascii=False))")
        assert turn is not None, f"no reply to {message!r}: {self.history()}"
        return turn

    def history(self) -> str:
        return self.value("history_text()")

    def chips(self) -> str:
        return self.value("chips.value")


class Conversation:
    """The views as the page uses them, without the widgets: the exchanges so far as HTML."""

    def __init__(self) -> None:
        self.chat = views.Chat()
        self.shown = [views.welcome()]
        self.chips = views.render_chips({}, {})

    def send(self, message: str) -> dict:
        turn = self.chat.reply(message)
        self.shown.append(views.render_turn(turn))
        self.chips = views.render_chips(turn["filters"], turn["context"])
        return turn

    def history(self) -> str:
        return "\n".join(self.shown)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    """The population datasets (answers), a table and a map layer (previews), and the
    Seoul list of data.go.kr (search)."""
    from seoul_data.catalog import Catalog
    from seoul_data.catalog.datagokr import import_datagokr
    from seoul_data.sources import sources

    wanted = {s.dataset.id for s in sources() if s.dataset.id.startswith("population.")}
    wanted |= {"transport.bike_sharing_demand_uci", "boundaries.gu_juso2015"}
    with bundled_data(tmp_path_factory.mktemp("data_search"), wanted) as directory:
        import_datagokr(Catalog(directory), CATALOG_CSV)
        yield directory


@pytest.fixture
def chat(data_dir) -> Conversation:
    return Conversation()


@pytest.fixture(scope="module")
def dashboard(data_dir, tmp_path_factory) -> SearchDashboard:
    tmp = tmp_path_factory.mktemp("data_search_page")
    with executed("data_search.ipynb", tmp, data_dir, SearchDashboard) as page:
        yield page


@pytest.fixture
def fresh(dashboard) -> Dashboard:
    dashboard.run("reset()")
    return dashboard


def test_the_page_shows_only_the_ui(dashboard):
    outputs = dashboard.page_outputs()
    assert [o.output_type for o in outputs] == ["display_data"], outputs
    assert WIDGET_VIEW in outputs[0]["data"]
    title = dashboard.notebook.cells[0]
    assert title.cell_type == "markdown" and "데이터 검색" in title.source
    # the first message says how many datasets of each field open now, and how many are
    # described only
    from seoul_data.load import open_catalog

    counts = open_catalog().field_counts()
    first = dashboard.history()
    opened = sum(c["open"] for c in counts.values())
    assert f"지금 바로 열 수 있는 자료 {opened:,}개" in first and opened > 10
    assert f"인구/가구 {counts['인구/가구']['open']:,}" in first and "환경 0" in first
    assert f"목록 정보만 있는 자료 {sum(c['listed'] for c in counts.values()):,}개" in first


def test_a_search_shows_hits_with_source_preview_and_code(chat):
    turn = chat.send("따릉이 대여소 자료 있어?")
    assert turn["answer"] is None
    assert len(turn["hits"]) >= 3
    ids = [hit["id"] for hit in turn["hits"]]
    assert "transport.bike_sharing_demand_uci" in ids
    shown = chat.history()
    for hit in turn["hits"]:
        assert hit["id"] in shown and hit["publisher"]
    assert "따릉이 대여소 자료 있어?" in shown and "답할 수 없습니다" not in shown
    assert "노트북에서 열기" in shown
    assert "sd.load(&quot;transport.bike_sharing_demand_uci&quot;)" in shown
    assert "sd.describe(&quot;datagokr." in shown  # catalogue-only entries
    assert "<table>" in shown and "미리보기 (처음 5행)" in shown
    bike = next(hit for hit in turn["hits"] if hit["id"] == "transport.bike_sharing_demand_uci")
    assert len(bike["preview"]["rows"]) == 5
    assert "주제" in chat.chips and "따릉이" in chat.chips


def test_a_follow_up_refines_and_the_chips_show_it(chat):
    chat.send("따릉이 대여소")
    turn = chat.send("그중 강남구만")
    assert turn["filters"]["gu"] == ["강남구"]
    assert turn["context"]["gu"] == ["강남구"]
    assert "이전 질문에 이어서" in chat.history()
    chips = chat.chips
    assert "자치구" in chips and "강남구" in chips
    links = chat.send("다운로드 링크")
    assert all(hit["why"][0].startswith("다운로드: ") for hit in links["hits"])


def test_a_narrowing_follow_up_previews_only_the_rows_it_kept(chat):
    chat.send("자치구별 주민등록인구")
    turn = chat.send("그중 강남구만")
    (total,) = [hit for hit in turn["hits"] if hit["id"] == "population.gu_resident_total"]
    assert total["where"] == [["area", "in", ["강남구"]]]
    area = [name for name, _ in total["preview"]["columns"]].index("area")
    rows = total["preview"]["rows"]
    assert len(rows) == 5 and {row[area] for row in rows} == {"강남구"}
    shown = chat.history()
    assert "미리보기 (좁힌 행 중 처음 5행)" in shown and "좁힘: 강남구(area 열)" in shown
    assert "where=[[&quot;area&quot;, &quot;in&quot;, [&quot;강남구&quot;]]]" in shown
    # the catalogue-only tables are named with the reason, not shown again
    assert all(hit["loadable"] for hit in turn["hits"])
    assert "플랫폼에 파일이 없는 목록 정보라 강남구만 골라 볼 수 없습니다" in shown
    missing = chat.send("그중 2030년만")
    assert missing["hits"] == []
    assert "자료에 2030년 행이 없습니다 (자료 기간: 2010–2021년)" in chat.history()


def test_a_catalogue_only_hit_says_who_holds_it_and_offers_a_request(chat):
    turn = chat.send("용산구 공중화장실 위치")
    catalogue = [hit for hit in turn["hits"] if not hit["loadable"]]
    assert catalogue
    shown = chat.history()
    assert "<a " not in shown  # no link into the internet portal to click
    for hit in catalogue:
        assert (
            f'class="sd-request" data-sd-request="{hit["id"]}" '
            'data-sd-query="용산구 공중화장실 위치">이 자료 요청하기</button>'
        ) in shown
    assert "보유 기관: <b>서울특별시 용산구</b>" in shown
    assert "목록 출처: 공공데이터포털 (data.go.kr) 목록 3077897" in shown
    assert "이 망에서는 열리지 않습니다" in shown
    # a follow-up's request carries the whole request it followed
    follow_up = chat.send("그중 2020년만")
    assert follow_up["query"] == "용산구 공중화장실 위치 / 그중 2020년만"


def test_a_value_question_is_answered_with_its_source(chat):
    turn = chat.send("2019년 송파구 인구는 몇 명이야?")
    assert turn["answer"]["value"] == 675961
    shown = chat.history()
    assert "675,961명" in shown
    assert "출처 데이터: population.gu_resident_total" in shown
    assert "sd.load(&quot;population.gu_resident_total&quot;)" in shown
    # the series behind the value, drawn as a chart from its first to its last year
    series = turn["answer"]["series"]
    assert len(series) > 5 and '<div class="sd-chart"><svg' in shown
    assert f">{series[0]['period']}</text>" in shown and f">{series[-1]['period']}</text>" in shown
    missing = chat.send("2030년 강남구 인구는?")
    assert missing["answer"]["value"] is None
    assert "답할 수 없습니다" in chat.history()


@pytest.mark.parametrize(
    ("message", "value"),
    [
        ("2019년 송파구 인구는 몇 명이야?", True),
        ("강남구 재정자립도는 얼마야", True),
        ("2030년 강남구 인구는?", True),
        ("따릉이 대여소 자료 있어?", False),
        ("따릉이 대여소", False),
        ("그중 강남구만", False),
    ],
)
def test_only_value_questions_get_a_direct_answer(message, value):
    assert views.asks_value(message) is value


def test_a_map_layer_previews_by_shape_type(data_dir):
    table = views.preview("boundaries.gu_juso2015", 3)
    assert table["columns"][1] == ("SIG_KOR_NM", "자치구")
    assert table["columns"][-1] == ("geometry", "경계")
    assert len(table["rows"]) == 3 and table["error"] == ""
    assert all(row[-1] in ("Polygon", "MultiPolygon") for row in table["rows"])
    assert table["thumbnail"].startswith("<svg") and table["thumbnail"].count("<path") == 25


def test_the_page_sends_requests_as_its_viewer(dashboard):
    # the button's click goes from the page to the REST API with the page's own login;
    # the kernel, shared by whoever views the page, sends nothing and names nobody
    script = dashboard.value("request_buttons._esm")
    assert dashboard.value("request_buttons.api_path") == "seoul-data/api/requests"
    assert '"X-XSRFToken": xsrfToken()' in script and 'credentials: "same-origin"' in script
    assert "id: button.dataset.sdRequest" in script and "user" not in script.lower()
    assert "http" not in script.replace("HTTP ${", "")  # nothing from outside


def test_the_widgets_send_and_reset(fresh):
    fresh.run("text.value = '어린이집'")  # what the browser syncs on Enter
    assert "어린이집" in fresh.history()
    assert fresh.run(
        "import json; print(json.dumps(text.value == '' and not send_button.disabled))"
    )
    fresh.run("send_button.click()")  # an empty box sends nothing
    assert fresh.history().count('class="sd-me"') == 1
    fresh.run("reset_button.click()")
    assert fresh.run("import json; print(json.dumps(chat.context()))") == {}
    assert 'class="sd-me"' not in fresh.history()
    assert "이해한 조건이 여기에 표시됩니다" in fresh.chips()


def test_nothing_on_the_page_comes_from_outside(fresh):
    fresh.send("따릉이 대여소")
    fresh.send("2019년 송파구 인구는 몇 명이야?")
    page = fresh.history() + fresh.run(
        "import json; print(json.dumps(header.value, ensure_ascii=False))"
    )
    assert "<script" not in page and "<link" not in page and "<img" not in page
    assert not re.search(r"(src|@import|url)\s*[=(]\s*[\"']?(https?:)?//", page)
    # links to data.go.kr pages and the SVG namespace (a name, never fetched) only
    outside = re.compile(r"https?://(?!www\.data\.go\.kr/|www\.w3\.org/2000/svg\")")
    assert not outside.search(page.replace("&quot;", '"'))


def test_a_preview_without_a_map_prints_no_none():
    table = {"columns": [("a", "가")], "rows": [["1"]], "thumbnail": None, "error": ""}
    shown = views.render_preview(table)
    assert "None" not in shown and "<td>1</td>" in shown and "sd-thumb" not in shown
