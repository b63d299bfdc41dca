"""folium maps that load nothing from outside: Leaflet (static/, BSD-2 licence) is inlined
and folium's other CDN assets (jQuery, Bootstrap, icon fonts) are left out.

Keep to what Leaflet itself draws (GeoJson with tooltips, circle markers, polygons) and
give legends as HTML (branca's colour maps fetch d3 from a CDN).
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

STATIC = Path(__file__).parent / "static"


def _assets() -> str:
    script = (STATIC / "leaflet-1.9.4.js").read_text(encoding="utf-8")
    style = (STATIC / "leaflet-1.9.4.css").read_text(encoding="utf-8")
    return f"<style>{style}</style>\n<script>{script}</script>"


def offline_html(m) -> str:
    """The map as one standalone HTML page with Leaflet inside it."""
    import folium

    m.default_js = []
    m.default_css = []
    root = m.get_root()
    if "seoul_leaflet" not in root.header._children:
        root.header.add_child(folium.Element(_assets()), name="seoul_leaflet", index=0)
    return root.render()


def iframe(m, height: int = 480) -> str:
    """The map in an iframe (for an ipywidgets.HTML or a notebook's HTML output)."""
    page = base64.b64encode(offline_html(m).encode("utf-8")).decode("ascii")
    return (
        f'<iframe src="data:text/html;charset=utf-8;base64,{page}" '
        f'style="width:100%;height:{height}px;border:0" '
        f'title="{html.escape("지도")}" loading="eager"></iframe>'
    )
