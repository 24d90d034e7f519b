import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { fromArray, randu, zeros, type FloatDType, type Tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { conv2d, sampleConv2d } from "../../src/ops/conv2d.js";
import {
  convTranspose2d, convTranspose2dBackward, convTranspose2dOp, sampleConvTranspose2d, type ConvTranspose2dAttrs,
} from "../../src/ops/conv_transpose2d.js";
import { checkGradientsProperty, fcParams } from "../support/properties.js";
import { checkFloat32Agreement } from "../support/agreement.js";
import { throwsOpError, assertClose } from "../support/assertions.js";

const range = (n: number, start = 1): number[] => Array.from({ length: n }, (_, i) => start + i);

// ───────────── hand-worked examples ─────────────

test("stride 2 with a 2×2 kernel of ones blows each pixel up into a 2×2 block (upsampling)", () => {
  for (const dtype of ["float32", "float64"] as FloatDType[]) {
    const y = convTranspose2d(fromArray([1, 2, 3, 4], [1, 1, 2, 2], dtype), fromArray([1, 1, 1, 1], [1, 1, 2, 2], dtype), undefined, { stride: 2 });
    assert.equal(y.shape, [1, 1, 4, 4]); // (2 − 1)·2 + (2 − 1) + 1
    assert.is(y.dtype, dtype);
    assert.equal([...y.data], [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  }
});

test("a single pixel paints the kernel; the bias is added everywhere", () => {
  const y = convTranspose2d(fromArray([1], [1, 1, 1, 1]), fromArray([1, 2, 3, 4], [1, 1, 2, 2]), fromArray([10], [1]));
  assert.equal([...y.data], [11, 12, 13, 14]);
});

test("overlapping windows add; padding crops; output_padding appends (1-D rows by hand)", () => {
  const x = fromArray([1, 1], [1, 1, 1, 2]);
  const w = fromArray([1, 1], [1, 1, 1, 2]);
  assert.equal([...convTranspose2d(x, w).data], [1, 2, 1]);
  assert.equal([...convTranspose2d(x, w, undefined, { stride: [1, 2] }).data], [1, 1, 1, 1]);
  // padding 1 crops one column from each side of [1, 2, 1]: (2 − 1) − 2 + 1 + 1 = 1.
  assert.equal([...convTranspose2d(x, w, undefined, { padding: [0, 1] }).data], [2]);
  // output_padding 1 with stride 2: one more column that no input reaches, so only the bias lands there.
  const y = convTranspose2d(x, w, fromArray([0.5], [1]), { stride: [1, 2], output_padding: [0, 1] });
  assert.equal([...y.data], [1.5, 1.5, 1.5, 1.5, 0.5]);
});

test("output_padding ≥ stride is allowed when it is below the dilation (PyTorch's rule)", () => {
  // stride 1, dilation 2, output_padding 1: y_r = Σ_{i + 2x = r} x_i w_x on r = 0…4 → [x0, x1, x0, x1, 0].
  const y = convTranspose2d(fromArray([1, 2], [1, 1, 1, 2]), fromArray([1, 1], [1, 1, 1, 2]), undefined, { dilation: [1, 2], output_padding: [0, 1] });
  assert.equal([...y.data], [1, 2, 1, 2, 0]);
  // Its input gradient ignores the appended column (no input pixel reached it).
  const g = convTranspose2dBackward(fromArray([1, 10, 100, 1000, 1e4], [1, 1, 1, 5]), fromArray([1, 2], [1, 1, 1, 2]), fromArray([1, 1], [1, 1, 1, 2]), undefined, { dilation: [1, 2], output_padding: [0, 1] });
  assert.equal([...g.input.data], [1 + 100, 10 + 1000]);
});

test("backward by hand: the 2×2 upsampling with upstream 1…16", () => {
  const x = fromArray([1, 2, 3, 4], [1, 1, 2, 2], "float64");
  const w = fromArray([1, 1, 1, 1], [1, 1, 2, 2], "float64");
  const g = convTranspose2dBackward(fromArray(range(16), [1, 1, 4, 4], "float64"), x, w, zeros([1], "float64"), { stride: 2 });
  // ∂L/∂x_{i,j} sums the 2×2 block of dy that x_{i,j} painted.
  assert.equal([...g.input.data], [1 + 2 + 5 + 6, 3 + 4 + 7 + 8, 9 + 10 + 13 + 14, 11 + 12 + 15 + 16]);
  // ∂L/∂w_{u,v} = Σ_{i,j} x_{i,j} · dy_{2i+u, 2j+v}.
  assert.equal([...g.weight.data], [1 * 1 + 2 * 3 + 3 * 9 + 4 * 11, 1 * 2 + 2 * 4 + 3 * 10 + 4 * 12, 1 * 5 + 2 * 7 + 3 * 13 + 4 * 15, 1 * 6 + 2 * 8 + 3 * 14 + 4 * 16]);
  assert.equal([...g.bias!.data], [136]);
});

test("groups: weight [Cin, Cout/groups, kh, kw] sends group g's input channels only to its output channels", () => {
  // Cin = 2, groups = 2, Cout/groups = 2 → 4 output channels; 1×1 kernels.
  const y = convTranspose2d(fromArray([1, 10], [1, 2, 1, 1]), fromArray([1, 2, 3, 4], [2, 2, 1, 1]), undefined, { groups: 2 });
  assert.equal(y.shape, [1, 4, 1, 1]);
  assert.equal([...y.data], [1, 2, 30, 40]);
});

// ───────────── against an independent naive scatter ─────────────

/** Each input pixel adds x·w at rows i·s − p + u·d of an explicitly sized output (a second, independent computation). */
function naiveConvTranspose2d(x: Tensor, w: Tensor, b: Tensor | undefined, a: ConvTranspose2dAttrs): { shape: number[]; data: Float64Array } {
  const [N, Cin, H, W] = x.shape;
  const [, CoutG, kh, kw] = w.shape;
  const G = a.groups, Cout = G * CoutG;
  const Ho = (H - 1) * a.stride[0] - 2 * a.padding[0] + a.dilation[0] * (kh - 1) + a.output_padding[0] + 1;
  const Wo = (W - 1) * a.stride[1] - 2 * a.padding[1] + a.dilation[1] * (kw - 1) + a.output_padding[1] + 1;
  const y = new Float64Array(N * Cout * Ho * Wo);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < Cout; o++) for (let e = 0; e < Ho * Wo; e++) y[(n * Cout + o) * Ho * Wo + e] = b ? b.at(o) : 0;
  for (let n = 0; n < N; n++)
    for (let ci = 0; ci < Cin; ci++) {
      const group = Math.floor(ci / (Cin / G));
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++)
          for (let co = 0; co < CoutG; co++)
            for (let u = 0; u < kh; u++)
              for (let v = 0; v < kw; v++) {
                const r = i * a.stride[0] - a.padding[0] + u * a.dilation[0];
                const q = j * a.stride[1] - a.padding[1] + v * a.dilation[1];
                if (r < 0 || r >= Ho || q < 0 || q >= Wo) continue;
                y[((n * Cout + group * CoutG + co) * Ho + r) * Wo + q] += x.at(n, ci, i, j) * w.at(ci, co, u, v);
              }
    }
  return { shape: [N, Cout, Ho, Wo], data: y };
}

test("conv_transpose2d equals a naive scatter over random attributes", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.boolean(), (seed, f64) => {
      const { inputs, attrs } = sampleConvTranspose2d(new Random(seed), f64 ? "float64" : "float32");
      const y = convTranspose2d(inputs.input, inputs.weight, inputs.bias, attrs);
      const expected = naiveConvTranspose2d(inputs.input, inputs.weight, inputs.bias, attrs);
      assert.equal(y.shape, expected.shape, JSON.stringify(attrs));
      assertClose(y.data, expected.data, f64 ? 1e-12 : 1e-5, JSON.stringify(attrs));
    }),
    fcParams(150),
  );
});

test("adjoint: ⟨conv2d(x, w), y⟩ = ⟨x, conv_transpose2d(y, w)⟩ for matching attributes", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const rng = new Random(seed);
      let sample = sampleConv2d(rng, "float64");
      while (typeof sample.attrs.padding === "string") sample = sampleConv2d(rng, "float64");
      const { inputs: { input: x, weight: w }, attrs } = sample;
      const padding = attrs.padding as [number, number];
      const z = conv2d(x, w, undefined, attrs);
      const y = randu(z.shape, rng, { low: -1, high: 1, dtype: "float64" });
      // The output_padding that brings conv_transpose2d back to x's size.
      const output_padding = [0, 1].map((t) => (x.shape[2 + t] + 2 * padding[t] - attrs.dilation[t] * (w.shape[2 + t] - 1) - 1) % attrs.stride[t]);
      const back = convTranspose2d(y, w, undefined, { stride: attrs.stride, padding, dilation: attrs.dilation, groups: attrs.groups, output_padding: output_padding as [number, number] });
      assert.equal(back.shape, x.shape);
      let left = 0, right = 0;
      for (let e = 0; e < z.size; e++) left += z.data[e] * y.data[e];
      for (let e = 0; e < x.size; e++) right += x.data[e] * back.data[e];
      assert.ok(Math.abs(left - right) <= 1e-12 * (1 + Math.abs(left)), `${left} vs ${right}; attrs ${JSON.stringify(attrs)}`);
    }),
    fcParams(200),
  );
});

test("the sampler that gradcheck draws from covers the attributes that matter", () => {
  const seen = { strideAboveKernel: 0, dilation3: 0, groups3: 0, padding: 0, outputPadding: 0, outputPaddingFromDilation: 0, nonSquareKernel: 0, noBias: 0 };
  const rng = new Random(12);
  for (let r = 0; r < 300; r++) {
    const { inputs, attrs } = sampleConvTranspose2d(rng, "float64");
    const [, , kh, kw] = inputs.weight.shape;
    if (attrs.stride[0] > kh || attrs.stride[1] > kw) seen.strideAboveKernel++;
    if (attrs.dilation.includes(3)) seen.dilation3++;
    if (attrs.groups === 3) seen.groups3++;
    if (attrs.padding[0] > 0 || attrs.padding[1] > 0) seen.padding++;
    if (attrs.output_padding[0] > 0 || attrs.output_padding[1] > 0) seen.outputPadding++;
    if ([0, 1].some((t) => attrs.output_padding[t] >= attrs.stride[t])) seen.outputPaddingFromDilation++;
    if (kh !== kw) seen.nonSquareKernel++;
    if (!inputs.bias) seen.noBias++;
  }
  for (const [what, count] of Object.entries(seen)) assert.ok(count >= 10, `${what}: only ${count} of 300 cases`);
});

test("float32 and float64 agree on outputs and gradients (same inputs, rounded to float32)", () => {
  const worst = checkFloat32Agreement(convTranspose2dOp, 40);
  console.log(`    conv_transpose2d float32 vs float64 worst difference: ${worst.toExponential(2)}`);
});

test("gradcheck: conv_transpose2d over random attributes (float64, rel. error < 1e-6)", () => {
  const worst = checkGradientsProperty(convTranspose2dOp, 60);
  console.log(`    conv_transpose2d gradcheck worst relative error: ${worst.toExponential(2)}`);
});

test("attrs fill PyTorch's defaults", () => {
  assert.equal(convTranspose2dOp.attrs({}), { stride: [1, 1], padding: [0, 0], output_padding: [0, 0], dilation: [1, 1], groups: 1 });
  assert.equal(convTranspose2dOp.attrs({ stride: 2, output_padding: [1, 0] }).output_padding, [1, 0]);
});

test("an unbatched input gives an unbatched output", () => {
  const rng = new Random(5);
  const x = randu([2, 3, 2], rng), w = randu([2, 3, 2, 2], rng);
  const single = convTranspose2d(x, w, undefined, { stride: 2 });
  const batched = convTranspose2d(x.reshape([1, 2, 3, 2]), w, undefined, { stride: 2 });
  assert.equal(single.shape, [3, 6, 4]);
  assert.equal([...single.data], [...batched.data]);
});

// ───────────── errors ─────────────

test("every bad input throws an OpError with a clear message", () => {
  const x = zeros([1, 4, 3, 3]);
  const w = zeros([4, 2, 3, 3]);
  throwsOpError(() => convTranspose2d(x, w, undefined, { stride: 2, output_padding: 2 }), /^conv_transpose2d: output_padding: expected each entry smaller than the stride or the dilation \(stride \[2,2\], dilation \[1,1\]\), got \[2,2\]$/);
  throwsOpError(() => convTranspose2d(x, w, undefined, { output_padding: [0, 1] }), /^conv_transpose2d: output_padding: expected each entry smaller than the stride or the dilation/);
  throwsOpError(() => convTranspose2d(x, w, undefined, { padding: -1 }), /^conv_transpose2d: padding: expected an integer ≥ 0, got -1$/);
  throwsOpError(() => convTranspose2d(x, w, undefined, { padding: "same" as unknown as number }), /^conv_transpose2d: padding: expected an integer ≥ 0 or a pair of them, got "same"$/);
  throwsOpError(() => convTranspose2d(zeros([4, 3]), w), /^conv_transpose2d: input: expected rank 3 or 4 \[N, C, H, W\] or unbatched \[C, H, W\], got shape \[4, 3\]$/);
  throwsOpError(() => convTranspose2d(x, zeros([4, 2, 3])), /^conv_transpose2d: weight: expected rank 4 \[Cin, Cout\/groups, kh, kw\], got shape \[4, 2, 3\]$/);
  throwsOpError(() => convTranspose2d(x, zeros([2, 2, 3, 3])), /^conv_transpose2d: weight: expected the input's 4 channels in dimension 0 \(\[Cin, Cout\/groups, kh, kw\]\), got shape \[2, 2, 3, 3\]$/);
  throwsOpError(() => convTranspose2d(x, w, undefined, { groups: 3 }), /^conv_transpose2d: groups: expected a divisor of the input's 4 channels, got 3$/);
  throwsOpError(() => convTranspose2d(x, w, undefined, { padding: 3 }), /^conv_transpose2d: input: expected \(H − 1\)·s − 2p \+ d·\(k − 1\) \+ output_padding \+ 1 ≥ 1, got H = 3, s = 1, p = 3, d = 1, k = 3, output_padding = 0 \(output size -1\)$/);
  throwsOpError(() => convTranspose2d(x, zeros([4, 2, 3, 3], "float64")), /^conv_transpose2d: weight: expected dtype float32 \(the dtype of the first input\), got float64$/);
  throwsOpError(() => convTranspose2d(x, w, zeros([4])), /^conv_transpose2d: bias: expected shape \[2\] \(one per output channel: groups · weight dimension 1\), got shape \[4\]$/);
  throwsOpError(() => convTranspose2dBackward(zeros([1, 2, 3, 3]), x, w), /^conv_transpose2d: upstream: expected shape \[1, 2, 5, 5\] \(the shape of the output\), got shape \[1, 2, 3, 3\]$/);
});

test.run();
