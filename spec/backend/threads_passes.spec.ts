// The memory-bound passes on two threads (parallel_kernels.ts's range cuts): relu and its gradient, add, mul,
// max pooling and its gradient, global average pooling and its gradient give the same bits on 1 and 2 threads
// on random shapes, with the split threshold lowered to 0 so that small shapes are cut too (`rangeParts`
// confirms each case really ran in two parts). NaN, ±0 and ties are in the data: a cut must not change which
// element of a window wins.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { loadKernelsSync } from "../../src/backend/load.js";
import { setThreads } from "../../src/backend/threads.js";
import { ELEMENT_UNIT, rangeParts, setParallelThreshold } from "../../src/backend/parallel_kernels.js";
import { reluKernelOp } from "../../src/backend/kernels/activations.js";
import { addKernel, mulBackwardKernel, mulKernel } from "../../src/backend/kernels/arith.js";
import { maxPool2dKernelOp } from "../../src/backend/kernels/pool.js";
import { adaptiveAvgPool2dKernelOp } from "../../src/backend/kernels/avg_pool2d.js";
import { Tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { fcParams } from "../support/properties.js";
import { sameBits } from "../support/assertions.js";

assert.ok(loadKernelsSync(), "the wasm kernels load on Node 20 (WebAssembly SIMD)");

/** Values in [−2, 2] rounded to quarters (ties in windows, exact zeros of both signs) with a few NaNs. */
function awkward(n: number, rng: Random): Float32Array {
  return new Float32Array(n).map(() => {
    const u = rng.uniform();
    if (u < 0.02) return Number.NaN;
    if (u < 0.05) return -0;
    return Math.round(rng.uniformIn(-2, 2) * 4) / 4;
  });
}

/** Runs `compute` on 1 and on 2 threads and fails on the first output whose bits differ. */
async function sameOnOneAndTwo(what: string, compute: () => Record<string, Tensor>): Promise<void> {
  await setThreads(1);
  const one = compute();
  await setThreads(2);
  const two = compute();
  for (const key of Object.keys(one)) {
    assert.ok(sameBits(one[key].data, two[key].data), `${what}: ${key} differs between 1 and 2 threads`);
  }
}

test("relu, its gradient, add and mul: the same bits on 1 and 2 threads, cut by ranges of 16 elements", async () => {
  const previous = setParallelThreshold(0);
  try {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), async (n, seed) => {
      const rng = new Random(seed);
      const x = new Tensor(awkward(n, rng), [n]), y = new Tensor(awkward(n, rng), [n]), dy = new Tensor(awkward(n, rng), [n]);
      await setThreads(2);
      assert.is(rangeParts(n, ELEMENT_UNIT, 2 * n), n > ELEMENT_UNIT ? 2 : 1, `parts for ${n} elements`);
      await sameOnOneAndTwo(`n = ${n}`, () => {
        const relu = reluKernelOp.forward({ input: x }, {});
        const grad = reluKernelOp.backward!({ output: dy }, relu.cache, {});
        const dMul = mulBackwardKernel(dy, x, y);
        return { relu: relu.outputs.output, reluGrad: grad.input, add: addKernel(x, y), mul: mulKernel(x, y), dMulA: dMul.a, dMulB: dMul.b };
      });
    }), fcParams(60));
  } finally {
    setParallelThreshold(previous);
    await setThreads(1);
  }
});

const poolCase = fc.record({
  N: fc.integer({ min: 1, max: 3 }), C: fc.integer({ min: 1, max: 5 }), H: fc.integer({ min: 1, max: 13 }), W: fc.integer({ min: 1, max: 13 }),
  k: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })), stride: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  padding: fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 })), dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  ceil: fc.boolean(), seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

test("max_pool2d forward and backward, global average pooling forward and backward: the same bits on 1 and 2 threads, cut by planes", async () => {
  const previous = setParallelThreshold(0);
  let ran = 0;
  try {
    await fc.assert(fc.asyncProperty(poolCase, async (c) => {
      // PyTorch's rules: padding at most half the kernel, and a window must fit the padded input.
      if (c.padding[0] * 2 > c.k[0] || c.padding[1] * 2 > c.k[1]) return;
      if (c.H + 2 * c.padding[0] < c.dilation[0] * (c.k[0] - 1) + 1 || c.W + 2 * c.padding[1] < c.dilation[1] * (c.k[1] - 1) + 1) return;
      ran++;
      const rng = new Random(c.seed);
      const planes = c.N * c.C;
      const input = new Tensor(awkward(planes * c.H * c.W, rng), [c.N, c.C, c.H, c.W]);
      const attrs = { kernel_size: c.k, stride: c.stride, padding: c.padding, dilation: c.dilation, ceil_mode: c.ceil, return_indices: false };
      await setThreads(2);
      assert.is(rangeParts(planes, 1, input.size), planes > 1 ? 2 : 1, `parts for ${planes} planes`);
      await sameOnOneAndTwo(JSON.stringify(c), () => {
        const max = maxPool2dKernelOp.forward({ input }, attrs);
        const dy = new Tensor(awkward(max.outputs.output.size, new Random(c.seed + 1)), max.outputs.output.shape);
        const maxGrad = maxPool2dKernelOp.backward!({ output: dy }, max.cache, attrs);
        const avg = adaptiveAvgPool2dKernelOp.forward({ input }, { output_size: [1, 1] });
        const dAvg = new Tensor(awkward(planes, new Random(c.seed + 2)), avg.outputs.output.shape);
        const avgGrad = adaptiveAvgPool2dKernelOp.backward!({ output: dAvg }, avg.cache, { output_size: [1, 1] });
        return { max: max.outputs.output, maxGrad: maxGrad.input, avg: avg.outputs.output, avgGrad: avgGrad.input };
      });
    }), fcParams(60));
  } finally {
    setParallelThreshold(previous);
    await setThreads(1);
  }
  assert.ok(ran >= 25, `at least 25 of 60 cases were valid pools (${ran})`);
});

test.run();
