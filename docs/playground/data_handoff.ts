/**
 * Starts loading the embedded Fashion-MNIST subset the moment the worker's
 * script runs: worker.ts imports this file first, so (the bundle evaluates
 * modules in import order) `fetchIdxDataset` sends its four requests before
 * nnref's own code is evaluated and its kernels compiled, and the network
 * and the server work while the worker's CPU does that. The files are then
 * inflated and checked by the library's loader as they arrive.
 */
import { fetchIdxDataset } from "../../src/data/idx_files.js";
import type { TrainTestData } from "../../src/data/dataset.js";

/** performance.now() when the worker's bundle began to run (before nnref's code). */
export const bundleStartMs = performance.now();

/** The data, from data/ beside the worker's script. */
export const dataLoading: Promise<TrainTestData> = fetchIdxDataset(
  new URL("data/", (self as unknown as { location: { href: string } }).location.href),
  "embedded Fashion-MNIST subset",
);
// Handled where it is awaited (worker.ts's start); this only keeps a failed load from counting as unhandled before then.
dataLoading.catch(() => undefined);
