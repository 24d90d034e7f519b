// conv2d_fused on the kernels (assembly/conv_forward.ts's epilogue) against
// (a) the plain conv2d kernel followed by a float32 add and ReLU in JS — the
// same bits, since the epilogue only adds and clamps sums that are already
// final; (b) the reference op (src/ops/conv2d_fused.ts: direct loops, then
// add, then relu) within float32 rounding of the convolution's sums; and
// (c) the same bits on 1 and 2 threads, cut by images and by filters.
// The shapes reach both kernel paths (direct, ≤ 8 A panels; im2col panels
// above) and K blocks (K > 512).
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { Tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { loadKernelsSync } from "../../src/backend/load.js";
import { setThreads, threadsSupported } from "../../src/backend/threads.js";
import { convParts, setParallelThreshold } from "../../src/backend/parallel_kernels.js";
import { conv2dKernelOp } from "../../src/backend/kernels/conv2d.js";
import { conv2dFusedKernelOp } from "../../src/backend/kernels/conv2d_fused.js";
import { conv2dFusedAttrs, conv2dFusedOp } from "../../src/ops/conv2d_fused.js";
import { convGeometry } from "../../src/ops/conv_geometry.js";
import { OpError } from "../../src/errors.js";
import { fcParams } from "../support/properties.js";
import { firstDifferentBits, fusedCaseArbitrary, makeFusedCase, uniform } from "../support/fused_conv_cases.js";

assert.ok(loadKernelsSync(), "the wasm kernels load on Node 20 (WebAssembly SIMD)");

const fusedCase = fusedCaseArbitrary([1, 1, 2]);
const makeCase = makeFusedCase;

test("conv2d_fused kernel = the plain conv2d kernel, then a float32 add and ReLU (the same bits), and the reference within float32 rounding", () => {
  let ran = 0;
  fc.assert(fc.property(fusedCase, (c) => {
    const made = makeCase(c);
    if (!made) return;
    ran++;
    const { attrs, inputs } = made;
    const fused = conv2dFusedKernelOp.forward(inputs, attrs).outputs.output.data as Float32Array;
    const plain = conv2dKernelOp.forward({ input: inputs.input, weight: inputs.weight, ...(inputs.bias ? { bias: inputs.bias } : {}) }, attrs).outputs.output.data as Float32Array;
    const r = inputs.residual?.data;
    const want = plain.map((z, i) => {
      const s = r ? Math.fround(z + r[i]) : z;
      return c.relu && s <= 0 ? 0 : s;
    });
    const at = firstDifferentBits(fused, want);
    assert.is(at, -1, `element ${at}: fused ${fused[at]}, conv2d kernel then add/relu ${want[at]}; ${JSON.stringify(c)}`);
    // The reference sums each output in float64; the kernel in float32 over K = Cin/groups·k² ≤ 45 terms of
    // |w·a| ≤ 1: the difference stays well below 1e-5 per unit of magnitude.
    const reference = conv2dFusedOp.forward(inputs, attrs).outputs.output.data;
    for (let i = 0; i < reference.length; i++) {
      if (!(Math.abs(fused[i] - reference[i]) <= 1e-5 * (1 + Math.abs(reference[i])))) {
        assert.unreachable(`element ${i}: kernel ${fused[i]}, reference ${reference[i]}; ${JSON.stringify(c)}`);
      }
    }
  }), fcParams(60));
  assert.ok(ran >= 40, `at least 40 of 60 cases had an output (${ran})`);
});

test("conv2d_fused with K > 512 (two K blocks) and many filters (the im2col-panel path) agrees with the plain kernel bit for bit", () => {
  const rng = new Random(7);
  const input = new Tensor(uniform(2 * 64 * 6 * 7, rng), [2, 64, 6, 7]);
  const weight = new Tensor(uniform(48 * 64 * 9, rng), [48, 64, 3, 3]);
  const bias = new Tensor(uniform(48, rng), [48]);
  const residual = new Tensor(uniform(2 * 48 * 6 * 7, rng), [2, 48, 6, 7]);
  const attrs = conv2dFusedAttrs({ padding: 1, activation: "relu" });
  const fused = conv2dFusedKernelOp.forward({ input, weight, bias, residual }, attrs).outputs.output.data as Float32Array;
  const plain = conv2dKernelOp.forward({ input, weight, bias }, attrs).outputs.output.data as Float32Array;
  const want = plain.map((z, i) => Math.max(0, Math.fround(z + residual.data[i])));
  assert.is(firstDifferentBits(fused, want), -1);
  assert.ok(want.some((v) => v === 0) && want.some((v) => v > 0), "the ReLU clamps some outputs and passes others");
});

test("conv2d_fused gives the same bits on 1 and 2 threads (random shapes; N = 1 cut by filters, N = 2 by images)", async () => {
  assert.ok(threadsSupported());
  const previous = setParallelThreshold(0);
  let split = 0;
  try {
    await fc.assert(fc.asyncProperty(fusedCase, async (c) => {
      const made = makeCase(c);
      if (!made) return;
      const { attrs, geom, inputs } = made;
      await setThreads(1);
      const one = conv2dFusedKernelOp.forward(inputs, attrs).outputs.output.data as Float32Array;
      await setThreads(2);
      if (convParts(geom, "conv2dForwardFused").parts === 2) split++;
      const two = conv2dFusedKernelOp.forward(inputs, attrs).outputs.output.data as Float32Array;
      const at = firstDifferentBits(one, two);
      assert.is(at, -1, `element ${at}: ${one[at]} on 1 thread, ${two[at]} on 2; ${JSON.stringify(c)}`);
    }), fcParams(50));
  } finally {
    setParallelThreshold(previous);
    await setThreads(1);
  }
  assert.ok(split >= 25, `at least 25 of 50 cases ran in two parts (${split})`);
});

test("a one-image forward cut by filters whose parts take the direct path (ResNet-like 3×3, padding 1) has room for the padded image: 2 threads = 1 thread = the reference", async () => {
  // The whole call (16 A panels) takes the im2col path; each part (8 panels) the direct one, which needs a
  // padded copy of the image (16·30·30 floats) — more than the im2col path's K·NR = 1152. The scratch was
  // sized for the whole call's path: the parts wrote past it (ResNet-18 at 224×224 trapped on 2 threads).
  const rng = new Random(11);
  const input = new Tensor(uniform(16 * 28 * 28, rng), [1, 16, 28, 28]);
  const weight = new Tensor(uniform(64 * 16 * 9, rng), [64, 16, 3, 3]);
  const residual = new Tensor(uniform(64 * 28 * 28, rng), [1, 64, 28, 28]);
  const attrs = conv2dFusedAttrs({ padding: 1, activation: "relu" });
  const reference = conv2dFusedOp.forward({ input, weight, residual }, attrs).outputs.output.data;
  try {
    await setThreads(1);
    const one = conv2dFusedKernelOp.forward({ input, weight, residual }, attrs).outputs.output.data as Float32Array;
    const plainOne = conv2dKernelOp.forward({ input, weight }, attrs).outputs.output.data as Float32Array;
    await setThreads(2);
    const { geom } = convGeometry("conv2d", input, weight, undefined, attrs);
    assert.equal(convParts(geom, "conv2dForwardFused"), { parts: 2, byFilters: true });
    for (let repeat = 0; repeat < 3; repeat++) {
      const two = conv2dFusedKernelOp.forward({ input, weight, residual }, attrs).outputs.output.data as Float32Array;
      const plainTwo = conv2dKernelOp.forward({ input, weight }, attrs).outputs.output.data as Float32Array;
      assert.is(firstDifferentBits(one, two), -1, "fused: 1 vs 2 threads");
      assert.is(firstDifferentBits(plainOne, plainTwo), -1, "conv2d: 1 vs 2 threads");
    }
  } finally {
    await setThreads(1);
  }
  const one = conv2dFusedKernelOp.forward({ input, weight, residual }, attrs).outputs.output.data;
  for (let i = 0; i < reference.length; i++) assert.ok(Math.abs(one[i] - reference[i]) <= 1e-5 * (1 + Math.abs(reference[i])), `element ${i}`);
});

test("conv2d_fused refuses a residual of the wrong shape or dtype and an unknown activation, naming the op", () => {
  const rng = new Random(3);
  const input = new Tensor(uniform(2 * 3 * 5 * 5, rng), [2, 3, 5, 5]);
  const weight = new Tensor(uniform(4 * 3 * 9, rng), [4, 3, 3, 3]);
  const attrs = conv2dFusedAttrs({});
  for (const op of [conv2dFusedOp, conv2dFusedKernelOp]) {
    assert.throws(() => op.forward({ input, weight, residual: new Tensor(new Float32Array(2 * 4 * 12), [2, 4, 3, 4]) }, attrs),
      (e: unknown) => e instanceof OpError && /conv2d_fused: residual/.test((e as Error).message) && /\[2, 4, 3, 3\]/.test((e as Error).message));
    assert.throws(() => op.forward({ input, weight, residual: new Tensor(new Float64Array(2 * 4 * 9), [2, 4, 3, 3]) }, attrs),
      (e: unknown) => e instanceof OpError && /conv2d_fused: residual/.test((e as Error).message));
  }
  assert.throws(() => conv2dFusedAttrs({ activation: "tanh" }), (e: unknown) => e instanceof OpError && /conv2d_fused: activation/.test((e as Error).message));
});

test.run();
