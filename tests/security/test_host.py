"""The host side: the state directory is the platform's alone, and no program can squat the
hub's port to collect logins while the hub (re)starts."""

from __future__ import annotations

import socket
import stat

import pytest

from hub import processes
from hub.network import hub_address

pytestmark = pytest.mark.docker


def test_state_files_are_the_platforms_alone(running_hub):
    state = running_hub.settings.state_dir
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    names = {
        "proxy_token",
        "jupyterhub_cookie_secret",
        "jupyterhub.sqlite",
        "accounts.sqlite",
        "quota.sqlite",
    }
    assert names <= {p.name for p in state.iterdir()}
    for path in state.rglob("*"):
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def test_the_hub_does_not_start_on_a_taken_port(make_hub, docker_engine):
    hub = make_hub()
    squatter = socket.socket()
    squatter.bind((hub_address(hub.settings), hub.settings.hub_port))
    squatter.listen()
    try:
        processes.start_proxy(hub.settings)
        with pytest.raises(processes.ProcessError, match=f"port {hub.settings.hub_port}.*taken"):
            processes.start_hub(hub.settings, timeout=30)
        assert processes.running_pid(hub.settings, "hub") is None
    finally:
        squatter.close()
    # the port free again, the same hub starts (the refusal was about the port)
    processes.start_hub(hub.settings)
    assert processes.running_pid(hub.settings, "hub")
