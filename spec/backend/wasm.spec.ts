// The loader, the arena and the backend switch.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { kernelBytes, requireKernels, simdSupported } from "../../src/backend/wasm.js";
import { loadKernels, loadKernelsSync } from "../../src/backend/load.js";
import { getBackend, isWasmAvailable, kernelOpNames, resolveOp, setBackend, withBackend } from "../../src/backend/dispatch.js";
import { findOp } from "../../src/ops/registry.js";
import { sgemm } from "../../src/backend/sgemm.js";
import { Random } from "../../src/random.js";

test("SIMD is detected on Node 20 and the embedded bytes decode to a wasm module", () => {
  assert.ok(simdSupported());
  const bytes = kernelBytes();
  assert.equal([...bytes.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d]);
  assert.ok(WebAssembly.validate(bytes as BufferSource));
});

test("loadKernelsSync and loadKernels report success and register the kernel ops", async () => {
  assert.is(loadKernelsSync(), true);
  assert.is(await loadKernels(), true);
  assert.ok(isWasmAvailable());
  assert.equal(kernelOpNames().sort(), ["adaptive_avg_pool2d", "add", "batch_norm", "conv2d", "conv2d_fused", "conv_transpose2d", "cross_entropy", "linear", "log_softmax", "max_pool2d", "mul", "relu", "softmax"]);
});

test("setBackend switches what resolveOp returns; getBackend reports it", () => {
  const previous = getBackend();
  try {
    setBackend("js");
    assert.is(getBackend(), "js");
    assert.is(resolveOp("conv2d"), findOp("conv2d"));
    setBackend("wasm");
    assert.is(getBackend(), "wasm");
    assert.is.not(resolveOp("conv2d"), findOp("conv2d"));
    assert.is(resolveOp("conv2d")!.name, "conv2d");
    assert.is(resolveOp("sigmoid"), findOp("sigmoid"), "an op without a kernel runs its reference");
    assert.throws(() => setBackend("gpu" as "js"), /setBackend: expected "js" or "wasm"/);
  } finally {
    setBackend(previous);
  }
});

test("withBackend sets the backend for one call and restores it, also when the call throws", () => {
  assert.ok(loadKernelsSync());
  const before = getBackend();
  const other = before === "wasm" ? "js" : "wasm";
  assert.is(withBackend(other, () => getBackend()), other);
  assert.is(getBackend(), before);
  assert.throws(() => withBackend(other, () => { throw new Error("inside the call"); }), /inside the call/);
  assert.is(getBackend(), before, "restored after a throw");
  assert.throws(() => withBackend("gpu" as "js", () => 1), /setBackend: expected "js" or "wasm"/);
  assert.is(getBackend(), before);
});

test("arena regions are 64-byte aligned, above the module's static data, and start afresh on each layout", () => {
  const { arena, exports } = requireKernels();
  assert.ok(arena.base >= exports.heapBase());
  const a = arena.layout([3, 100, 0, 64]);
  assert.is(a[0], arena.base);
  for (const off of a) assert.is(off % 64, 0);
  assert.equal(a, [arena.base, arena.base + 64, arena.base + 192, arena.base + 192]);
  assert.equal(arena.layout([10]), [arena.base], "each call reuses the arena from its start");
  assert.throws(() => arena.layout([-1]), /expected sizes of whole bytes/);
});

function naiveEntry(a: Float32Array, b: Float32Array, n: number, i: number, j: number): number {
  let s = 0;
  for (let p = 0; p < n; p++) s += a[i * n + p] * b[p * n + j];
  return s;
}

test("repeated calls of one size do not grow memory", () => {
  const { arena } = requireKernels();
  const rng = new Random(1);
  const n = 96;
  const a = new Float32Array(n * n).map(() => rng.uniformIn(-1, 1));
  const c = new Float32Array(n * n);
  sgemm(false, false, n, n, n, 1, a, n, a, n, 0, c, n);
  const grows = arena.grows, bytes = arena.byteLength;
  for (let r = 0; r < 5; r++) sgemm(false, false, n, n, n, 1, a, n, a, n, 0, c, n);
  assert.is(arena.grows, grows);
  assert.is(arena.byteLength, bytes);
});

test("a problem larger than any before grows memory, rebuilds the views and still computes correctly", () => {
  const { arena } = requireKernels();
  const before = arena.f32;
  const grows = arena.grows;
  // Three n×n matrices that do not fit in the current memory.
  const n = Math.ceil(Math.sqrt(arena.byteLength / 12)) + 64;
  const rng = new Random(2);
  const a = new Float32Array(n * n).map(() => rng.uniformIn(-1, 1));
  const b = new Float32Array(n * n).map(() => rng.uniformIn(-1, 1));
  const c = new Float32Array(n * n).fill(NaN);
  sgemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n);
  assert.ok(arena.grows > grows, "memory grew");
  assert.is(before.length, 0, "the old view was detached by the grow");
  assert.is(arena.f32.length * 4, arena.byteLength, "the new view spans the grown memory");
  for (const [i, j] of [[0, 0], [n - 1, n - 1], [17, n - 3], [n - 2, 5]]) {
    const want = naiveEntry(a, b, n, i, j);
    assert.ok(Math.abs(c[i * n + j] - want) <= 1e-4 * Math.sqrt(n), `C[${i}, ${j}] = ${c[i * n + j]}, expected ${want} (n = ${n})`);
  }
});

test.run();
