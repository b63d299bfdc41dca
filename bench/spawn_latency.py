"""Spawn latency and idle memory: our spawner against stock DockerSpawner, in one run.

    python -m bench.spawn_latency [--users 10] [--single 5] [--cpu 0.5]
                                  [--out bench/results/spawn_latency.json]

Three in one run: ours on the isolated network (the default), ours on the host network, and
stock DockerSpawner on the host network. ``spawn_latency_before_isolation.json`` is the
same benchmark on the code before issue 14 (host network, no hardening, named volumes).

For each spawner, a fresh proxy + hub with the same image and limits (``--cpu`` CPUs,
1 GiB): one user alone ``--single`` times (start, ready, stop), then ``--users`` users at
once (POST to ready, per user), then each container's memory after 10 s idle, then all
stopped at once. Latency is POST to ready; p50 and p95 of each series.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docker

from bench.report import new_report, write_report
from hub.settings import HubSettings
from tests.running_hub import DOCKER_HOST, RunningHub, hub_settings_for

#: name → (spawner, network): ours isolated (the default), ours on the host network (its
#: cost without per-user networks), and the stock baseline (host network).
SPAWNERS = {
    "seoul": ("seoul-docker", "isolated"),
    "seoul_host_network": ("seoul-docker", "host"),
    "stock": ("bench.stock_spawner.StockHostDockerSpawner", "host"),
}


def spawn_and_wait(hub: RunningHub, token: str, name: str) -> float:
    started = time.perf_counter()
    response = hub.api(token, "POST", f"/users/{name}/server")
    response.raise_for_status()
    hub.wait_ready(token, name, timeout=300)
    return time.perf_counter() - started


def stop_and_wait(hub: RunningHub, token: str, name: str, timeout: float = 120) -> None:
    hub.api(token, "DELETE", f"/users/{name}/server")
    deadline = time.monotonic() + timeout
    while hub.api(token, "GET", f"/users/{name}").json()["servers"]:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{name} did not stop")
        time.sleep(0.2)


def percentiles(values: list[float]) -> dict:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(p95, 2),
        "max": round(ordered[-1], 2),
        "n": len(ordered),
    }


def idle_memory_mib(hub: RunningHub) -> list[float]:
    """Memory in use (without page cache) of each of the hub's containers."""
    sizes = []
    for container in hub.containers():
        stats = container.stats(stream=False)["memory_stats"]
        cache = stats.get("stats", {}).get("total_inactive_file", 0)
        sizes.append((stats["usage"] - cache) / 2**20)
    return sizes


def measure(kind: str, users: int, single: int, cpu: float, work: Path) -> dict:
    spawner, network = SPAWNERS[kind]
    settings = hub_settings_for(
        work / kind, spawner_class=spawner, network=network, mem_limit="1G", cpu_limit=cpu
    )
    hub = RunningHub(settings)
    names = [f"user{i:02d}" for i in range(users + 1)]
    for name in names:
        hub.add_user(name, "analyst")
    hub.start()
    try:
        tokens = {name: hub.token(hub.login(name), name) for name in names}
        alone = []
        for _ in range(single):
            alone.append(spawn_and_wait(hub, tokens[names[0]], names[0]))
            stop_and_wait(hub, tokens[names[0]], names[0])
        crowd = names[1:]
        began = time.perf_counter()
        with ThreadPoolExecutor(len(crowd)) as pool:
            latencies = list(pool.map(lambda n: spawn_and_wait(hub, tokens[n], n), crowd))
        everyone = time.perf_counter() - began
        quotas = {c.attrs["HostConfig"]["CpuQuota"] for c in hub.containers()}
        time.sleep(10)
        memory = idle_memory_mib(hub)
        began = time.perf_counter()
        with ThreadPoolExecutor(len(crowd)) as pool:
            list(pool.map(lambda n: stop_and_wait(hub, tokens[n], n), crowd))
        stop_all = time.perf_counter() - began
    finally:
        hub.clean_up(show_logs=False)
    return {
        "spawner": settings.spawner_class,
        "network": settings.network,
        "cpu_quota_of_running_containers": sorted(quotas),
        "single_user_spawn_s": percentiles(alone),
        "concurrent_users": len(crowd),
        "concurrent_spawn_s": {**percentiles(latencies), "all_ready_s": round(everyone, 2)},
        "idle_memory_mib": {
            "median": round(statistics.median(memory), 1),
            "max": round(max(memory), 1),
            "containers": len(memory),
        },
        "stop_all_s": round(stop_all, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--single", type=int, default=5)
    parser.add_argument("--cpu", type=float, default=0.5)
    parser.add_argument("--out", default="bench/results/spawn_latency.json")
    args = parser.parse_args()
    client = docker.DockerClient(base_url=DOCKER_HOST)
    # the hub imports the baseline spawner from this repository's bench package
    repo = str(Path(__file__).resolve().parent.parent)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [repo, os.environ.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory() as work:
        results = {}
        for kind in SPAWNERS:
            results[kind] = measure(kind, args.users, args.single, args.cpu, Path(work))
            print(kind, json.dumps(results[kind], ensure_ascii=False), flush=True)
    report = new_report(
        "spawn_latency",
        image=HubSettings.image,
        limits={"mem": "1G", "cpu": args.cpu},
        results=results,
    )
    report["machine"]["cpus"] = client.info()["NCPU"]  # what the engine's containers share
    write_report(report, args.out)


if __name__ == "__main__":
    main()
