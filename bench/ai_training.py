"""AI 분석 training time per model on a fixed real dataset, under a CPU quota of 1 and of 2,
with parallelism from the container's quota (ours) beside parallelism from the host's core
count (the baseline: what ``n_jobs=-1`` and OpenMP's default do), in one run.

    python -m bench.ai_training [--repeat 5] [--no-docker] [--out bench/results/ai_training.json]

Data: ``transport.bike_sharing_demand_uci`` (8,760 hourly rows, real): regression of
``rented_bike_count`` on hour, weather and season (3 numbers of 11 are one-hot categories).

The scikit-learn models run inside the single-user image (``seoul-data-hub/singleuser``)
started with ``--cpus 1`` and ``--cpus 2`` (a real cgroup CPU quota; host network, the
repository mounted read-only over the image's seoul_data), one fresh container per quota.
Per model: one fit on every row (median of ``--repeat``) with ours and with the baseline,
and a full ``ai.train`` (3-fold cross-validation, permutation importance, final fit).

The torch network runs there too when the image has torch (images/build.py installs the
CPU build when it finds its wheel); otherwise it is timed on this host in a child process
pinned to 1 and 2 CPUs (``os.sched_setaffinity``, which the quota detection also reads).
With ``--no-docker`` every model is timed that way. GPU against CPU throughput is measured
where torch sees a GPU, and recorded as skipped where it does not.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.report import new_report, write_report

REPO = Path(__file__).resolve().parent.parent
DATASET = "transport.bike_sharing_demand_uci"
TARGET = "rented_bike_count"
FEATURES = [
    "hour",
    "temperature_c",
    "humidity_pct",
    "wind_speed_ms",
    "visibility_10m",
    "dew_point_c",
    "solar_radiation_mj_m2",
    "rainfall_mm",
    "snowfall_cm",
    "season",
    "holiday",
]
MODELS = ("linear", "random_forest", "gradient_boosting", "torch_mlp")
OPTIONS = {"random_forest": {"n_estimators": 100}, "torch_mlp": {"epochs": 20}}
IMAGE = "seoul-data-hub/singleuser:latest"
PREFIX = "sdh-bench-ai-"


def _timed(work, repeat: int) -> dict:
    """p50 and min of ``repeat`` runs after one warm-up run (imports, caches)."""
    work()
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        runs.append(time.perf_counter() - started)
    return {
        "p50_s": round(statistics.median(runs), 3),
        "min_s": round(min(runs), 3),
        "runs_s": [round(r, 3) for r in runs],
    }


def inner(models: list[str], repeat: int) -> dict:
    """Time the models here (in the container or pinned child): ours and the baseline."""
    from threadpoolctl import threadpool_limits

    import seoul_data as sd
    from seoul_data import ai
    from seoul_data.ai.models import pipeline

    frame = sd.load(DATASET)
    frame = frame.assign(season=frame.season.astype(str), holiday=frame.holiday.astype(str))
    problem = ai.plan(frame, TARGET, FEATURES, "regression")
    found = ai.resources()
    host = os.cpu_count() or 1
    out = {
        "quota_cpus_detected": found.cpus,
        "host_cpu_count": host,
        "memory_available_mib": None
        if found.memory_available is None
        else round(found.memory_available / 2**20),
        "device": found.device,
    }
    X, y = frame[problem.features], frame[TARGET]
    if "torch_mlp" in models and importlib.util.find_spec("torch") is None:
        models = [m for m in models if m != "torch_mlp"]
        out["torch_mlp"] = {"skipped": "no torch here"}
    for model in models:
        options = OPTIONS.get(model, {})
        row = {}
        for name, cpus in (("ours", found.cpus), ("baseline_host_cores", host)):
            if model == "torch_mlp":
                options = {**options, "device": "cpu"}

            def fit(cpus=cpus, options=options, model=model):
                with threadpool_limits(limits=cpus):
                    pipeline(
                        "regression",
                        model,
                        problem.numeric,
                        problem.categorical,
                        n_jobs=cpus,
                        **options,
                    ).fit(X, y)

            row[f"fit_{name}"] = {"n_jobs": cpus, **_timed(fit, repeat)}
        result = ai.train(problem, frame, model, folds=3, resources=found, **options)
        row["train_cv3_ours_s"] = result.seconds
        row["r2_cv3"] = round(result.metrics["r2"], 4)
        out[model] = row
    return out


def _gpu_vs_cpu(repeat: int) -> dict:
    import torch

    if not torch.cuda.is_available():
        return {"skipped": "torch.cuda.is_available() is False: no GPU on this machine"}
    import seoul_data as sd
    from seoul_data import ai

    frame = sd.load(DATASET)
    frame = frame.assign(season=frame.season.astype(str), holiday=frame.holiday.astype(str))
    problem = ai.plan(frame, TARGET, FEATURES, "regression")
    out = {"gpu": torch.cuda.get_device_name(0)}
    for device in ("cpu", "cuda"):
        resources = ai.resources()

        def fit(d=device, r=resources):
            return ai.train(problem, frame, "torch_mlp", folds=2, resources=r, device=d, epochs=20)

        timing = _timed(fit, repeat)
        out[device] = {**timing, "rows_per_s": round(len(frame) * 20 * 3 / timing["p50_s"])}
    return out


def _in_docker(cpus: int, data: Path, repeat: int) -> dict:
    import docker

    engine = os.environ.get("SDH_DOCKER_HOST", "unix:///run/sdh-docker/docker.sock")
    client = docker.DockerClient(base_url=engine)
    name = f"{PREFIX}{cpus}cpu-{os.getpid()}"
    container = client.containers.run(
        IMAGE,
        ["python", "-m", "bench.ai_training", "--inner", ",".join(MODELS), "--repeat", str(repeat)],
        name=name,
        detach=True,
        network_mode="host",
        nano_cpus=int(cpus * 1e9),
        mem_limit="2g",
        working_dir="/repo",
        user="root",
        environment={
            "PYTHONPATH": "/repo",
            "SEOUL_DATA_DIR": "/srv/data",
            "SEOUL_USAGE_LOG": "/tmp/usage.jsonl",
        },
        volumes={
            str(REPO): {"bind": "/repo", "mode": "ro"},
            str(data): {"bind": "/srv/data", "mode": "ro"},
        },
    )
    try:
        status = container.wait(timeout=900)
        logs = container.logs(stdout=True, stderr=False).decode()
        if status["StatusCode"] != 0:
            raise RuntimeError(container.logs().decode()[-3000:])
        return json.loads(logs.strip().splitlines()[-1])
    finally:
        container.remove(force=True)


def _pinned(cpus: int, models: list[str], data: Path, repeat: int) -> dict:
    env = {**os.environ, "SEOUL_DATA_DIR": str(data), "SEOUL_USAGE_LOG": str(data / "u.jsonl")}
    code = (
        f"import os, sys, json; os.sched_setaffinity(0, set(range({cpus})));"
        "from bench.ai_training import inner;"
        f"print(json.dumps(inner({models!r}, {repeat})))"
    )
    child = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO, check=True
    )
    return json.loads(child.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-docker", action="store_true", help="pin CPUs instead of quotas")
    parser.add_argument("--inner", help=argparse.SUPPRESS)
    parser.add_argument("--out", default="bench/results/ai_training.json")
    args = parser.parse_args()
    if args.inner:
        print(json.dumps(inner(args.inner.split(","), args.repeat)))
        return
    from seoul_data.sources import ingest_bundled

    with tempfile.TemporaryDirectory(prefix="bench-ai-") as work:
        data = Path(work)
        ingest_bundled(data, only={DATASET})
        for path in [data, *data.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        report = new_report(
            "ai_training",
            data={
                "dataset": DATASET,
                "rows": 8760,
                "target": TARGET,
                "features": FEATURES,
                "options": OPTIONS,
            },
            method="pinned CPUs (no docker)"
            if args.no_docker
            else f"docker --cpus N, image {IMAGE}, host network",
            quota={},
        )
        for cpus in (1, 2):
            if args.no_docker:
                part = _pinned(cpus, list(MODELS), data, args.repeat)
            else:
                part = _in_docker(cpus, data, args.repeat)
            if "skipped" in part["torch_mlp"]:  # no torch in the image: a pinned child
                part["torch_mlp"] = _pinned(cpus, ["torch_mlp"], data, args.repeat)["torch_mlp"]
                part["torch_mlp"]["where"] = "host child pinned to N CPUs"
            report["quota"][f"{cpus}_cpu"] = part
        os.environ["SEOUL_DATA_DIR"] = str(data)
        os.environ["SEOUL_USAGE_LOG"] = str(data / "usage.jsonl")
        report["gpu_vs_cpu_torch"] = _gpu_vs_cpu(args.repeat)
    write_report(report, args.out)


if __name__ == "__main__":
    main()
