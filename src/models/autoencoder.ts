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
 * Greedy layer-wise pretraining (004, "Unsupervised Pretraining": "1st part:
 * Greedy layer-wise unsupervised pre-training … 2nd part: Supervised
 * fine-tuning"; "Stacked Autencoders": the first layer learns a
 * representation of the input, the second a representation of the first
 * layer's patterns, …): `pretrainStackedAutoencoder` trains one
 * one-hidden-layer autoencoder per layer on the codes of the layers below,
 * keeps the encoders, puts a classifier on top and fine-tunes it with the
 * first layers frozen (004, "Fine-tuning freezes the first layers, and
 * relearns weights from the last"; src/nn/freeze.ts).
 */
import { shapeString, type FloatDType, type Shape, type Tensor } from "../tensor.js";
import type { Random } from "../random.js";
import { Variable } from "../autograd/variable.js";
import { apply, noGrad } from "../autograd/apply.js";
import * as F from "../autograd/functional.js";
import { Linear, Module, ReLU, Sequential, Sigmoid, Tanh, freeze, trainableParameters, type InitName, type Parameter } from "../nn/index.js";
import { initBias } from "../nn/init.js";
import type { Optimizer } from "../optim/optimizer.js";
import { Adam } from "../optim/adam.js";
import { rowBatches, selectRows } from "../data/rows.js";
import { fitClassifier } from "../train/fit.js";
import { DivergenceError } from "../train/train.js";

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

// ───────────────────────────── objectives ─────────────────────────────

/** The reconstruction losses of 000 ("MSE / CE loss can be used"). */
export type ReconstructionLoss = "mse" | "bce";

/**
 * J(x̂, x): "mse" = mean of (x̂ − x)²; "bce" = mean binary cross-entropy
 * −[x log x̂ + (1 − x) log(1 − x̂)] for x̂ and x in [0, 1] (a sigmoid output).
 */
export function reconstructionLoss(xHat: Variable, x: Tensor | Variable, kind: ReconstructionLoss = "mse"): Variable {
  if (kind === "mse") return F.mseLoss(xHat, x);
  if (kind === "bce") return F.binaryCrossEntropy(xHat, x);
  throw new RangeError(`reconstructionLoss: expected "mse" or "bce", got ${JSON.stringify(kind)}`);
}

/** Σ_j KL(ρ ‖ ρ̂_j) of code activations [N, l] in [0, 1] (004's sparsity constraint; the `kl_sparsity` op). */
export function sparsityPenalty(code: Variable, rho: number): Variable {
  return apply("kl_sparsity", { input: code }, { rho });
}

/** The sparsity constraint: target average activation ρ and weight β of J_sparse = J + β Σ_j KL(ρ ‖ ρ̂_j). */
export interface SparsityOptions {
  rho: number;
  beta: number;
}

/** One epoch's averages. */
export interface AutoencoderEpoch {
  /** J_sparse (= reconstruction without sparsity), averaged over the epoch's minibatches weighted by size. */
  loss: number;
  /** The reconstruction term J. */
  reconstruction: number;
  /** Σ_j KL(ρ ‖ ρ̂_j) per minibatch (0 without sparsity). */
  penalty: number;
}

/** Options of `trainAutoencoder`. */
export interface TrainAutoencoderOptions {
  epochs: number;
  batchSize: number;
  /** The order of the rows in each epoch. */
  rng: Random;
  /** "mse" (default) or "bce". */
  loss?: ReconstructionLoss;
  /** Add β Σ_j KL(ρ ‖ ρ̂_j) on the code (needs code activations in [0, 1], e.g. sigmoid). */
  sparsity?: SparsityOptions | null;
  /** Default Adam over the trainable parameters with `lr`. */
  optimizer?: Optimizer;
  /** Step size of the default Adam (default 1e-3). */
  lr?: number;
  onEpoch?(epoch: number, result: AutoencoderEpoch): void;
}

function checkSparsity(s: SparsityOptions | null | undefined): void {
  if (s === null || s === undefined) return;
  if (typeof s !== "object" || typeof s.rho !== "number" || !(s.rho > 0 && s.rho < 1)) throw new RangeError(`sparsity: rho: expected a number in (0, 1), got ${JSON.stringify(s?.rho)}`);
  if (typeof s.beta !== "number" || !(s.beta >= 0) || !Number.isFinite(s.beta)) throw new RangeError(`sparsity: beta: expected a finite number ≥ 0, got ${JSON.stringify(s.beta)}`);
}

/**
 * Trains `ae` to reproduce x [N, d] by minibatch gradient descent on
 * J (+ β Σ_j KL(ρ ‖ ρ̂_j), ρ̂ the minibatch's average code activation).
 * Returns one entry per epoch.
 */
export function trainAutoencoder(ae: Autoencoder, x: Tensor, options: TrainAutoencoderOptions): AutoencoderEpoch[] {
  const { epochs, batchSize, rng, loss: kind = "mse", sparsity = null, lr = 1e-3 } = options;
  if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`trainAutoencoder: epochs: expected an integer ≥ 0, got ${String(epochs)}`);
  checkSparsity(sparsity);
  const optimizer = options.optimizer ?? new Adam(trainableParameters(ae), { lr });
  const history: AutoencoderEpoch[] = [];
  ae.train();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let total = 0, reconstruction = 0, penalty = 0, step = 0;
    for (const rows of rowBatches(x.shape[0], batchSize, rng)) {
      step++;
      const batch = selectRows(x, rows);
      optimizer.zeroGrad();
      const z = ae.encode(new Variable(batch));
      const J = reconstructionLoss(ae.decode(z), batch, kind);
      let objective = J;
      let p = 0;
      if (sparsity) {
        const kl = sparsityPenalty(z, sparsity.rho);
        p = kl.value.data[0];
        objective = F.add(J, F.mulScalar(kl, sparsity.beta));
      }
      const value = objective.value.data[0];
      if (!Number.isFinite(value)) throw new DivergenceError(epoch, step, value);
      objective.backward();
      optimizer.step();
      total += value * rows.length;
      reconstruction += J.value.data[0] * rows.length;
      penalty += p * rows.length;
    }
    const n = x.shape[0];
    history.push({ loss: total / n, reconstruction: reconstruction / n, penalty: penalty / n });
    options.onEpoch?.(epoch, history[epoch - 1]);
  }
  return history;
}

/** J(decoder(encoder(x)), x) over all of x [N, d], in eval mode without a graph (batches of 1000). */
export function reconstructionError(ae: Autoencoder, x: Tensor, kind: ReconstructionLoss = "mse"): number {
  let sum = 0;
  noGrad(() => {
    for (const rows of rowBatches(x.shape[0], 1000, null)) {
      const batch = selectRows(x, rows);
      sum += reconstructionLoss(ae.forward(new Variable(batch)), batch, kind).value.data[0] * rows.length;
    }
  });
  return sum / x.shape[0];
}

/** The codes encoder(x) of all rows of x, without a graph: [N, l]. */
export function encodeAll(encoder: Module, x: Tensor): Tensor {
  return noGrad(() => encoder.forward(new Variable(x)).value);
}

// ───────────────────────────── stacked autoencoders ─────────────────────────────

/** Options of `pretrainStackedAutoencoder`. */
export interface StackedAutoencoderOptions {
  /** Hidden sizes h₁, …, hₖ of the stack (each layer one autoencoder). */
  hidden: readonly number[];
  rng: Random;
  /** Epochs per layer (default 5). */
  epochs?: number;
  /** Default 32. */
  batchSize?: number;
  /** Adam step size of the pretraining (default 1e-3). */
  lr?: number;
  /** Reconstruction loss of each layer (default "mse"). */
  loss?: ReconstructionLoss;
  /** Sparsity constraint on each layer's code (default none). */
  sparsity?: SparsityOptions | null;
  /** Decode with tied weights (default false). */
  tied?: boolean;
  dtype?: FloatDType;
  /** After each layer's pretraining: its index (0-based) and its epochs. */
  onLayer?(layer: number, history: AutoencoderEpoch[]): void;
  /** The supervised part; omit to pretrain only. */
  fineTune?: FineTuneOptions;
}

/** The 2nd part of 004's recipe: supervised fine-tuning of the pretrained stack plus a classifier. */
export interface FineTuneOptions {
  /** Class indices int32 [N] of the rows of x. */
  labels: Tensor;
  numClasses: number;
  /**
   * How many of the pretrained layers stay frozen, counted from the input
   * (default k − 1: all but the last; 0 fine-tunes everything). The new
   * classifier layer always trains.
   */
  frozenLayers?: number;
  /** Default 5. */
  epochs?: number;
  /** Adam step size (default 1e-3). */
  lr?: number;
  /** Default: the pretraining's. */
  batchSize?: number;
  onEpoch?(epoch: number, loss: number): void;
}

/** What `pretrainStackedAutoencoder` returns. */
export interface StackedAutoencoderResult {
  /** The pretrained encoders in a row: Linear(d, h₁), σ, Linear(h₁, h₂), σ, … — input [N, d] → [N, hₖ]. */
  encoder: Sequential;
  /** The one-hidden-layer autoencoder trained for each layer (their encoder Linear is the one in `encoder`). */
  autoencoders: Autoencoder[];
  /** Each layer's pretraining epochs. */
  pretraining: AutoencoderEpoch[][];
  /** encoder's layers followed by Linear(hₖ, numClasses) (state dict `0.weight` … as in Sequential); null without fine-tuning. */
  classifier: Sequential | null;
  /** The fine-tuning loss per epoch (empty without). */
  fineTuning: number[];
}

/**
 * Greedy layer-wise pretraining (004): layer 1 is a sigmoid autoencoder
 * d → h₁ → d trained on x; layer k an autoencoder hₖ₋₁ → hₖ → hₖ₋₁ trained on
 * the codes of layers 1 … k−1 (computed once, without a graph, since the
 * lower layers are fixed by then). With `fineTune`, a Linear(hₖ, classes) is
 * put on the stacked encoders, the first `frozenLayers` encoders are frozen,
 * and the rest is trained on the labels with cross-entropy.
 * x [N, d] (values in [0, 1] with the default sigmoid units and "bce").
 */
export function pretrainStackedAutoencoder(x: Tensor, options: StackedAutoencoderOptions): StackedAutoencoderResult {
  const { hidden, rng, epochs = 5, batchSize = 32, lr = 1e-3, loss = "mse", sparsity = null, tied = false, dtype = "float32" } = options;
  if (x.rank !== 2) throw new RangeError(`pretrainStackedAutoencoder: x: expected [N, d] rows of features, got ${shapeString(x.shape)}`);
  if (!Array.isArray(hidden) || hidden.length < 1 || hidden.some((h) => !Number.isInteger(h) || h < 1)) {
    throw new RangeError(`pretrainStackedAutoencoder: hidden: expected at least one positive integer size, got ${JSON.stringify(hidden)}`);
  }
  checkSparsity(sparsity);
  const layers: Module[] = [];
  const autoencoders: Autoencoder[] = [];
  const pretraining: AutoencoderEpoch[][] = [];
  let input = x;
  hidden.forEach((h, k) => {
    const ae = denseAutoencoder([input.shape[1], h], rng, { activation: "sigmoid", output: loss === "bce" ? "sigmoid" : "linear", tied, dtype });
    const history = trainAutoencoder(ae, input, { epochs, batchSize, rng, loss, sparsity, lr });
    options.onLayer?.(k, history);
    autoencoders.push(ae);
    pretraining.push(history);
    const encoder = ae.encoder as Sequential;
    layers.push(encoder.at(0), encoder.at(1));
    if (k + 1 < hidden.length) input = encodeAll(encoder, input); // the next layer learns from this layer's codes
  });
  const encoder = new Sequential(...layers);
  if (!options.fineTune) return { encoder, autoencoders, pretraining, classifier: null, fineTuning: [] };

  const ft = options.fineTune;
  const frozenLayers = ft.frozenLayers ?? hidden.length - 1;
  if (!Number.isInteger(frozenLayers) || frozenLayers < 0 || frozenLayers > hidden.length) {
    throw new RangeError(`pretrainStackedAutoencoder: fineTune.frozenLayers: expected an integer in [0, ${hidden.length}], got ${String(frozenLayers)}`);
  }
  if (!Number.isInteger(ft.numClasses) || ft.numClasses < 2) throw new RangeError(`pretrainStackedAutoencoder: fineTune.numClasses: expected an integer ≥ 2, got ${String(ft.numClasses)}`);
  const classifier = new Sequential(...layers, new Linear(hidden[hidden.length - 1], ft.numClasses, rng, { dtype }));
  for (let k = 0; k < frozenLayers; k++) freeze(layers[2 * k]);
  const fineTuning = fitClassifier(classifier, x, ft.labels, { epochs: ft.epochs ?? 5, batchSize: ft.batchSize ?? batchSize, rng, lr: ft.lr ?? 1e-3, onEpoch: ft.onEpoch });
  return { encoder, autoencoders, pretraining, classifier, fineTuning };
}
