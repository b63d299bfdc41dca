"""Shared fixtures: real proxies and hubs, a reachable Docker engine, data directories with
the bundled datasets."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.running_hub import DOCKER_HOST, RunningHub, _engine_reachable, hub_settings_for

# what seoul_data.prepared keeps goes to a folder of the test run, not the runner's ~/.cache
os.environ.setdefault("SEOUL_DATA_PREPARED", tempfile.mkdtemp(prefix="sdh-test-prepared-"))
_failed_modules: set[str] = set()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed:
        _failed_modules.add(item.module.__name__)
        item.failed_here = True
    return report


@pytest.fixture(scope="session")
def docker_engine() -> str:
    """The Docker engine's URL; fails (never skips) when it is not running."""
    if not _engine_reachable(DOCKER_HOST):
        pytest.fail(
            f"no Docker engine at {DOCKER_HOST}: run `make engine` (or set SDH_DOCKER_HOST)"
        )
    return DOCKER_HOST


@contextmanager
def started_hub(request, tmp: Path, users: dict[str, str], **overrides) -> Iterator[RunningHub]:
    """A started proxy + hub for a test module, with ``users`` (name → group; the ``admin``
    group's are hub admins) and setting ``overrides``; removed after, with its logs printed
    when a test of the module failed. The one way module fixtures make a hub."""
    hub = RunningHub(hub_settings_for(tmp, **overrides))
    for name, group in users.items():
        hub.add_user(name, group, admin=group == "admin")
    try:
        hub.start()
        yield hub
    finally:
        hub.clean_up(show_logs=request.module.__name__ in _failed_modules)


#: The bundled datasets the living-population tests calibrate the synthetic stores on.
LIVING_DATASETS = frozenset(
    {
        "living.dong_hourly_week_20190304",
        "living.gu_hourly_2024h1",
        "population.dong_age5",
        "population.dong_resident_2021q2",
    }
)


@contextmanager
def bundled_data(root: Path, only: Iterable[str] | None = None) -> Iterator[Path]:
    """A data directory ``root/data`` with the bundled datasets (all, or those in ``only``)
    ingested and made the library's for the block: ``SEOUL_DATA_DIR``, a usage log of its
    own (``root/usage.jsonl``) and prepared results of its own, no data groups. The one way
    test modules ingest bundled data to use it (the ingest tests call ``ingest_bundled``
    themselves)."""
    from seoul_data.sources import ingest_bundled

    data = root / "data"
    ingest_bundled(data, only=None if only is None else set(only))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEOUL_DATA_DIR", str(data))
        patch.setenv("SEOUL_USAGE_LOG", str(root / "usage.jsonl"))
        patch.setenv("SEOUL_DATA_PREPARED", str(root / "prepared"))
        patch.delenv("SEOUL_DATA_GROUPS", raising=False)
        yield data


def small_living_store(data: Path) -> None:
    """A week of synthetic 행정동 living population in ``data``, catalogued (a store nobody
    classified is closed): what the 생활인구 dashboard draws in browser tests and benches."""
    from datetime import date

    from seoul_data.living.generator import generate, register

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEOUL_DATA_DIR", str(data))
        store = generate(
            data / "living" / "dong",
            level="dong",
            start=date(2023, 3, 6),
            days=7,
            output_areas=4000,
            progress=False,
        )
        register(store, "dong", data)


@pytest.fixture(scope="module")
def running_hub(request, tmp_path_factory) -> Iterator[RunningHub]:
    """A started proxy + hub: alice and bob (analysts), boss (admin), carol (staff)."""
    users = {"alice": "analyst", "bob": "analyst", "boss": "admin", "carol": "staff"}
    with started_hub(request, tmp_path_factory.mktemp("hub"), users) as hub:
        yield hub


@pytest.fixture
def make_hub(request, tmp_path):
    """Start a hub with setting overrides; it is cleaned up (logs shown on failure) after."""
    hubs = []

    def make(**overrides) -> RunningHub:
        hub = RunningHub(hub_settings_for(tmp_path / f"hub{len(hubs)}", **overrides))
        hubs.append(hub)
        return hub

    yield make
    for hub in hubs:
        hub.clean_up(show_logs=getattr(request.node, "failed_here", False))


@pytest.fixture(scope="module")
def fake_server():
    """The loopback fake of the Seoul and data.go.kr open APIs (tests/fake_open_apis.py)."""
    from tests.fake_open_apis import FakeOpenApis

    with FakeOpenApis() as server:
        yield server


@pytest.fixture
def fake(fake_server, monkeypatch):
    """The running fake, reset; transient-error retries do not wait."""
    from seoul_data.collectors import seoul_open_api

    fake_server.reset()
    monkeypatch.setattr(seoul_open_api, "TRANSIENT_BACKOFF_S", 0.0)
    return fake_server
