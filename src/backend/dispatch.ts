/**
 * The one place that decides, per call, whether an op runs as the reference
 * (plain loops in src/ops/) or as a WebAssembly kernel (assembly/).
 *
 * The active backend is global state in nnref (beside the kernels' thread
 * count, ./threads.ts); it is settable (`setBackend`), readable
 * (`getBackend`) and defaults to "wasm" when the kernels load on this
 * platform, "js" otherwise; `withBackend(name, fn)` sets it for one call.
 * Kernel ops present the same OpDef interface, names and semantics as the
 * reference; an op without a kernel always runs its reference. In-place
 * update rules (SGD's step) go through here too (`resolveUpdate`): the
 * optimizer passes its reference function and gets the kernel on "wasm".
 */
import type { OpDef } from "../ops/op.js";
import { findOp } from "../ops/registry.js";

/** "js": the reference ops; "wasm": the SIMD kernels where they exist. */
export type BackendName = "js" | "wasm";

/** An in-place update on flat arrays (e.g. `sgdStepInPlace`): a reference function or its kernel, same signature. */
export type UpdateRule = (...args: any[]) => void;

const kernelOps = new Map<string, OpDef>();
const kernelUpdates = new Map<string, UpdateRule>();
let active: BackendName = "js";
let wasmAvailable = false;
let chosen = false; // setBackend was called: loading the kernels no longer changes the backend

/**
 * Called by the wasm loader once the module is instantiated: makes the
 * kernels available and registers the ops and in-place updates they
 * implement (`updates` by rule name). The backend becomes "wasm" unless the
 * program has already chosen one with setBackend.
 */
export function registerKernels(ops: readonly OpDef[], updates: Readonly<Record<string, UpdateRule>> = {}): void {
  for (const op of ops) kernelOps.set(op.name, op);
  for (const [name, rule] of Object.entries(updates)) kernelUpdates.set(name, rule);
  wasmAvailable = true;
  if (!chosen) active = "wasm";
}

/** Whether the wasm kernels loaded (WebAssembly SIMD present). */
export function isWasmAvailable(): boolean {
  return wasmAvailable;
}

/** Selects the backend for every following call. "wasm" throws if the kernels are unavailable. */
export function setBackend(name: BackendName): void {
  if (name !== "js" && name !== "wasm") throw new Error(`setBackend: expected "js" or "wasm", got ${JSON.stringify(name)}`);
  if (name === "wasm" && !wasmAvailable) throw new Error("setBackend: the wasm backend is unavailable here (WebAssembly SIMD not supported or the kernels did not load)");
  active = name;
  chosen = true;
}

/** The active backend. */
export function getBackend(): BackendName {
  return active;
}

/**
 * Runs `fn` with `name` as the active backend and restores the previous one
 * afterwards, also when `fn` throws (through setBackend, so the backend then
 * counts as chosen; nothing changes when `name` is already active). `fn` is
 * synchronous: the backend is global, so an async `fn` would leave it set
 * across its awaits for every other caller. Throws as setBackend does.
 */
export function withBackend<T>(name: BackendName, fn: () => T): T {
  const previous = active;
  if (name === previous) return fn();
  setBackend(name);
  try {
    return fn();
  } finally {
    setBackend(previous);
  }
}

/** The op called `name` as the active backend runs it (kernel if any, else reference), or undefined. */
export function resolveOp(name: string): OpDef | undefined {
  if (active === "wasm") {
    const k = kernelOps.get(name);
    if (k) return k;
  }
  return findOp(name);
}

/**
 * The in-place update rule called `name` as the active backend runs it: its
 * registered kernel on "wasm", else `reference` (the rule itself). E.g.
 * `resolveUpdate("sgd_step", sgdStepInPlace)(param, grad, buffer, hyper, first)`.
 */
export function resolveUpdate<F extends UpdateRule>(name: string, reference: F): F {
  if (active === "wasm") {
    const k = kernelUpdates.get(name);
    if (k) return k as F;
  }
  return reference;
}

/** Names of the ops that have a wasm kernel. */
export function kernelOpNames(): string[] {
  return [...kernelOps.keys()];
}
