/**
 * The standard recipe behind `nnref train`, callable from a program: build a
 * model by name, seed everything from one number, train with minibatch SGD
 * with momentum and report each epoch.
 *
 * Defaults are the recipe (PyTorch's reference runs): batch 64, SGD
 * with ε = 0.05, momentum μ = 0.9 (PyTorch's form: no dampening, V₀ = the
 * first gradient), no weight decay, inputs /255 then standardized with the
 * training set's mean and std, PyTorch-default initialization.
 *
 * Seeds: `new Random(seed)` forks two generators, the first for the model's
 * initial weights and the second for the data (order and augmentation), so
 * the same seed gives the same run — bit for bit on one backend.
 */
import { Random } from "../random.js";
import type { Module } from "../nn/module.js";
import { SGD } from "../optim/sgd.js";
import type { TrainTestData } from "../data/dataset.js";
import type { Augmentation } from "../data/augment.js";
import type { Standardization } from "../data/standardize.js";
import { lenet5 } from "../models/lenet5.js";
import { mlp } from "../models/mlp.js";
import { Trainer } from "./train.js";

/** The models `nnref train` knows, by name. */
export const TRAINABLE_MODELS: Readonly<Record<string, (rng: Random, inputSize: readonly [number, number, number], classes: number) => Module>> = {
  lenet5: (rng, inputSize, classes) => lenet5(rng, { inputSize, numClasses: classes }),
  mlp: (rng, inputSize, classes) => mlp(rng, { inputSize, numClasses: classes }),
};

/** The recipe's settings; every field but `model` has the default above. */
export interface RecipeOptions {
  /** "lenet5" or "mlp". */
  readonly model: string;
  readonly batchSize?: number;
  readonly lr?: number;
  readonly momentum?: number;
  readonly weightDecay?: number;
  readonly seed?: number;
  readonly augmentation?: Augmentation | null;
  /** Input standardization (default: the training set's mean and std). */
  readonly standardization?: Standardization;
}

/** The defaults of the recipe. */
export const RECIPE_DEFAULTS = { batchSize: 64, lr: 0.05, momentum: 0.9, weightDecay: 0, seed: 0 } as const;

/** A Trainer for `data` built by the recipe (model, optimizer, seeded randomness). */
export function recipeTrainer(data: TrainTestData, options: RecipeOptions): Trainer {
  const build = TRAINABLE_MODELS[options.model];
  if (!build) throw new RangeError(`unknown model ${JSON.stringify(options.model)}: expected one of ${Object.keys(TRAINABLE_MODELS).join(", ")}`);
  const { batchSize, lr, momentum, weightDecay, seed } = { ...RECIPE_DEFAULTS, ...stripUndefined(options) };
  if (!Number.isInteger(seed)) throw new RangeError(`seed: expected an integer, got ${JSON.stringify(seed)}`);
  const root = new Random(seed);
  const modelRng = root.fork();
  const dataRng = root.fork();
  const { channels, height, width } = data.train;
  const model = build(modelRng, [channels, height, width], data.train.classes);
  const optimizer = new SGD(model.parameters(), { lr, momentum, weightDecay });
  return new Trainer(model, optimizer, data, { batchSize, rng: dataRng, augmentation: options.augmentation ?? null, standardization: options.standardization });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
