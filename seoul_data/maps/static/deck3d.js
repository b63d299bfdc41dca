// Choropleth3D's view (seoul_data/maps/deck3d.py). Our deck.gl bundle and deck-idle.js are
// put in front of this file by Python (webgl.deck_script); the bundle has assigned itself to
// the local `module.exports`.
const deck = module.exports;

// `animate`: values ease to their new heights and colours. Not on the first draw: the
// transitions' GPU programs cost a page about a second of CPU (software WebGL), so they are
// made when the values first change (that first change jumps, later ones ease).
function makeLayer(model, animate) {
  const elev = model.get("elevation");
  const fill = model.get("fill");
  const version = model.get("revision");
  return new deck.GeoJsonLayer({
    id: "choropleth3d",
    data: model.get("geojson"),
    filled: true,
    stroked: true,
    extruded: true,
    getElevation: (f) => elev[f.properties.__i] ?? 0,
    getFillColor: (f) => fill[f.properties.__i] ?? [128, 128, 128, 200],
    getLineColor: [70, 70, 70, 90],
    lineWidthMinPixels: 1,
    pickable: true,
    autoHighlight: true,
    highlightColor: [255, 255, 255, 90],
    updateTriggers: { getElevation: version, getFillColor: version },
    transitions: animate ? { getElevation: model.get("transition_ms"), getFillColor: model.get("transition_ms") } : {},
  });
}

function render({ model, el }) {
  el.style.width = "100%";
  const box = document.createElement("div");
  box.className = "seoul-deck3d";
  box.style.position = "relative";
  box.style.width = "100%";
  box.style.height = model.get("height") + "px";
  box.style.background = model.get("background");
  el.appendChild(box);

  const d = new deck.Deck({
    parent: box,
    initialViewState: model.get("view_state"),
    controller: { dragRotate: true, touchRotate: true, keyboard: true },
    layers: [makeLayer(model, false)],
    getTooltip: ({ object }) => {
      if (!object) return null;
      const tips = model.get("tooltips");
      const html = tips[object.properties.__i];
      return html ? { html, style: { background: "#fff", color: "#222", font: "13px sans-serif",
        padding: "6px 8px", borderRadius: "4px", boxShadow: "0 1px 6px rgba(0,0,0,.25)" } } : null;
    },
    // how many frames were drawn, and when the first one was (ms since navigation started)
    onAfterRender: () => {
      if (!box.dataset.drawn) box.dataset.firstDrawnMs = String(Math.round(performance.now()));
      box.dataset.drawn = String((+box.dataset.drawn || 0) + 1);
    },
    onError: (e) => console.error("deck3d:", e),
  });
  const wake = stillLoop(d, box, () => !!box.dataset.drawn);
  model.on("change:revision", () => {
    d.setProps({ layers: [makeLayer(model, true)] });
    wake(model.get("transition_ms"));
  });
  model.on("change:view_state", () => {
    d.setProps({ initialViewState: model.get("view_state") });
    wake();
  });
  return () => d.finalize();
}
export default { render };
