/**
 * Committees and bagging on a regression problem (001, "Why should this
 * work?" (committees) and "Bootstrapped AGGregatING (BAGGING)").
 *
 * M predictors y_m(x) = h(x) + ε_m(x) of a target h:
 *
 *   E_AV  = (1/M) Σ_m E_x[ε_m(x)²]                 average error of the members
 *   E_COM = E_x[{(1/M) Σ_m ε_m(x)}²]               error of the committee's mean
 *         = E_AV / M + (1/M²) Σ_{m≠j} E_x[ε_m ε_j]  (expanding the square)
 *
 * so with uncorrelated errors, E_x[ε_m ε_j] = 0, the slide's E_COM = E_AV / M.
 * The problem: h(x) = sin(2πx) on [0, 1], `samples` noisy points
 * t = h(x) + N(0, 0.3²) per training set, M small MLPs (1 → 16 → 16 → 1,
 * tanh, full-batch Adam), E_x taken on 201 evenly spaced points against the
 * noise-free h. Two committees:
 * - independent sets: member m trained on its own samples — its error is
 *   mostly its own noise, so the errors are nearly uncorrelated;
 * - bagging: one set of samples, member m trained on a bootstrap resample of
 *   it (draws with replacement) — the members share most of their data, so
 *   their errors correlate and E_COM stays well above E_AV / M.
 * The committee's prediction is the `Ensemble` module's (src/nn/ensemble.ts).
 */
import { Random } from "../random.js";
import { Tensor } from "../tensor.js";
import { Variable } from "../autograd/variable.js";
import { noGrad } from "../autograd/apply.js";
import * as F from "../autograd/functional.js";
import { Ensemble, Linear, Sequential, Tanh, type Module } from "../nn/index.js";
import { Adam } from "../optim/adam.js";

/** Settings of the committee experiment. */
export interface CommitteeOptions {
  /** Members (default 10). */
  M?: number;
  /** Samples per training set (default 20). */
  samples?: number;
  /** Full-batch Adam steps per member (default 1500). */
  steps?: number;
  /** Seed (default 7). */
  seed?: number;
}

/** What a committee reached. */
export interface CommitteeResult {
  M: number;
  /** E_AV: the members' mean squared error against h, averaged over members. */
  eAV: number;
  /** E_COM: the mean squared error of the members' average. */
  eCOM: number;
  /** (1/M²) Σ_{m≠j} E_x[ε_m ε_j]; E_COM = E_AV / M + crossTerm. */
  crossTerm: number;
  /** Mean over m ≠ j of corr(ε_m, ε_j) = E[ε_m ε_j] / √(E[ε_m²] E[ε_j²]). */
  meanCorrelation: number;
}

/** Both committees, with the curves behind them on the evaluation grid. */
export interface CommitteesRun {
  independent: CommitteeResult;
  bagging: CommitteeResult;
  /** The 201 evaluation points x and h(x). */
  grid: { x: number[]; h: number[] };
  /** Members' predictions and the Ensemble's on the grid, per committee. */
  curves: { independent: { members: number[][]; committee: number[] }; bagging: { members: number[][]; committee: number[] } };
}

const NOISE = 0.3;
const GRID = 201;

/** The target h(x) = sin(2πx). */
export function committeeTarget(x: number): number {
  return Math.sin(2 * Math.PI * x);
}

/** One member: 1 → 16 → 16 → 1 with tanh (float64), fitted to (xs, ts) by full-batch Adam (lr 0.01). */
function fitMember(xs: number[], ts: number[], steps: number, rng: Random): Module {
  const model = new Sequential(
    new Linear(1, 16, rng, { dtype: "float64" }), new Tanh(),
    new Linear(16, 16, rng, { dtype: "float64" }), new Tanh(),
    new Linear(16, 1, rng, { dtype: "float64" }),
  );
  const x = new Variable(new Tensor(Float64Array.from(xs), [xs.length, 1]));
  const t = new Tensor(Float64Array.from(ts), [ts.length, 1]);
  const optimizer = new Adam(model.parameters(), { lr: 1e-2 });
  for (let step = 0; step < steps; step++) {
    optimizer.zeroGrad();
    F.mseLoss(model.forward(x), t).backward();
    optimizer.step();
  }
  return model.eval();
}

/**
 * E_AV, E_COM, the cross-term and the mean error correlation from the
 * members' predictions (M arrays of n values) against the truth (n values).
 * E_COM comes straight from its definition (the mean prediction against h);
 * the cross-term from the error covariances, so E_COM = E_AV/M + crossTerm
 * checks the expansion.
 */
export function committeeErrors(predictions: readonly ArrayLike<number>[], truth: ArrayLike<number>): CommitteeResult {
  const M = predictions.length, n = truth.length;
  if (M === 0) throw new RangeError("committeeErrors: expected at least one member's predictions, got none");
  predictions.forEach((p, m) => {
    if (p.length !== n) throw new RangeError(`committeeErrors: member ${m}: expected ${n} predictions (one per truth value), got ${p.length}`);
  });
  const errors = predictions.map((p) => Array.from({ length: n }, (_, i) => p[i] - truth[i]));
  // C[m][j] = E_x[ε_m(x) ε_j(x)], the mean over the grid.
  const C = errors.map((em) => errors.map((ej) => em.reduce((s, v, i) => s + v * ej[i], 0) / n));
  let eAV = 0, cross = 0, corr = 0;
  for (let m = 0; m < M; m++) {
    eAV += C[m][m] / M;
    for (let j = 0; j < M; j++) {
      if (j === m) continue;
      cross += C[m][j] / (M * M);
      corr += C[m][j] / Math.sqrt(C[m][m] * C[j][j]) / (M * (M - 1));
    }
  }
  let eCOM = 0;
  for (let i = 0; i < n; i++) {
    let mean = 0;
    for (const p of predictions) mean += p[i] / M;
    eCOM += (mean - truth[i]) ** 2 / n;
  }
  return { M, eAV, eCOM, crossTerm: cross, meanCorrelation: corr };
}

/** The members' and the Ensemble's predictions on the grid [n, 1]. */
function predict(members: Module[], grid: Tensor): { members: number[][]; committee: number[] } {
  return noGrad(() => ({
    members: members.map((m) => Array.from(m.forward(new Variable(grid)).value.data)),
    committee: Array.from(new Ensemble(...members).forward(new Variable(grid)).value.data),
  }));
}

/** Trains both committees (independent sets, bagging) and returns their errors and curves. */
export function runCommittees(options: CommitteeOptions = {}): CommitteesRun {
  const { M = 10, samples = 20, steps = 1500, seed = 7 } = options;
  const rng = new Random(seed);
  const gridX = Array.from({ length: GRID }, (_, i) => i / (GRID - 1));
  const grid = new Tensor(Float64Array.from(gridX), [GRID, 1]);
  const truth = gridX.map(committeeTarget);
  const draw = () => {
    const xs = Array.from({ length: samples }, () => rng.uniform());
    return { xs, ts: xs.map((x) => committeeTarget(x) + NOISE * rng.normal()) };
  };
  const independentMembers = Array.from({ length: M }, () => {
    const { xs, ts } = draw();
    return fitMember(xs, ts, steps, rng.fork());
  });
  const shared = draw();
  const baggingMembers = Array.from({ length: M }, () => {
    const pick = Array.from({ length: samples }, () => rng.int(samples));
    return fitMember(pick.map((i) => shared.xs[i]), pick.map((i) => shared.ts[i]), steps, rng.fork());
  });
  const independent = predict(independentMembers, grid);
  const bagging = predict(baggingMembers, grid);
  return {
    independent: committeeErrors(independent.members, truth),
    bagging: committeeErrors(bagging.members, truth),
    grid: { x: gridX, h: truth },
    curves: { independent, bagging },
  };
}
