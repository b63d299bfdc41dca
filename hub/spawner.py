"""SeoulDockerSpawner: one Docker container per user, from our own image.

DockerSpawner does the container work; this subclass adds what the platform needs on top:

- loopback mode: with ``network_name = "host"`` every server gets its own free port on
  127.0.0.1 (DockerSpawner's fixed 8888 would collide, and docker-py refuses host networking
  with port bindings);
- more than one thread for Docker calls, so that ten users starting or stopping at once do
  not queue behind each other;
- data access at the mount: the user's groups go to ``SEOUL_DATA_GROUPS``, and restricted
  datasets their groups may not read are not in the container at all;
- spawn failures that staff can read: a missing image or an unreachable Docker engine become
  a :class:`SpawnException` with a Korean message for the user and the cause in the log.
"""

from __future__ import annotations

import inspect
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docker.errors
import requests.exceptions
from dockerspawner import DockerSpawner
from jupyterhub.spawner import SpawnException
from jupyterhub.utils import random_port
from traitlets import Integer, Unicode, default

from seoul_data.access import GROUPS_VARIABLE, may_read
from seoul_data.catalog import Catalog
from seoul_data.catalog.store import CATALOG_FILE
from seoul_data.ingest.pipeline import DATASETS_DIR

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

    data_dir = Unicode(
        "",
        config=True,
        help="""Host path of the platform data directory, mounted read-only in containers.

        Its catalog says which datasets are restricted: the data of a restricted dataset
        that none of the user's groups may read is hidden under an empty read-only tmpfs,
        so it is not in the container at all.
        Example: ``c.SeoulDockerSpawner.data_dir = "/srv/seoul-data-hub/data"``.
        """,
    )

    data_mount = Unicode("/srv/data", config=True, help="Where the data directory is mounted.")

    _threaded_executor: ThreadPoolExecutor | None = None

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
        return self.network_name == "host"

    @default("use_internal_ip")
    def _default_use_internal_ip(self) -> bool:
        # host networking has no port bindings; a user-defined network is reached by its IP
        return self.network_name != "bridge"

    @property
    def data_groups(self) -> set[str]:
        """The user's groups as the data access rules see them (admins count as admin)."""
        groups = {group.name for group in self.user.groups}
        return groups | {"admin"} if self.user.admin else groups

    def hidden_datasets(self) -> list[str]:
        """Ids of restricted datasets this user's groups may not read."""
        if not self.data_dir or not (Path(self.data_dir) / CATALOG_FILE).exists():
            return []
        catalog = Catalog(self.data_dir, readonly=True)
        groups = self.data_groups
        return [d.id for d in catalog.find(access="restricted") if not may_read(d, groups)]

    def get_env(self):
        env = super().get_env()
        env[GROUPS_VARIABLE] = ",".join(sorted(self.data_groups))
        return env

    async def create_object(self):
        hidden = self.hidden_datasets()
        if hidden:
            self.log.info("Hiding %d restricted dataset(s) from %s", len(hidden), self.user.name)
            tmpfs = {
                f"{self.data_mount}/{DATASETS_DIR}/{dataset_id}": "ro,size=4k,mode=0555"
                for dataset_id in hidden
            }
            configured = self.extra_host_config

            async def with_hidden_data(spawner):
                base = spawner._eval_if_callable(configured)
                if inspect.isawaitable(base):
                    base = await base
                return {**base, "tmpfs": {**base.get("tmpfs", {}), **tmpfs}}

            self.extra_host_config = with_hidden_data
        return await super().create_object()

    async def start(self):
        if self.uses_host_network:
            # a fresh port per start: containers are removed on stop, so none is reused
            self.ip = self.loopback_ip
            self.port = random_port()
        try:
            return await super().start()
        except docker.errors.ImageNotFound as e:
            raise SpawnException(
                f"서버 이미지 '{self.image}'가 이 서버에 없습니다. 관리자에게 문의해 주세요.",
                reason="image-missing",
                log_message=f"Image {self.image!r} missing for {self.user.name}: {e}"
                " (build it with `make images`; this spawner never pulls)",
                status_code=503,
            ) from e
        except (docker.errors.DockerException, requests.exceptions.ConnectionError) as e:
            if not _engine_unreachable(e):
                raise
            raise SpawnException(
                "컨테이너 엔진(Docker)에 연결할 수 없어 서버를 시작하지 못했습니다."
                " 잠시 후 다시 시도하거나 관리자에게 문의해 주세요.",
                reason="docker-unreachable",
                log_message="Docker engine unreachable at"
                f" {self.client_kwargs.get('base_url') or 'DOCKER_HOST'}"
                f" while starting {self.user.name}'s server: {e}",
                status_code=503,
            ) from e

    async def get_ip_and_port(self):
        if self.uses_host_network:
            return self.loopback_ip, self.port
        return await super().get_ip_and_port()


def _engine_unreachable(error: Exception) -> bool:
    """True when an error means the Docker engine could not be reached at all."""
    if isinstance(error, requests.exceptions.ConnectionError):
        return True
    cause = error.__cause__ or error.__context__
    return isinstance(cause, requests.exceptions.ConnectionError) or (
        isinstance(error, docker.errors.DockerException) and "Connection" in str(error)
    )
