import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { fromArray, randn, tensor, zeros, type Tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import {
  boxKernel, convolve2d, convolve2dBackward, convolve2dOp, correlate2d, correlate2dOp, flipKernel, gaussianKernel, gaussianDerivativeKernel, identityKernel,
  normalizedCorrelate2d, sharpenKernel, shiftKernel, sobelXKernel, sobelYKernel,
} from "../../src/ops/filters.js";
import { conv2d } from "../../src/ops/conv2d.js";
import { checkGradientsProperty, fcParams } from "../support/properties.js";
import { assertClose, throwsOpError } from "../support/assertions.js";

const close = (actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12, what = "") => assertClose(actual, expected, tol, what);

const sumOf = (a: ArrayLike<number>): number => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]; return s; };

/** A random image, kernel and padding ("same" only with odd kernels). */
function randomCase(rng: Random): { f: Tensor; h: Tensor; padding: "valid" | "same" | number } {
  const kh = 1 + rng.int(5), kw = 1 + rng.int(5);
  const c = rng.int(3);
  const padding = c === 0 ? "valid" : c === 1 && kh % 2 === 1 && kw % 2 === 1 ? "same" : rng.int(3);
  return { f: randn([kh + rng.int(6), kw + rng.int(6)], rng, { dtype: "float64" }), h: randn([kh, kw], rng, { dtype: "float64" }), padding };
}

test("correlate2d and convolve2d by hand on a 2×2 image", () => {
  const f = tensor([[1, 2], [3, 4]], "float64");
  const h = tensor([[1, 0], [0, -1]], "float64");
  // correlation, valid: 1·1 + 4·(−1)
  assert.equal([...correlate2d(f, h).data], [-3]);
  // convolution, valid: the flipped kernel [[−1, 0], [0, 1]]: −1 + 4
  assert.equal([...convolve2d(f, h).data], [3]);
  // correlation with one ring of zeros: g(i, j) = f(i−1, j−1) − f(i, j)
  const g = correlate2d(f, h, 1);
  assert.equal(g.shape, [3, 3]);
  assert.equal([...g.data], [-1, -2, 0, -3, -3, 2, 0, 3, 4]);
});

test("convolve2d(f, h) == correlate2d(f, flip(h)) for random sizes and paddings", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e9 }), (seed) => {
      const { f, h, padding } = randomCase(new Random(seed));
      close(convolve2d(f, h, padding).data, correlate2d(f, flipKernel(h), padding).data, 1e-12);
    }),
    fcParams(60),
  );
});

test("convolve2d with 'same' is the lecture's centred sum g(i,j) = Σ_{k,l=−r..r} f(i−k, j−l) h(k,l)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e9 }), (seed) => {
      const rng = new Random(seed);
      const rh = rng.int(3), rw = rng.int(3);
      const H = 1 + rng.int(6), W = 1 + rng.int(6);
      const f = randn([H, W], rng, { dtype: "float64" });
      const h = randn([2 * rh + 1, 2 * rw + 1], rng, { dtype: "float64" });
      const at = (i: number, j: number) => (i >= 0 && i < H && j >= 0 && j < W ? f.data[i * W + j] : 0);
      const expected: number[] = [];
      for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
        let s = 0;
        for (let k = -rh; k <= rh; k++) for (let l = -rw; l <= rw; l++) s += at(i - k, j - l) * h.data[(k + rh) * (2 * rw + 1) + l + rw];
        expected.push(s);
      }
      close(convolve2d(f, h, "same").data, expected, 1e-12);
    }),
    fcParams(60),
  );
});

test("correlate2d equals the conv2d op (which computes cross-correlation) with one channel", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e9 }), (seed) => {
      const { f, h, padding } = randomCase(new Random(seed));
      const [H, W] = f.shape, [kh, kw] = h.shape;
      const p = padding === "valid" ? 0 : padding === "same" ? [(kh - 1) / 2, (kw - 1) / 2] as [number, number] : padding;
      const viaConv = conv2d(f.reshape([1, 1, H, W]), h.reshape([1, 1, kh, kw]), undefined, { padding: p });
      close(correlate2d(f, h, padding).data, viaConv.data, 1e-12);
    }),
    fcParams(40),
  );
});

test("gradcheck: correlate2d and convolve2d, input and kernel (float64, < 1e-6)", () => {
  const a = checkGradientsProperty(correlate2dOp, 60);
  const b = checkGradientsProperty(convolve2dOp, 60);
  console.log(`  worst gradcheck error: correlate2d ${a.toExponential(1)}, convolve2d ${b.toExponential(1)}`);
});

test("convolve2d backward by hand: g = f * h on a 1×3 image, kernel [1, 2]", () => {
  // valid convolution: g(0, j) = f(j+1)·h(0) + f(j)·h(1): g0 = 2·1 + 1·2 = 4, g1 = 3·1 + 2·2 = 7
  const f = tensor([[1, 2, 3]], "float64"), h = tensor([[1, 2]], "float64");
  assert.equal([...convolve2d(f, h).data], [4, 7]);
  // upstream u = [1, 10]: dL/df0 = u0·h1 = 2, dL/df1 = u0·h0 + u1·h1 = 21, dL/df2 = u1·h0 = 10;
  // dL/dh0 = u0·f1 + u1·f2 = 32, dL/dh1 = u0·f0 + u1·f1 = 21
  const d = convolve2dBackward(tensor([[1, 10]], "float64"), f, h);
  assert.equal([...d.input.data], [2, 21, 10]);
  assert.equal([...d.kernel.data], [32, 21]);
});

test("named kernels: identity, shift, box, sharpen, Gaussian from its formula, Sobel", () => {
  assert.equal(identityKernel().toArray(), [[0, 0, 0], [0, 1, 0], [0, 0, 0]]);
  assert.equal(shiftKernel("left").toArray(), [[0, 0, 0], [1, 0, 0], [0, 0, 0]]); // 004's kernel
  assert.equal(boxKernel(2).toArray(), [[0.25, 0.25], [0.25, 0.25]]);
  const s = sharpenKernel();
  close(s.data, [-1 / 9, -1 / 9, -1 / 9, -1 / 9, 2 - 1 / 9, -1 / 9, -1 / 9, -1 / 9, -1 / 9]);
  assert.equal(sobelXKernel().toArray(), [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]);
  assert.equal(sobelYKernel("float32").toArray(), [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]);
  assert.is(sobelYKernel("float32").dtype, "float32");

  const g = gaussianKernel(1);
  assert.equal(g.shape, [7, 7]); // 2⌈3σ⌉ + 1
  close([sumOf(g.data)], [1], 1e-14, "sum");
  // ratios follow e^(−(x² + y²)/(2σ²)) whatever the normalization
  const c = 3 * 7 + 3;
  close([g.data[c + 1] / g.data[c], g.data[c + 7 + 1] / g.data[c], g.data[0] / g.data[c]], [Math.exp(-0.5), Math.exp(-1), Math.exp(-9)], 1e-12, "ratios");
  assert.equal(gaussianKernel(0.5, 3).shape, [3, 3]);
});

test("derivative-of-Gaussian kernel: −x/σ² · G_σ, sums to 0, odd in x and even in y; on a ramp a·x it gives ≈ a", () => {
  const g = gaussianKernel(1.5);
  const dx = gaussianDerivativeKernel(1.5, "x");
  const dy = gaussianDerivativeKernel(1.5, "y");
  const k = g.shape[0], r = (k - 1) / 2;
  assert.equal(dx.shape, [k, k]);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      close([dx.data[i * k + j], dy.data[j * k + i]], [(-(j - r) / 2.25) * g.data[i * k + j], (-(j - r) / 2.25) * g.data[i * k + j]], 1e-15, `(${i}, ${j})`);
      close([dx.data[i * k + j] + dx.data[i * k + (k - 1 - j)], dx.data[i * k + j] - dx.data[(k - 1 - i) * k + j]], [0, 0], 1e-15, "odd in x, even in y");
    }
  }
  close([sumOf(dx.data)], [0], 1e-15, "sum");
  // f(y, x) = 3x on 15×15: in the interior the convolution is 3 · Σ k² g(k) / σ², which is 3 up to the truncation of the sampled Gaussian
  const ramp = fromArray(Array.from({ length: 225 }, (_, q) => 3 * (q % 15)), [15, 15], "float64");
  const d = convolve2d(ramp, dx, "valid");
  assert.ok(d.data.every((v) => Math.abs(v - 3) < 0.03), `interior derivative ${d.data[0]}`);
  assert.ok(convolve2d(ramp, dy, "valid").data.every((v) => Math.abs(v) < 1e-12), "no change along y");
  assert.throws(() => gaussianDerivativeKernel(1, "z" as "x"), /axis: expected "x" or "y"/);
});

test("004's filters: identity keeps the image, shift moves it one pixel, box blurs and keeps the sum inside", () => {
  const rng = new Random(11);
  const f = randn([6, 7], rng, { dtype: "float64" });
  assert.equal([...convolve2d(f, identityKernel(), "same").data], [...f.data]);
  const left = convolve2d(f, shiftKernel("left"), "same");
  const down = convolve2d(f, shiftKernel("down"), "same");
  for (let i = 0; i < 6; i++) for (let j = 0; j < 7; j++) {
    assert.is(left.data[i * 7 + j], j + 1 < 7 ? f.data[i * 7 + j + 1] : 0); // g(i, j) = f(i, j + 1)
    assert.is(down.data[i * 7 + j], i >= 1 ? f.data[(i - 1) * 7 + j] : 0); // g(i, j) = f(i − 1, j)
  }
  // Under correlation the same kernel moves the content the other way.
  const right = correlate2d(f, shiftKernel("left"), "same");
  assert.is(right.data[1], f.data[0]);
  // A box filter spreads each pixel over its 3×3 neighbourhood: an image that
  // is zero within one pixel of its border keeps its total sum.
  const inner = zeros([6, 7], "float64");
  for (let i = 1; i < 5; i++) for (let j = 1; j < 6; j++) inner.data[i * 7 + j] = f.data[i * 7 + j];
  const blurred = convolve2d(inner, boxKernel(3), "same");
  const total = (t: Tensor) => sumOf(t.data);
  close([total(blurred)], [total(inner)], 1e-12);
  // and it makes the image smoother: smaller total variation along rows
  const tv = (t: Tensor) => { let s = 0; for (let i = 0; i < 6; i++) for (let j = 0; j + 1 < 7; j++) s += Math.abs(t.data[i * 7 + j + 1] - t.data[i * 7 + j]); return s; };
  assert.ok(tv(convolve2d(f, boxKernel(3), "same")) < tv(f));
});

test("normalized correlation: 1 at the template's own place and for affine copies, −1 for negatives, 0 on flat patches", () => {
  const rng = new Random(5);
  const image = randn([8, 9], rng, { dtype: "float64" });
  const t = zeros([3, 4], "float64");
  for (let k = 0; k < 3; k++) for (let l = 0; l < 4; l++) t.data[k * 4 + l] = 2.5 * image.data[(2 + k) * 9 + 4 + l] + 7; // a brighter, higher-contrast copy
  const ncc = normalizedCorrelate2d(image, t);
  assert.equal(ncc.shape, [6, 6]);
  close([ncc.data[2 * 6 + 4]], [1], 1e-12);
  for (const v of ncc.data) assert.ok(v >= -1 && v <= 1);
  const negated = fromArray([...t.data].map((v) => -v), [3, 4], "float64");
  close([normalizedCorrelate2d(image, negated).data[2 * 6 + 4]], [-1], 1e-12);
  // A flat region of the image gives 0.
  const flat = image.clone();
  for (let k = 0; k < 3; k++) for (let l = 0; l < 4; l++) flat.data[k * 9 + l] = 0.25;
  assert.is(normalizedCorrelate2d(flat, t).data[0], 0);
});

test("normalized correlation equals Pearson's r computed from raw sums", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e9 }), (seed) => {
      const rng = new Random(seed);
      const th = 1 + rng.int(3), tw = 2 + rng.int(3);
      const image = randn([th + rng.int(4), tw + rng.int(4)], rng, { dtype: "float64" });
      const t = randn([th, tw], rng, { dtype: "float64" });
      const [, W] = image.shape;
      const out = normalizedCorrelate2d(image, t);
      const [Ho, Wo] = out.shape;
      const n = th * tw;
      for (let i = 0; i < Ho; i++) for (let j = 0; j < Wo; j++) {
        let sp = 0, st = 0, spp = 0, stt = 0, spt = 0;
        for (let k = 0; k < th; k++) for (let l = 0; l < tw; l++) {
          const p = image.data[(i + k) * W + j + l], q = t.data[k * tw + l];
          sp += p; st += q; spp += p * p; stt += q * q; spt += p * q;
        }
        const r = (spt - (sp * st) / n) / Math.sqrt((spp - (sp * sp) / n) * (stt - (st * st) / n));
        close([out.data[i * Wo + j]], [r], 1e-9);
      }
    }),
    fcParams(30),
  );
});

test("float32 in, float32 out", () => {
  const rng = new Random(2);
  const f = randn([5, 5], rng, { dtype: "float64" }), h = randn([3, 3], rng, { dtype: "float64" });
  const y32 = correlate2d(f.astype("float32"), h.astype("float32"), "same");
  assert.is(y32.dtype, "float32");
  close(y32.data, correlate2d(f, h, "same").data, 1e-5);
});

test("errors name the op, the argument, what was expected and what came", () => {
  const f = zeros([4, 4]);
  throwsOpError(() => correlate2d(f, zeros([2, 3]), "same"), /^correlate2d: padding: expected "same" only with odd kernel sizes \(or a number of zeros\), got "same" with kernel \[2, 3\]$/);
  throwsOpError(() => convolve2d(f, zeros([5, 5])), /^convolve2d: input: expected an image at least as large as the kernel \[5, 5\] after padding 0, got shape \[4, 4\]$/);
  throwsOpError(() => convolve2d(f, zeros([3, 3]), -1), /^convolve2d: padding: expected an integer ≥ 0, got -1$/);
  throwsOpError(() => convolve2d(f, zeros([3, 3]), "full" as never), /^convolve2d: padding: expected "valid", "same" or an integer ≥ 0, got "full"$/);
  throwsOpError(() => correlate2d(zeros([1, 4, 4]), zeros([3, 3])), /^correlate2d: input: expected rank 2 \[H, W\], got shape \[1, 4, 4\]$/);
  throwsOpError(() => correlate2d(f, zeros([3, 3], "float64")), /^correlate2d: kernel: expected dtype float32 \(the dtype of the first input\), got float64$/);
  throwsOpError(() => correlate2d(f, zeros([0, 3])), /^correlate2d: kernel: expected at least one row and one column, got shape \[0, 3\]$/);
  throwsOpError(() => convolve2dBackward(zeros([3, 3]), f, zeros([3, 3])), /^convolve2d: upstream: expected shape \[2, 2\] \(the shape of the output\), got shape \[3, 3\]$/);
  throwsOpError(() => normalizedCorrelate2d(f, zeros([2, 2])), /^normalized_correlate2d: template: expected a template that is not flat, got all values equal to 0$/);
  throwsOpError(() => normalizedCorrelate2d(zeros([2, 2]), tensor([[1, 2], [3, 4], [5, 6]])), /^normalized_correlate2d: input: expected an image at least as large as the template \[3, 2\]/);
  throwsOpError(() => identityKernel(4), /^identityKernel: size: expected an odd integer \(the kernel needs a centre\), got 4$/);
  throwsOpError(() => gaussianKernel(0), /^gaussianKernel: sigma: expected a number in/);
  throwsOpError(() => shiftKernel("sideways" as never), /^shiftKernel: direction: expected one of "left", "right", "up", "down", got "sideways"$/);
});

test.run();
