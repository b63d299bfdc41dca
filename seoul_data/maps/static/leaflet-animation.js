// Areas recoloured step by step on a Leaflet page (seoul_data/maps/charts.py `animate`), with
// the slider and play button of the page's .sd-player. The data is in
// <script id="sd-leaflet-animation" type="application/json">:
// {layer: the GeoJson layer's name, steps, colours[step][area], tips[step][area], interval}.
(function () {
  const spec = JSON.parse(document.getElementById("sd-leaflet-animation").textContent);
  const layer = window[spec.layer];
  const slider = document.getElementById("sd-step");
  const label = document.getElementById("sd-step-label");
  const button = document.getElementById("sd-play");
  slider.max = spec.steps.length - 1;
  const layers = layer.getLayers();
  function show(i) {
    layers.forEach((shape, j) => {
      shape.setStyle({ fillColor: spec.colours[i][j] });
      shape.unbindTooltip(); shape.bindTooltip(spec.tips[i][j]);
    });
    slider.value = i; label.textContent = spec.steps[i];
    document.body.dataset.step = String(i);
  }
  let timer = null;
  button.addEventListener("click", () => {
    if (timer) { clearInterval(timer); timer = null; button.textContent = "▶ 재생"; return; }
    button.textContent = "⏸ 멈춤";
    timer = setInterval(() => show((+slider.value + 1) % spec.steps.length), spec.interval);
  });
  slider.addEventListener("input", () => show(+slider.value));
  show(0);
})();
