"""A running hub whose state disk fills up: a log-in and a token fail with a message that
says why, the hub keeps running, and once space is freed the same users log in (no
restart) and every store is intact."""

from __future__ import annotations

import html

import pytest

from hub import processes
from tests.faults.full_disk import fill, integrity, small_filesystem

pytestmark = pytest.mark.docker

FULL_PAGE = "서버의 저장 공간이 가득 차서 요청을 처리하지 못했습니다"


@pytest.fixture
def state_disk(tmp_path):
    """A small file system for the hub's state; unmounted after the hub is cleaned up."""
    with small_filesystem(tmp_path / "state", size="64m") as state:
        yield state


def test_hub_on_a_full_state_disk(state_disk, make_hub, docker_engine):
    state = state_disk
    hub = make_hub(state_dir=state, network="host")
    hub.add_user("alice", "analyst")
    hub.add_user("bob", "analyst")
    hub.start()
    alice = hub.login("alice")
    assert alice.login_status == 302
    hub.token(alice, "alice")
    filler = fill(state)
    try:
        # bob's first log-in makes his hub user: a write, refused with the reason
        bob = hub.login("bob")
        assert bob.login_status == 500
        page = bob.post(
            f"{hub.url}/hub/login",
            data={
                "username": "bob",
                "password": hub.passwords["bob"],
                "_xsrf": bob.cookies.get("_xsrf", ""),
            },
        )
        assert FULL_PAGE in html.unescape(page.text), page.text[-2000:]
        # a new token is a write too
        response = alice.post(
            f"{hub.url}/hub/api/users/alice/tokens",
            json={"note": "full", "expires_in": 3600},
            headers={"X-XSRFToken": alice.cookies.get("_xsrf", "")},
        )
        assert response.status_code == 500
        assert processes.running_pid(hub.settings, "hub")
    finally:
        filler.unlink()

    # space again: the same accounts log in, tokens are made, without a restart
    for name in ("alice", "bob"):
        session = hub.login(name)
        # the proxy's log says why when the proxy, not the hub, answered (a 503)
        assert session.login_status == 302, (name, hub.log("proxy")[-2000:])
        token = hub.token(session, name)
        assert hub.api(token, "GET", f"/users/{name}").json()["name"] == name
    for name in ("jupyterhub.sqlite", "accounts.sqlite", "quota.sqlite"):
        assert integrity(state / name) == "ok", name
