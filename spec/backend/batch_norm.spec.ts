// batch_norm on the kernels against the reference op: bit-equal on shapes
// larger than the op's sample cases (odd plane sizes: the f64x2 lanes and the
// scalar tail), in both modes, and the reference's backward accepts the
// kernel's cache (x̂ computed on demand), as orReference needs; the same errors.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Tensor, randn, randu } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { loadKernelsSync } from "../../src/backend/load.js";
import { assertBitEqual } from "../support/assertions.js";
import { batchNormKernelOp } from "../../src/backend/kernels/batch_norm.js";
import { batchNormAttrs, batchNormOp } from "../../src/ops/norm.js";
import type { Tensors } from "../../src/ops/op.js";

assert.ok(loadKernelsSync());

const message = (f: () => unknown): string => {
  try { f(); } catch (e) { return (e as Error).message; }
  return "no error";
};

for (const training of [true, false]) {
  test(`batch_norm (training ${training}): bit-equal forward, running statistics and backward on [3, 5, 7, 9] and [4, 6, 1]; the reference's backward takes the kernel's cache`, () => {
    for (const shape of [[3, 5, 7, 9], [4, 6, 1], [2, 3, 17]]) {
      const rng = new Random(shape.length * 100 + shape[1]);
      const C = shape[1];
      const inputs: Tensors = {
        input: randn(shape, rng, { dtype: "float32", mean: 0.7, std: 2 }),
        running_mean: randn([C], rng, { dtype: "float32" }),
        running_var: randu([C], rng, { low: 0.5, high: 2, dtype: "float32" }),
        weight: randn([C], rng, { dtype: "float32" }),
        bias: randn([C], rng, { dtype: "float32" }),
      };
      const a = batchNormAttrs({ training, momentum: 0.3, eps: 1e-5 });
      const k = batchNormKernelOp.forward(inputs, a), r = batchNormOp.forward(inputs, a);
      for (const out of ["output", "running_mean", "running_var"]) assertBitEqual(out, k.outputs[out], r.outputs[out]);
      const dy = randn(shape, rng, { dtype: "float32" });
      const rg = batchNormOp.backward!({ output: dy }, r.cache, a);
      const kg = batchNormKernelOp.backward!({ output: dy }, k.cache, a);
      const mixed = batchNormOp.backward!({ output: dy }, k.cache, a);
      for (const g of ["input", "weight", "bias"]) {
        assertBitEqual(`∂L/∂${g}`, kg[g], rg[g]);
        assertBitEqual(`∂L/∂${g} (reference backward, kernel cache)`, mixed[g], rg[g]);
      }
    }
  });
}

test("batch_norm on the kernels: the reference's messages (missing running statistics in evaluation, a wrong [C] vector, a wrong upstream)", () => {
  const input = randn([2, 3, 4], new Random(1), { dtype: "float32" });
  const evalAttrs = batchNormAttrs({ training: false });
  assert.is(message(() => batchNormKernelOp.forward({ input }, evalAttrs)), message(() => batchNormOp.forward({ input }, evalAttrs)));
  const weight = new Tensor(new Float32Array(2), [2]);
  const trainAttrs = batchNormAttrs({ training: true });
  const wrong = message(() => batchNormKernelOp.forward({ input, weight }, trainAttrs));
  assert.match(wrong, /batch_norm/);
  assert.is(wrong, message(() => batchNormOp.forward({ input, weight }, trainAttrs)));
  const k = batchNormKernelOp.forward({ input }, trainAttrs), r = batchNormOp.forward({ input }, trainAttrs);
  const dy = new Tensor(new Float32Array(6), [2, 3]);
  const up = message(() => batchNormKernelOp.backward!({ output: dy }, k.cache, trainAttrs));
  assert.match(up, /upstream/);
  assert.is(up, message(() => batchNormOp.backward!({ output: dy }, r.cache, trainAttrs)));
});

test.run();
