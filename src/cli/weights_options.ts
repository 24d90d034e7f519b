/**
 * The options `nnref eval` and `nnref predict` share: how the zoo model is
 * built (--width, --hidden, --variant, --classes), the weights file, the
 * input standardization (--mean/--std, else the file's metadata), the class
 * names and the backend. Parsing and reading files only; building and
 * loading are the library's `buildModelFromWeights`.
 */
import { readFile } from "node:fs/promises";
import { isWasmAvailable, setBackend } from "../backend/dispatch.js";
import { loadKernelsSync } from "../backend/load.js";
import { FASHION_MNIST_CLASSES } from "../data/dataset.js";
import type { Standardization } from "../data/standardize.js";
import { buildModelFromWeights, type ModelWeightsInfo } from "../train/model_weights.js";
import type { Module } from "../nn/module.js";

/** A bad argument: the command prints the message and its usage, and exits 2. */
export class UsageError extends Error {}

/**
 * `parse()`'s result; when it throws a UsageError, prints `nnref COMMAND:
 * message` and the usage to stderr and returns the exit status 2 instead.
 */
export function parseOrUsage<T extends object>(command: string, usage: string, parse: () => T): T | 2 {
  try {
    return parse();
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`nnref ${command}: ${err.message}\n\n${usage}`);
      return 2;
    }
    throw err;
  }
}

/** The names of the shared options (each takes a value; see `commandOptions`). */
export const WEIGHTS_OPTIONS = ["weights", "width", "hidden", "variant", "classes", "mean", "std", "class-names", "backend"] as const;

/** Usage lines of the shared options; `classesDefault` says where --classes defaults from. */
export function weightsUsage(classesDefault: string): string {
  return `  --weights FILE       the weights: a safetensors state dict (nnref's model.safetensors or
                       checkpoint.safetensors, or PyTorch's save_file(model.state_dict()))
  --mean X --std Y     input standardization, (pixel/255 − X)/Y (default: the file's
                       "standardization" metadata, which nnref train writes)
  --classes K          outputs of the last layer (default ${classesDefault})
  --width W            channel multiplier the model was built with (default 1)
  --hidden H           hidden width of the fully connected layers (mlp: 128; AlexNet/VGG: 4096)
  --variant V          model variant (e.g. resnet50 --variant original)
  --class-names LIST   comma-separated names, or "none" (default: Fashion-MNIST's for a
                       10-class model of 1×28×28 inputs)
  --backend js|wasm    reference ops or the WebAssembly kernels (default: wasm where it loads)`;
}

/** A finite number from a flag, or undefined when absent. */
export function numberFlag(name: string, text: string | undefined, check: (x: number) => boolean, expected: string): number | undefined {
  if (text === undefined) return undefined;
  const x = Number(text);
  if (text.trim() === "" || !Number.isFinite(x) || !check(x)) throw new UsageError(`--${name}: expected ${expected}, got ${JSON.stringify(text)}`);
  return x;
}

/** True for an integer ≥ 1. */
export const isPositiveInt = (x: number): boolean => Number.isInteger(x) && x >= 1;

/** The parsed shared options (before any file is read). */
export interface WeightsArgs {
  readonly weights: string;
  readonly width?: number;
  readonly hidden?: number;
  readonly variant?: string;
  readonly classes?: number;
  readonly standardization?: Standardization;
  readonly classNames?: string[] | "none";
  readonly backend?: "js" | "wasm";
}

/** Checks the shared options; throws UsageError. */
export function parseWeightsArgs(values: Record<string, unknown>): WeightsArgs {
  const str = (k: string) => values[k] as string | undefined;
  const weights = str("weights");
  if (weights === undefined) throw new UsageError("--weights FILE is required (the model's weights)");
  const mean = numberFlag("mean", str("mean"), () => true, "a number");
  const std = numberFlag("std", str("std"), (x) => x > 0, "a positive number");
  if ((mean === undefined) !== (std === undefined)) throw new UsageError("--mean and --std go together: give both or neither");
  const backend = str("backend");
  if (backend !== undefined && backend !== "js" && backend !== "wasm") throw new UsageError(`--backend: expected js or wasm, got ${JSON.stringify(backend)}`);
  const names = str("class-names");
  return {
    weights,
    width: numberFlag("width", str("width"), (x) => x > 0, "a positive number"),
    hidden: numberFlag("hidden", str("hidden"), isPositiveInt, "a positive integer"),
    variant: str("variant"),
    classes: numberFlag("classes", str("classes"), isPositiveInt, "a positive integer"),
    standardization: mean === undefined ? undefined : { mean, std: std! },
    classNames: names === undefined ? undefined : names === "none" ? "none" : names.split(",").map((n) => n.trim()),
    backend: backend as "js" | "wasm" | undefined,
  };
}

/** Chooses the backend: wasm wherever the kernels load, unless --backend says otherwise. Returns whether the kernels loaded. */
export function chooseBackend(wanted: "js" | "wasm" | undefined): boolean {
  const wasmLoaded = loadKernelsSync();
  const backend = wanted ?? (wasmLoaded ? "wasm" : "js");
  if (backend === "wasm" && !isWasmAvailable()) throw new Error("--backend wasm: the WebAssembly kernels did not load here (no WebAssembly SIMD?)");
  setBackend(backend);
  return wasmLoaded;
}

/** Reads the weights file and builds `model` from it with the input [C, H, W] and class count. */
export async function loadWeightsArgs(model: string, args: WeightsArgs, inputSize: readonly [number, number, number], classes: number): Promise<{ module: Module; info: ModelWeightsInfo }> {
  // A copy, not readFile's Buffer: a Buffer may be a view into a shared pool.
  const bytes = new Uint8Array(await readFile(args.weights));
  const { model: module, info } = buildModelFromWeights(model, bytes, {
    file: args.weights,
    inputSize,
    numClasses: classes,
    ...(args.width !== undefined ? { width: args.width } : {}),
    ...(args.hidden !== undefined ? { hidden: args.hidden } : {}),
    ...(args.variant !== undefined ? { variant: args.variant } : {}),
  });
  return { module, info };
}

/** The standardization to use: the flags, else the file's metadata, else an error saying what to pass. */
export function resolveStandardization(args: WeightsArgs, info: ModelWeightsInfo, hint: string): { standardization: Standardization; source: string } {
  if (args.standardization) return { standardization: args.standardization, source: "--mean/--std" };
  if (info.standardization) return { standardization: info.standardization, source: "the file's metadata" };
  throw new Error(`${args.weights}: has no "standardization" metadata: pass the input standardization the model was trained with as --mean X --std Y (${hint})`);
}

/** Class names: --class-names, else Fashion-MNIST's for a 10-class model of 1×28×28 inputs, else none. */
export function resolveClassNames(args: WeightsArgs, classes: number, inputSize: readonly number[]): string[] | undefined {
  if (args.classNames === "none") return undefined;
  if (args.classNames) {
    if (args.classNames.length !== classes) throw new UsageError(`--class-names: expected ${classes} names (one per class), got ${args.classNames.length}`);
    return args.classNames;
  }
  return classes === 10 && inputSize.join(",") === "1,28,28" ? [...FASHION_MNIST_CLASSES] : undefined;
}
