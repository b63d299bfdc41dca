// Every Leaflet page of seoul_data/maps/charts.py: the publisher's credit, moves sent to a
// side-by-side partner (compare.js), and when the map is drawn. The page's data is in
// <script id="sd-leaflet-page" type="application/json">:
// {map: the folium map's name, credit: the attribution (HTML)}.
(function () {
  const spec = JSON.parse(document.getElementById("sd-leaflet-page").textContent);
  const map = window[spec.map];
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution(spec.credit);
  let remote = false;
  map.on("moveend", () => {
    if (remote) { remote = false; return; }
    if (window.parent !== window) {
      const c = map.getCenter();
      const view = { lon: c.lng, lat: c.lat, zoom: map.getZoom() - 1 };
      window.parent.postMessage({ sdView: view }, "*");
    }
  });
  window.addEventListener("message", (event) => {
    const v = event.data && event.data.sdViewSet;
    if (v) { remote = true; map.setView([v.lat, v.lon], v.zoom + 1, { animate: false }); }
  });
  requestAnimationFrame(() => requestAnimationFrame(() => {
    document.body.dataset.drawnMs = String(Math.round(performance.now()));
  }));
})();
