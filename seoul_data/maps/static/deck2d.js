// The WebGL map page of seoul_data/maps/webgl.py. Our deck.gl bundle and deck-idle.js are
// put in front of this file by Python (webgl.deck_script); the bundle has assigned itself to
// the local `module.exports`; the page's
// spec is in <script id="sd-spec" type="application/json">.
const deck = module.exports;
const spec = JSON.parse(document.getElementById("sd-spec").textContent);

// columns (flat [lon, lat, …], per-row numbers) instead of objects: 80,000 points stay cheap
function columnar(l) {
  const pos = Float64Array.from(l.positions);
  return { data: { length: pos.length / 2 }, position: (_, { index }) => [pos[2 * index], pos[2 * index + 1]] };
}
const perRow = (values, fallback) => values ? (_, { index }) => values[index] : fallback;

function makeLayer(l) {
  if (l.type === "polygons" || l.type === "outline") {
    return new deck.GeoJsonLayer({
      id: l.id, data: l.geojson, filled: l.type === "polygons", stroked: true,
      getFillColor: (f) => l.fill[f.properties.__i] ?? [0, 0, 0, 0],
      getLineColor: l.line ?? [80, 80, 80, 140], lineWidthUnits: "pixels", getLineWidth: l.line_px ?? 0.6,
      pickable: !!l.tooltips, autoHighlight: !!l.tooltips, highlightColor: [255, 255, 255, 90],
    });
  }
  const { data, position } = columnar(l);
  if (l.type === "points") {
    return new deck.ScatterplotLayer({
      id: l.id, data, getPosition: position, radiusUnits: "pixels",
      getRadius: perRow(l.radius, l.radius_px ?? 2), getFillColor: perRow(l.fill, l.colour ?? [31, 95, 168, 200]),
      stroked: !!l.stroke, getLineColor: [255, 255, 255, 200], lineWidthUnits: "pixels", getLineWidth: 0.5,
      pickable: !!l.tooltips,
    });
  }
  if (l.type === "heatmap") {
    return new deck.HeatmapLayer({ id: l.id, data, getPosition: position, getWeight: perRow(l.weight, 1),
      radiusPixels: l.radius_px ?? 18, intensity: 1, threshold: 0.03 });
  }
  if (l.type === "grid") {
    return new deck.ScreenGridLayer({ id: l.id, data, getPosition: position, getWeight: perRow(l.weight, 1),
      cellSizePixels: l.cell_px ?? 24, opacity: 0.75, colorRange: l.colours, pickable: true });
  }
  throw new Error("unknown layer type " + l.type);
}

function tooltip({ layer, index, object }) {
  if (!layer) return null;
  const l = spec.layers.find((x) => x.id === layer.id);
  if (l && l.type === "grid" && object) return { html: `<b>${object.value ?? object.count ?? ""}</b> 개` };
  if (!l || !l.tooltips) return null;
  const i = object && object.properties ? object.properties.__i : index;
  const html = l.tooltips[i];
  return html ? { html, style: { background: "#fff", color: "#222", font: "13px sans-serif", padding: "6px 8px",
    borderRadius: "4px", boxShadow: "0 1px 6px rgba(0,0,0,.25)" } } : null;
}

const box = document.getElementById("sd-map");
const [w, s, e, n] = spec.bounds;
const fitted = new deck.WebMercatorViewport({ width: box.clientWidth || 800, height: box.clientHeight || 600 })
  .fitBounds([[w, s], [e, n]], { padding: 24 });
const layers = spec.layers.map(makeLayer);
if (spec.tile_url) {
  layers.unshift(new deck.TileLayer({ id: "tiles", data: spec.tile_url, minZoom: 0, maxZoom: 19, tileSize: 256,
    renderSubLayers: (props) => {
      const [[west, south], [east, north]] = props.tile.boundingBox;
      return new deck.BitmapLayer(props, { data: null, image: props.data, bounds: [west, south, east, north] });
    } }));
}
const map = new deck.Deck({
  parent: box,
  initialViewState: { longitude: fitted.longitude, latitude: fitted.latitude, zoom: fitted.zoom },
  controller: true,
  layers,
  getTooltip: tooltip,
  onViewStateChange: ({ viewState }) => {
    if (window.parent !== window) {
      const { longitude, latitude, zoom } = viewState;
      window.parent.postMessage({ sdView: { lon: longitude, lat: latitude, zoom } }, "*");
    }
  },
  // when the first frame with the layers was drawn (ms since navigation), for benchmarks
  onAfterRender: () => {
    if (!document.body.dataset.drawnMs && map.layerManager && map.layerManager.getLayers().every((x) => x.isLoaded)) {
      document.body.dataset.drawnMs = String(Math.round(performance.now()));
    }
  },
  onError: (err) => console.error("deck2d:", err),
});
const wake = stillLoop(map, box, () => !!document.body.dataset.drawnMs);
// side-by-side maps follow each other (see charts.compare)
window.addEventListener("message", (event) => {
  const v = event.data && event.data.sdViewSet;
  if (!v) return;
  map.setProps({ initialViewState: { longitude: v.lon, latitude: v.lat, zoom: v.zoom } });
  wake();
});
