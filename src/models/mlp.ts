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
 */
import type { Random } from "../random.js";
import { Flatten, Linear, ReLU, Sequential } from "../nn/index.js";
import { commonOptions, type ModelOptions } from "./options.js";

/** Options of `mlp`: the zoo's, plus the hidden width. */
export interface MlpOptions extends ModelOptions {
  /** Hidden units (default 128). */
  hidden?: number;
}

/** MLP 784-128-10: input [N, C, H, W] (default [N, 1, 28, 28]) → class scores [N, numClasses]. */
export function mlp(rng: Random, options: MlpOptions = {}): Sequential {
  const { numClasses, inputSize, dtype } = commonOptions("mlp", { ...options, hidden: options.hidden ?? 128 }, { numClasses: 10, inputSize: [1, 28, 28] });
  const hidden = options.hidden ?? 128;
  const features = inputSize[0] * inputSize[1] * inputSize[2];
  return new Sequential(
    new Flatten(),
    new Linear(features, hidden, rng, { dtype }),
    new ReLU(),
    new Linear(hidden, numClasses, rng, { dtype }),
  );
}
