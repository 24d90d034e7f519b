/**
 * LeNet-5 for 28×28 Fashion-MNIST / MNIST images — 001's LeNet-5 slide
 * ("Deep learning, AD 1993": LeNet 5, 1998, "The 82 errors made by LeNet5")
 * in the lecture's [CONV-POOL-CONV-POOL-FC-FC] form (000, "Convolution Neural
 * Networks": "Conv filters were 5x5, applied at stride 1; Subsampling
 * (Pooling) layers were 2x2 applied at stride 2"), with today's ReLU and max
 * pooling:
 *
 *   input               [N, 1, 28, 28]
 *   0  conv 6@5×5       [N, 6, 24, 24]     156 parameters,  86,400 MACs per image
 *   1  ReLU
 *   2  max pool 2×2/2   [N, 6, 12, 12]
 *   3  conv 16@5×5      [N, 16, 8, 8]    2,416 parameters, 153,600 MACs
 *   4  ReLU
 *   5  max pool 2×2/2   [N, 16, 4, 4]
 *   6  flatten          [N, 256]
 *   7  linear 256→120   [N, 120]        30,840 parameters,  30,720 MACs
 *   8  ReLU
 *   9  linear 120→84    [N, 84]         10,164 parameters,  10,080 MACs
 *   10 ReLU
 *   11 linear 84→10     [N, 10]            850 parameters,     840 MACs
 *                                       44,426 parameters, 281,640 MACs
 *
 * A flat Sequential, so the state dict names (`0.weight`, `3.bias`,
 * `7.weight`, …, `11.bias`) are exactly those of the PyTorch model
 *
 *   nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
 *                 nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
 *                 nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
 *                 nn.Linear(84, 10))
 *
 * and a checkpoint moves between the two. Initialization is PyTorch's default
 * (U(±1/√fan_in) for weights and biases), drawn from `rng` layer by layer.
 *
 * Optional regularizers (both off by default, leaving the network above):
 * `batchNorm` puts a BatchNorm2d after each convolution and a BatchNorm1d
 * after each hidden linear layer, each before its ReLU (001, "Batch
 * Normalization"); `dropout` p > 0 puts a Dropout(p) after each hidden
 * linear layer's ReLU (001, "Dropout block"). The indices then shift as in
 * the same nn.Sequential (with both: `0.weight`, `1.running_mean`, `4.weight`, …).
 */
import type { Random } from "../random.js";
import { BatchNorm1d, BatchNorm2d, Conv2d, Dropout, Flatten, Linear, MaxPool2d, ReLU, Sequential, type Module } from "../nn/index.js";
import { commonOptions, regularizerOptions, scaled, type ModelOptions, type RegularizerOptions } from "./options.js";

/**
 * LeNet-5: input [N, C, H, W] (default [N, 1, 28, 28]) → class scores
 * [N, numClasses] (default 10). `inputSize` sizes the first linear layer
 * (16·4·4 = 256 at 28×28: each side goes n → ⌊(⌊(n − 4)/2⌋ − 4)/2⌋);
 * `width` scales the conv channels.
 */
export function lenet5(rng: Random, options: ModelOptions & RegularizerOptions = {}): Sequential {
  const { numClasses, inputSize, width, dtype } = commonOptions("lenet5", options, { numClasses: 10, inputSize: [1, 28, 28] });
  const [channels, height, widthPx] = inputSize;
  const c1 = scaled(6, width);
  const c2 = scaled(16, width);
  const side = (n: number) => Math.floor((Math.floor((n - 4) / 2) - 4) / 2);
  const h = side(height);
  const w = side(widthPx);
  if (h < 1 || w < 1) throw new RangeError(`lenet5: inputSize: expected images of at least 16×16, got ${height}×${widthPx}`);
  const { batchNorm, dropout } = regularizerOptions("lenet5", options);
  const layers: Module[] = [];
  const convBlock = (inChannels: number, outChannels: number) => {
    layers.push(new Conv2d(inChannels, outChannels, 5, rng, { dtype }));
    if (batchNorm) layers.push(new BatchNorm2d(outChannels, { dtype }));
    layers.push(new ReLU(), new MaxPool2d(2));
  };
  const hiddenBlock = (inFeatures: number, outFeatures: number) => {
    layers.push(new Linear(inFeatures, outFeatures, rng, { dtype }));
    if (batchNorm) layers.push(new BatchNorm1d(outFeatures, { dtype }));
    layers.push(new ReLU());
    if (dropout > 0) layers.push(new Dropout(dropout, rng));
  };
  convBlock(channels, c1);
  convBlock(c1, c2);
  layers.push(new Flatten());
  hiddenBlock(c2 * h * w, 120);
  hiddenBlock(120, 84);
  layers.push(new Linear(84, numClasses, rng, { dtype }));
  return new Sequential(...layers);
}
