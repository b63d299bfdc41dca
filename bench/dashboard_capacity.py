"""서울 인구관 and 생활인구 under many viewers: how many get an interactive page, how fast,
and what the dashboards service's kernels do meanwhile, in headless Chromium, for today's
service and ours, in one run.

    python -m bench.dashboard_capacity [--burst 30] [--steady-minutes 5] [--every 2]
        [--variants baseline,ours] [--out bench/results/dashboard_capacity.json]

Each variant (:data:`VARIANTS`: setting overrides) gets a fresh hub on the isolated network,
with one staff member per browser context, logged in through the hub's login form (and the
service's OAuth) before the clock starts. Viewers alternate between the two dashboards:

- burst: ``--burst`` viewers arrive within ten seconds (evenly spread); each opens a page,
  waits for the map drawn (or the busy page, or an error, or 120 s), stays ten seconds and
  closes the page;
- steady: a new viewer every ``--every`` seconds for ``--steady-minutes``; each stays a
  random 30–60 s (seeded) after the map is drawn, then closes the page (``page.close()``,
  which sends no unload beacon); every third one first navigates away (``about:blank``).

A viewer's outcome is ``drawn``, ``busy`` (the service's 503 page) or ``error`` (with a
reason). The time to the map is the page's own clock (performance.now(), from navigation
start) when deck.gl has drawn its first frame, and the wall time from ``goto`` to that; every
fifth viewer's canvas is screenshotted to confirm it really has a picture.

A sampler reads, every second, the kernels alive in the service's container (one
``docker exec`` of a short Python snippet: the ``ipykernel_launcher`` processes, their
connection files and VmRSS) next to the pages open and drawn in the bench, and the CPU time
of the bench's own Chromium processes. From those: the most kernels alive, the most kernels
beyond the viewers connected, the memory per kernel, and, for each closed page whose kernel
id the page names (Voila's ``jupyter-config-data``), the seconds until that kernel is gone
(to within the sampler's second; at most 60 s). Each scenario's CPU seconds, the service's
container's and Chromium's, say where the machine's cores went.

Between scenarios the bench waits (bounded) until the kernels are back to the pools and the
pools are quiet. Each scenario has a deadline; a hub is always removed after its variant.
Whether the issue's targets are met is written as booleans (``targets_met``), never asserted.
A screenshot of one drawn page per variant goes beside the JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import math
import random
import statistics
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import docker
import numpy as np
import psutil
import requests

from bench.report import new_report, write_report
from hub.dashboards.listing import DASHBOARDS
from hub.settings import HubSettings
from seoul_data.sources import ingest_bundled, sources
from tests.browser import ARGS, CHROMIUM, Watched, drawn, watch
from tests.conftest import small_living_store
from tests.running_hub import RunningHub, hub_settings_for

#: Setting overrides of each variant: today's service (no release of a closed page's
#: kernel but the unload beacon, nothing prepared), and ours (the new defaults).
#: The service's settings before issue 17 (what can be switched back: the code's other
#: changes — queueing for cores, hall tabs drawn when shown, serial pool warming — stay), and
#: ours (the defaults).
VARIANTS = {
    "baseline": dict(
        dashboards_pool=1,
        dashboards_max_kernels=12,
        dashboards_mem_limit="4G",
        dashboards_release_after=0.0,
        dashboards_prepared=False,
    ),
    "ours": {},
}
PAGES = ("population_hall.ipynb", "living_population.ipynb")
RENDER = "services/dashboards/voila/render"
BUSY_TEXT = "지금은 대시보드 이용자가 많습니다"
BURST_SPREAD_S = 10
BURST_STAY_S = 10
STEADY_STAY_S = (30, 60)
SEED = 14
DRAW_TIMEOUT_S = 120
GONE_TIMEOUT_S = 60
#: Bounds of the waits for the pools to fill (after the service starts) and for the kernels
#: to drop back to the pools (after a scenario).
POOL_FILL_TIMEOUT_S = 120
DRAIN_TIMEOUT_S = 120
#: Kernels are quiet when the same ones have run for this long using together less than
#: this share of one core.
QUIET_FOR_S = 5
QUIET_CORES = 0.2
SAMPLE_EVERY_S = 1.0
PIXELS_EVERY = 5
NAVIGATE_EVERY = 3
LOGINS_AT_ONCE = 4
VIEWPORT = {"width": 1280, "height": 1400}
#: Run inside the service's container: {kernel id: [VmRSS KiB, PSS KiB, CPU seconds]} of
#: every ipykernel_launcher process (its own command line names the word too: skipped by
#: pid). PSS splits the pages kernels share among them; RSS counts them in each.
KERNELS_SCRIPT = r"""
import json, os
me, tick, found = os.getpid(), os.sysconf("SC_CLK_TCK"), {}
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        argv = open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace").split("\0")
        if int(pid) == me or not any("ipykernel_launcher" in a for a in argv):
            continue
        status = open(f"/proc/{pid}/status").read().splitlines()
        stat = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        continue
    conn = next((a for a in argv if os.path.basename(a).startswith("kernel-")), f"pid-{pid}")
    kid = os.path.basename(conn).removeprefix("kernel-").removesuffix(".json")
    rss = next((int(s.split()[1]) for s in status if s.startswith("VmRSS:")), 0)
    try:
        rollup = open(f"/proc/{pid}/smaps_rollup").read().splitlines()
    except OSError:
        rollup = []
    pss = next((int(s.split()[1]) for s in rollup if s.startswith("Pss:")), 0)
    found[kid] = [rss, pss, (int(stat[11]) + int(stat[12])) / tick]
print(json.dumps(found))
"""


@dataclass
class Snapshot:
    began: float  # monotonic time the exec started
    at: float  # and returned
    kernels: dict[str, list[float]]  # kernel id → [RSS KiB, PSS KiB, CPU s]


class ServiceKernels:
    """The kernels of a hub's dashboards service, read inside its container."""

    def __init__(self, settings) -> None:
        self.client = docker.APIClient(base_url=settings.docker_host)
        labels = [
            "org.seoul-data-hub.service=dashboards",
            f"org.seoul-data-hub.prefix={settings.container_prefix}",
        ]
        found = self.client.containers(filters={"label": labels})
        if len(found) != 1:
            raise RuntimeError(f"{len(found)} dashboards containers with labels {labels}")
        self.container = found[0]["Id"]

    def cpu_s(self) -> float:
        """CPU seconds the service's container (server, pools, kernels) has used."""
        stats = self.client.stats(self.container, stream=False)
        return stats["cpu_stats"]["cpu_usage"]["total_usage"] / 1e9

    def snapshot(self) -> Snapshot:
        began = time.monotonic()
        run = self.client.exec_create(
            self.container, ["python", "-c", KERNELS_SCRIPT], stdout=True, stderr=False
        )
        kernels = json.loads(self.client.exec_start(run["Id"]))
        return Snapshot(began, time.monotonic(), kernels)


@dataclass
class Visit:
    """One viewer: what they opened, when, and what they got."""

    n: int
    dashboard: str
    at_s: float  # arrival, seconds after the scenario started
    stay_s: float
    leave: str  # "close" (page.close) or "navigate" (about:blank, then close)
    check_pixels: bool
    outcome: str = "error"
    reason: str = "not started"
    status: int | None = None
    drawn_s: float | None = None  # the page's clock: navigation start → first frame
    wall_s: float | None = None  # goto → first frame, as the bench saw it
    canvas_drawn: bool | None = None
    kernel_id: str | None = None
    gone_s: float | None = None  # page closed → its kernel gone
    gone: str | None = None  # "gone", "not within 60 s", "never seen in the container"
    page_errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)


@dataclass
class Tally:
    """One scenario's live counts and samples, updated by the viewers and the sampler."""

    start: float
    open: int = 0  # pages navigated to and not yet closed
    connected: int = 0  # pages whose map is drawn, not yet closed
    samples: list[list] = field(default_factory=list)  # [t, open, connected, kernels, MiB]
    rss_mib: list[float] = field(default_factory=list)  # every live kernel of every sample
    pss_mib: list[float] = field(default_factory=list)
    waiting: dict[str, tuple[Visit, float]] = field(default_factory=dict)
    sample_errors: list[str] = field(default_factory=list)
    shot: Path | None = None  # where the first checked page's screenshot goes

    def record(self, snap: Snapshot, open_: int, connected: int) -> None:
        rss = [kib / 1024 for kib, _, _ in snap.kernels.values()]
        self.rss_mib.extend(rss)
        self.pss_mib.extend(kib / 1024 for _, kib, _ in snap.kernels.values())
        self.samples.append(
            [round(snap.at - self.start, 1), open_, connected, len(rss), round(sum(rss))]
        )
        for kernel_id, (visit, closed_at) in list(self.waiting.items()):
            if snap.began < closed_at:
                continue  # read before the page closed
            if kernel_id not in snap.kernels:
                visit.gone, visit.gone_s = "gone", round(snap.at - closed_at, 1)
            elif snap.at - closed_at > GONE_TIMEOUT_S:
                visit.gone = f"not within {GONE_TIMEOUT_S} s"
            else:
                continue
            del self.waiting[kernel_id]


class ChromiumCpu:
    """CPU seconds the bench's own Chromium has used, every process of it (the viewers' PCs,
    which on this one machine compete with the service for its cores). A closed page's
    renderer takes its time with it, so each process is read at every sample and the last
    reading kept: at most the last second of a process is missed."""

    def __init__(self) -> None:
        self.last: dict[tuple[int, float], float] = {}

    def sample(self) -> None:
        for process in psutil.Process().children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if "chrom" in process.name():
                    times = process.cpu_times()
                    self.last[(process.pid, process.create_time())] = times.user + times.system

    def total(self) -> float:
        self.sample()
        return sum(self.last.values())


class KernelWatch:
    """The sampler: a snapshot of the service's kernels every second, recorded in the
    current scenario's tally (if any)."""

    def __init__(self, service: ServiceKernels) -> None:
        self.service = service
        self.tally: Tally | None = None
        self.latest: Snapshot | None = None
        self.seen: set[str] = set()  # every kernel id ever sampled
        self.errors: list[str] = []
        self.chromium = ChromiumCpu()
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            began = time.monotonic()
            self.chromium.sample()
            tally = self.tally
            before = (tally.open, tally.connected) if tally else (0, 0)
            try:
                snap = await asyncio.to_thread(self.service.snapshot)
            except (docker.errors.DockerException, requests.RequestException, ValueError) as e:
                (tally.sample_errors if tally else self.errors).append(str(e)[:200])
            else:
                self.latest = snap
                self.seen.update(snap.kernels)
                if tally:
                    # the counts at either end of the read, the larger: a page drawn or
                    # closed meanwhile counts as connected
                    tally.record(snap, max(before[0], tally.open), max(before[1], tally.connected))
            await asyncio.sleep(max(0.0, began + SAMPLE_EVERY_S - time.monotonic()))

    async def next(self) -> Snapshot | None:
        """The first snapshot taken after now (None if none comes within 30 s)."""
        now = time.monotonic()
        for _ in range(300):
            if self.latest and self.latest.began >= now:
                return self.latest
            await asyncio.sleep(0.1)
        return None

    def watch_close(self, visit: Visit, closed_at: float) -> None:
        """Follow a closed page's kernel until it is gone (recorded in the visit)."""
        if visit.kernel_id not in self.seen:
            visit.gone = "never seen in the container"
        elif self.tally:
            self.tally.waiting[visit.kernel_id] = (visit, closed_at)

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


def quiet(window: list[Snapshot]) -> bool:
    """Whether the same kernels ran through ``window`` (oldest first) using together less
    than :data:`QUIET_CORES` (none of them running a notebook)."""
    first, last = window[0], window[-1]
    if any(s.kernels.keys() != last.kernels.keys() for s in window):
        return False
    cpu = sum(last.kernels[k][2] - first.kernels[k][2] for k in last.kernels)
    return cpu / max(last.at - first.at, 0.1) < QUIET_CORES


async def settle(watch: KernelWatch, ok, timeout: float) -> tuple[float, int]:
    """Wait until ``ok(kernels alive)`` holds and the kernels have been quiet for
    :data:`QUIET_FOR_S` (and no closed page's kernel is still followed), or ``timeout`` s;
    return the seconds waited and the kernels then."""
    start, window = time.monotonic(), []
    while time.monotonic() - start < timeout:
        snap = await watch.next()
        if snap is None:
            continue
        window = [s for s in window if snap.at - s.at <= QUIET_FOR_S] + [snap]
        waiting = watch.tally and watch.tally.waiting
        long_enough = snap.at - window[0].at >= QUIET_FOR_S - SAMPLE_EVERY_S
        if ok(len(snap.kernels)) and long_enough and quiet(window) and not waiting:
            break
    kernels = len(watch.latest.kernels) if watch.latest else -1
    return round(time.monotonic() - start, 1), kernels


# -- browser ---------------------------------------------------------------------------------


async def open_watched(context) -> Watched:
    """A new page that records its requests and errors."""
    return watch(await context.new_page())


async def log_in(context, hub_url: str, name: str, password: str) -> None:
    """The hub's login form, as staff fill it in, then the service's own OAuth login (so
    that a viewer's page load is the dashboard's alone)."""
    page = await context.new_page()
    try:
        await page.goto(f"{hub_url}/hub/login", timeout=60_000)
        await page.fill("#username_input", name)
        await page.fill("#password_input", password)
        await page.click("#login_submit")
        await page.wait_for_url("**/hub/home", timeout=60_000)
        response = await page.goto(f"{hub_url}/services/dashboards/", timeout=60_000)
        if response is None or response.status != 200:
            raise RuntimeError(f"{name}: the service answered {response and response.status}")
    finally:
        await page.close()


async def logged_in_contexts(
    chromium, hub: RunningHub, names: list[str]
) -> tuple[asyncio.Queue, list[str]]:
    """A browser context per staff member, logged in, a few at a time; the free ones queue.
    Returns the queue and the logins that failed (their viewers wait for a free context)."""
    from playwright.async_api import Error as PlaywrightError

    free: asyncio.Queue = asyncio.Queue()
    failed: list[str] = []
    gate = asyncio.Semaphore(LOGINS_AT_ONCE)

    async def one(name: str) -> None:
        async with gate:
            context = await chromium.new_context(viewport=VIEWPORT)
            try:
                await log_in(context, hub.url, name, hub.passwords[name])
            except (PlaywrightError, RuntimeError) as e:
                failed.append(f"{name}: {str(e).strip().splitlines()[0][:160]}")
                await context.close()
            else:
                free.put_nowait(context)

    await asyncio.gather(*(one(name) for name in names))
    if free.empty():
        raise RuntimeError(f"no staff member could log in: {failed[:3]}")
    return free, failed


async def canvas_drawn(page, shot: Path | None) -> bool | None:
    """Whether the map's canvas shows a picture (screenshot: tests/browser.py's drawn)."""
    from PIL import Image
    from playwright.async_api import Error as PlaywrightError

    try:
        canvas = page.locator("[data-first-drawn-ms] canvas").first
        await canvas.scroll_into_view_if_needed(timeout=10_000)
        await page.wait_for_timeout(500)
        png = await canvas.screenshot(timeout=30_000)
        if shot:
            await page.screenshot(path=str(shot))
    except PlaywrightError:
        return None
    return drawn(np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int))


async def page_kernel_id(page) -> str | None:
    """The kernel id Voila wrote into the page (its ``jupyter-config-data``)."""
    script = """() => {
        const config = document.getElementById('jupyter-config-data');
        return config ? JSON.parse(config.textContent).kernelId || null : null;
    }"""
    with contextlib.suppress(Exception):
        return await asyncio.wait_for(page.evaluate(script), 5)
    return None


async def load(visit: Visit, page, url: str) -> float | None:
    """Open the dashboard; return the wall time to the map drawn (None: busy or error)."""
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    began = time.monotonic()
    try:
        response = await page.goto(url, wait_until="commit", timeout=DRAW_TIMEOUT_S * 1000)
        visit.status = response.status if response else None
        if visit.status == 503 and BUSY_TEXT in await response.text():
            visit.outcome, visit.reason = "busy", ""
            return None
        if visit.status != 200:
            visit.reason = f"HTTP {visit.status}"
            return None
        left_ms = (DRAW_TIMEOUT_S - (time.monotonic() - began)) * 1000
        await page.wait_for_selector(
            "[data-first-drawn-ms]", state="attached", timeout=max(left_ms, 1)
        )
    except PlaywrightTimeout:
        visit.reason = f"no map in {DRAW_TIMEOUT_S} s"
        return None
    except PlaywrightError as e:
        visit.reason = str(e).strip().splitlines()[0][:160]
        return None
    wall = time.monotonic() - began
    first = await page.get_attribute("[data-first-drawn-ms]", "data-first-drawn-ms")
    visit.outcome, visit.reason = "drawn", ""
    visit.drawn_s, visit.wall_s = round(float(first) / 1000, 3), round(wall, 3)
    return wall


async def view(visit: Visit, context, hub_url: str, tally: Tally, watch: KernelWatch) -> None:
    """One viewer: open the page, stay a while once the map is drawn, leave."""
    watched = await open_watched(context)
    page, connected = watched.page, False
    tally.open += 1
    try:
        if await load(visit, page, f"{hub_url}/{RENDER}/{visit.dashboard}") is None:
            if visit.outcome == "error":  # a page that hangs may still hold a kernel
                visit.kernel_id = await page_kernel_id(page)
            return
        drawn_at = time.monotonic()
        visit.kernel_id = await page_kernel_id(page)
        tally.connected += 1
        connected = True
        if visit.check_pixels:
            shot, tally.shot = tally.shot, None  # one screenshot per variant
            visit.canvas_drawn = await canvas_drawn(page, shot)
        await asyncio.sleep(max(0.0, drawn_at + visit.stay_s - time.monotonic()))
        if visit.leave == "navigate":
            await page.goto("about:blank", timeout=30_000)
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(page.close(), 30)
        closed_at = time.monotonic()
        tally.open -= 1
        if connected:
            tally.connected -= 1
        if visit.kernel_id:
            watch.watch_close(visit, closed_at)
        visit.page_errors = watched.errors[:5]
        visit.outside = watched.outside()


async def arrive(visit: Visit, free: asyncio.Queue, hub_url: str, tally, watch) -> None:
    """Wait for the viewer's arrival time and a free logged-in context, then view."""
    await asyncio.sleep(max(0.0, tally.start + visit.at_s - time.monotonic()))
    try:
        context = await asyncio.wait_for(free.get(), 30)
    except TimeoutError:
        visit.reason = "no free browser context"
        return
    try:
        await view(visit, context, hub_url, tally, watch)
    except asyncio.CancelledError:
        if visit.outcome != "drawn":
            visit.outcome, visit.reason = "error", "scenario deadline"
        raise
    except Exception as e:  # the browser failing under load: the viewer's record says so
        visit.reason = f"{type(e).__name__}: {str(e).strip().splitlines()[0][:160]}"
    finally:
        free.put_nowait(context)


# -- scenarios -------------------------------------------------------------------------------


def burst_plan(viewers: int) -> list[Visit]:
    return [
        Visit(
            n=n,
            dashboard=PAGES[n % 2],
            at_s=round(n * BURST_SPREAD_S / viewers, 2),
            stay_s=BURST_STAY_S,
            leave="close",
            check_pixels=n % PIXELS_EVERY == 0,
        )
        for n in range(viewers)
    ]


def steady_plan(minutes: float, every: float) -> list[Visit]:
    stays = random.Random(SEED)
    return [
        Visit(
            n=n,
            dashboard=PAGES[n % 2],
            at_s=round(n * every, 2),
            stay_s=round(stays.uniform(*STEADY_STAY_S), 1),
            leave="navigate" if n % NAVIGATE_EVERY == NAVIGATE_EVERY - 1 else "close",
            check_pixels=n % PIXELS_EVERY == 0,
        )
        for n in range(int(minutes * 60 / every))
    ]


def contexts_needed(burst: int, steady: list[Visit], every: float) -> int:
    """Logged-in contexts enough that a viewer always finds a free one: a steady viewer
    holds one for at most the draw timeout and the longest stay."""
    overlap = math.ceil((DRAW_TIMEOUT_S + STEADY_STAY_S[1]) / every) + 1
    return max(burst, min(len(steady), overlap), 1)


async def scenario(plan, free, hub_url: str, watch: KernelWatch, tally: Tally) -> list[Visit]:
    """Run the viewers of ``plan`` against the deadline (arrivals, the draw timeout and the
    longest stay, and a minute); viewers still running then are cancelled."""
    watch.tally = tally
    tasks = [asyncio.create_task(arrive(v, free, hub_url, tally, watch)) for v in plan]
    deadline = max([v.at_s + v.stay_s for v in plan], default=0) + DRAW_TIMEOUT_S + 60
    if tasks:
        _, late = await asyncio.wait(tasks, timeout=deadline)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
    return plan


def percentiles(values: list[float]) -> dict:
    """p50, p95 (nearest rank, as bench/dashboard_load.py) and max; None when empty."""
    if not values:
        return {"p50": None, "p95": None, "max": None}
    ordered = sorted(values)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return {
        "p50": round(statistics.median(ordered), 3),
        "p95": round(p95, 3),
        "max": round(ordered[-1], 3),
    }


def mean_max(values: list[float]) -> dict:
    if not values:
        return {"mean": None, "max": None}
    return {"mean": round(statistics.mean(values), 1), "max": round(max(values), 1)}


def summarise(visits: list[Visit], tally: Tally, pool: int) -> dict:
    """A scenario's numbers (see the module's docstring)."""
    outcomes = Counter(v.outcome for v in visits)
    samples = tally.samples
    gone = [v.gone_s for v in visits if v.gone == "gone"]
    checked = [v for v in visits if v.canvas_drawn is not None]
    return {
        "viewers": len(visits),
        "drawn": outcomes["drawn"],
        "busy": outcomes["busy"],
        "errors": outcomes["error"],
        "busy_share": round(outcomes["busy"] / len(visits), 3) if visits else None,
        "error_reasons": dict(Counter(v.reason for v in visits if v.outcome == "error")),
        "map_drawn_s": percentiles([v.drawn_s for v in visits if v.drawn_s is not None]),
        "map_drawn_wall_s": percentiles([v.wall_s for v in visits if v.wall_s is not None]),
        "canvas_checked": len(checked),
        "canvas_blank": sum(not v.canvas_drawn for v in checked),
        "pool_kernels": pool,
        "kernels_at_start": samples[0][3] if samples else None,
        "kernels_max": max((s[3] for s in samples), default=None),
        "connected_max": max((s[2] for s in samples), default=None),
        "max_excess_over_connected": max((s[3] - s[2] for s in samples), default=None),
        "share_of_samples_above_connected_plus_pool": (
            round(sum(s[3] > s[2] + pool for s in samples) / len(samples), 3) if samples else None
        ),
        # pages still loading hold a kernel too
        "max_excess_over_open": max((s[3] - s[1] for s in samples), default=None),
        "kernel_rss_mib": mean_max(tally.rss_mib),
        "kernel_pss_mib": mean_max(tally.pss_mib),
        "kernels_rss_max_mib": max((s[4] for s in samples), default=None),
        "close_to_gone_s": {
            "followed": sum(v.gone is not None for v in visits),
            **percentiles(gone),
            "not_within_60_s": sum(v.gone == f"not within {GONE_TIMEOUT_S} s" for v in visits),
            "never_seen": sum(v.gone == "never seen in the container" for v in visits),
        },
        # a busy page's only error is its own 503
        "pages_with_errors": sum(bool(v.page_errors) for v in visits if v.outcome != "busy"),
        "requests_outside": sorted({u for v in visits for u in v.outside}),
        "sample_errors": tally.sample_errors[:5],
    }


def burst_targets(s: dict) -> dict:
    """(a) every viewer gets an interactive page: no errors, map p95 ≤ 10 s, ≤ 10 % busy."""
    p95 = s["map_drawn_s"]["p95"]
    met = {
        "no_errors": s["errors"] == 0,
        "map_drawn_p95_le_10_s": p95 is not None and p95 <= 10,
        "busy_share_le_10_pct": s["busy_share"] is not None and s["busy_share"] <= 0.10,
    }
    return {**met, "all": all(met.values())}


def steady_targets(s: dict) -> dict:
    """(b) nobody is turned away: no busy page, no errors, map p95 ≤ 5 s, kernels alive never
    above the viewers connected and the pools."""
    p95 = s["map_drawn_s"]["p95"]
    excess = s["max_excess_over_connected"]
    met = {
        "no_busy": s["busy"] == 0,
        "no_errors": s["errors"] == 0,
        "map_drawn_p95_le_5_s": p95 is not None and p95 <= 5,
        "kernels_le_connected_plus_pool": excess is not None and excess <= s["pool_kernels"],
    }
    return {**met, "all": all(met.values())}


# -- variants --------------------------------------------------------------------------------


def ingest(data: Path) -> None:
    """What both dashboards read: the population datasets, the living population samples
    and a small synthetic 행정동 store (as the browser tests have)."""
    wanted = {
        s.dataset.id for s in sources() if s.dataset.id.startswith(("population.", "living."))
    }
    ingest_bundled(data, only=wanted)
    small_living_store(data)


def expected_pool(settings) -> int:
    """Preheated kernels when the pools are full, a pool per notebook of the service; 1 when
    the service sizes its pools itself (``auto``): then the pools are full when their
    kernels have stopped changing."""
    notebooks = [p for p in DASHBOARDS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts]
    size = str(settings.dashboards_pool)
    return int(size) * len(notebooks) if size.isdigit() else 1


async def run_scenario(name, plan, free, hub, watch, pool, shot_holder) -> dict:
    tally = Tally(start=time.monotonic(), shot=shot_holder.pop() if shot_holder else None)
    service_before, chromium_before = watch.service.cpu_s(), watch.chromium.total()
    visits = await scenario(plan, free, hub.url, watch, tally)
    # closed pages' kernels followed to the end, the kernels back to the pools
    waited, left = await settle(watch, lambda k: k <= pool, DRAIN_TIMEOUT_S)
    cpu = {
        "wall_s": round(time.monotonic() - tally.start, 1),
        "service": round(watch.service.cpu_s() - service_before, 1),
        "chromium": round(watch.chromium.total() - chromium_before, 1),
    }
    watch.tally = None
    if tally.shot:
        shot_holder.append(tally.shot)
    summary = summarise(visits, tally, pool)
    summary["drain"] = {"waited_s": waited, "kernels_left": left}
    summary["cpu_s"] = cpu
    targets = burst_targets if name == "burst" else steady_targets
    summary["targets_met"] = targets(summary)
    print(f"  {name}: {summary['drawn']}/{summary['viewers']} drawn", file=sys.stderr)
    return {**summary, "viewers_detail": [asdict(v) for v in visits], "samples": tally.samples}


async def run_variant(name: str, chromium, data: Path, work: Path, args, shots: Path) -> dict:
    """One variant on its own fresh hub: the pools filled, staff logged in, both scenarios."""
    overrides = VARIANTS[name]
    # the platform's own pool size unless the variant says otherwise (hub_settings_for's
    # default is no pool)
    settings = hub_settings_for(
        work / f"hub-{name}",
        data_dir=data,
        network="isolated",
        **{"dashboards_pool": HubSettings.dashboards_pool, **overrides},
    )
    hub = RunningHub(settings)
    burst, steady = burst_plan(args.burst), steady_plan(args.steady_minutes, args.every)
    names = [f"staff{i:02d}" for i in range(contexts_needed(args.burst, steady, args.every))]
    for user in names:
        hub.add_user(user, "staff")
    result: dict = {"overrides": overrides}
    watch, free = None, None
    try:
        await asyncio.to_thread(hub.start)
        await asyncio.to_thread(hub.wait_for_service, "dashboards")
        watch = KernelWatch(await asyncio.to_thread(ServiceKernels, settings))
        expected = expected_pool(settings)
        fill_s, pool = await settle(watch, lambda k: k >= expected, POOL_FILL_TIMEOUT_S)
        result.update(
            pool_setting=str(settings.dashboards_pool),
            expected_pool_kernels=expected,
            pool_kernels=pool,
            pool_fill_s=fill_s,
        )
        started = time.monotonic()
        free, failed = await logged_in_contexts(chromium, hub, names)
        result["logins"] = {
            "contexts": len(names),
            "failed": failed,
            "s": round(time.monotonic() - started, 1),
        }
        shot = [shots / f"dashboard_capacity_{name}.png"]
        result["burst"] = await run_scenario("burst", burst, free, hub, watch, pool, shot)
        result["steady"] = await run_scenario("steady", steady, free, hub, watch, pool, shot)
        result["log_errors"] = log_errors(await asyncio.to_thread(hub.hub_log))
    except Exception as e:  # a hub that does not start: reported, and the next variant runs
        traceback.print_exc()
        result["error"] = f"{type(e).__name__}: {e}"
        with contextlib.suppress(OSError):
            result["hub_log_tail"] = hub.hub_log()[-4000:]
    finally:
        if watch:
            await watch.stop()
        while free and not free.empty():
            with contextlib.suppress(Exception):
                await free.get_nowait().close()
        await asyncio.to_thread(hub.clean_up, show_logs=False)
    return result


def log_errors(log: str) -> dict:
    """The hub's log (the services' output with it): its error lines and tracebacks."""
    lines = [
        line.strip()[:200]
        for line in log.splitlines()
        if line.startswith("[E ") or "ERROR" in line or line.startswith("Traceback")
    ]
    return {"count": len(lines), "first": lines[:10]}


def shown(report: dict) -> dict:
    """The report without the per-viewer records and the samples."""
    short = {k: v for k, v in report.items() if k != "variants"}
    short["variants"] = {
        name: {
            key: (
                {k: v for k, v in value.items() if k not in ("viewers_detail", "samples")}
                if isinstance(value, dict) and "viewers_detail" in value
                else value
            )
            for key, value in result.items()
            if key != "hub_log_tail"
        }
        for name, result in report["variants"].items()
    }
    return short


async def run(args, out: Path) -> dict:
    from playwright.async_api import async_playwright

    shots = out.parent / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    report = new_report(
        "dashboard_capacity",
        burst=args.burst,
        burst_spread_s=BURST_SPREAD_S,
        burst_stay_s=BURST_STAY_S,
        steady_minutes=args.steady_minutes,
        every_s=args.every,
        steady_stay_s=list(STEADY_STAY_S),
        seed=SEED,
        draw_timeout_s=DRAW_TIMEOUT_S,
        variants={},
    )
    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        data = work / "data"
        await asyncio.to_thread(ingest, data)
        async with async_playwright() as p:
            chromium = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                for name in args.variants:
                    print(f"{name} …", file=sys.stderr)
                    report["variants"][name] = await run_variant(
                        name, chromium, data, work, args, shots
                    )
            finally:
                await chromium.close()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--burst", type=int, default=30)
    parser.add_argument("--steady-minutes", type=float, default=5)
    parser.add_argument("--every", type=float, default=2)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--out", default="bench/results/dashboard_capacity.json")
    args = parser.parse_args()
    args.variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = set(args.variants) - set(VARIANTS)
    if unknown or args.burst < 0 or args.every <= 0 or args.steady_minutes < 0:
        parser.error(f"variants are {', '.join(VARIANTS)}; counts and times ≥ 0")
    out = Path(args.out)
    report = asyncio.run(run(args, out))
    write_report(report, out, shown=shown(report))


if __name__ == "__main__":
    main()
