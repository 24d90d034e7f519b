import { test } from "uvu";
import * as assert from "uvu/assert";
import "../../../src/index.js"; // the default backend: the wasm kernels, as `nnref lecture` runs
import { Random } from "../../../src/random.js";
import { deepNarrowNet, finalError, plainVsResidual, type DepthRun } from "../../../src/lecture/experiments/plain_vs_residual.js";
import { findExperiment } from "../../../src/lecture/experiments/index.js";
import { checkResult } from "../../support/experiment_result.js";

test("plain-vs-residual (quick): the deep plain net trains worse than the shallow one, and the residual net of the same depth trains better", async () => {
  assert.is(findExperiment("plain-vs-residual"), plainVsResidual);
  const result = await plainVsResidual.run({ quick: true, seed: 1 });
  // At this size (120 steps) the 18-layer residual net has not yet overtaken the 6-layer one: reported, not hidden.
  const series = checkResult(result, ["the deeper residual net"]);
  assert.equal(series["plain-vs-residual.svg"], ["plain, 6 layers", "residual, 6 layers", "plain, 18 layers", "residual, 18 layers"]);
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
});

test.run();
