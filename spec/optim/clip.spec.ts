import { test } from "uvu";
import * as assert from "uvu/assert";
import { tensor } from "../../src/tensor.js";
import { Variable } from "../../src/autograd/variable.js";
import { clipGradNorm } from "../../src/optim/clip.js";

function withGrads(...grads: number[][]): Variable[] {
  return grads.map((g) => {
    const v = new Variable(tensor(g.map(() => 0), "float64"), true);
    v.grad = tensor(g, "float64");
    return v;
  });
}

// ‖(3, 4, 12)‖ = 13.
test("clipGradNorm scales every gradient by maxNorm/(total + 1e-6) and returns the total", () => {
  const params = withGrads([3, 4], [12]);
  const before = params[0].grad!;
  const total = clipGradNorm(params, 6.5);
  assert.is(total, 13);
  const c = 6.5 / (13 + 1e-6);
  assert.equal([...params[0].grad!.data], [3 * c, 4 * c]);
  assert.equal([...params[1].grad!.data], [12 * c]);
  assert.equal([...before.data], [3, 4], "the old gradient tensor is not changed in place");
  const after = Math.hypot(...params.flatMap((p) => [...p.grad!.data]));
  assert.ok(after <= 6.5 && after > 6.5 - 1e-5);
});

test("below the limit nothing changes; parameters without a gradient are ignored", () => {
  const params = withGrads([3, 4]);
  params.push(new Variable(tensor([1], "float64"), true));
  const g = params[0].grad;
  assert.is(clipGradNorm(params, 5.1), 5);
  assert.is(params[0].grad, g);
  assert.is(params[1].grad, null);
});

test("max-norm (normType Infinity) and 1-norm", () => {
  const a = withGrads([3, -4], [1]);
  assert.is(clipGradNorm(a, 2, { normType: Infinity }), 4);
  assert.ok(Math.abs(a[0].grad!.data[1] + 2) < 1e-6);
  const b = withGrads([3, -4], [1]);
  assert.is(clipGradNorm(b, 100, { normType: 1 }), 8);
});

test("a NaN or infinite gradient is an error by default", () => {
  assert.throws(() => clipGradNorm(withGrads([1, NaN]), 1), /total gradient norm is NaN/);
  assert.throws(() => clipGradNorm(withGrads([Infinity]), 1), /total gradient norm is Infinity/);
  assert.throws(() => clipGradNorm(withGrads([1]), -1), /maxNorm: expected a finite number ≥ 0/);
});

test.run();
