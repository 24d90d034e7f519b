import { test } from "uvu";
import * as assert from "uvu/assert";
import { fromArray, tensor, randn, Tensor, zeros } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { distinctValues } from "../../src/ops/pool_window.js";
import { maxPool2d, maxPool2dBackward, maxPool2dOp } from "../../src/ops/max_pool2d.js";
import { adaptiveAvgPool2d, adaptiveAvgPool2dOp, avgPool2d, avgPool2dOp, sumPool2d, sumPool2dOp } from "../../src/ops/avg_pool2d.js";
import { maxUnpool2d, maxUnpool2dOp } from "../../src/ops/max_unpool2d.js";
import { pooledLength } from "../../src/shapes.js";
import { conv2d } from "../../src/ops/conv2d.js";
import { checkGradientsProperty } from "../support/properties.js";
import * as fc from "fast-check";
import { fcParams } from "../support/properties.js";
import { assertClose, throwsOpError } from "../support/assertions.js";

const close = (actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12, what = "") => assertClose(actual, expected, tol, what);

// ───────────── output sizes, worked by hand from PyTorch's documented formula ─────────────

test("pool output size: floor and ceil mode, dilation, the dropped last window", () => {
  // [in, k, s, p, d, ceil, expected]
  const cases: [number, number, number, number, number, boolean, number][] = [
    [7, 2, 2, 0, 1, false, 3], // ⌊5/2⌋ + 1
    [7, 2, 2, 0, 1, true, 4], // ⌈5/2⌉ + 1: the last window holds only row 6
    [5, 2, 2, 1, 1, false, 3], // ⌊5/2⌋ + 1
    [5, 2, 2, 1, 1, true, 3], // ⌈5/2⌉ + 1 = 4, but window 3 would start at 6 − 1 = 5 = in: inside the right padding → dropped
    [6, 3, 2, 1, 1, true, 4], // ⌈5/2⌉ + 1 = 4; window 3 starts at 5 < 6: kept
    [6, 3, 2, 1, 1, false, 3],
    [10, 3, 1, 0, 2, false, 6], // effective kernel 5
    [10, 3, 3, 1, 3, true, 3], // span 10 + 2 − 7 = 5 → ⌈5/3⌉ + 1 = 3
    [4, 5, 1, 0, 1, false, 0], // kernel larger than the input: no window
  ];
  for (const [n, k, s, p, d, ceil, want] of cases) assert.is(pooledLength(n, k, s, p, d, ceil), want, JSON.stringify([n, k, s, p, d, ceil]));
});

// ───────────── max_pool2d ─────────────

test("max_pool2d: 2×2 stride 2 by hand, with flat per-plane indices", () => {
  const x = tensor([[[
    [1, 5, 2, 0],
    [3, 4, 8, 7],
    [9, 0, 1, 1],
    [2, 6, 1, 3],
  ]]], "float64");
  const { output, indices } = maxPool2d(x, { kernel_size: 2 });
  assert.equal(output.shape, [1, 1, 2, 2]);
  assert.equal([...output.data], [5, 8, 9, 3]);
  assert.equal([...indices.data], [1, 6, 8, 15]);
  assert.is(indices.dtype, "int32");
  assert.is(output.dtype, "float64");
});

test("max_pool2d: ties go to the first position; padding is −∞; NaN propagates", () => {
  const ties = maxPool2d(tensor([[[[2, 2], [2, 2]]]]), { kernel_size: 2 });
  assert.equal([...ties.indices.data], [0]);
  // All-negative input with padding 1: a padded zero would win if padding were 0.
  const neg = maxPool2d(tensor([[[[-1, -2], [-3, -4]]]], "float64"), { kernel_size: 3, stride: 1, padding: 1 });
  assert.equal([...neg.output.data], [-1, -1, -1, -1]);
  const nan = maxPool2d(tensor([[[[1, NaN], [3, 2]]]], "float64"), { kernel_size: 2 });
  assert.ok(Number.isNaN(nan.output.data[0]));
  assert.equal([...nan.indices.data], [1]);
  // Backward of the tie: the whole gradient goes to the first of the tied.
  const dx = maxPool2dBackward(tensor([[[[5]]]]), tensor([[[[2, 2], [2, 2]]]]), ties.indices);
  assert.equal([...dx.data], [5, 0, 0, 0]);
});

test("max_pool2d: ceil_mode keeps the partial last window; dilation skips taps; [C, H, W] input", () => {
  // Row 0 … 4 of a 5-wide row, k = 2, s = 2, ceil: windows {0,1}, {2,3}, {4}.
  const x = fromArray([3, 1, 4, 1, 5], [1, 1, 5], "float64");
  const r = maxPool2d(x, { kernel_size: [1, 2], ceil_mode: true });
  assert.equal(r.output.shape, [1, 1, 3]);
  assert.equal([...r.output.data], [3, 4, 5]);
  // Dilation 2, k = 2, stride 1 on [0, 9, 1, 8, 2]: windows {0,2}, {1,3}, {2,4}.
  const d = maxPool2d(fromArray([0, 9, 1, 8, 2], [1, 1, 5]), { kernel_size: [1, 2], stride: 1, dilation: [1, 2] });
  assert.equal([...d.output.data], [1, 9, 2]);
  assert.equal([...d.indices.data], [2, 1, 4]);
});

test("max_pool2d: every output is the maximum of its window, found by a brute-force scan", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e9 }), (seed) => {
      const rng = new Random(seed);
      const { inputs, attrs } = maxPool2dOp.sample(rng, "float64");
      const x = inputs.input;
      const { output, indices } = maxPool2d(x, attrs);
      const [H, W] = x.shape.slice(-2);
      const [Ho, Wo] = output.shape.slice(-2);
      const planes = x.size / (H * W);
      for (let p = 0; p < planes; p++) {
        for (let o = 0; o < Ho * Wo; o++) {
          // the window's taps, listed from the definition
          const oh = Math.floor(o / Wo), ow = o % Wo;
          let best = -Infinity;
          for (let i = 0; i < attrs.kernel_size[0]; i++) for (let j = 0; j < attrs.kernel_size[1]; j++) {
            const h = oh * attrs.stride[0] - attrs.padding[0] + i * attrs.dilation[0];
            const w = ow * attrs.stride[1] - attrs.padding[1] + j * attrs.dilation[1];
            if (h >= 0 && h < H && w >= 0 && w < W) best = Math.max(best, x.data[p * H * W + h * W + w]);
          }
          assert.is(output.data[p * Ho * Wo + o], best);
          assert.is(x.data[p * H * W + indices.data[p * Ho * Wo + o]], best);
        }
      }
    }),
    fcParams(40),
  );
});

// ───────────── avg_pool2d and sum_pool2d ─────────────

test("avg_pool2d: ceil_mode with count_include_pad divides by the window clipped to the padded input", () => {
  // Row [1, 2, 3, 4], kernel 3, stride 2, padding 1, ceil: windows start at −1, 1, 3.
  // Window 2 covers [3, 6) but the padded input ends at 5: 2 positions, 1 real.
  const x = fromArray([1, 2, 3, 4], [1, 1, 1, 4], "float64");
  const base = { kernel_size: [1, 3] as [number, number], stride: [1, 2] as [number, number], padding: [0, 1] as [number, number], ceil_mode: true };
  assert.equal([...avgPool2d(x, base).data], [3 / 3, 9 / 3, 4 / 2]);
  assert.equal([...avgPool2d(x, { ...base, count_include_pad: false }).data], [3 / 2, 9 / 3, 4 / 1]);
  assert.equal([...avgPool2d(x, { ...base, divisor_override: 5 }).data], [3 / 5, 9 / 5, 4 / 5]);
  assert.equal([...sumPool2d(x, base).data], [3, 9, 4]);
  // Without ceil_mode the partial window is not there.
  assert.equal(avgPool2d(x, { ...base, ceil_mode: false }).shape, [1, 1, 1, 2]);
});

test("avg_pool2d (count_include_pad, stride 1) equals a direct sum over a zero-padded copy, /k²", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e9 }), (seed) => {
      const rng = new Random(seed);
      const k = 1 + rng.int(4), p = rng.int(Math.floor(k / 2) + 1);
      const H = k + rng.int(5), W = k + rng.int(5);
      const x = randn([1, 1, H, W], rng, { dtype: "float64" });
      const y = avgPool2d(x, { kernel_size: k, stride: 1, padding: p });
      // an independent computation: pad with zeros, then take every k×k sum
      const Hp = H + 2 * p, Wp = W + 2 * p;
      const padded = new Float64Array(Hp * Wp);
      for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) padded[(h + p) * Wp + w + p] = x.data[h * W + w];
      const expected: number[] = [];
      for (let i = 0; i + k <= Hp; i++) for (let j = 0; j + k <= Wp; j++) {
        let s = 0;
        for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) s += padded[(i + a) * Wp + j + b];
        expected.push(s / (k * k));
      }
      close(y.data, expected, 1e-12, "avg");
    }),
    fcParams(40),
  );
});

test("avg_pool2d (count_include_pad, no ceil) equals the conv2d op with a constant 1/(kh·kw) kernel, any stride", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e9 }), (seed) => {
      const rng = new Random(seed);
      const kh = 1 + rng.int(4), kw = 1 + rng.int(4);
      const stride: [number, number] = [1 + rng.int(4), 1 + rng.int(4)];
      const padding: [number, number] = [rng.int(Math.floor(kh / 2) + 1), rng.int(Math.floor(kw / 2) + 1)];
      const [N, C, H, W] = [1 + rng.int(2), 1 + rng.int(3), kh + rng.int(5), kw + rng.int(5)];
      const x = randn([N, C, H, W], rng, { dtype: "float64" });
      const y = avgPool2d(x, { kernel_size: [kh, kw], stride, padding });
      const weight = fromArray(new Array(kh * kw).fill(1 / (kh * kw)), [1, 1, kh, kw], "float64");
      const viaConv = conv2d(x.reshape([N * C, 1, H, W]), weight, undefined, { stride, padding });
      close(y.data, [...viaConv.data], 1e-12, "avg vs conv");
    }),
    fcParams(40),
  );
});

test("sum_pool2d is avg_pool2d times the window size (no padding)", () => {
  const rng = new Random(7);
  const x = randn([2, 3, 6, 5], rng, { dtype: "float64" });
  const s = sumPool2d(x, { kernel_size: [3, 2], stride: [1, 2] });
  const a = avgPool2d(x, { kernel_size: [3, 2], stride: [1, 2] });
  close(s.data, [...a.data].map((v) => v * 6), 1e-12);
});

// ───────────── adaptive_avg_pool2d ─────────────

test("adaptive_avg_pool2d: PyTorch's windows ⌊i·H/H'⌋ … ⌈(i+1)·H/H'⌉, and global average at 1", () => {
  // Width 5 → 3: windows [0, 2), [1, 4), [3, 5).
  const x = fromArray([1, 2, 3, 4, 5], [1, 1, 1, 5], "float64");
  assert.equal([...adaptiveAvgPool2d(x, [1, 3]).data], [1.5, 3, 4.5]);
  // Width 3 → 5 (upsampling): windows [0,1), [0,2), [1,2), [1,3), [2,3).
  const u = fromArray([1, 2, 4], [1, 1, 1, 3], "float64");
  assert.equal([...adaptiveAvgPool2d(u, [1, 5]).data], [1, 1.5, 2, 3, 4]);
  // Global average pooling: one value per channel.
  const g = adaptiveAvgPool2d(tensor([[[[1, 2], [3, 6]], [[0, 0], [0, 4]]]], "float64"), 1);
  assert.equal(g.shape, [1, 2, 1, 1]);
  assert.equal([...g.data], [3, 1]);
  // null keeps that input size.
  assert.equal(adaptiveAvgPool2d(zeros([1, 1, 4, 6]), [2, null]).shape, [1, 1, 2, 6]);
});

// ───────────── max_unpool2d ─────────────

test("max_unpool2d(max_pool2d(x)) puts each maximum back at its place and zeros elsewhere", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e9 }), (seed) => {
      const rng = new Random(seed);
      const k = 1 + rng.int(3), s = 1 + rng.int(3), p = rng.int(Math.floor(k / 2) + 1);
      const H = k + rng.int(5), W = k + rng.int(5);
      const x = distinctValues([2, 2, H, W], rng, "float64");
      const pooled = maxPool2d(x, { kernel_size: k, stride: s, padding: p });
      const y = maxUnpool2d(pooled.output, pooled.indices, { kernel_size: k, stride: s, padding: p, output_size: [H, W] });
      assert.equal(y.shape, x.shape);
      // Brute force: position j is a window maximum iff some window holds j and nothing larger.
      const Ho = pooled.output.shape[2], Wo = pooled.output.shape[3];
      for (let q = 0; q < 4; q++) {
        const isMax = new Array(H * W).fill(false);
        for (let oh = 0; oh < Ho; oh++) for (let ow = 0; ow < Wo; ow++) {
          let best = -Infinity, at = -1;
          for (let h = oh * s - p; h < oh * s - p + k; h++) for (let w = ow * s - p; w < ow * s - p + k; w++) {
            if (h >= 0 && h < H && w >= 0 && w < W && x.data[q * H * W + h * W + w] > best) { best = x.data[q * H * W + h * W + w]; at = h * W + w; }
          }
          isMax[at] = true;
        }
        for (let j = 0; j < H * W; j++) assert.is(y.data[q * H * W + j], isMax[j] ? x.data[q * H * W + j] : 0);
      }
    }),
    fcParams(40),
  );
});

test("max_unpool2d: default output size (H − 1)·s − 2p + k, hand example", () => {
  const y = maxUnpool2d(tensor([[[[5, 8], [9, 3]]]]), fromArray([1, 6, 8, 15], [1, 1, 2, 2], "int32"), { kernel_size: 2 });
  assert.equal(y.shape, [1, 1, 4, 4]);
  assert.equal([...y.data], [0, 5, 0, 0, 0, 0, 8, 0, 9, 0, 0, 0, 0, 0, 0, 3]);
});

// ───────────── gradients ─────────────

test("gradcheck: every pooling op across random attributes (float64, < 1e-6)", () => {
  const worst: Record<string, number> = {};
  for (const op of [maxPool2dOp, avgPool2dOp, sumPool2dOp, adaptiveAvgPool2dOp, maxUnpool2dOp]) worst[op.name] = checkGradientsProperty(op, 80);
  console.log("  worst gradcheck error:", Object.entries(worst).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(", "));
});

test("float32 in, float32 out, close to the float64 result", () => {
  const rng = new Random(3);
  const x64 = randn([1, 2, 5, 5], rng, { dtype: "float64" });
  const x32 = x64.astype("float32");
  const a = { kernel_size: 3, stride: 2, padding: 1, ceil_mode: true };
  for (const f of [(x: Tensor) => avgPool2d(x, a), (x: Tensor) => maxPool2d(x, a).output, (x: Tensor) => adaptiveAvgPool2d(x, [2, 3])]) {
    const y32 = f(x32), y64 = f(x64);
    assert.is(y32.dtype, "float32");
    close(y32.data, [...y64.data], 1e-6);
  }
});

// ───────────── errors ─────────────

test("errors name the op, the argument, what was expected and what came", () => {
  const x = zeros([1, 1, 4, 4]);
  throwsOpError(() => maxPool2d(x, { kernel_size: 3, padding: 2 }), /^max_pool2d: padding: expected at most half the kernel size \(⌊3\/2⌋ = 1\), got 2$/);
  throwsOpError(() => avgPool2d(x, { kernel_size: [2, 4], padding: [1, 3] }), /^avg_pool2d: padding: expected at most half the kernel size \(⌊4\/2⌋ = 2\), got 3$/);
  throwsOpError(() => maxPool2d(x, { kernel_size: 5 }), /^max_pool2d: input: expected a height and width that give an output of at least 1×1 with these attributes, got shape \[1, 1, 4, 4\], which gives 0×0$/);
  throwsOpError(() => sumPool2d(x, { kernel_size: [1, 6] }), /^sum_pool2d: input: .* which gives 4×0$/);
  throwsOpError(() => maxPool2d(zeros([4, 4]), { kernel_size: 2 }), /^max_pool2d: input: expected rank 3 or 4 \[N, C, H, W\] or \[C, H, W\], got shape \[4, 4\]$/);
  throwsOpError(() => maxPool2d(x, {} as never), /^max_pool2d: kernel_size: expected an integer ≥ 1 or a pair of them, got nothing$/);
  throwsOpError(() => maxPool2d(x, { kernel_size: 2, stride: 0 }), /^max_pool2d: stride: expected an integer ≥ 1, got 0$/);
  throwsOpError(() => maxPool2d(x, { kernel_size: 2, dilation: [1, 0] }), /^max_pool2d: dilation\[1\]: expected an integer ≥ 1, got 0$/);
  throwsOpError(() => maxPool2d(fromArray([1, 2, 3, 4], [1, 1, 2, 2], "int32"), { kernel_size: 2 }), /^max_pool2d: input: expected a float32 or float64 tensor, got int32 tensor of shape \[1, 1, 2, 2\]$/);
  throwsOpError(() => avgPool2d(x, { kernel_size: 2, divisor_override: 0 }), /^avg_pool2d: divisor_override: expected a non-zero integer or null, got 0$/);
  throwsOpError(() => avgPool2d(x, { kernel_size: 2, ceil_mode: 1 as never }), /^avg_pool2d: ceil_mode: expected true or false, got 1$/);
  throwsOpError(() => adaptiveAvgPool2d(x, 0), /^adaptive_avg_pool2d: output_size: expected an integer ≥ 1, got 0$/);
  throwsOpError(() => adaptiveAvgPool2d(x, [2, 2, 2] as never), /^adaptive_avg_pool2d: output_size: expected an integer ≥ 1 or a pair of them \(null keeps the input size\), got \[2,2,2\]$/);
  throwsOpError(() => adaptiveAvgPool2d(zeros([1, 1, 0, 3]), 1), /^adaptive_avg_pool2d: input: expected a height and width of at least 1, got shape \[1, 1, 0, 3\]$/);

  const v = tensor([[[[1, 2]]]]);
  const idx = (values: number[]) => fromArray(values, [1, 1, 1, 2], "int32");
  throwsOpError(() => maxUnpool2d(v, idx([0, 8]), { kernel_size: 2 }), /^max_unpool2d: indices: expected flat positions in \[0, 8\) of the 2×4 output plane, got 8 at flat index 1$/);
  throwsOpError(() => maxUnpool2d(v, idx([-1, 0]), { kernel_size: 2 }), /^max_unpool2d: indices: .* got -1 at flat index 0$/);
  throwsOpError(() => maxUnpool2d(v, fromArray([0, 1], [1, 1, 1, 2]), { kernel_size: 2 }), /^max_unpool2d: indices: expected an int32 tensor of class indices, got float32 tensor/);
  throwsOpError(() => maxUnpool2d(v, fromArray([0, 1, 2], [1, 1, 1, 3], "int32"), { kernel_size: 2 }), /^max_unpool2d: indices: expected shape \[1, 1, 1, 2\] \(the shape of input\), got shape \[1, 1, 1, 3\]$/);
  throwsOpError(() => maxUnpool2d(v, idx([0, 1]), { kernel_size: 2, output_size: [2, 6] }), /^max_unpool2d: output_size: expected sizes strictly between 2 and 6 on axis 1 \(the default 4 ± stride\), got \[2,6\]$/);
  throwsOpError(() => maxUnpool2d(v, idx([0, 1]), { kernel_size: 2, output_size: [2] }), /^max_unpool2d: output_size: expected null or \[H, W\]/);

  const { indices } = maxPool2d(x, { kernel_size: 2 });
  throwsOpError(() => maxPool2dBackward(zeros([1, 1, 3, 3]), x, indices), /^max_pool2d: upstream: expected shape \[1, 1, 2, 2\] \(the shape of the output\), got shape \[1, 1, 3, 3\]$/);
  throwsOpError(() => maxPool2dBackward(zeros([1, 1, 2, 2], "float64"), x, indices), /^max_pool2d: upstream: expected dtype float32 \(the dtype of the first input\), got float64$/);
});

test.run();
