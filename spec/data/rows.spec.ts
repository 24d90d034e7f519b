/**
 * Minibatches of plain tensors (src/data/rows.ts): row selection, seeded
 * epoch batches with a partial last batch, images as values in [0, 1].
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fromArray } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { makeDataset } from "../../src/data/dataset.js";
import { labelTensor, rowBatches, selectRows, unitImages } from "../../src/data/rows.js";

test("selectRows copies the rows asked for, in that order, keeping the trailing shape and dtype", () => {
  const x = fromArray(Array.from({ length: 12 }, (_, i) => i), [3, 2, 2], "float64");
  const r = selectRows(x, [2, 0, 2]);
  assert.equal(r.shape, [3, 2, 2]);
  assert.is(r.dtype, "float64");
  assert.equal(Array.from(r.data), [8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11]);
  r.data[0] = -1;
  assert.is(x.data[8], 8, "a copy, not a view");
  assert.throws(() => selectRows(x, [3]), /selectRows: index 3 out of range for 3 rows/);
  assert.throws(() => selectRows(fromArray([1], []), [0]), /expected a tensor with a first \(row\) dimension/);
});

test("rowBatches: ⌈N/B⌉ batches covering every row once; the last partial; seeded order; in order without an rng", () => {
  const batches = rowBatches(10, 4, new Random(1));
  assert.equal(batches.map((b) => b.length), [4, 4, 2]);
  assert.equal(batches.flatMap((b) => Array.from(b)).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(rowBatches(10, 4, new Random(1)).map((b) => Array.from(b)), batches.map((b) => Array.from(b)));
  assert.equal(rowBatches(5, 2, null).map((b) => Array.from(b)), [[0, 1], [2, 3], [4]]);
  assert.equal(rowBatches(0, 3, null), []);
  assert.throws(() => rowBatches(5, 0, null), /batchSize to be an integer ≥ 1, got 0/);
});

test("unitImages: pixel / 255, flattened or [N, C, H, W]; labelTensor: int32 class indices", () => {
  const d = makeDataset(Uint8Array.from([0, 51, 255, 102, 0, 0, 0, 255]), Uint8Array.from([3, 1]), { height: 2, width: 2, classes: 4 });
  const flat = unitImages(d, { dtype: "float64" });
  assert.equal(flat.shape, [2, 4]);
  assert.equal(Array.from(flat.data), [0, 0.2, 1, 0.4, 0, 0, 0, 1]);
  assert.equal(unitImages(d, { flatten: false, count: 1 }).shape, [1, 1, 2, 2]);
  const y = labelTensor(d);
  assert.is(y.dtype, "int32");
  assert.equal(Array.from(y.data), [3, 1]);
  assert.throws(() => unitImages(d, { count: 3 }), /count: expected an integer in \[1, 2\], got 3/);
});

test.run();
