// add and mul on the kernels against the reference ops: bit-equal (−0, NaN,
// ±∞, lengths that leave a scalar tail), and the reference's messages.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { loadKernelsSync } from "../../src/backend/load.js";
import { addKernelOp, mulKernelOp } from "../../src/backend/kernels/arith.js";
import { addOp, mulOp } from "../../src/ops/arith.js";

assert.ok(loadKernelsSync());

const message = (f: () => unknown): string => {
  try { f(); } catch (e) { return (e as Error).message; }
  return "no error";
};

const special = [NaN, -0, 0, Infinity, -Infinity, 3e38, 1e-45];

for (const [name, kernel, reference] of [["add", addKernelOp, addOp], ["mul", mulKernelOp, mulOp]] as const) {
  test(`${name}: bit-equal to the reference forward and backward (lengths 1 … 1001, −0, NaN, ±∞, overflow, subnormals)`, () => {
    for (const n of [1, 3, 4, 5, 17, 1001]) {
      const rng = new Random(n);
      const draw = (): Float32Array => new Float32Array(n).map(() => (rng.int(5) === 0 ? special[rng.int(special.length)] : rng.uniformIn(-3, 3)));
      const a = new Tensor(draw(), [n]), b = new Tensor(draw(), [n]), dy = new Tensor(draw(), [n]);
      const k = kernel.forward({ a, b }, {}), r = reference.forward({ a, b }, {});
      const kg = kernel.backward!({ output: dy }, k.cache, {}), rg = reference.backward!({ output: dy }, r.cache, {});
      for (const [what, got, want] of [["output", k.outputs.output, r.outputs.output], ["∂L/∂a", kg.a, rg.a], ["∂L/∂b", kg.b, rg.b]] as const) {
        for (let i = 0; i < n; i++) {
          const g = got.data[i], w = want.data[i];
          assert.ok(Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w)), `${name} ${what}[${i}] = ${g}, reference ${w} (a ${a.data[i]}, b ${b.data[i]})`);
        }
      }
    }
  });

  test(`${name}: the reference's messages (shapes differ, dtypes differ, a wrong upstream)`, () => {
    const a = new Tensor(new Float32Array(6), [2, 3]);
    for (const b of [new Tensor(new Float32Array(6), [3, 2]), new Tensor(new Float64Array(6), [2, 3])]) {
      const got = message(() => kernel.forward({ a, b }, {}));
      assert.match(got, new RegExp(name));
      assert.is(got, message(() => reference.forward({ a, b }, {})));
    }
    const cache = kernel.forward({ a, b: a }, {}).cache;
    const dy = new Tensor(new Float32Array(5), [5]);
    const got = message(() => kernel.backward!({ output: dy }, cache, {}));
    assert.match(got, /upstream/);
    assert.is(got, message(() => reference.backward!({ output: dy }, reference.forward({ a, b: a }, {}).cache, {})));
  });
}

test.run();
