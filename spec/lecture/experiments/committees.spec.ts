// 001 committees and bagging: E_COM ≤ E_AV, ≈ E_AV/M for uncorrelated members, bagging gains less; the Ensemble's
// curve is the members' mean.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { committees } from "../../../src/lecture/experiments/committees.js";
import { runCommittees } from "../../../src/train/committee.js";
import { assertClaimsHold, row, runQuick } from "../../support/experiments.js";

test("committees (quick): the slide's E_COM = E_AV/M for nearly uncorrelated members; bagged members correlate and gain less", async () => {
  const result = await runQuick(committees);
  assertClaimsHold(result);
  assert.ok((row(result, "independent sets: E_COM / (E_AV / M)").nnref as number) < 1.5);
  assert.ok((row(result, "bagging: E_COM / (E_AV / M)").nnref as number) > 2);
  assert.equal(result.figures.map((f) => [f.file, f.kind]), [["committees.svg", "svg"]]);
  assert.is((result.figures[0].data as string).match(/<polyline /g)?.length, 2 * (10 + 2));
});

test("runCommittees: the Ensemble's prediction is the mean of the members' predictions", () => {
  const r = runCommittees({ M: 3, samples: 10, steps: 20, seed: 2 });
  const { members, committee } = r.curves.bagging;
  committee.forEach((v, i) => assert.ok(Math.abs(v - (members[0][i] + members[1][i] + members[2][i]) / 3) < 1e-12, `point ${i}`));
  assert.is(committee.length, 201);
});

test.run();
