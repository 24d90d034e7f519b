/**
 * Evaluating a classifier on a labelled dataset: one pass in evaluation mode
 * (dropout off, batch norm on its running statistics) without gradients, in
 * the dataset's order, giving what the trainer reports after each epoch
 * (mean cross-entropy, accuracy, top-k error: ./metrics.ts) plus the
 * confusion counts and each class's accuracy (its recall: correct / images
 * of that class).
 *
 * With `outputs: true` it also returns each image's softmax probabilities
 * (002, "Neural Net – Training": softmax(z)ᵢ = e^{zᵢ} / Σⱼ e^{zⱼ}) and
 * predicted class (the arg-max of the scores) — what a playground shows
 * (the misclassified images, a drawn image's prediction).
 *
 * The inputs are standardized as in training (x = (pixel/255 − mean)/std,
 * 002 "Neural Net – Interpretation"), so pass the standardization the model
 * was trained with. The batch size does not change the result beyond float
 * rounding of the loss sum.
 */
import { Variable } from "../autograd/variable.js";
import { noGrad } from "../autograd/apply.js";
import * as F from "../autograd/functional.js";
import type { Tensor } from "../tensor.js";
import { tidy } from "../tensor_lifetime.js";
import { softmax } from "../ops/activations.js";
import type { Module } from "../nn/module.js";
import type { ImageDataset } from "../data/dataset.js";
import { epochBatches } from "../data/batches.js";
import type { Standardization } from "../data/standardize.js";
import { MetricsAccumulator, argmaxRows, confusionCounts, type PassMetrics } from "./metrics.js";

/** Options of `evaluateClassifier`. */
export interface EvaluateOptions {
  /** The input standardization the model was trained with. */
  readonly standardization: Standardization;
  /** k of the top-k error (default 5). */
  readonly topK?: number;
  /** Images per forward pass (default 1000). */
  readonly batchSize?: number;
  /** Also return each image's probabilities and predicted class (`ClassifierOutputs`; default false). */
  readonly outputs?: boolean;
}

/** Per-image results of `evaluateClassifier` with `outputs: true`, for N images and C classes. */
export interface ClassifierOutputs {
  /** Softmax probabilities [N × C], row-major, each row summing to 1. */
  readonly probabilities: Float32Array;
  /** The arg-max class of each image's scores [N] (first index among ties). */
  readonly predictions: Int32Array;
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
 * eval mode under `noGrad`, in the dataset's order, each batch in its own
 * `tidy` scope (so the kernels' memory holds one batch's activations at a
 * time, also when the caller runs it inside a scope); restores the model's
 * training mode afterwards. Labels must be below the model's number of
 * outputs.
 */
export function evaluateClassifier(model: Module, data: ImageDataset, options: EvaluateOptions & { outputs: true }): ClassifierEvaluation & ClassifierOutputs;
export function evaluateClassifier(model: Module, data: ImageDataset, options: EvaluateOptions): ClassifierEvaluation;
export function evaluateClassifier(model: Module, data: ImageDataset, options: EvaluateOptions): ClassifierEvaluation | (ClassifierEvaluation & ClassifierOutputs) {
  const { standardization, topK = 5, batchSize = 1000, outputs = false } = options;
  if (data.count === 0) throw new RangeError("evaluateClassifier: the dataset has no images");
  const metrics = new MetricsAccumulator(topK);
  let confusion: Int32Array | null = null;
  let classes = 0;
  const scoreRows: Tensor[] = [];
  const wasTraining = model.training;
  model.eval();
  try {
    noGrad(() => {
      for (const batch of epochBatches(data, { batchSize, standardization, shuffle: false })) {
        // One scope per batch: its activations (resident on the wasm backend) go when the batch is counted.
        tidy(() => {
          const logits = model.forward(new Variable(batch.input));
          const scores = logits.value;
          if (scores.rank !== 2 || scores.shape[0] !== batch.indices.length) {
            throw new RangeError(`evaluateClassifier: expected scores [${batch.indices.length}, classes] from the model, got [${scores.shape.join(", ")}]`);
          }
          const loss = F.crossEntropy(logits, batch.target);
          metrics.add(loss.value.data[0], scores, batch.target);
          const counts = confusionCounts(scores, batch.target);
          if (confusion === null) {
            confusion = counts;
            classes = scores.shape[1];
          } else {
            for (let i = 0; i < counts.length; i++) confusion[i] += counts[i];
          }
          if (outputs) scoreRows.push(scores.clone()); // a plain copy: the scope frees the scores
        });
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
  const evaluation: ClassifierEvaluation = { ...metrics.result(), topK, classes, confusion: counts, classCounts, perClassAccuracy };
  return outputs ? { ...evaluation, ...perImageOutputs(scoreRows, data.count, classes) } : evaluation;
}

/** Probabilities and arg-max predictions of the batches' scores, concatenated in order. */
function perImageOutputs(scoreRows: readonly Tensor[], n: number, c: number): ClassifierOutputs {
  const probabilities = new Float32Array(n * c);
  const predictions = new Int32Array(n);
  let row = 0;
  for (const scores of scoreRows) {
    probabilities.set(softmax(scores, 1).data, row * c);
    // Predictions from the scores, not the rounded probabilities (two scores can round to one probability).
    predictions.set(argmaxRows(scores), row);
    row += scores.shape[0];
  }
  return { probabilities, predictions };
}
