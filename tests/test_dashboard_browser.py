"""The 데이터 검색 dashboard through Voila in headless Chromium, on a separated network:
every request stays on 127.0.0.1, no console error, Korean results after a question."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from seoul_data.catalog import Catalog
from seoul_data.catalog.datagokr import import_datagokr
from seoul_data.sources import BUNDLED_DATA, ingest_bundled
from tests.running_hub import free_port

pytestmark = pytest.mark.browser
REPO = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
#: What a separated network does to every name but the loopback's.
OFFLINE = "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"


@pytest.fixture(scope="module")
def voila_url(tmp_path_factory):
    data = tmp_path_factory.mktemp("voila-data")
    import_datagokr(
        Catalog(data), BUNDLED_DATA / "catalog/datagokr_catalog_20220630_seoul_orgs.csv"
    )
    ingest_bundled(data, only={"transport.bicycle_facilities", "population.gu_resident_total"})
    port = free_port()
    env = {
        **os.environ,
        "SEOUL_DATA_DIR": str(data),
        "SEOUL_USAGE_LOG": str(data / "usage.jsonl"),
        "JUPYTER_PATH": str(REPO / "share" / "jupyter"),
    }
    with open(data / "voila.log", "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "voila", "--no-browser", f"--port={port}",
             "--Voila.ip=127.0.0.1", "--template=seoul",
             str(REPO / "dashboards" / "data_search.ipynb")],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=data,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).close()
                break
            except OSError:
                assert server.poll() is None, (data / "voila.log").read_text()
                assert time.monotonic() < deadline, "voila did not start"
                time.sleep(0.3)
        yield url
        server.terminate()
        server.wait(timeout=30)


def test_search_dashboard_answers_offline(voila_url, tmp_path):
    from playwright.sync_api import sync_playwright

    requests, errors = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  f"--host-resolver-rules={OFFLINE}"],
        )  # fmt: skip
        page = browser.new_page(viewport={"width": 1200, "height": 1000})
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(voila_url, timeout=120_000)
        page.wait_for_selector("input", timeout=120_000)
        assert "데이터 검색" in page.inner_text("body")
        page.fill("input", "따릉이 대여소 위치")
        page.keyboard.press("Enter")
        page.wait_for_selector("text=건을 찾았습니다", timeout=60_000)
        page.screenshot(path=str(tmp_path / "data_search.png"))
        body = page.inner_text("body")
        browser.close()
    assert "자전거" in body
    outside = sorted(
        {u for u in requests if not u.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:"))}
    )
    assert outside == [], outside
    assert errors == [], errors
