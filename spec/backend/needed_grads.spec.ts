// Backward's `needed` argument: the kernels leave out the input gradient when
// the caller says it will not read it, give the reference's values for what
// they do return, and the autograd graph asks only for what requires a
// gradient (a network's first layer: weight and bias, not its input).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { loadKernelsSync } from "../../src/backend/load.js";
import { getBackend, setBackend } from "../../src/backend/dispatch.js";
import { conv2dKernelOp } from "../../src/backend/kernels/conv2d.js";
import { linearKernelOp } from "../../src/backend/kernels/linear.js";
import { conv2dOp } from "../../src/ops/conv2d.js";
import { linearOp } from "../../src/ops/linear.js";
import type { OpDef } from "../../src/ops/op.js";
import { Variable } from "../../src/autograd/variable.js";
import { apply } from "../../src/autograd/apply.js";

assert.ok(loadKernelsSync());

const rng = new Random(21);
const randomF32 = (shape: readonly number[]) => new Tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)).map(() => rng.uniformIn(-1, 1)), shape);

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

function checkNeeded(kernel: OpDef, reference: OpDef, inputs: Record<string, Tensor>, attrsRaw: Record<string, unknown>): void {
  const attrs = reference.attrs(attrsRaw);
  const r = reference.forward(inputs, attrs);
  const dy = randomF32(r.outputs.output.shape);
  const expected = reference.backward!({ output: dy }, r.cache, attrs);
  const k = kernel.forward(inputs, attrs);
  const all = kernel.backward!({ output: dy }, k.cache, attrs);
  const some = kernel.backward!({ output: dy }, k.cache, attrs, new Set(["weight", "bias"]));
  assert.equal(Object.keys(all).sort(), Object.keys(expected).sort(), `${kernel.name}: no 'needed' gives every gradient`);
  assert.equal(Object.keys(some).sort(), ["bias", "weight"], `${kernel.name}: the input gradient is left out when not needed`);
  for (const name of Object.keys(expected)) assert.ok(maxDiff(all[name].data, expected[name].data) < 1e-5, `${kernel.name}: ${name}`);
  for (const name of ["weight", "bias"]) assert.ok(maxDiff(some[name].data, expected[name].data) < 1e-5, `${kernel.name}: ${name} with needed`);
}

test("conv2d kernel: backward computes the input gradient only when needed", () => {
  checkNeeded(conv2dKernelOp, conv2dOp, { input: randomF32([2, 3, 9, 8]), weight: randomF32([4, 3, 3, 3]), bias: randomF32([4]) }, { padding: 1 });
});

test("linear kernel: backward computes the input gradient only when needed", () => {
  checkNeeded(linearKernelOp, linearOp, { input: randomF32([5, 7]), weight: randomF32([3, 7]), bias: randomF32([3]) }, {});
});

test("through the graph (which passes needed), weight and bias get gradients and the input gets one only when it requires it", () => {
  const before = getBackend();
  setBackend("wasm");
  try {
    const x = new Variable(randomF32([4, 6]));            // a network's input: no gradient
    const w = new Variable(randomF32([3, 6]), true);
    const b = new Variable(randomF32([3]), true);
    apply("linear", { input: x, weight: w, bias: b }).backward(randomF32([4, 3]));
    assert.ok(w.grad && b.grad && x.grad === null);
    const x2 = new Variable(x.value, true);              // now the input requires one too
    apply("linear", { input: x2, weight: w, bias: b }).backward(randomF32([4, 3]));
    assert.ok(x2.grad !== null && x2.grad.size === 24);
  } finally {
    setBackend(before);
  }
});

test.run();
