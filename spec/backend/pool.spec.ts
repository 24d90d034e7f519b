// max_pool2d on the kernels against the reference op, including the cases
// where float semantics bite (NaN, −0, ties), and the same errors.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { Tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { loadKernelsSync } from "../../src/backend/load.js";
import { maxPool2dKernelOp } from "../../src/backend/kernels/pool.js";
import { maxPool2dOp } from "../../src/ops/max_pool2d.js";
import type { OpDef, Tensors } from "../../src/ops/op.js";
import { fcParams } from "../support/properties.js";

assert.ok(loadKernelsSync());


const message = (f: () => unknown): string => {
  try { f(); } catch (e) { return (e as Error).message; }
  return "no error";
};


function sameOutputs(kernel: OpDef, reference: OpDef, inputs: Tensors, attrs: unknown, context: string): void {
  const a = reference.attrs(attrs as Record<string, unknown>);
  const k = kernel.forward(inputs, a), r = reference.forward(inputs, a);
  assert.equal(Object.keys(k.outputs).sort(), Object.keys(r.outputs).sort(), context);
  for (const name of Object.keys(r.outputs)) {
    assert.equal(k.outputs[name].shape, r.outputs[name].shape, `${name} shape; ${context}`);
    assert.equal([...k.outputs[name].data], [...r.outputs[name].data], `${name}; ${context}`);
  }
  const dy = new Tensor(new Float32Array(r.outputs.output.size).map((_, i) => Math.sin(i + 1)), r.outputs.output.shape);
  assert.equal([...kernel.backward!({ output: dy }, k.cache, a).input.data], [...reference.backward!({ output: dy }, r.cache, a).input.data], `∂L/∂input; ${context}`);
}

test("max_pool2d: equal to the reference on random attributes, with ties and NaN in the windows", () => {
  fc.assert(
    fc.property(
      fc.record({
        N: fc.integer({ min: 1, max: 2 }), C: fc.integer({ min: 1, max: 3 }), H: fc.integer({ min: 1, max: 11 }), W: fc.integer({ min: 1, max: 11 }),
        k: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })), s: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
        d: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })), ceil: fc.boolean(), indices: fc.boolean(),
        levels: fc.integer({ min: 2, max: 6 }), nan: fc.boolean(), rank3: fc.boolean(), seed: fc.integer({ min: 0, max: 1e6 }),
      }),
      (c) => {
        const rng = new Random(c.seed);
        const padding: [number, number] = [rng.int(Math.floor(c.k[0] / 2) + 1), rng.int(Math.floor(c.k[1] / 2) + 1)];
        const attrs = { kernel_size: c.k, stride: c.s, padding, dilation: c.d, ceil_mode: c.ceil, return_indices: c.indices };
        // Few distinct levels: many ties inside windows; sometimes NaNs.
        const x = new Float32Array(c.N * c.C * c.H * c.W).map(() => rng.int(c.levels) - 2);
        if (c.nan) for (let i = 0; i < x.length; i += 5) x[i] = NaN;
        const shape = c.rank3 ? [c.N * c.C, c.H, c.W] : [c.N, c.C, c.H, c.W];
        const input = new Tensor(x, shape);
        const context = `shape ${JSON.stringify(shape)} attrs ${JSON.stringify(attrs)}`;
        const refError = message(() => maxPool2dOp.forward({ input }, maxPool2dOp.attrs(attrs)));
        if (refError !== "no error") {
          assert.is(message(() => maxPool2dKernelOp.forward({ input }, maxPool2dOp.attrs(attrs))), refError, context);
          return;
        }
        sameOutputs(maxPool2dKernelOp, maxPool2dOp, { input }, attrs, context);
      },
    ),
    fcParams(150),
  );
});

test("max_pool2d: the 2×2 fast path (windows inside, no padding or dilation) with ties, −0/+0 and NaN", () => {
  const rng = new Random(3);
  for (const [H, W, stride] of [[8, 8, 2], [9, 7, 2], [12, 14, 2], [24, 25, 2], [6, 6, 1], [5, 8, 3]]) {
    const x = new Float32Array(2 * 3 * H * W).map(() => [0, -0, 1, 1, NaN, -1][rng.int(6)]);
    const input = new Tensor(x, [2, 3, H, W]);
    sameOutputs(maxPool2dKernelOp, maxPool2dOp, { input }, { kernel_size: 2, stride, return_indices: true }, `H×W ${H}×${W} stride ${stride}`);
  }
});

test("max_pool2d: the same errors as the reference (rank, empty output)", () => {
  const a = maxPool2dOp.attrs({ kernel_size: 3 });
  for (const input of [new Tensor(new Float32Array(4), [2, 2]), new Tensor(new Float32Array(4), [1, 1, 2, 2])]) {
    const ours = message(() => maxPool2dKernelOp.forward({ input }, a));
    assert.match(ours, /^max_pool2d: input: /);
    assert.is(ours, message(() => maxPool2dOp.forward({ input }, a)));
  }
});

test("max_pool2d backward: overlapping windows add up at a shared maximum (by hand), float32 bit-equal to the reference", () => {
  // One 1×3 plane [1, 5, 2], windows of 1×2 with stride 1: both windows pick the 5.
  const input = new Tensor(new Float32Array([1, 5, 2]), [1, 1, 1, 3]);
  const a = maxPool2dOp.attrs({ kernel_size: [1, 2], stride: 1 });
  const { cache } = maxPool2dKernelOp.forward({ input }, a);
  const dy = new Tensor(new Float32Array([0.25, 0.5]), [1, 1, 1, 2]);
  assert.equal([...maxPool2dKernelOp.backward!({ output: dy }, cache, a).input.data], [0, 0.75, 0]);
  // LeNet's shape: 64×6 planes of 24×24, 2×2 stride 2.
  const rng = new Random(11);
  const big = new Tensor(new Float32Array(64 * 6 * 24 * 24).map(() => rng.uniformIn(-1, 1)), [64, 6, 24, 24]);
  const b = maxPool2dOp.attrs({ kernel_size: 2, stride: 2 });
  const k = maxPool2dKernelOp.forward({ input: big }, b), r = maxPool2dOp.forward({ input: big }, b);
  const g = new Tensor(new Float32Array(64 * 6 * 12 * 12).map(() => rng.uniformIn(-1, 1)), [64, 6, 12, 12]);
  const kd = maxPool2dKernelOp.backward!({ output: g }, k.cache, b).input.data, rd = maxPool2dOp.backward!({ output: g }, r.cache, b).input.data;
  assert.is(kd.length, rd.length);
  let differ = 0;
  for (let i = 0; i < kd.length; i++) if (!Object.is(kd[i], rd[i])) differ++;
  assert.is(differ, 0, "elements that differ from the reference");
});

test("max_pool2d backward: the same upstream errors as the reference", () => {
  const input = new Tensor(new Float32Array(16).map((_, i) => i), [1, 1, 4, 4]);
  const a = maxPool2dOp.attrs({ kernel_size: 2 });
  const k = maxPool2dKernelOp.forward({ input }, a), r = maxPool2dOp.forward({ input }, a);
  const bad = [
    new Tensor(new Float32Array(3), [1, 1, 3]),
    new Tensor(new Float64Array(4), [1, 1, 2, 2]),
    new Tensor(new Int32Array(4), [1, 1, 2, 2]),
  ];
  for (const dy of bad) {
    const ours = message(() => maxPool2dKernelOp.backward!({ output: dy }, k.cache, a));
    assert.match(ours, /^max_pool2d: upstream: /);
    assert.is(ours, message(() => maxPool2dOp.backward!({ output: dy }, r.cache, a)));
  }
});

test.run();
