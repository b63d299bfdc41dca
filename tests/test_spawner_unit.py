"""The spawner in-process: container options, profiles, the quota store, ports (no Docker).

The fast tier beside the real-Docker tests (tests/test_spawn.py, tests/test_quota.py): a
SeoulDockerSpawner with a plain user object and a real quota store in a temporary folder;
nothing here starts a container.
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from jupyterhub.objects import Hub

import hub.quota_store
from hub.boot_queue import BootQueue
from hub.container_options import (
    CPU_LABEL,
    GPUS_LABEL,
    MEM_LABEL,
    USER_LABEL,
    ContainerFacts,
    container_options,
)
from hub.network import free_port_in
from hub.quota_policy import parse_policy
from hub.quota_service.app import past_max_age
from hub.quota_store import QuotaStore, QuotaStoreBusy, Session
from hub.spawn_errors import StaffSpawnException
from hub.spawner import SeoulDockerSpawner

POLICY = {
    "profiles": [
        {
            "slug": "basic",
            "name": "기본",
            "description": "",
            "cpu": 0.5,
            "mem": "1G",
            "idle_timeout": 600,
            "max_age": 60,
        },
        {"slug": "gpu", "name": "GPU", "description": "", "cpu": 1, "mem": "2G", "gpus": 1},
    ],
    "grants": {"analyst": ["basic", "gpu"], "staff": ["basic"]},
    "users": {},
    "host": {"cpus": 2, "mem": "4G", "gpus": ["0", "1"]},
}


def make_spawner(tmp_path, name="kim", groups=("analyst",), **config) -> SeoulDockerSpawner:
    user = SimpleNamespace(
        name=name,
        escaped_name=name,
        admin=False,
        url=f"/user/{name}/",
        id=1,
        groups=[SimpleNamespace(name=g) for g in groups],
        settings={},
        server=None,
    )
    config.setdefault("network_mode", "host")
    config.setdefault("quota_db", str(tmp_path / "quota.sqlite"))
    config.setdefault("default_policy", POLICY)
    return SeoulDockerSpawner(user=user, hub=Hub(), **config)


@pytest.fixture(autouse=True)
def _own_stores():
    """Each test gets its own cached stores (the cache is per hub process)."""
    SeoulDockerSpawner._stores.clear()
    yield
    SeoulDockerSpawner._stores.clear()


# the container options


def test_a_gpu_server_with_hidden_data_keeps_its_gpu_and_its_tmpfs(tmp_path, monkeypatch):
    """The bug this replaced: the second merge into ``extra_host_config`` (tmpfs, for the
    data views) dropped the first (the GPU device request) while the GPU stayed booked."""
    spawner = make_spawner(tmp_path, extra_host_config={"tmpfs": {"/scratch": "size=2g"}})
    monkeypatch.setattr(spawner, "data_gids", lambda: [690001, 690004])
    spawner.profile = parse_policy(POLICY).profiles["gpu"]
    spawner.gpu_devices = ("1",)
    for _ in range(2):  # a second start computes the same, nothing accumulates
        create, host = container_options(spawner._container_facts())
        assert [r["DeviceIDs"] for r in host["device_requests"]] == [["1"]]
        assert set(host["tmpfs"]) == {"/scratch", "/tmp", "/run"}
        assert host["group_add"] == ["690001", "690004"]
        assert create["labels"][GPUS_LABEL] == "1"
        assert create["labels"][USER_LABEL] == "kim"
        assert (create["labels"][CPU_LABEL], create["labels"][MEM_LABEL]) == ("1", str(2**31))
    assert spawner.extra_host_config == {"tmpfs": {"/scratch": "size=2g"}}


def test_operator_extras_are_kept_but_never_weaken_the_hardening():
    facts = ContainerFacts(
        user="lee",
        create_extra={"labels": {"team": "gis"}, "working_dir": "/home/jovyan"},
        host_extra={
            "cap_add": ["NET_ADMIN"],
            "security_opt": ["apparmor=docker-default"],
            "read_only": False,
            "pids_limit": 0,
        },
    )
    before = repr(facts)
    create, host = container_options(facts)
    assert create["labels"] == {"team": "gis", USER_LABEL: "lee"}
    assert create["working_dir"] == "/home/jovyan"
    assert "cap_add" not in host and host["cap_drop"] == ["ALL"]
    assert host["security_opt"] == ["apparmor=docker-default", "no-new-privileges"]
    assert host["read_only"] is True and host["pids_limit"] == 1024
    assert "device_requests" not in host
    assert repr(facts) == before  # the facts (and the configured dicts) are not changed


def test_a_service_container_is_nobodys_server():
    create, host = container_options(ContainerFacts(user=""))
    assert USER_LABEL not in create["labels"]
    assert host["ulimits"][0]["Hard"] == 4096


def test_a_callable_extra_is_refused(tmp_path):
    spawner = make_spawner(tmp_path, extra_host_config=lambda s: {})
    with pytest.raises(TypeError, match="extra_host_config must be a dict"):
        spawner._container_facts()


def test_profile_limits_reach_the_container_and_the_server(tmp_path):
    spawner = make_spawner(tmp_path)
    asyncio.run(spawner._apply_profile({"profile": "basic"}))
    assert (spawner.cpu_limit, spawner.mem_limit) == (0.5, 2**30)
    assert "--MappingKernelManager.cull_idle_timeout=600" in spawner.get_args()
    assert spawner._container_facts().pids == 1024


# hostile user options


@pytest.mark.parametrize(
    ("options", "status", "words"),
    [
        ({"profile": "basic", "image": "alpine"}, 400, "허용되지 않은 선택 항목"),
        ({"profile": "gpu"}, 403, "'gpu' 프로필은 사용할 수 없습니다"),
        ({"profile": ["basic"]}, 403, "'?' 프로필은"),
        ({"profile": "\x1b[31m" + "x" * 500}, 403, "'?' 프로필은"),
    ],
)
def test_hostile_user_options_are_refused_and_change_nothing(tmp_path, options, status, words):
    spawner = make_spawner(tmp_path, groups=("staff",))
    limits = (spawner.cpu_limit, spawner.mem_limit)
    with pytest.raises(StaffSpawnException) as refused:
        asyncio.run(spawner._apply_profile(options))
    assert refused.value.status_code == status
    assert words in refused.value.jupyterhub_message
    assert (spawner.cpu_limit, spawner.mem_limit, spawner.profile) == (*limits, None)


# the quota store: reads never wait for a writer, writers wait briefly, then a clear error


def hold_write_lock(path, seconds: float) -> threading.Event:
    """Another connection takes the write lock (as another process would) for ``seconds``."""
    taken = threading.Event()

    def hold():
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO audit (time, actor, action, target) VALUES (0, 'x', 'x', 'x')")
        taken.set()
        time.sleep(seconds)
        db.execute("ROLLBACK")
        db.close()

    threading.Thread(target=hold, daemon=True).start()
    assert taken.wait(5)
    return taken


def test_reads_do_not_wait_for_a_writer(tmp_path):
    store = QuotaStore(tmp_path / "quota.sqlite", busy_timeout=0.5)
    store.set_policy(POLICY, actor="admin")
    hold_write_lock(store.path, 3)
    started = time.monotonic()
    assert store.policy().profiles["basic"].cpu == 0.5
    assert store.sessions(open_only=True) == []
    assert [e["action"] for e in store.audit_log()] == ["policy.set"]  # not the uncommitted
    assert time.monotonic() - started < 0.5  # no read waited for the lock
    with pytest.raises(QuotaStoreBusy, match="자원 관리 저장소가 다른 작업으로 잠겨"):
        store.audit("admin", "test", "x")  # a writer waits busy_timeout, then says so


def test_the_policy_is_parsed_once_per_version(tmp_path, monkeypatch):
    store = QuotaStore(tmp_path / "quota.sqlite")
    store.set_policy(POLICY, actor="admin")
    parsed = []
    real = hub.quota_store.parse_policy
    monkeypatch.setattr(hub.quota_store, "parse_policy", lambda d: parsed.append(1) or real(d))
    first = store.policy()
    assert store.policy() is first and store.policy() is first
    assert len(parsed) == 1
    changed = {**POLICY, "users": {"kim": ["basic"]}}
    QuotaStore(store.path).set_policy(changed, actor="admin")  # another process's change
    assert store.policy().users == {"kim": ("basic",)}


def test_a_locked_store_does_not_stop_the_hub(tmp_path, monkeypatch):
    """While another process holds the store's write lock, a spawn waits in a worker
    thread — the hub's event loop keeps serving — then fails with a Korean message."""
    path = tmp_path / "quota.sqlite"
    SeoulDockerSpawner._stores[str(path)] = QuotaStore(path, busy_timeout=1.5)
    spawner = make_spawner(tmp_path)
    monkeypatch.setattr(spawner, "running_containers", lambda: {})
    asyncio.run(spawner._apply_profile({"profile": "basic"}))
    hold_write_lock(path, 4)

    async def spawn_while_ticking():
        ticks = 0

        async def tick():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.05)
                ticks += 1

        ticker = asyncio.ensure_future(tick())
        try:
            with pytest.raises(StaffSpawnException) as refused:
                await spawner._open_session()
        finally:
            ticker.cancel()
        return ticks, refused.value

    ticks, refused = asyncio.run(spawn_while_ticking())
    assert ticks >= 15  # ~1.5 s of waiting, the loop ran all along
    assert refused.status_code == 503 and "잠겨" in refused.jupyterhub_message
    assert "quota.sqlite" not in refused.jupyterhub_message  # the path is for the log


def test_concurrent_spawns_keep_each_others_bookings(tmp_path):
    """Users start at once: none of their containers runs yet when the next is admitted,
    and every booking stays (admission counts them all, no GPU is given twice)."""

    def spawn(name: str) -> SeoulDockerSpawner:
        spawner = make_spawner(tmp_path, name=name)
        spawner.running_containers = dict  # nothing runs yet: all are starting
        asyncio.run(spawner._apply_profile({"profile": "basic"}))
        asyncio.run(spawner._open_session())
        return spawner

    for i in range(4):  # 1 GiB each of the host's 4 GiB
        spawn(f"u{i}")
    store = SeoulDockerSpawner._stores[str(tmp_path / "quota.sqlite")]
    assert sorted(s.user for s in store.sessions(open_only=True)) == ["u0", "u1", "u2", "u3"]
    with pytest.raises(StaffSpawnException, match="메모리 여유가 부족"):
        spawn("u4")


# run time from readiness


def session(user: str, started: float, ready: float | None) -> Session:
    return Session(1, user, ("analyst",), "basic", 0.5, 2**30, (), started, None, ready)


def test_run_time_counts_from_readiness():
    policy, now = parse_policy(POLICY), 10_000.0
    sessions = [
        session("slow-start", started=now - 120, ready=now - 30),  # admitted long ago
        session("starting", started=now - 120, ready=None),  # never cut short
        session("done", started=now - 120, ready=now - 61),
    ]
    assert past_max_age(policy, sessions, now) == ["done"]


def test_readiness_is_recorded_once_and_adopted_servers_are_ready(tmp_path):
    store = QuotaStore(tmp_path / "quota.sqlite")
    basic = parse_policy(POLICY).profiles["basic"]
    store.open_session("kim", {"analyst"}, basic, host_mem=4 * 2**30, gpu_inventory=())
    assert store.sessions(open_only=True)[0].ready is None
    store.mark_ready("kim")
    first = store.sessions(open_only=True)[0].ready
    store.mark_ready("kim")
    assert store.sessions(open_only=True)[0].ready == first
    found = {"profile": "basic", "cpu": 0.5, "mem": 2**30, "gpus": []}
    store.reconcile({"kim": found, "lee": found})
    assert all(s.ready for s in store.sessions(open_only=True))


def test_an_old_store_gains_the_ready_column(tmp_path):
    path = tmp_path / "quota.sqlite"
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE sessions (id INTEGER PRIMARY KEY AUTOINCREMENT, user TEXT NOT NULL,"
        " groups TEXT NOT NULL, profile TEXT NOT NULL, cpu REAL NOT NULL, mem INTEGER NOT NULL,"
        " gpus TEXT NOT NULL, started REAL NOT NULL, stopped REAL)"
    )
    db.execute("INSERT INTO sessions VALUES (1, 'kim', '[]', 'basic', 1, 1, '[]', 5, NULL)")
    db.commit()
    db.close()
    assert QuotaStore(path).sessions(open_only=True)[0].ready is None


# host-network ports


def test_host_ports_come_from_their_own_range_and_skip_taken_ones():
    ephemeral = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
    low, high = (int(p) for p in ephemeral)
    first, last = (int(p) for p in SeoulDockerSpawner.host_ports.default_value.split("-"))
    assert last < low or first > high  # never a port that bind-to-0 could hand out
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        taken.listen()
        chosen = {free_port_in("127.0.0.1", f"{port}-{port + 1}") for _ in range(20)}
    assert chosen == {port + 1}


# turns at booting


def test_boot_turns_are_taken_in_order_and_never_more_than_the_slots():
    queue, booting, order = BootQueue(2), [], []

    async def boot(name: str) -> None:
        ticket = queue.ticket()
        await queue.wait(ticket)
        booting.append(name)
        assert len(booting) <= 2
        order.append(name)
        await asyncio.sleep(0.01)
        booting.remove(name)
        queue.release()

    async def burst():
        await asyncio.gather(*(boot(f"u{i}") for i in range(7)))

    asyncio.run(burst())
    assert order == [f"u{i}" for i in range(7)] and queue.booting == 0


def test_a_waiter_that_gives_up_leaves_its_place():
    async def scenario():
        queue = BootQueue(1)
        first, second, third = queue.ticket(), queue.ticket(), queue.ticket()
        assert first.done() and (queue.ahead_of(second), queue.ahead_of(third)) == (0, 1)
        waiting = asyncio.ensure_future(queue.wait(second))
        await asyncio.sleep(0)
        waiting.cancel()  # the user cancelled the spawn while waiting
        await asyncio.gather(waiting, return_exceptions=True)
        assert queue.ahead_of(third) == 0
        queue.release()  # first is done: third's turn
        assert third.done() and queue.booting == 1
        queue.release()
        assert queue.booting == 0

    asyncio.run(scenario())


def test_the_spawn_page_shows_the_place_in_the_boot_queue(tmp_path):
    async def scenario():
        SeoulDockerSpawner._boot_queue = BootQueue(1)
        try:
            queue = SeoulDockerSpawner._boot_queue
            booting = queue.ticket()  # someone else is booting
            spawner = make_spawner(tmp_path)
            spawner._spawn_pending = True
            spawner._boot_ticket = queue.ticket()
            events = spawner.progress()
            first = await events.__anext__()
            queue.release()  # the other server answered: our turn
            second = await events.__anext__()
            return booting, first, second
        finally:
            SeoulDockerSpawner._boot_queue = None

    booting, first, second = asyncio.run(scenario())
    assert booting.done()
    assert first["message"] == "다른 서버가 먼저 시작하고 있어 기다리는 중입니다 (1번째)"
    assert second["message"] == "서버를 시작하는 중입니다…"
