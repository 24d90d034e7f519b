/**
 * The ill-conditioned least-squares problem of the step-size experiments
 * (001, "(S)GD with adaptable stepsize", "(S)GD + momentum"): a one-layer net
 * ŷ = w·x fitted by mean squared error to N samples of d features whose
 * scales run from 1 to 10, so the loss's curvature differs by a factor ≈ 100
 * between the steepest and the flattest direction ("Too small: converge very
 * slowly; too big: overshoot and even diverge"). The loss is quadratic, so
 * its minimum L* and the excess L(w) − L* are known exactly from the normal
 * equations (solved by Gaussian elimination).
 */
import { Random } from "../../random.js";
import { Tensor } from "../../tensor.js";

/** The least-squares problem: features X [N, d], targets y [N, 1], the minimizer ŵ and A = XᵀX/N. */
export interface Problem {
  X: Tensor;
  y: Tensor;
  /** The exact least-squares solution. */
  wStar: Float64Array;
  /** XᵀX / N: the excess loss is (w − ŵ)ᵀ A (w − ŵ). */
  A: Float64Array;
  d: number;
  N: number;
}

/** N samples of d features, feature j with standard deviation 10^(j/(d−1)), targets w_true·x + N(0, 1) noise. */
export function makeProblem(N = 1000, d = 10, seed = 5): Problem {
  if (!Number.isInteger(N) || N < 1 || !Number.isInteger(d) || d < 2) throw new RangeError(`makeProblem: expected integers N ≥ 1 and d ≥ 2, got N ${N}, d ${d}`);
  const rng = new Random(seed);
  const X = new Float64Array(N * d);
  const y = new Float64Array(N);
  const wTrue = Array.from({ length: d }, () => rng.normal());
  for (let i = 0; i < N; i++) {
    let dot = 0;
    for (let j = 0; j < d; j++) {
      const x = 10 ** (j / (d - 1)) * rng.normal();
      X[i * d + j] = x;
      dot += wTrue[j] * x;
    }
    y[i] = dot + rng.normal();
  }
  // Normal equations (XᵀX) ŵ = Xᵀy, by Gaussian elimination with partial pivoting.
  const A = new Float64Array(d * d);
  const b = new Float64Array(d);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < d; j++) {
      b[j] += (X[i * d + j] * y[i]) / N;
      for (let k = 0; k < d; k++) A[j * d + k] += (X[i * d + j] * X[i * d + k]) / N;
    }
  }
  return { X: new Tensor(X, [N, d]), y: new Tensor(y, [N, 1]), wStar: solve(A, b, d), A, d, N };
}

/** Solves M z = r (M [d, d] row-major; copies are modified, not the inputs). */
function solve(matrix: Float64Array, rhs: Float64Array, d: number): Float64Array {
  const M = matrix.slice(), r = rhs.slice();
  for (let col = 0; col < d; col++) {
    let pivot = col;
    for (let row = col + 1; row < d; row++) if (Math.abs(M[row * d + col]) > Math.abs(M[pivot * d + col])) pivot = row;
    for (let k = 0; k < d; k++) [M[col * d + k], M[pivot * d + k]] = [M[pivot * d + k], M[col * d + k]];
    [r[col], r[pivot]] = [r[pivot], r[col]];
    for (let row = col + 1; row < d; row++) {
      const f = M[row * d + col] / M[col * d + col];
      for (let k = col; k < d; k++) M[row * d + k] -= f * M[col * d + k];
      r[row] -= f * r[col];
    }
  }
  const z = new Float64Array(d);
  for (let row = d - 1; row >= 0; row--) {
    let s = r[row];
    for (let k = row + 1; k < d; k++) s -= M[row * d + k] * z[k];
    z[row] = s / M[row * d + row];
  }
  return z;
}

/** L(w) − L* = (w − ŵ)ᵀ A (w − ŵ) for the mean squared error. */
export function excessLoss(p: Problem, w: ArrayLike<number>): number {
  let e = 0;
  for (let j = 0; j < p.d; j++) for (let k = 0; k < p.d; k++) e += (w[j] - p.wStar[j]) * p.A[j * p.d + k] * (w[k] - p.wStar[k]);
  return e;
}
