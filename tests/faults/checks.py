"""What a platform that survived a fault looks like: the hub, Docker and the quota store agree.

Shared by the fault tests: after a fault and its recovery every user's server is either
running (the hub says ready, the proxy reaches it with the user's token) or cleanly gone
(no container), no container of the platform's prefix belongs to nobody, and the quota
store's open bookings are exactly the running servers.
"""

from __future__ import annotations

import time

import requests

from hub.container_options import DASK_CLUSTER_LABEL, USER_LABEL
from hub.quota_store import QuotaStore
from tests.running_hub import RunningHub


def wait_settled(hub: RunningHub, token: str, names: list[str], timeout: float = 180) -> dict:
    """Wait until none of ``names`` has a pending server; return name → server model (or
    None when the user has no server)."""
    deadline = time.monotonic() + timeout
    while True:
        servers = {
            name: hub.api(token, "GET", f"/users/{name}").json()["servers"].get("")
            for name in names
        }
        if not any(s and s.get("pending") for s in servers.values()):
            return servers
        assert time.monotonic() < deadline, f"servers still pending after {timeout} s: {servers}"
        time.sleep(0.5)


def user_containers(hub: RunningHub) -> dict[str, object]:
    """The platform's user-server containers (any state): user → container."""
    found = {}
    for container in hub.containers():
        labels = container.labels
        if USER_LABEL in labels and DASK_CLUSTER_LABEL not in labels:
            found[labels[USER_LABEL]] = container
    return found


def assert_consistent(hub: RunningHub, admin_token: str, tokens: dict[str, str]) -> set[str]:
    """Check the three views agree (see the module docstring); return who runs."""
    servers = wait_settled(hub, admin_token, list(tokens))
    containers = user_containers(hub)
    running = {name for name, server in servers.items() if server}
    for name in running:
        assert servers[name]["ready"], f"{name}: {servers[name]}"
        container = containers.get(name)
        assert container is not None and container.status == "running", (name, container)
        status = requests.get(
            f"{hub.url}/user/{name}/api/status",
            headers={"Authorization": f"token {tokens[name]}"},
            timeout=30,
        )
        assert status.status_code == 200, (name, status.status_code, status.text[:300])
    orphans = {name: c.status for name, c in containers.items() if name not in running}
    assert not orphans, f"containers the hub does not show as running: {orphans}"
    sessions = QuotaStore(hub.settings.quota_db).sessions(open_only=True)
    booked = [s.user for s in sessions]
    assert sorted(booked) == sorted(running), f"open bookings {booked}, running {running}"
    for session in sessions:
        assert session.mem == containers[session.user].attrs["HostConfig"]["Memory"]
    return running
