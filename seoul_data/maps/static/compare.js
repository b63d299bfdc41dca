// Two maps side by side (seoul_data/maps/charts.py `compare`): a move in one map is sent to
// the other (the maps post {sdView}; see deck2d.js, leaflet-page.js), and the page says it
// is drawn once both are.
(function () {
  const frames = [...document.querySelectorAll("iframe")];
  window.addEventListener("message", (event) => {
    if (!event.data || !event.data.sdView) return;
    for (const f of frames) {
      if (f.contentWindow !== event.source) {
        f.contentWindow.postMessage({ sdViewSet: event.data.sdView }, "*");
      }
    }
  });
  let loaded = 0;
  for (const f of frames) f.addEventListener("load", () => {
    const done = () => f.contentDocument && f.contentDocument.body.dataset.drawnMs;
    const wait = () => {
      if (!done()) return requestAnimationFrame(wait);
      if (++loaded === 2) document.body.dataset.drawnMs = String(Math.round(performance.now()));
    };
    wait();
  });
})();
