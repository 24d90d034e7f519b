/**
 * Training autoencoders (000, "Multi-Layered Perceptron for Dimension
 * Reduction: Autoencoders"; 004, "Deep neural networks: Unsupervised
 * Pretraining — Autencoder" and "Stacked Autencoders for pretraining"): the
 * reconstruction objectives, the sparsity constraint, minibatch training of
 * one autoencoder, and greedy layer-wise pretraining of a stack. The models
 * themselves (`Autoencoder`, `TiedLinear`, `denseAutoencoder`) are built from
 * layers in src/models/autoencoder.ts.
 *
 * 000: trained so that x̂⁽ⁱ⁾ reproduces x⁽ⁱ⁾ ("MSE / CE loss can be used").
 * 004: a SPARSITY constraint on the hidden activations
 * α_j⁽ⁱ⁾ = f(W_j1⁽¹⁾x_1 + W_j2⁽¹⁾x_2 + … + b_j⁽¹⁾)
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
import { shapeString, type FloatDType, type Tensor } from "../tensor.js";
import type { Random } from "../random.js";
import { Variable } from "../autograd/variable.js";
import { apply, noGrad } from "../autograd/apply.js";
import * as F from "../autograd/functional.js";
import { Linear, Module, Sequential, freeze, trainableParameters } from "../nn/index.js";
import type { Optimizer } from "../optim/optimizer.js";
import { Adam } from "../optim/adam.js";
import { rowBatches, selectRows } from "../data/rows.js";
import { Autoencoder, denseAutoencoder } from "../models/autoencoder.js";
import { fitClassifier } from "./fit.js";
import { rowEpochs } from "./row_epochs.js";

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
  ae.train();
  const objective = (rows: Int32Array) => {
    const batch = selectRows(x, rows);
    const z = ae.encode(new Variable(batch));
    const J = reconstructionLoss(ae.decode(z), batch, kind);
    if (!sparsity) return { loss: J, terms: [J.value.data[0], 0] };
    const kl = sparsityPenalty(z, sparsity.rho);
    return { loss: F.add(J, F.mulScalar(kl, sparsity.beta)), terms: [J.value.data[0], kl.value.data[0]] };
  };
  const toEpoch = ([loss, reconstruction, penalty]: number[]): AutoencoderEpoch => ({ loss, reconstruction, penalty });
  const history = rowEpochs(x.shape[0], {
    epochs, batchSize, rng, optimizer, objective, termCount: 2,
    onEpoch: (epoch, means) => options.onEpoch?.(epoch, toEpoch(means)),
  });
  return history.map(toEpoch);
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
