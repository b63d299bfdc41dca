"""SeoulDockerSpawner: one Docker container per user, from our own image.

DockerSpawner does the container work; this subclass adds what the platform needs on top:

- loopback mode: with ``network_name = "host"`` every server gets its own free port on
  127.0.0.1 from ``host_ports``, a range outside the kernel's ephemeral ports, so ports that
  other programs take with bind-to-0 never collide with it (DockerSpawner's fixed 8888
  would, and docker-py refuses host networking with port bindings);
- more than one thread for Docker calls, so that ten users starting or stopping at once do
  not queue behind each other;
- quotas: the profiles of the quota policy (hub/quota_policy.py) are the only choice in the
  spawn form and the REST API; every spawn re-checks the choice against the policy in force,
  admits it against the host's memory and hands out GPU device ids (hub/quota_store.py);
  the server's run time counts from the moment it answers;
- turns at booting: at most ``concurrent_boots`` servers start up at once
  (hub/boot_queue.py), the others wait in order and see their place on the spawn page;
- nothing blocks the hub: the quota store, the catalog and Docker are called from worker
  threads, never from the event loop that serves every user;
- a quota'd server starts at full speed: the CPU quota is applied with ``docker update`` as
  soon as the server answers, before the hub hands it to the user;
- isolation: in the ``isolated`` network mode each user's server runs on a bridge network
  of its own (hub/network.py); every container is hardened the same way
  (hub/container_options.py: no capabilities, no new privileges, PID and open-file limits,
  read-only root);
- data views: the user's groups go to ``SEOUL_DATA_GROUPS``, and the container gets the
  supplementary gids of exactly the data those groups may read
  (seoul_data/data_permissions.py), so a dataset re-classified later is closed to a
  running server at once;
- spawn failures that staff can read: a missing image, an unreachable Docker engine or a
  locked quota store become a Korean message for the user and the cause in the log
  (hub/spawn_errors.py).
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docker.errors
from dockerspawner import DockerSpawner
from jupyterhub.utils import url_path_join, wait_for_http_server
from traitlets import Bool, Dict, Float, Integer, Unicode, default

from hub import recovery
from hub.boot_queue import BootQueue
from hub.container_options import (
    CPU_LABEL,
    DASK_CLUSTER_LABEL,
    GPUS_LABEL,
    MEM_LABEL,
    PROFILE_LABEL,
    USER_LABEL,
    ContainerFacts,
    container_options,
)
from hub.homes import ensure_home, unmount
from hub.network import ensure_network, free_port_in, user_network
from hub.profiles_form import render_form
from hub.quota_policy import Policy, Profile
from hub.quota_store import QuotaRefused, QuotaStore
from hub.spawn_errors import docker_failures_for_staff, refused, store_busy_for_staff
from seoul_data.access import GROUPS_VARIABLE
from seoul_data.data_permissions import gids_for

LOOPBACK = "127.0.0.1"


class SeoulDockerSpawner(DockerSpawner):
    """DockerSpawner for Seoul Data Hub (loopback ports, parallel Docker calls, clear errors)."""

    docker_threads = Integer(
        8,
        config=True,
        help="""Threads for Docker API calls, shared by all servers.

        Stock DockerSpawner uses one, so concurrent starts and stops wait in line.
        Example: ``c.SeoulDockerSpawner.docker_threads = 16``.
        """,
    )

    loopback_ip = Unicode(
        LOOPBACK,
        config=True,
        help="""Address that servers bind to when ``network_name`` is ``"host"``.

        Each server then gets a free port on this address. Keep the loopback address: a user
        server must never listen on a public interface.
        """,
    )

    host_ports = Unicode(
        "20000-29999",
        config=True,
        help="""Ports for servers in the ``host`` network mode (first-last).

        Keep the range outside the kernel's ephemeral ports
        (``/proc/sys/net/ipv4/ip_local_port_range``): a port picked there could be taken by
        any program that binds port 0 between our pick and the server's bind.
        """,
    )

    data_dir = Unicode(
        "",
        config=True,
        help="""Host path of the platform data directory, mounted read-only in containers.

        Its files are readable through data-view groups only (seoul_data/data_permissions.py):
        the container gets the gids of what the user's groups may read, and nothing more.
        Example: ``c.SeoulDockerSpawner.data_dir = "/srv/seoul-data-hub/data"``.
        """,
    )

    network_mode = Unicode(
        "isolated",
        config=True,
        help="""``isolated``: each user's server on a bridge network of its own
        (``<prefix>-net-<user>``, made on first use from ``network_pool``); ``host``: the
        host's network with a loopback port per server (development only).
        """,
    )
    network_pool = Unicode(
        "10.213.0.0/16",
        config=True,
        help="Private IPv4 range the per-user networks are cut from (a /26 each).",
    )
    pids_limit = Integer(
        1024, config=True, help="Processes and threads per server when no profile says."
    )
    open_files_limit = Integer(4096, config=True, help="Open files per process, likewise.")
    tmp_size = Unicode(
        "1g", config=True, help="Size of the server's /tmp (tmpfs, counted in its memory)."
    )
    homes_dir = Unicode(
        "",
        config=True,
        help="""Host folder of the users' homes: an ext4 image each, loop-mounted under
        ``mnt/<user>`` and bound at the notebook directory (hub/homes.py), so a full home
        stops its own user only. Empty: the configured ``volumes`` hold the home.
        Example: ``c.SeoulDockerSpawner.homes_dir = "/srv/seoul-data-hub/homes"``.
        """,
    )
    home_size = Integer(
        10 * 2**30, config=True, help="Home size in bytes when no quota profile says."
    )

    data_mount = Unicode("/srv/data", config=True, help="Where the data directory is mounted.")

    quota_db = Unicode(
        "",
        config=True,
        help="""Path of the quota store (SQLite) shared with the quota admin service.

        Empty: no quota policy; the plain ``cpu_limit``/``mem_limit`` apply to everyone.
        Example: ``c.SeoulDockerSpawner.quota_db = "/srv/seoul-data-hub/state/quota.sqlite"``.
        """,
    )
    quota_store_timeout = Float(
        5.0,
        config=True,
        help="""Seconds a spawn waits for the quota store's write lock (held by another
        process: a policy change, a backup) before it fails with a clear message. Keep it
        under ``slow_spawn_timeout`` so the refusal reaches the spawn request itself.
        """,
    )
    concurrent_boots = Integer(
        0,
        config=True,
        help="""Servers that start up at once (from container start until the server
        answers); the others wait their turn in order. 0: one more than the host has cores
        (a boot also waits on Docker and the disk).

        On a CPU-bound host a burst of spawns then finishes a few at a time instead of all
        at the end: the same total, a shorter wait for most users.
        """,
    )
    boot_turn = Float(
        15.0,
        config=True,
        help="Seconds a starting server holds its turn at most (a slow one lets others go).",
    )
    default_policy = Dict(
        config=True,
        help="Policy document put in force when the quota store has none yet (first start).",
    )
    fast_start = Bool(
        True,
        config=True,
        help="""Start the server without its CPU quota and apply the quota with ``docker
        update`` as soon as the server answers, before the user gets it.

        The server's own start-up (Python imports, extensions) then is not throttled: a
        0.5-CPU server starts as fast as an unlimited one, and runs limited from its first
        request on.
        """,
    )

    #: The profile this server runs with, decided in apply_user_options.
    profile: Profile | None = None
    spawn_policy: Policy | None = None
    gpu_devices: tuple[str, ...] = ()
    _threaded_executor: ThreadPoolExecutor | None = None
    _boot_queue: BootQueue | None = None
    _facts: ContainerFacts | None = None
    _boot_ticket: asyncio.Future | None = None
    #: One store per file for the whole hub, so its parsed policy is kept between spawns.
    _stores: dict[str, QuotaStore] = {}

    @property
    def executor(self) -> ThreadPoolExecutor:
        """One executor for all instances, with ``docker_threads`` workers."""
        cls = SeoulDockerSpawner
        if cls._threaded_executor is None:
            cls._threaded_executor = ThreadPoolExecutor(
                self.docker_threads, thread_name_prefix="seoul-docker"
            )
        return cls._threaded_executor

    @property
    def uses_host_network(self) -> bool:
        return self.network_mode == "host"

    @default("network_name")
    def _default_network_name(self) -> str:
        if self.network_mode == "host":
            return "host"
        return user_network(self.prefix, self.escaped_name)

    @default("use_internal_ip")
    def _default_use_internal_ip(self) -> bool:
        # host networking has no port bindings; a user-defined network is reached by its IP
        return self.network_name != "bridge"

    @property
    def data_groups(self) -> set[str]:
        """The user's groups as the data access rules see them (admins count as admin)."""
        groups = {group.name for group in self.user.groups}
        return groups | {"admin"} if self.user.admin else groups

    def data_gids(self) -> list[int]:
        """The data-view gids of this user's groups (none if the catalog cannot be read)."""
        return gids_for(self.data_dir, self.data_groups) if self.data_dir else []

    # quotas

    def quota_store(self) -> QuotaStore | None:
        if not self.quota_db:
            return None
        stores = SeoulDockerSpawner._stores
        if self.quota_db not in stores:
            stores[self.quota_db] = QuotaStore(self.quota_db, busy_timeout=self.quota_store_timeout)
        return stores[self.quota_db]

    def policy(self) -> Policy | None:
        """The policy in force (blocking: call it from a worker thread)."""
        store = self.quota_store()
        return store.ensure_policy(self.default_policy) if store else None

    async def in_thread(self, function, *args):
        """Run a blocking call (SQLite, catalog, Docker) off the hub's event loop."""
        return await asyncio.wrap_future(self.executor.submit(function, *args))

    async def allowed_profiles(self) -> list[Profile]:
        policy = await self.in_thread(self.policy)
        return policy.profiles_for(self.user.name, self.data_groups) if policy else []

    @default("options_form")
    def _default_options_form(self):
        if not self.quota_db:
            return ""

        async def form(spawner):
            with store_busy_for_staff(spawner.user.name):
                return render_form(await spawner.allowed_profiles())

        return form

    @default("options_from_form")
    def _default_options_from_form(self):
        return lambda form: {"profile": form.get("profile", [""])[0]}

    @default("apply_user_options")
    def _default_apply_user_options(self):
        return SeoulDockerSpawner._apply_profile

    async def _apply_profile(self, user_options: dict) -> None:
        """Check ``user_options`` against the policy in force and set this server's limits.

        Only ``{"profile": slug}`` is accepted, and only a profile the user may use now:
        stored options from an earlier spawn are checked again."""
        with store_busy_for_staff(self.user.name):
            policy = await self.in_thread(self.policy)
        if policy is None:
            if user_options:
                raise refused("이 서버에서는 선택 항목을 받지 않습니다.", "user-options")
            return
        unknown = sorted(set(user_options) - {"profile"})
        if unknown:
            raise refused(
                f"허용되지 않은 선택 항목입니다: {', '.join(map(str, unknown))[:80]}",
                "user-options",
            )
        allowed = policy.profiles_for(self.user.name, self.data_groups)
        if not allowed:
            raise refused(
                "사용할 수 있는 자원 프로필이 없습니다. 관리자에게 문의해 주세요.",
                "no-profile",
                status=403,
            )
        slug = user_options.get("profile") or allowed[0].slug
        chosen = next((p for p in allowed if p.slug == slug), None)
        if chosen is None:
            shown = slug if isinstance(slug, str) and slug.isprintable() else "?"
            raise refused(
                f"'{shown[:40]}' 프로필은 사용할 수 없습니다. 사용 가능:"
                f" {', '.join(p.name for p in allowed)}",
                "profile-not-allowed",
                status=403,
            )
        self.profile, self.spawn_policy = chosen, policy
        self.cpu_limit = chosen.cpu
        self.mem_limit = chosen.mem

    def running_containers(self) -> dict[str, dict]:
        """The platform's running user containers: user → profile, limits, GPUs.

        One listing: the limits are read from the labels the container was created with
        (an older container without them is inspected)."""
        found = {}
        for container in self.client.containers(filters={"label": USER_LABEL}):
            labels = container["Labels"]
            if not container["Names"][0].lstrip("/").startswith(f"{self.prefix}-"):
                continue
            if DASK_CLUSTER_LABEL in labels:
                continue  # the user's Dask scheduler or worker, not their server
            if CPU_LABEL in labels and MEM_LABEL in labels:
                cpu, mem = float(labels[CPU_LABEL]), int(labels[MEM_LABEL])
            else:
                details = self.client.inspect_container(container["Id"])["HostConfig"]
                cpu = (details.get("CpuQuota") or 0) / (details.get("CpuPeriod") or 100_000)
                mem = details.get("Memory") or 0
            found[labels[USER_LABEL]] = {
                "profile": labels.get(PROFILE_LABEL, ""),
                "cpu": cpu,
                "mem": mem,
                "gpus": [g for g in labels.get(GPUS_LABEL, "").split(",") if g],
            }
        return found

    def _admit(self):
        """Admit this server and take its GPUs (blocking: Docker and the quota store)."""
        # the policy the profile was checked against: one snapshot for the whole spawn
        store, policy = self.quota_store(), self.spawn_policy
        # what runs is the truth: the store may predate a hub restart or be new
        store.reconcile(self.running_containers())
        return store.open_session(
            self.user.name,
            self.data_groups,
            self.profile,
            host_mem=policy.host.mem,
            gpu_inventory=policy.host.gpus,
        )

    async def _open_session(self) -> None:
        """Admit this server and take its GPUs, or refuse with the reason."""
        if self.quota_store() is None or self.profile is None:
            return
        try:
            with store_busy_for_staff(self.user.name):
                session = await self.in_thread(self._admit)
        except QuotaRefused as e:
            raise refused(str(e), e.reason, status=503) from None
        self.gpu_devices = session.gpus
        self.log.info(
            "%s's server: profile %s, GPUs %s",
            self.user.name,
            self.profile.slug,
            ",".join(session.gpus) or "none",
        )

    def get_args(self):
        args = super().get_args()
        if self.profile is not None and self.profile.idle_timeout:
            # the server stops itself after the profile's idle time (jupyter_server's own
            # culling); the hub's idle culler is the backstop for servers that do not
            idle = self.profile.idle_timeout
            args += [
                f"--ServerApp.shutdown_no_activity_timeout={idle}",
                f"--MappingKernelManager.cull_idle_timeout={idle}",
                "--MappingKernelManager.cull_interval=60",
            ]
        return args

    def get_env(self):
        env = super().get_env()
        env[GROUPS_VARIABLE] = ",".join(sorted(self.data_groups))
        return env

    async def create_object(self):
        # the facts were gathered before this start's boot turn (_boot_in_turn)
        create, host = container_options(self._facts)
        self.extra_create_kwargs, self.extra_host_config = create, host
        if not (self.fast_start and self.cpu_limit):
            return await super().create_object()
        # created without its CPU quota; start() applies it once the server answers
        cpu_limit, self.cpu_limit = self.cpu_limit, None
        try:
            return await super().create_object()
        finally:
            self.cpu_limit = cpu_limit

    def _legacy_home(self) -> Path | None:
        """The named volume an earlier version kept this user's home in, if any."""
        try:
            volume = self.client.inspect_volume(f"{self.prefix}-home-{self.escaped_name}")
        except docker.errors.NotFound:
            return None
        return Path(volume["Mountpoint"])

    def _container_facts(self) -> ContainerFacts:
        """What decides this start's container options (blocking: catalog, network)."""
        configured = self.__dict__.setdefault(
            "_configured", (self.extra_create_kwargs, self.extra_host_config)
        )
        if not self.uses_host_network:
            ensure_network(self.client, self.network_name, self.network_pool, prefix=self.prefix)
        if self.homes_dir:
            size = self.profile.home if self.profile else self.home_size
            ensure_home(self.homes_dir, self.escaped_name, size, legacy=self._legacy_home())
        gids = self.data_gids()
        self.log.info("%s's server: %d data view(s)", self.user.name, len(gids))
        profile = self.profile
        return ContainerFacts(
            user=self.user.name,
            profile=profile.slug if profile else "",
            cpu=profile.cpu if profile else 0.0,
            mem=profile.mem if profile else 0,
            gpus=tuple(self.gpu_devices),
            data_gids=tuple(gids),
            pids=profile.pids if profile else self.pids_limit,
            open_files=profile.open_files if profile else self.open_files_limit,
            tmp_size=self.tmp_size,
            create_extra=dict(_plain(configured[0], "extra_create_kwargs")),
            host_extra=dict(_plain(configured[1], "extra_host_config")),
        )

    async def start(self):
        if self.uses_host_network:
            # a fresh port per start: containers are removed on stop, so none is reused
            self.ip = self.loopback_ip
            self.port = await self.in_thread(free_port_in, self.loopback_ip, self.host_ports)
        try:
            with docker_failures_for_staff(self):
                await self._open_session()
                ip, port, answered = await self._boot_in_turn()
                if self.fast_start and self.cpu_limit:
                    await self._apply_cpu_quota()
                if answered and self.quota_db:
                    await self.in_thread(self.quota_store().mark_ready, self.user.name)
        except BaseException:
            if self.quota_db:
                await self.in_thread(self.quota_store().close_sessions, self.user.name)
            raise
        return ip, port

    async def stop(self, now=False):
        try:
            await super().stop(now=now)
            if self.homes_dir:  # the container is gone: its home's loop device is free
                await self.in_thread(unmount, self.homes_dir, self.escaped_name)
        finally:
            if self.quota_db:
                await self.in_thread(self.quota_store().close_sessions, self.user.name)

    def boot_queue(self) -> BootQueue:
        cls = SeoulDockerSpawner
        if cls._boot_queue is None:
            cls._boot_queue = BootQueue(self.concurrent_boots or (os.cpu_count() or 1) + 1)
        return cls._boot_queue

    async def _boot_in_turn(self) -> tuple[str, int, bool]:
        """Create and start the container when its turn comes; wait for it to answer.

        The turn passes on once the server answers, or after ``boot_turn`` seconds."""
        # the network, the home and the data views are made ready first, outside the turn:
        # they wait on Docker and the disk, not on the CPU
        self._facts = await self.in_thread(self._container_facts)
        queue = self.boot_queue()
        self._boot_ticket = ticket = queue.ticket()
        await queue.wait(ticket)
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                queue.release()

        timer = asyncio.get_running_loop().call_later(self.boot_turn, release)
        try:
            ip, port = await super().start()
            return ip, port, await self._wait_up(ip, port)
        finally:
            timer.cancel()
            release()
            self._boot_ticket = None

    async def progress(self):
        """The spawn page's messages: the place in the boot queue, then the start."""
        shown = None
        while self.pending == "spawn":
            ticket = self._boot_ticket
            if ticket is not None and ticket.done():
                break
            if ticket is not None and (ahead := self.boot_queue().ahead_of(ticket)) != shown:
                shown = ahead
                message = f"다른 서버가 먼저 시작하고 있어 기다리는 중입니다 ({ahead + 1}번째)"
                yield {"progress": 10, "message": message}
            await asyncio.sleep(0.5)
        yield {"progress": 50, "message": "서버를 시작하는 중입니다…"}

    async def _wait_up(self, ip: str, port: int) -> bool:
        """Wait for the server to answer (at most ``http_timeout``); say whether it did.

        A container that exits meanwhile ends the wait at once."""
        url = f"http://{ip}:{port}" + url_path_join(self.server.base_url, "api")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.http_timeout
        while loop.time() < deadline:
            try:
                await wait_for_http_server(url, timeout=min(2, deadline - loop.time()))
            except TimeoutError:
                if await self.poll() is not None:
                    self.log.warning("%s's server exited before it answered", self.user.name)
                    return False
                continue
            return True
        self.log.warning("%s's server did not answer in %s s", self.user.name, self.http_timeout)
        return False

    async def _apply_cpu_quota(self) -> None:
        """Limit the server's CPU now that its start-up is done (``fast_start``)."""
        period = 100_000
        await self.docker(
            "update_container",
            self.container_id,
            cpu_period=period,
            cpu_quota=int(self.cpu_limit * period),
        )
        self.log.info("%s's server: CPU quota %s applied", self.user.name, self.cpu_limit)

    async def get_ip_and_port(self):
        if self.uses_host_network:
            return self.loopback_ip, self.port
        return await super().get_ip_and_port()

    async def poll(self):
        """DockerSpawner's poll; a server that does not run gives back its container, home
        and booking, and a spawn cut short by a hub restart is not adopted (hub/recovery.py)."""
        return await recovery.poll(self, super().poll)


def _plain(value, name: str) -> dict:
    """A configured extra as a plain dict (the callable form is not used by the platform)."""
    if callable(value):
        raise TypeError(f"{name} must be a dict for SeoulDockerSpawner (its options are computed)")
    return value or {}
