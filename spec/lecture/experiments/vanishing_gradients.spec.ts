import { test } from "uvu";
import * as assert from "uvu/assert";
import { firstOverLast, layerGradients, vanishingGradients } from "../../../src/lecture/experiments/vanishing_gradients.js";
import { findExperiment } from "../../../src/lecture/experiments/index.js";
import { checkResult } from "../../support/experiment_result.js";

test("vanishing-gradients (quick): σ′ ≤ ¼, the sigmoid net's first layer gets < 1e-2 of its last layer's gradient, the ReLU net's > 0.1", async () => {
  assert.is(findExperiment("vanishing-gradients"), vanishingGradients);
  const result = await vanishingGradients.run({ quick: true, seed: 1 });
  const series = checkResult(result);
  assert.equal(series["vanishing-gradients.svg"], ["sigmoid, He init", "ReLU, He init", "sigmoid, PyTorch init", "ReLU, PyTorch init"]);
  const data = result.data as { sigmoidRatios: number[]; reluRatios: number[]; layers: Record<string, Array<{ maxDerivative: number }>> };
  assert.is(data.sigmoidRatios.length, 3);
  for (const r of data.sigmoidRatios) assert.ok(r < 1e-2, `sigmoid first/last ${r}`);
  for (const r of data.reluRatios) assert.ok(r > 0.1, `ReLU first/last ${r}`);
  for (const l of data.layers["sigmoid, He init"]) assert.ok(l.maxDerivative <= 0.25);
  // the same seed gives the same weights, hence the same gradients
  assert.equal(layerGradients("sigmoid", { seed: 5 }), layerGradients("sigmoid", { seed: 5 }));
});

test("layerGradients: one entry per hidden layer; bad depth or activation is an error naming the function", () => {
  assert.is(layerGradients("relu", { depth: 3, width: 8, batch: 4 }).length, 3);
  assert.ok(firstOverLast(layerGradients("sigmoid", { depth: 12 })) < firstOverLast(layerGradients("sigmoid", { depth: 4 })), "deeper sigmoid nets vanish more");
  assert.throws(() => layerGradients("relu", { depth: 0 }), /layerGradients: depth: expected an integer ≥ 1, got 0/);
  assert.throws(() => layerGradients("tanh" as "relu"), /layerGradients: activation: expected "sigmoid" or "relu", got tanh/);
});

test.run();
