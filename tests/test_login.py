"""Password login through the real proxy and hub; the Korean home page and its entrances."""

from __future__ import annotations


def test_password_login_and_refusal(running_hub):
    good = running_hub.login("alice")
    assert good.login_status == 302
    # staff land on the Korean home page, not in an automatic spawn
    assert good.get(f"{running_hub.url}/hub/").url == f"{running_hub.url}/hub/home"
    assert good.get(f"{running_hub.url}/hub/api/user", headers={
        "X-XSRFToken": good.cookies.get("_xsrf", "")}).json()["name"] == "alice"  # fmt: skip

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
    assert 'data-entrance="admin"' not in analyst
    admin = running_hub.login("boss").get(f"{running_hub.url}/hub/home").text
    assert 'data-entrance="admin"' in admin
    staff = running_hub.login("carol").get(f"{running_hub.url}/hub/home").text
    assert "data-entrance" not in staff and 'id="no-entrances"' in staff


def test_no_open_signup(running_hub):
    response = running_hub.login("bob").get(f"{running_hub.url}/hub/signup", allow_redirects=False)
    assert response.status_code == 404
