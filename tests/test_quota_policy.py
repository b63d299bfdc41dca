"""The quota policy, its store, the GPU allocator, admission and usage (no hub needed)."""

from __future__ import annotations

import copy
import threading

import pytest

from hub.default_policy import default_policy
from hub.quota_policy import PolicyError, kubespawner_profiles, parse_policy
from hub.quota_store import QuotaRefused, QuotaStore
from hub.settings import HubSettings
from hub.usage import month_bounds, to_csv, usage

GIB = 2**30
POLICY = {
    "profiles": [
        {"slug": "basic", "name": "기본", "description": "", "cpu": 1, "mem": "2G"},
        {
            "slug": "analysis",
            "name": "분석",
            "description": "",
            "cpu": 4,
            "mem": "16G",
            "idle_timeout": 7200,
        },
        {
            "slug": "gpu",
            "name": "GPU",
            "description": "",
            "cpu": 8,
            "mem": "64G",
            "gpus": 1,
            "max_age": 28800,
        },
    ],
    "grants": {
        "staff": ["basic"],
        "analyst": ["basic", "analysis", "gpu"],
        "admin": ["basic", "analysis", "gpu"],
        "*": ["basic"],
    },
    "users": {"kim": ["analysis"]},
    "host": {"cpus": 16, "mem": "128G", "gpus": ["0", "1"]},
}


def test_profiles_per_group_user_and_no_group():
    policy = parse_policy(POLICY)
    slugs = lambda user, groups: [p.slug for p in policy.profiles_for(user, groups)]  # noqa: E731
    assert slugs("lee", {"staff"}) == ["basic"]
    assert slugs("park", {"analyst"}) == ["basic", "analysis", "gpu"]
    assert slugs("park", {"staff", "analyst"}) == ["basic", "analysis", "gpu"]
    assert slugs("kim", {"analyst"}) == ["analysis"]  # the user override replaces the groups
    assert slugs("nobody", set()) == ["basic"]
    assert parse_policy(policy.to_document()) == policy


def _broken(path: list, value) -> dict:
    document = copy.deepcopy(POLICY)
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return document


@pytest.mark.parametrize(
    ("path", "value", "field", "problem"),
    [
        (["profiles", 0, "mem"], "-2G", "profiles[0].mem", "not a memory size"),
        (["profiles", 0, "mem"], 0, "profiles[0].mem", "more than zero"),
        (["profiles", 1, "cpu"], 32, "profiles[1].cpu", "more than the host's 16"),
        (["profiles", 2, "mem"], "256G", "profiles[2].mem", "more than the host's 128G"),
        (["profiles", 2, "gpus"], 3, "profiles[2].gpus", "the host has 2"),
        (["profiles", 1, "slug"], "basic", "profiles[1].slug", "used twice"),
        (["profiles", 0, "shell"], "/bin/sh", "profiles[0].shell", "unknown field"),
        (["grants", "wizards"], ["basic"], "grants.wizards", "unknown group"),
        (["grants", "staff"], ["platinum"], "grants.staff", "unknown profile"),
        (["users", "Bad Name"], ["basic"], "users.Bad Name", "not a valid user name"),
        (["host", "gpus"], ["0", "0"], "host.gpus", "listed twice"),
    ],
)
def test_bad_policy_names_the_field(path, value, field, problem):
    with pytest.raises(PolicyError) as error:
        parse_policy(_broken(path, value))
    assert error.value.path == field and problem in error.value.problem


def test_bad_policy_leaves_the_running_one_in_force(tmp_path):
    store = QuotaStore(tmp_path / "quota.sqlite")
    store.set_policy(POLICY, actor="boss")
    with pytest.raises(PolicyError):
        store.set_policy(_broken(["profiles", 0, "mem"], "-1G"), actor="mallory")
    assert store.policy() == parse_policy(POLICY)
    bigger = _broken(["profiles", 0, "mem"], "4G")
    store.set_policy(bigger, actor="boss")
    entry = store.audit_log()[0]
    assert entry["actor"] == "boss" and entry["action"] == "policy.set"
    assert '"mem": "2G"' in entry["before"] and '"mem": "4G"' in entry["after"]
    assert len(store.audit_log()) == 2  # the refused change left no trace


def test_kubespawner_profiles_render_the_same_policy():
    profiles = kubespawner_profiles(parse_policy(POLICY), "park", {"analyst"})
    assert [p["slug"] for p in profiles] == ["basic", "analysis", "gpu"]
    assert profiles[0]["default"] is True
    gpu = profiles[2]["kubespawner_override"]
    assert gpu["cpu_limit"] == 8 and gpu["mem_limit"] == "64G"
    assert gpu["extra_resource_limits"] == {"nvidia.com/gpu": "1"}
    assert kubespawner_profiles(parse_policy(POLICY), "lee", {"staff"})[0]["slug"] == "basic"


def test_default_policy_fits_the_host_it_is_made_on():
    policy = parse_policy(default_policy(HubSettings(mem_limit="1G", gpus="0")))
    assert [p.slug for p in policy.profiles_for("x", {"analyst"})] == ["basic", "analysis", "gpu"]
    assert [p.slug for p in policy.profiles_for("x", {"staff"})] == ["basic"]
    assert policy.profiles["basic"].mem == GIB


def test_gpu_allocator_never_double_books(tmp_path):
    store = QuotaStore(tmp_path / "quota.sqlite")
    gpu = parse_policy(POLICY).profiles["gpu"]
    granted, refused = [], []

    def spawn(user):
        try:
            session = store.open_session(
                user, {"analyst"}, gpu, host_mem=10**15, gpu_inventory=("0", "1")
            )
            granted.append(session.gpus)
        except QuotaRefused as e:
            refused.append(e)

    threads = [threading.Thread(target=spawn, args=(f"user{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(granted) == [("0",), ("1",)]
    assert len(refused) == 6 and all(e.reason == "gpu-exhausted" for e in refused)
    assert "사용할 수 있는 GPU가 없습니다" in str(refused[0])
    holder = next(s.user for s in store.sessions(open_only=True) if s.gpus == ("0",))
    store.close_sessions(holder)
    again = store.open_session("late", {"analyst"}, gpu, host_mem=10**15, gpu_inventory=("0", "1"))
    assert again.gpus == ("0",)


def test_admission_refuses_past_host_memory(tmp_path):
    store = QuotaStore(tmp_path / "quota.sqlite")
    analysis = parse_policy(POLICY).profiles["analysis"]
    store.open_session("a", {"analyst"}, analysis, host_mem=40 * GIB, gpu_inventory=())
    store.open_session("b", {"analyst"}, analysis, host_mem=40 * GIB, gpu_inventory=())
    with pytest.raises(QuotaRefused, match="메모리 여유가 부족합니다") as error:
        store.open_session("c", {"analyst"}, analysis, host_mem=40 * GIB, gpu_inventory=())
    assert error.value.reason == "capacity"
    # a user starting again replaces their own session, it does not count twice
    store.open_session("a", {"analyst"}, analysis, host_mem=40 * GIB, gpu_inventory=())


def test_reconcile_adopts_running_containers_and_closes_gone_ones(tmp_path):
    store = QuotaStore(tmp_path / "quota.sqlite")
    basic = parse_policy(POLICY).profiles["basic"]
    store.open_session("gone", {"staff"}, basic, host_mem=10**15, gpu_inventory=())
    store.mark_ready("gone")  # it ran, then its container went away
    store.open_session("starting", {"staff"}, basic, host_mem=10**15, gpu_inventory=())
    store.reconcile({"ghost": {"profile": "gpu", "cpu": 8, "mem": 64 * GIB, "gpus": ["1"]}})
    open_sessions = {s.user: s for s in store.sessions(open_only=True)}
    # a spawn under way has no container yet: its booking stays
    assert set(open_sessions) == {"ghost", "starting"} and open_sessions["ghost"].gpus == ("1",)
    gpu = parse_policy(POLICY).profiles["gpu"]
    assert store.open_session(
        "new", {"analyst"}, gpu, host_mem=10**15, gpu_inventory=("0", "1")
    ).gpus == ("0",)


def test_usage_hours_per_user_and_group_within_the_month(tmp_path):
    store = QuotaStore(tmp_path / "quota.sqlite")
    analysis = parse_policy(POLICY).profiles["analysis"]
    start, end = month_bounds("2026-11")
    store.open_session("a", {"analyst", "staff"}, analysis, host_mem=10**15, gpu_inventory=())
    with store.transaction() as db:  # the session ran 2 h, from 1 h before the month began
        db.execute("UPDATE sessions SET started = ?, stopped = ?", (start - 3600, start + 3600))
    rows = usage(store.sessions(since=start, until=end), start, end)
    assert rows == [
        {
            "name": "a",
            "sessions": 1,
            "hours": 1.0,
            "cpu_hours": 4.0,
            "mem_gib_hours": 16.0,
            "gpu_hours": 0.0,
        }
    ]
    groups = usage(store.sessions(since=start, until=end), start, end, by="group")
    assert [r["name"] for r in groups] == ["analyst", "staff"]
    assert to_csv(rows, "사용자").splitlines()[0] == (
        "\ufeff사용자,서버 수,사용 시간(h),CPU 시간(core·h),메모리(GiB·h),GPU 시간(GPU·h)"
    )
    with pytest.raises(ValueError, match="YYYY-MM"):
        month_bounds("11/2026")


def test_cli_shows_sets_and_refuses_policies(tmp_path):
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "SDH_STATE_DIR": str(tmp_path / "state")}

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "hub.cli", "quota", *args],
            capture_output=True,
            text=True,
            env=env,
        )

    shown = run("show")
    assert shown.returncode == 0 and json.loads(shown.stdout)["profiles"][0]["slug"] == "basic"
    (tmp_path / "bad.json").write_text(json.dumps(_broken(["grants", "root"], ["basic"])))
    refused = run("set", str(tmp_path / "bad.json"))
    assert refused.returncode == 2 and "grants.root: unknown group" in refused.stderr
    (tmp_path / "good.json").write_text(json.dumps(POLICY))
    assert run("set", str(tmp_path / "good.json")).returncode == 0
    assert "cli:" in run("audit").stdout
    assert run("usage", "--csv").stdout.startswith("\ufeff사용자,")
