/**
 * Input standardization (002, "Neural Net – Interpretation": shift by the
 * mean and divide by the standard deviation, over the training set):
 *
 *   x := (x̂ − mean) / std,   x̂ = pixel / 255
 *
 * mean and std are ONE pair over all pixels of the training set (as the
 * usual Fashion-MNIST recipe, e.g. torchvision's Normalize((0.2860,), (0.3530,))),
 * computed once from the training images and then applied unchanged to the
 * test images — the test set never informs its own preprocessing.
 */
import type { ImageDataset } from "./dataset.js";

/** The training set's pixel statistics, on the /255 scale. */
export interface Standardization {
  readonly mean: number;
  readonly std: number;
}

/**
 * mean and (population) standard deviation of x̂ = pixel/255 over every pixel
 * of `d`, accumulated exactly: a histogram of the 256 byte values, then sums
 * in float64.
 */
export function computeStandardization(d: ImageDataset): Standardization {
  const histogram = new Float64Array(256);
  const px = d.images;
  for (let i = 0; i < px.length; i++) histogram[px[i]]++;
  const n = px.length;
  if (n === 0) throw new RangeError("computeStandardization: the dataset has no pixels");
  let sum = 0;
  for (let v = 0; v < 256; v++) sum += histogram[v] * (v / 255);
  const mean = sum / n;
  let squares = 0;
  for (let v = 0; v < 256; v++) squares += histogram[v] * (v / 255 - mean) ** 2;
  const std = Math.sqrt(squares / n);
  if (!(std > 0)) throw new RangeError("computeStandardization: every pixel has the same value (std = 0)");
  return { mean, std };
}

/** The standardized value of each byte 0 … 255: table[p] = (p/255 − mean)/std. */
export function standardizationTable(s: Standardization): Float64Array {
  if (!(s.std > 0) || !Number.isFinite(s.mean)) throw new RangeError(`standardizationTable: expected a finite mean and std > 0, got mean ${s.mean}, std ${s.std}`);
  const table = new Float64Array(256);
  for (let p = 0; p < 256; p++) table[p] = (p / 255 - s.mean) / s.std;
  return table;
}
