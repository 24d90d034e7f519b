/**
 * The page's side of the data hand-off, its own small script (data.js,
 * loaded `async` from index.html's head, so it runs as soon as it arrives,
 * not after the page is parsed): fetches the embedded Fashion-MNIST subset
 * with the library's `fetchIdxFiles` — the four `.gz` files inflate as they
 * stream in, all at once, bounded by what their headers declare — and
 * transfers the four inflated IDX files to the training worker
 * (./data_handoff.ts), which only checks and parses them. Inflating runs on
 * the page's thread while the worker compiles nnref on the other core.
 * Requests index.html's first script already started are used, not sent
 * again.
 */
import { fetchIdxFiles } from "../../src/data/idx_files.js";
import type { Request } from "./protocol.js";

/** What index.html's first script started: the worker, and the data's requests by file name. */
interface EarlyStart {
  worker: Worker;
  requests?: Record<string, Promise<Response>>;
  /** performance.now() when the files were inflated and sent (for the browser test's timings). */
  dataInflatedMs?: number;
}

const early = (window as unknown as { playgroundWorker: EarlyStart }).playgroundWorker;
const requested = early.requests ?? {};
const send = (request: Request, transfer: Transferable[] = []) => early.worker.postMessage(request, transfer);

fetchIdxFiles(new URL("data/", location.href), (url) => requested[url.pathname.slice(url.pathname.lastIndexOf("/") + 1)] ?? fetch(url)).then(
  (files) => {
    early.dataInflatedMs = performance.now();
    send({ type: "data", files }, Object.values(files).map((f) => f.buffer));
  },
  (err: unknown) => send({ type: "data", error: err instanceof Error ? err.message : String(err) }),
);
