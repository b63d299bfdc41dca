"""The Docker engine stopped and started again, under a running hub.

The hub under test uses a private engine (tests/faults/private_engine.py) on the
development host network; the shared engine is never touched. While the engine is down a
server is never reported running if it is dead, and a spawn gets the Korean message; once
it is back, spawns work again and nothing stale is left.
"""

from __future__ import annotations

import time

import docker
import pytest

from hub.settings import HubSettings
from tests.faults.checks import assert_consistent, user_containers
from tests.faults.private_engine import PrivateEngine
from tests.running_hub import DOCKER_HOST

pytestmark = [pytest.mark.docker, pytest.mark.slow]

#: JupyterHub's Spawner.poll_interval (30 s) with its jitter, and a margin.
POLL_WITHIN = 30 * 1.1 + 10


@pytest.fixture
def private_engine(docker_engine):
    engine = PrivateEngine()
    try:
        engine.start()
        for container in docker.DockerClient(base_url=engine.url).containers.list(all=True):
            container.remove(force=True)  # left by an earlier run that was killed
        seconds = engine.ensure_image(HubSettings.image, DOCKER_HOST)
        print(f"user image copied into the private engine in {seconds:.0f} s")
        yield engine
    finally:
        engine.close()


def test_engine_stopped_and_started(private_engine, make_hub):
    hub = make_hub(docker_host=private_engine.url, network="host")
    hub.add_user("boss", "admin", admin=True)
    hub.add_user("alice", "analyst")
    hub.add_user("bob", "analyst")
    hub.start()
    tokens = hub.start_servers("alice")
    tokens["bob"] = hub.token(hub.login("bob"), "bob")
    admin = hub.token(hub.login("boss"), "boss")

    private_engine.stop()
    stopped = time.monotonic()
    # the server died with the engine: the hub stops calling it running within a poll
    while hub.api(admin, "GET", "/users/alice").json()["servers"]:
        assert time.monotonic() - stopped < POLL_WITHIN, "a dead server is still reported"
        time.sleep(1)
    print(f"alice's dead server reported stopped after {time.monotonic() - stopped:.0f} s")

    # a spawn during the outage: the message staff can read
    response = hub.api(tokens["bob"], "POST", "/users/bob/server")
    assert response.status_code == 503, response.text
    assert "컨테이너 엔진(Docker)에 연결할 수 없어" in response.json()["message"]
    assert not hub.api(admin, "GET", "/users/bob").json()["servers"]

    private_engine.start()
    assert_consistent(hub, admin, tokens)  # nothing left of alice's server, no booking
    for name in ("alice", "bob"):
        assert hub.api(tokens[name], "POST", f"/users/{name}/server").status_code in (201, 202)
    for name in ("alice", "bob"):
        hub.wait_ready(tokens[name], name)
    assert set(user_containers(hub)) == {"alice", "bob"}
    assert assert_consistent(hub, admin, tokens) == {"alice", "bob"}
