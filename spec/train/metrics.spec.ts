import { test } from "uvu";
import * as assert from "uvu/assert";
import { tensor } from "../../src/tensor.js";
import { MetricsAccumulator, accuracy, argmaxRows, confusionCounts, countTopK, topKError, trueClassRanks } from "../../src/train/metrics.js";

// Four images, three classes. Row by row (true class in brackets):
//   [0.1, 0.7, 0.2]  (1) → argmax 1, correct, rank 0
//   [0.5, 0.5, 0.0]  (1) → argmax 0 (first of the tie), wrong; class 0 outranks 1 by the tie rule: rank 1
//   [0.3, 0.2, 0.1]  (2) → argmax 0, wrong, rank 2
//   [0.0, 0.0, 0.9]  (2) → argmax 2, correct, rank 0
const scores = tensor([[0.1, 0.7, 0.2], [0.5, 0.5, 0.0], [0.3, 0.2, 0.1], [0.0, 0.0, 0.9]]);
const target = tensor([1, 1, 2, 2], "int32");

test("argmax takes the first of tied scores; ranks count the classes that outrank the true one", () => {
  assert.equal([...argmaxRows(scores)], [1, 0, 0, 2]);
  assert.equal([...trueClassRanks(scores, target)], [0, 1, 2, 0]);
});

test("accuracy and top-k error, by hand", () => {
  assert.is(accuracy(scores, target), 0.5);
  assert.is(countTopK(scores, target, 2), 3);
  assert.is(topKError(scores, target, 2), 0.25);
  assert.is(topKError(scores, target, 3), 0);
  assert.is(topKError(scores, target, 1), 1 - accuracy(scores, target));
});

test("confusion counts: row = true class, column = predicted", () => {
  assert.equal([...confusionCounts(scores, target)], [
    0, 0, 0,
    1, 1, 0,
    1, 0, 1,
  ]);
});

test("the accumulator weights each batch's mean loss by its size", () => {
  const m = new MetricsAccumulator(2);
  m.add(1.0, tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1]]), tensor([0, 1, 0], "int32")); // 2 of 3 right, top-2: row 3 has class 0 tied with 1 below 2 → rank 1
  m.add(4.0, tensor([[0, 0, 1]]), tensor([1], "int32")); // wrong; class 1 ties class 0 at 0 → rank 2
  const r = m.result();
  assert.is(r.count, 4);
  assert.is(r.loss, (3 * 1.0 + 1 * 4.0) / 4);
  assert.is(r.accuracy, 0.5);
  assert.is(r.topKError, 0.25);
});

test("bad inputs are named", () => {
  assert.throws(() => accuracy(tensor([1, 2]), target), /scores: expected \[N, C\], got shape \[2\]/);
  assert.throws(() => accuracy(scores, tensor([1, 1, 2, 2])), /target: expected int32 class indices \[N\], got float32 \[4\]/);
  assert.throws(() => accuracy(scores, tensor([1, 1, 2], "int32")), /expected 4 class indices \(one per row of scores\), got 3/);
  assert.throws(() => accuracy(scores, tensor([1, 1, 3, 2], "int32")), /target\[2\]: expected a class in 0 … 2, got 3/);
  assert.throws(() => countTopK(scores, target, 0), /expected k to be an integer ≥ 1, got 0/);
});

test.run();
