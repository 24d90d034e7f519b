/**
 * Classifying a whole dataset with a trained model: the softmax
 * probabilities of every image (002, "Neural Net – Training": softmax(z)ᵢ =
 * e^{zᵢ} / Σⱼ e^{zⱼ}), the predicted class (the arg-max), the confusion
 * matrix against the labels and the accuracy — what a playground shows after
 * training (the confusion matrix, the misclassified images) and what a drawn
 * image's prediction is.
 */
import { Tensor } from "../tensor.js";
import { Variable } from "../autograd/variable.js";
import { noGrad } from "../autograd/apply.js";
import { softmax } from "../ops/activations.js";
import type { Module } from "../nn/module.js";
import type { ImageDataset } from "../data/dataset.js";
import { epochBatches } from "../data/batches.js";
import type { Standardization } from "../data/standardize.js";
import { argmaxRows, confusionCounts } from "./metrics.js";

/** What `classifyDataset` returns for N images and C classes. */
export interface Classification {
  /** Softmax probabilities [N × C], row-major, each row summing to 1. */
  readonly probabilities: Float32Array;
  /** The arg-max class of each image [N]. */
  readonly predictions: Int32Array;
  /** Confusion counts [C × C]: row = label, column = prediction, row-major. */
  readonly confusion: Int32Array;
  /** Share of images whose prediction equals the label. */
  readonly accuracy: number;
  /** C, the number of scores the model gives. */
  readonly classes: number;
}

/**
 * Runs `model` in eval mode without gradients on every image of `d` (in
 * order; pixels standardized with `standardization`, as in training) and
 * classifies them. The model must map [B, C, H, W] to scores [B, classes]
 * with classes ≥ d.classes. Restores the model's previous mode.
 */
export function classifyDataset(model: Module, d: ImageDataset, standardization: Standardization, batchSize = 1000): Classification {
  if (d.count < 1) throw new RangeError("classifyDataset: the dataset has no images");
  const wasTraining = model.training;
  model.eval();
  const rows: Tensor[] = [];
  const logitRows: Tensor[] = [];
  try {
    noGrad(() => {
      for (const batch of epochBatches(d, { batchSize, standardization, shuffle: false })) {
        const scores = model.forward(new Variable(batch.input)).value;
        if (scores.shape.length !== 2 || scores.shape[0] !== batch.indices.length || scores.shape[1] < d.classes) {
          throw new RangeError(`classifyDataset: expected scores [${batch.indices.length}, ≥ ${d.classes}] from the model, got [${scores.shape.join(", ")}]`);
        }
        logitRows.push(scores);
        rows.push(softmax(scores, 1));
      }
    });
  } finally {
    model.train(wasTraining);
  }
  const classes = rows[0].shape[1];
  const probabilities = concatRows(rows, d.count, classes);
  // Predictions from the logits, not the rounded probabilities (two logits can round to one probability).
  const scores = new Tensor(concatRows(logitRows, d.count, classes), [d.count, classes]);
  const labels = new Tensor(Int32Array.from(d.labels), [d.count]);
  const predictions = argmaxRows(scores);
  let correct = 0;
  for (let i = 0; i < d.count; i++) if (predictions[i] === d.labels[i]) correct++;
  return { probabilities, predictions, confusion: confusionCounts(scores, labels), accuracy: correct / d.count, classes };
}

function concatRows(parts: readonly Tensor[], n: number, c: number): Float32Array {
  const out = new Float32Array(n * c);
  let at = 0;
  for (const p of parts) {
    out.set(p.data, at);
    at += p.data.length;
  }
  return out;
}
