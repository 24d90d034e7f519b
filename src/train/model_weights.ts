/**
 * Loading a model-only weights file into a model: the state dict that
 * `nnref train` writes as `model.safetensors` (`encodeModel`), a full nnref
 * checkpoint (its `optimizer.*` entries are ignored), or a PyTorch state dict
 * saved with `safetensors.torch.save_file(model.state_dict(), path)` — the
 * zoo's parameter names are PyTorch's/torchvision's (`features.0.weight`,
 * `layer1.0.bn1.running_mean`, `fc.bias`), so such a file loads by name.
 *
 * dtypes read (src/io/safetensors.ts decodes them):
 *   parameters and float buffers   F32, F64, F16, BF16 (converted to the model's dtype;
 *                                  F32 into a float32 model and F64 into a float64
 *                                  model are bit-exact)
 *   integer buffers                I64 (PyTorch's `num_batches_tracked`), I32, I16, I8,
 *                                  U8, U16, U32, U64, BOOL (values must fit int32)
 * An integer tensor where the model holds floats (or the reverse) is an error,
 * as are F8_E5M2/F8_E4M3 (valid safetensors that nnref does not read).
 *
 * Every mismatch is collected before anything is copied, and one error lists
 * them all: each missing tensor (with the shape the model expects), each
 * unexpected one (with its dtype and shape), each of the wrong shape or kind
 * — so a model built with other options shows at once what differs. The
 * model is left untouched when anything is wrong.
 *
 * Standardization (002, "Neural Net – Interpretation": inputs shifted by the
 * training set's mean and divided by its std) travels in the `__metadata__`
 * string "standardization" as JSON `{"mean": m, "std": s}` on the /255 pixel
 * scale; `nnref train` writes it, and a PyTorch user adds it with
 * `save_file(sd, path, metadata={"standardization": json.dumps({"mean": 0.286, "std": 0.353})})`.
 */
import { shapeString, type Tensor } from "../tensor.js";
import type { Module } from "../nn/module.js";
import { buildModel, models, ShapeOnlyRandom, type ModelOptions } from "../models/index.js";
import { decodeSafetensors, type SafetensorsDType } from "../io/safetensors.js";
import type { Standardization } from "../data/standardize.js";

/** Thrown when a weights file does not fit the model; `problems` lists every mismatch, one per entry. */
export class ModelWeightsError extends Error {
  constructor(readonly file: string, detail: string, readonly problems: readonly string[] = []) {
    super(`${file}: ${detail}${problems.length > 0 ? `\n  ${problems.join("\n  ")}` : ""}`);
    this.name = "ModelWeightsError";
  }
}

/** Options of `loadModelWeights`. */
export interface LoadModelWeightsOptions {
  /** Names the source in errors (default "weights"). */
  readonly file?: string;
}

/** What a weights file held besides the tensors that were loaded. */
export interface ModelWeightsInfo {
  /** "checkpoint" for an nnref training checkpoint (optimizer entries skipped), else "model". */
  readonly kind: "model" | "checkpoint";
  /** The input standardization stored in the metadata, or null when the file has none. */
  readonly standardization: Standardization | null;
  /** Every `__metadata__` string (nnref writes `model`, `format`, `standardization`). */
  readonly metadata: Record<string, string>;
  /** The dtype each loaded tensor had in the file. */
  readonly dtypes: ReadonlyMap<string, SafetensorsDType>;
}

const FLOAT_DTYPES: readonly SafetensorsDType[] = ["F32", "F64", "F16", "BF16"];
const CHECKPOINT_FORMAT = "checkpoint-1";
const OPTIMIZER_PREFIX = "optimizer.";

/**
 * Reads a safetensors file's `standardization` metadata ({"mean", "std"} JSON,
 * /255 scale); null when absent. A present but malformed value is an error.
 */
export function standardizationFromMetadata(metadata: Record<string, string>, file = "weights"): Standardization | null {
  const text = metadata.standardization;
  if (text === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ModelWeightsError(file, `metadata "standardization": expected JSON {"mean": m, "std": s}, got ${JSON.stringify(text)}`);
  }
  const s = parsed as Partial<Standardization> | null;
  if (!s || typeof s.mean !== "number" || !Number.isFinite(s.mean) || typeof s.std !== "number" || !(s.std > 0) || !Number.isFinite(s.std)) {
    throw new ModelWeightsError(file, `metadata "standardization": expected {"mean": finite, "std": finite > 0}, got ${text}`);
  }
  return { mean: s.mean, std: s.std };
}

/** Every way `tensors` fails to fit `own` (the model's state dict), one line each. */
function weightProblems(own: Map<string, Tensor>, tensors: ReadonlyMap<string, Tensor>, dtypes: ReadonlyMap<string, SafetensorsDType>): string[] {
  const problems: string[] = [];
  for (const [name, t] of own) {
    const s = tensors.get(name);
    const wantFloat = t.dtype !== "int32";
    if (s === undefined) {
      problems.push(`missing ${name} (the model has ${t.dtype} ${shapeString(t.shape)})`);
      continue;
    }
    const dtype = dtypes.get(name)!;
    const isFloat = FLOAT_DTYPES.includes(dtype);
    if (s.rank !== t.rank || s.shape.some((d, i) => d !== t.shape[i])) {
      problems.push(`wrong shape ${name}: the model has ${shapeString(t.shape)}, the file ${dtype} ${shapeString(s.shape)}`);
    } else if (wantFloat !== isFloat) {
      problems.push(`wrong dtype ${name}: the model holds ${wantFloat ? "floating-point values (F32, F64, F16 or BF16 expected)" : "integers (I64 or another integer dtype expected)"}, the file ${dtype}`);
    }
  }
  for (const [name, s] of tensors) {
    if (!own.has(name)) problems.push(`unexpected ${name} (${dtypes.get(name)} ${shapeString(s.shape)}, not in the model)`);
  }
  return problems;
}

/** A hint for the common ways a PyTorch file's names differ from the model's. */
function nameHint(own: Map<string, Tensor>, tensors: ReadonlyMap<string, Tensor>): string {
  const unexpected = [...tensors.keys()].filter((k) => !own.has(k));
  if (unexpected.length > 0 && unexpected.every((k) => k.startsWith("module.") && own.has(k.slice("module.".length)))) {
    return ' (the file\'s names carry the "module." prefix of torch.nn.DataParallel: save model.module.state_dict() instead)';
  }
  return "";
}

/** A weights file's tensors ready to load (`readModelWeights`): a checkpoint's optimizer entries left out. */
export interface ModelWeightsContent {
  /** "checkpoint" for an nnref training checkpoint (optimizer entries skipped), else "model". */
  readonly kind: "model" | "checkpoint";
  /** The model's tensors by PyTorch name, each of the file's shape. */
  readonly tensors: ReadonlyMap<string, Tensor>;
  /** The dtype each tensor had in the file. */
  readonly dtypes: ReadonlyMap<string, SafetensorsDType>;
  /** Every `__metadata__` string. */
  readonly metadata: Record<string, string>;
}

/**
 * Decodes the safetensors `bytes` of a model file, checkpoint or state dict
 * (without loading it into a model); `file` names it in errors. Throws
 * SafetensorsError for a malformed file.
 */
export function readModelWeights(bytes: Uint8Array, file = "weights"): ModelWeightsContent {
  const content = decodeSafetensors(bytes, file);
  const kind = content.metadata.nnref === CHECKPOINT_FORMAT ? "checkpoint" : "model";
  const tensors = new Map<string, Tensor>();
  const dtypes = new Map<string, SafetensorsDType>();
  for (const [name, t] of content.tensors) {
    if (kind === "checkpoint" && name.startsWith(OPTIMIZER_PREFIX)) continue;
    tensors.set(name, t);
    dtypes.set(name, content.dtypes.get(name)!);
  }
  return { kind, tensors, dtypes, metadata: content.metadata };
}

/**
 * Loads the weights in the safetensors `bytes` into `model` (parameters and
 * buffers, by PyTorch name; see the file comment for the dtypes) and returns
 * the file's metadata and standardization. Throws ModelWeightsError listing
 * every missing, unexpected, mis-shaped or wrong-kind tensor (the model is
 * then unchanged), and SafetensorsError for a malformed file.
 */
export function loadModelWeights(model: Module, bytes: Uint8Array, options: LoadModelWeightsOptions = {}): ModelWeightsInfo {
  const file = options.file ?? "weights";
  return loadModelWeightsContent(model, readModelWeights(bytes, file), file);
}

/** `loadModelWeights` of a file already read by `readModelWeights` (same checks, same errors). */
export function loadModelWeightsContent(model: Module, content: ModelWeightsContent, file = "weights"): ModelWeightsInfo {
  const { kind, tensors, dtypes, metadata } = content;
  const own = model.stateDict();
  const problems = weightProblems(own, tensors, dtypes);
  if (problems.length > 0) {
    const what = typeof metadata.model === "string" ? ` (the file says it holds ${metadata.model})` : "";
    throw new ModelWeightsError(file, `the weights do not fit the model${what}${nameHint(own, tensors)}: ${problems.length} problem${problems.length === 1 ? "" : "s"}`, problems);
  }
  const standardization = standardizationFromMetadata(metadata, file);
  model.loadStateDict(new Map(tensors));
  return { kind, standardization, metadata, dtypes };
}

/** Options of `buildModelFromWeights`: the zoo builder's options plus the file's name. */
export interface BuildFromWeightsOptions extends ModelOptions {
  /** Names the source in errors (default "weights"). */
  readonly file?: string;
}

/**
 * Builds the zoo model `name` (src/models/index.ts) with `options` — its
 * weights are not drawn, since they are overwritten at once — and loads the
 * safetensors `bytes` into it (`loadModelWeights`). A file whose metadata
 * names another model (`model`, as `nnref train` writes it) is refused.
 */
export function buildModelFromWeights(name: string, bytes: Uint8Array, options: BuildFromWeightsOptions = {}): { model: Module; info: ModelWeightsInfo } {
  const { file = "weights", ...modelOptions } = options;
  if (!models[name]) throw new RangeError(`unknown model ${JSON.stringify(name)}: expected one of ${Object.keys(models).join(", ")}`);
  const model = buildModel(name, new ShapeOnlyRandom(), modelOptions);
  const info = loadModelWeights(model, bytes, { file });
  const saved = info.metadata.model;
  if (saved !== undefined && saved !== name) throw new ModelWeightsError(file, `holds weights of ${saved}, not ${name}`);
  return { model, info };
}
