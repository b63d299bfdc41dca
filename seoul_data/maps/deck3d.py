"""``Choropleth3D``: areas extruded by a value, a WebGL map widget that needs no network.

An anywidget whose JavaScript is our deck.gl 9.4 bundle (static/, MIT; built by
scripts/build-deckgl.mjs without any CDN default) plus a small renderer (static/deck3d.js,
with the loop that sleeps while the map is still: static/deck-idle.js);
it all travels over the kernel connection, so the page fetches nothing: no CDN, no
basemap, no tiles. The areas themselves are the map.

    m = Choropleth3D(gu_frame, elevation=values, fill=colours, tooltips=html_per_area)
    m.set_values(new_values, new_colours, new_tooltips)   # e.g. from a year slider
"""

from __future__ import annotations

import json

import anywidget
import traitlets as t

from seoul_data.maps.webgl import deck_script

#: Seoul seen from the south-west, tilted (deck.gl view state).
SEOUL_VIEW = {"longitude": 126.99, "latitude": 37.53, "zoom": 9.8, "pitch": 50, "bearing": -15}


class Choropleth3D(anywidget.AnyWidget):
    """Polygons of a GeoDataFrame (EPSG:4326), extruded and coloured per area."""

    _esm = t.Unicode(deck_script("deck3d.js")).tag(sync=True)
    geojson = t.Dict().tag(sync=True)
    elevation = t.List(t.Float()).tag(sync=True)
    fill = t.List(t.List(t.Int())).tag(sync=True)  # [r, g, b] per area
    # not `tooltip`: ipywidgets' DOMWidget has a trait of that name
    tooltips = t.List(t.Unicode()).tag(sync=True)  # HTML per area
    view_state = t.Dict(SEOUL_VIEW).tag(sync=True)
    height = t.Int(520).tag(sync=True)
    background = t.Unicode("#f4f4f2").tag(sync=True)
    transition_ms = t.Int(400).tag(sync=True)
    revision = t.Int(0).tag(sync=True)

    def __init__(self, frame, *, elevation, fill, tooltips, **kwargs):
        shapes = json.loads(frame[["geometry"]].to_crs(4326).to_json(drop_id=True))
        for i, feature in enumerate(shapes["features"]):
            feature["properties"] = {"__i": i}
        super().__init__(geojson=shapes, **kwargs)
        self.set_values(elevation, fill, tooltips)

    def set_values(self, elevation, fill, tooltips) -> None:
        """Replace the per-area values (in the frame's order) in one update."""
        with self.hold_sync():
            self.elevation = [0.0 if v != v else float(v) for v in elevation]  # NaN → flat
            self.fill = [[int(c) for c in rgb[:3]] + [255] for rgb in fill]
            self.tooltips = [str(tip) for tip in tooltips]
            self.revision += 1


def show(box, frame, *, level: str, elevation, fill, tooltips, height: int = 520) -> None:
    """Draw a 3D choropleth in ``box`` (an ipywidgets Box): new values on the map already
    there when it shows the same ``level`` of areas, else a new map (other shapes)."""
    shown = box.children[0] if box.children else None
    if shown is not None and getattr(shown, "areas", None) == level:
        shown.set_values(elevation, fill, tooltips)
        return
    map3d = Choropleth3D(frame, elevation=elevation, fill=fill, tooltips=tooltips, height=height)
    map3d.areas = level
    box.children = (map3d,)
