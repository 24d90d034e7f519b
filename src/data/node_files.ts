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
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { fileSystemError } from "../io/file_system.js";
import type { IdxDatasetOptions, TrainTestData } from "./dataset.js";
import { IdxError, checkIdxFileLength, gunzipIdx, isGzip, parseIdx, type IdxArray } from "./idx.js";
import { IDX_FILE_NAMES, trainTestFromIdxArrays, type IdxFileArrays, type IdxFileRole } from "./idx_files.js";

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The largest IDX header: 4 bytes and 255 sizes of 4 bytes. */
const MAX_IDX_HEADER = 4 + 4 * 255;

/**
 * Reads one IDX file, gzipped or not, with memory bounded by the size its
 * header declares: a plain file whose length disagrees with its header is
 * refused after reading the header alone, and a gzipped one is streamed from
 * disk into one buffer of the declared size and stopped past it
 * (`gunzipIdx`). Errors name `path`.
 */
export async function readIdxFile(path: string): Promise<IdxArray> {
  const handle = await open(path, "r").catch((err: unknown) => { throw fileSystemError(path, "open", err); });
  let size: number;
  try {
    size = (await handle.stat()).size;
    const buffer = new Uint8Array(Math.min(size, MAX_IDX_HEADER));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const head = buffer.subarray(0, bytesRead);
    if (!isGzip(head)) {
      checkIdxFileLength(head, size, path);
      const bytes = new Uint8Array(size);
      for (let at = 0; at < size;) {
        const { bytesRead: n } = await handle.read(bytes, at, Math.min(size - at, 1 << 30), at); // one read is at most 2 GB
        if (n === 0) throw new IdxError(path, `ended after ${at} of its ${size} bytes while being read`);
        at += n;
      }
      return parseIdx(bytes, path);
    }
  } catch (err) {
    throw err instanceof IdxError ? err : fileSystemError(path, "read", err);
  } finally {
    await handle.close();
  }
  const stream = Readable.toWeb(createReadStream(path)) as unknown as ReadableStream<Uint8Array>;
  return parseIdx(await gunzipIdx(stream, path, size), path);
}

/**
 * Reads `<dir>/train-images-idx3-ubyte[.gz]`, `train-labels-idx1-ubyte[.gz]`,
 * `t10k-images-idx3-ubyte[.gz]` and `t10k-labels-idx1-ubyte[.gz]` (the
 * uncompressed name is preferred when both exist). A missing file is an error
 * that lists the names looked for; `options.classes` checks every label
 * against the model's classes. Memory stays near the sizes the files'
 * headers declare, whatever the files hold (`readIdxFile`).
 */
export async function loadIdxDirectory(dir: string, source = dir, options: IdxDatasetOptions = {}): Promise<TrainTestData> {
  const arrays: Partial<IdxFileArrays> = {};
  const names: Partial<Record<IdxFileRole, string>> = {};
  for (const role of Object.keys(IDX_FILE_NAMES) as IdxFileRole[]) {
    const plain = join(dir, IDX_FILE_NAMES[role]);
    const gz = `${plain}.gz`;
    const path = (await exists(plain)) ? plain : (await exists(gz)) ? gz : null;
    if (path === null) throw new Error(`${dir}: expected ${IDX_FILE_NAMES[role]} or ${IDX_FILE_NAMES[role]}.gz (an MNIST-style IDX directory), found neither`);
    arrays[role] = await readIdxFile(path);
    names[role] = path;
  }
  return trainTestFromIdxArrays(arrays as IdxFileArrays, source, names, options);
}

/** The directory of the embedded dataset: `<package root>/src/data/embedded`. */
export function embeddedDatasetDirectory(): string {
  return fileURLToPath(new URL("../../src/data/embedded/", import.meta.url));
}

/**
 * The embedded default dataset: a stratified, seeded subset of Fashion-MNIST
 * (see src/data/embedded/README.md for its size, seed and licence).
 */
export async function loadEmbeddedDataset(options: IdxDatasetOptions = {}): Promise<TrainTestData> {
  return loadIdxDirectory(embeddedDatasetDirectory(), "embedded Fashion-MNIST subset", options);
}
