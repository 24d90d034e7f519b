/**
 * Parameters resident in the wasm kernels' memory (src/backend/resident.ts):
 * a module's float32 parameters moved into blocks of that memory, so the
 * kernel ops read the weights in place and the SGD kernel updates them in
 * place (no copy in or out per step). `p.value.data` stays a Float32Array
 * (a view of the block), so saving, loading and every other optimizer work
 * as before. Float64 parameters stay plain.
 *
 * The blocks live as long as the parameters' tensors: they are kept out of
 * any open tidy scope, and released when the tensors are collected (the
 * FinalizationRegistry net of src/tensor_lifetime.ts) or disposed.
 */
import { toResident } from "../backend/resident.js";
import { keep } from "../tensor_lifetime.js";
import type { Module } from "./module.js";

/**
 * Moves every float32 parameter of `module` into the kernels' memory (the
 * kernels must be loaded) and returns how many moved; parameters already
 * there stay. The gradient-tracking Variables stay the same objects (an
 * optimizer built before keeps working); only their `value` changes.
 */
export function makeParametersResident(module: Module): number {
  let moved = 0;
  for (const p of module.parameters()) {
    if (p.value.dtype !== "float32") continue;
    const r = toResident(p.value);
    if (r !== p.value) {
      p.value = keep(r);
      moved++;
    }
  }
  return moved;
}
