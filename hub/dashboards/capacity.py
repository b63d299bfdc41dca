"""How many viewers the dashboards service takes at once, from the memory it has.

- The cap on kernels serving viewers is derived from the service's memory (its container's
  limit, or the host's memory): the viewers' kernels now, and as many more as what is left
  (beside the server, the pools and every kernel, as measured) holds of a typical viewer's
  kernel; ``max_kernels`` (``SDH_DASHBOARDS_MAX_KERNELS``), where set, lowers it further.
- At most ``max_rendering`` pages are rendered at once (as many as the host has cores); the
  next ones wait their turn (a minute at most).
- A viewer past the memory cap gets the Korean busy page (503) at once, with an estimate of
  the wait from how long recent viewers kept their page, and the page retries by itself.
- Each dashboard's pool is sized from the memory too (``pool_size``).
- Pools refill one kernel at a time per spare core, so that a burst of viewers is not
  starved of CPU by the kernels being preheated for the next ones.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections import deque
from pathlib import Path

#: What a viewer's kernel holds before one has been measured (a dashboard rendered).
KERNEL_GUESS = 250 * 2**20
#: The share of the service's memory its kernels and server may use.
HEADROOM = 0.9
#: Seconds a measurement of the kernels' memory is reused.
MEASURE_EVERY_S = 5.0
#: Seconds a page waits for a rendering slot before the busy page is shown instead.
WAIT_LIMIT_S = 60.0
#: What the server (Voila, the search API) holds beside its kernels.
SERVER_BYTES = 300 * 2**20
#: The most preheated kernels a dashboard's pool keeps (auto).
MAX_POOL = 8
BUSY_PAGE = """<!doctype html><html lang="ko"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="{wait}">
<title>잠시 후 다시 시도해 주세요</title></head>
<body style="font-family: NanumGothic, 'Nanum Gothic', sans-serif; margin: 3em;">
<h1>지금은 대시보드 이용자가 많습니다</h1>
<p>동시에 열 수 있는 대시보드 수({limit}개)를 모두 쓰고 있습니다.
예상 대기 시간은 {wait_text}이며, 이 페이지가 그때 자동으로 다시 시도합니다.</p>
<p><a href="{home}">홈으로</a></p></body></html>"""


def memory_limit() -> int:
    """Bytes the service may use: its cgroup's limit (a container's ``mem_limit``), else the
    host's memory."""
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        host = int(meminfo.readline().split()[1]) * 1024  # MemTotal, the first line
    for limit in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit).read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            return min(int(text), host)
    return host


def process_memory(pid: int) -> int:
    """Bytes a process holds: its proportional set size (shared pages split among their
    users), or its resident size where the kernel gives no PSS; 0 for a process gone."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def pool_size(configured: str, notebooks: int, limit: int | None = None) -> int:
    """Preheated kernels per dashboard: the setting (``SDH_DASHBOARDS_POOL``), or ``auto``: a
    quarter of the kernels the service's memory holds, shared by its ``notebooks``, between
    1 and :data:`MAX_POOL`."""
    if configured != "auto":
        return int(configured)
    limit = memory_limit() if limit is None else limit
    kernels = int((limit * HEADROOM - SERVER_BYTES) // KERNEL_GUESS)
    return max(1, min(MAX_POOL, kernels // (4 * max(notebooks, 1))))


def kernel_pid(manager, kernel_id: str) -> int | None:
    try:
        provisioner = manager.get_kernel(kernel_id).provisioner
    except KeyError:
        return None
    return getattr(provisioner, "pid", None)


class Capacity:
    """The cap on kernels serving viewers, from memory (one per service): the viewers' kernels
    now, and as many more as the memory left holds, each the size of a typical viewer's
    kernel. What is left is measured (the server, the pools and every kernel as they are),
    so one large kernel does not shrink everyone's share."""

    def __init__(self, max_kernels: int) -> None:
        #: an administrator's cap (0: none but memory's)
        self.max_kernels = max_kernels
        self.manager = None
        self._measured = (0.0, 0, KERNEL_GUESS)  # when, bytes in use, a typical kernel

    def measure(self, viewers: list[str]) -> tuple[int, int]:
        """Bytes the server and all its kernels hold now, and a viewer's typical kernel (the
        mean of theirs; the guess until one runs); measured every few seconds."""
        when, used, typical = self._measured
        if time.monotonic() - when > MEASURE_EVERY_S:
            size = {k: process_memory(kernel_pid(self.manager, k) or 0) for k in self.kernels()}
            server = max(process_memory(os.getpid()), SERVER_BYTES)
            used = server + sum(size.values())
            theirs = [size[k] for k in viewers if size.get(k)]
            typical = max(statistics.mean(theirs), KERNEL_GUESS // 2) if theirs else KERNEL_GUESS
            self._measured = (time.monotonic(), used, int(typical))
        return used, typical

    def kernels(self) -> list[str]:
        return list(self.manager.list_kernel_ids()) if self.manager is not None else []

    def viewer_kernels(self, viewers: list[str]) -> int:
        """How many kernels may serve viewers at once: theirs now and as many more as the
        memory left holds, within the administrator's cap."""
        used, typical = self.measure(viewers)
        fits = len(viewers) + max(int((memory_limit() * HEADROOM - used) // typical), 0)
        if self.max_kernels:
            fits = min(fits, self.max_kernels)
        return max(fits, 1)


def wait_estimate(held: list[float], holding: list[float]) -> int:
    """Seconds until a kernel is likely free: how long recent viewers kept their page
    (``held``), less how long the longest-staying current viewer has had it (``holding``);
    between 15 seconds and 15 minutes (the idle culler's limit)."""
    typical = statistics.median(held) if held else 120.0
    return int(min(max(typical - max(holding, default=0.0), 15), 900))


def wait_text(seconds: int) -> str:
    return f"약 {seconds}초" if seconds < 90 else f"약 {round(seconds / 60)}분"


def busy_page(limit: int, wait: int, home: str) -> str:
    return BUSY_PAGE.format(limit=limit, wait=wait, wait_text=wait_text(wait), home=home)


class Admission:
    """Pages being rendered and waiting to be, against the caps (one per service).

    A page past the memory cap gets the busy page at once. A page within it but past the
    rendering slots (the host's cores) waits its turn, up to :data:`WAIT_LIMIT_S` seconds:
    a burst of viewers is served one after another, not sent away while memory has room.
    The checks and counts happen with no ``await`` between them, on the service's one event
    loop, so viewers arriving together are admitted one at a time."""

    def __init__(self, max_kernels: int, max_rendering: int) -> None:
        self.max_kernels, self.max_rendering = max_kernels, max_rendering
        self.rendering = 0
        self._turns: deque[asyncio.Future] = deque()

    @property
    def waiting(self) -> int:
        return sum(not turn.done() for turn in self._turns)

    async def enter(self, kernels_in_use: int, wait_limit: float = WAIT_LIMIT_S) -> bool:
        """Admit one more page if memory has room for its kernel, once a rendering slot is
        free (then call :meth:`leave` after); False: the busy page."""
        # pages rendering or waiting may each hold a kernel not yet counted as in use
        if kernels_in_use + self.rendering + self.waiting >= self.max_kernels:
            return False
        if self.rendering < self.max_rendering and not self.waiting:
            self.rendering += 1
            return True
        turn = asyncio.get_running_loop().create_future()
        self._turns.append(turn)
        try:
            await asyncio.wait_for(turn, wait_limit)  # leave() hands its slot over
        except TimeoutError:
            return False
        return True

    def leave(self) -> None:
        """A page is rendered: its slot goes to the longest-waiting page, if any."""
        while self._turns:
            turn = self._turns.popleft()
            if not turn.done():  # not given up (timed out)
                turn.set_result(None)
                return
        self.rendering -= 1


class Warming:
    """Mixed into Voila's kernel manager: a pool's kernels start and run their dashboard one
    at a time per spare core (at least one), and a pool's kernel is handed out only once its
    dashboard has run."""

    _warming: asyncio.Semaphore | None = None

    async def _initialize(self, notebook_path: str, kernel_id: str | None = None, **kwargs):
        if kernel_id is not None:  # a kernel restarted, not a pool's
            return await super()._initialize(notebook_path, kernel_id, **kwargs)
        if self._warming is None:
            self._warming = asyncio.Semaphore(max(1, (os.cpu_count() or 1) - 1))
        async with self._warming:
            content = await super()._initialize(notebook_path, kernel_id, **kwargs)
            await asyncio.wait([content["task"]])  # an error is shown on the page it renders
        return content
