"""What the GIS 차트 dashboard (dashboards/gis_gallery.ipynb) shows around a map: the place
menu's choices, a dataset's size, the map's report and its HTML and PNG downloads.

The maps themselves come from charts.py through gallery.py; the dashboard only builds the
widgets and calls these.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from seoul_data.display import download_link, esc
from seoul_data.maps.charts import MapPage
from seoul_data.maps.places import PlaceColumns

RENDERERS = {"webgl": "WebGL (deck.gl)", "leaflet": "Leaflet", "compare": "두 지도"}
KINDS = {"point": "좌표", "gu": "자치구", "dong": "행정동", "address": "주소"}


def place_options(found: list[PlaceColumns]) -> list[tuple[str, int]]:
    """The ways to place a dataset's rows, for a menu: ('좌표: lon, lat', index), best first."""
    return [(f"{KINDS[p.kind]}: {', '.join(p.columns)}", i) for i, p in enumerate(found)]


def dataset_summary(frame: pd.DataFrame) -> str:
    """How big a dataset is: '202행 · 열 9개'."""
    return f"<small>{len(frame):,}행 · 열 {len(frame.columns)}개</small>"


def map_report(page: MapPage) -> str:
    """The rows that could not be placed (if any) and which renderer drew the map."""
    renderer = RENDERERS.get(page.renderer, page.renderer)
    report = esc(page.report) if page.report else ""
    return f"<small>{report}</small> <small>· 그리기: {esc(renderer)}</small>"


def html_download(page: MapPage) -> str:
    """A link to the map as one HTML file that opens offline."""
    return download_link(page.html, "map.html", "HTML로 내려받기", mime="text/html")


def png_download(page: MapPage) -> str:
    """A link to a picture of the map; headless Chromium draws it (RuntimeError where there
    is none, e.g. in a user container)."""
    with tempfile.TemporaryDirectory() as work:
        picture = page.png(Path(work, "map.png")).read_bytes()
    return download_link(picture, "map.png", "PNG로 내려받기", mime="image/png")
