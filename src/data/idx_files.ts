/**
 * The four files of an MNIST-style dataset by their standard names, and
 * building a train/test pair from their bytes — usable anywhere (a browser
 * app fetches the bytes itself, e.g. with `fetchIdxDataset`; Node reads them
 * with ./node_files.ts).
 */
import { datasetFromIdxArrays, type IdxDatasetOptions, type TrainTestData } from "./dataset.js";
import { decodeIdx, gunzipIdx, isGzip, type IdxArray } from "./idx.js";

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
  // The four files inflate at once: where the platform inflates off the calling thread (Node) they take the time of
  // the largest, not the sum (57 → 31 ms for the embedded subset, one Node run).
  const roles = Object.keys(IDX_FILE_NAMES) as IdxFileRole[];
  const decoded = await Promise.all(roles.map((role) => decodeIdx(bytes[role], names[role] ?? IDX_FILE_NAMES[role])));
  const arrays = Object.fromEntries(roles.map((role, i) => [role, decoded[i]])) as IdxFileArrays;
  return trainTestFromIdxArrays(arrays, source, names, options);
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

/** How `fetchIdxFiles` requests one URL: the platform's `fetch` unless a caller passes its own (e.g. one that hands back a request it started earlier). */
export type FetchFunction = (url: URL) => Promise<Response>;

/**
 * Fetches the four gzipped files `<base>/<standard name>.gz` and inflates
 * them as they arrive, all four at once: each response's body streams into
 * `gunzipIdx` (bounded by the size its IDX header declares and by its
 * Content-Length, so a bad or hostile file costs no more than it declares).
 * Returns the four inflated IDX files, not yet parsed: `trainTestFromIdx`
 * checks and parses them. A failed request names its URL and HTTP status.
 */
export async function fetchIdxFiles(base: string | URL, fetchFile: FetchFunction = (url) => fetch(url)): Promise<IdxFileBytes> {
  const root = String(base).endsWith("/") ? String(base) : `${base}/`;
  const roles = Object.keys(IDX_FILE_NAMES) as IdxFileRole[];
  const files = await Promise.all(
    roles.map(async (role) => {
      const url = new URL(`${IDX_FILE_NAMES[role]}.gz`, root);
      const response = await fetchFile(url);
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
      return responseIdxBytes(response, String(url));
    }),
  );
  return Object.fromEntries(roles.map((role, i) => [role, files[i]])) as IdxFileBytes;
}

/**
 * The IDX bytes of one fetched `.gz` file: inflated while it streams in, or
 * read as it comes when it no longer starts with gzip's magic bytes (a
 * server that sent it with `Content-Encoding: gzip`, so that fetch already
 * inflated it). parseIdx checks either against its header.
 */
async function responseIdxBytes(response: Response, file: string): Promise<Uint8Array> {
  if (response.body === null) throw new Error(`${file}: the response has no body`);
  const reader = response.body.getReader();
  const first = await reader.read();
  const head = first.done ? new Uint8Array(0) : first.value;
  const whole = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.length > 0) controller.enqueue(head);
      if (first.done) controller.close();
    },
    async pull(controller) {
      const next = await reader.read();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  if (!isGzip(head)) return new Uint8Array(await new Response(whole).arrayBuffer());
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  return gunzipIdx(whole, file, Number.isFinite(declared) && declared > 0 ? declared : Infinity);
}

/**
 * Fetches the four gzipped files `<base>/<standard name>.gz` (e.g. the
 * embedded subset served from `node_modules/nnref/src/data/embedded/`)
 * with `fetchIdxFiles` and builds the train/test pair — for browsers.
 */
export async function fetchIdxDataset(base: string | URL, source = String(base), options: IdxDatasetOptions = {}): Promise<TrainTestData> {
  return trainTestFromIdx(await fetchIdxFiles(base), source, {}, options);
}
