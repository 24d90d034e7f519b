/**
 * The minibatch loop over the rows of tensors that `fitClassifier` (./fit.ts)
 * and `trainAutoencoder` (./autoencoder_training.ts) share: epochs of
 * stochastic gradient descent (001, "Stochastic Gradient Descent (SGD)": each
 * step estimates the gradient of the loss on a minibatch of B rows; one
 * epoch is N/B such steps), the rows in a fresh seeded order every epoch.
 *
 * Each step: zero the gradients, compute the minibatch's objective, stop at
 * once on a non-finite loss (DivergenceError), backward, one optimizer step.
 * Each epoch's result is the mean over its rows (minibatches weighted by
 * their size) of the loss and of any further terms the objective reports.
 *
 * The image Trainer (./train.ts) has its own loop: standardized, augmented
 * batches of an ImageDataset, per-step progress, running metrics of the
 * logits and a test evaluation after every epoch; the GAN (./gan.ts) counts
 * iterations of k₁ + k₂ steps on two optimizers, not epochs over rows.
 */
import type { Random } from "../random.js";
import type { Variable } from "../autograd/variable.js";
import type { Module } from "../nn/module.js";
import type { Optimizer } from "../optim/optimizer.js";
import { rowBatches } from "../data/rows.js";
import { DivergenceError } from "./train.js";
import { checkFiniteParameters, findNonFiniteParameter } from "./finite_parameters.js";

/** One minibatch's objective: the scalar loss [] to descend, and further numbers to average over the epoch. */
export interface MinibatchObjective {
  readonly loss: Variable;
  readonly terms?: readonly number[];
}

/** Options of `rowEpochs`. */
export interface RowEpochsOptions {
  /** Passes over the rows. */
  readonly epochs: number;
  /** Rows per minibatch, B. */
  readonly batchSize: number;
  /** The order of the rows in each epoch. */
  readonly rng: Random;
  readonly optimizer: Optimizer;
  /** The objective of the minibatch of these row indices. */
  objective(rows: Int32Array): MinibatchObjective;
  /** How many `terms` the objective reports (default 0). */
  readonly termCount?: number;
  /**
   * When given, a divergence names its first non-finite parameter, and every
   * epoch ends by checking that all its parameters and buffers are finite.
   */
  readonly model?: Module;
  /** After every epoch: [mean loss, mean of each term]. */
  onEpoch?(epoch: number, means: number[]): void;
}

/** Trains `options.epochs` epochs over `n` rows; returns each epoch's [mean loss, mean of each term]. */
export function rowEpochs(n: number, options: RowEpochsOptions): number[][] {
  const { epochs, batchSize, rng, optimizer, model } = options;
  const history: number[][] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const sums = new Array<number>(1 + (options.termCount ?? 0)).fill(0);
    let step = 0;
    for (const rows of rowBatches(n, batchSize, rng)) {
      step++;
      optimizer.zeroGrad();
      const { loss, terms = [] } = options.objective(rows);
      const value = loss.value.data[0];
      if (!Number.isFinite(value)) throw new DivergenceError(epoch, step, value, model ? findNonFiniteParameter(model) : null);
      loss.backward();
      optimizer.step();
      [value, ...terms].forEach((v, i) => (sums[i] += v * rows.length));
    }
    if (model) checkFiniteParameters(model, `after epoch ${epoch}`);
    history.push(sums.map((s) => s / n));
    options.onEpoch?.(epoch, history[epoch - 1]);
  }
  return history;
}
