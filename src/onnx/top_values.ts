/**
 * The largest values of a model output, per batch row: what `nnref run`
 * prints for each output of an ONNX model (for classifier logits, the
 * top-k classes).
 */
import type { Tensor } from "../tensor.js";

/** One entry of a top-k list: the flat index within the row and its value. */
export interface TopValue {
  index: number;
  value: number;
}

/**
 * The `k` largest values of each row of `t` (rows along the first
 * dimension, each flattened; a tensor of rank 0 or 1 is one row), largest
 * first, ties by lower index. NaN counts as the largest, so it shows.
 */
export function topValues(t: Tensor, k: number): TopValue[][] {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`topValues: k: expected a positive integer, got ${k}`);
  const rows = t.rank >= 2 ? t.shape[0] : 1;
  const width = rows === 0 ? 0 : t.size / rows;
  const out: TopValue[][] = [];
  for (let r = 0; r < rows; r++) {
    const row: TopValue[] = [];
    for (let i = 0; i < width; i++) row.push({ index: i, value: t.data[r * width + i] });
    const key = (v: number) => (Number.isNaN(v) ? Infinity : v);
    row.sort((a, b) => key(b.value) - key(a.value) || a.index - b.index);
    out.push(row.slice(0, k));
  }
  return out;
}
