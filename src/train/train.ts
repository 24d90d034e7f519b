/**
 * The training loop: epochs of minibatch stochastic gradient descent (001,
 * "Stochastic Gradient Descent (SGD)": each step estimates the gradient of
 * the loss on a minibatch of B images; one epoch is N/B such steps).
 *
 * Each step: forward (in training mode), the cross-entropy loss of the
 * logits (002, "Neural Net – Training": −Σᵢ yᵢ log softmax(z)ᵢ; 001's
 * "Training objective for classification", averaged over the batch),
 * backward, one optimizer step. After each epoch the model is evaluated on
 * the test set in evaluation mode under `noGrad`; the report holds loss,
 * accuracy and top-k error on both sets. The training-set numbers are the
 * running averages over the epoch's minibatches (computed as the weights
 * changed, as most frameworks report them), so they cost nothing extra.
 *
 * Divergence: a NaN or infinite loss stops the run at once (DivergenceError,
 * naming the first non-finite parameter if there is one), and every epoch
 * ends by checking that all parameters and buffers are finite
 * (./finite_parameters.ts), so a NaN weight never trains on silently.
 *
 * Determinism: everything random (order, augmentation, dropout masks) comes
 * from seeded `Random`s, and every op runs in a fixed order, so one seed
 * gives bit-identical weights. The state after any epoch — weights,
 * optimizer state, the data `Random` and every module's own `Random` — can be
 * saved (./checkpoint.ts) and training resumed exactly as if uninterrupted.
 */
import type { Random } from "../random.js";
import { Variable } from "../autograd/variable.js";
import * as F from "../autograd/functional.js";
import { tidy } from "../tensor_lifetime.js";
import type { Module } from "../nn/module.js";
import type { Optimizer } from "../optim/optimizer.js";
import type { ImageDataset, TrainTestData } from "../data/dataset.js";
import { batchCount, epochBatches, type Batch } from "../data/batches.js";
import { computeStandardization, type Standardization } from "../data/standardize.js";
import type { Augmentation } from "../data/augment.js";
import { MetricsAccumulator, type PassMetrics } from "./metrics.js";
import { checkFiniteParameters, findNonFiniteParameter, type NonFiniteEntry } from "./finite_parameters.js";
import { evaluateClassifier } from "./evaluate.js";

/** Options of a `Trainer`. */
export interface TrainerOptions {
  /** Images per minibatch, B. */
  readonly batchSize: number;
  /** Randomness of the data order and augmentation (the trainer owns it from now on). */
  readonly rng: Random;
  /** Input statistics (default: computed from the training set). */
  readonly standardization?: Standardization;
  /** Augment training images (default none). */
  readonly augmentation?: Augmentation | null;
  /** Drop the last partial batch of each epoch (default false). */
  readonly dropLast?: boolean;
  /** k of the top-k error (default 5, AlexNet's top-5). */
  readonly topK?: number;
  /** Batch size of evaluation passes (default 1000; it does not change the result). */
  readonly evalBatchSize?: number;
}

/** Progress within an epoch, after each step. */
export interface StepProgress {
  /** 1-based epoch number. */
  readonly epoch: number;
  /** Steps done in this epoch, 1 … batches. */
  readonly step: number;
  readonly batches: number;
  /** This step's mean loss. */
  readonly loss: number;
  /** Running metrics of the epoch so far. */
  readonly running: PassMetrics;
  /** Seconds since the epoch started. */
  readonly seconds: number;
}

/** One epoch's results. */
export interface EpochReport {
  /** 1-based epoch number. */
  readonly epoch: number;
  /** Running averages over the epoch's minibatches. */
  readonly train: PassMetrics;
  /** Evaluation on the test set after the epoch (eval mode, no gradients). */
  readonly test: PassMetrics;
  /** The step size used in this epoch. */
  readonly lr: number;
  /** Seconds spent on the training steps (not the evaluation). */
  readonly trainSeconds: number;
  /** Seconds spent evaluating the test set. */
  readonly evalSeconds: number;
  /** Training images per second of trainSeconds. */
  readonly imagesPerSecond: number;
}

/** Callbacks of a training run. */
export interface TrainCallbacks {
  /** After every optimizer step. */
  onStep?(progress: StepProgress): void;
  /** After every epoch (its evaluation included). A callback may change `optimizer.lr` here (a schedule). */
  onEpoch?(report: EpochReport): void;
}

const now = (): number => (typeof performance !== "undefined" ? performance.now() : Date.now());

/** Thrown when the loss stops being finite; names the first non-finite parameter when one is known. */
export class DivergenceError extends Error {
  constructor(epoch: number, step: number, loss: number, parameter: NonFiniteEntry | null = null) {
    const where = parameter ? `; ${parameter.name}[${parameter.index}] is ${parameter.value}` : "";
    super(`training diverged: loss ${loss} at epoch ${epoch}, step ${step}${where} (try a smaller learning rate)`);
    this.name = "DivergenceError";
  }
}

/** Trains a classifier on a train/test pair; see the file comment. */
export class Trainer {
  /** Epochs completed so far. */
  epoch = 0;
  /** One report per completed epoch. */
  readonly history: EpochReport[] = [];
  readonly standardization: Standardization;
  readonly batchSize: number;
  readonly topK: number;
  readonly evalBatchSize: number;
  readonly augmentation: Augmentation | null;
  readonly dropLast: boolean;
  readonly rng: Random;

  constructor(readonly model: Module, readonly optimizer: Optimizer, readonly data: TrainTestData, options: TrainerOptions) {
    const { batchSize, rng, augmentation = null, dropLast = false, topK = 5, evalBatchSize = 1000 } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`Trainer: batchSize: expected an integer ≥ 1, got ${JSON.stringify(batchSize)}`);
    if (!Number.isInteger(topK) || topK < 1) throw new RangeError(`Trainer: topK: expected an integer ≥ 1, got ${JSON.stringify(topK)}`);
    if (!Number.isInteger(evalBatchSize) || evalBatchSize < 1) throw new RangeError(`Trainer: evalBatchSize: expected an integer ≥ 1, got ${JSON.stringify(evalBatchSize)}`);
    if (!rng || typeof rng.permutation !== "function") throw new TypeError(`Trainer: rng: expected a Random, got ${String(rng)}`);
    if (dropLast && batchSize > data.train.count) throw new RangeError(`Trainer: batchSize ${batchSize} exceeds the ${data.train.count} training images and dropLast is set: an epoch would have no batch`);
    this.batchSize = batchSize;
    this.rng = rng;
    this.augmentation = augmentation;
    this.dropLast = dropLast;
    this.topK = topK;
    this.evalBatchSize = evalBatchSize;
    this.standardization = options.standardization ?? computeStandardization(data.train);
  }

  /** Batches in one training epoch. */
  get batchesPerEpoch(): number {
    return batchCount(this.data.train.count, this.batchSize, this.dropLast);
  }

  /**
   * One step on one batch: forward, cross-entropy, backward, optimizer step,
   * in one tidy scope (src/tensor_lifetime.ts). Returns the batch's mean loss
   * and the logits [B, classes] (a plain copy, cut from the graph; for
   * running metrics). Parameter gradients made in the step are disposed when
   * it ends, once the optimizer has used them.
   */
  step(batch: Batch): { loss: number; logits: Variable } {
    this.model.train();
    // One tidy scope per step: on the wasm backend the activations and gradients stay in the kernels'
    // memory (resident) while the step runs and are freed when it ends; the logits come back as a plain copy.
    return tidy(() => {
      const logits = this.model.forward(new Variable(batch.input));
      const loss = F.crossEntropy(logits, batch.target);
      this.optimizer.zeroGrad();
      loss.backward();
      this.optimizer.step();
      return { loss: loss.value.data[0], logits: new Variable(logits.value.clone()) };
    });
  }

  /** Loss, accuracy and top-k error of the model on `d`, in eval mode, without gradients (`evaluateClassifier`). */
  evaluate(d: ImageDataset): PassMetrics {
    const { loss, accuracy, topKError, count } = evaluateClassifier(this.model, d, { standardization: this.standardization, topK: this.topK, batchSize: this.evalBatchSize });
    return { loss, accuracy, topKError, count };
  }

  /** Trains one epoch and evaluates; returns (and records) its report. */
  runEpoch(callbacks: TrainCallbacks = {}): EpochReport {
    const epoch = this.epoch + 1;
    const lr = this.optimizer.lr;
    const batches = this.batchesPerEpoch;
    const running = new MetricsAccumulator(this.topK);
    const start = now();
    let step = 0;
    for (const batch of epochBatches(this.data.train, {
      batchSize: this.batchSize,
      standardization: this.standardization,
      rng: this.rng,
      augmentation: this.augmentation,
      dropLast: this.dropLast,
    })) {
      const { loss, logits } = this.step(batch);
      step++;
      if (!Number.isFinite(loss)) throw new DivergenceError(epoch, step, loss, findNonFiniteParameter(this.model));
      running.add(loss, logits.value, batch.target);
      callbacks.onStep?.({ epoch, step, batches, loss, running: running.result(), seconds: (now() - start) / 1000 });
    }
    // A step may leave a NaN weight that the loss does not show yet: stop before evaluating or saving it.
    checkFiniteParameters(this.model, `after epoch ${epoch} (${step} steps)`);
    const trainSeconds = (now() - start) / 1000;
    const evalStart = now();
    const test = this.evaluate(this.data.test);
    const evalSeconds = (now() - evalStart) / 1000;
    const train = running.result();
    const report: EpochReport = { epoch, train, test, lr, trainSeconds, evalSeconds, imagesPerSecond: train.count / trainSeconds };
    this.epoch = epoch;
    this.history.push(report);
    callbacks.onEpoch?.(report);
    return report;
  }

  /** Runs epochs until `epochs` are complete in all (a resumed trainer continues from its epoch). */
  run(epochs: number, callbacks: TrainCallbacks = {}): EpochReport[] {
    if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`Trainer.run: expected a whole number of epochs, got ${JSON.stringify(epochs)}`);
    const reports: EpochReport[] = [];
    while (this.epoch < epochs) reports.push(this.runEpoch(callbacks));
    return reports;
  }
}
