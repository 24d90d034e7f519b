/**
 * The one place that decides, per call, whether an op runs as the reference
 * (plain loops in src/ops/) or as a WebAssembly kernel (assembly/).
 *
 * The active backend is global state in nnref (beside the kernels' thread
 * count, ./threads.ts); it is settable (`setBackend`), readable
 * (`getBackend`) and defaults to "wasm" when the kernels load on this
 * platform, "js" otherwise. Kernel ops present the same
 * OpDef interface, names and semantics as the reference; an op without a
 * kernel always runs its reference.
 */
import type { OpDef } from "../ops/op.js";
import { findOp } from "../ops/registry.js";

/** "js": the reference ops; "wasm": the SIMD kernels where they exist. */
export type BackendName = "js" | "wasm";

const kernelOps = new Map<string, OpDef>();
let active: BackendName = "js";
let wasmAvailable = false;
let chosen = false; // setBackend was called: loading the kernels no longer changes the backend

/**
 * Called by the wasm loader once the module is instantiated: makes the
 * kernels available and registers the ops they implement. The backend
 * becomes "wasm" unless the program has already chosen one with setBackend.
 */
export function registerKernels(ops: readonly OpDef[]): void {
  for (const op of ops) kernelOps.set(op.name, op);
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

/** The op called `name` as the active backend runs it (kernel if any, else reference), or undefined. */
export function resolveOp(name: string): OpDef | undefined {
  if (active === "wasm") {
    const k = kernelOps.get(name);
    if (k) return k;
  }
  return findOp(name);
}

/** Names of the ops that have a wasm kernel. */
export function kernelOpNames(): string[] {
  return [...kernelOps.keys()];
}
