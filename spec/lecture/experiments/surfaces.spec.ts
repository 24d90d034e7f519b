import { test } from "uvu";
import * as assert from "uvu/assert";
import "../../../src/index.js"; // the default backend: the wasm kernels, as `nnref lecture` runs
import { rosenbrock, rosenbrockSurface } from "../../../src/lecture/experiments/rosenbrock_surface.js";
import { halfResolution, imageSurface, moreComplexSurface } from "../../../src/lecture/experiments/more_complex_surface.js";
import type { SurfaceFit } from "../../../src/lecture/experiments/surface_fits.js";
import { findExperiment } from "../../../src/lecture/experiments/index.js";
import { checkResult } from "../../support/experiment_result.js";

type Fit = Omit<SurfaceFit, "gridPrediction">;

test("more-complex-surface (quick): at ~500 weights 2 hidden layers fit the image surface better than 1, and 3 layers (477 weights) better than 2", async () => {
  assert.is(findExperiment("more-complex-surface"), moreComplexSurface);
  const result = await moreComplexSurface.run({ quick: true, seed: 1 });
  const series = checkResult(result);
  assert.equal(series["more-complex-surface.svg"], ["target I", "1 × 125 (501 w)", "2 × 20 (501 w)", "3 × 14 (477 w)"]);
  const [one, two, three] = (result.data as { fits: Fit[] }).fits;
  assert.equal([one.weights, two.weights, three.weights], [501, 501, 477], "the slide's weight counts");
  assert.ok(two.trainLoss < one.trainLoss / 2, `2 layers ${two.trainLoss} vs 1 layer ${one.trainLoss} (slide: 0.0831 vs 0.240)`);
  assert.ok(three.trainLoss <= two.trainLoss, `3 layers ${three.trainLoss} vs 2 layers ${two.trainLoss} (slide: 0.0755 vs 0.0831)`);
  assert.ok(one.trainLoss < 1, "even one hidden layer explains part of the variance");
});

test("imageSurface and halfResolution: pixel (row, column) → (x, y) ∈ [−1, 1]², intensity / 255; 2 × 2 means", () => {
  const { points, intensity } = imageSurface([0, 255, 51, 102], 2, 2);
  assert.equal(points, [[-1, 1], [1, 1], [-1, -1], [1, -1]]);
  assert.equal(intensity, [0, 1, 0.2, 0.4]);
  assert.equal(halfResolution([1, 2, 3, 4, 5, 6, 7, 8], 4, 2), [(1 + 2 + 5 + 6) / 4, (3 + 4 + 7 + 8) / 4]);
  assert.throws(() => imageSurface([1, 2, 3], 2, 2), /imageSurface: expected 2·2 = 4 pixels, got 3/);
  assert.throws(() => halfResolution([1, 2, 3], 3, 1), /halfResolution: expected an even width and height/);
});

test("rosenbrock-surface (quick): at ~500 weights, 2 and 3 hidden layers both fit Rosenbrock better than 1", async () => {
  assert.is(findExperiment("rosenbrock-surface"), rosenbrockSurface);
  assert.is(rosenbrock(1, 1), 0);
  const result = await rosenbrockSurface.run({ quick: true, seed: 1 });
  const series = checkResult(result);
  assert.equal(series["rosenbrock-fits.svg"], ["target", "1 × 125", "2 × 20", "3 × 14"]);
  const [one, two, three] = (result.data as { fits: Fit[] }).fits;
  for (const deeper of [two, three]) {
    assert.ok(deeper.trainLoss < one.trainLoss / 2, `${deeper.layers} layers: train ${deeper.trainLoss} vs 1 layer ${one.trainLoss}`);
    assert.ok(deeper.gridLoss < one.gridLoss, `${deeper.layers} layers: grid ${deeper.gridLoss} vs 1 layer ${one.gridLoss}`);
  }
  assert.ok(one.trainLoss < 0.1, "the 1-layer net learns the surface too (loss well below the variance 1)");
});

test.run();
