import { test } from "uvu";
import * as assert from "uvu/assert";
import "../../../src/index.js"; // the default backend: the wasm kernels, as `nnref lecture` runs
import { batchNorm, type BatchNormRun } from "../../../src/lecture/experiments/batch_norm.js";
import { findExperiment } from "../../../src/lecture/experiments/index.js";
import { checkResult } from "../../support/experiment_result.js";

test("batch-norm (quick): the batch-normalized net reaches 60% test accuracy in fewer steps and ends higher", async () => {
  assert.is(findExperiment("batch-norm"), batchNorm);
  const result = await batchNorm.run({ quick: true, seed: 1 });
  const series = checkResult(result);
  assert.equal(series["batch-norm-accuracy.svg"], ["without batch norm", "with batch norm"]);
  assert.is(series["batch-norm-histograms.svg"].length, 6, "three steps × with and without");
  type Run = Omit<BatchNormRun, "snapshots"> & { snapshotCounts: number[][] };
  const { withBatchNorm: bn, withoutBatchNorm: plain } = result.data as { withBatchNorm: Run; withoutBatchNorm: Run };
  assert.equal(bn.steps, plain.steps);
  assert.ok(bn.stepsToTarget !== null, "the BN net reaches the target");
  assert.ok(plain.stepsToTarget === null || bn.stepsToTarget < plain.stepsToTarget, `steps: BN ${bn.stepsToTarget}, plain ${plain.stepsToTarget}`);
  assert.ok(bn.testAccuracy[bn.testAccuracy.length - 1] > plain.testAccuracy[plain.testAccuracy.length - 1]);
  assert.is(bn.snapshotCounts.length, 3);
  const total = (counts: number[]) => counts.reduce((a, b) => a + b, 0);
  assert.ok(total(bn.snapshotCounts[2]) > 0.95 * 300 * 100, "nearly every (test image, unit) input of the last hidden layer lies in the drawn range");
  assert.ok(bn.testAccuracy[0] < 0.2 && plain.testAccuracy[0] < 0.2, "untrained nets are near chance");
});

test.run();
