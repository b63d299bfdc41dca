"""A first day on the platform in Chromium, as a staff member and as an analyst meet it.

Every page on the way is Korean (Latin words only from a short allow-list of names and
units), shows no "None" and no number like 5.701e+05, and nothing is asked of any host but
127.0.0.1: the hub's pages, its error pages, the progress page of a starting server,
JupyterLab (in Korean by default) and a notebook with math rendered by Voila inside it.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.browser import browser, log_in, save_in_home, watch, watched_page

pytestmark = [pytest.mark.docker, pytest.mark.browser]

#: Latin words a Korean page may show: names of products and standards, units.
ALLOWED = frozenset(
    {"AI", "API", "CPU", "CSV", "GB", "GIS", "GPU", "ID", "JupyterHub", "JupyterLab", "KST"}
    | {"GiB", "JSON", "MB", "MiB", "Python", "Voila", "scope"}
)


def foreign(text: str, *names: str) -> list[str]:
    """The Latin words of ``text``, less ``names`` (a user's, a token), that are not allowed."""
    for name in names:
        text = text.replace(name, " ")
    return sorted(set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED)


def assert_korean(page, *names: str) -> None:
    """What ``page`` shows (its rendered text) is Korean, with readable numbers."""
    text = page.inner_text("body")
    assert foreign(text, *names) == [], (page.url, foreign(text, *names), text[:1500])
    assert not re.search(r"\d\.\d+e[+-]?\d+", text), (page.url, text[:1500])


@pytest.fixture(scope="module")
def chromium():
    with browser() as chromium:
        yield chromium


def logged_in(hub, chromium, name: str):
    """A new browser context with ``name`` logged in on the hub's home page (checked
    Korean): the context, its watched page and the page."""
    context = chromium.new_context()
    watched = watched_page(context)
    log_in(watched.page, hub.url, name, hub.passwords[name])
    assert_korean(watched.page, name)
    return context, watched, watched.page


def test_a_staff_members_first_day(running_hub, chromium):
    hub = running_hub
    context, watched, page = logged_in(hub, chromium, "carol")

    page.goto(f"{hub.url}/hub/token")
    assert_korean(page, "carol")
    page.fill("#token-note", "첫날")
    page.click("#request-token-form button[type=submit]")
    page.wait_for_selector("#token-result:not(:empty)")
    token = page.inner_text("#token-result")
    assert_korean(page, "carol", token)

    # the pages of a wrong turn: the admin's page, a page that is not there, no server
    for path, status, title in (
        ("/hub/admin", 403, "이 페이지를 볼 권한이 없습니다"),
        ("/hub/no-such-page", 404, "페이지를 찾을 수 없습니다"),
        ("/hub/user/carol/lab", 424, "서버가 실행 중이 아닙니다"),
    ):
        response = page.goto(f"{hub.url}{path}")
        assert response.status == status, path
        assert title in page.inner_text("h1"), path
        assert_korean(page, "carol")
    context.close()
    assert watched.outside() == []


MATH = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": "인구 증가율 $r = (P_1 - P_0) / P_0$"},
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": "print('계산 끝')",
        },
    ],
    "metadata": {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}


def test_an_analysts_first_day(running_hub, chromium):
    hub = running_hub
    context = chromium.new_context()
    watched = watched_page(context)
    page = watched.page
    log_in(page, hub.url, "bob", hub.passwords["bob"])
    page.click("#start")  # 내 서버 시작: the spawn form
    page.wait_for_selector("#spawn_form")
    assert_korean(page, "bob")

    # the form's request waits for the start; a second tab shows its progress meanwhile
    watched_progress = watch(context.new_page())
    progress = watched_progress.page
    with page.expect_navigation(timeout=180_000):
        page.click("#spawn_form button[type=submit]", no_wait_after=True)
        pending = f"{hub.url}/hub/spawn-pending/bob"
        deadline = time.monotonic() + 30
        while not (progress.url == pending and progress.query_selector("#progress-message")):
            assert time.monotonic() < deadline, "the start never showed its progress page"
            progress.goto(pending)  # until the hub has the request (before: the spawn form)
        progress.wait_for_function(
            "document.querySelector('#progress-message').textContent.length > 0"
        )
        assert "시작하는 중" in progress.inner_text("body")
        assert_korean(progress, "bob")
    progress.close()

    # JupyterLab speaks Korean from the first start
    page.wait_for_url("**/user/bob/lab**", timeout=180_000)
    page.wait_for_selector("#jp-main-dock-panel", timeout=120_000)
    page.wait_for_function(
        "[...document.querySelectorAll('.lm-MenuBar-itemLabel')]"
        ".some(label => label.textContent === '파일')",
        timeout=60_000,
    )

    # a notebook with math, rendered by Voila inside the analyst's server, typesets it
    # without asking a CDN for MathJax
    save_in_home(page, "bob", "math.ipynb", json.dumps(MATH, ensure_ascii=False))
    page.goto(f"{hub.url}/user/bob/voila/render/math.ipynb", timeout=120_000)
    page.wait_for_selector("text=계산 끝", timeout=120_000)
    page.wait_for_selector("mjx-container", timeout=30_000)
    context.close()
    assert watched.outside() == [] and watched_progress.outside() == []


def test_an_administrators_first_day(running_hub, chromium):
    hub = running_hub
    context, watched, page = logged_in(hub, chromium, "boss")
    hub.wait_for_service("quota")
    page.click('[data-entrance="quota"] a')
    page.wait_for_selector("#usage-month")
    # identifiers stay as they are: users, groups, profiles, the system's own changes
    assert_korean(page, *hub.passwords, "admin", "analyst", "staff", "basic", "analysis", "system")
    context.close()
    assert watched.outside() == []
