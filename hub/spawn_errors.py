"""Spawn failures that staff can read: a Korean message for the page, the cause in the log.

JupyterHub sorts spawn failures by cause (``SpawnException`` with a reason for metrics);
these context managers turn the platform's expected failures — a missing image, no GPU
runtime, an unreachable Docker engine, a quota store locked by another process — into
:class:`StaffSpawnException`; anything else stays an unexpected error with its traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import docker.errors
import requests.exceptions
from jupyterhub.spawner import SpawnException

from hub.quota_store import QuotaStoreBusy


class StaffSpawnException(SpawnException):
    """A SpawnException whose user message (Korean) is what every page shows.

    JupyterHub's spawn-form page shows ``jupyterhub_message`` or else ``str(e)``, which for
    SpawnException is the log message: keep the log's detail off the user's screen."""

    @property
    def jupyterhub_message(self) -> str:
        return self.message


def refused(message: str, reason: str, status: int = 400) -> SpawnException:
    """A spawn refused on purpose (a hostile option, no profile, no capacity)."""
    return StaffSpawnException(message, reason=reason, status_code=status)


@contextmanager
def store_busy_for_staff(user: str) -> Iterator[None]:
    """A quota store locked too long by another process: a clear refusal, not a 500."""
    try:
        yield
    except QuotaStoreBusy as e:
        raise StaffSpawnException(
            str(e),
            reason="quota-store-busy",
            status_code=503,
            log_message=f"Quota store {e.path} locked for {user}'s spawn: {e}",
        ) from e


@contextmanager
def docker_failures_for_staff(spawner) -> Iterator[None]:
    """Turn a missing image, a missing GPU runtime or an unreachable engine into a message
    for staff (``spawner``: the SeoulDockerSpawner that is starting)."""
    user = spawner.user.name
    try:
        yield
    except docker.errors.ImageNotFound as e:
        raise StaffSpawnException(
            f"서버 이미지 '{spawner.image}'가 이 서버에 없습니다. 관리자에게 문의해 주세요.",
            reason="image-missing",
            log_message=f"Image {spawner.image!r} missing for {user}: {e}"
            " (build it with `make images`; this spawner never pulls)",
            status_code=503,
        ) from e
    except docker.errors.APIError as e:
        if spawner.gpu_devices and "device driver" in str(e):
            raise StaffSpawnException(
                "이 서버에는 GPU 실행 환경(NVIDIA 컨테이너 런타임)이 없어 GPU 서버를 시작할 수"
                " 없습니다. GPU가 없는 프로필을 선택하거나 관리자에게 문의해 주세요.",
                reason="gpu-runtime",
                log_message=f"GPU {','.join(spawner.gpu_devices)} for {user}: {e}",
                status_code=503,
            ) from e
        raise
    except (docker.errors.DockerException, requests.exceptions.ConnectionError) as e:
        if not engine_unreachable(e):
            raise
        raise StaffSpawnException(
            "컨테이너 엔진(Docker)에 연결할 수 없어 서버를 시작하지 못했습니다."
            " 잠시 후 다시 시도하거나 관리자에게 문의해 주세요.",
            reason="docker-unreachable",
            log_message="Docker engine unreachable at"
            f" {spawner.client_kwargs.get('base_url') or 'DOCKER_HOST'}"
            f" while starting {user}'s server: {e}",
            status_code=503,
        ) from e


def engine_unreachable(error: Exception) -> bool:
    """True when an error means the Docker engine could not be reached at all."""
    if isinstance(error, requests.exceptions.ConnectionError):
        return True
    cause = error.__cause__ or error.__context__
    return isinstance(cause, requests.exceptions.ConnectionError) or (
        isinstance(error, docker.errors.DockerException) and "Connection" in str(error)
    )
