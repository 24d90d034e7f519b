import { test } from "uvu";
import * as assert from "uvu/assert";
import { Random } from "../../src/random.js";
import { augmentImage, cropPadded, flipHorizontal } from "../../src/data/augment.js";
import { makeDataset } from "../../src/data/dataset.js";
import { epochBatches } from "../../src/data/batches.js";

// One channel, 2 rows × 3 columns:
//   1 2 3
//   4 5 6
const IMAGE = new Uint8Array([1, 2, 3, 4, 5, 6]);

test("flipHorizontal mirrors each row", () => {
  const out = new Uint8Array(6);
  flipHorizontal(IMAGE, out, 1, 2, 3);
  assert.equal([...out], [3, 2, 1, 6, 5, 4]);
  // two channels flip independently
  const two = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
  const out2 = new Uint8Array(8);
  flipHorizontal(two, out2, 2, 2, 2);
  assert.equal([...out2], [2, 1, 4, 3, 6, 5, 8, 7]);
});

test("cropPadded takes a window of the zero-padded image", () => {
  const out = new Uint8Array(6);
  // padding 1: the padded image is 4×5; offset (1, 1) is the original
  cropPadded(IMAGE, out, 1, 2, 3, 1, 1, 1);
  assert.equal([...out], [1, 2, 3, 4, 5, 6]);
  // offset (0, 0): shifted down and right by one, zeros enter top and left
  cropPadded(IMAGE, out, 1, 2, 3, 1, 0, 0);
  assert.equal([...out], [0, 0, 0, 0, 1, 2]);
  // offset (2, 2): shifted up and left, zeros enter bottom and right
  cropPadded(IMAGE, out, 1, 2, 3, 1, 2, 2);
  assert.equal([...out], [5, 6, 0, 0, 0, 0]);
  // offset (1, 0): shifted right only
  cropPadded(IMAGE, out, 1, 2, 3, 1, 1, 0);
  assert.equal([...out], [0, 1, 2, 0, 4, 5]);
});

test("random flips happen about half the time; random crops reach every offset", () => {
  const rng = new Random(11);
  const out = new Uint8Array(6);
  const scratch = new Uint8Array(6);
  let flipped = 0;
  const n = 2000;
  for (let i = 0; i < n; i++) {
    augmentImage(IMAGE, out, scratch, 1, 2, 3, { flip: true }, rng);
    if (out[0] === 3) flipped++;
    else assert.equal([...out], [...IMAGE]);
  }
  // binomial(2000, 1/2): standard deviation ≈ 22
  assert.ok(Math.abs(flipped - n / 2) < 110, `flipped ${flipped} of ${n}`);
  const seen = new Set<string>();
  for (let i = 0; i < 500; i++) {
    augmentImage(IMAGE, out, scratch, 1, 2, 3, { cropPadding: 1 }, rng);
    seen.add(out.join(","));
  }
  assert.is(seen.size, 9); // (2p + 1)² distinct windows of this image
  assert.throws(() => augmentImage(IMAGE, out, scratch, 1, 2, 3, { cropPadding: -1 }, rng), /cropPadding to be an integer ≥ 0/);
});

test("augmented epochs are seeded: same seed, same batches", () => {
  const images = new Uint8Array(20 * 9);
  for (let i = 0; i < images.length; i++) images[i] = (i * 37) % 256;
  const d = makeDataset(images, new Uint8Array(20), { height: 3, width: 3 });
  const run = (seed: number) =>
    [...epochBatches(d, { batchSize: 6, standardization: { mean: 0.5, std: 0.3 }, augmentation: { flip: true, cropPadding: 1 }, rng: new Random(seed) })]
      .flatMap((b) => [...b.input.data]);
  assert.equal(run(5), run(5));
  assert.not.equal(run(5), run(6));
  // without augmentation the same order gives different values: augmentation changed something
  const plain = [...epochBatches(d, { batchSize: 6, standardization: { mean: 0.5, std: 0.3 }, rng: new Random(5) })].flatMap((b) => [...b.input.data]);
  assert.not.equal(run(5), plain);
});

test.run();
