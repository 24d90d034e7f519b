import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { fromArray, randn, tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { Variable } from "../../src/autograd/variable.js";
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from "../../src/nn/pool.js";
import { fcParams } from "../support/properties.js";
import { assertClose } from "../support/assertions.js";

const grid = () => new Variable(tensor([[[[1, 3, 2, 0], [4, 6, 5, 1], [7, 2, 9, 8], [0, 1, 3, 4]]]], "float64"));

test("MaxPool2d and AvgPool2d 2×2 (hand-checked)", () => {
  const m = new MaxPool2d(2).forward(grid());
  assert.equal(m.shape, [1, 1, 2, 2]);
  assert.equal([...m.value.data], [6, 5, 7, 9]);
  const a = new AvgPool2d(2).forward(grid());
  assert.equal([...a.value.data], [3.5, 2, 2.5, 6]);
});

test("MaxPool2d routes the gradient to each window's maximum", () => {
  const x = new Variable(grid().value, true);
  new MaxPool2d(2).forward(x).backward(tensor([[[[1, 2], [3, 4]]]], "float64"));
  assert.equal([...x.grad!.data], [0, 0, 0, 0, 0, 1, 2, 0, 3, 0, 4, 0, 0, 0, 0, 0]);
});

// A 3×3 window with padding 1 on a 2×2 image covers all four pixels: sum 10.
test("AvgPool2d countIncludePad: divide by 9 (with the padded zeros) or by 4", () => {
  const x = new Variable(tensor([[[[1, 2], [3, 4]]]], "float64"));
  const include = new AvgPool2d(3, { stride: 1, padding: 1 }).forward(x);
  assertClose(include.value.data, [10 / 9, 10 / 9, 10 / 9, 10 / 9], 1e-15, "include");
  const exclude = new AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false }).forward(x);
  assertClose(exclude.value.data, [2.5, 2.5, 2.5, 2.5], 1e-15, "exclude");
});

test("output sizes by hand: AlexNet's pools, ceil mode, and the dropped last window", () => {
  // 000, AlexNet: MAX POOL 3×3 stride 2: 55 → 27, 27 → 13, 13 → 6.
  const alex = new MaxPool2d(3, { stride: 2 });
  assert.equal(alex.outputShape([1, 96, 55, 55]), [1, 96, 27, 27]);
  assert.equal(alex.outputShape([1, 256, 27, 27]), [1, 256, 13, 13]);
  assert.equal(alex.outputShape([1, 256, 13, 13]), [1, 256, 6, 6]);
  // H = 5, k = 2, s = 2: floor → 2, ceil → 3 (a partial last window).
  assert.equal(new MaxPool2d(2).outputShape([1, 1, 5, 5]), [1, 1, 2, 2]);
  assert.equal(new MaxPool2d(2, { ceilMode: true }).outputShape([1, 1, 5, 5]), [1, 1, 3, 3]);
  // H = 5, k = 2, s = 3, p = 1, ceil: ⌈5/3⌉ + 1 = 3, but the third window would start at 6 ≥ H + p: dropped → 2.
  const dropped = new MaxPool2d(2, { stride: 3, padding: 1, ceilMode: true });
  assert.equal(dropped.outputShape([1, 1, 5, 5]), [1, 1, 2, 2]);
  assert.equal(dropped.forward(new Variable(randn([1, 1, 5, 5], new Random(0)))).shape, [1, 1, 2, 2]);
  // dilation 2: a 3-tap window spans 5
  assert.equal(new MaxPool2d(3, { stride: 1, dilation: 2 }).outputShape([2, 3, 7, 9]), [2, 3, 3, 5]);
  assert.is(alex.macs(), 0);
  assert.is(alex.describe(), "MaxPool2d(kernel=3, stride=2)");
  assert.is(new AvgPool2d(2, { padding: 1, ceilMode: true, countIncludePad: false }).describe(), "AvgPool2d(kernel=2, stride=2, padding=1, ceilMode=true, countIncludePad=false)");
});

test("pool shapes: the op's output equals outputShape over random configurations", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const rng = new Random(seed);
      const k: [number, number] = [1 + rng.int(3), 1 + rng.int(3)];
      const stride: [number, number] = [1 + rng.int(3), 1 + rng.int(3)];
      const padding: [number, number] = [rng.int(Math.floor(k[0] / 2) + 1), rng.int(Math.floor(k[1] / 2) + 1)];
      const ceilMode = rng.bernoulli(0.5) === 1;
      const shape = [1 + rng.int(2), 1 + rng.int(3), 5 + rng.int(4), 5 + rng.int(4)]; // ≥ the largest dilated window (5)
      const x = new Variable(randn(shape, rng));
      const layers = [new MaxPool2d(k, { stride, padding, ceilMode, dilation: [1 + rng.int(2), 1] }), new AvgPool2d(k, { stride, padding, ceilMode, countIncludePad: rng.bernoulli(0.5) === 1 })];
      for (const layer of layers) assert.equal(layer.forward(x).shape, layer.outputShape(shape), `${layer.describe()} on [${shape}]`);
    }),
    fcParams(40),
  );
});

// Cell i of an adaptive pool averages rows ⌊i·H/oh⌋ … ⌈(i+1)·H/oh⌉ − 1: for H = 5, oh = 2,
// rows 0–2 and rows 2–4. With x[h][w] = h the cells are mean(0,1,2) = 1 and mean(2,3,4) = 3.
test("AdaptiveAvgPool2d: overlapping cells (hand-checked) and global average pooling", () => {
  const rows = fromArray(Array.from({ length: 5 * 3 }, (_, i) => Math.floor(i / 3)), [1, 1, 5, 3], "float64");
  const y = new AdaptiveAvgPool2d([2, 1]).forward(new Variable(rows));
  assert.equal(y.shape, [1, 1, 2, 1]);
  assertClose(y.value.data, [1, 3], 1e-15, "cells");
  const x = randn([2, 3, 4, 5], new Random(1), { dtype: "float64" });
  const g = new AdaptiveAvgPool2d(1).forward(new Variable(x));
  assert.equal(g.shape, [2, 3, 1, 1]);
  for (let c = 0; c < 6; c++) {
    let s = 0;
    for (let i = 0; i < 20; i++) s += x.data[c * 20 + i];
    assert.ok(Math.abs(g.value.data[c] - s / 20) < 1e-14);
  }
  assert.equal(new AdaptiveAvgPool2d([3, 2]).outputShape([4, 5, 9, 9]), [4, 5, 3, 2]);
});

test("bad shapes and attributes are named in the layer's terms", () => {
  assert.throws(() => new MaxPool2d(2).outputShape([1, 4, 4]), /MaxPool2d: expected input \[N, C, H, W\], got \[1, 4, 4\]/);
  assert.throws(() => new MaxPool2d(2, { padding: 2 }).outputShape([1, 1, 8, 8]), /MaxPool2d: padding: expected at most half the kernel size \(2\), got 2/);
  assert.throws(() => new AvgPool2d(5).outputShape([1, 1, 4, 8]), /AvgPool2d: input size 4 with padding 0 is smaller than the kernel \(5\)/);
  assert.throws(() => new MaxPool2d([2, 2, 2] as never), /MaxPool2d: kernelSize: expected an integer ≥ 1 or a pair of them/);
  assert.throws(() => new AdaptiveAvgPool2d(0), /AdaptiveAvgPool2d: outputSize: expected an integer ≥ 1/);
});

test.run();
