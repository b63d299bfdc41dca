// deck.gl UMD bundle is prepended by Python; it assigned itself to `module.exports`.
const deck = module.exports;

function makeLayer(model) {
  const elev = model.get("elevation");
  const fill = model.get("fill");
  const line = model.get("line_color");
  const version = model.get("revision");
  return new deck.GeoJsonLayer({
    id: "choropleth3d",
    data: model.get("geojson"),
    filled: true,
    stroked: true,
    extruded: true,
    wireframe: model.get("wireframe"),
    elevationScale: model.get("elevation_scale"),
    getElevation: (f) => elev[f.properties.__i] ?? 0,
    getFillColor: (f) => fill[f.properties.__i] ?? [128, 128, 128, 200],
    getLineColor: line,
    lineWidthMinPixels: 1,
    pickable: true,
    autoHighlight: true,
    highlightColor: [255, 255, 255, 90],
    updateTriggers: { getElevation: version, getFillColor: version },
    transitions: { getElevation: model.get("transition_ms"), getFillColor: model.get("transition_ms") },
  });
}

function render(ctx) {
  try { return _render(ctx); } catch (e) { console.error('deck3d render failed: ' + e + '\n' + e.stack); throw e; }
}
function _render({ model, el }) {
  const box = document.createElement("div");
  box.style.position = "relative";
  box.style.width = "100%";
  box.style.height = model.get("height") + "px";
  box.style.background = model.get("background");
  el.appendChild(box);

  const d = new deck.Deck({
    parent: box,
    initialViewState: model.get("view_state"),
    controller: { dragRotate: true, touchRotate: true, keyboard: true },
    layers: [makeLayer(model)],
    getTooltip: ({ object }) => {
      if (!object) return null;
      const tips = model.get("tooltips");
      const html = tips[object.properties.__i];
      return html ? { html, style: { background: "#fff", color: "#222", font: "13px sans-serif",
        padding: "6px 8px", borderRadius: "4px", boxShadow: "0 1px 6px rgba(0,0,0,.25)" } } : null;
    },
    onAfterRender: () => { box.dataset.drawn = String((+box.dataset.drawn || 0) + 1); },
    onError: (e) => console.error("deck3d:", e),
  });
  const redraw = () => d.setProps({ layers: [makeLayer(model)] });
  model.on("change:revision", redraw);
  model.on("change:elevation_scale", redraw);
  model.on("change:view_state", () => d.setProps({ initialViewState: model.get("view_state") }));
  return () => d.finalize();
}
export default { render };
