"""A user's quota profile → the Dask cluster options they may ask for.

Each worker may be as large as the largest profile the user's groups grant (the server
they could start: ``cpu`` cores, ``mem`` memory), and a cluster's workers together fit
the host of the policy and :data:`MAX_WORKERS`; the scheduler has one core and
:data:`SCHEDULER_GIB` (no more than a worker may have). A cluster stops itself after the profile's
idle timeout. Requests over a limit are refused with a Korean message; the checks run on
every cluster start, against the policy in force then.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dask_gateway_server.options import Float, Integer, Options

from hub.quota_policy import Policy, format_memory

#: Groups whose members may use the gateway (the hub role grants them its access scope).
GATEWAY_GROUPS = ("analyst", "admin")
#: The most workers one cluster may have, however large the host.
MAX_WORKERS = 8
#: Worker memory the options offer first, in GiB (less if the profile has less).
DEFAULT_WORKER_GIB = 2.0
#: The smallest worker a request may ask for, in GiB.
MIN_WORKER_GIB = 0.25
#: The scheduler's memory, in GiB (less if the profile has less); it has one core.
SCHEDULER_GIB = 1.0


class GatewayQuotaError(ValueError):
    """A cluster request the user's quota does not allow; the message is for the user."""


@dataclass(frozen=True)
class WorkerLimits:
    """What one user's clusters may use, from their largest profile."""

    #: The profile the limits come from (slug and display name).
    profile: str
    profile_name: str
    #: Cores and memory (bytes) of one worker at most.
    max_cores: int
    max_memory: int
    #: The host that all of a cluster's workers must fit together.
    host_cpus: float
    host_memory: int
    #: Seconds without work before a cluster stops itself (0: never).
    idle_timeout: int

    def max_workers(self, cores: int, memory: int) -> int:
        """Workers of this size one cluster may have (at least one)."""
        fit = min(self.host_cpus // cores, self.host_memory // memory, MAX_WORKERS)
        return max(1, int(fit))


def groups_of(user) -> set[str]:
    """A gateway user's groups as the quota policy and the data views see them (an admin
    counts as the ``admin`` group)."""
    return set(user.groups) | ({"admin"} if user.admin else set())


def worker_limits(policy: Policy, user: str, groups: set[str]) -> WorkerLimits | None:
    """The limits of ``user`` (None: no profile is granted to them)."""
    profiles = policy.profiles_for(user, groups)
    if not profiles:
        return None
    largest = max(profiles, key=lambda p: (p.cpu, p.mem))
    return WorkerLimits(
        profile=largest.slug,
        profile_name=largest.name,
        # a Dask worker has whole cores; a fractional profile still gets one
        max_cores=max(1, math.floor(largest.cpu)),
        max_memory=largest.mem,
        host_cpus=policy.host.cpus,
        host_memory=policy.host.mem,
        idle_timeout=largest.idle_timeout,
    )


def check_request(limits: WorkerLimits | None, cores: int, memory_gib: float) -> int:
    """Refuse a worker size over the limits (GatewayQuotaError); return the memory in bytes."""
    if limits is None:
        raise GatewayQuotaError(
            "사용할 수 있는 자원 프로필이 없어 Dask 클러스터를 만들 수 없습니다."
            " 관리자에게 문의해 주세요."
        )
    where = f"'{limits.profile_name}' 프로필 기준"
    if not 1 <= cores <= limits.max_cores:
        raise GatewayQuotaError(
            f"워커 CPU 코어는 1~{limits.max_cores}개까지 요청할 수 있습니다"
            f" ({where}, 요청 {cores}개)."
        )
    max_gib = limits.max_memory / 2**30
    if not MIN_WORKER_GIB <= memory_gib <= max_gib:  # NaN fails too
        raise GatewayQuotaError(
            f"워커 메모리는 {MIN_WORKER_GIB:g}~{max_gib:g} GiB까지 요청할 수 있습니다"
            f" ({where}, 요청 {memory_gib:g} GiB)."
        )
    return int(memory_gib * 2**30)


def cluster_config(limits: WorkerLimits | None, cores: int, memory_gib: float) -> dict:
    """The ``ClusterConfig`` overrides of a request within the limits."""
    memory = check_request(limits, cores, memory_gib)
    return {
        "worker_cores": cores,
        "worker_threads": cores,
        "worker_memory": memory,
        "cluster_max_workers": limits.max_workers(cores, memory),
        "scheduler_cores": 1,
        "scheduler_memory": min(int(SCHEDULER_GIB * 2**30), limits.max_memory),
        "idle_timeout": float(limits.idle_timeout),
    }


def cluster_options(limits: WorkerLimits | None) -> Options:
    """The options a user's ``Gateway.cluster_options()`` shows, bounded by their limits.

    The bounds are in the labels and checked by the handler, so that a refusal is one
    Korean sentence rather than the fields' own English range errors."""
    if limits is None:
        max_cores, max_gib = 1, DEFAULT_WORKER_GIB
    else:
        max_cores, max_gib = limits.max_cores, limits.max_memory / 2**30
    return Options(
        Integer("worker_cores", default=1, label=f"워커 CPU 코어 (최대 {max_cores})"),
        Float(
            "worker_memory",
            default=min(DEFAULT_WORKER_GIB, max_gib),
            label=f"워커 메모리 GiB (최대 {max_gib:g})",
        ),
        handler=lambda options: cluster_config(limits, options.worker_cores, options.worker_memory),
    )


def describe(limits: WorkerLimits) -> str:
    """One line for the log: the user's limits."""
    return (
        f"profile={limits.profile} cores≤{limits.max_cores}"
        f" memory≤{format_memory(limits.max_memory)} idle={limits.idle_timeout}s"
    )
