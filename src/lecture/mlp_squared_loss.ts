/**
 * 002's network, "Neural Net – Multilayer Perceptron / Training", written out
 * by hand: ỹ = Uσ(Wx) with W [h][d] and U [m][h] as on the slide (W is 5×3
 * and U is 2×5 there: d = 3 inputs, h = 5 hidden, m = 2 outputs), and on the
 * training slide the predictions ỹ⁽ⁱ⁾ = σ(Uσ(Wx⁽ⁱ⁾)) with the squared loss
 *
 *   L(x, y, W, U) = Σ_{i=1}^{n} Σ_{j=1}^{m} (ỹ⁽ⁱ⁾_j − y⁽ⁱ⁾_j)².
 *
 * The slide derives the gradients for d = m = 1:
 *   ∂L/∂w = Σ_i 2(σ(uσ(wx⁽ⁱ⁾)) − y)·σ′(uσ(wx⁽ⁱ⁾))·u·σ′(wx⁽ⁱ⁾)·x⁽ⁱ⁾
 *   ∂L/∂u = Σ_i 2(σ(uσ(wx⁽ⁱ⁾)) − y)·σ′(uσ(wx⁽ⁱ⁾))·σ(wx⁽ⁱ⁾)
 * Written out per index for any d, h, m (s = Wx, hidden = σ(s), z = U·hidden, ỹ = σ(z)):
 *   δ_j = 2(ỹ_j − y_j)·σ′(z_j)                         (σ′(z) = σ(z)(1 − σ(z)))
 *   ∂L/∂U_{jk} = Σ_i δ_j·hidden_k
 *   ∂L/∂W_{kl} = Σ_i (Σ_j δ_j U_{jk})·σ′(s_k)·x_l
 * With `outputSigmoid: false` the prediction is the first slide's ỹ = Uσ(Wx)
 * and δ_j = 2(ỹ_j − y_j).
 */
import { sigma } from "./two_layer_network.js";

/** W [h][d] and U [m][h] as on the slide (no biases). */
export interface UWParams {
  W: number[][];
  U: number[][];
}

/** L and its gradients over a set of samples. */
export interface UWResult {
  /** L = Σ_i Σ_j (ỹ⁽ⁱ⁾_j − y⁽ⁱ⁾_j)². */
  L: number;
  /** ∂L/∂W [h][d]. */
  dW: number[][];
  /** ∂L/∂U [m][h]. */
  dU: number[][];
  /** ỹ⁽ⁱ⁾ per sample [n][m]. */
  yTilde: number[][];
}

/**
 * The loss and its explicit gradients for samples xs [n][d] with targets
 * ys [n][m]; ỹ = σ(Uσ(Wx)) by default (the training slide), or Uσ(Wx) with
 * `outputSigmoid: false`.
 */
export function squaredLossGradients(params: UWParams, xs: number[][], ys: number[][], options: { outputSigmoid?: boolean } = {}): UWResult {
  const { outputSigmoid = true } = options;
  const { W, U } = params;
  const h = W.length, d = W[0]?.length ?? 0, m = U.length;
  if (U.some((row) => row.length !== h)) throw new RangeError(`squaredLossGradients: U: expected [${m}][${h}] (one column per hidden unit of W [${h}][${d}])`);
  if (xs.length !== ys.length) throw new RangeError(`squaredLossGradients: expected one target per sample, got ${xs.length} samples and ${ys.length} targets`);
  const dW = W.map((row) => row.map(() => 0));
  const dU = U.map((row) => row.map(() => 0));
  const yTilde: number[][] = [];
  let L = 0;
  xs.forEach((x, i) => {
    const y = ys[i];
    if (x.length !== d || y.length !== m) throw new RangeError(`squaredLossGradients: sample ${i}: expected x of ${d} and y of ${m} values, got ${x.length} and ${y.length}`);
    // forward: s = Wx, hidden = σ(s), z = U·hidden, ỹ = σ(z)
    const s: number[] = [], hidden: number[] = [];
    for (let k = 0; k < h; k++) {
      let sk = 0;
      for (let l = 0; l < d; l++) sk += W[k][l] * x[l];
      s.push(sk);
      hidden.push(sigma(sk));
    }
    const yt: number[] = [], delta: number[] = [];
    for (let j = 0; j < m; j++) {
      let zj = 0;
      for (let k = 0; k < h; k++) zj += U[j][k] * hidden[k];
      const out = outputSigmoid ? sigma(zj) : zj;
      yt.push(out);
      L += (out - y[j]) ** 2;
      delta.push(2 * (out - y[j]) * (outputSigmoid ? out * (1 - out) : 1));
    }
    yTilde.push(yt);
    // ∂L/∂U_jk = δ_j·hidden_k
    for (let j = 0; j < m; j++) for (let k = 0; k < h; k++) dU[j][k] += delta[j] * hidden[k];
    // ∂L/∂W_kl = (Σ_j δ_j U_jk)·σ′(s_k)·x_l
    for (let k = 0; k < h; k++) {
      let back = 0;
      for (let j = 0; j < m; j++) back += delta[j] * U[j][k];
      for (let l = 0; l < d; l++) dW[k][l] += back * hidden[k] * (1 - hidden[k]) * x[l];
    }
  });
  return { L, dW, dU, yTilde };
}
