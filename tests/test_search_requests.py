"""Requests for catalogue-only datasets (자료 요청) through the dashboards service, behind a
real hub and proxy: the request is recorded for the hub user who made it (a name in the
body is ignored), needs the page's XSRF token with the login cookie, and only
administrators list the demand. Then the 데이터 검색 page itself, in headless Chromium: the
"이 자료 요청하기" button records the viewer's request.

The service runs on the development host network (``network="host"``), as a process of this
checkout: the isolated platform runs it from the single-user image, which has this code only
once the image is rebuilt.
"""

from __future__ import annotations

import sqlite3

import pytest
import requests

from seoul_data.catalog import Catalog
from seoul_data.catalog.datagokr import import_datagokr
from seoul_data.search.data_requests import FILE_NAME
from seoul_data.sources import BUNDLED_DATA, ingest_bundled
from tests.conftest import started_hub
from tests.running_hub import RunningHub

API = "services/dashboards/seoul-data/api/requests"
DAYCARE = "datagokr.15088924"  # 서울특별시_어린이집 정보
TOILETS = "datagokr.3077897"  # 서울특별시 용산구_공중화장실위치현황
TOTAL = "population.gu_resident_total"
pytestmark = pytest.mark.filterwarnings("ignore:Workbook contains no default style:UserWarning")


@pytest.fixture(scope="module")
def hub(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("search_requests")
    data = tmp / "data"
    ingest_bundled(data, only={TOTAL})
    import_datagokr(
        Catalog(data), BUNDLED_DATA / "catalog/datagokr_catalog_20220630_seoul_orgs.csv"
    )
    users = {"carol": "staff", "alice": "analyst", "boss": "admin"}
    with started_hub(request, tmp, users, data_dir=data, network="host") as hub:
        yield hub


@pytest.fixture(scope="module")
def viewers(hub) -> dict[str, requests.Session]:
    """carol (staff), alice (analyst), boss (admin), logged in to the service (OAuth)."""
    return hub.dashboard_viewers("carol", "alice", "boss")


def xsrf(session: requests.Session) -> str:
    """The XSRF token the service set beside its login cookie (as a page's script reads it)."""
    return next(c.value for c in session.cookies if c.name == "_xsrf" and "dashboards" in c.path)


def ask_for(hub: RunningHub, session: requests.Session, body, *, token: bool = True):
    headers = {"X-XSRFToken": xsrf(session)} if token else {}
    return session.post(f"{hub.url}/{API}", json=body, headers=headers, timeout=60)


def stored(hub: RunningHub) -> list[tuple[str, str, str]]:
    """(user, dataset, query) of every request in the service's store."""
    path = hub.settings.state_dir / "dashboards" / FILE_NAME
    if not path.exists():
        return []
    with sqlite3.connect(path) as db:
        return db.execute("SELECT user, dataset, query FROM data_requests ORDER BY user").fetchall()


def test_a_request_is_recorded_for_the_hub_user_whatever_the_body_says(hub, viewers):
    carol = viewers["carol"]
    body = {"id": DAYCARE, "query": "강남구 어린이집 현황", "user": "boss", "name": "boss"}
    reply = ask_for(hub, carol, body)
    assert reply.status_code == 200, reply.text
    answer = reply.json()
    assert answer["new"] is True and answer["holder"] == "서울특별시"
    assert "요청을 기록했습니다" in answer["message"]
    assert stored(hub) == [("carol", DAYCARE, "강남구 어린이집 현황")]
    again = ask_for(hub, carol, {"id": DAYCARE, "query": "다른 말로 다시"})
    assert again.status_code == 200 and again.json()["new"] is False
    assert "이미 요청하신 자료입니다" in again.json()["message"]
    assert stored(hub) == [("carol", DAYCARE, "강남구 어린이집 현황")]  # counted once
    path = hub.settings.state_dir / "dashboards" / FILE_NAME
    assert path.stat().st_mode & 0o077 == 0  # the service's own


def test_a_request_without_the_pages_xsrf_token_is_not_taken(hub, viewers):
    # another site's form posting with the viewer's cookie: no XSRF token, no user
    refused = ask_for(hub, viewers["alice"], {"id": TOILETS}, token=False)
    assert refused.status_code == 403, refused.text
    assert ("alice", TOILETS, "") not in stored(hub)
    anonymous = requests.post(f"{hub.url}/{API}", json={"id": TOILETS}, timeout=60)
    assert anonymous.status_code in (302, 403), anonymous.status_code
    assert not [r for r in stored(hub) if r[1] == TOILETS]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"id": "datagokr.0"}, "목록에 없는 자료 ID입니다"),
        ({"id": TOTAL}, "이미 플랫폼에 있는 자료"),
        ({}, "요청할 자료의 ID가 없습니다"),
        ({"id": DAYCARE, "query": "가" * 501}, "검색어가 너무 깁니다"),
        (["datagokr.15088924"], "JSON 객체"),
    ],
    ids=["unknown-id", "loadable", "no-id", "long-query", "not-an-object"],
)
def test_bad_requests_get_a_korean_reason_and_record_nothing(hub, viewers, body, says):
    before = stored(hub)
    reply = ask_for(hub, viewers["alice"], body)
    assert reply.status_code == 400, reply.text
    assert says in reply.json()["message"]
    assert stored(hub) == before


def test_only_administrators_list_the_demand(hub, viewers):
    # carol's request (as in the first test: asking again counts once) and alice's two
    assert ask_for(hub, viewers["carol"], {"id": DAYCARE, "query": "강남구 어린이집 현황"}).ok
    assert ask_for(hub, viewers["alice"], {"id": DAYCARE, "query": "어린이집"}).status_code == 200
    assert ask_for(hub, viewers["alice"], {"id": TOILETS, "query": "용산구 화장실"}).ok
    for name in ("carol", "alice"):
        refused = viewers[name].get(f"{hub.url}/{API}", timeout=60)
        assert refused.status_code == 403, f"{name}: {refused.text}"
        assert refused.json()["message"] == "자료 요청 목록은 관리자만 볼 수 있습니다."
        assert "carol" not in refused.text and DAYCARE not in refused.text
    listed = viewers["boss"].get(f"{hub.url}/{API}", timeout=60)
    assert listed.status_code == 200, listed.text
    demand = listed.json()["requests"]
    assert [d["dataset"] for d in demand[:2]] == [DAYCARE, TOILETS]  # most requested first
    assert demand[0]["requests"] == 2 and demand[0]["users"] == ["alice", "carol"]
    assert demand[0]["holder"] == "서울특별시" and demand[1]["holder"] == "서울특별시 용산구"
    assert set(demand[0]["queries"]) == {"강남구 어린이집 현황", "어린이집"}
    # and on the quota admin page, with who asked and what they were looking for
    hub.wait_for_service("quota")
    page = viewers["boss"].get(f"{hub.url}/services/quota/", timeout=60)
    assert page.status_code == 200, page.text[:300]
    table = page.text.split('id="demand"')[1].split("</table>")[0]
    assert table.index(DAYCARE) < table.index(TOILETS)
    assert "2명: alice, carol" in table and "서울특별시 용산구" in table


@pytest.mark.browser
def test_the_request_button_on_the_page_records_the_viewer(hub):
    from tests.browser import browser, log_in, watched_page

    page_path = "services/dashboards/voila/render/data_search.ipynb"
    with browser() as chromium:
        context = chromium.new_context(viewport={"width": 1280, "height": 1400})
        watched = watched_page(context)
        page = watched.page
        log_in(page, hub.url, "boss", hub.passwords["boss"])
        hub.wait_for_service("dashboards")
        assert page.goto(f"{hub.url}/{page_path}", timeout=180_000).status == 200
        try:
            page.wait_for_selector("input", timeout=120_000)
        except Exception:  # what the page showed instead, and what went wrong in it
            raise AssertionError((page.inner_text("body")[:2000], watched.errors)) from None
        page.fill("input", "용산구 공중화장실 위치")
        page.keyboard.press("Enter")
        button = page.locator(f"button.sd-request[data-sd-request='{TOILETS}']").first
        button.wait_for(timeout=120_000)
        assert page.locator(".sd-catalogue a").count() == 0  # no dead link to click
        button.click()
        status = button.locator("xpath=following-sibling::span")
        page.wait_for_function(
            "e => e.textContent.includes('요청을 기록했습니다')", arg=status.element_handle()
        )
        assert button.is_disabled() and button.inner_text() == "요청함"
        context.close()
    assert ("boss", TOILETS, "용산구 공중화장실 위치") in stored(hub)
    assert watched.outside() == [] and watched.errors == []
