import { test } from "uvu";
import * as assert from "uvu/assert";
import "../../../src/index.js"; // the default backend: the wasm kernels, as `nnref lecture` runs
import { gridVsRandomSearch } from "../../../src/lecture/experiments/grid_vs_random_search.js";
import { findExperiment } from "../../../src/lecture/experiments/index.js";
import type { Trial } from "../../../src/train/search.js";
import { checkResult } from "../../support/experiment_result.js";

test("grid-vs-random-search (quick): the same 9 trials; random search tries 9 step sizes to the grid's 3 and finds the lower error", async () => {
  assert.is(findExperiment("grid-vs-random-search"), gridVsRandomSearch);
  const result = await gridVsRandomSearch.run({ quick: true, seed: 1 });
  const series = checkResult(result);
  assert.equal(series["search-points.svg"], ["grid", "random"]);
  const [run] = (result.data as { runs: Array<{ grid: Trial[]; random: Trial[]; gridBestSoFar: number[]; randomBestSoFar: number[] }> }).runs;
  assert.is(run.grid.length, 9);
  assert.is(run.random.length, 9);
  assert.is(new Set(run.grid.map((t) => t.params.lr)).size, 3);
  assert.is(new Set(run.random.map((t) => t.params.lr)).size, 9);
  const best = (trials: Trial[]) => Math.min(...trials.map((t) => t.score));
  assert.ok(best(run.random) <= best(run.grid), `random ${best(run.random)} vs grid ${best(run.grid)}`);
  assert.ok(best(run.random) < 0.5, "the best net learned (chance is 0.9)");
  assert.is(run.randomBestSoFar[8], best(run.random));
});

test.run();
