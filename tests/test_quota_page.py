"""The quota admin page through a real proxy and hub: the policy form, the Korean audit log,
usage per month and Korean refusals; then in headless Chromium on a separated network, an
administrator changes a profile with the form and reads the change in the audit log
(screenshot in var/screenshots/quota.png)."""

from __future__ import annotations

import copy
import html
import json
import re
from datetime import datetime
from pathlib import Path

import pytest
import requests

from hub.quota_policy import parse_policy
from hub.quota_store import QuotaStore
from hub.usage import SEOUL
from tests.browser import browser, log_in, watched_page
from tests.conftest import started_hub

POLICY = {
    "profiles": [
        {"slug": "basic", "name": "기본", "description": "가벼운 분석", "cpu": 0.5, "mem": "1G"},
        {
            "slug": "analysis",
            "name": "분석",
            "description": "큰 분석",
            "cpu": 1,
            "mem": "1536M",
            "idle_timeout": 7200,
            "max_age": 5,
        },
    ],
    "grants": {"staff": ["basic"], "analyst": ["basic", "analysis"], "*": []},
    "users": {"kim": ["analysis"]},
    "host": {"cpus": 2, "mem": "3G", "gpus": []},
}
#: A month long past in which one session ran, for two hours.
PAST_MONTH, PAST_START = "2025-03", datetime(2025, 3, 10, 9, tzinfo=SEOUL).timestamp()
QUOTA = "services/quota"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"


@pytest.fixture(scope="module")
def hub(request, tmp_path_factory):
    users = {"boss": "admin", "carol": "staff"}
    with started_hub(request, tmp_path_factory.mktemp("quota-page"), users) as hub:
        hub.wait_for_service("quota")
        store = QuotaStore(hub.settings.quota_db)
        basic = parse_policy(POLICY).profiles["basic"]
        store.open_session("lee", {"analyst"}, basic, host_mem=10**15, gpu_inventory=())
        with store.transaction() as db:
            db.execute(
                "UPDATE sessions SET started = ?, stopped = ? WHERE user = 'lee'",
                (PAST_START, PAST_START + 7200),
            )
        yield hub


@pytest.fixture(scope="module")
def token(hub):
    return hub.token(hub.login("boss"), "boss")


def service(hub, token: str, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(
        method,
        f"{hub.url}/{QUOTA}/{path}",
        headers={"Authorization": f"token {token}"},
        timeout=30,
        **kwargs,
    )


@pytest.fixture
def policy(hub, token):
    """POLICY in force for the test (put back after it)."""
    response = service(hub, token, "PUT", "api/policy", json=POLICY)
    assert response.status_code == 200, response.text
    yield response.json()
    service(hub, token, "PUT", "api/policy", json=POLICY)


def test_the_page_has_a_form_for_every_field_and_a_month_selector(hub, policy):
    page = hub.login("boss").get(f"{hub.url}/{QUOTA}/")
    assert page.status_code == 200
    text = page.text
    for field in ("slug", "name", "description", "cpu", "mem", "gpus", "idle_timeout"):
        assert text.count(f'name="{field}"') >= 3, field  # two profiles and a new one
    assert 'data-slug="analysis"' in text and 'value="7200"' not in text  # shown in minutes
    assert re.search(r'name="idle_timeout"[^>]*data-unit="60"\s+value="120"', text)
    assert 'data-group="*"' in text and 'value="kim"' in text
    assert "JSON으로 편집" in text and '"slug": "basic"' in html.unescape(text)
    months = re.findall(r'<option value="(\d{4}-\d\d)"', text)
    assert months[-1] == PAST_MONTH and months == sorted(months, reverse=True)
    assert re.search(r'<option value="[^"]+" selected>', text)  # the current month
    # everything the page loads comes from the service itself
    assert not re.search(r'(src|href)="(https?:)?//', text)
    script = re.search(r'<script src="([^"]+)"', text).group(1)
    assert script.startswith(f"/{QUOTA}/static/quota.js")
    assert requests.get(f"{hub.url}{script}", timeout=30).status_code == 200


def test_a_policy_change_is_audited_in_korean_on_the_seoul_clock(hub, token, policy):
    changed = copy.deepcopy(POLICY)
    changed["profiles"][0]["cpu"] = 1
    changed["grants"]["staff"] = ["basic", "analysis"]
    assert service(hub, token, "PUT", "api/policy", json=changed).status_code == 200
    entry = service(hub, token, "GET", "api/audit?limit=1").json()["entries"][0]
    assert entry["actor"] == "boss" and entry["action"] == "policy.set"
    assert entry["label"] == "정책 변경"
    assert entry["changes"] == ["프로필 기본: CPU 0.5 → 1", "그룹 staff: 기본 → 기본, 분석"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d KST", entry["when"])
    assert '"cpu": 0.5' in entry["before"] and '"cpu": 1.0' in entry["after"]  # as before
    page = hub.login("boss").get(f"{hub.url}/{QUOTA}/").text
    assert "프로필 기본: CPU 0.5 → 1" in page and entry["when"] in page


def test_usage_of_a_past_month_and_its_csv(hub, token, policy):
    answer = service(hub, token, "GET", f"api/usage?month={PAST_MONTH}").json()
    assert answer["month"] == PAST_MONTH
    (lee,) = answer["rows"]
    assert lee["name"] == "lee" and lee["hours"] == 2.0 and lee["cpu_hours"] == 1.0
    csv = service(hub, token, "GET", f"api/usage?month={PAST_MONTH}&by=group&format=csv")
    assert f"usage-group-{PAST_MONTH}.csv" in csv.headers["Content-Disposition"]
    assert "analyst" in csv.content.decode("utf-8-sig")


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "message"),
    [
        ("GET", "api/usage?month=2026-13", None, 400, "YYYY-MM 형식으로 써 주세요"),
        ("GET", "api/usage?month=11%2F2026", None, 400, "'11/2026'을 알 수 없습니다"),
        ("GET", "api/usage?by=gu", None, 400, "by는 user(사용자별) 또는 group(그룹별)"),
        ("GET", "api/usage?format=xlsx", None, 400, "format은 json 또는 csv"),
        ("GET", "api/audit?limit=many", None, 400, "limit은 1부터 10000 사이의 정수"),
        ("PUT", "api/policy", b'{"profiles": [', 400, "JSON 형식이 올바르지 않습니다 (줄 1,"),
        ("PUT", "api/policy", b'{"a": "\xc3\x28"}', 400, "UTF-8로 쓴 JSON"),
        ("PUT", "api/policy", b"[]", 400, "정책 오류 — 정책 (policy): 정책은 JSON 객체여야"),
        ("POST", "api/policy", b"{}", 405, "허용되지 않는 요청 방식입니다"),
        ("GET", "api/nothing", None, 404, "없는 주소입니다"),
    ],
    ids=["month", "month-format", "by", "format", "limit", "json", "utf8", "type", "405", "404"],
)
def test_refusals_are_in_korean(hub, token, policy, method, path, body, status, message):
    response = service(hub, token, method, path, data=body)
    assert response.status_code == status, response.text
    assert message in response.json()["message"]


def test_a_bad_value_names_the_field_in_korean_and_changes_nothing(hub, token, policy):
    broken = copy.deepcopy(POLICY)
    broken["profiles"][1]["cpu"] = 4
    response = service(hub, token, "PUT", "api/policy", json=broken)
    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "message": "정책 오류 — 프로필 '분석'의 CPU (profiles[1].cpu):"
        " CPU 4개는 호스트의 CPU 2개보다 많습니다",
        "field": "profiles[1].cpu",
    }
    assert service(hub, token, "GET", "api/policy").json() == policy


def test_others_are_refused_in_korean(hub):
    # the hub itself refuses her the service's login (its own Korean error page) …
    page = hub.login("carol").get(f"{hub.url}/{QUOTA}/")
    assert page.status_code == 403 and "이 페이지를 볼 권한이 없습니다" in page.text
    # … and the service refuses her token
    carols = hub.token(hub.login("carol"), "carol")
    api = service(hub, carols, "GET", "api/policy")
    assert api.status_code == 403 and api.json()["message"] == "관리자만 사용할 수 있습니다."
    anonymous = requests.get(f"{hub.url}/{QUOTA}/api/policy", timeout=30)
    assert anonymous.status_code == 403 and "로그인이 필요합니다" in anonymous.json()["message"]


def _audit_rows(page) -> list[str]:
    return page.locator("#audit tr").all_inner_texts()[1:]


@pytest.mark.browser
def test_an_administrator_edits_a_profile_with_the_form(hub, token, policy):
    with browser() as chromium:
        context = chromium.new_context(viewport={"width": 1280, "height": 1400})
        watched = watched_page(context)
        page = watched.page
        log_in(page, hub.url, "boss", hub.passwords["boss"])
        page.goto(f"{hub.url}/{QUOTA}/", timeout=60_000)
        before = _audit_rows(page)

        # saving the form untouched puts the same policy in force: nothing to audit
        with page.expect_navigation():  # saved: the page shows the policy now in force
            page.click("#save-form")
        assert _audit_rows(page) == before
        assert service(hub, token, "GET", "api/policy").json() == policy

        # a value the host cannot give: the Korean error next to the form, nothing changed
        cpu = page.locator("fieldset[data-slug=basic] input[name=cpu]")
        cpu.fill("8")
        page.click("#save-form")
        error = page.wait_for_selector("#form-message.error", timeout=30_000)
        assert error.inner_text() == (
            "정책 오류 — 프로필 '기본'의 CPU (profiles[0].cpu):"
            " CPU 8개는 호스트의 CPU 2개보다 많습니다"
        )
        assert cpu.get_attribute("aria-invalid") == "true"
        assert service(hub, token, "GET", "api/policy").json() == policy
        assert _audit_rows(page) == before

        # a good value and a grant: saved, and the audit row says before → after, in KST
        cpu.fill("1")
        page.locator("fieldset[data-slug=analysis] input[name=max_age]").fill("8")
        page.check("tr[data-group=staff] input[value=analysis]")
        with page.expect_navigation():
            page.click("#save-form")
        newest = _audit_rows(page)[0]
        assert "boss" in newest and "정책 변경" in newest and "KST" in newest
        for line in (
            "프로필 기본: CPU 0.5 → 1",
            "프로필 분석: 최대 실행 시간 5초 → 8시간",
            "그룹 staff: 기본 → 기본, 분석",
        ):
            assert line in newest
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "quota.png"), full_page=True)
        now = service(hub, token, "GET", "api/policy").json()
        assert now["profiles"][0]["cpu"] == 1 and now["profiles"][1]["max_age"] == 8 * 3600
        assert now["grants"]["staff"] == ["basic", "analysis"]
        assert now["users"] == {"kim": ["analysis"]} and now["grants"]["*"] == []

        # usage of the month chosen, and the CSV links follow it
        page.select_option("#month", PAST_MONTH)
        page.wait_for_function(
            f"() => document.querySelector('#usage-month').textContent === '{PAST_MONTH}'"
        )
        assert page.locator("#usage tbody tr").all_inner_texts()[0].split("\t")[:3] == [
            "lee",
            "1",
            "2",
        ]
        href = page.get_attribute("#csv-user", "href")
        assert href == f"api/usage?month={PAST_MONTH}&by=user&format=csv"

        assert watched.outside() == []
        # the refused save is the one error response, on purpose
        unexpected = [e for e in watched.errors if "api/policy" not in e and "400" not in e]
        assert unexpected == [], unexpected
        context.close()


@pytest.mark.browser
def test_the_json_editor_saves_through_the_same_path(hub, token, policy):
    with browser() as chromium:
        context = chromium.new_context()
        page = watched_page(context).page
        log_in(page, hub.url, "boss", hub.passwords["boss"])
        page.goto(f"{hub.url}/{QUOTA}/", timeout=60_000)
        page.click("#json-editor summary")
        page.fill("#policy", '{"profiles": [}')
        page.click("#save-json")
        error = page.wait_for_selector("#json-message.error", timeout=30_000)
        assert error.inner_text().startswith("JSON 형식이 올바르지 않습니다 (줄 1,")
        assert service(hub, token, "GET", "api/policy").json() == policy

        changed = copy.deepcopy(POLICY)
        changed["profiles"][0]["name"] = "기초"
        page.fill("#policy", json.dumps(changed, ensure_ascii=False))
        with page.expect_navigation():  # saved: the page shows the policy now in force
            page.click("#save-json")
        assert "프로필 기초: 이름 기본 → 기초" in _audit_rows(page)[0]
        assert page.input_value("fieldset[data-slug=basic] input[name=name]") == "기초"
        context.close()


def test_an_unknown_page_is_a_korean_page(hub, token):
    response = service(hub, token, "GET", "nothing-here")
    assert response.status_code == 404 and response.headers["Content-Type"].startswith("text/html")
    assert "없는 주소입니다" in response.text and 'lang="ko"' in response.text
