"""The WebGL renderer: one standalone HTML page with our copy of deck.gl (static/, MIT) and
the layers as data, for layers too large for Leaflet (tens of thousands of features).
Nothing is fetched: no CDN, and tiles only when a tile server is configured."""

from __future__ import annotations

import html

from seoul_data.maps.leaflet import json_script, static_text


def page(
    layers: list[dict],
    *,
    title: str,
    bounds: tuple[float, float, float, float],
    legend: str = "",
    attribution: str = "",
    tile_url: str | None = None,
) -> str:
    """The page: ``layers`` are dicts for static/deck2d.js (type 'polygons', 'outline',
    'points', 'heatmap' or 'grid' and their columns); ``legend`` and ``attribution`` are
    HTML; ``bounds`` (west, south, east, north) is what the view fits."""
    spec = {"layers": layers, "bounds": [float(b) for b in bounds], "tile_url": tile_url}
    return f"""<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{CSS}</style></head>
<body data-renderer="webgl">
<div id="sd-map"></div>
<div class="sd-title">{html.escape(title)}</div>
{f'<div class="sd-legend-box">{legend}</div>' if legend else ""}
<div class="sd-attribution">{attribution}</div>
{json_script("sd-spec", spec)}
<script>{deck_script("deck2d.js")}</script>
</body></html>"""


def deck_script(renderer: str) -> str:
    """Our deck.gl bundle (which hands itself to a local ``module``), the loop that sleeps
    while the map is still (static/deck-idle.js), then ``renderer``, one of static/."""
    wrapper = "const module = { exports: {} }; const exports = module.exports;"
    parts = (static_text("deckgl-9.4.0.min.js"), static_text("deck-idle.js"), static_text(renderer))
    return wrapper + "\n" + "\n;\n".join(parts)


CSS = """
html, body { margin: 0; height: 100%; font-family: 'NanumGothic', 'Noto Sans KR', sans-serif; }
#sd-map { position: absolute; inset: 0; background: #f4f4f2; }
.sd-title { position: absolute; top: 8px; left: 50%; transform: translateX(-50%);
  background: rgba(255,255,255,.92); padding: 4px 10px; border-radius: 4px; font-weight: bold;
  font-size: 15px; box-shadow: 0 1px 4px rgba(0,0,0,.2); pointer-events: none; z-index: 1000; }
.sd-legend-box { position: absolute; bottom: 44px; left: 8px; z-index: 1000;
  background: rgba(255,255,255,.92);
  padding: 6px 8px; border-radius: 4px; font-size: 12px; box-shadow: 0 1px 4px rgba(0,0,0,.2); }
.sd-attribution { position: absolute; bottom: 0; right: 0; background: rgba(255,255,255,.8);
  padding: 1px 6px; font-size: 11px; color: #333; z-index: 1000; }
"""
