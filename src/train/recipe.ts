/**
 * The standard recipe behind `nnref train`, callable from a program: build a
 * model by name, seed everything from one number, train with minibatch SGD
 * with momentum and report each epoch.
 *
 * Defaults are the recipe (PyTorch's reference runs): 10 classes
 * (every label is checked against them before training), batch 64, SGD
 * with ε = 0.05, momentum μ = 0.9 (PyTorch's form: no dampening, V₀ = the
 * first gradient), no weight decay, inputs /255 then standardized with the
 * training set's mean and std, PyTorch-default initialization.
 *
 * Two conventions are options (RECIPE_CONVENTIONS), each as the lecture
 * writes it or as PyTorch does: `momentumForm` "pytorch" (default) or
 * "lecture" (001 Introduction to ML week 6, "(S)GD + momentum":
 * V ← μV + (1 − μ)∇L from V₀ = 0 — at one lr its steps are (1 − μ) times
 * PyTorch's, so multiply lr by 1/(1 − μ) for the same effective step); and
 * `weightDecayOn` "all" (default, PyTorch's weight_decay) or "weights" (the
 * lecture's λΣW² over connection weights only: weightDecayGroups). In both,
 * `weightDecay` is 2λ.
 *
 * Seeds: `new Random(seed)` forks two generators, the first for the model's
 * initial weights and the second for the data (order and augmentation), so
 * the same seed gives the same run — bit for bit on one backend.
 */
import { Random } from "../random.js";
import type { Module } from "../nn/module.js";
import { SGD, lectureMomentum } from "../optim/sgd.js";
import { weightDecayGroups } from "../optim/weight_decay_groups.js";
import { FASHION_MNIST_CLASSES, firstLabelOutside, type ImageDataset, type TrainTestData } from "../data/dataset.js";
import type { Augmentation } from "../data/augment.js";
import type { Standardization } from "../data/standardize.js";
import { lenet5 } from "../models/lenet5.js";
import { mlp } from "../models/mlp.js";
import type { RegularizerOptions } from "../models/options.js";
import { Trainer } from "./train.js";

/** The models `nnref train` knows, by name. */
export const TRAINABLE_MODELS: Readonly<Record<string, (rng: Random, inputSize: readonly [number, number, number], classes: number, regularizers?: RegularizerOptions) => Module>> = {
  lenet5: (rng, inputSize, classes, regularizers = {}) => lenet5(rng, { inputSize, numClasses: classes, ...regularizers }),
  mlp: (rng, inputSize, classes, regularizers = {}) => mlp(rng, { inputSize, numClasses: classes, ...regularizers }),
};

/** The recipe's settings; every field but `model` has the default above. */
export interface RecipeOptions {
  /** "lenet5" or "mlp". */
  readonly model: string;
  readonly batchSize?: number;
  readonly lr?: number;
  readonly momentum?: number;
  /** "pytorch" (default): V ← μV + ∇, V₁ = ∇; "lecture" (001): V ← μV + (1 − μ)∇, V₀ = 0. */
  readonly momentumForm?: "pytorch" | "lecture";
  /** Adds weightDecay·W to the gradient: 2λ of the lecture's λΣW². */
  readonly weightDecay?: number;
  /** "all" (default, PyTorch): every parameter decays; "weights": connection weights only, not biases or batch norm's γ, β. */
  readonly weightDecayOn?: "all" | "weights";
  readonly seed?: number;
  readonly augmentation?: Augmentation | null;
  /** Batch norm in the model (default false; see `mlp` and `lenet5`). */
  readonly batchNorm?: boolean;
  /** Dropout probability in the model (default 0: none). */
  readonly dropout?: number;
  /** The model's number of classes (default 10, Fashion-MNIST's); every label of the data must be below it. */
  readonly classes?: number;
  /** Input standardization (default: the training set's mean and std). */
  readonly standardization?: Standardization;
}

/** The defaults of the recipe. */
export const RECIPE_DEFAULTS = { batchSize: 64, lr: 0.05, momentum: 0.9, weightDecay: 0, seed: 0, classes: FASHION_MNIST_CLASSES.length } as const;

/** The defaults of the recipe's two conventions (see above). */
export const RECIPE_CONVENTIONS = { momentumForm: "pytorch", weightDecayOn: "all" } as const;

/** The recipe's SGD for `model`: momentum in the given form, weight decay on every parameter or on the weights only. */
function recipeOptimizer(model: Module, lr: number, momentum: number, weightDecay: number, options: RecipeOptions): SGD {
  const { momentumForm, weightDecayOn } = { ...RECIPE_CONVENTIONS, ...stripUndefined(options) };
  if (momentumForm !== "pytorch" && momentumForm !== "lecture") throw new RangeError(`momentumForm: expected "pytorch" or "lecture", got ${JSON.stringify(momentumForm)}`);
  if (weightDecayOn !== "all" && weightDecayOn !== "weights") throw new RangeError(`weightDecayOn: expected "all" or "weights", got ${JSON.stringify(weightDecayOn)}`);
  const params = weightDecayOn === "weights" ? weightDecayGroups(model, weightDecay) : model.parameters();
  const form = momentumForm === "lecture" ? lectureMomentum(momentum) : { momentum };
  return new SGD(params, { lr, weightDecay, ...form });
}

/** A Trainer for `data` built by the recipe (model, optimizer, seeded randomness). */
export function recipeTrainer(data: TrainTestData, options: RecipeOptions): Trainer {
  const build = TRAINABLE_MODELS[options.model];
  if (!build) throw new RangeError(`unknown model ${JSON.stringify(options.model)}: expected one of ${Object.keys(TRAINABLE_MODELS).join(", ")}`);
  const { batchSize, lr, momentum, weightDecay, seed, classes } = { ...RECIPE_DEFAULTS, ...stripUndefined(options) };
  if (!Number.isInteger(seed)) throw new RangeError(`seed: expected an integer, got ${JSON.stringify(seed)}`);
  checkLabels(data.train, classes, `${data.source}: training labels`);
  checkLabels(data.test, classes, `${data.source}: test labels`);
  const root = new Random(seed);
  const modelRng = root.fork();
  const dataRng = root.fork();
  const { channels, height, width } = data.train;
  const model = build(modelRng, [channels, height, width], classes, { batchNorm: options.batchNorm, dropout: options.dropout });
  const optimizer = recipeOptimizer(model, lr, momentum, weightDecay, options);
  return new Trainer(model, optimizer, data, { batchSize, rng: dataRng, augmentation: options.augmentation ?? null, standardization: options.standardization });
}

/** Throws a RangeError naming `where`, the index and the value of the first label that is not one of `classes` classes. */
function checkLabels(d: ImageDataset, classes: number, where: string): void {
  const bad = firstLabelOutside(d.labels, classes);
  if (bad !== -1) throw new RangeError(`${where}: label ${d.labels[bad]} at index ${bad} is not one of the model's ${classes} classes (expected 0 … ${classes - 1})`);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
