"""Maps that work air-gapped: every script and style ships with this package.

- ``Choropleth3D`` (deck3d.py): areas extruded and coloured by a value, a WebGL widget
  (anywidget + our copy of deck.gl), tilt/rotate/zoom, Korean tooltips; no basemap, no tiles.
- ``offline_html`` / ``iframe`` (leaflet.py): folium maps with Leaflet inlined, for Voila,
  JupyterLab and standalone HTML files alike.
- ``classify`` (classes.py): class breaks and colours shared by both, with Korean legends.
"""

from seoul_data.maps.classes import Classes, classify
from seoul_data.maps.deck3d import Choropleth3D
from seoul_data.maps.leaflet import iframe, offline_html

__all__ = ["Choropleth3D", "Classes", "classify", "iframe", "offline_html"]
