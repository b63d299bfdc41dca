"""The proxy killed (``kill -9``): the hub starts it again and puts the routes back; a
logged-in user reaches their running server again with the cookies they have."""

from __future__ import annotations

import os
import signal
import time

import pytest
import requests

from hub import processes

pytestmark = pytest.mark.docker


def open_lab(hub, session: requests.Session, name: str) -> requests.Response:
    """Open ``name``'s JupyterLab with the browser session (no log-in form is filled)."""
    return session.get(f"{hub.url}/user/{name}/lab", timeout=30)


def test_proxy_killed_is_started_again_with_its_routes(make_hub, docker_engine):
    hub = make_hub()
    hub.add_user("alice", "analyst")
    hub.start()
    session = hub.login("alice")
    token = hub.token(session, "alice")
    assert hub.api(token, "POST", "/users/alice/server").status_code in (201, 202)
    hub.wait_ready(token, "alice")
    lab = open_lab(hub, session, "alice")
    assert lab.status_code == 200 and "JupyterLab" in lab.text

    killed = processes.running_pid(hub.settings, "proxy")
    os.kill(killed, signal.SIGKILL)
    os.waitpid(killed, 0)  # this test started it: reap it, as init does for `seoul-hub up`
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{hub.url}/hub/login", timeout=5)

    deadline = time.monotonic() + 60
    while True:
        try:
            lab = open_lab(hub, session, "alice")
            if lab.status_code == 200:
                break
        except requests.ConnectionError:
            pass
        assert time.monotonic() < deadline, "the proxy was not started again in 60 s"
        time.sleep(0.5)
    # the same server, reached with the cookies alice had: no log-in form on the way (a
    # request that came before the routes were back went to the hub, which sends the
    # browser back with ?redirects=N, as JupyterHub does for a missing route)
    assert "JupyterLab" in lab.text
    assert lab.url.split("?")[0] == f"{hub.url}/user/alice/lab"
    assert not any("/hub/login" in r.headers.get("Location", "") for r in lab.history)
    status = session.get(f"{hub.url}/user/alice/api/status", timeout=30)
    assert status.status_code == 200, status.text
    assert processes.running_pid(hub.settings, "proxy") not in (None, killed)
    assert "The proxy is not running: starting it again" in hub.hub_log()
