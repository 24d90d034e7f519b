/**
 * AlexNet exactly as 000 lists it ("Case Study: AlexNet", the "Full
 * (simplified) AlexNet architecture"): one tower, no channel groups.
 *
 *   [227×227×3]  INPUT
 *   [55×55×96]   CONV1: 96 11×11 filters at stride 4, pad 0
 *   [27×27×96]   MAX POOL1: 3×3 filters at stride 2
 *   [27×27×96]   NORM1: normalization layer
 *   [27×27×256]  CONV2: 256 5×5 filters at stride 1, pad 2
 *   [13×13×256]  MAX POOL2: 3×3 filters at stride 2
 *   [13×13×256]  NORM2: normalization layer
 *   [13×13×384]  CONV3: 384 3×3 filters at stride 1, pad 1
 *   [13×13×384]  CONV4: 384 3×3 filters at stride 1, pad 1
 *   [13×13×256]  CONV5: 256 3×3 filters at stride 1, pad 1
 *   [6×6×256]    MAX POOL3: 3×3 filters at stride 2
 *   [4096]       FC6: 4096 neurons
 *   [4096]       FC7: 4096 neurons
 *   [1000]       FC8: 1000 neurons (class scores)
 *
 * with the "Details" box: ReLU after every conv and hidden FC layer, dropout
 * 0.5 (after FC6 and FC7, as in Krizhevsky et al.). NORM is local response
 * normalization with the paper's n = 5, α = 1e-4, β = 0.75, k = 2 (α divided
 * by n, as PyTorch and Caffe do). 62,378,344 parameters.
 *
 * Names follow torchvision's AlexNet layout (`features.N`, `classifier.N`),
 * but torchvision's AlexNet is a different network (64-192-384-256-256
 * channels, no NORM, 61.1 M parameters), so its checkpoints do not load here.
 */
import type { Random } from "../random.js";
import type { FloatDType } from "../tensor.js";
import { Conv2d, Flatten, LocalResponseNorm, MaxPool2d, ReLU, Sequential, type Module } from "../nn/index.js";
import { flatSize, fullyConnectedHead } from "./fully_connected_head.js";
import { NamedSequential } from "./named_sequential.js";
import { commonOptions, scaled, type ModelOptions } from "./options.js";

/** The lecture's NORM layer: local response normalization across 5 channels. */
export function alexNetNorm(): LocalResponseNorm {
  return new LocalResponseNorm(5, { alpha: 1e-4, beta: 0.75, k: 2 });
}

/**
 * CONV3, CONV4, CONV5 as 000 lists them for AlexNet (ZFNet keeps them with
 * other widths): three 3×3 convolutions at stride 1, pad 1, each followed by
 * ReLU. `channels`: CONV3's input, then the three outputs. Six layers, in order.
 */
export function alexNetConv3to5(channels: readonly [number, number, number, number], rng: Random, dtype: FloatDType): Module[] {
  const [input, conv3, conv4, conv5] = channels;
  return [
    new Conv2d(input, conv3, 3, rng, { padding: 1, dtype }), new ReLU(), // CONV3
    new Conv2d(conv3, conv4, 3, rng, { padding: 1, dtype }), new ReLU(), // CONV4
    new Conv2d(conv4, conv5, 3, rng, { padding: 1, dtype }), new ReLU(), // CONV5
  ];
}

/**
 * AlexNet as listed in 000: input [N, 3, 227, 227] → class scores [N, numClasses].
 * Children `features` (CONV1 … POOL3), `flatten`, `classifier` (FC6 … FC8).
 * FC6's input size follows from `inputSize` (6·6·256 = 9216 at 227×227).
 */
export function alexnet(rng: Random, options: ModelOptions = {}): NamedSequential {
  const { numClasses, inputSize, width, hidden, dtype } = commonOptions("alexnet", options, { inputSize: [3, 227, 227] });
  const c = (n: number) => scaled(n, width);
  const features = new Sequential(
    new Conv2d(inputSize[0], c(96), 11, rng, { stride: 4, dtype }), // CONV1
    new ReLU(),
    new MaxPool2d(3, { stride: 2 }), // MAX POOL1
    alexNetNorm(), // NORM1
    new Conv2d(c(96), c(256), 5, rng, { padding: 2, dtype }), // CONV2
    new ReLU(),
    new MaxPool2d(3, { stride: 2 }), // MAX POOL2
    alexNetNorm(), // NORM2
    ...alexNetConv3to5([c(256), c(384), c(384), c(256)], rng, dtype),
    new MaxPool2d(3, { stride: 2 }), // MAX POOL3
  );
  return new NamedSequential([
    ["features", features],
    ["flatten", new Flatten()],
    ["classifier", fullyConnectedHead(flatSize("alexnet", features, inputSize), hidden, numClasses, rng, dtype)],
  ]);
}
