/**
 * Kernel workers in a browser: Web Workers for the pool of ./threads.ts.
 *
 * A worker is a classic Web Worker whose code is the pool's program (a
 * source string) in a Blob URL, so no file path has to be configured and a
 * bundle carries it; its start message (the threads module, the shared
 * memory, the control block, its slot) is posted to it. That needs a page
 * that is cross-origin isolated (COOP: same-origin, COEP: require-corp):
 * only then are SharedArrayBuffer and shared wasm memory available and
 * postable. The calling side of the pool blocks in Atomics.wait until the
 * parts are done, which a browser's main thread may not do: there the pool
 * is not started (`browserThreadsUnavailableReason`), and a page runs its
 * model in a Web Worker (which starts the kernel workers as nested workers).
 */
import type { StartWorker } from "./kernel_worker.js";

/** The parts of a browser's global scope this file reads (absent elsewhere). */
interface BrowserScope {
  crossOriginIsolated?: boolean;
  WorkerGlobalScope?: unknown;
  DedicatedWorkerGlobalScope?: unknown;
  Worker?: unknown;
}

/**
 * Why the kernels cannot use threads in this browser context, as one
 * sentence; undefined in a cross-origin isolated dedicated Web Worker that
 * can start Web Workers. Assumes SharedArrayBuffer exists (./threads.ts
 * checks that first).
 */
export function browserThreadsUnavailableReason(): string | undefined {
  const scope = globalThis as BrowserScope;
  if (scope.crossOriginIsolated !== true) {
    return "this page is not cross-origin isolated (shared wasm memory needs it: serve the page with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)";
  }
  if (scope.WorkerGlobalScope === undefined) {
    return "this is a browser's main thread, which may not block in Atomics.wait as the kernels' caller does: call setThreads and run the model in a Web Worker";
  }
  if (scope.DedicatedWorkerGlobalScope === undefined) {
    return "this is a shared or service worker, which may not block in Atomics.wait: run the model in a dedicated Web Worker";
  }
  if (typeof scope.Worker !== "function") return "this worker cannot start Web Workers (no nested workers in this browser)";
  return undefined;
}

/**
 * Starts one kernel worker: a Web Worker from a Blob URL of `program`, sent
 * its start message; `ready` resolves when it has instantiated its module,
 * and rejects on its error event (e.g. a Content-Security-Policy whose
 * worker-src refuses blob: URLs).
 */
export const startBrowserWorker: StartWorker = (program, start) => {
  const source = `${program}\nself.onmessage = (event) => {\n  self.onmessage = null;\n  runKernelWorker(event.data, () => self.postMessage("ready"));\n};\n`;
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  let worker: Worker;
  try {
    worker = new Worker(url, { name: `nnref kernels ${start.slot + 1}` });
  } catch (e) {
    URL.revokeObjectURL(url);
    throw e;
  }
  const ready = new Promise<void>((resolve, reject) => {
    worker.onmessage = () => resolve();
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(event.message || "the Web Worker could not be started"));
    };
    worker.onmessageerror = () => reject(new Error("the Web Worker could not receive the shared wasm memory"));
  }).finally(() => URL.revokeObjectURL(url));
  worker.postMessage(start);
  return { worker, ready };
};
