"""The data search REST API in a real Jupyter server (a subprocess on a free loopback port),
called with the server's token, over real bundled data and the data.go.kr catalogue."""

from __future__ import annotations

import configparser
import json
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from extensions.seoul_data_search.sessions import InvalidSessionId, SearchSessions
from tests.conftest import bundled_data
from tests.running_hub import free_port

REPO = Path(__file__).resolve().parent.parent
TOTAL = "population.gu_resident_total"
CATALOG_CSV = REPO / "data" / "catalog" / "datagokr_catalog_20220630_seoul_orgs.csv"
EXTENSION = "extensions.seoul_data_search"
HANGUL = re.compile(r"[가-힣]")
# the real xlsx has no default style; openpyxl says so each time it is read
pytestmark = pytest.mark.filterwarnings("ignore:Workbook contains no default style:UserWarning")


def make_data_dir(root: Path) -> Path:
    """A platform data directory ``root/data``: the population datasets (answers), a table
    and a map layer (previews), and the whole Seoul list of data.go.kr (search); ~1.5 s."""
    from seoul_data.catalog import Catalog
    from seoul_data.catalog.datagokr import import_datagokr
    from seoul_data.sources import sources

    wanted = {s.dataset.id for s in sources() if s.dataset.id.startswith("population.")}
    wanted |= {"transport.bike_sharing_demand_uci", "boundaries.gu_juso2015"}
    with bundled_data(root, wanted) as directory:
        import_datagokr(Catalog(directory), CATALOG_CSV)
    return directory


class JupyterServer:
    """``jupyter server`` with the extension, on 127.0.0.1 with a random token.
    environment: more variables (what the hub gives a user's server: SEOUL_DATA_GROUPS …)."""

    def __init__(self, tmp: Path, data_dir: Path, environment: dict | None = None) -> None:
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp / "server.log"
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("JUPYTER", "SEOUL_DATA_GROUPS"))
        }
        env.update(
            SEOUL_DATA_DIR=str(data_dir),
            SEOUL_USAGE_LOG=str(tmp / "usage.jsonl"),
            JUPYTER_CONFIG_DIR=str(tmp / "config"),
            JUPYTER_DATA_DIR=str(tmp / "share"),
            JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
            **(environment or {}),
        )
        command = [
            sys.executable,
            "-m",
            "jupyter_server",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            "--ServerApp.ip=127.0.0.1",
            "--ServerApp.open_browser=False",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.jpserver_extensions={EXTENSION}=True",
            f"--ServerApp.root_dir={tmp}",
            "--allow-root",
        ]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command, cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT
            )

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"server exited:\n{self.log()}"
            try:
                if self.request("GET", "/api/status").status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise AssertionError(f"server not ready in {timeout} s:\n{self.log()}")

    def request(self, method: str, path: str, token: str | None = "", **params):
        headers = {} if token is None else {"Authorization": f"token {token or self.token}"}
        return requests.request(method, self.url + path, params=params, headers=headers, timeout=60)

    def api(self, method: str, endpoint: str, **params) -> requests.Response:
        return self.request(method, f"/seoul-data/api/{endpoint}", **params)

    def ok(self, endpoint: str, method: str = "GET", **params) -> dict:
        reply = self.api(method, endpoint, **params)
        assert reply.status_code == 200, f"{reply.status_code} {reply.text}\n{self.log()}"
        assert reply.headers["Content-Type"].startswith("application/json")
        return reply.json()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> JupyterServer:
    tmp = tmp_path_factory.mktemp("search_extension")
    data_dir = make_data_dir(tmp)
    running = JupyterServer(tmp, data_dir)
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()


def korean_error(reply: requests.Response, status: int) -> str:
    assert reply.status_code == status, reply.text
    message = reply.json()["message"]
    assert HANGUL.search(message), message
    return message


# -- the API ----------------------------------------------------------------------------------


def test_search_returns_hits_and_a_new_session(server):
    reply = server.ok("search", q="따릉이 대여소", k=5)
    assert set(reply) >= {"query", "filters", "hits", "notes", "session", "context"}
    assert reply["query"] == "따릉이 대여소"
    assert 1 <= len(reply["hits"]) <= 5
    for hit in reply["hits"]:
        assert set(hit) == {"id", "source_id", "title", "score", "why"}
    assert any("따릉이" in hit["title"] for hit in reply["hits"])
    assert re.fullmatch(r"[A-Za-z0-9_-]{16,64}", reply["session"])
    assert "따릉이" in reply["context"]["topic"]
    other = server.ok("search", q="따릉이 대여소")
    assert other["session"] != reply["session"]


def test_follow_up_in_the_same_session_refines(server):
    first = server.ok("search", q="따릉이 대여소")
    session = first["session"]
    assert "gu" not in first["filters"]
    refined = server.ok("search", q="그중 강남구만", session=session)
    assert refined["session"] == session
    assert refined["filters"]["gu"] == ["강남구"]
    assert refined["notes"][0].startswith("이전 질문에 이어서")
    assert refined["context"]["gu"] == ["강남구"]
    assert "따릉이" in refined["context"]["topic"]
    assert server.ok("context", session=session)["context"] == refined["context"]
    links = server.ok("search", q="다운로드 링크", session=session)
    assert links["hits"] and all(h["why"][0].startswith("다운로드: ") for h in links["hits"])


def test_a_narrowing_follow_up_gives_the_filter_of_the_rows_it_kept(server):
    session = server.ok("search", q="자치구별 주민등록인구")["session"]
    narrowed = server.ok("search", q="그중 강남구만", session=session)
    assert narrowed["narrowed"] == {TOTAL: [["area", "in", ["강남구"]]]}
    assert [hit["id"] for hit in narrowed["hits"]] == [TOTAL]
    where = json.dumps(narrowed["narrowed"][TOTAL], ensure_ascii=False)
    rows = server.ok("preview", id=TOTAL, where=where, limit=50)["rows"]
    assert rows and {row["area"] for row in rows} == {"강남구"}
    nothing = server.ok("search", q="그중 2030년만", session=session)
    assert nothing["hits"] == [] and nothing["narrowed"] == {}
    assert any("자료에 2030년 행이 없습니다" in note for note in nothing["notes"])


def test_a_users_own_server_takes_no_data_requests(server):
    # what is written in a user's container is the user's to change: requests go to the
    # dashboards service, which knows each request's hub user
    headers = {"Authorization": f"token {server.token}"}
    url = f"{server.url}/seoul-data/api/requests"
    for method in ("POST", "GET"):
        reply = requests.request(
            method, url, json={"id": "datagokr.15088924"}, headers=headers, timeout=60
        )
        assert "대시보드에서 요청해 주세요" in korean_error(reply, 404)


def test_another_session_does_not_see_the_context(server):
    mine = server.ok("search", q="따릉이 대여소")["session"]
    theirs = server.ok("search", q="어린이집")["session"]
    assert "어린이집" in server.ok("context", session=theirs)["context"]["topic"]
    assert "따릉이" in server.ok("context", session=mine)["context"]["topic"]
    unknown = server.ok("context", session="never-used-session")
    assert unknown == {"session": "never-used-session", "context": {}, "known": False}
    fresh = server.ok("search", q="그중 강남구만", session="a-fresh-session")
    assert not any(note.startswith("이전 질문에 이어서") for note in fresh["notes"])
    assert "따릉이" not in fresh["context"].get("topic", "")


def test_context_is_cleared(server):
    session = server.ok("search", q="공공자전거 대여 이력")["session"]
    assert server.ok("context", session=session)["known"]
    cleared = server.ok("context", method="DELETE", session=session)
    assert cleared == {"session": session, "context": {}, "cleared": True}
    assert server.ok("context", session=session) == {
        "session": session,
        "context": {},
        "known": False,
    }
    follow_up = server.ok("search", q="그중 강남구만", session=session)
    assert not any(note.startswith("이전 질문에 이어서") for note in follow_up["notes"])


def test_facets_are_understood(server):
    reply = server.ok("search", q="주차장", gu="강남", field="교통")
    assert reply["filters"]["gu"] == "강남구"
    assert reply["filters"]["field"] == "교통"


def test_ask_answers_with_its_source(server):
    reply = server.ok("ask", q="2019년 송파구 인구는 몇 명이야?")
    assert reply["value"] == 675961
    assert reply["dataset"] == "population.gu_resident_total"
    assert "출처" in reply["answer"]
    assert reply["session"] and "context" in reply
    unanswerable = server.ok("ask", q="2030년 강남구 인구는?", session=reply["session"])
    assert unanswerable["value"] is None
    assert unanswerable["answer"].startswith("답할 수 없습니다")
    assert unanswerable["session"] == reply["session"]


def test_preview_of_bundled_datasets(server):
    table = server.ok("preview", id="transport.bike_sharing_demand_uci", limit=3)
    assert len(table["rows"]) == 3
    names = [c["name"] for c in table["columns"]]
    assert set(table["rows"][0]) == set(names)
    assert table["publisher"] and table["attribution"].startswith("출처")
    assert table["load_code"] == 'sd.load("transport.bike_sharing_demand_uci")'
    assert table["thumbnail"] is None  # a table without a place has no map

    shapes = server.ok("preview", id="boundaries.gu_juso2015")
    assert len(shapes["rows"]) == 5
    assert {"SIG_KOR_NM", "geometry"} <= {c["name"] for c in shapes["columns"]}
    geometry = shapes["rows"][0]["geometry"]
    assert geometry.startswith(("POLYGON", "MULTIPOLYGON")) and len(geometry) <= 61
    assert shapes["thumbnail"].startswith("<svg") and shapes["thumbnail"].count("<path") == 25
    by_gu = server.ok("preview", id="population.gu_resident_total")
    assert by_gu["thumbnail"].count('fill-opacity="0.55"') == 25  # every gu has rows

    listed = server.ok("preview", id="datagokr.15099365")
    assert listed["loadable"] is False and listed["rows"] == [] and listed["thumbnail"] is None
    assert "data.go.kr" in listed["note"]
    assert (
        f"보유 기관: {listed['publisher']}." in listed["note"]
        and "이 자료 요청하기" in listed["note"]
    )
    assert listed["load_code"] == 'sd.describe("datagokr.15099365")'


@pytest.mark.parametrize(
    ("endpoint", "method", "params"),
    [
        ("search", "GET", {}),
        ("search", "GET", {"q": "   "}),
        ("search", "GET", {"q": "가" * 501}),
        ("search", "GET", {"q": "인구", "k": "abc"}),
        ("search", "GET", {"q": "인구", "k": "0"}),
        ("search", "GET", {"q": "인구", "k": "101"}),
        ("search", "GET", {"q": "인구", "gu": "해운대"}),
        ("search", "GET", {"q": "인구", "field": "우주"}),
        ("search", "GET", {"q": "인구", "access": "secret"}),
        ("search", "GET", {"q": "인구", "session": "../../other"}),
        ("ask", "GET", {"q": ""}),
        ("context", "GET", {}),
        ("context", "DELETE", {"session": "x" * 65}),
        ("preview", "GET", {}),
        ("preview", "GET", {"id": "no.such_dataset"}),
        ("preview", "GET", {"id": "boundaries.gu_juso2015", "limit": "51"}),
        ("preview", "GET", {"id": TOTAL, "where": "1=1; COPY (SELECT 1) TO '/tmp/x'"}),
        ("preview", "GET", {"id": TOTAL, "where": "read_csv('/etc/passwd')"}),
        ("preview", "GET", {"id": TOTAL, "where": "[1"}),
        ("preview", "GET", {"id": TOTAL, "where": '[["area", "=", "x"]' + " " * 2000 + "]"}),
        ("preview", "GET", {"id": TOTAL, "where": '[["no_such_column", "=", 1]]'}),
        ("preview", "GET", {"id": TOTAL, "where": '[["area", "~", "강남구"]]'}),
        ("preview", "GET", {"id": TOTAL, "where": '[["year", "in", 2019]]'}),
    ],
)
def test_bad_input_is_refused_in_korean(server, endpoint, method, params):
    korean_error(server.api(method, endpoint, **params), 400)


def test_preview_takes_a_structured_filter(server):
    where = '[["area", "in", ["강남구", "송파구"]], ["year", "=", 2019]]'
    reply = server.ok("preview", id=TOTAL, limit=50, where=where)
    assert sorted((r["area"], r["year"]) for r in reply["rows"]) == [
        ("강남구", 2019),
        ("송파구", 2019),
    ]
    raw = korean_error(server.api("GET", "preview", id=TOTAL, where="area = '강남구'"), 400)
    assert "SQL" in raw and "[열, 연산자, 값]" in raw
    injected = server.ok("preview", id=TOTAL, where='[["area", "=", "x\' OR \'1\'=\'1"]]')
    assert injected["rows"] == []


def test_a_users_own_server_reads_as_its_owner(tmp_path):
    """The hub gives a user's server its owner's groups and name: they decide what the API
    previews there, and the usage log names the owner."""
    from seoul_data.catalog import Dataset, Field
    from seoul_data.ingest import ingest

    data_dir = tmp_path / "data"
    csv = tmp_path / "staff_only.csv"
    csv.write_text("gu,count\n종로구,1\n", encoding="utf-8")
    staff_only = Dataset(
        id="test.staff_only",
        title="직원 전용 시험 데이터",
        field="일반행정",
        access="restricted",
        allowed_groups=("staff",),
        schema=(Field("gu", role="gu"), Field("count", "integer")),
    )
    ingest(staff_only, data_dir=data_dir, path=csv)
    for groups, status in [("staff", 200), ("analyst", 403)]:
        tmp = tmp_path / groups
        tmp.mkdir()
        environment = {"SEOUL_DATA_GROUPS": groups, "JUPYTERHUB_USER": f"{groups}-owner"}
        running = JupyterServer(tmp, data_dir, environment)
        try:
            running.wait_ready()
            reply = running.api("GET", "preview", id=staff_only.id)
            assert reply.status_code == status, reply.text
        finally:
            running.stop()
    events = [json.loads(line) for line in (tmp_path / "staff" / "usage.jsonl").open()]
    assert {e["user"] for e in events} == {"staff-owner"}
    assert not (tmp_path / "analyst" / "usage.jsonl").exists()


def test_unknown_dataset_names_close_ids(server):
    message = korean_error(server.api("GET", "preview", id="boundaries.gu_juso"), 400)
    assert "boundaries.gu_juso2015" in message


@pytest.mark.parametrize(
    ("endpoint", "method"),
    [
        ("search", "GET"),
        ("ask", "GET"),
        ("context", "GET"),
        ("context", "DELETE"),
        ("preview", "GET"),
    ],
)
@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_requests_without_the_token_are_forbidden(server, endpoint, method, token):
    params = {"q": "인구", "session": "s1", "id": "boundaries.gu_juso2015"}
    reply = server.request(method, f"/seoul-data/api/{endpoint}", token=token, **params)
    assert reply.status_code == 403, reply.text


# -- how it is installed ----------------------------------------------------------------------


def test_installed_config_enables_the_extension():
    """The JSON that setup.cfg installs into etc/jupyter enables an importable extension."""
    setup = configparser.ConfigParser()
    setup.read(REPO / "setup.cfg")
    installed = setup["options.data_files"]["etc/jupyter/jupyter_server_config.d"].split()
    assert len(installed) == 1
    config = json.loads((REPO / installed[0]).read_text())
    enabled = [name for name, on in config["ServerApp"]["jpserver_extensions"].items() if on]
    assert enabled == [EXTENSION]
    module = __import__(EXTENSION, fromlist=["_jupyter_server_extension_points"])
    assert module._jupyter_server_extension_points() == [{"module": EXTENSION}]
    found = setup["options.packages.find"]["include"].split()
    assert EXTENSION in found and f"{EXTENSION}.*" in found


# -- the conversations kept (no server) --------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def sessions(clock=None, **limits) -> SearchSessions:
    return SearchSessions(session_factory=object, clock=clock or Clock(), **limits)


def test_a_user_cannot_reach_another_users_conversation():
    store = sessions()
    session_id, alice = store.open("alice", None)
    assert store.find("alice", session_id) is alice
    assert store.find("bob", session_id) is None
    _, bob = store.open("bob", session_id)
    assert bob is not alice
    assert not store.forget("carol", session_id)
    assert store.find("alice", session_id) is alice


def test_conversations_are_capped_per_user_and_in_all():
    store = sessions(max_sessions=5, max_sessions_per_user=2)
    for i in range(3):
        store.open("alice", f"a{i}")
    assert store.find("alice", "a0") is None  # alice's least recently used
    assert store.find("alice", "a1") and store.find("alice", "a2")
    for user in ("bob", "carol"):
        store.open(user, "x")
        store.open(user, "y")
    assert len(store) == 5
    assert store.find("alice", "a1") is None  # the least recently used of all
    store.open("dave", "z")
    assert len(store) == 5
    assert store.find("alice", "a2") is None
    assert store.find("dave", "z") and store.find("bob", "x")


def test_idle_conversations_are_forgotten():
    clock = Clock()
    store = sessions(clock, max_idle_seconds=60)
    old_id, _ = store.open("alice", None)
    clock.now += 50
    kept_id, kept = store.open("alice", None)
    clock.now += 20
    assert store.find("alice", old_id) is None
    assert store.find("alice", kept_id) is kept  # a use renews it
    clock.now += 59
    assert store.open("alice", kept_id)[1] is kept
    clock.now += 61
    assert store.find("alice", kept_id) is None
    assert len(store) == 0


@pytest.mark.parametrize("bad", ["", "a b", "../x", "x" * 65, "세션"])
def test_session_ids_are_checked(bad):
    with pytest.raises(InvalidSessionId):
        sessions().open("alice", bad)
