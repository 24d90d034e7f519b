#!/usr/bin/env node
// Builds the browser playground (docs/playground/) into a static folder that
// any static host can serve: docs/playground/dist/ (git-ignored) with
// index.html, style.css, main.js (the page), data.js (fetches and inflates
// the data with the library's loader and hands it to the worker), worker.js
// (nnref and its wasm kernels, embedded as base64) and data/ (the embedded
// Fashion-MNIST subset's four .gz files). Prints the page's JavaScript size gzipped — the wasm included, as
// it travels inside worker.js — against the 150 KB budget, and fails past it.
//
//   node scripts/build_playground.mjs [--out DIR]
// (`npm run build:playground` first rebuilds the kernels, which worker.js embeds;
// `npm run test:browser` uses the kernels `npm ci` or `npm test` built.)
import { build } from "esbuild";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const BUDGET_KB = 150;
const root = fileURLToPath(new URL("../", import.meta.url));
const source = join(root, "docs/playground");
const outFlag = process.argv.indexOf("--out");
const out = outFlag >= 0 ? process.argv[outFlag + 1] : join(source, "dist");

if (!existsSync(join(root, "src/backend/kernels_wasm.generated.ts"))) {
  console.error("build-playground: src/backend/kernels_wasm.generated.ts is missing: build the kernels first (npm run build:wasm)");
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "data"), { recursive: true });
await build({
  entryPoints: { main: join(source, "main.ts"), data: join(source, "data_loader.ts"), worker: join(source, "worker.ts") },
  outdir: out,
  bundle: true,
  format: "iife",
  target: "es2022",
  platform: "browser",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
});
for (const file of ["index.html", "style.css"]) copyFileSync(join(source, file), join(out, file));
const embedded = join(root, "src/data/embedded");
for (const file of readdirSync(embedded).filter((f) => f.endsWith(".gz"))) copyFileSync(join(embedded, file), join(out, "data", file));

const kb = (n) => (n / 1024).toFixed(1);
let total = 0;
for (const file of ["main.js", "data.js", "worker.js"]) {
  const bytes = readFileSync(join(out, file));
  const gz = gzipSync(bytes, { level: 9 }).length;
  total += gz;
  console.log(`build-playground: ${file.padEnd(9)} ${kb(bytes.length).padStart(7)} KB, ${kb(gz).padStart(6)} KB gzipped`);
}
const wasm = join(root, "build/kernels.wasm");
const wasmNote = (() => {
  try {
    return `, incl. the ${kb(statSync(wasm).size)} KB wasm kernels as base64`;
  } catch {
    return "";
  }
})();
const data = readdirSync(join(out, "data")).reduce((s, f) => s + statSync(join(out, "data", f)).size, 0);
console.log(`build-playground: data/     ${kb(data).padStart(7)} KB (the embedded subset's .gz files, not JavaScript)`);
const met = total <= BUDGET_KB * 1024;
console.log(`budget: page JavaScript ${kb(total)} KB gzipped${wasmNote} (budget ≤ ${BUDGET_KB} KB): ${met ? "met" : "NOT met"}`);
console.log(`build-playground: wrote ${out} — serve it with \`npm run playground\` or any static host`);
if (!met) process.exit(1);
