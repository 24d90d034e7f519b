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
 * to the reference ops at any time. When loading fails, the backend stays
 * "js" and `kernelsUnavailableReason()` says why (no WebAssembly, no SIMD,
 * the engine's own compile error — e.g. a page whose Content-Security-Policy
 * lacks 'wasm-unsafe-eval' — or a module whose `kernelsVersion()` is not the
 * one the JS glue expects, naming both).
 */
import { registerKernels } from "./dispatch.js";
import { kernelOps, kernelUpdates } from "./kernels/index.js";
import { instantiateKernels, instantiateKernelsSync, kernelBytes, KernelsVersionError, simdSupported, wrapInstance } from "./wasm.js";

let unavailableReason: string | undefined;

/**
 * Why the last `loadKernelsSync()` / `loadKernels()` returned false, as one
 * sentence (e.g. "compiling the kernels failed: CompileError: … (a page's
 * Content-Security-Policy must allow 'wasm-unsafe-eval' for WebAssembly)");
 * undefined before any attempt and after a successful one. The backend is
 * then "js": every op runs its reference.
 */
export function kernelsUnavailableReason(): string | undefined {
  return unavailableReason;
}

/** A hint for the compile errors a browser page meets. */
function hint(message: string): string {
  if (/unsafe-eval|wasm-eval|content security policy|\bCSP\b|disallowed by embedder/i.test(message)) return " (a page's Content-Security-Policy must allow 'wasm-unsafe-eval' for WebAssembly)";
  if (/main thread/i.test(message)) return " (this thread refuses a synchronous compile: call await loadKernels() instead)";
  return "";
}

/** Why the kernels cannot load before any compiling: no WebAssembly, or no SIMD; undefined when both are there. */
function missingFeature(): string | undefined {
  if (typeof WebAssembly !== "object" || WebAssembly === null) return "WebAssembly is not available in this JavaScript engine (e.g. node --jitless, or WebAssembly disabled)";
  if (!simdSupported()) return "this engine's WebAssembly has no SIMD (the SIMD probe module does not validate)";
  return undefined;
}

/** The sentence for an error the engine threw while compiling or instantiating the kernels (or a version mismatch). */
function compileFailure(err: unknown): string {
  if (err instanceof KernelsVersionError) return err.message;
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return `compiling the kernels failed: ${message}${hint(message)}`;
}

/** Why a synchronous load failed: repeats the compile to read the engine's error. */
function reasonSync(): string {
  const missing = missingFeature();
  if (missing) return missing;
  try {
    wrapInstance(new WebAssembly.Instance(new WebAssembly.Module(kernelBytes() as BufferSource), {}));
  } catch (err) {
    return compileFailure(err);
  }
  return "instantiating the kernels failed";
}

/** Why an asynchronous load failed: repeats the compile to read the engine's error. */
async function reasonAsync(): Promise<string> {
  const missing = missingFeature();
  if (missing) return missing;
  try {
    wrapInstance((await WebAssembly.instantiate(kernelBytes() as BufferSource, {})).instance);
  } catch (err) {
    return compileFailure(err);
  }
  return "instantiating the kernels failed";
}

/**
 * Loads the kernels synchronously and registers their ops. Returns whether
 * they loaded (false without WebAssembly SIMD or where synchronous compiling
 * is refused; `kernelsUnavailableReason()` then says why and the backend
 * stays "js"). Safe to call more than once.
 */
export function loadKernelsSync(): boolean {
  if (!instantiateKernelsSync()) {
    unavailableReason = reasonSync();
    return false;
  }
  unavailableReason = undefined;
  registerKernels(kernelOps, kernelUpdates);
  return true;
}

/**
 * Loads the kernels asynchronously (browser main threads) and registers their
 * ops; resolves to whether they loaded. When false, `kernelsUnavailableReason()`
 * says why (e.g. a Content-Security-Policy without 'wasm-unsafe-eval') and
 * `getBackend()` stays "js".
 */
export async function loadKernels(): Promise<boolean> {
  if (!(await instantiateKernels())) {
    unavailableReason = await reasonAsync();
    return false;
  }
  unavailableReason = undefined;
  registerKernels(kernelOps, kernelUpdates);
  return true;
}
