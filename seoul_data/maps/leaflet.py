"""folium maps that load nothing from outside: Leaflet and the plugins we use
(Leaflet.markercluster, Leaflet.heat; static/, with their licences) are inlined, and
folium's other CDN assets (jQuery, Bootstrap, icon fonts) are left out.

Keep to what Leaflet and those plugins draw (GeoJson with tooltips, circle markers,
clusters, heat) and give legends as HTML (branca's colour maps fetch d3 from a CDN).

Our own page scripts are files in static/ too, read by :func:`static_text`; a page gives
them its data in a ``<script type="application/json">`` element (:func:`json_script`) that
they read by id, so no JavaScript is written inside Python strings.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

STATIC = Path(__file__).parent / "static"
#: folium plugin class → our copies of the script and stylesheet it needs.
PLUGINS = {
    "MarkerCluster": ("leaflet.markercluster-1.5.3.js", "leaflet.markercluster-1.5.3.css"),
    "HeatMap": ("leaflet-heat-0.2.0.js", None),
}


def static_text(name: str) -> str:
    """One of the files in static/ (a script, a stylesheet) as text."""
    return (STATIC / name).read_text(encoding="utf-8")


def json_script(element_id: str, data) -> str:
    """``data`` for one of our scripts: a ``<script type="application/json">`` element with
    that id (compact JSON; ``</`` is escaped so the data cannot close the element)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f'<script id="{element_id}" type="application/json">{text}</script>'


def _inline(script: str | None, style: str | None) -> str:
    parts = []
    if style:
        parts.append(f"<style>{static_text(style)}</style>")
    if script:
        parts.append(f"<script>{static_text(script)}</script>")
    return "\n".join(parts)


def _elements(element):
    yield element
    for child in element._children.values():
        yield from _elements(child)


def offline_html(m) -> str:
    """The map (or a figure of maps) as one standalone HTML page with Leaflet inside it."""
    import folium

    root = m.get_root()
    needed = []
    for element in _elements(root):
        for kind in type(element).__mro__:  # FastMarkerCluster is a MarkerCluster
            if kind.__name__ in PLUGINS and kind.__name__ not in needed:
                needed.append(kind.__name__)
        if hasattr(element, "default_js"):
            element.default_js = []  # CDN addresses
            element.default_css = []
    if "seoul_leaflet" not in root.header._children:
        assets = [_inline("leaflet-1.9.4.js", "leaflet-1.9.4.css")]
        assets += [_inline(*PLUGINS[name]) for name in needed]
        root.header.add_child(folium.Element("\n".join(assets)), name="seoul_leaflet", index=0)
    return root.render()


def iframe(m, height: int = 480) -> str:
    """The map in an iframe (for an ipywidgets.HTML or a notebook's HTML output)."""
    return page_iframe(offline_html(m), height)


def page_iframe(page: str, height: int = 480, title: str = "지도") -> str:
    """A standalone HTML page in an iframe of its own: ``srcdoc`` (a data: address is capped
    at 2 MB, less than a WebGL page), sandboxed so the map's scripts cannot reach the page."""
    return (
        f'<iframe srcdoc="{html.escape(page, quote=True)}" sandbox="allow-scripts" '
        f'style="width:100%;height:{height}px;border:0" '
        f'title="{html.escape(title)}" loading="eager"></iframe>'
    )
