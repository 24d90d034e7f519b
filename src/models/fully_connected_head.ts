/**
 * The fully connected head of AlexNet, ZFNet and VGG: FC6 → ReLU →
 * Dropout(0.5) → FC7 → ReLU → Dropout(0.5) → FC8, as torchvision's VGG names
 * it (`classifier.0` … `classifier.6`) and as Krizhevsky et al. place the
 * dropout (on the outputs of the two hidden FC layers).
 */
import type { FloatDType } from "../tensor.js";
import type { Random } from "../random.js";
import { Dropout, Linear, ReLU, Sequential, type Module } from "../nn/index.js";
import type { ImageSize } from "./options.js";

/** FC head: input [N, inFeatures] → [N, numClasses], hidden layers of `hidden` units. */
export function fullyConnectedHead(inFeatures: number, hidden: number, numClasses: number, rng: Random, dtype: FloatDType): Sequential {
  return new Sequential(
    new Linear(inFeatures, hidden, rng, { dtype }), // FC6
    new ReLU(),
    new Dropout(0.5, rng),
    new Linear(hidden, hidden, rng, { dtype }), // FC7
    new ReLU(),
    new Dropout(0.5, rng),
    new Linear(hidden, numClasses, rng, { dtype }), // FC8
  );
}

/**
 * Elements per image of `features`' output for one image of `inputSize` (what
 * a Flatten hands to FC6). An input too small for the layers is an error
 * naming `model`, the input and the layer's complaint.
 */
export function flatSize(model: string, features: Module, inputSize: ImageSize): number {
  let shape;
  try {
    shape = features.outputShape([1, ...inputSize]);
  } catch (err) {
    throw new RangeError(`${model}: inputSize [${inputSize.join(", ")}] does not fit the convolutional layers: ${err instanceof Error ? err.message : String(err)}`);
  }
  return shape.slice(1).reduce((a, b) => a * b, 1);
}
