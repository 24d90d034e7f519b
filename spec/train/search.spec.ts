import { test } from "uvu";
import * as assert from "uvu/assert";
import { Random } from "../../src/random.js";
import { gridPoints, gridSearch, randomSearch, dimensionValue, type SearchDimension } from "../../src/train/search.js";

const dims: SearchDimension[] = [
  { name: "lr", low: 1e-4, high: 1e-1, log: true },
  { name: "hidden", low: 16, high: 128, integer: true },
];

test("gridPoints: perDimension^d points, ends included, log spacing, last dimension fastest", () => {
  const g = gridPoints(dims, 3);
  assert.is(g.length, 9);
  assert.equal(g.slice(0, 3), [{ lr: 1e-4, hidden: 16 }, { lr: 1e-4, hidden: 72 }, { lr: 1e-4, hidden: 128 }]);
  assert.ok(Math.abs(g[3].lr / Math.sqrt(1e-4 * 1e-1) - 1) < 1e-11, "the middle of a log range is the geometric mean");
  assert.equal(gridPoints([dims[1]], 1), [{ hidden: 72 }]);
  assert.is(dimensionValue({ name: "x", low: 0, high: 10 }, 0.25), 2.5);
});

test("gridSearch and randomSearch spend the same budget; the grid tries √B values per dimension, random search B", () => {
  const objective = (p: Record<string, number>) => (Math.log10(p.lr) + 2.3) ** 2 + 1e-4 * p.hidden;
  const grid = gridSearch(dims, 9, objective);
  const random = randomSearch(dims, 9, objective, new Random(1));
  assert.is(grid.trials.length, 9);
  assert.is(random.trials.length, 9);
  const distinct = (r: typeof grid, name: string) => new Set(r.trials.map((t) => t.params[name])).size;
  assert.is(distinct(grid, "lr"), 3);
  assert.is(distinct(random, "lr"), 9);
  for (const r of [grid, random]) {
    assert.is(r.best.score, Math.min(...r.trials.map((t) => t.score)));
    r.bestSoFar.forEach((v, i) => assert.is(v, Math.min(...r.trials.slice(0, i + 1).map((t) => t.score))));
    for (const t of r.trials) assert.ok(t.params.lr >= 1e-4 && t.params.lr <= 1e-1 && Number.isInteger(t.params.hidden));
  }
  assert.equal(randomSearch(dims, 9, objective, new Random(1)), random, "seeded: the same search again");
  assert.is(gridSearch(dims, 10, objective).trials.length, 9, "⌊√10⌋ = 3 values per dimension");
});

test("bad dimensions, budgets and objectives are errors naming the function", () => {
  assert.throws(() => gridSearch([], 4, () => 0), /gridSearch: expected at least one dimension/);
  assert.throws(() => randomSearch([{ name: "lr", low: 0, high: 1, log: true }], 4, () => 0, new Random(1)), /randomSearch: lr: a log scale needs low > 0, got 0/);
  assert.throws(() => gridSearch(dims, 0, () => 0), /gridSearch: budget: expected an integer ≥ 1, got 0/);
  assert.throws(() => randomSearch(dims, 2, () => Number.NaN, new Random(1)), /randomSearch: the objective returned NaN/);
});

test.run();
