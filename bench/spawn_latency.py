"""Spawn latency and idle memory: our spawner against stock DockerSpawner, in one run.

    python -m bench.spawn_latency [--users 10] [--out bench/results/spawn_latency.json]

For each spawner, a fresh proxy + hub with the same image and limits: one user alone, then
N users at once (POST to ready, per user), then each container's memory after 10 s idle.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docker

from hub.settings import HubSettings
from tests.running_hub import DOCKER_HOST, RunningHub, hub_settings_for

SPAWNERS = {
    "seoul": "seoul-docker",
    "stock": "bench.stock_spawner.StockHostDockerSpawner",
}


def spawn_and_wait(hub: RunningHub, token: str, name: str) -> float:
    started = time.perf_counter()
    response = hub.api(token, "POST", f"/users/{name}/server")
    response.raise_for_status()
    hub.wait_ready(token, name, timeout=300)
    return time.perf_counter() - started


def idle_memory_mib(hub: RunningHub) -> list[float]:
    """Memory in use (without page cache) of each of the hub's containers."""
    sizes = []
    for container in hub.containers():
        stats = container.stats(stream=False)["memory_stats"]
        cache = stats.get("stats", {}).get("total_inactive_file", 0)
        sizes.append((stats["usage"] - cache) / 2**20)
    return sizes


def measure(kind: str, users: int, work: Path) -> dict:
    settings = hub_settings_for(work / kind, spawner_class=SPAWNERS[kind], mem_limit="1G")
    hub = RunningHub(settings)
    names = [f"user{i:02d}" for i in range(users + 1)]
    for name in names:
        hub.add_user(name, "analyst")
    hub.start()
    try:
        tokens = {name: hub.token(hub.login(name), name) for name in names}
        single = spawn_and_wait(hub, tokens[names[0]], names[0])
        crowd = names[1:]
        began = time.perf_counter()
        with ThreadPoolExecutor(len(crowd)) as pool:
            latencies = list(pool.map(lambda n: spawn_and_wait(hub, tokens[n], n), crowd))
        everyone = time.perf_counter() - began
        time.sleep(10)
        memory = idle_memory_mib(hub)
        began = time.perf_counter()
        with ThreadPoolExecutor(len(names)) as pool:
            list(pool.map(lambda n: hub.api(tokens[n], "DELETE", f"/users/{n}/server"), names))
        for name in names:
            _wait_stopped(hub, tokens[name], name)
        stop_all = time.perf_counter() - began
    finally:
        hub.clean_up(show_logs=False)
    return {
        "spawner": settings.spawner_class,
        "single_user_spawn_s": round(single, 2),
        "concurrent_users": len(crowd),
        "concurrent_spawn_s": {
            "median": round(statistics.median(latencies), 2),
            "max": round(max(latencies), 2),
            "all_ready_s": round(everyone, 2),
        },
        "idle_memory_mib": {
            "median": round(statistics.median(memory), 1),
            "max": round(max(memory), 1),
            "containers": len(memory),
        },
        "stop_all_s": round(stop_all, 2),
    }


def _wait_stopped(hub: RunningHub, token: str, name: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while hub.api(token, "GET", f"/users/{name}").json()["servers"]:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{name} did not stop")
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--out", default="bench/results/spawn_latency.json")
    args = parser.parse_args()
    client = docker.DockerClient(base_url=DOCKER_HOST)
    # the hub imports the baseline spawner from this repository's bench package
    repo = str(Path(__file__).resolve().parent.parent)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [repo, os.environ.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory() as work:
        results = {}
        for kind in SPAWNERS:
            results[kind] = measure(kind, args.users, Path(work))
            print(kind, json.dumps(results[kind], ensure_ascii=False), flush=True)
    report = {
        "benchmark": "spawn_latency",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": client.info()["NCPU"], "python": platform.python_version()},
        "image": HubSettings.image,
        "limits": {"mem": "1G", "cpu": 1.0},
        "results": results,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
