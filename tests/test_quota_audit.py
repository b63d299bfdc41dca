"""The quota admin page's Korean: the audit log's before → after, Seoul times, policy errors
that name the field, and the months usage can be shown for (no hub needed)."""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime

import pytest

from hub.quota_audit import (
    describe,
    duration,
    field_label,
    kst,
    policy_changes,
    policy_error_message,
)
from hub.quota_policy import PolicyError, parse_policy
from hub.quota_store import QuotaStore
from hub.usage import SEOUL, current_month, month_bounds, months_with_usage
from tests.test_quota_policy import POLICY

HANGUL = re.compile(r"[가-힣]")


def at(text: str) -> float:
    """Epoch seconds of a Seoul wall-clock time 'YYYY-MM-DD HH:MM'."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SEOUL).timestamp()


def normalised(document: dict) -> dict:
    """The document as the store records it (what the audit log's before/after hold)."""
    return parse_policy(document).to_document()


def changed(**edits) -> dict:
    """POLICY with ``edits``: ``profile_<slug>_<field>``, ``grants``, ``users``, ``host``."""
    document = copy.deepcopy(POLICY)
    for key, value in edits.items():
        if key.startswith("profile_"):
            slug, field = key[len("profile_") :].split("__")
            (profile,) = [p for p in document["profiles"] if p["slug"] == slug]
            profile[field] = value
        else:
            document[key] = value
    return document


def test_times_are_shown_on_the_seoul_clock():
    assert kst(datetime.fromisoformat("2026-12-03T12:05:00+00:00").timestamp()) == (
        "2026-12-03 21:05 KST"
    )
    # past midnight in Seoul is still the day before in UTC
    assert kst(datetime.fromisoformat("2026-12-31T15:30:00+00:00").timestamp()) == (
        "2027-01-01 00:30 KST"
    )


def test_durations_in_korean():
    assert duration(0, "제한 없음") == "제한 없음"
    assert duration(3600, "안 함") == "1시간"
    assert duration(5400, "안 함") == "1시간 30분"
    assert duration(5, "안 함") == "5초"
    assert duration(2 * 86400 + 60, "안 함") == "2일 1분"


@pytest.mark.parametrize(
    ("edits", "lines"),
    [
        ({"profile_basic__cpu": 2}, ["프로필 기본: CPU 1 → 2"]),
        ({"profile_basic__cpu": 0.5}, ["프로필 기본: CPU 1 → 0.5"]),
        ({"profile_analysis__mem": "12G"}, ["프로필 분석: 메모리 16G → 12G"]),
        ({"profile_basic__mem": "1536M"}, ["프로필 기본: 메모리 2G → 1536M"]),
        ({"profile_analysis__idle_timeout": 1800}, ["프로필 분석: 미사용 자동 종료 2시간 → 30분"]),
        ({"profile_basic__idle_timeout": 0}, ["프로필 기본: 미사용 자동 종료 1시간 → 안 함"]),
        ({"profile_gpu__max_age": 0}, ["프로필 GPU: 최대 실행 시간 8시간 → 제한 없음"]),
        ({"profile_basic__name": "기초"}, ["프로필 기초: 이름 기본 → 기초"]),
        ({"profile_basic__description": "짧은 분석"}, ["프로필 기본: 설명 (빈 값) → 짧은 분석"]),
        ({"profile_basic__pids": 512}, ["프로필 기본: 프로세스 수 한도 1024 → 512"]),
        ({"profile_basic__home": "20G"}, ["프로필 기본: 홈 용량 10G → 20G"]),
        (
            {"grants": {**POLICY["grants"], "staff": ["basic", "analysis"]}},
            ["그룹 staff: 기본 → 기본, 분석"],
        ),
        (
            {"grants": {k: v for k, v in POLICY["grants"].items() if k != "*"}},
            ["그룹 없는 사용자: 기본 → 지정 안 함"],
        ),
        ({"grants": {**POLICY["grants"], "staff": []}}, ["그룹 staff: 기본 → 없음"]),
        (
            {"users": {"kim": ["analysis"], "lee": ["gpu"]}},
            ["사용자 lee 개별 지정: 지정 안 함 → GPU"],
        ),
        ({"users": {}}, ["사용자 kim 개별 지정: 분석 → 지정 안 함"]),
        (
            {"host": {"cpus": 32, "mem": "128G", "gpus": ["0", "1", "2"]}},
            ["호스트: CPU 16 → 32", "호스트: GPU 0, 1 → 0, 1, 2"],
        ),
    ],
)
def test_each_changed_field_is_one_line_before_to_after(edits, lines):
    assert policy_changes(normalised(POLICY), normalised(changed(**edits))) == lines


def test_profiles_added_removed_and_reordered():
    before = normalised(POLICY)
    added = copy.deepcopy(POLICY)
    added["profiles"].append(
        {"slug": "big", "name": "대형", "description": "", "cpu": 8, "mem": "32G"}
    )
    assert policy_changes(before, normalised(added)) == [
        "프로필 대형: 추가 (CPU 8 · 메모리 32G · GPU 0)"
    ]

    removed = copy.deepcopy(POLICY)
    removed["profiles"] = removed["profiles"][:2]
    removed["grants"] = {
        g: [s for s in slugs if s != "gpu"] for g, slugs in POLICY["grants"].items()
    }
    assert policy_changes(before, normalised(removed)) == [
        "프로필 GPU: 삭제",
        "그룹 analyst: 기본, 분석, GPU → 기본, 분석",
        "그룹 admin: 기본, 분석, GPU → 기본, 분석",
    ]

    reordered = copy.deepcopy(POLICY)
    reordered["profiles"].reverse()
    assert policy_changes(before, normalised(reordered)) == [
        "프로필 순서: 기본, 분석, GPU → GPU, 분석, 기본"
    ]
    assert policy_changes(before, before) == []


def test_the_first_policy_is_summarised():
    assert policy_changes(None, normalised(POLICY)) == ["처음 정책: 프로필 3개 (기본, 분석, GPU)"]


def test_audit_entries_from_the_store_read_in_korean(tmp_path):
    store = QuotaStore(tmp_path / "quota.sqlite")
    store.set_policy(POLICY, actor="system")
    store.set_policy(changed(profile_basic__cpu=2, profile_basic__mem="4G"), actor="boss")
    store.audit("quota-service", "server.stopped.max_age", "dave")
    store.reconcile({"ghost": {"profile": "gpu", "cpu": 8, "mem": 64 * 2**30, "gpus": ["1"]}})
    adopted, stopped, changed_, first = [describe(e) for e in store.audit_log()]

    assert changed_["label"] == "정책 변경" and changed_["actor"] == "boss"
    assert changed_["changes"] == ["프로필 기본: CPU 1 → 2", "프로필 기본: 메모리 2G → 4G"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d KST", changed_["when"])
    # what the API gave before stays: the documents and the epoch time
    assert json.loads(changed_["after"])["profiles"][0]["cpu"] == 2
    assert isinstance(changed_["time"], float) and changed_["action"] == "policy.set"
    assert first["changes"] == ["처음 정책: 프로필 3개 (기본, 분석, GPU)"]
    assert stopped["label"] == "서버 중지 (최대 실행 시간 초과)"
    assert stopped["changes"] == ["사용자 dave"]
    assert adopted["label"] == "실행 중인 서버 등록"
    assert adopted["changes"] == ["사용자 ghost: 프로필 gpu · CPU 8 · 메모리 64 GiB · GPU 1개"]


def test_a_row_written_by_an_older_version_still_reads(tmp_path):
    """Rows as older versions wrote them: a document without keys added since, a
    before/after that is not JSON, and an action this version does not know."""
    old = normalised(POLICY)
    del old["users"]
    for profile in old["profiles"]:
        del profile["home"], profile["pids"]
    new = normalised(changed(profile_basic__cpu=3))
    entry = {
        "time": at("2026-11-02 09:00"),
        "actor": "cli:root",
        "action": "policy.set",
        "target": "policy",
        "before": json.dumps(old),
        "after": json.dumps(new),
    }
    lines = describe(entry)["changes"]
    assert "프로필 기본: CPU 1 → 3" in lines
    assert "프로필 기본: 홈 용량 없음 → 10G" in lines
    assert "사용자 kim 개별 지정: 지정 안 함 → 분석" in lines
    assert describe({**entry, "before": "{not json"})["changes"] == [
        "(기록된 내용을 읽을 수 없습니다)"
    ]
    odd = describe({**entry, "action": "quota.reset", "before": None, "after": None})
    assert odd["label"] == "quota.reset" and odd["changes"] == ["policy"]
    assert describe(entry)["when"] == "2026-11-02 09:00 KST"


def _refusal(document: dict) -> PolicyError:
    with pytest.raises(PolicyError) as error:
        parse_policy(document)
    return error.value


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            changed(profile_analysis__cpu=32),
            "정책 오류 — 프로필 '분석'의 CPU (profiles[1].cpu):"
            " CPU 32개는 호스트의 CPU 16개보다 많습니다",
        ),
        (
            changed(profile_basic__mem="-2G"),
            "정책 오류 — 프로필 '기본'의 메모리 (profiles[0].mem):"
            " 용량으로 읽을 수 없습니다 (입력: -2G; 예: 512M, 2G)",
        ),
        (
            changed(profile_basic__cpu=None),
            "정책 오류 — 프로필 '기본'의 CPU (profiles[0].cpu):"
            " 0보다 큰 수여야 합니다 (입력: 없음)",
        ),
        (
            changed(profile_gpu__pids=10),
            "정책 오류 — 프로필 'GPU'의 프로세스 수 한도 (profiles[2].pids):"
            " 10: 64 이상 65536 이하여야 합니다",
        ),
        (
            changed(grants={"wizards": ["basic"]}),
            "정책 오류 — 그룹 wizards의 허용 프로필 (grants.wizards):"
            " 없는 그룹입니다 (있는 그룹: admin, analyst, staff)",
        ),
        (
            changed(users={"kim": ["platinum"]}),
            "정책 오류 — 사용자 kim의 개별 지정 (users.kim): 없는 프로필입니다: platinum",
        ),
        (
            changed(host={"cpus": 16, "mem": "0", "gpus": []}),
            "정책 오류 — 호스트 메모리 (host.mem): 0보다 커야 합니다",
        ),
        (
            changed(users=[]),
            "정책 오류 — 사용자별 개별 지정 (users): JSON 객체여야 합니다",
        ),
    ],
    ids=["cpu", "mem", "missing", "pids", "group", "user", "host", "users-type"],
)
def test_a_refused_policy_says_which_field_in_korean(document, message):
    assert policy_error_message(_refusal(document), document) == message


def test_every_refusal_has_a_korean_message():
    cases = [
        "not a policy",
        changed(profiles=[]),
        changed(profiles=["basic"]),
        changed(profile_basic__shell="/bin/sh"),
        changed(profile_basic__slug="Basic!"),
        changed(profile_analysis__slug="basic"),
        changed(profile_basic__name=" "),
        changed(profile_basic__gpus=1.5),
        changed(profile_basic__home="1M"),
        changed(profile_gpu__gpus=3),
        changed(profile_gpu__mem="1T"),
        changed(grants=[]),
        changed(grants={"staff": "basic"}),
        changed(users={"Bad Name": ["basic"]}),
        changed(host={"cpus": 16, "mem": "128G", "gpus": ["0", "0"]}),
        changed(host={"cpus": 16, "mem": "128G", "gpus": "0"}),
        changed(host={"cpus": True, "mem": "128G", "gpus": []}),
    ]
    for document in cases:
        error = _refusal(document)
        assert HANGUL.search(error.korean), (error.path, error.korean)
        assert HANGUL.search(field_label(error.path, document)), error.path
        assert str(error) == f"{error.path}: {error.problem}"  # the CLI's English stays


def test_field_labels():
    assert field_label("profiles[0].cpu", POLICY) == "프로필 '기본'의 CPU"
    assert field_label("profiles[7].cpu", POLICY) == "8번째 프로필의 CPU"
    assert field_label("profiles[0].shell", POLICY) == "프로필 '기본'의 shell"
    assert field_label("profiles[1]", POLICY) == "프로필 '분석'"
    assert field_label("grants.*", POLICY) == "그룹 없는 사용자의 허용 프로필"
    assert field_label("host", POLICY) == "호스트"
    assert field_label("policy", "not a dict") == "정책"


def test_months_are_seoul_months():
    start, end = month_bounds("2026-11")
    assert start == at("2026-11-01 00:00") and end == at("2026-12-01 00:00")
    # 2026-11-30 16:00 UTC is already December in Seoul
    assert current_month(datetime.fromisoformat("2026-11-30T16:00:00+00:00").timestamp()) == (
        "2026-12"
    )
    with pytest.raises(ValueError, match="YYYY-MM"):
        month_bounds("2026-13")


def test_months_with_usage_newest_first_with_the_current_month():
    now = at("2027-02-10 12:00")
    spans = [
        (at("2026-03-05 10:00"), at("2026-03-05 12:00")),
        (at("2026-03-20 10:00"), at("2026-03-21 10:00")),  # the same month twice
        (at("2026-11-30 22:00"), at("2027-01-01 02:00")),  # over two month ends
        (at("2026-05-31 23:00"), at("2026-06-01 00:00")),  # stopped at midnight on the 1st
    ]
    assert months_with_usage(spans, now=now) == [
        "2027-02",
        "2027-01",
        "2026-12",
        "2026-11",
        "2026-05",
        "2026-03",
    ]
    # a server still running counts up to now
    assert months_with_usage([(at("2026-12-30 09:00"), None)], now=now) == [
        "2027-02",
        "2027-01",
        "2026-12",
    ]
    assert months_with_usage([], now=now) == ["2027-02"]


def test_the_store_lists_every_session_span(tmp_path):
    store = QuotaStore(tmp_path / "quota.sqlite")
    basic = parse_policy(POLICY).profiles["basic"]
    store.open_session("a", {"staff"}, basic, host_mem=10**15, gpu_inventory=())
    store.close_sessions("a")
    store.open_session("b", {"staff"}, basic, host_mem=10**15, gpu_inventory=())
    (a, b) = store.session_spans()
    assert a[1] is not None and a[1] >= a[0] and b[1] is None
