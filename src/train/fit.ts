/**
 * Supervised training on tensors: minibatch SGD of a classifier on features
 * x [N, …] and class indices [N] (001, "Stochastic Gradient Descent (SGD)";
 * the cross-entropy objective of 001/002). This is the "2nd part: Supervised
 * fine-tuning" of 004's unsupervised pretraining, shared by the stacked
 * autoencoder (./autoencoder_training.ts) and the deep belief net
 * (src/lecture/rbm.ts); the Trainer in ./train.ts does the same for
 * labelled image sets with standardization and test evaluation.
 *
 * Only parameters that are not frozen are updated (src/nn/freeze.ts).
 */
import type { Random } from "../random.js";
import type { Tensor } from "../tensor.js";
import { Variable } from "../autograd/variable.js";
import { noGrad } from "../autograd/apply.js";
import * as F from "../autograd/functional.js";
import type { Module } from "../nn/module.js";
import { trainableParameters } from "../nn/freeze.js";
import type { Optimizer } from "../optim/optimizer.js";
import { Adam } from "../optim/adam.js";
import { rowBatches, selectRows } from "../data/rows.js";
import { argmaxRows } from "./metrics.js";
import { rowEpochs } from "./row_epochs.js";

/** Options of `fitClassifier`. */
export interface FitOptions {
  /** Passes over the data. */
  epochs: number;
  /** Rows per minibatch, B. */
  batchSize: number;
  /** The order of the rows in each epoch. */
  rng: Random;
  /** The optimizer (default Adam with `lr` over the trainable parameters). */
  optimizer?: Optimizer;
  /** Step size of the default Adam (default 1e-3). */
  lr?: number;
  /** After every epoch: its mean training loss. */
  onEpoch?(epoch: number, loss: number): void;
}

/**
 * Trains `model` (x [N, …] → logits [N, classes] or, for segmentation,
 * [N, classes, H, W]) on class indices `labels`, int32 [N] or [N, H, W] (one
 * per pixel); the loss is the mean cross-entropy over rows (and pixels).
 * Returns the mean loss of each epoch.
 */
export function fitClassifier(model: Module, x: Tensor, labels: Tensor, options: FitOptions): number[] {
  const { epochs, batchSize, rng, lr = 1e-3 } = options;
  if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`fitClassifier: epochs: expected an integer ≥ 0, got ${String(epochs)}`);
  if (labels.dtype !== "int32" || labels.rank < 1 || labels.shape[0] !== x.shape[0]) {
    throw new RangeError(`fitClassifier: labels: expected int32 [${x.shape[0]}, …] (class indices for each row of x), got ${labels.dtype} [${labels.shape.join(", ")}]`);
  }
  const optimizer = options.optimizer ?? new Adam(trainableParameters(model), { lr });
  model.train();
  const history = rowEpochs(x.shape[0], {
    epochs, batchSize, rng, optimizer, model,
    objective: (rows) => ({ loss: F.crossEntropy(model.forward(new Variable(selectRows(x, rows))), selectRows(labels, rows)) }),
    onEpoch: (epoch, [loss]) => options.onEpoch?.(epoch, loss),
  });
  return history.map(([loss]) => loss);
}

/** The fraction of rows of x whose highest logit is the label (eval mode, no graph). */
export function classifierAccuracy(model: Module, x: Tensor, labels: Tensor, batchSize = 1000): number {
  const wasTraining = model.training;
  model.eval();
  let correct = 0;
  try {
    noGrad(() => {
      for (const rows of rowBatches(x.shape[0], batchSize, null)) {
        const predicted = argmaxRows(model.forward(new Variable(selectRows(x, rows))).value);
        const truth = selectRows(labels, rows).data;
        for (let i = 0; i < rows.length; i++) if (predicted[i] === truth[i]) correct++;
      }
    });
  } finally {
    model.train(wasTraining);
  }
  return correct / x.shape[0];
}
