/**
 * The worker's side of the data hand-off: the page (main.ts) fetches and
 * inflates the embedded Fashion-MNIST subset — its requests start in
 * index.html's first script, while this worker's own script is still
 * loading — and posts the four inflated IDX files here, transferred, not
 * copied. The worker then only checks and parses them (`trainTestFromIdx`),
 * so inflating 8 MB never sits on the worker's path to its first training
 * step, and runs on the other core while the worker compiles nnref.
 *
 * worker.ts imports this file first, so the listener is in place before
 * nnref's code is evaluated (a message that came earlier waits in the
 * worker's queue until then).
 */
import type { IdxFileBytes } from "../../src/data/idx_files.js";
import type { Request } from "./protocol.js";

/** performance.now() when the worker's bundle began to run (before nnref's code). */
export const bundleStartMs = performance.now();

type Scope = { addEventListener(type: "message", listener: (event: MessageEvent<Request>) => void): void; removeEventListener(type: "message", listener: (event: MessageEvent<Request>) => void): void };

/** The four inflated IDX files as the page posts them, or the page's error when it could not get them. */
export const dataFiles: Promise<IdxFileBytes> = new Promise((resolve, reject) => {
  const scope = self as unknown as Scope;
  const listener = (event: MessageEvent<Request>) => {
    const request = event.data;
    if (request.type !== "data") return;
    scope.removeEventListener("message", listener);
    if (request.files !== undefined) resolve(request.files);
    else reject(new Error(request.error ?? "the page sent no data"));
  };
  scope.addEventListener("message", listener);
});
// Handled where it is awaited (worker.ts's start); this only keeps a failed load from counting as unhandled before then.
dataFiles.catch(() => undefined);
