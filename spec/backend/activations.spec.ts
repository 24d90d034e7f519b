// relu on the kernels against the reference op, including the cases where
// float semantics bite (NaN, −0, ±∞), and the same errors.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { loadKernelsSync } from "../../src/backend/load.js";
import { reluKernelOp } from "../../src/backend/kernels/activations.js";
import { reluOp } from "../../src/ops/activations.js";

assert.ok(loadKernelsSync());


const message = (f: () => unknown): string => {
  try { f(); } catch (e) { return (e as Error).message; }
  return "no error";
};

test("relu: NaN propagates (PyTorch), −0 gives +0, ±∞, tails past a multiple of 4; float32 results bit-equal to the reference, forward and backward", () => {
  for (const n of [1, 3, 4, 5, 17, 1000]) {
    const rng = new Random(n);
    const x = new Float32Array(n).map(() => rng.uniformIn(-2, 2));
    x[0] = NaN;
    if (n > 1) x[1] = -0;
    if (n > 2) x[2] = Infinity;
    if (n > 3) x[3] = -Infinity;
    if (n > 4) x[n - 1] = NaN; // in the scalar tail
    for (let i = 5; i < n - 1; i += 7) x[i] = NaN; // in SIMD lanes
    const input = new Tensor(x, [n]);
    const k = reluKernelOp.forward({ input }, {}), r = reluOp.forward({ input }, {});
    const ko = k.outputs.output.data, ro = r.outputs.output.data;
    for (let i = 0; i < n; i++) assert.ok(Object.is(ko[i], ro[i]), `relu(${x[i]}) = ${ko[i]}, reference ${ro[i]}`); // tells −0 from +0, NaN from 0
    assert.ok(Number.isNaN(ko[0]) && Number.isNaN(ro[0]), "relu(NaN) = NaN on both");
    if (n > 1) assert.ok(Object.is(ko[1], 0), "relu(−0) = +0");
    if (n > 3) assert.equal([ko[2], ko[3]], [Infinity, 0], "relu(±∞)");
    const dy = new Tensor(new Float32Array(n).map(() => rng.uniformIn(-1, 1)), [n]);
    dy.data[n - 1] = NaN; // an upstream NaN where x ≤ 0 gives 0 (a select, not a product), as PyTorch's threshold_backward
    const kd = reluKernelOp.backward!({ output: dy }, k.cache, {}).input.data, rd = reluOp.backward!({ output: dy }, r.cache, {}).input.data;
    for (let i = 0; i < n; i++) assert.ok(Object.is(kd[i], rd[i]), `relu′ at ${x[i]}: ${kd[i]}, reference ${rd[i]}`);
    assert.ok(Object.is(rd[0], dy.data[0]), "at x = NaN the upstream passes through (PyTorch: NaN ≤ 0 is false)");
    if (n > 3) assert.equal([rd[2], rd[3]], [dy.data[2], 0], "relu′(+∞) = 1, relu′(−∞) = 0");
  }
});

test("relu: the same errors as the reference", () => {
  const x = new Tensor(new Float32Array(6), [2, 3]);
  const int = new Tensor(new Int32Array(2), [2]);
  assert.is(message(() => reluKernelOp.forward({ input: int }, {})), message(() => reluOp.forward({ input: int }, {})));
  const { cache } = reluKernelOp.forward({ input: x }, {});
  for (const bad of [new Tensor(new Float32Array(3), [3]), new Tensor(new Float64Array(6), [2, 3])]) {
    const ours = message(() => reluKernelOp.backward!({ output: bad }, cache, {}));
    assert.match(ours, /^relu: upstream: /);
    assert.is(ours, message(() => reluOp.backward!({ output: bad }, cache, {})));
  }
});

test.run();
