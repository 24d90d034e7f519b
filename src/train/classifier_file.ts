/**
 * A trained classifier of the recipe (MLP or LeNet-5, with or without batch
 * norm and dropout) as one safetensors file, and back: what a page or a
 * program needs to evaluate a model file without being told how it was built.
 *
 * `encodeClassifier` writes the state dict (PyTorch names, as `encodeModel`)
 * with metadata `model`, `architecture` (JSON: batch norm, dropout, hidden
 * width) and `standardization` (JSON: the training set's mean and std, which
 * the model's inputs must be standardized with). `decodeClassifier` reads
 * that, and also the files other nnref paths write: `model.safetensors` and
 * `checkpoint.safetensors` of `nnref train` (metadata `model` only; the
 * optimizer's tensors of a checkpoint are skipped), or a bare state dict of
 * one of these networks — the architecture is then the one whose state-dict
 * names and shapes match the file's. Reading the file, skipping a
 * checkpoint's optimizer tensors, checking the weights against the network
 * and parsing the standardization are `readModelWeights` /
 * `loadModelWeightsContent` (./model_weights.ts); this file only finds the
 * architecture.
 */
import { Random } from "../random.js";
import type { Tensor } from "../tensor.js";
import type { Sequential } from "../nn/sequential.js";
import { encodeSafetensors } from "../io/safetensors.js";
import type { Standardization } from "../data/standardize.js";
import { mlp } from "../models/mlp.js";
import { lenet5 } from "../models/lenet5.js";
import { CheckpointError } from "./checkpoint.js";
import { ModelWeightsError, loadModelWeightsContent, readModelWeights, standardizationFromMetadata } from "./model_weights.js";

/** How a recipe classifier is built. */
export interface ClassifierArchitecture {
  /** "mlp" or "lenet5". */
  readonly model: "mlp" | "lenet5";
  readonly batchNorm: boolean;
  /** Dropout probability (0: no Dropout layers). It changes training only; a file without it is read with the layers its names show. */
  readonly dropout: number;
  /** The MLP's hidden width (default 128). */
  readonly hidden?: number;
  /** Number of classes (default 10). */
  readonly classes?: number;
}

/** What `decodeClassifier` returns. */
export interface DecodedClassifier {
  /** The network with the file's weights, in eval mode. */
  readonly model: Sequential;
  readonly architecture: ClassifierArchitecture;
  /** The input standardization stored in the file, or null when it holds none (e.g. `nnref train`'s model.safetensors). */
  readonly standardization: Standardization | null;
  readonly metadata: Record<string, string>;
}

/** Builds the network of `architecture` for [N, 1, 28, 28] images, weights drawn from `rng`. */
export function buildClassifier(architecture: ClassifierArchitecture, rng: Random): Sequential {
  const { model, batchNorm, dropout, hidden, classes = 10 } = architecture;
  if (model === "mlp") return mlp(rng, { numClasses: classes, hidden, batchNorm, dropout });
  if (model === "lenet5") return lenet5(rng, { numClasses: classes, batchNorm, dropout });
  throw new RangeError(`buildClassifier: model: expected "mlp" or "lenet5", got ${JSON.stringify(model)}`);
}

/** The file of a trained classifier: state dict plus the metadata above (`info` strings added). */
export function encodeClassifier(model: Sequential, architecture: ClassifierArchitecture, standardization: Standardization, info: Record<string, string> = {}): Uint8Array {
  const metadata = {
    ...info,
    format: "pt",
    model: architecture.model,
    architecture: JSON.stringify(architecture),
    standardization: JSON.stringify(standardization),
  };
  return encodeSafetensors(model.stateDict(), { int64: true, metadata });
}

/** Reads a classifier file (see the file comment); `file` names it in errors. */
export function decodeClassifier(bytes: Uint8Array, file = "model file"): DecodedClassifier {
  const content = readModelWeights(bytes, file);
  const { tensors: state, metadata } = content;
  const stored = parseJson<Partial<ClassifierArchitecture>>(file, metadata, "architecture");
  const modelName = stored?.model ?? metadata.model ?? guessModel(state);
  if (modelName !== "mlp" && modelName !== "lenet5") {
    throw new CheckpointError(file, `expected an MLP or LeNet-5 (metadata "model" = "mlp" or "lenet5", or their state-dict names), got ${modelName === undefined ? "neither" : JSON.stringify(modelName)}`);
  }
  const standardization = standardizationFromMetadata(metadata, file);
  const classes = stored?.classes ?? lastBias(state)?.shape[0] ?? 10;
  const hidden = modelName === "mlp" ? stored?.hidden ?? state.get("1.weight")?.shape[0] : undefined;
  const candidates: ClassifierArchitecture[] = stored?.batchNorm !== undefined && stored.dropout !== undefined
    ? [{ model: modelName, batchNorm: stored.batchNorm, dropout: stored.dropout, hidden, classes }]
    : [false, true].flatMap((batchNorm) => [0, 0.5].map((dropout) => ({ model: modelName, batchNorm, dropout, hidden, classes })));
  let firstProblems = "";
  for (const architecture of candidates) {
    const model = buildClassifier(architecture, new Random(0));
    try {
      loadModelWeightsContent(model, content, file);
    } catch (err) {
      if (!(err instanceof ModelWeightsError)) throw err;
      firstProblems ||= err.problems.join("; ");
      continue;
    }
    model.eval();
    return { model, architecture, standardization, metadata };
  }
  throw new CheckpointError(file, `does not hold the weights of a ${modelName === "mlp" ? "MLP" : "LeNet-5"} for 28×28 images (with or without batch norm and dropout): ${firstProblems}`);
}

/** "lenet5" when the first layer is a convolution ([C_out, C_in, k, k]), "mlp" when it is a linear layer after the flatten. */
function guessModel(state: ReadonlyMap<string, Tensor>): string | undefined {
  if (state.get("0.weight")?.rank === 4) return "lenet5";
  if (state.get("1.weight")?.rank === 2) return "mlp";
  return undefined;
}

/** The bias of the highest-numbered layer (the classifier's last linear layer). */
function lastBias(state: ReadonlyMap<string, Tensor>): Tensor | undefined {
  let best: [number, Tensor] | undefined;
  for (const [name, t] of state) {
    const m = /^(\d+)\.bias$/.exec(name);
    if (m && (!best || Number(m[1]) > best[0])) best = [Number(m[1]), t];
  }
  return best?.[1];
}

function parseJson<T>(file: string, metadata: Record<string, string>, key: string): T | null {
  if (metadata[key] === undefined) return null;
  try {
    return JSON.parse(metadata[key]) as T;
  } catch {
    throw new CheckpointError(file, `metadata "${key}" is not valid JSON`);
  }
}
