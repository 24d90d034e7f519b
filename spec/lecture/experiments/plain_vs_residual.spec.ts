import { test } from "uvu";
import * as assert from "uvu/assert";
import "../../../src/index.js"; // the default backend: the wasm kernels, as `nnref lecture` runs
import { Random } from "../../../src/random.js";
import { deepNarrowNet, finalError, plainVsResidual, stepDecayLr, type DepthRun } from "../../../src/lecture/experiments/plain_vs_residual.js";
import { findExperiment } from "../../../src/lecture/experiments/index.js";
import { checkResult } from "../../support/experiment_result.js";

test("plain-vs-residual (quick): the deep plain net trains worse than the shallow one, and the residual net of the same depth trains better", async () => {
  assert.is(findExperiment("plain-vs-residual"), plainVsResidual);
  const result = await plainVsResidual.run({ quick: true, seed: 1 });
  // Every claim holds, the deeper residual net's too: with He init, zero-γ block ends and the step schedule
  // (see the module's doc) the 18-layer residual net ends below the 4-layer one for seeds 1–5, and for 8 of seeds 1–10.
  const series = checkResult(result);
  assert.equal(series["plain-vs-residual.svg"], ["plain, 4 layers", "residual, 4 layers", "plain, 18 layers", "residual, 18 layers"]);
  const [plainShallow, , plainDeep, resDeep] = (result.data as { runs: DepthRun[] }).runs;
  assert.ok(finalError(plainDeep) > finalError(plainShallow) + 0.2, `plain: 18 layers ${finalError(plainDeep)} vs 6 layers ${finalError(plainShallow)}`);
  assert.ok(finalError(resDeep) < finalError(plainDeep) - 0.2, `18 layers: residual ${finalError(resDeep)} vs plain ${finalError(plainDeep)}`);
});

test("deepNarrowNet: 2n + 2 weight layers, and plain and residual nets drawn from one seed share their weights", () => {
  const plain = deepNarrowNet(3, 8, false, new Random(4));
  const residual = deepNarrowNet(3, 8, true, new Random(4));
  const weights = (m: typeof plain) => m.parameters().filter((p) => p.value.rank === 2);
  assert.is(weights(plain).length, 8);
  weights(plain).forEach((w, i) => assert.equal(Array.from(w.value.data), Array.from(weights(residual)[i].value.data)));
  assert.throws(() => deepNarrowNet(0, 8, true, new Random(1)), /deepNarrowNet: blocks: expected an integer ≥ 1, got 0/);
  // Each residual block starts as the identity (its last batch norm's γ = 0); the plain net's γ stay 1.
  const gammas = (m: typeof plain) => m.namedParameters().filter(([name]) => /^\d+\.(body\.)?[14]\.weight$/.test(name)).map(([name, p]) => `${name.replace(/^\d+\.(body\.)?/, "")} ${Array.from(p.value.data).join(",")}`);
  assert.equal(gammas(residual), Array.from({ length: 3 }, () => ["1.weight 1,1,1,1,1,1,1,1", "4.weight 0,0,0,0,0,0,0,0"]).flat());
  assert.equal(gammas(plain), Array.from({ length: 3 }, () => ["1.weight 1,1,1,1,1,1,1,1", "4.weight 1,1,1,1,1,1,1,1"]).flat());
});

test("stepDecayLr: the step size, divided by 10 at half and at three quarters of the steps", () => {
  assert.equal([0, 49, 50, 74, 75, 99].map((s) => stepDecayLr(0.1, s, 100)), [0.1, 0.1, 0.01, 0.01, 0.001, 0.001]);
});

test.run();
