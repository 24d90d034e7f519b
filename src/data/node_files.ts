/**
 * Node-only: reading MNIST-style datasets from a directory, and the embedded
 * default dataset shipped in this package.
 *
 * The embedded files live in `src/data/embedded/` (committed, and listed in
 * package.json "files"). They are found relative to the package root, which
 * is two directories above this module both when it runs from `src/data/`
 * (tsx, tests) and when it runs compiled from `dist/data/` (the built CLI) —
 * so no build step copies them. Browsers fetch the same files themselves
 * (./idx_files.ts: `fetchIdxDataset`).
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TrainTestData } from "./dataset.js";
import { IDX_FILE_NAMES, trainTestFromIdx, type IdxFileBytes, type IdxFileRole } from "./idx_files.js";

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Reads `<dir>/train-images-idx3-ubyte[.gz]`, `train-labels-idx1-ubyte[.gz]`,
 * `t10k-images-idx3-ubyte[.gz]` and `t10k-labels-idx1-ubyte[.gz]` (the
 * uncompressed name is preferred when both exist). A missing file is an error
 * that lists the names looked for.
 */
export async function loadIdxDirectory(dir: string, source = dir): Promise<TrainTestData> {
  const bytes: Partial<IdxFileBytes> = {};
  const names: Partial<Record<IdxFileRole, string>> = {};
  for (const role of Object.keys(IDX_FILE_NAMES) as IdxFileRole[]) {
    const plain = join(dir, IDX_FILE_NAMES[role]);
    const gz = `${plain}.gz`;
    const path = (await exists(plain)) ? plain : (await exists(gz)) ? gz : null;
    if (path === null) throw new Error(`${dir}: expected ${IDX_FILE_NAMES[role]} or ${IDX_FILE_NAMES[role]}.gz (an MNIST-style IDX directory), found neither`);
    bytes[role] = new Uint8Array(await readFile(path));
    names[role] = path;
  }
  return trainTestFromIdx(bytes as IdxFileBytes, source, names);
}

/** The directory of the embedded dataset: `<package root>/src/data/embedded`. */
export function embeddedDatasetDirectory(): string {
  return fileURLToPath(new URL("../../src/data/embedded/", import.meta.url));
}

/**
 * The embedded default dataset: a stratified, seeded subset of Fashion-MNIST
 * (see src/data/embedded/README.md for its size, seed and licence).
 */
export async function loadEmbeddedDataset(): Promise<TrainTestData> {
  return loadIdxDirectory(embeddedDatasetDirectory(), "embedded Fashion-MNIST subset");
}
