import { test } from "uvu";
import * as assert from "uvu/assert";
import "../../../src/index.js"; // the default backend: the wasm kernels, as `nnref lecture` runs
import { hiddenSizeSweep, mlpParameters } from "../../../src/lecture/experiments/hidden_size_sweep.js";
import { findExperiment } from "../../../src/lecture/experiments/index.js";
import { checkResult } from "../../support/experiment_result.js";

test("hidden-size-sweep (quick): H = 10 is too small; within the slide's 20 … 120 the test error is flat", async () => {
  assert.is(findExperiment("hidden-size-sweep"), hiddenSizeSweep);
  const result = await hiddenSizeSweep.run({ quick: true, seed: 1 });
  // At 1,000 images and 3 epochs, H = 120 does not beat H = 20 (0.288 vs 0.282): reported, not hidden. Not a seed
  // accident either way: over seeds 1–12 it does for 8 (the gap from −0.016 to +0.092), so seed noise swamps it (see the row's note).
  checkResult(result, ["H = 120 errs less than H = 20"]);
  const d = result.data as { sizes: number[]; meanTestErrors: number[]; parameters: number[] };
  assert.equal(d.sizes, [10, 20, 60, 120]);
  const [small, ...inRange] = d.meanTestErrors;
  for (const e of inRange) assert.ok(e < small - 0.03, `H in range ${e} vs H = 10 ${small}`);
  assert.ok(Math.max(...inRange) - Math.min(...inRange) < 0.05);
  assert.ok(inRange.every((e) => e < 0.35), "every net learned (chance is 0.9)");
  assert.is(mlpParameters(128), 101_770, "the zoo's MLP 784-128-10 (src/models/mlp.ts)");
});

test.run();
