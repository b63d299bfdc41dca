// Circles sized by a value on a Leaflet page (seoul_data/maps/charts.py `symbols`): one array
// and one loop, not one folium object per circle. The data is in
// <script id="sd-leaflet-symbols" type="application/json">:
// {map: the folium map's name, rows: [[lat, lon, radius, tooltip], …]}.
(function () {
  const spec = JSON.parse(document.getElementById("sd-leaflet-symbols").textContent);
  const map = window[spec.map];
  map.whenReady(() => {
    for (const r of spec.rows) {
      L.circleMarker([r[0], r[1]], {
        radius: r[2], weight: 0.8, color: "#fff", fillColor: "#1f5fa8", fillOpacity: 0.6,
      }).bindTooltip(r[3]).addTo(map);
    }
  });
})();
