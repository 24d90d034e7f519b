/**
 * The multilayer perceptron of the lectures (000: f_i(z) = σ(Wᵢᵀz + bᵢ);
 * 002, "Neural Net – Multilayer Perceptron"; 003, "MNIST MLP") for 28×28
 * images, with one hidden layer of 128 ReLU units:
 *
 *   input             [N, 1, 28, 28]
 *   0  flatten        [N, 784]
 *   1  linear 784→128 [N, 128]   100,480 parameters
 *   2  ReLU
 *   3  linear 128→10  [N, 10]      1,290 parameters
 *                                101,770 parameters, 101,632 MACs per image
 *
 * State dict names `1.weight`, `1.bias`, `3.weight`, `3.bias`: those of
 * PyTorch's nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(),
 * nn.Linear(128, 10)). PyTorch-default initialization drawn from `rng`.
 *
 * Optional regularizers (both off by default, leaving the network above):
 * `batchNorm` puts a BatchNorm1d after the hidden linear layer, before its
 * ReLU (001, "Batch Normalization": normalize the pre-activations); `dropout`
 * p > 0 puts a Dropout(p) after the hidden ReLU (001, "Dropout block"). The layers
 * then shift the indices as in the same nn.Sequential: Flatten, Linear,
 * BatchNorm1d, ReLU, Dropout, Linear → `1.weight`, `2.running_mean`, `5.weight`.
 */
import type { Random } from "../random.js";
import { BatchNorm1d, Dropout, Flatten, Linear, ReLU, Sequential, type Module } from "../nn/index.js";
import { commonOptions, regularizerOptions, type ModelOptions, type RegularizerOptions } from "./options.js";

/** Options of `mlp`: the zoo's, plus the hidden width. */
export interface MlpOptions extends ModelOptions, RegularizerOptions {
  /** Hidden units (default 128). */
  hidden?: number;
}

/** MLP 784-128-10: input [N, C, H, W] (default [N, 1, 28, 28]) → class scores [N, numClasses]. */
export function mlp(rng: Random, options: MlpOptions = {}): Sequential {
  const { numClasses, inputSize, dtype } = commonOptions("mlp", { ...options, hidden: options.hidden ?? 128 }, { numClasses: 10, inputSize: [1, 28, 28] });
  const hidden = options.hidden ?? 128;
  const features = inputSize[0] * inputSize[1] * inputSize[2];
  const { batchNorm, dropout } = regularizerOptions("mlp", options);
  const layers: Module[] = [new Flatten(), new Linear(features, hidden, rng, { dtype })];
  if (batchNorm) layers.push(new BatchNorm1d(hidden, { dtype }));
  layers.push(new ReLU());
  if (dropout > 0) layers.push(new Dropout(dropout, rng));
  layers.push(new Linear(hidden, numClasses, rng, { dtype }));
  return new Sequential(...layers);
}
