/**
 * Minibatches (001, "Stochastic Gradient Descent (SGD)": "Minibatch: B
 * elements b(1), …, b(B) sampled from [1, N]"; "Epoch: N samples, N/B
 * batches").
 *
 * One epoch visits every image once, in an order drawn from a seeded
 * `Random` (a Fisher–Yates permutation), cut into consecutive batches of B.
 * When B does not divide N, the last batch is partial (N mod B images) by
 * default, so every image is seen every epoch (PyTorch's DataLoader default,
 * drop_last=False): ⌈N/B⌉ batches. With `dropLast` it is dropped: ⌊N/B⌋
 * batches, each of exactly B.
 *
 * Each batch becomes an input tensor [B, C, H, W] of standardized values
 * (./standardize.ts), after optional augmentation of each image
 * (./augment.ts), and a target tensor of class indices (int32 [B]).
 */
import { Tensor, allocate, type FloatDType } from "../tensor.js";
import type { Random } from "../random.js";
import { imageSize, type ImageDataset } from "./dataset.js";
import { standardizationTable, type Standardization } from "./standardize.js";
import { augmentImage, type Augmentation } from "./augment.js";

/** One minibatch. */
export interface Batch {
  /** Standardized images [B, C, H, W]. */
  readonly input: Tensor;
  /** Class indices, int32 [B]. */
  readonly target: Tensor;
  /** Which dataset images, in batch order. */
  readonly indices: Int32Array;
}

/** How an epoch is cut into batches. */
export interface BatchOptions {
  /** Images per batch, B ≥ 1. */
  readonly batchSize: number;
  /** Training-set statistics applied to every image. */
  readonly standardization: Standardization;
  /** Visit images in a random order drawn from `rng` (default true); false keeps the dataset's order. */
  readonly shuffle?: boolean;
  /** Drop the last partial batch (default false: keep it). */
  readonly dropLast?: boolean;
  /** Augment each image (needs `rng`). */
  readonly augmentation?: Augmentation | null;
  /** The randomness of the order and the augmentation. */
  readonly rng?: Random;
  /** Input dtype (default float32). */
  readonly dtype?: FloatDType;
}

/** Number of batches in one epoch of `count` images: ⌈N/B⌉, or ⌊N/B⌋ with dropLast. */
export function batchCount(count: number, batchSize: number, dropLast = false): number {
  checkBatchSize(batchSize);
  return dropLast ? Math.floor(count / batchSize) : Math.ceil(count / batchSize);
}

function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batches: expected batchSize to be an integer ≥ 1, got ${batchSize}`);
}

/**
 * The order of one epoch: a permutation of 0 … N−1 drawn from `rng`, or the
 * identity when `rng` is null.
 */
export function epochOrder(count: number, rng: Random | null): Int32Array {
  if (rng) return rng.permutation(count);
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  return order;
}

/**
 * The batch of the images at `indices`: standardized (and augmented, drawing
 * from `rng`, image by image in batch order).
 */
export function makeBatch(
  d: ImageDataset,
  indices: Int32Array,
  standardization: Standardization,
  options: { augmentation?: Augmentation | null; rng?: Random; dtype?: FloatDType; table?: Float64Array } = {},
): Batch {
  const { augmentation = null, rng, dtype = "float32" } = options;
  const augmenting = augmentation !== null && (augmentation.flip || (augmentation.cropPadding ?? 0) > 0);
  if (augmenting && !rng) throw new RangeError("makeBatch: augmentation needs an rng");
  const table = options.table ?? standardizationTable(standardization);
  const table32 = Float32Array.from(table);
  const size = imageSize(d);
  const B = indices.length;
  const input = allocate(dtype, B * size);
  const target = new Int32Array(B);
  const augmented = new Uint8Array(size);
  const scratch = new Uint8Array(size);
  for (let b = 0; b < B; b++) {
    const i = indices[b];
    if (i < 0 || i >= d.count) throw new RangeError(`makeBatch: index ${i} out of range for ${d.count} images`);
    if (augmenting) {
      augmentImage(d.images.subarray(i * size, (i + 1) * size), augmented, scratch, d.channels, d.height, d.width, augmentation!, rng!);
      standardizeInto(input, b * size, augmented, 0, size, table32, table);
    } else {
      standardizeInto(input, b * size, d.images, i * size, size, table32, table);
    }
    target[b] = d.labels[i];
  }
  return {
    input: new Tensor(input, [B, d.channels, d.height, d.width]),
    target: new Tensor(target, [B]),
    indices,
  };
}

/**
 * out[at + k] = table[src[from + k]] for k < n: one image, standardized. One
 * loop per output dtype, each with a table of that dtype, so each loop stays
 * monomorphic (a float32 table holds exactly the values a float32 store of
 * the float64 table would).
 */
function standardizeInto(out: Float32Array | Float64Array, at: number, src: Uint8Array, from: number, n: number, table32: Float32Array, table64: Float64Array): void {
  if (out instanceof Float32Array) {
    for (let k = 0; k < n; k++) out[at + k] = table32[src[from + k]];
  } else {
    for (let k = 0; k < n; k++) out[at + k] = table64[src[from + k]];
  }
}

/**
 * The batches of one epoch over `d`, in order. The permutation is drawn from
 * `options.rng` when iteration starts, then the augmentation draws follow,
 * batch by batch — so one seed gives one sequence of batches.
 */
export function* epochBatches(d: ImageDataset, options: BatchOptions): Generator<Batch> {
  const { batchSize, shuffle = true, dropLast = false, augmentation = null, rng, dtype = "float32" } = options;
  checkBatchSize(batchSize);
  if (shuffle && !rng) throw new RangeError("epochBatches: shuffling needs an rng");
  const order = epochOrder(d.count, shuffle ? rng! : null);
  const table = standardizationTable(options.standardization);
  const n = batchCount(d.count, batchSize, dropLast);
  for (let k = 0; k < n; k++) {
    const indices = order.subarray(k * batchSize, Math.min((k + 1) * batchSize, d.count));
    yield makeBatch(d, indices, options.standardization, { augmentation, rng, dtype, table });
  }
}
