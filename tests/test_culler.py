"""The hub's idle culler (jupyterhub-idle-culler), the backstop of each server's own idle
timeout: it starts with the hub, stays up, and stops a server nobody uses."""

from __future__ import annotations

import time

import psutil


def culler(hub, token: str) -> psutil.Process:
    """The running culler process, as the hub knows it (its managed service's pid; 0 until
    the hub has started it)."""
    deadline = time.monotonic() + 60
    while not (pid := hub.api(token, "GET", "/services/idle-culler").json()["pid"]):
        assert time.monotonic() < deadline, "the hub did not start the culler in 60 s"
        time.sleep(0.5)
    process = psutil.Process(pid)
    assert "jupyterhub_idle_culler" in " ".join(process.cmdline())
    return process


def test_the_culler_stops_an_idle_server_and_stays_up(make_hub):
    hub = make_hub(cull_idle=20, cull_every=5)
    hub.add_user("boss", "admin", admin=True)
    hub.add_user("alice", "analyst")
    hub.start()
    admin = hub.token(hub.login("boss"), "boss")
    first = culler(hub, admin)
    time.sleep(5)  # a culler that cannot start is restarted by the hub: a new pid
    token = hub.start_servers("alice")["alice"]
    began = time.monotonic()
    hub.wait_stopped(token, "alice", timeout=120)
    assert time.monotonic() - began >= 10  # the culler, not a failed start
    again = culler(hub, admin)
    assert (again.pid, again.create_time()) == (first.pid, first.create_time())
    assert again.is_running() and again.status() != psutil.STATUS_ZOMBIE
