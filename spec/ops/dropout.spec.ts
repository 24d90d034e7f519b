import { test } from "uvu";
import * as assert from "uvu/assert";
import { full, randn, tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { dropout, dropoutBackward, dropoutEval, dropoutEvalBackward, dropoutMask, dropoutOp } from "../../src/ops/dropout.js";
import { findOp } from "../../src/ops/registry.js";
import { checkGradientsProperty } from "../support/properties.js";
import { checkFloat32Agreement } from "../support/agreement.js";

const f64 = (v: number[]) => tensor(v, "float64");

test("dropoutMask: 0/1 values, keep fraction 1 − p within 5σ, seeded", () => {
  const n = 20000;
  for (const p of [0.1, 0.5, 0.9]) {
    const m = dropoutMask([100, 200], p, new Random(42), "float64");
    assert.equal([...m.shape], [100, 200]);
    let kept = 0;
    for (const v of m.data) {
      assert.ok(v === 0 || v === 1);
      kept += v;
    }
    const sigma = Math.sqrt(n * p * (1 - p));
    assert.ok(Math.abs(kept - n * (1 - p)) < 5 * sigma, `p = ${p}: kept ${kept} of ${n}`);
  }
  assert.ok(dropoutMask([50], 0, new Random(1)).data.every((v) => v === 1));
  assert.ok(dropoutMask([50], 1, new Random(1)).data.every((v) => v === 0));
  assert.equal([...dropoutMask([64], 0.5, new Random(7)).data], [...dropoutMask([64], 0.5, new Random(7)).data]);
  assert.not.equal([...dropoutMask([64], 0.5, new Random(7)).data], [...dropoutMask([64], 0.5, new Random(8)).data]);
  assert.is(dropoutMask([2], 0.5, new Random(1)).dtype, "float32");
});

test("training and test by hand, both conventions (p = 0.5 drops; the lecture's p keeps)", () => {
  const x = f64([1, 2, 3, 4]), r = f64([1, 0, 1, 0]);
  assert.equal([...dropout(x, r, 0.5).data], [2, 0, 6, 0]); // inverted: ×1/(1 − p)
  assert.equal([...dropout(x, r, 0.5, "lecture").data], [1, 0, 3, 0]); // 001: ỹ = r ∗ y
  assert.equal([...dropoutEval(x, 0.5).data], [1, 2, 3, 4]);
  assert.equal([...dropoutEval(x, 0.75, "lecture").data], [0.25, 0.5, 0.75, 1]); // 001: test-time × keep probability
  assert.equal([...dropoutBackward(f64([1, 1, 1, 1]), r, 0.75).data], [4, 0, 4, 0]);
  assert.equal([...dropoutBackward(f64([1, 1, 1, 1]), r, 0.75, "lecture").data], [1, 0, 1, 0]);
  assert.equal([...dropoutEvalBackward(f64([1, 2]), 0.75, "lecture").data], [0.25, 0.5]);
  assert.equal([...dropoutEvalBackward(f64([1, 2]), 0.75).data], [1, 2]);
});

test("p = 1 drops everything: zeros, never NaN or ∞ (PyTorch)", () => {
  const y = dropout(f64([1, -2]), f64([0, 0]), 1);
  assert.equal([...y.data], [0, 0]);
  assert.equal([...dropoutBackward(f64([1, 1]), f64([0, 0]), 1).data], [0, 0]);
});

test("both conventions keep the expected output: mean over masks of training ≈ test output", () => {
  const rng = new Random(9);
  const x = randn([8], rng, { dtype: "float64" });
  const trials = 4000;
  for (const convention of ["inverted", "lecture"] as const) {
    for (const p of [0.2, 0.5, 0.8]) {
      const mean = new Float64Array(8);
      for (let k = 0; k < trials; k++) {
        const y = dropout(x, dropoutMask([8], p, rng, "float64"), p, convention);
        for (let i = 0; i < 8; i++) mean[i] += y.data[i] / trials;
      }
      const test = dropoutEval(x, p, convention);
      for (let i = 0; i < 8; i++) {
        // std of one training output is |x|·scale·√(q(1 − q)); 6σ of the mean over the trials
        const q = 1 - p, scale = convention === "inverted" ? 1 / q : 1;
        const bound = 6 * Math.abs(x.data[i]) * scale * Math.sqrt(q * (1 - q) / trials);
        assert.ok(Math.abs(mean[i] - test.data[i]) < bound, `${convention} p=${p} [${i}]: mean ${mean[i]} vs test ${test.data[i]}`);
      }
    }
  }
});

test("gradcheck: dropout in training and test mode (float64, rel. error < 1e-6)", () => {
  const worst = checkGradientsProperty(dropoutOp, 100);
  console.log(`  gradcheck dropout: worst relative error ${worst.toExponential(2)}`);
});

test("float32 and float64 agree", () => {
  checkFloat32Agreement(dropoutOp, 15);
});

test("the OpDef: defaults, training and test, registered (the vectors checker refuses it by name)", () => {
  assert.is(findOp("dropout"), dropoutOp);
  assert.equal(dropoutOp.attrs({}), { p: 0.5, convention: "inverted", training: true });
  const x = f64([1, 2]);
  assert.equal([...dropoutOp.forward({ input: x, mask: f64([0, 1]) }, dropoutOp.attrs({})).outputs.output.data], [0, 4]);
  const test = dropoutOp.forward({ input: x }, dropoutOp.attrs({ training: false, convention: "lecture", p: 0.5 }));
  assert.equal([...test.outputs.output.data], [0.5, 1]);
  assert.equal([...dropoutOp.backward!({ output: f64([2, 2]) }, test.cache, dropoutOp.attrs({ training: false, convention: "lecture", p: 0.5 })).input.data], [1, 1]);
});

test("every OpError path", () => {
  const x = f64([1, 2]);
  assert.throws(() => dropoutOp.forward({ input: x }, dropoutOp.attrs({})), /dropout: mask: expected a 0\/1 mask tensor when training \(see dropoutMask\), got nothing/);
  assert.throws(() => dropout(x, f64([1, 0.5]), 0.5), /dropout: mask: expected only 0 \(dropped\) and 1 \(kept\), got 0.5 at flat index 1/);
  assert.throws(() => dropout(x, f64([1]), 0.5), /dropout: mask: expected shape \[2\] \(the shape of the input\), got shape \[1\]/);
  assert.throws(() => dropout(x, full([2], 1, "float32"), 0.5), /dropout: mask: expected dtype float64 \(the dtype of the first input\), got float32/);
  assert.throws(() => dropoutOp.attrs({ p: 1.5 }), /dropout: p: expected a number in \[0, 1\], got 1.5/);
  assert.throws(() => dropoutOp.attrs({ convention: "scaled" }), /dropout: convention: expected one of "inverted", "lecture", got "scaled"/);
  assert.throws(() => dropoutOp.attrs({ training: "yes" }), /dropout: training: expected true or false, got "yes"/);
  assert.throws(() => dropoutMask([2], -0.1, new Random(1)), /dropout: p: expected a number in \[0, 1\], got -0.1/);
  assert.throws(() => dropout(tensor([1], "int32"), f64([1]), 0.5), /dropout: input: expected a float32 or float64 tensor, got int32 tensor of shape \[1\]/);
});

test.run();
