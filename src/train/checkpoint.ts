/**
 * Checkpoints (002, "Tensorflow: Checkpointing": save after every epoch,
 * restore the latest and go on) in the safetensors format (src/io/safetensors.ts).
 *
 * One file holds everything a resumed run needs to continue exactly as an
 * uninterrupted one:
 *
 * - the model's state dict under PyTorch's names (`0.weight`, `3.bias`,
 *   `bn.running_mean`; integer buffers as I64, as PyTorch holds them);
 * - the optimizer's per-parameter tensors as `optimizer.<parameter
 *   name>.<tensor>` (e.g. `optimizer.0.weight.momentum_buffer`, PyTorch's name
 *   for SGD's buffer);
 * - `__metadata__` strings: `format` "pt", `nnref` "checkpoint-1", `epoch`,
 *   `optimizer` (kind, hyper-parameters and step counts, JSON), `rng` (the
 *   data Random's state), `module_rngs` (each module's own Random, e.g.
 *   dropout's), `standardization`, `history` (the epoch reports) and any
 *   `info` strings of the caller (e.g. the model name and the run's options).
 *
 * For PyTorch, drop the optimizer entries:
 *   sd = {k: v for k, v in load_file(path).items() if not k.startswith("optimizer.")}
 *   model.load_state_dict(sd)
 * or use `encodeModel`, which writes the state dict alone.
 */
import { Random, type RandomState } from "../random.js";
import type { Tensor } from "../tensor.js";
import type { Module } from "../nn/module.js";
import type { Optimizer, OptimizerStateDict } from "../optim/optimizer.js";
import { decodeSafetensors, encodeSafetensors } from "../io/safetensors.js";
import type { Standardization } from "../data/standardize.js";
import type { EpochReport, Trainer } from "./train.js";
import { checkFiniteParameters } from "./finite_parameters.js";
import { RECIPE_CONVENTIONS, RECIPE_DEFAULTS } from "./recipe.js";

const FORMAT = "checkpoint-1";
const OPTIMIZER_PREFIX = "optimizer.";

/** The training state besides the tensors. */
export interface TrainingState {
  /** Epochs completed. */
  readonly epoch: number;
  /** The data Random's state after that epoch. */
  readonly rng: RandomState;
  readonly standardization: Standardization;
  readonly history: readonly EpochReport[];
}

/** Thrown for a file that is valid safetensors but not a usable checkpoint. */
export class CheckpointError extends Error {
  constructor(readonly file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = "CheckpointError";
  }
}

/** Parameter names in the optimizer's order (its parameters must be the model's). */
function optimizerParamNames(model: Module, optimizer: Optimizer): string[] {
  const byParam = new Map(model.namedParameters().map(([name, p]) => [p as object, name]));
  return optimizer.params.map((p, i) => {
    const name = byParam.get(p);
    if (name === undefined) throw new RangeError(`checkpoint: optimizer parameter ${i} is not a parameter of the model`);
    return name;
  });
}

/** Each module's own Random (e.g. Dropout's `rng`), by module name. */
function moduleRandoms(model: Module): Map<string, Random> {
  const out = new Map<string, Random>();
  for (const [name, m] of model.namedModules()) {
    const rng = (m as unknown as { rng?: unknown }).rng;
    if (rng instanceof Random) out.set(name, rng);
  }
  return out;
}

/** The model's state dict alone (PyTorch names, integer buffers as I64), for PyTorch's load_state_dict. */
export function encodeModel(model: Module, info: Record<string, string> = {}): Uint8Array {
  return encodeSafetensors(model.stateDict(), { int64: true, metadata: { ...info, format: "pt" } });
}

/** Encodes a full checkpoint of `model`, `optimizer` and `state` (see the file comment). */
export function encodeCheckpoint(model: Module, optimizer: Optimizer, state: TrainingState, info: Record<string, string> = {}): Uint8Array {
  const tensors = new Map<string, Tensor>(model.stateDict());
  const names = optimizerParamNames(model, optimizer);
  const opt = optimizer.stateDict();
  opt.state.forEach((s, i) => {
    for (const [key, t] of Object.entries(s.tensors)) tensors.set(`${OPTIMIZER_PREFIX}${names[i]}.${key}`, t);
  });
  const moduleRngs: Record<string, RandomState> = {};
  for (const [name, rng] of moduleRandoms(model)) moduleRngs[name] = rng.state();
  const metadata: Record<string, string> = {
    ...info,
    format: "pt",
    nnref: FORMAT,
    epoch: String(state.epoch),
    optimizer: JSON.stringify({ optimizer: opt.optimizer, hyper: opt.hyper, steps: opt.state.map((s) => s.step ?? null) }),
    rng: JSON.stringify(state.rng),
    module_rngs: JSON.stringify(moduleRngs),
    standardization: JSON.stringify(state.standardization),
    history: JSON.stringify(state.history),
  };
  return encodeSafetensors(tensors, { int64: true, metadata });
}

/** What `decodeCheckpoint` returns: the parts, not yet applied to a model. */
export interface DecodedCheckpoint {
  /** The model's state dict. */
  readonly model: Map<string, Tensor>;
  /** Optimizer tensors by parameter name, then tensor name. */
  readonly optimizerTensors: Map<string, Record<string, Tensor>>;
  readonly optimizer: { optimizer: string; hyper: Record<string, number | boolean>; steps: Array<number | null> };
  readonly state: TrainingState;
  readonly moduleRngs: Record<string, RandomState>;
  /** Every metadata string (the caller's `info` included). */
  readonly metadata: Record<string, string>;
}

function parseJson<T>(file: string, metadata: Record<string, string>, key: string): T {
  const text = metadata[key];
  if (text === undefined) throw new CheckpointError(file, `metadata "${key}" is missing (not an nnref checkpoint, or written by another version)`);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new CheckpointError(file, `metadata "${key}" is not valid JSON`);
  }
}

/** Decodes and validates a checkpoint file (its safetensors layer is validated by decodeSafetensors). */
export function decodeCheckpoint(bytes: Uint8Array, file = "checkpoint"): DecodedCheckpoint {
  const { tensors, metadata } = decodeSafetensors(bytes, file);
  if (metadata.nnref !== FORMAT) {
    if (metadata.nnref === undefined && !Object.keys(metadata).some((k) => k === "epoch" || k === "optimizer")) {
      const of = metadata.model ? ` of ${metadata.model}` : "";
      throw new CheckpointError(file, `is a model-only weights file${of} (a state dict: no optimizer state, epoch or data order), not a training checkpoint, so it cannot resume a run — resume from the run's checkpoint.safetensors instead; to evaluate these weights use \`nnref eval MODEL --weights ${file}\` (loadModelWeights), to train on from them use \`nnref train MODEL --weights ${file}\``);
    }
    throw new CheckpointError(file, `expected metadata nnref = "${FORMAT}", got ${JSON.stringify(metadata.nnref)} (not an nnref checkpoint, or written by another version)`);
  }
  const epoch = Number(metadata.epoch);
  if (!Number.isInteger(epoch) || epoch < 0) throw new CheckpointError(file, `metadata "epoch": expected a whole number, got ${JSON.stringify(metadata.epoch)}`);
  const optimizer = parseJson<DecodedCheckpoint["optimizer"]>(file, metadata, "optimizer");
  if (!optimizer || typeof optimizer.optimizer !== "string" || typeof optimizer.hyper !== "object" || !Array.isArray(optimizer.steps)) {
    throw new CheckpointError(file, 'metadata "optimizer": expected { optimizer, hyper, steps }');
  }
  const rng = parseJson<RandomState>(file, metadata, "rng");
  const moduleRngs = parseJson<Record<string, RandomState>>(file, metadata, "module_rngs");
  const standardization = parseJson<Standardization>(file, metadata, "standardization");
  if (!standardization || !Number.isFinite(standardization.mean) || !(standardization.std > 0)) throw new CheckpointError(file, 'metadata "standardization": expected { mean, std > 0 }');
  const history = parseJson<EpochReport[]>(file, metadata, "history");
  if (!Array.isArray(history)) throw new CheckpointError(file, 'metadata "history": expected an array of epoch reports');
  const model = new Map<string, Tensor>();
  const optimizerTensors = new Map<string, Record<string, Tensor>>();
  for (const [name, t] of tensors) {
    if (!name.startsWith(OPTIMIZER_PREFIX)) {
      model.set(name, t);
      continue;
    }
    const rest = name.slice(OPTIMIZER_PREFIX.length);
    const dot = rest.lastIndexOf(".");
    const param = rest.slice(0, dot);
    const key = rest.slice(dot + 1);
    if (dot <= 0 || !key) throw new CheckpointError(file, `tensor ${JSON.stringify(name)}: expected optimizer.<parameter>.<state tensor>`);
    const entry = optimizerTensors.get(param) ?? {};
    entry[key] = t;
    optimizerTensors.set(param, entry);
  }
  return { model, optimizerTensors, optimizer, state: { epoch, rng, standardization, history }, moduleRngs, metadata };
}

/**
 * Loads a decoded checkpoint into `model` and `optimizer` (which must be
 * built as the saved ones were: same architecture, same optimizer kind and
 * hyper-parameters) and restores every module's Random. Returns the
 * training state (epoch, data Random state, standardization, history).
 */
export function restoreCheckpoint(checkpoint: DecodedCheckpoint, model: Module, optimizer: Optimizer, file = "checkpoint"): TrainingState {
  try {
    model.loadStateDict(checkpoint.model);
  } catch (err) {
    throw new CheckpointError(file, `the model does not match the checkpoint: ${err instanceof Error ? err.message : String(err)}`);
  }
  const names = optimizerParamNames(model, optimizer);
  const known = new Set(names);
  for (const param of checkpoint.optimizerTensors.keys()) {
    if (!known.has(param)) throw new CheckpointError(file, `optimizer state for ${JSON.stringify(param)}, which is not a parameter of the model`);
  }
  if (checkpoint.optimizer.steps.length !== names.length) {
    throw new CheckpointError(file, `optimizer state for ${checkpoint.optimizer.steps.length} parameters, but the optimizer has ${names.length}`);
  }
  const state: OptimizerStateDict = {
    optimizer: checkpoint.optimizer.optimizer,
    hyper: checkpoint.optimizer.hyper,
    state: names.map((name, i) => {
      const step = checkpoint.optimizer.steps[i];
      return { ...(step === null ? {} : { step }), tensors: checkpoint.optimizerTensors.get(name) ?? {} };
    }),
  };
  try {
    optimizer.loadStateDict(state);
  } catch (err) {
    throw new CheckpointError(file, `the optimizer does not match the checkpoint: ${err instanceof Error ? err.message : String(err)}`);
  }
  const rngs = moduleRandoms(model);
  for (const [name, rng] of rngs) {
    const saved = checkpoint.moduleRngs[name];
    if (!saved) throw new CheckpointError(file, `no saved Random for module ${JSON.stringify(name)}`);
    rng.setState(saved);
  }
  return checkpoint.state;
}

/** A checkpoint of a trainer after its last completed epoch. */
export function checkpointTrainer(trainer: Trainer, info: Record<string, string> = {}): Uint8Array {
  return encodeCheckpoint(trainer.model, trainer.optimizer, {
    epoch: trainer.epoch,
    rng: trainer.rng.state(),
    standardization: trainer.standardization,
    history: trainer.history,
  }, info);
}

/**
 * Restores a trainer (built with the same model architecture, optimizer,
 * data and options) from a checkpoint: weights, optimizer state, Randoms,
 * epoch and history. Its standardization must equal the saved one, and every
 * weight and buffer must be finite (else NonFiniteParameterError naming it).
 */
export function resumeTrainer(trainer: Trainer, bytes: Uint8Array, file = "checkpoint"): TrainingState {
  const checkpoint = decodeCheckpoint(bytes, file);
  const s = checkpoint.state.standardization;
  if (s.mean !== trainer.standardization.mean || s.std !== trainer.standardization.std) {
    throw new CheckpointError(file, `was trained with inputs standardized by mean ${s.mean}, std ${s.std}, but this run's training set gives mean ${trainer.standardization.mean}, std ${trainer.standardization.std} (other data?)`);
  }
  const state = restoreCheckpoint(checkpoint, trainer.model, trainer.optimizer, file);
  checkFiniteParameters(trainer.model, `in checkpoint ${file}`); // resuming from a NaN weight would train on silently
  trainer.rng.setState(state.rng);
  trainer.epoch = state.epoch;
  trainer.history.length = 0;
  trainer.history.push(...state.history);
  return state;
}

/** The options a run of the recipe (./recipe.ts) was made with, stored as JSON in its checkpoint's `options` metadata for a resumed run. */
export interface RunOptions {
  batchSize: number;
  lr: number;
  momentum: number;
  momentumForm: "pytorch" | "lecture";
  weightDecay: number;
  weightDecayOn: "all" | "weights";
  seed: number;
  augment: boolean;
  classes: number;
}

/** What a checkpoint says about its run before it is restored: the options it was made with and, for a run started from a model's weights, their standardization. */
export interface ResumeInfo {
  readonly options: Partial<RunOptions>;
  readonly standardization?: Standardization;
}

/**
 * Reads the run's options and standardization from checkpoint `bytes`
 * (`file` names it in errors); throws if it is a checkpoint of another model
 * than `model`.
 */
export function readResumeInfo(bytes: Uint8Array, file: string, model: string): ResumeInfo {
  const checkpoint = decodeCheckpoint(bytes, file);
  const meta = checkpoint.metadata;
  // A run started from --weights standardized with the weights' statistics, not its data's: keep them.
  const standardization = meta.standardization_from === "weights" ? checkpoint.state.standardization : undefined;
  if (meta.model !== undefined && meta.model !== model) throw new Error(`${file}: is a checkpoint of ${meta.model}, not ${model}`);
  const options = meta.options ? JSON.parse(meta.options) as Partial<RunOptions> : {};
  return { options, standardization };
}

/**
 * The options of a run: each one as `given`, else as the checkpoint resumed
 * from `saved` it, else the recipe's default (RECIPE_DEFAULTS,
 * RECIPE_CONVENTIONS, no augmentation).
 */
export function mergeRunOptions(given: Partial<RunOptions>, saved: Partial<RunOptions> = {}): RunOptions {
  const defaults: RunOptions = { ...RECIPE_DEFAULTS, ...RECIPE_CONVENTIONS, augment: false };
  const options = { ...defaults } as RunOptions;
  for (const key of Object.keys(defaults) as Array<keyof RunOptions>) {
    const v = given[key] ?? saved[key];
    if (v !== undefined) (options as unknown as Record<string, unknown>)[key] = v;
  }
  return options;
}
