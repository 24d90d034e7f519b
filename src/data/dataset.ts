/**
 * A labelled image dataset as the IDX files hold it: raw 8-bit pixels and one
 * class index per image. Conversion to float tensors (÷255, standardization,
 * augmentation) happens per minibatch (./batches.ts), so a dataset stays at
 * one byte per pixel (Fashion-MNIST: 47 MB for the 60,000 training images).
 */
import type { Random } from "../random.js";
import { IdxError, decodeIdx, type IdxArray } from "./idx.js";

/** Labelled images: pixels [count, channels, height, width] (uint8, row-major) and labels [count]. */
export interface ImageDataset {
  /** Pixels of all images, image after image, each [channels, height, width]. */
  readonly images: Uint8Array;
  /** Class index of each image, in 0 … classes − 1. */
  readonly labels: Uint8Array;
  readonly count: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  /** Number of classes (max label + 1 unless given). */
  readonly classes: number;
}

/** A training set and a test set. */
export interface TrainTestData {
  readonly train: ImageDataset;
  readonly test: ImageDataset;
  /** Where the data came from, for reports (e.g. "embedded Fashion-MNIST subset"). */
  readonly source: string;
}

/** The ten Fashion-MNIST classes, by label. */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
];

/** Number of values of one image. */
export function imageSize(d: ImageDataset): number {
  return d.channels * d.height * d.width;
}

/** Options of the IDX dataset loaders. */
export interface IdxDatasetOptions {
  /**
   * The model's number of classes: every label must lie in 0 … classes − 1,
   * else an `IdxError` names the labels file, the index and the value.
   * Default: no check, and `classes` is the largest label + 1.
   */
  readonly classes?: number;
}

/**
 * Builds a dataset from an images IDX file (uint8 [count, height, width], or
 * [count, channels, height, width]) and a labels IDX file (uint8 [count]),
 * gzipped or not. `names` label the two files in errors.
 */
export async function datasetFromIdx(
  imageBytes: Uint8Array,
  labelBytes: Uint8Array,
  names: { images?: string; labels?: string } = {},
  options: IdxDatasetOptions = {},
): Promise<ImageDataset> {
  const images = await decodeIdx(imageBytes, names.images ?? "images");
  const labels = await decodeIdx(labelBytes, names.labels ?? "labels");
  return datasetFromIdxArrays(images, labels, names, options);
}

/** `datasetFromIdx` for files already decoded (`decodeIdx`, `parseIdx`). */
export function datasetFromIdxArrays(
  images: IdxArray,
  labels: IdxArray,
  names: { images?: string; labels?: string } = {},
  options: IdxDatasetOptions = {},
): ImageDataset {
  const imagesName = names.images ?? "images";
  const labelsName = names.labels ?? "labels";
  if (images.type !== "uint8") throw new IdxError(imagesName, `expected uint8 pixels (type code 0x08), got ${images.type}`);
  if (images.dims.length !== 3 && images.dims.length !== 4) {
    throw new IdxError(imagesName, `expected images of rank 3 [count, height, width] or 4 [count, channels, height, width], got dims [${images.dims.join(", ")}]`);
  }
  if (labels.type !== "uint8") throw new IdxError(labelsName, `expected uint8 labels (type code 0x08), got ${labels.type}`);
  if (labels.dims.length !== 1) throw new IdxError(labelsName, `expected labels of rank 1 [count], got dims [${labels.dims.join(", ")}]`);
  const [count] = images.dims;
  if (labels.dims[0] !== count) {
    throw new IdxError(labelsName, `expected ${count} labels (one per image in ${imagesName}), got ${labels.dims[0]}`);
  }
  const { classes } = options;
  if (classes !== undefined) {
    const bad = firstLabelOutside(labels.data as Uint8Array, classes);
    if (bad !== -1) throw new IdxError(labelsName, `label ${labels.data[bad]} at index ${bad} is not one of the model's ${classes} classes (expected 0 … ${classes - 1})`);
  }
  const [channels, height, width] = images.dims.length === 4 ? images.dims.slice(1) : [1, images.dims[1], images.dims[2]];
  return makeDataset(images.data as Uint8Array, labels.data as Uint8Array, { channels, height, width, classes });
}

/** The index of the first label ≥ `classes`, or −1 when every label is below it. */
export function firstLabelOutside(labels: Uint8Array, classes: number): number {
  if (!Number.isInteger(classes) || classes < 1) throw new RangeError(`classes: expected a positive integer, got ${classes}`);
  for (let i = 0; i < labels.length; i++) if (labels[i] >= classes) return i;
  return -1;
}

/** Wraps pixels and labels as a dataset; `classes` defaults to max label + 1. */
export function makeDataset(
  images: Uint8Array,
  labels: Uint8Array,
  shape: { channels?: number; height: number; width: number; classes?: number },
): ImageDataset {
  const { channels = 1, height, width } = shape;
  const count = labels.length;
  if (images.length !== count * channels * height * width) {
    throw new RangeError(`makeDataset: expected ${count}·${channels}·${height}·${width} = ${count * channels * height * width} pixels for ${count} labels, got ${images.length}`);
  }
  let maxLabel = -1;
  for (let i = 0; i < count; i++) if (labels[i] > maxLabel) maxLabel = labels[i];
  const classes = shape.classes ?? maxLabel + 1;
  if (maxLabel >= classes) throw new RangeError(`makeDataset: expected labels below ${classes}, got ${maxLabel}`);
  return { images, labels, count, channels, height, width, classes };
}

/** The images at `indices` (in that order), copied into a new dataset. */
export function selectImages(d: ImageDataset, indices: ArrayLike<number>): ImageDataset {
  const size = imageSize(d);
  const images = new Uint8Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= d.count) throw new RangeError(`selectImages: index ${i} out of range for ${d.count} images`);
    images.set(d.images.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = d.labels[i];
  }
  return { ...d, images, labels, count: indices.length };
}

/** The first `n` images (a view, no copy) — e.g. a quick run on a small slice. */
export function firstImages(d: ImageDataset, n: number): ImageDataset {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`firstImages: expected a positive integer, got ${n}`);
  const count = Math.min(n, d.count);
  const size = imageSize(d);
  return { ...d, images: d.images.subarray(0, count * size), labels: d.labels.subarray(0, count), count };
}

/**
 * A stratified sample: `perClass` images of every class, each class's drawn
 * uniformly without replacement by `rng`, returned as indices in increasing
 * order (the original order of the file is kept). Throws if a class has
 * fewer than `perClass` images.
 */
export function stratifiedIndices(d: ImageDataset, perClass: number, rng: Random): Int32Array {
  const byClass: number[][] = Array.from({ length: d.classes }, () => []);
  for (let i = 0; i < d.count; i++) byClass[d.labels[i]].push(i);
  const chosen: number[] = [];
  byClass.forEach((members, c) => {
    if (members.length < perClass) throw new RangeError(`stratifiedIndices: class ${c} has ${members.length} images, fewer than ${perClass}`);
    rng.shuffle(members);
    chosen.push(...members.slice(0, perClass));
  });
  return Int32Array.from(chosen.sort((a, b) => a - b));
}

/** Number of images per class. */
export function classCounts(d: ImageDataset): number[] {
  const counts = new Array<number>(d.classes).fill(0);
  for (let i = 0; i < d.count; i++) counts[d.labels[i]]++;
  return counts;
}
