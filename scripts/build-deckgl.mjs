// Builds seoul_data/maps/static/deckgl-9.4.0.min.js: the part of deck.gl that
// seoul_data/maps uses (static/deck3d.js, static/deck2d.js), bundled with esbuild, with
// loaders.gl's CDN defaults taken out so a page can never reach for one (the city's
// separated network cannot; workers and external libraries are never used here).
//
//   mkdir /tmp/deckgl && cd /tmp/deckgl && npm init -y && npm install esbuild@0.28.2 \
//     @deck.gl/core@9.4.0 @deck.gl/layers@9.4.0 @deck.gl/aggregation-layers@9.4.0 \
//     @deck.gl/geo-layers@9.4.0
//   NODE_PATH=/tmp/deckgl/node_modules node scripts/build-deckgl.mjs
//
// (npm, the registry and these packages are needed only to rebuild the vendored file.)
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modules = process.env.NODE_PATH || join(process.cwd(), "node_modules");
const require = createRequire(join(modules, "noop.js"));
const esbuild = require("esbuild");

const entry = `
export { Deck, WebMercatorViewport } from "@deck.gl/core";
export { GeoJsonLayer, ScatterplotLayer, BitmapLayer } from "@deck.gl/layers";
export { HeatmapLayer, ScreenGridLayer } from "@deck.gl/aggregation-layers";
export { TileLayer } from "@deck.gl/geo-layers";
`;

// file (under @loaders.gl) → [text, replacement]: each must match, or the build stops
const patches = {
  "core/dist/lib/loader-utils/option-defaults.js": [
    ["useLocalLibraries: false,", "useLocalLibraries: true,"],
    ["CDN: 'https://unpkg.com/@loaders.gl',", "CDN: null,"],
    ["worker: true,", "worker: false,"],
  ],
  "worker-utils/dist/lib/worker-api/get-worker-url.js": [
    ["url = `https://unpkg.com/@loaders.gl/${worker.module}${versionTag}/dist/${workerFile}`;",
     "throw new Error(`no worker URL for ${worker.id}: workers are not loaded from a CDN here`);"],
  ],
};

const offline = {
  name: "offline",
  setup(build) {
    build.onLoad({ filter: /@loaders\.gl[\\/].*\.js$/ }, (args) => {
      const key = Object.keys(patches).find((p) => args.path.replaceAll("\\", "/").endsWith(p));
      if (!key) return undefined;
      let text = readFileSync(args.path, "utf8");
      for (const [from, to] of patches[key]) {
        if (!text.includes(from)) throw new Error(`${key}: '${from}' not found`);
        text = text.replace(from, to);
      }
      delete patches[key];
      return { contents: text, loader: "js" };
    });
  },
};

await esbuild.build({
  stdin: { contents: entry, resolveDir: modules, loader: "js" },
  bundle: true,
  minify: true,
  // one name in the page's scope, handed to the local `module` that deck3d.py and
  // webgl.py put in front (the renderers read `module.exports`)
  format: "iife",
  globalName: "seoulDeckgl",
  footer: { js: "module.exports = seoulDeckgl;" },
  platform: "browser",
  target: "es2020",
  legalComments: "eof",
  plugins: [offline],
  outfile: join(here, "..", "seoul_data", "maps", "static", "deckgl-9.4.0.min.js"),
});
const left = Object.keys(patches);
if (left.length) throw new Error(`not patched (not in the bundle?): ${left.join(", ")}`);
