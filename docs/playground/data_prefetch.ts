/**
 * Starts fetching the embedded Fashion-MNIST subset's four .gz files the
 * moment the worker's script runs. worker.ts imports this file first, so
 * (the bundle evaluates modules in import order) the requests go out before
 * nnref's own code is evaluated and its kernels compiled: the network and
 * the server work while the worker's CPU does that. worker.ts then builds
 * the data from these bytes with `trainTestFromIdx` (the library's loader:
 * inflating, IDX parsing, label checks), as `fetchIdxDataset` would.
 */
import { IDX_FILE_NAMES, type IdxFileBytes, type IdxFileRole } from "../../src/data/idx_files.js";

/** performance.now() when the worker's bundle began to run (before nnref's code). */
export const bundleStartMs = performance.now();

async function fetchFile(role: IdxFileRole, base: URL): Promise<readonly [IdxFileRole, Uint8Array]> {
  const url = new URL(`${IDX_FILE_NAMES[role]}.gz`, base);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
  return [role, new Uint8Array(await response.arrayBuffer())];
}

async function fetchAll(base: URL): Promise<IdxFileBytes> {
  const roles = Object.keys(IDX_FILE_NAMES) as IdxFileRole[];
  const entries = await Promise.all(roles.map((role) => fetchFile(role, base)));
  fetchedMs = performance.now();
  return Object.fromEntries(entries) as IdxFileBytes;
}

/** performance.now() when all four files had arrived (NaN before). */
export let fetchedMs = Number.NaN;

/** The four files' bytes, fetched from data/ beside the worker's script. */
export const dataBytes: Promise<IdxFileBytes> = fetchAll(new URL("data/", (self as unknown as { location: { href: string } }).location.href));
// Handled where it is awaited (worker.ts's start); this only keeps a failed fetch from counting as unhandled before then.
dataBytes.catch(() => undefined);
