/**
 * 003's surface regressions ("From Classification to Regression": minimize
 * Σᵢ (zᵢ − f(xᵢ, yᵢ))²; "Second Layer for Approximation", "Adding a Third
 * Layer"): an MLP with two inputs, 1, 2 or 3 hidden layers of tanh units and
 * one linear output, fitted by full-batch Adam to samples of a surface. The
 * slides' weight counts pin the architecture down: hidden layers with biases
 * and a linear output with a bias (2·125 + 125 + 125 + 1 = 501;
 * 2·20 + 20 + 20·20 + 20 + 20 + 1 = 501; 2·14 + 14 + 2·(14·14 + 14) + 14 + 1
 * = 477). Shared by the "More Complex Surface" experiment and the Rosenbrock
 * one.
 */
import { Random } from "../../random.js";
import { Tensor, type FloatDType } from "../../tensor.js";
import { Variable } from "../../autograd/variable.js";
import { noGrad } from "../../autograd/apply.js";
import * as F from "../../autograd/functional.js";
import { Linear } from "../../nn/linear.js";
import { Tanh } from "../../nn/activations.js";
import { Sequential } from "../../nn/sequential.js";
import type { Module } from "../../nn/module.js";
import { Adam } from "../../optim/adam.js";

/** One network of the comparison: hidden layers × width, and the slide's reported weights and loss. */
export interface SurfaceNet {
  layers: number;
  width: number;
  slideWeights: number;
  slideLoss: number;
}

/** The three networks of 003 at ~500 weights ("Second Layer for Approximation", "Adding a Third Layer"). */
export const SLIDE_NETS: readonly SurfaceNet[] = [
  { layers: 1, width: 125, slideWeights: 501, slideLoss: 0.24 },
  { layers: 2, width: 20, slideWeights: 501, slideLoss: 0.0831 },
  { layers: 3, width: 14, slideWeights: 477, slideLoss: 0.0755 },
];

/** The slide's two wider 3-layer networks (second "Adding a Third Layer" slide): more weights, lower loss. */
export const WIDER_NETS: readonly SurfaceNet[] = [
  { layers: 3, width: 15, slideWeights: 541, slideLoss: 0.0593 },
  { layers: 3, width: 19, slideWeights: 837, slideLoss: 0.0438 },
];

/** Points (x, y) as rows [N, 2] and targets z [N, 1] (float64, or float32 for the fast kernels). */
export interface SurfaceSamples {
  x: Tensor;
  z: Tensor;
}

/** Packs points and their targets as tensors of `dtype` (default float64). */
export function surfaceSamples(points: ReadonlyArray<readonly [number, number]>, targets: ArrayLike<number>, dtype: FloatDType = "float64"): SurfaceSamples {
  if (points.length !== targets.length) throw new RangeError(`surfaceSamples: expected one target per point, got ${points.length} points and ${targets.length} targets`);
  const x = new Float64Array(points.length * 2);
  points.forEach(([a, b], i) => {
    x[2 * i] = a;
    x[2 * i + 1] = b;
  });
  const z = new Tensor(Float64Array.from(targets), [points.length, 1]);
  return { x: new Tensor(x, [points.length, 2]).astype(dtype), z: z.astype(dtype) };
}

/** 2 → width (tanh) → … → width (tanh) → 1, with biases everywhere (parameters of `dtype`, default float64). */
export function surfaceNet(layers: number, width: number, rng: Random, dtype: FloatDType = "float64"): Sequential {
  const modules: Module[] = [];
  let inputs = 2;
  for (let l = 0; l < layers; l++) {
    modules.push(new Linear(inputs, width, rng, { dtype }), new Tanh());
    inputs = width;
  }
  modules.push(new Linear(inputs, 1, rng, { dtype }));
  return new Sequential(...modules);
}

/** What one network reached: its weight count, its mean squared error on the training samples and on a test grid, and the fitted values on the grid. */
export interface SurfaceFit extends SurfaceNet {
  weights: number;
  trainLoss: number;
  gridLoss: number;
  /** The network's output at each grid point, in the grid's order. */
  gridPrediction: number[];
}

/**
 * Fits each network to `train` by full-batch Adam for `steps` steps (step
 * size 1e-2, divided by 10 after 60% and again after 85% of the steps;
 * PyTorch-default initialization seeded per network from `seed`) and
 * evaluates it on `grid`. The networks take the samples' dtype.
 */
export function fitSurfaces(train: SurfaceSamples, grid: SurfaceSamples, nets: readonly SurfaceNet[], steps: number, seed: number): SurfaceFit[] {
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`fitSurfaces: steps: expected an integer ≥ 0, got ${steps}`);
  return nets.map((net) => {
    const model = surfaceNet(net.layers, net.width, new Random(seed * 1000 + net.layers * 100 + net.width), train.x.dtype as FloatDType);
    const optimizer = new Adam(model.parameters(), { lr: 1e-2 });
    const input = new Variable(train.x);
    for (let step = 0; step < steps; step++) {
      if (step === Math.floor(0.6 * steps) || step === Math.floor(0.85 * steps)) optimizer.lr /= 10;
      optimizer.zeroGrad();
      F.mseLoss(model.forward(input), train.z).backward();
      optimizer.step();
    }
    const predict = (d: SurfaceSamples) => noGrad(() => model.forward(new Variable(d.x)).value);
    const mse = (d: SurfaceSamples) => noGrad(() => F.mseLoss(new Variable(predict(d)), d.z).value.data[0]);
    return { ...net, weights: model.parameterCount(), trainLoss: mse(train), gridLoss: mse(grid), gridPrediction: Array.from(predict(grid).data) };
  });
}
