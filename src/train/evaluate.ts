/**
 * Evaluating a classifier on a labelled dataset: one pass in evaluation mode
 * (dropout off, batch norm on its running statistics) without gradients, in
 * the dataset's order, giving what the trainer reports after each epoch
 * (mean cross-entropy, accuracy, top-k error: ./metrics.ts) plus the
 * confusion counts and each class's accuracy (its recall: correct / images
 * of that class).
 *
 * The inputs are standardized as in training (x = (pixel/255 − mean)/std,
 * 002 "Neural Net – Interpretation"), so pass the standardization the model
 * was trained with. The batch size does not change the result beyond float
 * rounding of the loss sum.
 */
import { Variable } from "../autograd/variable.js";
import { noGrad } from "../autograd/apply.js";
import * as F from "../autograd/functional.js";
import type { Module } from "../nn/module.js";
import type { ImageDataset } from "../data/dataset.js";
import { epochBatches } from "../data/batches.js";
import type { Standardization } from "../data/standardize.js";
import { MetricsAccumulator, confusionCounts, type PassMetrics } from "./metrics.js";

/** Options of `evaluateClassifier`. */
export interface EvaluateOptions {
  /** The input standardization the model was trained with. */
  readonly standardization: Standardization;
  /** k of the top-k error (default 5). */
  readonly topK?: number;
  /** Images per forward pass (default 1000). */
  readonly batchSize?: number;
}

/** The result of `evaluateClassifier`: the pass metrics plus per-class results. */
export interface ClassifierEvaluation extends PassMetrics {
  /** k of `topKError`. */
  readonly topK: number;
  /** C, the model's number of outputs. */
  readonly classes: number;
  /** Confusion counts [C × C], row = true class, column = predicted class, row-major. */
  readonly confusion: Int32Array;
  /** Images of each class, [C]. */
  readonly classCounts: number[];
  /** correct / images of each class, [C] (NaN for a class with no images). */
  readonly perClassAccuracy: number[];
}

/**
 * Evaluates `model` (input [N, C, H, W] → scores [N, classes]) on `data` in
 * eval mode under `noGrad`; restores the model's training mode afterwards.
 * Labels must be below the model's number of outputs.
 */
export function evaluateClassifier(model: Module, data: ImageDataset, options: EvaluateOptions): ClassifierEvaluation {
  const { standardization, topK = 5, batchSize = 1000 } = options;
  if (data.count === 0) throw new RangeError("evaluateClassifier: the dataset has no images");
  const metrics = new MetricsAccumulator(topK);
  let confusion: Int32Array | null = null;
  let classes = 0;
  const wasTraining = model.training;
  model.eval();
  try {
    noGrad(() => {
      for (const batch of epochBatches(data, { batchSize, standardization, shuffle: false })) {
        const logits = model.forward(new Variable(batch.input));
        const loss = F.crossEntropy(logits, batch.target);
        metrics.add(loss.value.data[0], logits.value, batch.target);
        const counts = confusionCounts(logits.value, batch.target);
        if (confusion === null) {
          confusion = counts;
          classes = logits.value.shape[1];
        } else {
          for (let i = 0; i < counts.length; i++) confusion[i] += counts[i];
        }
      }
    });
  } finally {
    model.train(wasTraining);
  }
  const counts = confusion as unknown as Int32Array;
  const classCounts: number[] = [];
  const perClassAccuracy: number[] = [];
  for (let t = 0; t < classes; t++) {
    let row = 0;
    for (let p = 0; p < classes; p++) row += counts[t * classes + p];
    classCounts.push(row);
    perClassAccuracy.push(row === 0 ? NaN : counts[t * classes + t] / row);
  }
  return { ...metrics.result(), topK, classes, confusion: counts, classCounts, perClassAccuracy };
}
