import { test } from "uvu";
import * as assert from "uvu/assert";
import { tensor } from "../../src/tensor.js";
import { GraphFreedError, Variable } from "../../src/autograd/variable.js";
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

test("gradients accumulate across backward calls of a retained graph", () => {
  const x = new Variable(tensor([3], "float64"), true);
  const r = apply("relu", { input: x });
  r.backward(tensor([1], "float64"), { retainGraph: true });
  r.backward(tensor([1], "float64"));
  assert.is(x.grad!.data[0], 2);
});

test("a second backward through a freed graph throws GraphFreedError and leaves the gradients as they were", () => {
  const x = new Variable(tensor([3, -1], "float64"), true);
  const y = apply("sigmoid", { input: apply("relu", { input: x }) });
  const s = apply("sum", { input: y });
  s.backward();
  const first = [...x.grad!.data];
  assert.throws(() => s.backward(), (e: unknown) => e instanceof GraphFreedError && /second time.*op sum.*retainGraph: true/.test((e as Error).message));
  assert.equal([...x.grad!.data], first, "no gradient added by the refused call");
  // A branch of the same graph is refused too (its nodes were freed).
  assert.throws(() => y.backward(tensor([1, 1], "float64")), /second time: op sigmoid/);
  // The caches are gone (memory freed), not merely flagged.
  assert.is(y.node!.cache, undefined);
});

test("backward({ retainGraph: true }) keeps the caches; the last call may free them", () => {
  const x = new Variable(tensor([2], "float64"), true);
  const s = apply("sum", { input: apply("mul", { a: x, b: x }) });
  s.backward({ retainGraph: true });
  s.backward({ retainGraph: true });
  s.backward();
  assert.equal([...x.grad!.data], [12], "3 × 2x at x = 2");
  assert.throws(() => s.backward(), (e: unknown) => e instanceof GraphFreedError);
  assert.throws(() => s.backward({ retainGraph: "yes" as unknown as boolean }), /retainGraph: expected true or false/);
});

test("a fresh forward gives a fresh graph: the training-loop pattern is unaffected", () => {
  const x = new Variable(tensor([1, 2], "float64"), true);
  for (let step = 0; step < 3; step++) apply("sum", { input: apply("relu", { input: x }) }).backward();
  assert.equal([...x.grad!.data], [3, 3]);
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
