/**
 * Every lecture experiment, in the order `nnref lecture` lists them (by deck,
 * then slide). Each lives in its own file beside this one and keeps the
 * contract in ./experiment.ts.
 */
import type { Experiment } from "./experiment.js";
import { twoLayerBackprop } from "./two_layer_backprop.js";
import { tensorflowExample } from "./tensorflow_example.js";
import { resnet50MemoryExperiment } from "./resnet50_memory.js";
import { committees } from "./committees.js";
import { imageFilters } from "./image_filters.js";
import { lenetMisclassified } from "./lenet_misclassified.js";
import { segmentation } from "./segmentation.js";
import { vanishingGradients } from "./vanishing_gradients.js";
import { stepSizes } from "./step_sizes.js";
import { dropout } from "./dropout.js";
import { batchNorm } from "./batch_norm.js";
import { plainVsResidual } from "./plain_vs_residual.js";
import { rosenbrockSurface } from "./rosenbrock_surface.js";
import { moreComplexSurface } from "./more_complex_surface.js";
import { hiddenSizeSweep } from "./hidden_size_sweep.js";
import { gridVsRandomSearch } from "./grid_vs_random_search.js";

export type * from "./experiment.js";

/** The experiments of the course companion, by deck and slide. */
export const EXPERIMENTS: readonly Experiment[] = [
  twoLayerBackprop,
  segmentation,
  vanishingGradients,
  stepSizes,
  dropout,
  batchNorm,
  plainVsResidual,
  committees,
  imageFilters,
  lenetMisclassified,
  tensorflowExample,
  rosenbrockSurface,
  moreComplexSurface,
  hiddenSizeSweep,
  resnet50MemoryExperiment,
  gridVsRandomSearch,
];

/** The experiment called `name`, or undefined. */
export function findExperiment(name: string): Experiment | undefined {
  return EXPERIMENTS.find((e) => e.name === name);
}
