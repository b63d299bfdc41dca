"""Maps: time from navigation to the layer drawn in headless Chromium, Leaflet (folium, canvas
renderer) vs WebGL (deck.gl), for 1k–80k points and 425–19,000 polygons, in one run. This
is what sets sd.maps' WEBGL_POINTS and WEBGL_POLYGONS.

    python -m bench.map_render [--loads 3] [--out bench/results/map_render.json]

Points are real (the 83,734 안심이 CCTV cameras, sampled), drawn as circles sized by the
number of cameras (``sd.maps.symbols``); polygons are the 425 행정동 and the synthetic
집계구 cells of a full-size generated store (``sd.maps.choropleth`` of a GeoDataFrame). The
time is the page's own clock (performance.now() from navigation) when it marks itself drawn:
Leaflet after its layers are added and two frames painted, deck.gl when every layer is
loaded and a frame rendered. A load that takes over ``--timeout`` seconds counts as failed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

from bench.report import new_report, write_report

REPO = Path(__file__).resolve().parent.parent
POINTS = (1_000, 10_000, 20_000, 40_000, 80_000)
#: Polygon counts besides the 425 dongs: samples of the ~19,000 집계구 cells, and all.
CELLS = (3_000, 6_000, None)


def layers(work: Path):
    """(name, size, GeoDataFrame or DataFrame, how to draw it) for every case."""
    import geopandas as gpd

    import seoul_data as sd
    from seoul_data.geo import boundaries
    from seoul_data.living.areas import output_area_shapes
    from seoul_data.living.generator import generate
    from seoul_data.sources import ingest_bundled

    calibration = {
        "living.dong_hourly_week_20190304",
        "living.gu_hourly_2024h1",
        "population.dong_age5",
        "population.dong_resident_2021q2",
    }
    ingest_bundled(work, only={"safety.ansimi_cctv", *calibration})
    cameras = sd.load("safety.ansimi_cctv")
    rng = np.random.default_rng(0)
    cases = []
    for n in POINTS:
        sample = cameras.iloc[rng.choice(len(cameras), n, replace=False)].reset_index(drop=True)
        cases.append((f"points_{n // 1000}k", n, sample, "symbols"))
    dongs = boundaries("dong").assign(value=rng.random(425))[["name_ko", "value", "geometry"]]
    cases.append(("polygons_425", 425, dongs.rename(columns={"name_ko": "name"}), "choropleth"))
    store = generate(work / "living" / "oa", start=date(2024, 1, 1), days=1, progress=False)
    cells = output_area_shapes(store)
    cells = gpd.GeoDataFrame(
        {"name": cells.oa_code.astype(str), "value": rng.random(len(cells))},
        geometry=cells.geometry.to_numpy(),
        crs=4326,
    )
    for n in CELLS:
        part = cells if n is None else cells.iloc[rng.choice(len(cells), n, replace=False)]
        cases.append((f"polygons_{len(part) // 1000}k", len(part), part, "choropleth"))
    return cases


def draw(frame, how: str, renderer: str):
    import seoul_data as sd

    if how == "symbols":
        return sd.maps.symbols(frame, "cameras", renderer=renderer, attribution="bench")
    return sd.maps.choropleth(frame, "value", renderer=renderer, attribution="bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--out", type=Path, default=REPO / "bench/results/map_render.json")
    args = parser.parse_args()

    from seoul_data.maps import pages
    from tests.browser import browser

    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="bench-maps-") as tmp:
        work = Path(tmp)
        os.environ["SEOUL_DATA_DIR"] = str(work / "data")
        os.environ["SEOUL_USAGE_LOG"] = str(work / "usage.jsonl")
        cases = layers(work / "data")
        with browser() as chromium:
            for name, size, frame, how in cases:
                results[name] = {"features": size}
                for renderer in ("leaflet", "webgl"):
                    started = time.perf_counter()
                    page = draw(frame, how, renderer)
                    build_s = time.perf_counter() - started
                    path = page.save(work / f"{name}_{renderer}.html")
                    runs = [load(chromium, path, args.timeout) for _ in range(args.loads)]
                    drawn_ms = [r for r in runs if r is not None]
                    results[name][renderer] = {
                        "p50_drawn_ms": round(statistics.median(drawn_ms)) if drawn_ms else None,
                        "runs_ms": runs,
                        "page_mib": round(len(page.html.encode()) / 2**20, 2),
                        "build_s": round(build_s, 2),
                    }
                    print(name, renderer, results[name][renderer], flush=True)
    thresholds = {"WEBGL_POINTS": pages.WEBGL_POINTS, "WEBGL_POLYGONS": pages.WEBGL_POLYGONS}
    report = new_report("map_render", thresholds=thresholds, results=results)
    report["machine"]["browser"] = "Debian chromium, headless, SwiftShader (software WebGL)"
    write_report(report, args.out)


def load(chromium, path: Path, timeout_s: float) -> int | None:
    """Milliseconds from navigation to drawn, None past the timeout."""
    context = chromium.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    try:
        page.goto(path.as_uri(), timeout=timeout_s * 1000)
        page.wait_for_function(
            "!!document.body.dataset.drawnMs", timeout=timeout_s * 1000, polling=50
        )
        return int(page.evaluate("document.body.dataset.drawnMs"))
    except Exception:  # noqa: BLE001  (a timeout is a result here)
        return None
    finally:
        context.close()


if __name__ == "__main__":
    main()
