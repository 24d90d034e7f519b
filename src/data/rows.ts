/**
 * Minibatches of plain tensors (rows along the first dimension), for the
 * training procedures whose data is a tensor rather than a labelled image
 * set: autoencoders, RBMs, GANs, fine-tuning on learned features. Same rule as
 * ./batches.ts (001, "Stochastic Gradient Descent (SGD)": one epoch is a
 * seeded permutation cut into ⌈N/B⌉ batches, the last one partial), and the
 * conversion of 8-bit images to values in [0, 1] that sigmoid units and
 * binary cross-entropy expect.
 */
import { allocate, sizeOf, Tensor, type FloatDType } from "../tensor.js";
import type { Random } from "../random.js";
import { imageSize, type ImageDataset } from "./dataset.js";

/** The rows `indices` of x [N, …] (in that order), copied: → [indices.length, …]. */
export function selectRows(x: Tensor, indices: ArrayLike<number>): Tensor {
  if (x.rank < 1) throw new RangeError(`selectRows: expected a tensor with a first (row) dimension, got shape []`);
  const n = x.shape[0];
  const row = sizeOf(x.shape.slice(1));
  const out = allocate(x.dtype, indices.length * row);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`selectRows: index ${i} out of range for ${n} rows`);
    out.set(x.data.subarray(i * row, (i + 1) * row), k * row);
  }
  return new Tensor(out, [indices.length, ...x.shape.slice(1)]);
}

/**
 * The row indices of one epoch of `count` rows, cut into batches of
 * `batchSize` (the last one partial): in a permutation drawn from `rng`, or in
 * order when `rng` is null.
 */
export function rowBatches(count: number, batchSize: number, rng: Random | null): Int32Array[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`rowBatches: expected a row count ≥ 0, got ${count}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`rowBatches: expected batchSize to be an integer ≥ 1, got ${batchSize}`);
  const order = rng ? rng.permutation(count) : Int32Array.from({ length: count }, (_, i) => i);
  const batches: Int32Array[] = [];
  for (let start = 0; start < count; start += batchSize) batches.push(order.subarray(start, Math.min(count, start + batchSize)));
  return batches;
}

/**
 * The first `count` images of `d` (default all) as values in [0, 1]
 * (pixel / 255): [count, C·H·W] when `flatten` (default), else
 * [count, C, H, W].
 */
export function unitImages(d: ImageDataset, options: { count?: number; flatten?: boolean; dtype?: FloatDType } = {}): Tensor {
  const { count = d.count, flatten = true, dtype = "float32" } = options;
  if (!Number.isInteger(count) || count < 1 || count > d.count) throw new RangeError(`unitImages: count: expected an integer in [1, ${d.count}], got ${count}`);
  const size = imageSize(d);
  const out = allocate(dtype, count * size);
  for (let i = 0; i < count * size; i++) out[i] = d.images[i] / 255;
  return new Tensor(out, flatten ? [count, size] : [count, d.channels, d.height, d.width]);
}

/** The first `count` labels of `d` (default all) as class indices, int32 [count]. */
export function labelTensor(d: ImageDataset, count = d.count): Tensor {
  if (!Number.isInteger(count) || count < 1 || count > d.count) throw new RangeError(`labelTensor: count: expected an integer in [1, ${d.count}], got ${count}`);
  return new Tensor(Int32Array.from(d.labels.subarray(0, count)), [count]);
}
