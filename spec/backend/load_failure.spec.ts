// When the kernels cannot load, the library says why and stays on the
// reference ops: a browser page whose Content-Security-Policy lacks
// 'wasm-unsafe-eval' (simulated: the engine's compile throws the error Chrome
// throws there), and an engine without WebAssembly (node --jitless). Each runs
// in its own process, since this one has the kernels loaded already.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { kernelsUnavailableReason, loadKernelsSync } from "../../src/backend/load.js";
import { KERNELS_VERSION } from "../../src/backend/wasm.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** Runs `code` (an ES module importing the library from ./src) in a fresh Node process; returns its stdout as JSON. */
function run(code: string, nodeFlags: string[] = []): Record<string, unknown> {
  const r = spawnSync(process.execPath, [...nodeFlags, "--import", "tsx", "--input-type=module", "-e", code], { cwd: root, encoding: "utf8" });
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

// What Chrome throws when a page's CSP has script-src without 'wasm-unsafe-eval'.
const CSP_MESSAGE = `WebAssembly.instantiate(): Refused to compile or instantiate WebAssembly module because 'wasm-unsafe-eval' is not an allowed source of script in the following Content Security Policy directive: "script-src 'self'"`;

test("a compile refused by the page's security policy: loadKernels resolves false, the reason names it, getBackend() is js", () => {
  // The library's modules load first (tsx compiles TypeScript with a wasm lexer of its own), then the
  // engine starts refusing WebAssembly, as a page's policy would, before the kernels are first loaded.
  const out = run(`
    const load = await import("./src/backend/load.ts");
    const dispatch = await import("./src/backend/dispatch.ts");
    const refuse = () => { throw new WebAssembly.CompileError(${JSON.stringify(CSP_MESSAGE)}); };
    WebAssembly.Module = function () { refuse(); };
    WebAssembly.instantiate = async () => refuse();
    const atImport = { loaded: load.loadKernelsSync(), backend: dispatch.getBackend(), reason: load.kernelsUnavailableReason() };
    const loaded = await load.loadKernels();
    console.log(JSON.stringify({ atImport, loaded, reason: load.kernelsUnavailableReason(), backend: dispatch.getBackend(), available: dispatch.isWasmAvailable() }));
  `);
  const atImport = out.atImport as { loaded: boolean; backend: string; reason: string };
  assert.is(atImport.loaded, false);
  assert.is(atImport.backend, "js");
  assert.match(atImport.reason, /^compiling the kernels failed: CompileError: WebAssembly\.instantiate\(\): Refused to compile/);
  assert.is(out.loaded, false);
  assert.match(out.reason as string, /^compiling the kernels failed: CompileError: .*'wasm-unsafe-eval' is not an allowed source.* \(a page's Content-Security-Policy must allow 'wasm-unsafe-eval' for WebAssembly\)$/);
  assert.is(out.backend, "js");
  assert.is(out.available, false);
});

test("no WebAssembly at all (node --jitless): the reason says so, the backend is js", () => {
  const out = run(`
    const nnref = await import("./src/index.ts");
    console.log(JSON.stringify({ loaded: await nnref.loadKernels(), reason: nnref.kernelsUnavailableReason(), backend: nnref.getBackend() }));
  `, ["--jitless"]);
  assert.is(out.loaded, false);
  assert.match(out.reason as string, /^WebAssembly is not available in this JavaScript engine/);
  assert.is(out.backend, "js");
});

test("a kernels module of another version than the JS glue is refused: the reason names both versions, the backend is js", () => {
  // A stale build: the module's kernelsVersion() answers 99 where the glue expects KERNELS_VERSION (sync and async loads).
  const out = run(`
    const load = await import("./src/backend/load.ts");
    const dispatch = await import("./src/backend/dispatch.ts");
    const RealInstance = WebAssembly.Instance, realInstantiate = WebAssembly.instantiate;
    const stale = (instance) => ({ exports: { ...instance.exports, kernelsVersion: () => 99 } });
    WebAssembly.Instance = function (module, imports) { return stale(new RealInstance(module, imports)); };
    WebAssembly.instantiate = async (bytes, imports) => ({ instance: stale((await realInstantiate(bytes, imports)).instance) });
    const sync = { loaded: load.loadKernelsSync(), reason: load.kernelsUnavailableReason() };
    const loaded = await load.loadKernels();
    console.log(JSON.stringify({ sync, loaded, reason: load.kernelsUnavailableReason(), backend: dispatch.getBackend(), available: dispatch.isWasmAvailable() }));
  `);
  const sync = out.sync as { loaded: boolean; reason: string };
  const expected = `wasm kernels: the module is version 99, but this JS glue expects version ${KERNELS_VERSION} (rebuild both with npm run build:wasm)`;
  assert.is(sync.loaded, false);
  assert.is(sync.reason, expected);
  assert.is(out.loaded, false);
  assert.is(out.reason, expected);
  assert.is(out.backend, "js");
  assert.is(out.available, false);
});

test("after a successful load there is no reason", () => {
  assert.ok(loadKernelsSync());
  assert.is(kernelsUnavailableReason(), undefined);
});

test.run();
