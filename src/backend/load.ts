/**
 * Loading the kernels and choosing the default backend.
 *
 * How the default backend is chosen: the package entry (src/index.ts) calls
 * `loadKernelsSync()` once when it is imported. Where that succeeds (Node,
 * workers, any platform with WebAssembly SIMD that compiles synchronously)
 * the kernel ops are registered and the backend becomes "wasm" — unless the
 * program already chose one with `setBackend`. Where it fails (no SIMD, or a
 * browser main thread that refuses a synchronous compile) the backend stays
 * "js"; a browser page then calls `await loadKernels()` once, which does the
 * same asynchronously. `getBackend()` says which backend is active,
 * `isWasmAvailable()` whether the kernels loaded; `setBackend("js")` returns
 * to the reference ops at any time.
 */
import { registerKernels } from "./dispatch.js";
import { kernelOps } from "./kernel-ops.js";
import { instantiateKernels, instantiateKernelsSync } from "./wasm.js";

/**
 * Loads the kernels synchronously and registers their ops. Returns whether
 * they loaded (false without WebAssembly SIMD or where synchronous compiling
 * is refused). Safe to call more than once.
 */
export function loadKernelsSync(): boolean {
  if (!instantiateKernelsSync()) return false;
  registerKernels(kernelOps);
  return true;
}

/** Loads the kernels asynchronously (browser main threads) and registers their ops; resolves to whether they loaded. */
export async function loadKernels(): Promise<boolean> {
  if (!(await instantiateKernels())) return false;
  registerKernels(kernelOps);
  return true;
}
