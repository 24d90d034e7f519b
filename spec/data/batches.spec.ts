import { test } from "uvu";
import * as assert from "uvu/assert";
import { Random } from "../../src/random.js";
import { makeDataset, selectImages, firstImages, stratifiedIndices, classCounts } from "../../src/data/dataset.js";
import { computeStandardization, standardizationTable } from "../../src/data/standardize.js";
import { batchCount, epochBatches, makeBatch } from "../../src/data/batches.js";

/** n images of 1×2×2 whose pixels are 4i, 4i+1, 4i+2, 4i+3 (mod 256); label i mod 3. */
function tiny(n: number) {
  const images = new Uint8Array(n * 4);
  for (let i = 0; i < images.length; i++) images[i] = i % 256;
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) labels[i] = i % 3;
  return makeDataset(images, labels, { height: 2, width: 2 });
}

test("standardization: mean and population std of pixel/255, computed by hand", () => {
  // pixels 0, 255, 0, 255 → x̂ = 0, 1, 0, 1: mean 1/2, std 1/2
  const d = makeDataset(new Uint8Array([0, 255, 0, 255]), new Uint8Array([0]), { height: 2, width: 2 });
  const s = computeStandardization(d);
  assert.is(s.mean, 0.5);
  assert.is(s.std, 0.5);
  const table = standardizationTable(s);
  assert.is(table[0], -1);
  assert.is(table[255], 1);
  // pixels 51, 102, 153 → x̂ = 0.2, 0.4, 0.6: mean 0.4, std √(0.08/3)
  const e = makeDataset(new Uint8Array([51, 102, 153]), new Uint8Array([0]), { height: 1, width: 3 });
  const t = computeStandardization(e);
  assert.ok(Math.abs(t.mean - 0.4) < 1e-15);
  assert.ok(Math.abs(t.std - Math.sqrt(0.08 / 3)) < 1e-15);
  assert.throws(() => computeStandardization(makeDataset(new Uint8Array([7, 7]), new Uint8Array([0]), { height: 1, width: 2 })), /std = 0/);
});

test("an epoch has ⌈N/B⌉ batches; the last one is partial unless dropLast", () => {
  assert.is(batchCount(10, 4), 3);
  assert.is(batchCount(10, 4, true), 2);
  assert.is(batchCount(12, 4), 3);
  assert.is(batchCount(12, 4, true), 3);
  const d = tiny(10);
  const s = { mean: 0.5, std: 0.25 };
  const kept = [...epochBatches(d, { batchSize: 4, standardization: s, rng: new Random(1) })];
  assert.equal(kept.map((b) => b.input.shape[0]), [4, 4, 2]);
  const dropped = [...epochBatches(d, { batchSize: 4, standardization: s, rng: new Random(1), dropLast: true })];
  assert.equal(dropped.map((b) => b.input.shape[0]), [4, 4]);
  assert.throws(() => batchCount(10, 0), /expected batchSize to be an integer ≥ 1, got 0/);
});

test("a shuffled epoch visits every image once; one seed, one order; another seed, another order", () => {
  const d = tiny(50);
  const s = { mean: 0, std: 1 };
  const order = (seed: number) => [...epochBatches(d, { batchSize: 8, standardization: s, rng: new Random(seed) })].flatMap((b) => [...b.indices]);
  const a = order(3);
  assert.equal([...a].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
  assert.equal(order(3), a);
  assert.not.equal(order(4), a);
  const inOrder = [...epochBatches(d, { batchSize: 8, standardization: s, shuffle: false })].flatMap((b) => [...b.indices]);
  assert.equal(inOrder, Array.from({ length: 50 }, (_, i) => i));
  assert.throws(() => [...epochBatches(d, { batchSize: 8, standardization: s })], /shuffling needs an rng/);
});

test("a batch holds (pixel/255 − mean)/std in NCHW and the labels as int32", () => {
  const d = tiny(5);
  const s = { mean: 0.25, std: 0.5 };
  const b = makeBatch(d, Int32Array.from([3, 0]), s);
  assert.equal([...b.input.shape], [2, 1, 2, 2]);
  assert.is(b.input.dtype, "float32");
  const expected = [12, 13, 14, 15, 0, 1, 2, 3].map((p) => Math.fround((p / 255 - 0.25) / 0.5));
  assert.equal([...b.input.data], expected);
  assert.is(b.target.dtype, "int32");
  assert.equal([...b.target.data], [0, 0]); // labels 3 mod 3 and 0 mod 3
  const f64 = makeBatch(d, Int32Array.from([1]), s, { dtype: "float64" });
  assert.is(f64.input.data[0], (4 / 255 - 0.25) / 0.5);
});

test("stratified subsets take equally from each class, seeded, in file order", () => {
  const d = tiny(30); // 10 of each of 3 classes
  const a = stratifiedIndices(d, 4, new Random(9));
  assert.is(a.length, 12);
  assert.equal([...a], [...a].sort((x, y) => x - y));
  const sub = selectImages(d, a);
  assert.equal(classCounts(sub), [4, 4, 4]);
  assert.equal([...stratifiedIndices(d, 4, new Random(9))], [...a]);
  assert.not.equal([...stratifiedIndices(d, 4, new Random(10))], [...a]);
  // pixels travel with their image
  const k = 5;
  for (let p = 0; p < 4; p++) assert.is(sub.images[k * 4 + p], d.images[a[k] * 4 + p]);
  assert.throws(() => stratifiedIndices(d, 11, new Random(1)), /class 0 has 10 images, fewer than 11/);
  assert.is(firstImages(d, 7).count, 7);
  assert.equal([...firstImages(d, 7).labels], [0, 1, 2, 0, 1, 2, 0]);
});

test.run();
