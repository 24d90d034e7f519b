/**
 * Segmentation (000 "Semantic Segmentation", 001 FCN and atrous
 * convolution): unpooling with the pool's switches and bilinear upsampling by
 * hand, the networks' shapes, the metrics by hand, the per-pixel
 * cross-entropy, and overfitting a synthetic bright-square dataset well above
 * the majority-class rate with each of the three networks.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fromArray, Tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { Variable } from "../../src/autograd/variable.js";
import { noGrad } from "../../src/autograd/apply.js";
import * as F from "../../src/autograd/functional.js";
import { ConvTranspose2d } from "../../src/nn/index.js";
import { fitClassifier } from "../../src/train/fit.js";
import { summarize } from "../../src/models/summary.js";
import {
  BilinearUpsample2d, MaxUnpool2d, SwitchedMaxPool2d, atrousSegmenter, brightSquares, fcnSegmenter, predictPixels,
} from "../../src/models/segmentation.js";
import { confusionMatrix, majorityClassRate, meanIoU, pixelAccuracy } from "../../src/train/metrics.js";
import { withFastestBackend } from "./helpers.js";

const int = (values: number[], shape: number[]) => new Tensor(Int32Array.from(values), shape);

test("max pooling keeps its switches; unpooling puts each maximum back in place, zeros elsewhere; the gradient flows to the maxima only", () => {
  const x = new Variable(fromArray([
    1, 5, 0, 2,
    3, 4, 7, 1,
    0, 0, 1, 1,
    9, 2, 3, 8,
  ], [1, 1, 4, 4], "float64"), true);
  const pool = new SwitchedMaxPool2d(2);
  const unpool = new MaxUnpool2d(pool);
  const pooled = pool.forward(x);
  assert.equal(Array.from(pooled.value.data), [5, 7, 9, 8]);
  assert.equal(Array.from(pool.switches!.data), [1, 6, 12, 15]);
  const y = unpool.forward(pooled);
  assert.equal(y.shape, [1, 1, 4, 4]);
  assert.equal(Array.from(y.value.data), [
    0, 5, 0, 0,
    0, 0, 7, 0,
    0, 0, 0, 0,
    9, 0, 0, 8,
  ]);
  // L = Σ k·y_k: dL/dx = k at each maximum's position k, 0 elsewhere
  F.sum(F.mul(y, fromArray(Array.from({ length: 16 }, (_, k) => k), [1, 1, 4, 4], "float64"))).backward();
  assert.equal(Array.from(x.grad!.data), [0, 1, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 12, 0, 0, 15]);
  assert.equal(unpool.outputShape([2, 3, 5, 6]), [2, 3, 10, 12]);
  assert.match(unpool.describe(), /MaxUnpool2d\(kernel=2×2, stride=2×2\)/);
  assert.match(pool.describe(), /^SwitchedMaxPool2d\(kernel=2/);
});

test("unpooling errors: the pool has not run, or the input is not the pool's output shape", () => {
  const pool = new SwitchedMaxPool2d(2);
  const unpool = new MaxUnpool2d(pool);
  const v = new Variable(fromArray(new Array(4).fill(1), [1, 1, 2, 2]));
  assert.throws(() => unpool.forward(v), /MaxUnpool2d: its pool has not run yet/);
  pool.forward(new Variable(fromArray(new Array(36).fill(1), [1, 1, 6, 6])));
  assert.throws(() => unpool.forward(v), /MaxUnpool2d: expected input \[1, 1, 3, 3\] \(the shape its pool produced\), got \[1, 1, 2, 2\]/);
});

test("bilinear ×2 upsampling (align_corners false) by hand: [a, b] → [a, ¾a + ¼b, ¼a + ¾b, b]", () => {
  const up = new BilinearUpsample2d(2);
  const y = up.forward(new Variable(fromArray([4, 8], [1, 1, 1, 2], "float64")));
  assert.equal(y.shape, [1, 1, 2, 4]);
  assert.equal(Array.from(y.value.data), [4, 5, 7, 8, 4, 5, 7, 8]);
  assert.throws(() => new BilinearUpsample2d(0), /factor: expected an integer ≥ 1/);
});

test("the networks: per-pixel logits [N, classes, H, W], named stages, MACs, errors for sizes they cannot restore", () => {
  const rng = new Random(1);
  const unpool = fcnSegmenter(rng, { inChannels: 3, numClasses: 4, width: 4 });
  const transposed = fcnSegmenter(rng, { inChannels: 3, numClasses: 4, width: 4, upsampling: "transposed" });
  const atrous = atrousSegmenter(rng, { inChannels: 3, numClasses: 4, width: 4 });
  const x = new Variable(fromArray(Array.from({ length: 2 * 3 * 8 * 12 }, (_, i) => Math.sin(i)), [2, 3, 8, 12]));
  for (const model of [unpool, transposed, atrous]) {
    assert.equal(model.outputShape([2, 3, 8, 12]), [2, 4, 8, 12]);
    assert.equal(model.forward(x).shape, [2, 4, 8, 12]);
  }
  assert.equal(unpool.namedChildren().map(([n]) => n), ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "up2", "conv3", "relu3", "up1", "conv4", "relu4", "classifier"]);
  assert.ok(transposed.get("up2") instanceof ConvTranspose2d);
  assert.equal([...atrous.stateDict().keys()].filter((k) => k.endsWith("weight")), ["conv1.weight", "atrous1.weight", "atrous2.weight", "atrous3.weight", "classifier.weight"]);
  // MACs by hand for the unpooling network on [1, 3, 8, 12] (w = 4): convs only
  const pixels = 8 * 12;
  const expected = pixels * 4 * 3 * 9 + (pixels / 4) * 8 * 4 * 9 + (pixels / 4) * 4 * 8 * 9 + pixels * 4 * 4 * 9 + pixels * 4 * 4;
  assert.is(unpool.macs([1, 3, 8, 12]), expected);
  assert.throws(() => unpool.outputShape([1, 3, 10, 12]), /SegmentationNet: expected H and W divisible by 4 .* got 10×12/);
  assert.throws(() => atrous.forward(new Variable(fromArray(new Array(9).fill(0), [1, 1, 3, 3]))), /expected input \[N, 3, H, W\], got \[1, 1, 3, 3\]/);
  assert.throws(() => fcnSegmenter(rng, { upsampling: "nearest" as "unpool" }), /upsampling: expected "unpool" or "transposed"/);
  assert.throws(() => atrousSegmenter(rng, { dilations: [1, 0] }), /dilations: expected at least one integer ≥ 1/);
  assert.throws(() => fcnSegmenter(rng, { numClasses: 1 }), /numClasses: expected an integer ≥ 2, got 1/);
});

test("atrous receptive field by hand: conv 3 → pool 2/2 → dilations 1, 2, 4 → 1×1 sees 3 + 1 + 2·(2 + 4 + 8) = 32 input pixels", () => {
  const s = summarize(atrousSegmenter(new Random(2)), [1, 1, 32, 32]);
  assert.equal(s.outputShape, [1, 2, 32, 32]);
  assert.ok(s.receptiveField !== null);
  assert.equal(s.receptiveField!.size, [32, 32]);
  assert.equal(s.receptiveField!.jump, [2, 2]);
});

test("metrics by hand: confusion matrix, pixel accuracy, IoU per class (null when absent), mean IoU, majority rate", () => {
  // 2 images of 1×3 pixels
  const target = int([0, 0, 1, 1, 1, 0], [2, 1, 3]);
  const pred = int([0, 1, 1, 1, 0, 0], [2, 1, 3]);
  assert.equal(confusionMatrix(pred, target, 3), [[2, 1, 0], [1, 2, 0], [0, 0, 0]]);
  assert.is(pixelAccuracy(pred, target), 4 / 6);
  const iou = meanIoU(pred, target, 3);
  // class 0: TP 2, FN 1, FP 1 → 2/4; class 1 the same; class 2 never occurs
  assert.equal(iou.perClass, [0.5, 0.5, null]);
  assert.is(iou.mean, 0.5);
  assert.is(majorityClassRate(target, 3), 0.5);
  // predictPixels: argmax over the channel axis, first among ties
  const logits = fromArray([/* class 0 */ 1, 5, 2, /* class 1 */ 3, 5, 0], [1, 2, 1, 3]);
  assert.equal(Array.from(predictPixels(logits).data), [1, 0, 0]);
  assert.throws(() => pixelAccuracy(int([0], [1]), int([0, 1], [2])), /expected predictions of the target's shape \[2\], got \[1\]/);
  assert.throws(() => confusionMatrix(int([3], [1]), int([0], [1]), 2), /predicted: expected classes in \[0, 1\], got 3/);
});

test("per-pixel cross-entropy: the mean over pixels of −log softmax(z)_t (one image, 2 classes, 2 pixels, by hand)", () => {
  const logits = fromArray([/* class 0 */ 0, 2, /* class 1 */ Math.log(3), 0], [1, 2, 1, 2], "float64");
  const target = int([1, 0], [1, 1, 2]);
  // pixel 0: softmax(0, ln 3) → ¾ for class 1; pixel 1: softmax(2, 0) → e²/(e² + 1) for class 0
  const expected = (-Math.log(0.75) - Math.log(Math.exp(2) / (Math.exp(2) + 1))) / 2;
  assert.ok(Math.abs(F.crossEntropy(logits, target).value.data[0] - expected) < 1e-15);
});

test("overfitting bright squares: pixel accuracy far above the majority-class rate (unpooling, transposed convolution, atrous)", () => {
  withFastestBackend(() => {
    const { images, labels } = brightSquares(32, new Random(1));
    const majority = majorityClassRate(labels, 2);
    assert.ok(majority > 0.8 && majority < 0.9, `majority rate ${majority}`);
    const cases = [
      { name: "unpool", build: (rng: Random) => fcnSegmenter(rng), accuracy: 0.97, iou: 0.9 },
      { name: "transposed", build: (rng: Random) => fcnSegmenter(rng, { upsampling: "transposed" }), accuracy: 0.97, iou: 0.9 },
      { name: "atrous", build: (rng: Random) => atrousSegmenter(rng, { width: 16 }), accuracy: 0.95, iou: 0.8 },
    ];
    for (const c of cases) {
      const rng = new Random(2);
      const model = c.build(rng);
      const losses = fitClassifier(model, images, labels, { epochs: 30, batchSize: 8, rng, lr: 1e-2 });
      const predicted = noGrad(() => predictPixels(model.forward(new Variable(images)).value));
      const accuracy = pixelAccuracy(predicted, labels);
      const iou = meanIoU(predicted, labels, 2).mean;
      assert.ok(losses[29] < 0.3 * losses[0], `${c.name}: loss ${losses[0]} → ${losses[29]}`);
      assert.ok(accuracy > c.accuracy && iou > c.iou, `${c.name}: pixel accuracy ${accuracy}, mean IoU ${iou} (majority rate ${majority})`);
    }
  });
});

test("brightSquares: labels mark exactly the brightened pixels; seeded", () => {
  const a = brightSquares(3, new Random(5), { size: 8, minSide: 2, maxSide: 3, noise: 0 });
  for (let q = 0; q < a.labels.size; q++) assert.is(a.images.data[q], a.labels.data[q]);
  const b = brightSquares(3, new Random(5), { size: 8, minSide: 2, maxSide: 3, noise: 0 });
  assert.equal(Array.from(b.labels.data), Array.from(a.labels.data));
  assert.throws(() => brightSquares(1, new Random(0), { size: 4, maxSide: 5 }), /expected 1 ≤ minSide ≤ maxSide ≤ size/);
});

test.run();
