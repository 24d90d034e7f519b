/**
 * Autoencoders (000, "Multi-Layered Perceptron for Dimension Reduction:
 * Autoencoders"; 004, "Deep neural networks: Unsupervised Pretraining —
 * Autencoder" and "Stacked Autencoders for pretraining").
 *
 * 000: each x⁽ⁱ⁾ ∈ ℝᵈ is mapped by an ENCODER network to a latent vector
 * z⁽ⁱ⁾ ∈ ℝˡ, l < d, and a DECODER network maps z⁽ⁱ⁾ back to x̂⁽ⁱ⁾ ∈ ℝᵈ,
 * trained so that x̂⁽ⁱ⁾ reproduces x⁽ⁱ⁾ ("MSE / CE loss can be used").
 * 004: it learns an approximation of the identity h_{W,b}(x) ≈ x, made
 * non-trivial by constraints — few hidden units, or a SPARSITY constraint on
 * the hidden activations α_j⁽ⁱ⁾ = f(W_j1⁽¹⁾x_1 + W_j2⁽¹⁾x_2 + … + b_j⁽¹⁾)
 * (the `kl_sparsity` op, src/ops/kl_sparsity.ts: J_sparse = J + β Σ_j KL(ρ ‖ ρ̂_j)).
 *
 * The training (reconstruction losses, the sparsity penalty, minibatch
 * training, greedy layer-wise pretraining of a stack) is in
 * src/train/autoencoder_training.ts.
 */
import { shapeString, type FloatDType, type Shape } from "../tensor.js";
import type { Random } from "../random.js";
import type { Variable } from "../autograd/variable.js";
import { apply } from "../autograd/apply.js";
import * as F from "../autograd/functional.js";
import { Linear, Module, ReLU, Sequential, Sigmoid, Tanh, type InitName, type Parameter } from "../nn/index.js";
import { initBias } from "../nn/init.js";

// ───────────────────────────── the model ─────────────────────────────

/** An encoder and a decoder: x [N, d] → z = encoder(x) [N, l] → x̂ = decoder(z) [N, d]. Children `encoder`, `decoder`. */
export class Autoencoder extends Module {
  readonly encoder: Module;
  readonly decoder: Module;

  constructor(encoder: Module, decoder: Module) {
    super();
    if (!(encoder instanceof Module) || !(decoder instanceof Module)) throw new TypeError("Autoencoder: expected an encoder and a decoder Module");
    this.encoder = this.registerModule("encoder", encoder);
    this.decoder = this.registerModule("decoder", decoder);
  }

  /** z = encoder(x): the latent code (000's z⁽ⁱ⁾). */
  encode(x: Variable): Variable {
    return this.encoder.forward(x);
  }

  /** x̂ = decoder(z). */
  decode(z: Variable): Variable {
    return this.decoder.forward(z);
  }

  /** x̂ = decoder(encoder(x)). */
  forward(x: Variable): Variable {
    return this.decode(this.encode(x));
  }

  outputShape(inputShape: Shape): Shape {
    const out = this.decoder.outputShape(this.encoder.outputShape(inputShape));
    if (out.length !== inputShape.length || out.some((d, i) => d !== inputShape[i])) {
      throw new RangeError(`Autoencoder: the decoder gives ${shapeString(out)} for input ${shapeString(inputShape)}: expected the input's shape back`);
    }
    return out;
  }

  override describe(): string {
    return "Autoencoder(encoder, decoder)";
  }
}

/**
 * A decoder layer with TIED weights: the transpose of an encoder Linear's
 * weight W [l, d], so x̂ = z W + b′ (W⁽²⁾ = W⁽¹⁾ᵀ) — half the weights, and a
 * gradient from both uses adds up in the one W. Only the bias b′ [d] is its
 * own parameter (`bias`); W stays registered where it lives, in the encoder.
 * input [*, l] → [*, d].
 */
export class TiedLinear extends Module {
  readonly bias: Parameter | null;
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(readonly tiedTo: Linear, options: { bias?: boolean; init?: InitName; rng?: Random } = {}) {
    super();
    if (!(tiedTo instanceof Linear)) throw new TypeError(`TiedLinear: expected the encoder's Linear layer, got ${String(tiedTo)}`);
    const { bias = true, init = "pytorch", rng } = options;
    this.inFeatures = tiedTo.outFeatures;
    this.outFeatures = tiedTo.inFeatures;
    if (bias && !rng) throw new RangeError("TiedLinear: a bias needs an rng to be initialized");
    this.bias = this.registerParameter("bias", bias ? initBias(this.outFeatures, this.inFeatures, init, rng!, tiedTo.weight.dtype) : null);
  }

  /** x̂ = z Wᵀᵀ + b′: linear with the transposed tied weight. */
  forward(z: Variable): Variable {
    const weightT = apply("transpose", { input: this.tiedTo.weight });
    return F.linear(z, weightT, this.bias ?? undefined);
  }

  outputShape(inputShape: Shape): Shape {
    if (inputShape.length < 1 || inputShape[inputShape.length - 1] !== this.inFeatures) {
      throw new RangeError(`TiedLinear: expected input [*, ${this.inFeatures}], got ${shapeString(inputShape)}`);
    }
    return [...inputShape.slice(0, -1), this.outFeatures];
  }

  override macs(inputShape: Shape): number {
    return inputShape.slice(0, -1).reduce((a, b) => a * b, 1) * this.inFeatures * this.outFeatures;
  }

  override describe(): string {
    return `TiedLinear(${this.inFeatures}, ${this.outFeatures}, weight tied${this.bias ? "" : ", bias=false"})`;
  }
}

/** Hidden non-linearities an autoencoder may use. */
export type AutoencoderActivation = "sigmoid" | "relu" | "tanh";

/** Options of `denseAutoencoder`. */
export interface DenseAutoencoderOptions {
  /** f of every encoder layer and of the decoder's hidden layers (default "sigmoid", as in 004). */
  activation?: AutoencoderActivation;
  /** The decoder's last non-linearity: "sigmoid" for data in [0, 1] (default), "linear" for none. */
  output?: "sigmoid" | "linear";
  /** Decode with the transposed encoder weights (TiedLinear; default false). */
  tied?: boolean;
  /** Weight initialization (default "pytorch"). */
  init?: InitName;
  /** Parameter dtype (default "float32"). */
  dtype?: FloatDType;
}

function activationLayer(name: AutoencoderActivation): Module {
  if (name === "sigmoid") return new Sigmoid();
  if (name === "relu") return new ReLU();
  if (name === "tanh") return new Tanh();
  throw new RangeError(`denseAutoencoder: activation: expected "sigmoid", "relu" or "tanh", got ${JSON.stringify(name)}`);
}

/**
 * A fully connected autoencoder for sizes [d, h₁, …, l]: the encoder is
 * Linear(d, h₁) f … Linear(hₖ₋₁, l) f (the code passes through f too, so a
 * sigmoid code lies in [0, 1] as the sparsity penalty needs); the decoder is
 * the mirror Linear(l, hₖ₋₁) f … Linear(h₁, d) and the output non-linearity.
 * input [N, d] → [N, d]. Encoder children `encoder.0` (Linear), `encoder.1`
 * (f), …; decoder likewise.
 */
export function denseAutoencoder(sizes: readonly number[], rng: Random, options: DenseAutoencoderOptions = {}): Autoencoder {
  const { activation = "sigmoid", output = "sigmoid", tied = false, init = "pytorch", dtype = "float32" } = options;
  if (!Array.isArray(sizes) || sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new RangeError(`denseAutoencoder: sizes: expected [d, h₁, …, l] of at least two positive integers, got ${JSON.stringify(sizes)}`);
  }
  if (output !== "sigmoid" && output !== "linear") throw new RangeError(`denseAutoencoder: output: expected "sigmoid" or "linear", got ${JSON.stringify(output)}`);
  activationLayer(activation); // validates the name before any weight is drawn
  const encoderLinears: Linear[] = [];
  const encoderLayers: Module[] = [];
  for (let k = 0; k + 1 < sizes.length; k++) {
    const layer = new Linear(sizes[k], sizes[k + 1], rng, { init, dtype });
    encoderLinears.push(layer);
    encoderLayers.push(layer, activationLayer(activation));
  }
  const decoderLayers: Module[] = [];
  for (let k = sizes.length - 1; k > 0; k--) {
    decoderLayers.push(tied ? new TiedLinear(encoderLinears[k - 1], { init, rng }) : new Linear(sizes[k], sizes[k - 1], rng, { init, dtype }));
    if (k > 1) decoderLayers.push(activationLayer(activation));
    else if (output === "sigmoid") decoderLayers.push(new Sigmoid());
  }
  return new Autoencoder(new Sequential(...encoderLayers), new Sequential(...decoderLayers));
}
