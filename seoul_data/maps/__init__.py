"""Maps that work air-gapped: every script and style ships with this package.

- charts.py: any table with a place on a map in one call — ``choropleth``, ``symbols``,
  ``clusters``, ``density``, ``hexbin``, ``compare`` / ``compare_columns``, ``animate`` —
  as a ``MapPage`` (standalone offline HTML, PNG export); Leaflet for small layers, deck.gl
  (WebGL) for large.
- places.py: where a table's rows are (coordinates, gu, dong, addresses), with a report of
  the rows that could not be placed.
- ``Choropleth3D`` (deck3d.py): areas extruded and coloured by a value, a WebGL widget
  (anywidget + our copy of deck.gl), tilt/rotate/zoom, Korean tooltips; no basemap, no tiles.
- ``offline_html`` / ``iframe`` (leaflet.py): folium maps with Leaflet inlined.
- ``classify`` (classes.py): class breaks and colours shared by all, with Korean legends.
"""

from __future__ import annotations

from seoul_data.maps.charts import (
    CHART_TYPES,
    MapPage,
    animate,
    choropleth,
    clusters,
    compare,
    compare_columns,
    density,
    hexbin,
    symbols,
)
from seoul_data.maps.classes import Classes, classify
from seoul_data.maps.leaflet import iframe, offline_html
from seoul_data.maps.places import MapError, PlaceColumns, candidates, detect, locate

__all__ = [
    "CHART_TYPES",
    "Choropleth3D",
    "Classes",
    "MapError",
    "MapPage",
    "PlaceColumns",
    "animate",
    "candidates",
    "choropleth",
    "classify",
    "clusters",
    "compare",
    "compare_columns",
    "density",
    "detect",
    "hexbin",
    "iframe",
    "locate",
    "offline_html",
    "symbols",
]


def __getattr__(name: str):
    # the widget needs anywidget (the dashboards extra); maps without it still work
    if name == "Choropleth3D":
        from seoul_data.maps.deck3d import Choropleth3D

        return Choropleth3D
    raise AttributeError(name)
