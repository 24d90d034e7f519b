// Global average pooling (adaptive_avg_pool2d to 1×1) on the kernels against
// the reference: bit-equal forward and backward, with NaN and ±∞, on the
// shapes of ResNet's head and odd planes; other output sizes still answer
// (by the reference); the reference's messages.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Tensor, randn } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { loadKernelsSync } from "../../src/backend/load.js";
import { assertBitEqual } from "../support/assertions.js";
import { adaptiveAvgPool2dKernelOp } from "../../src/backend/kernels/avg_pool2d.js";
import { adaptiveAvgPool2dAttrs, adaptiveAvgPool2dOp } from "../../src/ops/avg_pool2d.js";

assert.ok(loadKernelsSync());

const message = (f: () => unknown): string => {
  try { f(); } catch (e) { return (e as Error).message; }
  return "no error";
};

test("adaptive_avg_pool2d to 1×1: bit-equal forward and backward ([1, 512, 7, 7], [2, 3, 5, 3], [3, 1, 9], NaN and ±∞), and a 2×3 output by the reference", () => {
  const cases: [number[], unknown][] = [[[1, 512, 7, 7], 1], [[2, 3, 5, 3], [1, 1]], [[3, 1, 9], [1, null]], [[2, 2, 1, 1], 1], [[2, 3, 6, 7], [2, 3]]];
  for (const [shape, output_size] of cases) {
    const rng = new Random(shape.reduce((p, s) => p * s, 1));
    const input = randn(shape, rng, { dtype: "float32", mean: 1, std: 3 });
    for (let i = 0; i < input.size; i += 11) input.data[i] = [NaN, Infinity, -Infinity][i % 3];
    const a = adaptiveAvgPool2dAttrs({ output_size });
    const k = adaptiveAvgPool2dKernelOp.forward({ input }, a), r = adaptiveAvgPool2dOp.forward({ input }, a);
    assertBitEqual(`output of ${JSON.stringify(shape)}`, k.outputs.output, r.outputs.output);
    const dy = randn(r.outputs.output.shape, rng, { dtype: "float32" });
    dy.data[0] = -0;
    assertBitEqual(`∂L/∂input of ${JSON.stringify(shape)}`, adaptiveAvgPool2dKernelOp.backward!({ output: dy }, k.cache, a).input, adaptiveAvgPool2dOp.backward!({ output: dy }, r.cache, a).input);
  }
});

test("adaptive_avg_pool2d on the kernels: the reference's messages (rank, upstream shape)", () => {
  const a = adaptiveAvgPool2dAttrs({ output_size: 1 });
  const flat = new Tensor(new Float32Array(4), [4]);
  const got = message(() => adaptiveAvgPool2dKernelOp.forward({ input: flat }, a));
  assert.match(got, /adaptive_avg_pool2d/);
  assert.is(got, message(() => adaptiveAvgPool2dOp.forward({ input: flat }, a)));
  const input = new Tensor(new Float32Array(12), [1, 3, 2, 2]);
  const dy = new Tensor(new Float32Array(3), [1, 3]);
  const up = message(() => adaptiveAvgPool2dKernelOp.backward!({ output: dy }, input, a));
  assert.match(up, /upstream/);
  assert.is(up, message(() => adaptiveAvgPool2dOp.backward!({ output: dy }, input, a)));
});

test.run();
