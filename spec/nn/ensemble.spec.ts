/**
 * Ensemble (001 committees): the mean of the members' outputs, by hand; the
 * gradient reaches each member scaled by 1/M; parameters, modes, shapes and
 * the summary trace; errors naming the member.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fromArray } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { Variable } from "../../src/autograd/variable.js";
import * as F from "../../src/autograd/functional.js";
import { Dropout, Ensemble, Linear, Sequential } from "../../src/nn/index.js";
import { summarize } from "../../src/models/summary.js";

/** A Linear(2 → 1) with weight w and bias b, float64. */
function line(w: [number, number], b: number): Linear {
  const l = new Linear(2, 1, new Random(0), { dtype: "float64" });
  l.weight.value.data.set(w);
  l.bias!.value.data.set([b]);
  return l;
}

test("Ensemble: the mean of the members' outputs, and each member's gradient scaled by 1/M", () => {
  const a = line([1, 2], 0), b = line([0, -1], 3), c = line([4, 0], -3);
  const committee = new Ensemble(a, b, c);
  const x = new Variable(fromArray([1, 1, 2, -1], [2, 2], "float64"));
  const y = committee.forward(x);
  // rows: a → 3, 0; b → 2, 4; c → 1, 5; means 2, 3
  assert.equal(y.shape, [2, 1]);
  assert.equal(Array.from(y.value.data), [2, 3]);
  F.sum(y).backward();
  // d(mean)/dW_m = (1/3) Σ_rows x = (1/3)·[3, 0]; d/db_m = 2/3
  for (const m of [a, b, c]) {
    assert.equal(Array.from(m.weight.grad!.data), [1, 0]);
    assert.ok(Math.abs(m.bias!.grad!.data[0] - 2 / 3) < 1e-15);
  }
  assert.is(committee.parameters().length, 6);
  assert.equal([...committee.stateDict().keys()], ["0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias"]);
  assert.is(new Ensemble(a).forward(x).value.data[1], 0, "one member: its own output");
});

test("Ensemble: eval() reaches every member; summary traces the members and joins them; errors name the member", () => {
  const rng = new Random(1);
  const member = () => new Sequential(new Linear(4, 8, rng), new Dropout(0.5, rng), new Linear(8, 3, rng));
  const committee = new Ensemble(member(), member());
  committee.eval();
  assert.ok(committee.members.every((m) => !m.training && m.namedModules().every(([, sub]) => !sub.training)));
  const s = summarize(committee, [5, 4]);
  assert.equal(s.outputShape, [5, 3]);
  assert.is(s.totals.params, 2 * (4 * 8 + 8 + 8 * 3 + 3));
  assert.is(committee.macs([5, 4]), 2 * 5 * (4 * 8 + 8 * 3));
  assert.ok(s.layers.some((r) => r.layer === "add"));
  assert.throws(() => new Ensemble(), /Ensemble: expected at least one member/);
  const odd = new Ensemble(new Linear(4, 3, rng), new Linear(4, 2, rng));
  assert.throws(() => odd.outputShape([5, 4]), /Ensemble: member 1 gives \[5, 2\] but member 0 gives \[5, 3\]/);
});

test.run();
