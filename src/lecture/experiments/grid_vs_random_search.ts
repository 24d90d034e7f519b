/**
 * 004, "Convolutional neural networks: Hyperparameter tuning" ("Learning
 * rate …, number of hidden layers and units …; we can perform grid or
 * randomized search over all parameters"), in the picture of Bergstra &
 * Bengio (2012): the same budget of B trials spent on a √B × √B grid or on B
 * random points, over two hyperparameters of the MLP 784 → H → 10 — Adam's
 * step size (log scale, 1e-4 … 1e-1) and the hidden units H (8 … 128, log
 * scale). The step size matters far more than H here, so the grid's B trials
 * try only √B distinct step sizes while random search tries B of them.
 * Score: the error on held-out images (the subset's test images used as the
 * validation set). Drawn: the best score so far against the trial number, and
 * the sampled points.
 */
import { Random } from "../../random.js";
import { gridSearch, randomSearch, type HyperParameters, type SearchDimension, type SearchResult } from "../../train/search.js";
import { linePlotSvg, scatterPlotSvg } from "../../train/charts.js";
import { embeddedFashion } from "./fashion_data.js";
import { mlpTestError } from "./hidden_size_sweep.js";
import type { Experiment, ExperimentOptions, ExperimentResult } from "./experiment.js";

/** The two hyperparameters searched. */
export const SEARCH_SPACE: readonly SearchDimension[] = [
  { name: "lr", low: 1e-4, high: 1e-1, log: true },
  { name: "hidden", low: 8, high: 128, log: true, integer: true },
];

/** Runs both searches. Quick: B = 9 on 300 training images, 2 epochs; full: B = 16 on 2,000 images, 4 epochs, repeated for 5 seeds. */
export async function runGridVsRandomSearch(options: ExperimentOptions): Promise<ExperimentResult> {
  const quick = options.quick;
  const data = await embeddedFashion(quick ? 300 : 2000, quick ? 200 : 1000);
  const budget = quick ? 9 : 16, epochs = quick ? 2 : 4;
  const repeats = quick ? 1 : 5;
  const objective = (seed: number) => (p: HyperParameters) => mlpTestError(data, { hidden: p.hidden, lr: p.lr, epochs, seed });
  const runs: Array<{ seed: number; grid: SearchResult; random: SearchResult }> = [];
  for (let r = 0; r < repeats; r++) {
    const seed = options.seed + r;
    runs.push({ seed, grid: gridSearch(SEARCH_SPACE, budget, objective(seed)), random: randomSearch(SEARCH_SPACE, budget, objective(seed), new Random(seed)) });
  }
  const { grid, random } = runs[0];
  const distinct = (s: SearchResult, name: string) => new Set(s.trials.map((t) => t.params[name])).size;
  const trialPoints = (s: SearchResult) => s.bestSoFar.map((v, i) => [i + 1, v] as [number, number]);
  const progress = linePlotSvg({
    title: `Best validation error so far, grid vs random search, B = ${budget} (004, "Hyperparameter tuning")`,
    x: { label: "trial" },
    y: { label: "best validation error so far" },
    series: [{ label: `grid (${Math.round(Math.sqrt(budget))} × ${Math.round(Math.sqrt(budget))})`, points: trialPoints(grid) }, { label: "random", points: trialPoints(random) }],
  });
  const points = scatterPlotSvg({
    title: "The points each search tried (Bergstra & Bengio's picture)",
    x: { label: "Adam step size (log)", log: true },
    y: { label: "hidden units H", log: true },
    series: [
      { label: "grid", points: grid.trials.map((t) => [t.params.lr, t.params.hidden] as [number, number]) },
      { label: "random", points: random.trials.map((t) => [t.params.lr, t.params.hidden] as [number, number]) },
    ],
  });
  const wins = runs.filter((r) => r.random.best.score < r.grid.best.score).length;
  const ties = runs.filter((r) => r.random.best.score === r.grid.best.score).length;
  const show = (p: HyperParameters) => `lr ${p.lr.toPrecision(2)}, H ${p.hidden}`;
  return {
    rows: [
      { quantity: `best validation error, grid search (${show(grid.best.params)})`, lecture: null, nnref: Number(grid.best.score.toFixed(4)), note: `B = ${budget} trials, ${data.train.x.shape[0]} training images, ${epochs} epochs each` },
      { quantity: `best validation error, random search (${show(random.best.params)})`, lecture: null, nnref: Number(random.best.score.toFixed(4)), note: "the deck names both searches and gives no numbers" },
      { quantity: "distinct step sizes tried: grid / random", lecture: null, nnref: `${distinct(grid, "lr")} / ${distinct(random, "lr")}`, note: "Bergstra & Bengio: a grid spends its budget on repeats of the important parameter" },
      ...(repeats > 1 ? [{ quantity: `searches (of ${repeats} seeds) in which random search found the lower error`, lecture: null, nnref: `${wins} (ties ${ties})` }] : []),
    ],
    figures: [
      { file: "search-best-so-far.svg", kind: "svg", data: progress, caption: `Best validation error after each trial, grid vs random search with the same budget of ${budget} trials (seed ${options.seed}).` },
      { file: "search-points.svg", kind: "svg", data: points, caption: "The (step size, hidden units) points each search trained." },
    ],
    claims: [
      { claim: `with the same budget (${budget} trials) random search tries ${budget} distinct step sizes, the grid only ${Math.round(Math.sqrt(budget))}`, holds: grid.trials.length === budget && random.trials.length === budget && distinct(random, "lr") === budget && distinct(grid, "lr") === Math.round(Math.sqrt(budget)) },
      { claim: "random search finds a validation error at least as low as grid search's", holds: runs.every((r) => r.random.best.score <= r.grid.best.score) },
    ],
    data: { source: data.source, budget, epochs, space: SEARCH_SPACE, runs: runs.map((r) => ({ seed: r.seed, grid: r.grid.trials, random: r.random.trials, gridBestSoFar: r.grid.bestSoFar, randomBestSoFar: r.random.bestSoFar })) },
  };
}

/** 004's grid vs random search over two hyperparameters of the MLP with the same budget. */
export const gridVsRandomSearch: Experiment = {
  name: "grid-vs-random-search",
  deck: "004 CSCE 421 Lecture 9: Deep neural networks",
  slides: ["Convolutional neural networks: Hyperparameter tuning"],
  title: "Grid vs random search over the MLP's step size and hidden units with the same budget: best so far, and the points tried",
  fullRunTime: "57 s CPU, 228 s wall (2-core AMD EPYC VM shared by eight jobs, load average ~18: an idle machine needs about the CPU time)",
  run: runGridVsRandomSearch,
};
