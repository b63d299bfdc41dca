"""The dashboards service behind a real hub and proxy: who gets in, preheated pages with no
source, the cap on live kernels, and kernels that take no code from the browser."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import websocket

from hub.dashboards.capacity import Admission, wait_text
from hub.dashboards.listing import dashboards
from tests.conftest import started_hub
from tests.running_hub import RunningHub

MAX_KERNELS = 3
#: Seconds a served page has to connect here (120 by default).
CONNECT_WITHIN = 40.0
HALL = "services/dashboards/voila/render/population_hall.ipynb"
pytestmark = pytest.mark.filterwarnings("ignore:Workbook contains no default style:UserWarning")


@pytest.fixture(scope="module")
def hub(request, tmp_path_factory):
    from seoul_data.sources import ingest_bundled, sources

    tmp = tmp_path_factory.mktemp("dashboards")
    data = tmp / "data"
    ingest_bundled(
        data, only={s.dataset.id for s in sources() if s.dataset.id.startswith("population.")}
    )
    users = {"carol": "staff", "dave": "staff", "boss": "admin", "alice": "analyst"}
    with started_hub(
        request,
        tmp,
        users,
        data_dir=data,
        dashboards_pool=1,
        dashboards_max_kernels=MAX_KERNELS,
        dashboards_connect_within=CONNECT_WITHIN,
    ) as hub:
        yield hub


def open_page(
    hub: RunningHub, session: requests.Session, path: str = HALL, timeout: float = 120
) -> requests.Response:
    """GET a dashboard page once the service is routed."""
    hub.wait_for_service("dashboards", timeout)
    return session.get(f"{hub.url}/{path}", timeout=120)


def kernel_of(page: requests.Response) -> str:
    return re.search(r'kernelId": "([0-9a-f-]{36})"', page.text).group(1)


def test_staff_get_listed_dashboards_rendered_without_source(hub):
    carol = hub.login("carol")
    home = carol.get(f"{hub.url}/hub/home").text
    for dashboard in dashboards():
        assert dashboard.title in home and dashboard.path in home
    page = open_page(hub, carol)
    assert page.status_code == 200, page.text[:500]
    assert page.url.endswith(HALL)
    assert "import seoul_data" not in page.text and "def show_year" not in page.text
    assert kernel_of(page)


def test_the_data_search_api_is_served_to_staff(hub):
    carol = hub.login("carol")
    open_page(hub, carol, "services/dashboards/")  # the OAuth round trip sets the cookie
    found = carol.get(
        f"{hub.url}/services/dashboards/seoul-data/api/search",
        params={"q": "자치구별 인구", "k": 3},
    )
    assert found.status_code == 200, found.text[:300]
    reply = found.json()
    assert reply["hits"] and all(h["id"].startswith("population.") for h in reply["hits"])
    bad = carol.get(f"{hub.url}/services/dashboards/seoul-data/api/preview", params={"id": "x"})
    assert bad.status_code == 400 and "목록에 없는" in bad.json()["message"]
    anonymous = requests.get(
        f"{hub.url}/services/dashboards/seoul-data/api/search?q=a", allow_redirects=False
    )
    assert anonymous.status_code == 403


def test_a_visitor_is_sent_to_log_in(hub):
    page = open_page(hub, requests.Session())
    assert page.status_code == 200 and "/hub/login" in page.url


def test_users_outside_the_staff_groups_are_refused(hub):
    boss = hub.login("boss")
    token = hub.token(boss, "boss")
    assert hub.api(token, "POST", "/users/eve").status_code == 201
    assert hub.api(token, "POST", "/groups/partner").status_code == 201
    hub.api(token, "POST", "/groups/partner/users", json={"users": ["eve"]}).raise_for_status()
    eve = hub.api(token, "POST", "/users/eve/tokens", json={"expires_in": 600}).json()["token"]
    refused = requests.get(f"{hub.url}/{HALL}", headers={"Authorization": f"token {eve}"})
    assert refused.status_code == 403
    allowed = requests.get(f"{hub.url}/{HALL}", headers={"Authorization": f"token {token}"})
    assert allowed.status_code == 200


def test_over_the_kernel_cap_a_busy_page_and_after_it_room_again(hub):
    carol = hub.login("carol")
    kernels, busy = [], None
    for _ in range(MAX_KERNELS + 1):
        page = open_page(hub, carol)
        if page.status_code == 503:
            busy = page
            break
        assert page.status_code == 200
        kernels.append(kernel_of(page))
    assert busy is not None, f"no busy page after {len(kernels)} pages"
    assert "이용자가 많습니다" in busy.text and f"({MAX_KERNELS}개)" in busy.text
    # the wait is estimated (no viewer has left yet: two minutes less how long the first
    # has stayed), said in Korean, and the page retries by itself after it
    wait = int(busy.headers["Retry-After"])
    assert 15 <= wait <= 120 and wait_text(wait) in busy.text
    assert f'http-equiv="refresh" content="{wait}"' in busy.text
    # a viewer leaving (the page's unload beacon) frees a kernel for the next one
    close(hub, carol, kernels.pop())
    again = open_page(hub, carol)
    assert again.status_code == 200
    for kernel in [*kernels, kernel_of(again)]:
        close(hub, carol, kernel)


def test_viewers_arriving_together_never_overshoot_the_cap(hub):
    """Eight pages asked at once: each gets the dashboard or the busy page, and no more
    kernels serve viewers than the cap (a kernel killed for memory would be the price)."""
    carol = hub.login("carol")
    close(hub, carol, kernel_of(open_page(hub, carol)))  # signed in to the service first
    with ThreadPoolExecutor(8) as pool:
        pages = list(pool.map(lambda _: open_page(hub, carol), range(8)))
    assert {page.status_code for page in pages} <= {200, 503}
    served = [kernel_of(page) for page in pages if page.status_code == 200]
    assert 1 <= len(served) <= MAX_KERNELS
    assert any(page.status_code == 503 for page in pages)
    for kernel in served:
        close(hub, carol, kernel)


def test_admission_queues_for_cores_and_refuses_past_memory():
    async def scenario() -> None:
        admission = Admission(max_kernels=4, max_rendering=2)
        assert await admission.enter(0) and await admission.enter(0)
        # both cores rendering: the next page waits its turn instead of the busy page
        third = asyncio.ensure_future(admission.enter(0))
        await asyncio.sleep(0.01)
        assert not third.done() and admission.waiting == 1
        # 1 in use + 2 rendering + 1 waiting = the memory cap: the busy page at once
        assert not await admission.enter(1)
        admission.leave()  # a page rendered: its slot goes to the waiting one
        assert await third and admission.rendering == 2 and admission.waiting == 0
        # a page that waits past the limit gets the busy page; the slots are unchanged
        assert not await admission.enter(0, wait_limit=0.05)
        admission.leave()
        admission.leave()
        assert admission.rendering == 0 and admission.waiting == 0

    asyncio.run(scenario())


def close(hub: RunningHub, session: requests.Session, kernel: str) -> None:
    """What a page does when its viewer leaves: shut its kernel down."""
    closed = session.post(
        f"{hub.url}/services/dashboards/voila/api/shutdown/{kernel}", headers=xsrf(session)
    )
    assert closed.status_code == 204, closed.text[:300]


def connected(hub: RunningHub, session: requests.Session):
    """A page opened, as a viewer's browser does it: its kernel id and its kernel's
    websocket, connected."""
    page = open_page(hub, session)
    assert page.status_code == 200, page.text[:300]
    kernel = kernel_of(page)
    url = f"{hub.url}/services/dashboards/api/kernels/{kernel}/channels"
    ws = websocket.create_connection(
        url.replace("http://", "ws://"), header=cookie(session), timeout=10
    )
    return kernel, ws


def test_a_page_cannot_run_code_in_its_kernel(hub, tmp_path):
    carol = hub.login("carol")
    kernel, ws = connected(hub, carol)
    marker = Path(tmp_path) / f"ran-{uuid.uuid4().hex}"
    try:
        code = f"open({str(marker)!r}, 'w').close()"
        run = message(
            "execute_request",
            {
                "code": code,
                "silent": False,
                "store_history": False,
                "user_expressions": {},
                "allow_stdin": False,
            },
        )
        ws.send(json.dumps(run))
        info = message("kernel_info_request", {})
        ws.send(json.dumps(info))
        replies = []
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            reply = json.loads(ws.recv())
            replies.append((reply["msg_type"], reply["parent_header"].get("msg_id")))
            if reply["msg_type"] == "kernel_info_reply":
                break
        assert ("kernel_info_reply", info["header"]["msg_id"]) in replies
        time.sleep(1)
        assert ("execute_reply", run["header"]["msg_id"]) not in replies
        assert not marker.exists()
    finally:
        ws.close()
        close(hub, carol, kernel)


def test_a_kernel_stays_while_its_page_is_open_and_goes_with_it(hub):
    """No unload beacon is sent (a tab closed by a crash, a browser gone): the page's
    websocket closing is enough to free its kernel for the next viewer."""
    from hub.dashboards.app import RELEASE_AFTER_S

    carol = hub.login("carol")
    kernel, ws = connected(hub, carol)
    api = f"{hub.url}/services/dashboards/api/kernels/{kernel}"
    info = message("kernel_info_request", {})
    ws.send(json.dumps(info))
    while json.loads(ws.recv())["msg_type"] != "kernel_info_reply":
        pass
    time.sleep(RELEASE_AFTER_S + 2)  # nothing may happen while the page is there
    assert carol.get(api).status_code == 200, "a kernel was taken from an open page"
    ws.close()
    deadline = time.monotonic() + RELEASE_AFTER_S + 20
    while carol.get(api).status_code == 200 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert carol.get(api).status_code == 404, "the kernel outlived its page"


def test_a_viewers_kernel_is_nobody_elses(hub):
    """Another staff member who learns a kernel's id (a shared screen, a log, a proxy) can
    neither watch nor drive nor stop it: every route that names it answers 404, as for a
    kernel that does not exist; its viewer keeps it."""
    carol, dave = hub.login("carol"), hub.login("dave")
    page = open_page(hub, carol)
    assert page.status_code == 200, page.text[:300]
    kernel = kernel_of(page)
    api = f"{hub.url}/services/dashboards/api/kernels/{kernel}"
    open_page(hub, dave, "services/dashboards/")  # dave is signed in to the service too
    try:
        assert carol.get(api).status_code == 200  # the probe works for the kernel's viewer
        assert dave.get(api).status_code == 404
        assert dave.delete(api, headers=xsrf(dave)).status_code == 404
        beacon = f"{hub.url}/services/dashboards/voila/api/shutdown/{kernel}"
        assert dave.post(beacon, headers=xsrf(dave)).status_code == 404
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(
                f"{api}/channels".replace("http://", "ws://"), header=cookie(dave), timeout=10
            )
        assert refused.value.status_code == 404
        # Voila's unauthenticated request-info socket is not served at all
        query = f"{hub.url}/services/dashboards/voila/query/{kernel}"
        with pytest.raises(websocket.WebSocketBadStatusException):
            websocket.create_connection(query.replace("http://", "ws://"), timeout=10)
        assert carol.get(api).status_code == 200, "another viewer stopped the kernel"
    finally:
        close(hub, carol, kernel)


def test_a_page_that_never_connects_holds_no_kernel(hub):
    """A page served but never run (a tab closed at once, scripts that never loaded): its
    kernel goes after the grace for connecting, not at the idle timeout."""
    carol = hub.login("carol")
    page = open_page(hub, carol)
    assert page.status_code == 200, page.text[:300]
    api = f"{hub.url}/services/dashboards/api/kernels/{kernel_of(page)}"
    assert carol.get(api).status_code == 200
    deadline = time.monotonic() + CONNECT_WITHIN + 20
    while carol.get(api).status_code == 200 and time.monotonic() < deadline:
        time.sleep(1)
    assert carol.get(api).status_code == 404, "a page that never connected kept its kernel"


def xsrf(session: requests.Session) -> dict[str, str]:
    return {"X-XSRFToken": session.cookies.get("_xsrf", path="/services/dashboards/") or ""}


def cookie(session: requests.Session) -> list[str]:
    return ["Cookie: " + "; ".join(f"{c.name}={c.value}" for c in session.cookies)]


def message(kind: str, content: dict) -> dict:
    msg_id = uuid.uuid4().hex
    return {
        "header": {
            "msg_id": msg_id,
            "msg_type": kind,
            "username": "carol",
            "session": msg_id,
            "version": "5.3",
        },
        "parent_header": {},
        "metadata": {},
        "channel": "shell",
        "content": content,
    }


def test_an_analyst_opens_the_same_dashboards_in_jupyterlab(hub, docker_engine):
    alice = hub.login("alice")
    token = hub.token(alice, "alice")
    assert hub.api(token, "POST", "/users/alice/server").status_code in (201, 202)
    hub.wait_ready(token, "alice")
    page = requests.get(
        f"{hub.url}/user/alice/voila/render/dashboards/population_hall.ipynb",
        headers={"Authorization": f"token {token}"},
        timeout=180,
    )
    assert page.status_code == 200, page.text[:500]
    assert kernel_of(page) and "import seoul_data" not in page.text
    assert "There was an error when executing cell" not in page.text
    # the air-gapped template: Voila's jsdelivr links are gone
    assert "jsdelivr" not in page.text


def test_idle_viewers_kernels_are_culled(make_hub):
    hub = make_hub(dashboards_pool=0, dashboards_idle=4)
    hub.add_user("carol", "staff")
    hub.start()
    carol = hub.login("carol")
    page = open_page(hub, carol, "services/dashboards/voila/render/data_search.ipynb")
    assert page.status_code == 200
    kernel = kernel_of(page)
    api = f"{hub.url}/services/dashboards/api/kernels/{kernel}"
    assert carol.get(api).status_code == 200  # the viewer's kernel, alive
    deadline = time.monotonic() + 30
    while carol.get(api).status_code == 200 and time.monotonic() < deadline:
        time.sleep(1)
    assert carol.get(api).status_code == 404, "the idle kernel was not culled in 30 s"
