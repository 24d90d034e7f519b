/**
 * 001, "(S)GD with adaptable stepsize" and "(S)GD + momentum": plain
 * gradient descent W ← W − ε∇L, the decaying step ε_t = c/t, and momentum
 *
 *   V_{t+1} = μ V_t + (1 − μ) ∇L(W_t),   W_{t+1} = W_t − ε V_{t+1}   (V₀ = 0, μ = 0.9)
 *
 * (nnref: `new SGD(params, { lr: ε, ...lectureMomentum(0.9) })`, and
 * `InverseTimeLR(optimizer, c)` for ε_t = c/t), on an ill-conditioned
 * quadratic: least-squares regression with a one-layer net ŷ = w·x (a Linear
 * layer without bias, `mse_loss`), 10 input features whose scales run from 1
 * to 10, so the loss's curvature differs by a factor ≈ 100 between the
 * steepest and the flattest direction ("Too small: converge very slowly; too
 * big: overshoot and even diverge").
 *
 * The loss is quadratic, so its minimum L* and the excess L(w) − L* are known
 * exactly from the normal equations (solved here by Gaussian elimination).
 * Printed: the iterations each method needs to bring the excess below a
 * threshold, for every step size of a grid (— means not within the budget, or
 * diverged). Two settings:
 *
 * A. full-batch gradients (exact ∇L): threshold 1e-6 × the initial excess;
 * B. minibatch SGD, B = 10 ("noisy ('stochastic') gradient"; an epoch is
 *    N/B = 100 iterations): threshold 1e-4 × the initial excess. Here
 *    ε_t = c/t counts t in epochs (ε = c during epoch 1, c/2 during epoch 2, …).
 *
 * What it shows (measured while writing this; the run prints its own
 * numbers): with exact gradients, momentum converges for step sizes up to
 * 10× larger than plain GD tolerates and needs about half the iterations;
 * ε_t = c/t never gets there — it shrinks the step although nothing needs
 * averaging out. With noisy gradients the picture turns: a constant ε stalls
 * at a noise floor that grows with ε, momentum (which averages gradients but
 * keeps the effective step ε) does no better than constant ε, and c/t reaches
 * the threshold about twice as fast as the best constant ε.
 *
 *   node --import tsx docs/examples/momentum.ts
 */
import { fileURLToPath } from "node:url";
import { F, InverseTimeLR, Linear, Random, SGD, Tensor, Variable, lectureMomentum } from "../../src/index.js";
import { excessLoss, makeProblem, type Problem } from "../../src/lecture/experiments/least_squares.js";

export { excessLoss, makeProblem, type Problem } from "../../src/lecture/experiments/least_squares.js";

/** The three update rules of the comparison. */
export type Method = "sgd" | "momentum" | "inverse-time";

export const METHODS: readonly Method[] = ["sgd", "momentum", "inverse-time"];

const METHOD_NAMES: Record<Method, string> = { sgd: "constant ε", momentum: "momentum μ=0.9", "inverse-time": "ε_t = c/t" };

/** Settings of one optimization run. */
export interface RunSettings {
  method: Method;
  /** ε (constant and momentum) or c (ε_t = c/t). */
  stepSize: number;
  /** Minibatch size; N (or more) for full-batch gradients. */
  batch: number;
  /** Stop when the excess loss is below threshold × the initial excess. */
  threshold: number;
  /** Iteration budget. */
  maxIterations: number;
  /** Seed of the initial weights and the minibatch order (default 1). */
  seed?: number;
}

/** Iterations needed (null: not within the budget, or diverged) and the excess loss at the end. */
export interface RunResult {
  iterations: number | null;
  finalExcess: number;
  diverged: boolean;
}

/** Trains ŷ = w·x from w₀ = 0 with one method and step size; counts iterations to the threshold. */
export function optimize(p: Problem, s: RunSettings): RunResult {
  const rng = new Random(s.seed ?? 1);
  const model = new Linear(p.d, 1, rng, { bias: false, dtype: "float64" });
  model.weight.value.data.fill(0);
  const optimizer = s.method === "momentum" ? new SGD(model.parameters(), { lr: s.stepSize, ...lectureMomentum(0.9) }) : new SGD(model.parameters(), { lr: s.stepSize });
  const schedule = s.method === "inverse-time" ? new InverseTimeLR(optimizer, s.stepSize) : null;
  const fullBatch = s.batch >= p.N;
  const perEpoch = Math.ceil(p.N / s.batch);
  const w = model.weight.value.data;
  const initial = excessLoss(p, w);
  let order = rng.permutation(p.N);
  const xb = new Float64Array(s.batch * p.d), yb = new Float64Array(s.batch);
  for (let it = 1; it <= s.maxIterations; it++) {
    let x = p.X, y = p.y;
    if (!fullBatch) {
      const start = ((it - 1) % perEpoch) * s.batch;
      if (start === 0 && it > 1) order = rng.permutation(p.N);
      for (let r = 0; r < s.batch; r++) {
        const i = order[(start + r) % p.N];
        for (let j = 0; j < p.d; j++) xb[r * p.d + j] = p.X.data[i * p.d + j];
        yb[r] = p.y.data[i];
      }
      x = new Tensor(xb, [s.batch, p.d]);
      y = new Tensor(yb, [s.batch, 1]);
    }
    optimizer.zeroGrad();
    F.mseLoss(model.forward(new Variable(x)), y).backward();
    optimizer.step();
    // ε_t = c/t: t counts iterations with full batches, epochs with minibatches.
    if (schedule && (fullBatch || it % perEpoch === 0)) schedule.step();
    const excess = excessLoss(p, w);
    if (!Number.isFinite(excess) || excess > 1e6 * initial) return { iterations: null, finalExcess: excess, diverged: true };
    if (excess <= s.threshold * initial) return { iterations: it, finalExcess: excess, diverged: false };
  }
  return { iterations: null, finalExcess: excessLoss(p, w), diverged: false };
}

/** One setting (A or B) over a grid of step sizes. */
export interface GridOptions {
  batch: number;
  threshold: number;
  maxIterations: number;
  stepSizes: readonly number[];
}

/** Per method, the result at each step size of the grid. */
export type GridResult = Record<Method, RunResult[]>;

/** Runs every method at every step size of the grid. */
export function runGrid(p: Problem, g: GridOptions): GridResult {
  const out = {} as GridResult;
  for (const method of METHODS) {
    out[method] = g.stepSizes.map((stepSize) => optimize(p, { method, stepSize, batch: g.batch, threshold: g.threshold, maxIterations: g.maxIterations }));
  }
  return out;
}

/** The fewest iterations a method needed over the grid (null if it never reached the threshold). */
export function best(results: readonly RunResult[]): number | null {
  const reached = results.map((r) => r.iterations).filter((n): n is number => n !== null);
  return reached.length ? Math.min(...reached) : null;
}

/** Setting A: full-batch gradients. */
export const FULL_BATCH: GridOptions = { batch: 1000, threshold: 1e-6, maxIterations: 3000, stepSizes: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2] };
/** Setting B: minibatches of 10. */
export const MINIBATCH: GridOptions = { batch: 10, threshold: 1e-4, maxIterations: 5000, stepSizes: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05] };

function printGrid(title: string, g: GridOptions, r: GridResult): void {
  console.log(title);
  console.log(`${"ε (or c)".padEnd(9)}| ${METHODS.map((m) => METHOD_NAMES[m].padEnd(16)).join("| ")}`);
  g.stepSizes.forEach((e, i) => {
    const cell = (x: RunResult) => (x.iterations !== null ? String(x.iterations) : x.diverged ? "— (diverged)" : `— (${x.finalExcess.toExponential(1)})`).padEnd(16);
    console.log(`${String(e).padEnd(9)}| ${METHODS.map((m) => cell(r[m][i])).join("| ")}`);
  });
  console.log(`${"best".padEnd(9)}| ${METHODS.map((m) => String(best(r[m]) ?? "—").padEnd(16)).join("| ")}`);
}

/** Runs settings A and B and prints the iterations to the threshold. */
export function main(): { fullBatch: GridResult; minibatch: GridResult } {
  const t0 = performance.now();
  const p = makeProblem();
  const l0 = excessLoss(p, new Float64Array(p.d));
  console.log(`001: constant ε vs momentum vs ε_t = c/t on least squares, ${p.N} samples, ${p.d} features with scales 1 … 10 (curvature ratio ≈ 100)`);
  console.log(`iterations until L − L* ≤ threshold × (L(0) − L*), L(0) − L* = ${l0.toFixed(1)}; "— (x)": not reached within the budget, x = the excess at the end`);
  console.log("");
  const fullBatch = runGrid(p, FULL_BATCH);
  printGrid(`A. full-batch gradients, threshold ${FULL_BATCH.threshold.toExponential(0)}, budget ${FULL_BATCH.maxIterations} iterations`, FULL_BATCH, fullBatch);
  console.log("");
  const minibatch = runGrid(p, MINIBATCH);
  printGrid(`B. minibatches of ${MINIBATCH.batch} (c/t per epoch of ${p.N / MINIBATCH.batch} iterations), threshold ${MINIBATCH.threshold.toExponential(0)}, budget ${MINIBATCH.maxIterations} iterations`, MINIBATCH, minibatch);
  console.log("");
  const largest = (r: readonly RunResult[], g: GridOptions) => Math.max(...g.stepSizes.filter((_, i) => !r[i].diverged));
  console.log(`A: momentum ${best(fullBatch.momentum) ?? "—"} vs constant ε ${best(fullBatch.sgd) ?? "—"} iterations (best over the grid); largest stable ε: momentum ${largest(fullBatch.momentum, FULL_BATCH)}, constant ${largest(fullBatch.sgd, FULL_BATCH)}; c/t: ${best(fullBatch["inverse-time"]) ?? "never"}.`);
  console.log(`B: c/t ${best(minibatch["inverse-time"]) ?? "—"} vs constant ε ${best(minibatch.sgd) ?? "—"} vs momentum ${best(minibatch.momentum) ?? "—"} iterations (best over the grid): with noisy gradients, shrinking the step pays.`);
  console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { fullBatch, minibatch };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
