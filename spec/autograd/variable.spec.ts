import { test } from "uvu";
import * as assert from "uvu/assert";
import { tensor } from "../../src/tensor.js";
import { Variable } from "../../src/autograd/variable.js";
import { apply, noGrad } from "../../src/autograd/apply.js";

// σ(relu(x)) at x = [-1, 2]: d/dx = σ'(relu x)·1[x>0] = [0, σ(2)(1−σ(2))].
test("backward chains the ops' own backward rules", () => {
  const x = new Variable(tensor([-1, 2], "float64"), true);
  const y = apply("sigmoid", { input: apply("relu", { input: x }) });
  y.backward(tensor([1, 1], "float64"));
  const s2 = 1 / (1 + Math.exp(-2));
  assert.is(x.grad!.data[0], 0);
  assert.ok(Math.abs(x.grad!.data[1] - s2 * (1 - s2)) < 1e-15);
});

test("gradients accumulate across backward calls and where paths meet", () => {
  const x = new Variable(tensor([3], "float64"), true);
  const r = apply("relu", { input: x });
  r.backward(tensor([1], "float64"));
  r.backward(tensor([1], "float64"));
  assert.is(x.grad!.data[0], 2);
});

test("detach and noGrad cut the graph", () => {
  const x = new Variable(tensor([3], "float64"), true);
  const cut = apply("relu", { input: x.detach() });
  assert.is(cut.requiresGrad, false);
  const none = noGrad(() => apply("relu", { input: x }));
  assert.is(none.requiresGrad, false);
  assert.is(none.node, null);
  assert.throws(() => cut.backward(tensor([1], "float64")), /does not require a gradient/);
});

test("a deep chain does not overflow the stack (iterative topological sort)", () => {
  const x = new Variable(tensor([0.5], "float64"), true);
  let h: Variable = x;
  for (let i = 0; i < 20000; i++) h = apply("relu", { input: h });
  h.backward();
  assert.is(x.grad!.data[0], 1);
});

test.run();
