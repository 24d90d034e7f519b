/**
 * Hyperparameter search (004, "Convolutional neural networks: Hyperparameter
 * tuning": "We can perform grid or randomized search over all parameters"):
 * the same budget of trials spent on a grid or on points drawn at random
 * (Bergstra & Bengio 2012, "Random Search for Hyper-Parameter Optimization":
 * with B trials a grid over d hyperparameters tries only B^(1/d) values of
 * each, random search B values of each — which pays when few of them matter).
 *
 * The objective is any function of the hyperparameters that returns a score
 * to minimize (e.g. a validation error); trials run one after another in a
 * fixed order, so the same seed gives the same search.
 */
import type { Random } from "../random.js";

/** One hyperparameter: its name and range, searched on a linear or a log scale, optionally rounded to integers. */
export interface SearchDimension {
  readonly name: string;
  readonly low: number;
  readonly high: number;
  /** Spread values evenly in log(value) (default false); needs low > 0. */
  readonly log?: boolean;
  /** Round values to integers (default false). */
  readonly integer?: boolean;
}

/** Hyperparameter values by name. */
export type HyperParameters = Record<string, number>;

/** One evaluated point. */
export interface Trial {
  /** 0-based position in the search. */
  readonly index: number;
  readonly params: HyperParameters;
  readonly score: number;
}

/** A finished search: every trial in order, the best (lowest score), and the best score after each trial. */
export interface SearchResult {
  readonly trials: Trial[];
  readonly best: Trial;
  /** bestSoFar[i] = min score of trials 0 … i. */
  readonly bestSoFar: number[];
}

function checkDimensions(where: string, dims: readonly SearchDimension[]): void {
  if (dims.length === 0) throw new RangeError(`${where}: expected at least one dimension, got none`);
  for (const d of dims) {
    if (!(Number.isFinite(d.low) && Number.isFinite(d.high) && d.low <= d.high)) throw new RangeError(`${where}: ${d.name}: expected finite low ≤ high, got [${d.low}, ${d.high}]`);
    if (d.log && !(d.low > 0)) throw new RangeError(`${where}: ${d.name}: a log scale needs low > 0, got ${d.low}`);
  }
}

function checkBudget(where: string, budget: number): void {
  if (!Number.isInteger(budget) || budget < 1) throw new RangeError(`${where}: budget: expected an integer ≥ 1, got ${budget}`);
}

/** The value at fraction u ∈ [0, 1] of a dimension's range (on its scale, rounded if integer). */
export function dimensionValue(d: SearchDimension, u: number): number {
  const v = d.log ? Math.exp(Math.log(d.low) + u * (Math.log(d.high) - Math.log(d.low))) : d.low + u * (d.high - d.low);
  return d.integer ? Math.round(v) : Number(v.toPrecision(12));
}

function runTrials(points: HyperParameters[], objective: (params: HyperParameters) => number, where: string): SearchResult {
  const trials: Trial[] = [];
  const bestSoFar: number[] = [];
  for (const params of points) {
    const score = objective(params);
    if (typeof score !== "number" || Number.isNaN(score)) throw new TypeError(`${where}: the objective returned ${String(score)} for ${JSON.stringify(params)}, expected a number`);
    trials.push({ index: trials.length, params, score });
    bestSoFar.push(Math.min(score, bestSoFar.length ? bestSoFar[bestSoFar.length - 1] : Infinity));
  }
  let best = trials[0];
  for (const t of trials) if (t.score < best.score) best = t;
  return { trials, best, bestSoFar };
}

/**
 * The points of a grid with `perDimension` evenly spaced values in every
 * dimension (both ends included; one value: the middle), in row-major order
 * (the last dimension varies fastest) → perDimension^d points.
 */
export function gridPoints(dims: readonly SearchDimension[], perDimension: number): HyperParameters[] {
  checkDimensions("gridPoints", dims);
  if (!Number.isInteger(perDimension) || perDimension < 1) throw new RangeError(`gridPoints: perDimension: expected an integer ≥ 1, got ${perDimension}`);
  const axis = (d: SearchDimension) => Array.from({ length: perDimension }, (_, i) => dimensionValue(d, perDimension === 1 ? 0.5 : i / (perDimension - 1)));
  let points: HyperParameters[] = [{}];
  for (const d of dims) points = points.flatMap((p) => axis(d).map((v) => ({ ...p, [d.name]: v })));
  return points;
}

/**
 * Grid search with at most `budget` trials: ⌊budget^(1/d)⌋ values per
 * dimension (so exactly `budget` trials when it is a d-th power).
 */
export function gridSearch(dims: readonly SearchDimension[], budget: number, objective: (params: HyperParameters) => number): SearchResult {
  checkDimensions("gridSearch", dims);
  checkBudget("gridSearch", budget);
  const perDimension = Math.max(1, Math.floor(Math.pow(budget, 1 / dims.length) + 1e-9));
  return runTrials(gridPoints(dims, perDimension), objective, "gridSearch");
}

/** Random search: `budget` points, each dimension drawn uniformly on its scale from `rng`. */
export function randomSearch(dims: readonly SearchDimension[], budget: number, objective: (params: HyperParameters) => number, rng: Random): SearchResult {
  checkDimensions("randomSearch", dims);
  checkBudget("randomSearch", budget);
  const points = Array.from({ length: budget }, () => Object.fromEntries(dims.map((d) => [d.name, dimensionValue(d, rng.uniform())])) as HyperParameters);
  return runTrials(points, objective, "randomSearch");
}
