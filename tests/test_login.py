"""Password login through the real proxy and hub; the Korean home page and its entrances."""

from __future__ import annotations


def test_password_login_and_refusal(running_hub):
    good = running_hub.login("alice")
    assert good.login_status == 302
    # staff land on the Korean home page, not in an automatic spawn
    assert good.get(f"{running_hub.url}/hub/").url == f"{running_hub.url}/hub/home"
    assert (
        good.get(
            f"{running_hub.url}/hub/api/user",
            headers={"X-XSRFToken": good.cookies.get("_xsrf", "")},
        ).json()["name"]
        == "alice"
    )

    wrong = running_hub.login("alice", "not-her-password")
    assert wrong.login_status == 403
    assert (
        "아이디 또는 비밀번호가 올바르지 않습니다"
        in wrong.post(
            f"{running_hub.url}/hub/login",
            data={"username": "alice", "password": "x", "_xsrf": wrong.cookies.get("_xsrf", "")},
        ).text
    )
    stranger = running_hub.login("mallory", "whatever-password")
    assert stranger.login_status == 403


def test_groups_come_from_the_account(running_hub):
    token = running_hub.token(running_hub.login("boss"), "boss")
    model = running_hub.api(token, "GET", "/users/boss").json()
    assert model["admin"] is True and model["groups"] == ["admin"]


def test_home_page_is_korean_and_lists_only_own_entrances(running_hub):
    analyst = running_hub.login("bob").get(f"{running_hub.url}/hub/home").text
    assert "서울 데이터 허브" in analyst
    assert 'data-entrance="lab"' in analyst
    assert 'data-entrance="quota"' not in analyst
    admin = running_hub.login("boss").get(f"{running_hub.url}/hub/home").text
    assert 'data-entrance="quota"' in admin and "services/quota/" in admin
    staff = running_hub.login("carol").get(f"{running_hub.url}/hub/home").text
    # staff see the dashboards (Korean title, one line each) and nothing that needs a server
    assert 'data-entrance="dashboard-population_hall"' in staff and "서울 인구관" in staff
    assert 'data-entrance="lab"' not in staff and 'data-entrance="quota"' not in staff
    assert 'id="my-server"' not in staff  # no server, nothing to stop

    # what staff can open now, per Data300 field: a dataset ingested while the hub runs
    # counts at the next page
    from seoul_data.sources import ingest_bundled

    def open_data() -> str:
        home = running_hub.login("carol").get(f"{running_hub.url}/hub/home").text
        return home.split('id="open-data">')[1].split("</p>")[0]

    before = open_data()
    assert "인구/가구 " in before and "환경 " in before
    ingest_bundled(running_hub.settings.data_dir, only={"population.gu_resident_total"})
    opened = int(before.split("인구/가구 ")[1].split()[0]) + 1
    assert f"인구/가구 {opened}" in open_data()


def test_anyone_with_a_running_server_sees_it_and_can_stop_it(running_hub):
    """Staff may start a server (the default policy grants them 기본) without the lab
    entrance: the home page still shows it running, with the stop button."""
    token = running_hub.start_servers("carol")["carol"]
    try:
        home = running_hub.login("carol").get(f"{running_hub.url}/hub/home").text
        assert 'id="my-server"' in home and "내 서버가 실행 중입니다" in home
        assert home.count('id="stop"') == 1 and "내 서버 중지" in home
    finally:
        running_hub.api(token, "DELETE", "/users/carol/server")
        running_hub.wait_stopped(token, "carol")


def test_no_open_signup(running_hub):
    response = running_hub.login("bob").get(f"{running_hub.url}/hub/signup", allow_redirects=False)
    assert response.status_code == 404


def test_services_end_with_a_killed_hub(tmp_path):
    """A hub killed outright (no clean shutdown) leaves no service process behind."""
    import os
    import signal
    import time
    from pathlib import Path

    from hub import processes
    from tests.running_hub import RunningHub, hub_settings_for

    hub = RunningHub(hub_settings_for(tmp_path)).start()
    marker = f"SDH_QUOTA_DB={hub.settings.quota_db}".encode()

    def services() -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and marker in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
        return found

    try:
        deadline = time.monotonic() + 30
        while not services():
            assert time.monotonic() < deadline, "the quota service never started"
            time.sleep(0.2)
        os.kill(processes.running_pid(hub.settings, "hub"), signal.SIGKILL)
        deadline = time.monotonic() + 15
        while services():
            assert time.monotonic() < deadline, f"orphaned services: {services()}"
            time.sleep(0.2)
    finally:
        hub.clean_up(show_logs=False)
