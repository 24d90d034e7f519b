/**
 * Predicting classes of single images: the inputs standardized as in
 * training ((pixel/255 − mean)/std, 002 "Neural Net – Interpretation"), one
 * forward pass in eval mode without gradients, softmax of the scores (002,
 * "Deep Neural Nets - Adaptations": softmax(z)ᵢ = exp(zᵢ)/Σₖ exp(zₖ)) and the
 * k most probable classes of each image, most probable first (ties: lower
 * class index first, as argmax).
 */
import { Tensor } from "../tensor.js";
import { Variable } from "../autograd/variable.js";
import { noGrad } from "../autograd/apply.js";
import { tidy } from "../tensor_lifetime.js";
import * as F from "../autograd/functional.js";
import type { Module } from "../nn/module.js";
import { standardizationTable, type Standardization } from "../data/standardize.js";

/** One class of a prediction. */
export interface ClassProbability {
  /** Class index. */
  readonly index: number;
  /** Class name (`class i` when no names are given). */
  readonly name: string;
  /** softmax probability. */
  readonly probability: number;
}

/** Options of `predictClasses`. */
export interface PredictOptions {
  /** The model's input [C, H, W]. */
  readonly inputSize: readonly [number, number, number];
  /** The input standardization the model was trained with. */
  readonly standardization: Standardization;
  /** Classes reported per image (default 5, at most the model's classes). */
  readonly topK?: number;
  /** Class names by index. */
  readonly classNames?: readonly string[];
}

/**
 * The top-k classes of each image. `images` holds each image's C·H·W bytes
 * ([C, H, W] planes, e.g. from `imageToInput`). Returns one list per image.
 */
export function predictClasses(model: Module, images: readonly Uint8Array[], options: PredictOptions): ClassProbability[][] {
  const { inputSize, standardization, topK = 5, classNames } = options;
  const size = inputSize[0] * inputSize[1] * inputSize[2];
  if (images.length === 0) throw new RangeError("predictClasses: expected at least one image, got none");
  if (!Number.isInteger(topK) || topK < 1) throw new RangeError(`predictClasses: topK: expected an integer ≥ 1, got ${JSON.stringify(topK)}`);
  const table = standardizationTable(standardization);
  const input = new Float32Array(images.length * size);
  images.forEach((img, n) => {
    if (img.length !== size) throw new RangeError(`predictClasses: image ${n}: expected ${size} bytes ([${inputSize.join(", ")}]), got ${img.length}`);
    for (let i = 0; i < size; i++) input[n * size + i] = table[img[i]];
  });
  const wasTraining = model.training;
  model.eval();
  let probabilities: Tensor;
  try {
    // In a scope, as evaluateClassifier's batches: the activations go when the (plain) probabilities are copied out.
    probabilities = tidy(() => noGrad(() => F.softmax(model.forward(new Variable(new Tensor(input, [images.length, ...inputSize]))), 1).value.clone()));
  } finally {
    model.train(wasTraining);
  }
  const classes = probabilities.shape[1];
  return images.map((_, n) => {
    const row = Array.from({ length: classes }, (_, j) => ({ index: j, p: probabilities.data[n * classes + j] }));
    row.sort((a, b) => b.p - a.p || a.index - b.index);
    return row.slice(0, Math.min(topK, classes)).map(({ index, p }) => ({ index, name: classNames?.[index] ?? `class ${index}`, probability: p }));
  });
}
