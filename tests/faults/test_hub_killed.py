"""The hub killed (``kill -9``) while five servers start: after its restart every server is
running and adopted or cleanly gone, no container is left over and no booking is stale."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time

import docker
import pytest
import requests

from hub import processes
from hub.container_options import USER_LABEL
from hub.quota_store import QuotaStore
from tests.faults.checks import assert_consistent, user_containers

pytestmark = [pytest.mark.docker, pytest.mark.slow]

USERS = [f"user{i}" for i in range(5)]


def first_container_started(hub) -> threading.Event:
    """An event set when Docker starts the first user container of ``hub``'s prefix."""
    started = threading.Event()
    client = docker.APIClient(base_url=hub.settings.docker_host)
    prefix = f"{hub.settings.container_prefix}-"

    def watch():
        for event in client.events(decode=True, filters={"event": "start", "label": USER_LABEL}):
            if event.get("Actor", {}).get("Attributes", {}).get("name", "").startswith(prefix):
                started.set()
                return

    threading.Thread(target=watch, daemon=True).start()
    return started


def post_quietly(hub, token: str, path: str) -> None:
    """POST to the hub's API; the hub may be killed before it answers."""
    with contextlib.suppress(requests.RequestException):
        hub.api(token, "POST", path)


def test_hub_killed_during_five_spawns(make_hub, docker_engine):
    hub = make_hub()
    hub.add_user("boss", "admin", admin=True)
    for name in USERS:
        hub.add_user(name, "analyst")
    hub.start()
    started = first_container_started(hub)
    admin = hub.token(hub.login("boss"), "boss")
    tokens = {name: hub.token(hub.login(name), name) for name in USERS}
    # at once: a spawn request is answered only when its server is up (or after 10 s)
    posts = [
        threading.Thread(target=post_quietly, args=(hub, token, f"/users/{name}/server"))
        for name, token in tokens.items()
    ]
    for post in posts:
        post.start()

    # killed mid-way: the first container just started (its spawn waits for the server to
    # answer), the others made or still being prepared
    assert started.wait(timeout=90), "no container was started"
    os.kill(processes.running_pid(hub.settings, "hub"), signal.SIGKILL)
    at_kill = {name: c.status for name, c in user_containers(hub).items()}
    booked = [s.user for s in QuotaStore(hub.settings.quota_db).sessions(open_only=True)]
    print(f"when the hub was killed: containers {at_kill}, bookings {booked}")

    restarted = time.monotonic()
    hub.restart_hub()
    running = assert_consistent(hub, admin, tokens)
    print(f"settled {time.monotonic() - restarted:.1f} s after the restart; running: {running}")

    # a user whose spawn was cut short starts again as if nothing had happened
    again = next((name for name in USERS if name not in running), USERS[0])
    if again in running:
        hub.api(tokens[again], "DELETE", f"/users/{again}/server")
    assert_consistent(hub, admin, tokens)
    response = hub.api(tokens[again], "POST", f"/users/{again}/server")
    assert response.status_code in (201, 202), response.text
    hub.wait_ready(tokens[again], again)
    assert "should have been cleaned up" not in hub.hub_log()
    assert_consistent(hub, admin, tokens)
