/**
 * Options every model builder of the zoo takes (see ./index.ts). All are
 * optional: without them a builder gives the network as published (or as the
 * lecture lists it), ready for a torchvision-style checkpoint.
 */
import type { FloatDType } from "../tensor.js";

/** One image's shape, [C, H, W] (no batch dimension). */
export type ImageSize = readonly [number, number, number];

/** Options of the zoo's model builders. */
export interface ModelOptions {
  /** Classes of the last layer (default 1000; 10 for the MNIST models). */
  numClasses?: number;
  /**
   * One image's [C, H, W]. C sets the first layer's input channels; models
   * whose first fully connected layer sees the raw feature map (LeNet-5,
   * AlexNet, ZFNet) size that layer from H and W. Models with global or
   * adaptive pooling before their head accept any large-enough input anyway.
   */
  inputSize?: ImageSize;
  /** A model-specific variant (e.g. ResNet's "torchvision" or "original"); see each builder. */
  variant?: string;
  /**
   * Channel multiplier (default 1): every convolution's channel count is
   * scaled and rounded (at least 1). For small test networks; 1 is the
   * published network.
   */
  width?: number;
  /** Width of the hidden fully connected layers (AlexNet, ZFNet, VGG: default 4096; MLP: 128). */
  hidden?: number;
  /** Parameter dtype (default "float32"). */
  dtype?: FloatDType;
}

/** `channels · width`, rounded, at least 1. */
export function scaled(channels: number, width = 1): number {
  return Math.max(1, Math.round(channels * width));
}

/** Checks the options every builder shares and returns them with defaults filled in. */
export function commonOptions(model: string, options: ModelOptions, defaults: { numClasses?: number; inputSize: ImageSize }): Required<Omit<ModelOptions, "variant">> & { variant?: string } {
  const { numClasses = defaults.numClasses ?? 1000, inputSize = defaults.inputSize, width = 1, hidden = 4096, dtype = "float32", variant } = options;
  const positiveInt = (name: string, v: unknown) => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw new RangeError(`${model}: ${name}: expected a positive integer, got ${JSON.stringify(v)}`);
  };
  positiveInt("numClasses", numClasses);
  positiveInt("hidden", hidden);
  if (!Array.isArray(inputSize) || inputSize.length !== 3) throw new RangeError(`${model}: inputSize: expected [C, H, W], got ${JSON.stringify(inputSize)}`);
  inputSize.forEach((d, i) => positiveInt(`inputSize[${i}]`, d));
  if (typeof width !== "number" || !(width > 0) || !Number.isFinite(width)) throw new RangeError(`${model}: width: expected a positive number, got ${JSON.stringify(width)}`);
  if (dtype !== "float32" && dtype !== "float64") throw new RangeError(`${model}: dtype: expected "float32" or "float64", got ${JSON.stringify(dtype)}`);
  return { numClasses, inputSize, width, hidden, dtype, variant };
}

/** Checks `variant` against the model's list; returns it or the first (the default) when absent. */
export function chooseVariant<V extends string>(model: string, variant: string | undefined, variants: readonly V[]): V {
  if (variant === undefined) return variants[0];
  if (!(variants as readonly string[]).includes(variant)) throw new RangeError(`${model}: variant: expected ${variants.map((v) => JSON.stringify(v)).join(" or ")}, got ${JSON.stringify(variant)}`);
  return variant as V;
}

/** The optional regularizers of the small classifiers (MLP, LeNet-5): batch norm on/off and a dropout probability. */
export interface RegularizerOptions {
  /** A batch-norm layer after each hidden linear or convolutional layer, before its ReLU (default false). */
  batchNorm?: boolean;
  /** Drop probability p of a Dropout after each hidden fully connected ReLU (default 0: none). */
  dropout?: number;
}

/** Checks `batchNorm` and `dropout` (p in [0, 1)) and fills in the defaults. */
export function regularizerOptions(model: string, options: RegularizerOptions): Required<RegularizerOptions> {
  const { batchNorm = false, dropout = 0 } = options;
  if (typeof batchNorm !== "boolean") throw new RangeError(`${model}: batchNorm: expected true or false, got ${JSON.stringify(batchNorm)}`);
  if (typeof dropout !== "number" || !(dropout >= 0 && dropout < 1)) throw new RangeError(`${model}: dropout: expected a drop probability in [0, 1), got ${JSON.stringify(dropout)}`);
  return { batchNorm, dropout };
}
