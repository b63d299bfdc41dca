"""DockerBackend: each Dask cluster's scheduler and workers as hardened containers of its user.

Dask Gateway's own backend interface (``DBBackendBase``, as its ``LocalBackend`` uses it):
the gateway keeps the clusters' records and asks this backend to start and stop a scheduler
or a worker; here each one is a container of the single-user image, made like the user's
server (hub/container_options.py):

- **who**: the cluster owner's name in the ``org.seoul-data-hub.user`` label and
  ``JUPYTERHUB_USER``, their groups in ``SEOUL_DATA_GROUPS``, and as supplementary groups
  the gids of exactly the data those groups may read (seoul_data/data_permissions.py),
  computed again at every container start; the image's own unprivileged account;
- **where**: the owner's own network, ``<prefix>-net-<user>`` (hub/network.py), which their
  server uses too; the scheduler reaches the gateway's HTTP proxy on the hub's address
  (heartbeats), and the gateway (on the host) reaches the scheduler;
- **hardening**: no capabilities, ``no-new-privileges``, PID and open-file limits, a
  read-only root with tmpfs ``/tmp``; the data directory read-only; no Docker socket, no
  hub state;
- **how much**: the worker's cores and memory of the cluster's configuration (bounded by the
  quota, :mod:`hub.dask_gateway.limits`) become the container's CPU and memory limits (no
  swap beyond it); the scheduler's likewise.

The cluster's TLS certificate and key go into its containers as environment variables
(distributed reads PEM text wherever it takes a file), so nothing of one cluster is written
on the host where another could be mounted. Docker calls run in a thread pool, never on the
gateway's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

import docker
import docker.errors
from dask_gateway_server.backends.base import ClusterConfig, PublicException
from dask_gateway_server.backends.db_base import DBBackendBase, JobStatus
from dask_gateway_server.traitlets import Type
from dockerspawner import DockerSpawner
from traitlets import Integer, List, Unicode

from hub.container_options import (
    DASK_CLUSTER_LABEL,
    DASK_ROLE_LABEL,
    ContainerFacts,
    container_options,
)
from hub.dask_gateway.limits import groups_of
from hub.network import ensure_network, user_network
from seoul_data.access import GROUPS_VARIABLE
from seoul_data.data_permissions import gids_for

PREFIX_LABEL = "org.seoul-data-hub.prefix"
SCHEDULER, WORKER = "scheduler", "worker"
#: What a scheduler reports in its first heartbeat: the gateway connects to these.
REPORTED_ADDRESSES = ("scheduler_address", "dashboard_address", "api_address")


class DockerClusterConfig(ClusterConfig):
    """A cluster's configuration, with its owner's groups (set by the backend, not the user)."""

    data_groups = List(
        Unicode(),
        help="The owner's groups when the cluster was made: its containers' data view.",
    )


class DockerBackend(DBBackendBase):
    """Dask schedulers and workers as hardened Docker containers of their user."""

    cluster_config_class = Type(
        "hub.dask_gateway.docker_backend.DockerClusterConfig",
        klass="dask_gateway_server.backends.base.ClusterConfig",
        help="The cluster config class (it carries the owner's groups).",
        config=True,
    )

    image = Unicode(
        "seoul-data-hub/singleuser:latest",
        config=True,
        help="""Image of the schedulers and workers: the single-user image, so a function
        that runs in a notebook runs on the workers too. Never pulled.
        Example: ``c.DockerBackend.image = "seoul-data-hub/singleuser:2026.3"``.
        """,
    )
    docker_host = Unicode(
        "unix:///run/sdh-docker/docker.sock",
        config=True,
        help="The Docker engine (the platform's own), e.g. ``unix:///var/run/docker.sock``.",
    )
    prefix = Unicode(
        "sdh",
        config=True,
        help="""The platform's container prefix (``SDH_CONTAINER_PREFIX``): containers are
        named ``<prefix>-dask_<cluster>_scheduler`` and ``<prefix>-dask_<cluster>_<worker>``,
        and run on ``<prefix>-net-<user>``.
        """,
    )
    network_pool = Unicode(
        "10.213.0.0/16",
        config=True,
        help="""Where a user's network is cut from when their cluster starts before their
        server ever did (the spawner's ``network_pool``: the same networks).""",
    )
    data_dir = Unicode(
        "",
        config=True,
        help="""Host path of the platform data, mounted read-only at ``data_mount``; its
        catalog decides the containers' data gids (empty: no data, no gid).
        Example: ``c.DockerBackend.data_dir = "/srv/seoul-data-hub/data"``.
        """,
    )
    data_mount = Unicode("/srv/data", config=True, help="Where the data directory is mounted.")
    pids_limit = Integer(1024, config=True, help="Processes and threads per container.")
    open_files_limit = Integer(4096, config=True, help="Open files per process.")
    tmp_size = Unicode(
        "1g", config=True, help="Size of each container's /tmp (tmpfs, counted in its memory)."
    )
    docker_threads = Integer(4, config=True, help="Threads for Docker API calls.")

    # clusters stop together: one call removes the scheduler and every worker
    supports_bulk_shutdown = True
    # inside its own network namespace; the address reported is the container's
    default_host = "0.0.0.0"

    _executor: ThreadPoolExecutor | None = None
    _client: docker.APIClient | None = None

    @property
    def executor(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                self.docker_threads, thread_name_prefix="dask-docker"
            )
        return self._executor

    @property
    def client(self) -> docker.APIClient:
        if self._client is None:
            self._client = docker.APIClient(base_url=self.docker_host, version="auto")
        return self._client

    async def _blocking(self, function, *args, **kwargs):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self.executor, functools.partial(function, *args, **kwargs)
        )

    # the owner and their credentials

    async def process_cluster_options(self, user, request):
        """The options' configuration, and the owner's groups as the data views see them."""
        options, config = await super().process_cluster_options(user, request)
        config.data_groups = sorted(groups_of(user))
        return options, config

    def get_tls_paths(self, cluster):
        """The cluster's certificate and key themselves: distributed takes PEM text where
        it takes a file, so the credentials never touch the host's disk."""
        return cluster.tls_cert.decode(), cluster.tls_key.decode()

    async def on_cluster_heartbeat(self, cluster_name, msg):
        """Accept a starting scheduler's addresses only on its own container.

        The gateway's proxies and API then connect to them; an address elsewhere (the
        host's loopback, another user's network) would make the gateway a way there."""
        cluster = self.db.get_cluster(cluster_name)
        if cluster is not None and cluster.status < JobStatus.RUNNING:
            own = (cluster.state or {}).get("ip")
            foreign = [
                msg.get(key)
                for key in REPORTED_ADDRESSES
                if msg.get(key) and urlparse(msg[key]).hostname != own
            ]
            if foreign:
                self.log.warning(
                    "Cluster %s of %s reported foreign addresses %s",
                    cluster_name,
                    cluster.username,
                    foreign,
                )
                raise PublicException("scheduler addresses must be its container's")
        await super().on_cluster_heartbeat(cluster_name, msg)

    # containers

    def container_name(self, cluster_name: str, role: str) -> str:
        # "_" never occurs in a server's name (DockerSpawner escapes user names to [a-z0-9-])
        return f"{self.prefix}-dask_{cluster_name}_{role}"

    def _filters(self, cluster_name: str = "") -> dict:
        """Docker filters: this platform's Dask containers (of one cluster if named)."""
        cluster = f"{DASK_CLUSTER_LABEL}={cluster_name}" if cluster_name else DASK_CLUSTER_LABEL
        return {"label": [f"{PREFIX_LABEL}={self.prefix}", cluster]}

    def _start_container(
        self,
        cluster,
        role: str,
        name: str,
        command: list[str],
        env: dict,
        cores: float,
        memory: int,
    ) -> dict:
        """Create and start the container ``name`` of ``cluster`` (blocking); return its
        state: the container's id and address."""
        user = cluster.username
        escaped = DockerSpawner._escape(user)  # the spawner's own names for user objects
        network = user_network(self.prefix, escaped)
        ensure_network(self.client, network, self.network_pool, prefix=self.prefix)
        groups = list(cluster.config.get("data_groups") or ())
        gids = gids_for(self.data_dir, set(groups)) if self.data_dir else []
        # the data, read-only, and nothing else: not the user's home (hub/homes.py)
        binds = {self.data_dir: {"bind": self.data_mount, "mode": "ro"}} if self.data_dir else {}
        facts = ContainerFacts(
            user=user,
            data_gids=tuple(gids),
            pids=self.pids_limit,
            open_files=self.open_files_limit,
            tmp_size=self.tmp_size,
            create_extra={
                "labels": {
                    PREFIX_LABEL: self.prefix,
                    DASK_CLUSTER_LABEL: cluster.name,
                    DASK_ROLE_LABEL: role,
                }
            },
            host_extra={
                "init": True,
                "binds": binds,
                "mem_limit": memory,
                "memswap_limit": memory,
                "nano_cpus": int(cores * 1e9),
            },
        )
        create, host = container_options(facts)
        environment = {
            **env,
            "JUPYTERHUB_USER": user,
            GROUPS_VARIABLE: ",".join(groups),
            "SEOUL_DATA_DIR": self.data_mount,
        }
        container = self.client.create_container(
            self.image,
            command=command,
            name=name,
            environment=environment,
            host_config=self.client.create_host_config(network_mode=network, **host),
            **create,
        )
        try:
            self.client.start(container["Id"])
            networks = self.client.inspect_container(container["Id"])["NetworkSettings"]
            ip = networks["Networks"][network]["IPAddress"]
        except Exception:
            with contextlib.suppress(docker.errors.APIError):
                self.client.remove_container(container["Id"], force=True)
            raise
        self.log.info(
            "Cluster %s of %s: %s container %s at %s, %d data view(s)",
            cluster.name,
            user,
            role,
            name,
            ip,
            len(gids),
        )
        return {"container": container["Id"], "ip": ip}

    def _remove(self, filters: dict) -> int:
        """Force-remove the containers matching ``filters`` (blocking); return how many."""
        found = self.client.containers(all=True, filters=filters)
        for container in found:
            with contextlib.suppress(docker.errors.NotFound):
                self.client.remove_container(container["Id"], force=True)
        return len(found)

    def _running(self, ids: list[str]) -> list[bool]:
        running = {c["Id"] for c in self.client.containers(filters=self._filters())}
        return [i in running for i in ids]

    # the gateway's backend interface

    async def do_setup(self):
        # the gateway keeps its records in memory: containers of an earlier run are orphans
        removed = await self._blocking(self._remove, self._filters())
        if removed:
            self.log.info("Removed %d Dask container(s) left by an earlier gateway", removed)

    async def do_cleanup(self):
        if self._executor is not None:
            self._executor.shutdown(wait=False)

    async def do_start_cluster(self, cluster):
        name = self.container_name(cluster.name, SCHEDULER)
        state = await self._blocking(
            self._start_container,
            cluster,
            SCHEDULER,
            name,
            self.get_scheduler_command(cluster),
            self.get_scheduler_env(cluster),
            cluster.config.scheduler_cores,
            cluster.config.scheduler_memory,
        )
        yield state

    async def do_stop_cluster(self, cluster):
        removed = await self._blocking(self._remove, self._filters(cluster.name))
        self.log.info(
            "Cluster %s of %s: %d container(s) removed", cluster.name, cluster.username, removed
        )

    async def do_check_clusters(self, clusters):
        ids = [(c.state or {}).get("container", "") for c in clusters]
        return await self._blocking(self._running, ids)

    async def do_start_worker(self, worker):
        cluster = worker.cluster
        name = self.container_name(cluster.name, worker.name)
        state = await self._blocking(
            self._start_container,
            cluster,
            WORKER,
            name,
            self.get_worker_command(cluster, worker.name),
            self.get_worker_env(cluster),
            cluster.config.worker_cores,
            cluster.config.worker_memory,
        )
        yield state

    async def do_stop_worker(self, worker):
        name = self.container_name(worker.cluster.name, worker.name)
        with contextlib.suppress(docker.errors.NotFound):
            await self._blocking(self.client.remove_container, name, force=True)

    async def do_check_workers(self, workers):
        ids = [(w.state or {}).get("container", "") for w in workers]
        return await self._blocking(self._running, ids)
