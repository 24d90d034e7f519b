import { test } from "uvu";
import * as assert from "uvu/assert";
import { allocate, randu, tensor, Tensor, type FloatDType } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { formatGradcheck, gradcheck, gradcheckSample, GRADCHECK_TOLERANCE } from "../../src/check/gradcheck.js";
import type { OpDef, Tensors } from "../../src/ops/op.js";
import { tanhOp } from "../../src/ops/activations.js";
import { linearBackward, linearOp } from "../../src/ops/linear.js";
import { crossEntropyOp } from "../../src/ops/class_losses.js";
import { checkGradientsProperty } from "../support/properties.js";

/** fast-check reports the failing assertion as the cause of its own "Property failed" error. */
function failsWith(pattern: RegExp): (error: Error) => boolean {
  return (error) => /Property failed/.test(error.message) && pattern.test(String((error.cause as Error | undefined)?.message));
}

/** An elementwise test op y = f(x) with the given derivative. */
function elementwise(name: string, f: (x: number) => number, df: (x: number) => number): OpDef<Record<string, never>, Tensor> {
  const map = (t: Tensor, fn: (v: number, i: number) => number): Tensor => {
    const out = allocate(t.dtype as FloatDType, t.size);
    for (let i = 0; i < t.size; i++) out[i] = fn(t.data[i], i);
    return new Tensor(out, t.shape);
  };
  return {
    name, inputs: ["input"], optional: [], outputs: ["output"], differentiableOutputs: ["output"], grads: ["input"],
    attrs: () => ({}),
    forward: ({ input }) => ({ outputs: { output: map(input, f) }, cache: input }),
    backward: ({ output }, x) => ({ input: map(x, (v, i) => output.data[i] * df(v)) }),
    sample: (rng, dtype) => ({ inputs: { input: randu([4], rng, { low: -1, high: 1, dtype }) }, attrs: {} }),
  };
}

test("a correct backward passes far below the tolerance (x³: the five-point stencil is exact for quartics)", () => {
  const cube = elementwise("cube", (x) => x ** 3, (x) => 3 * x * x);
  const r = gradcheck(cube, { input: tensor([-1.5, -0.3, 0.2, 2], "float64") });
  assert.ok(r.maxError < 1e-9, formatGradcheck(r));
  assert.is(r.checked, 4);
  assert.equal(Object.keys(r.perInput), ["input"]);
});

test("an op whose output is a view of its input (identity sharing the data) is checked correctly", () => {
  const identityView: OpDef<Record<string, never>, Tensor> = {
    ...elementwise("identity_view", (x) => x, () => 1),
    forward: ({ input }) => ({ outputs: { output: new Tensor(input.data, input.shape) }, cache: input }),
  };
  const r = gradcheck(identityView, { input: tensor([-1.5, -0.3, 0.2, 2], "float64") });
  // dy/dx = 1 exactly; were the outputs read after the input is restored, the differences would be 0.
  assert.ok(r.maxError < 1e-9, formatGradcheck(r));
  assert.is(r.checked, 4);
});

test("the stencil is the five-point one: for eˣ at h = 0.1 the error is h⁴/30, not the two-point h²/6", () => {
  const exp = elementwise("exp", Math.exp, Math.exp);
  const r = gradcheck(exp, { input: tensor([0], "float64") }, {}, { step: 0.1 });
  // five-point truncation error: −h⁴ f⁽⁵⁾(ξ)/30 ≈ 1e-4/30 = 3.3e-6 relative to f′(0) = 1
  assert.ok(r.maxError > 2.5e-6 && r.maxError < 4.5e-6, `error ${r.maxError}`);
});

test("a deliberately wrong backward FAILS the property: tanh′ written as 1 − tanh instead of 1 − tanh²", () => {
  const wrongTanh: OpDef = {
    ...tanhOp,
    backward: ({ output }, y: Tensor) => {
      const dz = allocate(y.dtype as FloatDType, y.size);
      for (let i = 0; i < y.size; i++) dz[i] = output.data[i] * (1 - y.data[i]);
      return { input: new Tensor(dz, y.shape) };
    },
  };
  assert.throws(() => checkGradientsProperty(wrongTanh, 10), failsWith(/^tanh: worst relative error/));
  // the right one passes the same property
  assert.ok(checkGradientsProperty(tanhOp, 10) < GRADCHECK_TOLERANCE);
});

test("a subtle bug is caught too: linear's bias gradient averaged over rows instead of summed", () => {
  const wrongLinear: OpDef = {
    ...linearOp,
    backward: ({ output }, c: { input: Tensor; weight: Tensor; hasBias: boolean }) => {
      const g = linearBackward(output, c.input, c.weight, c.hasBias);
      const grads: Tensors = { input: g.input, weight: g.weight };
      if (g.bias) {
        const rows = c.input.size / c.input.shape[c.input.rank - 1];
        grads.bias = new Tensor(g.bias.data.map((v) => v / rows), g.bias.shape);
      }
      return grads;
    },
  };
  assert.throws(() => checkGradientsProperty(wrongLinear, 30), failsWith(/^linear: worst relative error .* at bias\[/));
});

test("the report names the worst input and element", () => {
  // correct except at element 2, where the derivative is off by 1%
  const op: OpDef = {
    ...elementwise("square", (x) => x * x, (x) => 2 * x),
    backward: ({ output }, x: Tensor) => {
      const d = allocate("float64", x.size);
      for (let i = 0; i < x.size; i++) d[i] = output.data[i] * 2 * x.data[i] * (i === 2 ? 1.01 : 1);
      return { input: new Tensor(d, x.shape) };
    },
  };
  const r = gradcheck(op, { input: tensor([0.5, -1, 1.5, 2], "float64") });
  assert.is(r.worst!.input, "input");
  assert.is(r.worst!.index, 2);
  // |1.01a − a| / (1.01|a|) = 0.01/1.01
  assert.ok(Math.abs(r.worst!.error - 0.01 / 1.01) < 1e-8, `${r.worst!.error}`);
  assert.match(formatGradcheck(r), /^square: worst relative error 9\.90e-3 at input\[2\] \(analytic .*, numeric .*\) over 4 elements$/);
});

test("only differentiable outputs are weighted; non-differentiable ones are ignored", () => {
  // outputs y = 2x (differentiable) and s = x² (like batch_norm's running stats: no upstream)
  const op: OpDef<Record<string, never>, Tensor> = {
    name: "two", inputs: ["input"], optional: [], outputs: ["output", "stat"], differentiableOutputs: ["output"], grads: ["input"],
    attrs: () => ({}),
    forward: ({ input }) => ({
      outputs: {
        output: new Tensor(input.data.map((v) => 2 * v), input.shape),
        stat: new Tensor(input.data.map((v) => v * v), input.shape),
      },
      cache: input,
    }),
    backward: ({ output }) => ({ input: new Tensor(output.data.map((g) => 2 * g), output.shape) }),
    sample: () => { throw new Error("unused"); },
  };
  const r = gradcheck(op, { input: tensor([1, -2, 3], "float64") });
  assert.ok(r.maxError < 1e-10, formatGradcheck(r));
});

test("an absent optional input is skipped; integer inputs are not perturbed", () => {
  const x = tensor([[1, 2]], "float64"), W = tensor([[0.5, -1], [2, 1]], "float64");
  const r = gradcheck(linearOp, { input: x, weight: W });
  assert.equal(Object.keys(r.perInput).sort(), ["input", "weight"]);
  assert.is(r.checked, 2 + 4);
  const ce = gradcheck(crossEntropyOp, { input: tensor([[0.3, -1, 2]], "float64"), target: tensor([2], "int32") }, {});
  assert.equal(Object.keys(ce.perInput), ["input"]);
  assert.ok(ce.maxError < GRADCHECK_TOLERANCE);
});

test("float32 inputs are checked in float64 (and left untouched)", () => {
  const x = tensor([0.25, -0.75, 1.5], "float32");
  const r = gradcheck(tanhOp, { input: x });
  assert.ok(r.maxError < 1e-9, formatGradcheck(r));
  assert.is(x.dtype, "float32");
  assert.equal([...x.data], [0.25, -0.75, 1.5]);
});

test("a broken op contract is an error, not a pass", () => {
  const base = elementwise("id", (x) => x, () => 1);
  assert.throws(() => gradcheck({ ...base, backward: undefined }, { input: tensor([1], "float64") }), /gradcheck: id has no backward/);
  assert.throws(() => gradcheck({ ...base, backward: () => ({}) }, { input: tensor([1], "float64") }), /gradcheck: id backward returned no gradient for input/);
  assert.throws(() => gradcheck({ ...base, backward: () => ({ input: tensor([1, 2], "float64") }) }, { input: tensor([1], "float64") }), /gradcheck: id gradient for input has 2 elements, input has 1/);
  // NaN gradients count as an infinite error
  const r = gradcheck({ ...base, backward: ({ output }) => ({ input: new Tensor(output.data.map(() => NaN), output.shape) }) }, { input: tensor([1], "float64") });
  assert.is(r.maxError, Infinity);
});

test("gradcheckSample draws a case in float64 and reports its attrs and shapes", () => {
  const r = gradcheckSample(linearOp, new Random(3));
  assert.ok(r.maxError < GRADCHECK_TOLERANCE);
  assert.equal(r.attrs, {});
  assert.ok(Array.isArray(r.shapes.input) && Array.isArray(r.shapes.weight));
});

test.run();
