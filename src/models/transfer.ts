/**
 * Transfer learning (000, "Transfer Learning"): keep a trained network's
 * layers, put a new classifier on top for the new task's classes, and train
 * the new head alone (little data: "Use Linear Classifier on top layer") or
 * with a few of the last layers ("Finetune a few layers"), the first layers
 * frozen (004, "Fine-tuning"; src/nn/freeze.ts).
 *
 * `replaceHead` swaps the last Linear layer of a chain (Sequential or
 * NamedSequential, nested as the zoo builds them: `fc` of ResNet and
 * GoogLeNet, `classifier.6` of AlexNet and VGG, the last layer of LeNet-5
 * and the MLP) for a new, freshly initialized Linear with `numClasses`
 * outputs. Every other layer — and its parameters — is the same object in the
 * returned model as in the original, and the state dict names are unchanged,
 * so pretrained weights loaded before stay in place.
 */
import type { Random } from "../random.js";
import { Linear, Module, Sequential, type InitName } from "../nn/index.js";
import { NamedSequential } from "./named_sequential.js";

/** Options of `replaceHead`. */
export interface ReplaceHeadOptions {
  /** Initialization of the new head (default "pytorch"). */
  init?: InitName;
  /** Keep the bias (default: as the old head had it). */
  bias?: boolean;
}

/**
 * A copy of the chain `model` whose last Linear layer (searched from the end,
 * into nested chains) is replaced by Linear(old.inFeatures, numClasses), drawn
 * from `rng` in the old layer's dtype. Returns the new model and the new head.
 * Throws if the last layer of the chain is neither a Linear nor a chain ending
 * in one (a head behind a Flatten or Dropout is found: only layers without
 * parameters may follow it).
 */
export function replaceHead<M extends Sequential | NamedSequential>(model: M, numClasses: number, rng: Random, options: ReplaceHeadOptions = {}): { model: M; head: Linear } {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new RangeError(`replaceHead: numClasses: expected a positive integer, got ${String(numClasses)}`);
  if (!(model instanceof Sequential) && !(model instanceof NamedSequential)) {
    const got: unknown = model;
    throw new TypeError(`replaceHead: expected a Sequential or NamedSequential model, got ${got instanceof Module ? got.constructor.name : String(got)}`);
  }
  const stages = model.namedChildren();
  for (let i = stages.length - 1; i >= 0; i--) {
    const [name, layer] = stages[i];
    let replacement: Module | null = null;
    let head: Linear | null = null;
    if (layer instanceof Linear) {
      head = new Linear(layer.inFeatures, numClasses, rng, { bias: options.bias ?? layer.bias !== null, init: options.init ?? "pytorch", dtype: layer.weight.dtype });
      head.training = layer.training;
      replacement = head;
    } else if (layer instanceof Sequential || layer instanceof NamedSequential) {
      const inner = replaceHead(layer, numClasses, rng, options);
      replacement = inner.model;
      head = inner.head;
    } else if (layer.parameters().length > 0) {
      throw new RangeError(`replaceHead: expected the last layer with parameters to be a Linear (or a chain ending in one), got ${name}: ${layer.describe()}`);
    }
    if (replacement !== null && head !== null) {
      const newStages: Array<[string, Module]> = stages.map(([n, m], k) => [n, k === i ? replacement! : m]);
      const rebuilt = model instanceof Sequential ? new Sequential(...newStages.map(([, m]) => m)) : new NamedSequential(newStages);
      rebuilt.training = model.training;
      return { model: rebuilt as M, head };
    }
  }
  throw new RangeError(`replaceHead: expected a Linear layer in the model, found none (${stages.map(([n, m]) => `${n}: ${m.describe()}`).join(", ")})`);
}
