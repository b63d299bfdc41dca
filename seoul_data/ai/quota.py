"""What this container may use for training, its quota: CPUs from the cgroup CPU quota (not
the host's core count), memory left under the cgroup limit, and a GPU when torch sees one.

Training that would not fit in the memory left is refused with an estimate in Korean
(:class:`ResourceRefused`) before it starts, instead of being killed by the kernel mid-way.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from seoul_data.ai.problem import AIError

CGROUP = Path("/sys/fs/cgroup")
#: cgroup v1 reports "no limit" as a huge number (a page-rounded 2**63 - 1)
_V1_UNLIMITED = 1 << 60


class ResourceRefused(AIError):
    """Training would need more memory than the container has left."""


@dataclass(frozen=True)
class Resources:
    """What training may use: whole CPUs, memory bytes left (None: unknown), the device."""

    cpus: int
    memory_available: int | None
    memory_limit: int | None
    device: str

    def describe(self, device: bool = True) -> str:
        """One Korean line for the dashboard and the logs (device: say CPU or GPU)."""
        memory = "알 수 없음" if self.memory_available is None else gib(self.memory_available)
        line = f"CPU {self.cpus}개, 남은 메모리 {memory}"
        return line + (f", 연산 장치 {'GPU' if self.device == 'cuda' else 'CPU'}" if device else "")


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def cpu_quota(root: Path = CGROUP) -> int:
    """Whole CPUs this process may use: the cgroup CPU quota (v2 ``cpu.max``, v1
    ``cpu.cfs_quota_us``/``cpu.cfs_period_us``) rounded up, capped by the CPUs it is
    pinned to (``os.sched_getaffinity``)."""
    pinned = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    quota = None
    v2 = _read(root / "cpu.max")
    if v2:
        limit, _, period = v2.partition(" ")
        if limit != "max" and period:
            quota = int(limit) / int(period)
    else:
        for v1 in (root / "cpu", root / "cpu,cpuacct", root):
            limit, period = _read(v1 / "cpu.cfs_quota_us"), _read(v1 / "cpu.cfs_period_us")
            if limit and period:
                if int(limit) > 0:
                    quota = int(limit) / int(period)
                break
    if quota is None:
        return max(1, pinned or 1)
    return max(1, min(pinned or 1, math.ceil(quota)))


def memory_limits(root: Path = CGROUP) -> tuple[int | None, int | None]:
    """(limit, bytes left under it) from the cgroup (v2 ``memory.max``/``memory.current``,
    v1 ``memory.limit_in_bytes``/``memory.usage_in_bytes``), each capped by the machine's
    ``MemAvailable``; None where nothing is known."""
    limit = used = None
    v2 = _read(root / "memory.max")
    if v2 is not None:
        limit = None if v2 == "max" else int(v2)
        used = int(_read(root / "memory.current") or 0)
    else:
        for v1 in (root / "memory", root):
            raw = _read(v1 / "memory.limit_in_bytes")
            if raw is not None:
                limit = int(raw) if int(raw) < _V1_UNLIMITED else None
                used = int(_read(v1 / "memory.usage_in_bytes") or 0)
                break
    available = None if limit is None else max(0, limit - (used or 0))
    machine = _mem_available()
    if machine is not None:
        available = machine if available is None else min(available, machine)
    return limit, available


def _mem_available() -> int | None:
    for line in (_read(Path("/proc/meminfo")) or "").splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return None


def device() -> str:
    """'cuda' when torch is installed and sees a GPU in this container, else 'cpu'."""
    try:
        import torch
    except ImportError:
        return "cpu"
    return "cuda" if torch.cuda.is_available() else "cpu"


#: The most CPUs one training may use in this process, below the quota: a shared service
#: (the dashboards service's kernels share the hub host) sets 1, so concurrent trainings do
#: not oversubscribe the cores (OpenMP slows down many times over when they do).
MAX_CPUS_ENV = "SEOUL_AI_MAX_CPUS"


def resources(root: Path = CGROUP, *, with_device: bool = True) -> Resources:
    """CPUs, memory and device of this container."""
    limit, available = memory_limits(root)
    cpus = cpu_quota(root)
    cap = os.environ.get(MAX_CPUS_ENV, "")
    if cap.isdigit() and int(cap) > 0:
        cpus = min(cpus, int(cap))
    return Resources(cpus, available, limit, device() if with_device else "cpu")


def gib(n: float) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**28 else f"{n / 2**20:.0f} MiB"


#: bytes per cell of the feature matrix a model keeps while training, beyond the matrix
#: itself (forests hold per-tree sample indices and nodes; boosting binned copies)
_MODEL_FACTOR = {
    "linear": 4,
    "random_forest": 12,
    "gradient_boosting": 6,
    "torch_mlp": 6,
    "kmeans": 4,
}


def estimate_bytes(rows: int, columns: int, model: str, folds: int = 1) -> int:
    """A rough upper estimate of the memory a training run needs: the float64 feature
    matrix (after one-hot encoding), its per-fold copies and the model's working set."""
    matrix = rows * max(columns, 1) * 8
    factor = _MODEL_FACTOR.get(model, 8)
    # fixed overhead: interpreter, libraries and result tables
    return int(matrix * (2 + factor) + matrix * min(folds, 2) + 64 * 2**20)


def check_memory(needed: int, available: int | None) -> None:
    """Refuse (:class:`ResourceRefused`) when ``needed`` bytes exceed what is left."""
    if available is not None and needed > available:
        raise ResourceRefused(
            f"학습에 메모리가 약 {gib(needed)} 필요하지만 이 환경에 남은 메모리는 "
            f"{gib(available)}입니다. 행이나 특성을 줄이거나(예: 기간·지역을 좁히기) "
            "더 가벼운 모델(선형 모델)을 고르거나, 관리자에게 메모리 할당을 늘려 달라고 "
            "요청하세요.",
            where="자원",
        )
