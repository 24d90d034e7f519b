// Problems too large for the kernels' memory (issue 9, item 6): conv2d with a
// padding of 12000–16384 made the i32 scratch size wrap ("WasmArena.layout: …
// got -1990775224") or come out too small (a wasm out-of-bounds trap), while
// the js backend answered. Sizes are now float64, and a call that does not fit
// the arena runs the reference, so both backends give the same answer.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { loadKernelsSync } from "../../src/backend/load.js";
import { ARENA_LIMIT_BYTES, ArenaTooSmallError, requireKernels } from "../../src/backend/wasm.js";
import { conv2dKernelOp, writeGeometry, GEOMETRY_BYTES } from "../../src/backend/kernels/conv2d.js";
import { convTranspose2dKernelOp } from "../../src/backend/kernels/conv_transpose2d.js";
import { conv2dOp } from "../../src/ops/conv2d.js";
import { convGeometry, conv2dAttrs } from "../../src/ops/conv_geometry.js";
import { convTranspose2dOp } from "../../src/ops/conv_transpose2d.js";
import type { OpDef, Tensors } from "../../src/ops/op.js";

assert.ok(loadKernelsSync(), "the wasm kernels load on Node 20 (WebAssembly SIMD)");
const kernels = requireKernels();

function uniform(shape: number[], rng: Random): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(new Float32Array(n).map(() => rng.uniformIn(-1, 1)), shape);
}

/** Forward and every gradient of `kernel` equal the reference's, element for element (within 1e-5). */
function sameAsReference(kernel: OpDef, reference: OpDef, inputs: Tensors, raw: Record<string, unknown>, rng: Random): void {
  const attrs = reference.attrs(raw);
  const k = kernel.forward(inputs, attrs), r = reference.forward(inputs, attrs);
  const y = k.outputs.output, yr = r.outputs.output;
  assert.equal(y.shape, yr.shape, "output shape");
  for (let i = 0; i < yr.size; i++) assert.ok(Math.abs(y.data[i] - yr.data[i]) <= 1e-5, `output[${i}] ${y.data[i]} vs ${yr.data[i]}`);
  const upstream = { output: uniform(yr.shape as number[], rng) };
  const gk = kernel.backward!(upstream, k.cache, attrs), gr = reference.backward!(upstream, r.cache, attrs);
  for (const name of Object.keys(gr)) {
    assert.ok(gk[name], `gradient ${name} present`);
    for (let i = 0; i < gr[name].size; i++) {
      assert.ok(Math.abs(gk[name].data[i] - gr[name].data[i]) <= 1e-5, `${name}[${i}] ${gk[name].data[i]} vs ${gr[name].data[i]}`);
    }
  }
}

test("the conv scratch sizes are exact (float64) for a padding of 16384: no wrap to a negative size", () => {
  const input = new Tensor(new Float32Array(4), [1, 1, 2, 2]), weight = new Tensor(new Float32Array(9), [1, 1, 3, 3]);
  for (const [padding, stride] of [[16384, 1], [12000, 1], [16384, 1000]] as const) {
    const { geom } = convGeometry("conv2d", input, weight, undefined, conv2dAttrs({ padding, stride: [1000, stride] }));
    const [p] = kernels.arena.layout([GEOMETRY_BYTES]);
    writeGeometry(kernels.arena.i32, p, geom);
    const Hp = (geom.Hout - 1) * 1000 + 3, Wp = (geom.Wout - 1) * stride + 3;
    const forward = kernels.exports.conv2dForwardScratchBytes(p);
    const input_ = kernels.exports.conv2dBackwardInputScratchBytes(p);
    const weight_ = kernels.exports.conv2dBackwardWeightScratchBytes(p);
    for (const [what, bytes] of [["forward", forward], ["input gradient", input_], ["weight gradient", weight_]] as const) {
      assert.ok(Number.isInteger(bytes) && bytes > 0, `${what} scratch for padding ${padding}, stride ${stride}: ${bytes}`);
    }
    // With stride 1 along W both the forward and the input gradient pad the whole image (Hp × Wp floats).
    if (stride === 1) assert.ok(forward >= Hp * Wp * 4 && input_ >= Hp * Wp * 4, `scratch ≥ the padded image (${Hp * Wp * 4} bytes): ${forward}, ${input_}`);
  }
});

test("conv2d with a padding of 16384 on the kernels answers as the reference (forward and gradients), memory not grown past the limit", () => {
  const rng = new Random(9);
  const cases: Array<Record<string, unknown>> = [
    { padding: 16384, stride: 1000 },                  // im2col-panel path: 33×33 output
    { padding: [16384, 1], stride: [1000, 1] },        // stride 1 along W: the padded image would be 2.2 GB
    { padding: 12000, stride: [900, 1] },              // 12000: the other end of the reported range
  ];
  for (const raw of cases) {
    sameAsReference(conv2dKernelOp, conv2dOp, { input: uniform([1, 2, 3, 3], rng), weight: uniform([3, 2, 3, 3], rng), bias: uniform([3], rng) }, raw, rng);
  }
  assert.ok(kernels.arena.byteLength < ARENA_LIMIT_BYTES, `arena ${kernels.arena.byteLength} bytes`);
});

test("conv_transpose2d whose adjoint pads a 24003 × 24003 image (dilation 12000, padding 11990) answers as the reference", () => {
  const rng = new Random(10);
  // Output (3 − 1) − 2·11990 + 12000·2 + 1 = 23 per side; the adjoint conv2d's padded image is 24003² floats (2.3 GB).
  sameAsReference(convTranspose2dKernelOp, convTranspose2dOp, { input: uniform([1, 1, 3, 3], rng), weight: uniform([1, 2, 3, 3], rng) }, { padding: 11990, dilation: 12000 }, rng);
  assert.ok(kernels.arena.byteLength < ARENA_LIMIT_BYTES, `arena ${kernels.arena.byteLength} bytes`);
});

test("a layout past the limit throws ArenaTooSmallError before growing; the next call works", () => {
  const before = kernels.arena.byteLength;
  assert.throws(() => kernels.arena.layout([2 ** 30, 2 ** 30, 2 ** 20]), (e: unknown) => e instanceof ArenaTooSmallError && /needs \d+ bytes of kernel memory, more than the kernels' limit/.test((e as Error).message));
  assert.is(kernels.arena.byteLength, before, "the memory did not grow");
  const rng = new Random(11);
  sameAsReference(conv2dKernelOp, conv2dOp, { input: uniform([2, 3, 6, 5], rng), weight: uniform([4, 3, 3, 3], rng) }, { padding: 1 }, rng);
});

test("after a call that fails validation on the kernels, the next call works", () => {
  const rng = new Random(12);
  const input = uniform([1, 2, 5, 5], rng), weight = uniform([3, 2, 3, 3], rng);
  assert.throws(() => conv2dKernelOp.forward({ input, weight: uniform([3, 5, 3, 3], rng) }, conv2dOp.attrs({})), /conv2d/);
  sameAsReference(conv2dKernelOp, conv2dOp, { input, weight }, { padding: 16384, stride: 4096 }, rng);
  sameAsReference(conv2dKernelOp, conv2dOp, { input, weight }, { padding: 2 }, rng);
});

test.run();
