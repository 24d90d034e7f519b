/**
 * `kl_sparsity`: the sparsity penalty of a sparse autoencoder, an nnref
 * extension to the vectors format.
 *
 * 004, "Deep neural networks: Unsupervised Pretraining — Autencoder": the
 * hidden activations α_j⁽ⁱ⁾ = f(W_j1⁽¹⁾x_1 + W_j2⁽¹⁾x_2 + … + b_j⁽¹⁾) are
 * "trained using back-propagation and additional sparsity constraints". The
 * slide's source (ufldl.stanford.edu, "Autoencoders and Sparsity") writes the
 * constraint as a penalty on the average activation of each hidden unit j
 * over the m training examples,
 *
 *   ρ̂_j = (1/m) Σ_i α_j⁽ⁱ⁾,
 *   penalty = Σ_j KL(ρ ‖ ρ̂_j) = Σ_j [ ρ log(ρ/ρ̂_j) + (1 − ρ) log((1 − ρ)/(1 − ρ̂_j)) ],
 *
 * the Kullback–Leibler divergence between Bernoulli(ρ), the target activation
 * (e.g. ρ = 0.05: each unit mostly off), and Bernoulli(ρ̂_j). It is 0 when
 * ρ̂_j = ρ and grows without bound as ρ̂_j → 0 or 1. The sparse autoencoder
 * minimizes J_sparse = J + β · penalty. Its gradient, as the same source
 * derives it, adds to each hidden unit's error term
 *
 *   ∂penalty/∂α_j⁽ⁱ⁾ = (1/m) · ( −ρ/ρ̂_j + (1 − ρ)/(1 − ρ̂_j) ).
 *
 * input [m, H]: activations in [0, 1] (e.g. sigmoid outputs; anything else is
 * an OpError). output: the scalar penalty. Averages run in float64. A unit
 * whose average is exactly 0 or 1 gives an infinite penalty and gradient, as
 * the formula does (no clamping).
 */
import { allocate, fromArray, randu, Tensor, type FloatDType } from "../tensor.js";
import { checkUpstream, expectRank, fail, floatData, numberAttr } from "../errors.js";
import type { OpDef, RawAttrs } from "./op.js";
import { unaryOp } from "./unary_op.js";

/** Checks activations [m, H] in [0, 1]; returns m, H and the data. */
function activations(input: Tensor): { m: number; H: number; a: ArrayLike<number> } {
  const a = floatData("kl_sparsity", "input", input);
  expectRank("kl_sparsity", "input", input, 2, "[m, H] (examples × hidden units)");
  const [m, H] = input.shape;
  if (m < 1) fail("kl_sparsity", "input", "at least one example (m ≥ 1)", "m = 0");
  for (let i = 0; i < a.length; i++) {
    if (!(a[i] >= 0 && a[i] <= 1)) fail("kl_sparsity", "input", "activations in [0, 1] (e.g. sigmoid outputs)", `${a[i]} at flat index ${i}`);
  }
  return { m, H, a };
}

/** ρ̂_j = (1/m) Σ_i α_j⁽ⁱ⁾: the average activation of each hidden unit. input [m, H] → [H] (float64). */
export function averageActivation(input: Tensor): Float64Array {
  const { m, H, a } = activations(input);
  const rhoHat = new Float64Array(H);
  for (let i = 0; i < m; i++) for (let j = 0; j < H; j++) rhoHat[j] += a[i * H + j];
  for (let j = 0; j < H; j++) rhoHat[j] /= m;
  return rhoHat;
}

/** KL(ρ ‖ ρ̂) of two Bernoulli distributions: ρ log(ρ/ρ̂) + (1 − ρ) log((1 − ρ)/(1 − ρ̂)). */
export function bernoulliKL(rho: number, rhoHat: number): number {
  return rho * Math.log(rho / rhoHat) + (1 - rho) * Math.log((1 - rho) / (1 - rhoHat));
}

/** Σ_j KL(ρ ‖ ρ̂_j) for activations input [m, H] and target ρ in (0, 1) → scalar. */
export function klSparsity(input: Tensor, rho: number): Tensor {
  const rhoHat = averageActivation(input);
  let penalty = 0;
  for (let j = 0; j < rhoHat.length; j++) penalty += bernoulliKL(rho, rhoHat[j]);
  return fromArray([penalty], [], input.dtype as FloatDType);
}

/** dL/dα_j⁽ⁱ⁾ = g · (1/m)(−ρ/ρ̂_j + (1 − ρ)/(1 − ρ̂_j)), g the scalar upstream. → [m, H]. */
export function klSparsityBackward(dy: Tensor, input: Tensor, rho: number): Tensor {
  const g = checkUpstream("kl_sparsity", dy, [], input);
  const rhoHat = averageActivation(input);
  const [m, H] = input.shape;
  const dInput = allocate(input.dtype as FloatDType, m * H);
  for (let j = 0; j < H; j++) {
    const d = (g[0] / m) * (-rho / rhoHat[j] + (1 - rho) / (1 - rhoHat[j]));
    for (let i = 0; i < m; i++) dInput[i * H + j] = d;
  }
  return new Tensor(dInput, input.shape);
}

/** Attributes of `kl_sparsity`. */
export interface KlSparsityAttrs {
  /** Target average activation ρ, in (0, 1) (default 0.05, as in the slide's source). */
  rho: number;
}

function klSparsityAttrs(raw: RawAttrs): KlSparsityAttrs {
  if (raw.rho === undefined) return { rho: 0.05 };
  const rho = numberAttr("kl_sparsity", "rho", raw.rho);
  if (!(rho > 0 && rho < 1)) fail("kl_sparsity", "rho", "a number in (0, 1) (the target average activation)", String(rho));
  return { rho };
}

/** `kl_sparsity`: input (activations [m, H] in [0, 1]) → scalar output; attribute rho. */
export const klSparsityOp = unaryOp<KlSparsityAttrs>({
  name: "kl_sparsity",
  attrs: klSparsityAttrs,
  forward: (input, a) => klSparsity(input, a.rho),
  backward: (dy, input, a) => klSparsityBackward(dy, input, a.rho),
  // Activations in [0.05, 0.95], so every ρ̂_j stays ≥ 0.05 away from 0 and 1 (smooth for h = 1e-3).
  sample: (rng, dtype) => ({
    input: randu([1 + rng.int(4), 1 + rng.int(4)], rng, { low: 0.05, high: 0.95, dtype }),
    attrs: { rho: Math.round(rng.uniformIn(0.02, 0.5) * 1000) / 1000 },
  }),
});

/** The sparsity op, for the registry. */
export const klSparsityOps: OpDef[] = [klSparsityOp];
