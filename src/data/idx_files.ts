/**
 * The four files of an MNIST-style dataset by their standard names, and
 * building a train/test pair from their bytes — usable anywhere (a browser
 * app fetches the bytes itself, e.g. with `fetchIdxDataset`; Node reads them
 * with ./node_files.ts).
 */
import { datasetFromIdxArrays, type IdxDatasetOptions, type TrainTestData } from "./dataset.js";
import { decodeIdx, type IdxArray } from "./idx.js";

/** The standard IDX file names (as distributed, each also found with ".gz"). */
export const IDX_FILE_NAMES = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
} as const;

/** Which of the four files. */
export type IdxFileRole = keyof typeof IDX_FILE_NAMES;

/** The bytes of the four files (each gzipped or not). */
export type IdxFileBytes = Record<IdxFileRole, Uint8Array>;

/**
 * A train/test pair from the bytes of the four files. `names` label them in
 * errors (default: the standard names); `source` describes the data;
 * `options.classes` checks every label against the model's classes.
 */
export async function trainTestFromIdx(bytes: IdxFileBytes, source: string, names: Partial<Record<IdxFileRole, string>> = {}, options: IdxDatasetOptions = {}): Promise<TrainTestData> {
  const arrays: Partial<IdxFileArrays> = {};
  for (const role of Object.keys(IDX_FILE_NAMES) as IdxFileRole[]) arrays[role] = await decodeIdx(bytes[role], names[role] ?? IDX_FILE_NAMES[role]);
  return trainTestFromIdxArrays(arrays as IdxFileArrays, source, names, options);
}

/** The four files, decoded. */
export type IdxFileArrays = Record<IdxFileRole, IdxArray>;

/** `trainTestFromIdx` for files already decoded. */
export function trainTestFromIdxArrays(arrays: IdxFileArrays, source: string, names: Partial<Record<IdxFileRole, string>> = {}, options: IdxDatasetOptions = {}): TrainTestData {
  const name = (role: IdxFileRole) => names[role] ?? IDX_FILE_NAMES[role];
  const train = datasetFromIdxArrays(arrays.trainImages, arrays.trainLabels, { images: name("trainImages"), labels: name("trainLabels") }, options);
  const test = datasetFromIdxArrays(arrays.testImages, arrays.testLabels, { images: name("testImages"), labels: name("testLabels") }, options);
  if (train.channels !== test.channels || train.height !== test.height || train.width !== test.width) {
    throw new RangeError(`${source}: training images (${name("trainImages")}) are ${train.channels}×${train.height}×${train.width} but test images (${name("testImages")}) are ${test.channels}×${test.height}×${test.width}`);
  }
  const classes = Math.max(train.classes, test.classes);
  return { train: { ...train, classes }, test: { ...test, classes }, source };
}

/**
 * Fetches the four gzipped files `<base>/<standard name>.gz` (e.g. the
 * embedded subset served from `node_modules/nnref/src/data/embedded/`) with
 * the platform's `fetch` and builds the train/test pair — for browsers.
 */
export async function fetchIdxDataset(base: string | URL, source = String(base), options: IdxDatasetOptions = {}): Promise<TrainTestData> {
  const root = String(base).endsWith("/") ? String(base) : `${base}/`;
  const entries = await Promise.all(
    (Object.keys(IDX_FILE_NAMES) as IdxFileRole[]).map(async (role) => {
      const url = new URL(`${IDX_FILE_NAMES[role]}.gz`, root);
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
      return [role, new Uint8Array(await response.arrayBuffer())] as const;
    }),
  );
  return trainTestFromIdx(Object.fromEntries(entries) as IdxFileBytes, source, {}, options);
}
