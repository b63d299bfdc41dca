// deck.gl's animation loop asks for a frame 60 times a second for as long as a map lives,
// still or not: one map left open kept a fifth of a core busy in headless Chromium
// (bench/dashboard_capacity.py), and a page of them does the same on a staff member's PC.
// stillLoop(d, box, ready) stops the loop once the map has drawn (`ready()`) and nothing
// has moved for STILL_MS, and starts it again on any input on `box`, on a resize, or when the
// renderer calls the returned `wake(ms)` (new data, a transition of `ms`).
const STILL_MS = 1500;

function stillLoop(d, box, ready) {
  let timer = null;
  const sleep = () => {
    const loop = d.animationLoop;
    const loaded = d.layerManager && d.layerManager.getLayers().every((l) => l.isLoaded);
    if (!loop || !ready() || !loaded || d.needsRedraw({ clearRedrawFlags: false })) {
      timer = setTimeout(sleep, STILL_MS);  // still drawing, loading or moving
      return;
    }
    loop.stop();
  };
  const wake = (ms = 0) => {
    const loop = d.animationLoop;
    if (loop && !loop._running) loop.start();
    clearTimeout(timer);
    timer = setTimeout(sleep, STILL_MS + ms);
  };
  const events = ["pointerdown", "pointermove", "pointerleave", "wheel", "keydown", "touchstart"];
  for (const type of events) box.addEventListener(type, () => wake(), { capture: true, passive: true });
  new ResizeObserver(() => wake()).observe(box);
  wake();
  return wake;
}
