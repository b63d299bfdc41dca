"""Quotas end to end: real hub, real proxy, the quota admin service, real containers."""

from __future__ import annotations

import html
import json
import subprocess
import sys
import threading
import time

import docker
import pytest
import requests

from tests.conftest import started_hub
from tests.running_hub import RunningHub, run_code

pytestmark = pytest.mark.docker
GIB = 2**30
POLICY = {
    "profiles": [
        {
            "slug": "basic",
            "name": "기본",
            "description": "가벼운 분석",
            "cpu": 0.5,
            "mem": "1G",
            "idle_timeout": 3600,
        },
        {"slug": "analysis", "name": "분석", "description": "큰 분석", "cpu": 1, "mem": "1536M"},
        {"slug": "gpu", "name": "GPU", "description": "딥러닝", "cpu": 1, "mem": "512M", "gpus": 1},
    ],
    "grants": {
        "staff": ["basic"],
        "analyst": ["basic", "analysis", "gpu"],
        "admin": ["basic", "analysis", "gpu"],
    },
    "users": {},
    "host": {"cpus": 2, "mem": "3G", "gpus": ["0"]},
}


@pytest.fixture(scope="module")
def hub(request, tmp_path_factory, docker_engine):
    users = {"alice": "analyst", "dave": "analyst", "carol": "staff", "boss": "admin"}
    with started_hub(
        request, tmp_path_factory.mktemp("quota"), users, quota_check_seconds=2
    ) as hub:
        yield hub


@pytest.fixture(scope="module")
def tokens(hub):
    return {name: hub.token(hub.login(name), name) for name in ("alice", "dave", "carol", "boss")}


def service(hub: RunningHub, token: str, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(
        method,
        f"{hub.url}/services/quota/{path}",
        headers={"Authorization": f"token {token}"},
        timeout=30,
        **kwargs,
    )


@pytest.fixture(scope="module")
def policy(hub, tokens):
    """The test policy, put in force by the admin through the service's REST API."""
    deadline = time.monotonic() + 30
    while True:  # the hub starts its managed services, and routes them, after itself
        response = service(hub, tokens["boss"], "PUT", "api/policy", json=POLICY)
        if "json" in response.headers.get("Content-Type", "") or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert response.status_code == 200, response.text
    return response.json()


def spawn(hub, token, name, **options) -> requests.Response:
    return hub.api(token, "POST", f"/users/{name}/server", json=options)


def stop(hub, token, name) -> None:
    hub.api(token, "DELETE", f"/users/{name}/server")
    deadline = time.monotonic() + 60
    while hub.api(token, "GET", f"/users/{name}").json()["servers"]:
        assert time.monotonic() < deadline, f"{name}'s server did not stop"
        time.sleep(0.3)


def test_only_admins_reach_the_quota_service(hub, tokens, policy):
    for name in ("alice", "carol"):
        assert service(hub, tokens[name], "GET", "api/policy").status_code == 403
        assert service(hub, tokens[name], "PUT", "api/policy", json=POLICY).status_code == 403
    page = hub.login("boss").get(f"{hub.url}/services/quota/")
    assert page.status_code == 200 and "자원 할당 관리" in page.text
    assert "기본" in page.text and "CPU 0.5개" in page.text
    assert hub.login("alice").get(f"{hub.url}/services/quota/").status_code == 403
    home = hub.login("boss").get(f"{hub.url}/hub/home").text
    assert 'data-entrance="quota"' in home


def test_bad_policy_is_refused_with_the_field_and_changes_nothing(hub, tokens, policy):
    broken = {**POLICY, "host": {**POLICY["host"], "mem": "-3G"}}
    response = service(hub, tokens["boss"], "PUT", "api/policy", json=broken)
    assert response.status_code == 400
    assert "host.mem" in response.json()["message"]
    assert service(hub, tokens["boss"], "GET", "api/policy").json() == policy


def test_staff_cannot_pick_the_analyst_profile(hub, tokens, policy):
    response = spawn(hub, tokens["carol"], "carol", profile="analysis")
    assert response.status_code == 403
    assert "'analysis' 프로필은 사용할 수 없습니다" in response.json()["message"]
    carol = hub.login("carol")
    form = carol.get(f"{hub.url}/hub/spawn").text
    assert 'value="basic"' in form and 'value="analysis"' not in form
    xsrf = carol.cookies.get("_xsrf", "")
    page = carol.post(f"{hub.url}/hub/spawn", data={"profile": "analysis", "_xsrf": xsrf})
    assert "'analysis' 프로필은 사용할 수 없습니다" in html.unescape(page.text)
    assert hub.containers_named("carol") == []


@pytest.mark.parametrize(
    ("options", "status", "message"),
    [
        ({"profile": "basic", "image": "evil/image"}, 400, "허용되지 않은 선택 항목입니다: image"),
        ({"profile": "x" * 10_000}, 403, "프로필은 사용할 수 없습니다"),
        ({"profile": "basic; rm -rf /"}, 403, "프로필은 사용할 수 없습니다"),
        ({"profile": ["basic"]}, 403, "'?' 프로필은 사용할 수 없습니다"),
        ({"mem_limit": "64G"}, 400, "허용되지 않은 선택 항목입니다: mem_limit"),
    ],
    ids=["unknown-key", "huge", "injected", "wrong-type", "own-limit"],
)
def test_hostile_user_options_are_refused(hub, tokens, policy, options, status, message):
    response = spawn(hub, tokens["alice"], "alice", **options)
    assert response.status_code == status, response.text
    assert message in response.json()["message"]
    assert hub.containers_named("alice") == []


def test_limits_are_enforced_and_the_admin_change_applies_at_next_spawn(hub, tokens, policy):
    token = tokens["alice"]
    assert spawn(hub, token, "alice", profile="analysis").status_code in (201, 202)
    hub.wait_ready(token, "alice")
    config = hub.container("alice").attrs["HostConfig"]
    assert config["Memory"] == 1536 * 2**20 and config["CpuQuota"] == 100_000
    # the profile's idle timeout (unset here: the default hour) goes to the server itself
    args = hub.container("alice").attrs["Args"]
    assert "--ServerApp.shutdown_no_activity_timeout=3600" in args
    assert hub.container("alice").labels["org.seoul-data-hub.profile"] == "analysis"
    stop(hub, token, "alice")

    changed = {**POLICY, "profiles": [dict(p) for p in POLICY["profiles"]]}
    changed["profiles"][0]["mem"] = "768M"  # the basic profile, granted to analysts
    assert service(hub, tokens["boss"], "PUT", "api/policy", json=changed).status_code == 200
    try:
        assert spawn(hub, token, "alice", profile="basic").status_code in (201, 202)
        hub.wait_ready(token, "alice")
        config = hub.container("alice").attrs["HostConfig"]
        assert config["Memory"] == 768 * 2**20
        assert config["CpuQuota"] == 50_000 and config["CpuPeriod"] == 100_000

        # over the memory limit: the process is killed, the server lives on
        out = run_code(
            hub,
            token,
            "alice",
            (
                "import subprocess, sys\n"
                "r = subprocess.run([sys.executable, '-c', 'x = bytearray(1024 ** 3)'])\n"
                "print(r.returncode)"
            ),
        )
        assert out.strip() == "-9", out
        assert run_code(hub, token, "alice", "print(6 * 7)").strip() == "42"

        # a CPU-bound loop gets half a CPU, not the whole machine
        out = run_code(
            hub,
            token,
            "alice",
            (
                "import time\n"
                "wall, cpu = time.monotonic(), time.process_time()\n"
                "while time.monotonic() - wall < 3: pass\n"
                "print(round((time.process_time() - cpu) / (time.monotonic() - wall), 2))"
            ),
        )
        assert float(out) <= 0.6, out

        audit = service(hub, tokens["boss"], "GET", "api/audit").json()["entries"]
        assert audit[0]["actor"] == "boss" and audit[0]["action"] == "policy.set"
        assert '"mem": "1G"' in audit[0]["before"] and '"mem": "768M"' in audit[0]["after"]
        servers = service(hub, tokens["boss"], "GET", "api/servers").json()["servers"]
        (mine,) = [s for s in servers if s["user"] == "alice"]
        assert mine["profile"] == "basic" and mine["mem_limit"] == 768 * 2**20
        assert mine["mem_used"] > 0
    finally:
        stop(hub, token, "alice")
        service(hub, tokens["boss"], "PUT", "api/policy", json=POLICY)

    usage = service(hub, tokens["boss"], "GET", "api/usage?by=user").json()["rows"]
    (alice,) = [row for row in usage if row["name"] == "alice"]
    assert alice["sessions"] == 2 and 0 < alice["cpu_hours"] < alice["hours"] * 1.01
    csv = service(hub, tokens["boss"], "GET", "api/usage?by=group&format=csv")
    assert csv.headers["Content-Type"].startswith("text/csv")
    assert "analyst" in csv.content.decode("utf-8-sig")


def test_admission_and_gpu_refusals(hub, tokens, policy):
    client = docker.DockerClient(base_url=hub.settings.docker_host)
    # a server from before a hub restart holds GPU 0 and 1.5G: the spawner adopts it
    ghost = client.containers.run(
        hub.settings.image,
        ["sleep", "300"],
        detach=True,
        network_mode="host",
        name=f"{hub.settings.container_prefix}-ghost",
        mem_limit="1536m",
        labels={
            "org.seoul-data-hub.user": "ghost",
            "org.seoul-data-hub.profile": "gpu",
            "org.seoul-data-hub.gpus": "0",
        },
    )
    try:
        refused = spawn(hub, tokens["alice"], "alice", profile="gpu")
        assert refused.status_code == 503
        assert "사용할 수 있는 GPU가 없습니다" in refused.json()["message"]

        assert spawn(hub, tokens["dave"], "dave", profile="basic").status_code in (201, 202)
        hub.wait_ready(tokens["dave"], "dave")
        # 1.5G (ghost) + 1G (dave) of 3G: another 1.5G does not fit
        full = spawn(hub, tokens["alice"], "alice", profile="analysis")
        assert full.status_code == 503
        assert "서버 메모리 여유가 부족합니다" in full.json()["message"]
        assert hub.containers_named("alice") == []
    finally:
        ghost.remove(force=True)
        stop(hub, tokens["dave"], "dave")
    # with the ghost gone, the memory is free again
    assert spawn(hub, tokens["alice"], "alice", profile="analysis").status_code in (201, 202)
    hub.wait_ready(tokens["alice"], "alice")
    stop(hub, tokens["alice"], "alice")


LOCKER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()
"""


def failure_message(hub, token, name, **options) -> str:
    """Spawn and return the message of its failure, whether the refusal came with the
    request or (past the hub's slow-spawn timeout) in the progress events the page shows."""
    response = spawn(hub, token, name, **options)
    if response.status_code != 202:
        assert response.status_code >= 400, response.text
        return response.json()["message"]
    events = requests.get(
        f"{hub.url}/hub/api/users/{name}/server/progress",
        stream=True,
        headers={"Authorization": f"token {token}"},
        timeout=60,
    )
    for line in events.iter_lines(decode_unicode=True):
        if line.startswith("data:"):
            event = json.loads(line[5:])
            if event.get("failed"):
                return event["message"]
    raise AssertionError(f"{name}'s spawn did not fail")


def test_a_locked_quota_store_refuses_clearly_then_recovers(hub, tokens, policy):
    """Another process holds the quota store's write lock: a spawn waits a few seconds,
    then fails with a Korean message, and nothing is left behind; then spawns work."""
    locker = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(hub.settings.quota_db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert locker.stdout.readline().strip() == "locked"
        started = time.monotonic()
        message = failure_message(hub, tokens["dave"], "dave", profile="basic")
        assert "자원 관리 저장소가 다른 작업으로 잠겨" in message
        assert time.monotonic() - started >= 4  # it waited for the lock before it gave up
        assert hub.containers_named("dave") == []
        # the hub kept serving meanwhile and still does
        assert hub.api(tokens["boss"], "GET", "/users/dave").status_code == 200
        # the admin's policy change waits too, then says why; the policy in force stays
        changed = service(
            hub, tokens["boss"], "PUT", "api/policy", json={**POLICY, "users": {"dave": ["basic"]}}
        )
        assert changed.status_code == 503 and "잠겨" in changed.json()["message"]
        assert service(hub, tokens["boss"], "GET", "api/policy").json()["users"] == {}
    finally:
        locker.communicate("")
    assert spawn(hub, tokens["dave"], "dave", profile="basic").status_code in (201, 202)
    hub.wait_ready(tokens["dave"], "dave")
    stop(hub, tokens["dave"], "dave")


def test_servers_past_their_maximum_run_time_are_stopped(hub, tokens, policy):
    short = {**POLICY, "profiles": [dict(p) for p in POLICY["profiles"]]}
    short["profiles"][0]["max_age"] = 5  # basic: five seconds
    assert service(hub, tokens["boss"], "PUT", "api/policy", json=short).status_code == 200
    try:
        # the spawn is never cut short (a pending server is left to start) …
        assert spawn(hub, tokens["dave"], "dave", profile="basic").status_code in (201, 202)
        deadline = time.monotonic() + 60
        while hub.api(tokens["dave"], "GET", "/users/dave").json()["servers"]:
            assert time.monotonic() < deadline, "the server outlived its maximum run time"
            time.sleep(0.5)
        # … and the stop is audited once the hub took it (only a ready server is stopped)
        audit = service(hub, tokens["boss"], "GET", "api/audit").json()["entries"]
        assert any(e["action"] == "server.stopped.max_age" and e["target"] == "dave" for e in audit)
        assert "Interrupting spawner dave" not in hub.hub_log()
    finally:
        service(hub, tokens["boss"], "PUT", "api/policy", json=POLICY)


def test_an_administrator_stops_a_running_server_from_the_quota_page(hub, tokens, policy):
    assert spawn(hub, tokens["carol"], "carol", profile="basic").status_code in (201, 202)
    hub.wait_ready(tokens["carol"], "carol")
    page = hub.login("boss").get(f"{hub.url}/services/quota/").text
    assert 'class="stop-server" data-user="carol"' in page
    # only administrators stop servers, and only one that runs
    refused = service(hub, tokens["alice"], "POST", "api/servers/carol/stop")
    assert (
        refused.status_code == 403 and refused.json()["message"] == "관리자만 사용할 수 있습니다."
    )
    missing = service(hub, tokens["boss"], "POST", "api/servers/dave/stop")
    assert (
        missing.status_code == 404
        and missing.json()["message"] == "dave의 실행 중인 서버가 없습니다."
    )
    assert service(hub, tokens["boss"], "POST", "api/servers/../stop").status_code == 404
    stopped = service(hub, tokens["boss"], "POST", "api/servers/carol/stop")
    assert (
        stopped.status_code == 200 and stopped.json()["message"] == "carol의 서버를 중지했습니다."
    )
    assert hub.api(tokens["carol"], "GET", "/users/carol").json()["servers"] == {}
    audit = service(hub, tokens["boss"], "GET", "api/audit").json()["entries"]
    assert any(
        e["action"] == "server.stopped.admin" and e["target"] == "carol" and e["actor"] == "boss"
        for e in audit
    )


def test_gpu_server_gets_exactly_its_device(hub, tokens, policy):
    """This host has no NVIDIA runtime: the container is created with the device request
    for GPU 0 alone, its start fails, and the user is told why; the GPU is free again."""
    client = docker.DockerClient(base_url=hub.settings.docker_host)
    name = f"{hub.settings.container_prefix}-alice"
    seen: dict = {}

    def watch():
        for event in client.api.events(decode=True, filters={"event": "create", "container": name}):
            seen.update(client.api.inspect_container(event["id"])["HostConfig"])
            return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    time.sleep(0.2)
    response = spawn(hub, tokens["alice"], "alice", profile="gpu")
    watcher.join(timeout=30)
    assert seen, "no container was created"
    (request,) = seen["DeviceRequests"]
    assert request["DeviceIDs"] == ["0"] and request["Capabilities"] == [["gpu"]]
    assert response.status_code == 503
    assert "GPU 실행 환경(NVIDIA 컨테이너 런타임)이 없어" in response.json()["message"]
    servers = service(hub, tokens["boss"], "GET", "api/servers").json()["servers"]
    assert not [s for s in servers if s["user"] == "alice"]  # the GPU was given back
