/**
 * 000's two-layer network, written out by hand exactly as on the slides
 * "Multi-Layered Perceptron — Feedforward / Backpropagation", with the
 * slide's symbols and one loop per sum. No tensors, no autograd: this is the
 * derivation itself, runnable, so it can be checked against the library's
 * layers and against finite differences (spec/lecture/two_layer_network.spec.ts).
 *
 * Sizes: d inputs x_l, h hidden units q_j, c outputs ŷ_k. The slides index
 * from 1; the arrays here index from 0. Weights are stored as on the slide,
 * W⁽¹⁾_{lj} (input l → hidden j) as `W1[l][j]` and W⁽²⁾_{l'k} as `W2[l'][k]`,
 * which is the TRANSPOSE of a Linear layer's weight [out, in]
 * (000: f_i(z) = σ((Wⁱ)ᵀz + bⁱ)).
 */
import type { Linear } from "../nn/linear.js";

/** The network's parameters, shaped as on the slide: W1 [d][h], b1 [h], W2 [h][c], b2 [c]. */
export interface TwoLayerParams {
  W1: number[][];
  b1: number[];
  W2: number[][];
  b2: number[];
}

/** Everything the feedforward computes for one sample. */
export interface TwoLayerForward {
  /** p_j, hidden pre-activations [h]. */
  p: number[];
  /** q_j = σ(p_j) [h]. */
  q: number[];
  /** a_k, output pre-activations [c]. */
  a: number[];
  /** ŷ_k = σ(a_k) [c]. */
  yHat: number[];
  /** J = ½ Σ_k (t_k − ŷ_k)². */
  J: number;
}

/** The gradients of J, shaped like the parameters. */
export interface TwoLayerGradients {
  dW1: number[][];
  db1: number[];
  dW2: number[][];
  db2: number[];
}

/** σ(z) = 1 / (1 + e^(−z)) (002, "Neural Net – Non-Linearities"). */
export function sigma(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/**
 * One layer as 000 writes every layer, f_i(z) = σ((Wⁱ)ᵀz + bⁱ): the
 * pre-activations s_j = Σ_l W_{lj} z_l + b_j of its `n` units, and σ(s_j).
 * W [z.length][n] as on the slide (input l → unit j).
 */
function layer(W: number[][], b: number[], z: number[], n: number): [number[], number[]] {
  const s: number[] = [], out: number[] = [];
  for (let j = 0; j < n; j++) {
    let sj = b[j];
    for (let l = 0; l < z.length; l++) sj += W[l][j] * z[l];
    s.push(sj);
    out.push(sigma(sj));
  }
  return [s, out];
}

/**
 * 000, "Multi-Layered Perceptron — Feedforward":
 *   p_j = Σ_{l=1}^{d} W⁽¹⁾_{lj} x_l + b⁽¹⁾_j,        q_j = σ(p_j)
 *   a_k = Σ_{l'=1}^{h} W⁽²⁾_{l'k} q_{l'} + b⁽²⁾_k,    ŷ_k = σ(a_k)
 *   J = ½ Σ_{k=1}^{c} (t_k − ŷ_k)²
 * x [d] is one sample, t [c] its target.
 */
export function feedforward(params: TwoLayerParams, x: number[], t: number[]): TwoLayerForward {
  const { W1, b1, W2, b2 } = params;
  const d = x.length, h = b1.length, c = b2.length;
  checkSizes(params, d, t.length);
  const [p, q] = layer(W1, b1, x, h); // p_j, q_j
  const [a, yHat] = layer(W2, b2, q, c); // a_k, ŷ_k
  let J = 0;
  for (let k = 0; k < c; k++) J += 0.5 * (t[k] - yHat[k]) ** 2;
  return { p, q, a, yHat, J };
}

/**
 * 000, "Multi-Layered Perceptron — Backpropagation", term by term:
 *   ∂J/∂W⁽²⁾_{l'k} = −(t_k − ŷ_k) ŷ_k (1 − ŷ_k) q_{l'}
 *   ∂J/∂b⁽²⁾_k     = −(t_k − ŷ_k) ŷ_k (1 − ŷ_k)
 *   ∂J/∂W⁽¹⁾_{lj}  = Σ_{k=1}^{c} [ −(t_k − ŷ_k) ŷ_k (1 − ŷ_k) W⁽²⁾_{jk} ] q_j (1 − q_j) x_l
 *   ∂J/∂b⁽¹⁾_j     = Σ_{k=1}^{c} [ −(t_k − ŷ_k) ŷ_k (1 − ŷ_k) W⁽²⁾_{jk} ] q_j (1 − q_j)
 * `forward` is this sample's `feedforward` result.
 */
export function backpropagation(params: TwoLayerParams, x: number[], t: number[], forward: TwoLayerForward): TwoLayerGradients {
  const { W2 } = params;
  const { q, yHat } = forward;
  const d = x.length, h = q.length, c = yHat.length;
  checkSizes(params, d, t.length);
  const dW2: number[][] = [], db2: number[] = [];
  for (let k = 0; k < c; k++) db2.push(-(t[k] - yHat[k]) * yHat[k] * (1 - yHat[k]));
  for (let l2 = 0; l2 < h; l2++) {
    const row: number[] = [];
    for (let k = 0; k < c; k++) row.push(-(t[k] - yHat[k]) * yHat[k] * (1 - yHat[k]) * q[l2]);
    dW2.push(row);
  }
  const db1: number[] = [];
  for (let j = 0; j < h; j++) {
    let bracket = 0;
    for (let k = 0; k < c; k++) bracket += -(t[k] - yHat[k]) * yHat[k] * (1 - yHat[k]) * W2[j][k];
    db1.push(bracket * q[j] * (1 - q[j]));
  }
  const dW1: number[][] = [];
  for (let l = 0; l < d; l++) {
    const row: number[] = [];
    for (let j = 0; j < h; j++) {
      let bracket = 0;
      for (let k = 0; k < c; k++) bracket += -(t[k] - yHat[k]) * yHat[k] * (1 - yHat[k]) * W2[j][k];
      row.push(bracket * q[j] * (1 - q[j]) * x[l]);
    }
    dW1.push(row);
  }
  return { dW1, db1, dW2, db2 };
}

/**
 * The slide's parameters read from two Linear layers (d → h, h → c), so the
 * hand-written network and the library's layers can run the same weights:
 * W⁽¹⁾_{lj} = first.weight[j, l], W⁽²⁾_{l'k} = second.weight[k, l'].
 */
export function paramsFromLinear(first: Linear, second: Linear): TwoLayerParams {
  if (!first.bias || !second.bias) throw new RangeError("paramsFromLinear: expected both Linear layers to have a bias (000's network has b⁽¹⁾ and b⁽²⁾)");
  if (first.outFeatures !== second.inFeatures) throw new RangeError(`paramsFromLinear: expected the second layer to take ${first.outFeatures} inputs, got ${second.inFeatures}`);
  const transpose = (w: ArrayLike<number>, rows: number, cols: number): number[][] =>
    Array.from({ length: cols }, (_, i) => Array.from({ length: rows }, (_, o) => w[o * cols + i]));
  return {
    W1: transpose(first.weight.value.data, first.outFeatures, first.inFeatures),
    b1: Array.from(first.bias.value.data),
    W2: transpose(second.weight.value.data, second.outFeatures, second.inFeatures),
    b2: Array.from(second.bias.value.data),
  };
}

function checkSizes(params: TwoLayerParams, d: number, c: number): void {
  const { W1, b1, W2, b2 } = params;
  const h = b1.length;
  if (W1.length !== d || W1.some((row) => row.length !== h)) throw new RangeError(`two_layer_network: W1: expected [${d}][${h}] (d inputs × h hidden units), got [${W1.length}][${W1[0]?.length ?? 0}]`);
  if (W2.length !== h || W2.some((row) => row.length !== b2.length)) throw new RangeError(`two_layer_network: W2: expected [${h}][${b2.length}] (h hidden units × c outputs), got [${W2.length}][${W2[0]?.length ?? 0}]`);
  if (b2.length !== c) throw new RangeError(`two_layer_network: t: expected ${b2.length} targets (one per output), got ${c}`);
}
