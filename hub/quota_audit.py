"""The quota audit log and policy errors in Korean, for the admin page and its API.

The store records each change as it happened (actor, action, and the policy document
before and after); this module says what changed, the way an administrator reads it:
``프로필 기본: CPU 1 → 2``, at a Seoul time (``2026-12-03 21:05 KST``).
"""

from __future__ import annotations

import json
import re
from datetime import datetime

from hub.quota_policy import NO_GROUP, PolicyError
from hub.usage import SEOUL

#: Korean names of the audit log's actions (an unknown action shows as it is recorded).
ACTIONS = {
    "policy.set": "정책 변경",
    "server.stopped.max_age": "서버 중지 (최대 실행 시간 초과)",
    "server.stopped.admin": "서버 중지 (관리자)",
    "session.adopted": "실행 중인 서버 등록",
}

#: Profile fields in the order the page shows them, with their Korean names.
PROFILE_FIELDS = {
    "slug": "식별자",
    "name": "이름",
    "description": "설명",
    "cpu": "CPU",
    "mem": "메모리",
    "gpus": "GPU",
    "idle_timeout": "미사용 자동 종료",
    "max_age": "최대 실행 시간",
    "pids": "프로세스 수 한도",
    "open_files": "열린 파일 수 한도",
    "home": "홈 용량",
}
HOST_FIELDS = {"cpus": "CPU", "mem": "메모리", "gpus": "GPU"}
_LONGEST = 60
_PATH = re.compile(r"^profiles\[(\d+)\](?:\.(.+))?$")


def kst(timestamp: float) -> str:
    """'2026-12-03 21:05 KST': an epoch time on the Seoul clock."""
    return datetime.fromtimestamp(timestamp, SEOUL).strftime("%Y-%m-%d %H:%M KST")


def action_label(action: str) -> str:
    """The Korean name of an audit action."""
    return ACTIONS.get(action, action)


def duration(seconds: int, zero: str) -> str:
    """'1시간 30분' from seconds; ``zero`` when it is 0 (e.g. '제한 없음')."""
    if not seconds:
        return zero
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "일"), (hours, "시간"), (minutes, "분"), (secs, "초")]
    return " ".join(f"{n}{unit}" for n, unit in parts if n)


def _value(field: str, value) -> str:
    """A profile or host value as the page shows it."""
    if value is None:
        return "없음"
    if field in ("cpu", "cpus") and isinstance(value, int | float):
        return f"{value:g}"
    if field == "idle_timeout":
        return duration(value, "안 함")
    if field == "max_age":
        return duration(value, "제한 없음")
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "없음"
    text = str(value)
    if not text:
        return "(빈 값)"
    return text if len(text) <= _LONGEST else text[: _LONGEST - 1] + "…"


def _profiles(document: dict) -> dict[str, dict]:
    return {p.get("slug"): p for p in document.get("profiles", []) if isinstance(p, dict)}


def _names(slugs, profiles: dict[str, dict]) -> str:
    """Profile slugs as their display names ('기본, 분석'), '없음' for none."""
    return ", ".join(str(profiles.get(s, {}).get("name") or s) for s in slugs) or "없음"


def grant_subject(group: str) -> str:
    return "그룹 없는 사용자" if group == NO_GROUP else f"그룹 {group}"


def policy_changes(before: dict | None, after: dict) -> list[str]:
    """What changed from one policy document to the next, one Korean line per field.

    ``before`` is None for the first policy ever set."""
    new = _profiles(after)
    if before is None:
        return [f"처음 정책: 프로필 {len(new)}개 ({_names(new, new)})"]
    old = _profiles(before)
    lines = []
    for slug, profile in old.items():
        if slug not in new:
            lines.append(f"프로필 {profile.get('name') or slug}: 삭제")
    for slug, profile in new.items():
        subject = f"프로필 {profile.get('name') or slug}"
        if slug not in old:
            shown = " · ".join(
                f"{PROFILE_FIELDS[f]} {_value(f, profile[f])}"
                for f in ("cpu", "mem", "gpus")
                if f in profile
            )
            lines.append(f"{subject}: 추가 ({shown})")
            continue
        for field, label in PROFILE_FIELDS.items():
            was, now = old[slug].get(field), profile.get(field)
            if was != now:
                lines.append(f"{subject}: {label} {_value(field, was)} → {_value(field, now)}")
    kept_old = [s for s in old if s in new]
    kept_new = [s for s in new if s in old]
    if kept_old != kept_new:
        lines.append(f"프로필 순서: {_names(kept_old, old)} → {_names(kept_new, new)}")
    lines += _grant_changes(
        before.get("grants", {}), after.get("grants", {}), old, new, grant_subject, "지정 안 함"
    )
    lines += _grant_changes(
        before.get("users", {}),
        after.get("users", {}),
        old,
        new,
        lambda user: f"사용자 {user} 개별 지정",
        "지정 안 함",
    )
    was_host, now_host = before.get("host", {}), after.get("host", {})
    for field, label in HOST_FIELDS.items():
        if was_host.get(field) != now_host.get(field):
            lines.append(
                f"호스트: {label} {_value(field, was_host.get(field))}"
                f" → {_value(field, now_host.get(field))}"
            )
    return lines


def _grant_changes(before: dict, after: dict, old, new, subject, absent: str) -> list[str]:
    lines = []
    for key in [*before, *(k for k in after if k not in before)]:
        was, now = before.get(key), after.get(key)
        if was == now:
            continue
        shown_was = absent if was is None else _names(was, old)
        shown_now = absent if now is None else _names(now, new)
        lines.append(f"{subject(key)}: {shown_was} → {shown_now}")
    return lines


def _document(text) -> dict | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return {"unreadable": True}
    return value if isinstance(value, dict) else {"unreadable": True}


def describe(entry: dict) -> dict:
    """An audit entry (from :meth:`QuotaStore.audit_log`) with, added, ``when`` (KST),
    ``label`` (the action in Korean) and ``changes`` (Korean lines of what changed)."""
    before, after = _document(entry.get("before")), _document(entry.get("after"))
    action, target = entry.get("action", ""), entry.get("target", "")
    if any(d and d.get("unreadable") for d in (before, after)):
        changes = ["(기록된 내용을 읽을 수 없습니다)"]
    elif action == "policy.set" and after is not None:
        changes = policy_changes(before, after)
    elif action == "session.adopted" and after is not None:
        cpu, mem = _value("cpu", after.get("cpu")), (after.get("mem") or 0) / 2**30
        changes = [
            f"사용자 {target}: 프로필 {after.get('profile')} · CPU {cpu} · 메모리 {mem:g} GiB"
            f" · GPU {len(after.get('gpus') or [])}개"
        ]
    elif action.startswith("server."):
        changes = [f"사용자 {target}"]
    else:
        changes = [str(target)] if target else []
    return {**entry, "when": kst(entry["time"]), "label": action_label(action), "changes": changes}


def field_label(path: str, document) -> str:
    """The Korean name of a policy field path (``profiles[0].cpu`` → ``프로필 '기본'의 CPU``),
    using ``document`` (the one refused) to name the profile."""
    match = _PATH.match(path)
    if match:
        index, field = int(match.group(1)), match.group(2)
        profiles = document.get("profiles") if isinstance(document, dict) else None
        raw = profiles[index] if isinstance(profiles, list) and index < len(profiles) else None
        name = (raw.get("name") or raw.get("slug")) if isinstance(raw, dict) else None
        subject = f"프로필 '{name}'" if name else f"{index + 1}번째 프로필"
        return f"{subject}의 {PROFILE_FIELDS.get(field, field)}" if field else subject
    head, _, rest = path.partition(".")
    if head == "grants":
        return f"{grant_subject(rest)}의 허용 프로필" if rest else "그룹별 허용 프로필"
    if head == "users":
        return f"사용자 {rest}의 개별 지정" if rest else "사용자별 개별 지정"
    if head == "host":
        return f"호스트 {HOST_FIELDS.get(rest, rest)}" if rest else "호스트"
    return {"profiles": "프로필 목록", "policy": "정책"}.get(path, path)


def policy_error_message(error: PolicyError, document) -> str:
    """'정책 오류 — 프로필 '기본'의 CPU (profiles[0].cpu): …', for staff."""
    return f"정책 오류 — {field_label(error.path, document)} ({error.path}): {error.korean}"
