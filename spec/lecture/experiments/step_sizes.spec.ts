import { test } from "uvu";
import * as assert from "uvu/assert";
import { momentumCurve, scheduleCurve, stepSizes } from "../../../src/lecture/experiments/step_sizes.js";
import { makeProblem } from "../../../src/lecture/experiments/least_squares.js";
import { findExperiment } from "../../../src/lecture/experiments/index.js";
import { checkResult } from "../../support/experiment_result.js";

test("step-sizes (quick): every decaying schedule gets below constant ε's noise floor; the two momentum forms agree at ε′ = (1 − μ)ε and PyTorch's diverges at ε", async () => {
  assert.is(findExperiment("step-sizes"), stepSizes);
  const result = await stepSizes.run({ quick: true, seed: 1 });
  const series = checkResult(result);
  assert.is(series["step-size-schedules.svg"].length, 4);
  assert.is(series["momentum-forms.svg"].length, 4);
  const data = result.data as { schedules: Record<string, number[]>; momentum: Record<string, Array<number | null>> };
  const last = (c: Array<number | null>) => c[c.length - 1];
  const floor = last(data.schedules.constant)!;
  for (const name of ["inverse-time", "step", "plateau"]) assert.ok(last(data.schedules[name])! < floor / 2, `${name}: ${last(data.schedules[name])} vs constant ${floor}`);
  const { lecture, "pytorch-equal": equal, "pytorch-same-lr": same, plain } = data.momentum;
  assert.is(lecture.length, equal.length);
  lecture.forEach((v, i) => assert.ok(Math.abs(v! - equal[i]!) <= 1e-9 * v! + 1e-14 * lecture[0]!, `iteration ${i}: ${v} vs ${equal[i]}`));
  assert.is(last(same), null, "diverged (stored as null)");
  assert.ok(last(lecture)! < last(plain)! / 10);
});

test("the schedules start from the same ε and batch order: after one epoch (before any decay) they agree", () => {
  const p = makeProblem(200, 4, 3);
  const settings = { lr: 0.005, epochs: 1, batch: 10, seed: 2 };
  const first = scheduleCurve(p, "constant", settings);
  for (const name of ["inverse-time", "step", "plateau"] as const) assert.equal(scheduleCurve(p, name, settings), first);
  assert.ok(first[1] < first[0], "one epoch lowers the loss");
  assert.equal(momentumCurve(p, "plain", { lr: 0.01, mu: 0.9, iterations: 3, seed: 1 }).length, 4);
});

test.run();
