"""서울 인구관: time from navigation to the 3D map drawn, in headless Chromium, for our
dashboards service and for plain Voila, in one run.

    python -m bench.dashboard_load [--loads 10] [--out bench/results/dashboard_load.json]

- ours: the hub's dashboards service (preheated kernel pool of one, the seoul template) in
  its hardened container (the isolated network); ``ours_on_host``: the same service as a
  process on the host (the development network, and every deployment before issue 14),
  reached through the proxy by a logged-in staff member; each load is a new page, and the
  page is closed (its kernel shut down) before the next, with a pause that lets the pool
  refill, as when staff arrive one after another.
- plain: ``voila dashboards/population_hall.ipynb`` (no preheating, Voila's own template),
  each load starting a kernel and running the notebook.

The time is the page's own clock (performance.now(), from navigation start, redirects
included) when deck.gl has drawn its first frame; a screenshot of the canvas confirms the
map is really drawn. Screenshots of the last load of each go beside the JSON.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.report import new_report, write_report
from seoul_data.sources import ingest_bundled, sources
from tests.browser import browser, drawn, log_in, pixels, watched_page
from tests.running_hub import RunningHub, free_port, hub_settings_for

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = REPO / "dashboards" / "population_hall.ipynb"
#: Seconds between loads of our service: the pool re-runs the notebook for the next viewer.
REFILL_PAUSE = 8


def first_drawn_ms(context, url: str, shot: Path | None) -> float:
    watched = watched_page(context)
    page = watched.page
    page.goto(url, timeout=180_000)
    page.wait_for_selector("[data-first-drawn-ms]", state="attached", timeout=180_000)
    value = float(page.get_attribute("[data-first-drawn-ms]", "data-first-drawn-ms"))
    canvas = page.locator("[data-first-drawn-ms] canvas").first
    canvas.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    assert drawn(pixels(canvas)), f"blank map at {url}"
    if shot:
        page.screenshot(path=str(shot))
    page.close()  # Voila's unload beacon shuts the kernel down
    return value


def summary(times: list[float]) -> dict:
    ordered = sorted(times)
    return {
        "loads_s": [round(t / 1000, 3) for t in times],
        "p50_s": round(statistics.median(ordered) / 1000, 3),
        "p95_s": round(ordered[max(0, round(0.95 * len(ordered)) - 1)] / 1000, 3),
    }


def ours(chromium, data: Path, work: Path, loads: int, shots: Path, network: str) -> dict:
    settings = hub_settings_for(
        work / f"hub-{network}", data_dir=data, dashboards_pool=1, network=network
    )
    hub = RunningHub(settings)
    hub.add_user("carol", "staff")
    hub.start()
    try:
        context = chromium.new_context(viewport={"width": 1280, "height": 1400})
        login = watched_page(context)
        log_in(login.page, hub.url, "carol", hub.passwords["carol"])
        hub.wait_for_service("dashboards")
        url = f"{hub.url}/services/dashboards/voila/render/population_hall.ipynb"
        time.sleep(REFILL_PAUSE * 2)  # both dashboards' pools fill after the service starts
        times = []
        for n in range(loads):
            shot = shots / f"ours_{network}.png" if n == loads - 1 else None
            times.append(first_drawn_ms(context, url, shot))
            time.sleep(REFILL_PAUSE)
        return summary(times)
    finally:
        hub.clean_up(show_logs=False)


def plain(chromium, data: Path, work: Path, loads: int, shots: Path) -> dict:
    port = free_port()
    env = {**os.environ, "SEOUL_DATA_DIR": str(data), "SEOUL_USAGE_LOG": str(work / "u.jsonl")}
    with open(work / "voila.log", "wb") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "voila",
                "--no-browser",
                f"--port={port}",
                "--Voila.ip=127.0.0.1",
                str(NOTEBOOK),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=work,
        )
    try:
        url = f"http://127.0.0.1:{port}/"
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{url}voila/static/", timeout=2).close()
                break
            except OSError:
                time.sleep(0.3)
        context = chromium.new_context(viewport={"width": 1280, "height": 1400})
        times = [
            first_drawn_ms(context, url, shots / "plain.png" if n == loads - 1 else None)
            for n in range(loads)
        ]
        return summary(times)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--loads", type=int, default=10)
    parser.add_argument("--out", default="bench/results/dashboard_load.json")
    args = parser.parse_args()
    out = Path(args.out)
    shots = out.parent / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    report = new_report("dashboard_load", loads=args.loads, refill_pause_s=REFILL_PAUSE)
    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        data = work / "data"
        ingest_bundled(
            data, only={s.dataset.id for s in sources() if s.dataset.id.startswith("population.")}
        )
        with browser() as chromium:
            # the service in its hardened container (isolated network, the default) and,
            # as before issue 14, as a process on the host (the development network)
            report["ours"] = ours(chromium, data, work, args.loads, shots, "isolated")
            report["ours_on_host"] = ours(chromium, data, work, args.loads, shots, "host")
            report["plain_voila"] = plain(chromium, data, work, args.loads, shots)
    report["speedup_p50"] = round(report["plain_voila"]["p50_s"] / report["ours"]["p50_s"], 2)
    report["container_cost_p50"] = round(
        report["ours"]["p50_s"] / report["ours_on_host"]["p50_s"] - 1, 3
    )
    write_report(report, out)


if __name__ == "__main__":
    main()
