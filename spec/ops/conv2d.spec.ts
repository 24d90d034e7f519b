import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { fromArray, randu, tensor, zeros, type FloatDType, type Tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { conv2d, conv2dBackward, conv2dOp, sampleConv2d } from "../../src/ops/conv2d.js";
import { type Conv2dAttrs } from "../../src/ops/conv_geometry.js";
import { checkGradientsProperty, fcParams } from "../support/properties.js";
import { checkFloat32Agreement } from "../support/agreement.js";
import { throwsOpError, assertClose } from "../support/assertions.js";

const range = (n: number, start = 1): number[] => Array.from({ length: n }, (_, i) => start + i);

// ───────────── hand-worked examples ─────────────

test("3×3 image 1…9, kernel [[1,0],[0,−1]], bias 0.5: every output is a_{i,j} − a_{i+1,j+1} + 0.5 = −3.5", () => {
  for (const dtype of ["float32", "float64"] as FloatDType[]) {
    const a = fromArray(range(9), [1, 1, 3, 3], dtype);
    const w = fromArray([1, 0, 0, -1], [1, 1, 2, 2], dtype);
    const z = conv2d(a, w, fromArray([0.5], [1], dtype));
    assert.equal(z.shape, [1, 1, 2, 2]);
    assert.is(z.dtype, dtype);
    assert.equal([...z.data], [-3.5, -3.5, -3.5, -3.5]);
  }
});

test("stride 2, padding 1, 3×3 box kernel on 1…9: each output sums the 2×2 corner block it covers", () => {
  // Output size ⌊(3 + 2 − 3)/2⌋ + 1 = 2. Window (0,0) covers rows/cols −1…1 → 1+2+4+5.
  const z = conv2d(fromArray(range(9), [1, 1, 3, 3]), fromArray(Array(9).fill(1), [1, 1, 3, 3]), undefined, { stride: 2, padding: 1 });
  assert.equal(z.shape, [1, 1, 2, 2]);
  assert.equal([...z.data], [12, 16, 24, 28]);
});

test("dilation 2 (atrous): a 2×2 kernel of ones reads a_{i,j} + a_{i,j+2} + a_{i+2,j} + a_{i+2,j+2}", () => {
  // a_{r,q} = 5r + q on 5×5, so the sum is 4(5i + j) + 2 + 10 + 12; output 5 − 2 − 1 + 1 = 3.
  const z = conv2d(fromArray(range(25, 0), [1, 1, 5, 5], "float64"), fromArray([1, 1, 1, 1], [1, 1, 2, 2], "float64"), undefined, { dilation: 2 });
  assert.equal(z.shape, [1, 1, 3, 3]);
  const expected: number[] = [];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expected.push(4 * (5 * i + j) + 24);
  assert.equal([...z.data], expected);
});

test("non-square kernel, stride and dilation per dimension", () => {
  // 1×1×4×6 input a_{r,q} = 10r + q; kernel 2×1 [[1],[−1]], stride (1, 2), dilation (2, 1):
  // z_{i,j} = a_{i,2j} − a_{i+2,2j} = −20; Hout = 4 − 2 − 1 + 1 = 2, Wout = ⌊5/2⌋ + 1 = 3.
  const a = fromArray(Array.from({ length: 24 }, (_, e) => 10 * Math.floor(e / 6) + (e % 6)), [1, 1, 4, 6]);
  const z = conv2d(a, fromArray([1, -1], [1, 1, 2, 1]), undefined, { stride: [1, 2], dilation: [2, 1] });
  assert.equal(z.shape, [1, 1, 2, 3]);
  assert.equal([...z.data], [-20, -20, -20, -20, -20, -20]);
});

test("groups = channels (depthwise): each filter scales its own channel", () => {
  const a = fromArray([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]);
  const z = conv2d(a, fromArray([2, 3], [2, 1, 1, 1]), fromArray([0, 1], [2]), { groups: 2 });
  assert.equal([...z.data], [2, 4, 6, 8, 16, 19, 22, 25]);
});

test("groups = 2 with two input channels per group: group 1's filter never sees group 0's channels", () => {
  // 4 input channels, constant c + 1 on channel c; 1×1 weights of ones; 2 filters, one per group.
  const a = fromArray([1, 2, 3, 4], [1, 4, 1, 1]);
  const z = conv2d(a, fromArray([1, 1, 1, 1], [2, 2, 1, 1]), undefined, { groups: 2 });
  assert.equal([...z.data], [1 + 2, 3 + 4]);
});

test('padding "same": odd kernel pads evenly; even kernel puts the extra zero on the right (PyTorch)', () => {
  const a = fromArray([1, 2, 3, 4], [1, 1, 1, 4]);
  assert.equal([...conv2d(a, fromArray([1, 1, 1], [1, 1, 1, 3]), undefined, { padding: "same" }).data], [3, 6, 9, 7]);
  // kernel [1, 10], total padding 1: 0 left, 1 right → z_j = a_j + 10·a_{j+1}.
  assert.equal([...conv2d(a, fromArray([1, 10], [1, 1, 1, 2]), undefined, { padding: "same" }).data], [21, 32, 43, 4]);
  // dilation 2: total d(k − 1) = 2, one each side → z_j = a_{j−1} + 10·a_{j+1}.
  assert.equal([...conv2d(a, fromArray([1, 10], [1, 1, 1, 2]), undefined, { padding: "same", dilation: 2 }).data], [20, 31, 42, 3]);
  // "valid" is padding 0.
  assert.equal([...conv2d(a, fromArray([1, 10], [1, 1, 1, 2]), undefined, { padding: "valid" }).data], [21, 32, 43]);
});

test("stride larger than the kernel skips pixels, and their gradient is exactly 0", () => {
  const a = fromArray(range(25, 0), [1, 1, 5, 5], "float64");
  const w = fromArray([2], [1, 1, 1, 1], "float64");
  const z = conv2d(a, w, undefined, { stride: 3 });
  assert.equal([...z.data], [0, 6, 30, 36]);
  const g = conv2dBackward(fromArray([1, 1, 1, 1], [1, 1, 2, 2], "float64"), a, w, undefined, { stride: 3 });
  const dx = Array(25).fill(0);
  for (const e of [0, 3, 15, 18]) dx[e] = 2;
  assert.equal([...g.input.data], dx);
  assert.equal([...g.weight.data], [0 + 3 + 15 + 18]);
  assert.is(g.bias, undefined);
});

test("backward by hand: 3×3 image 1…9, 2×2 kernel, upstream of ones", () => {
  const a = fromArray(range(9), [1, 1, 3, 3], "float64");
  const w = fromArray([1, 2, 3, 4], [1, 1, 2, 2], "float64"); // w00 w01 / w10 w11
  const g = conv2dBackward(fromArray([1, 1, 1, 1], [1, 1, 2, 2], "float64"), a, w, fromArray([0], [1], "float64"));
  // ∂L/∂a_{r,q} sums the weights that touch pixel (r,q).
  assert.equal([...g.input.data], [1, 1 + 2, 2, 1 + 3, 1 + 2 + 3 + 4, 2 + 4, 3, 3 + 4, 4]);
  // ∂L/∂w_{x,y} sums the 2×2 block of a starting at (x,y).
  assert.equal([...g.weight.data], [1 + 2 + 4 + 5, 2 + 3 + 5 + 6, 4 + 5 + 7 + 8, 5 + 6 + 8 + 9]);
  assert.equal([...g.bias!.data], [4]);
});

test("an unbatched input [C, H, W] gives an unbatched output with the same values", () => {
  const rng = new Random(3);
  const a = randu([2, 5, 4], rng);
  const w = randu([3, 2, 2, 3], rng);
  const batched = conv2d(a.reshape([1, 2, 5, 4]), w, undefined, { padding: [1, 0] });
  const single = conv2d(a, w, undefined, { padding: [1, 0] });
  assert.equal(single.shape, [3, 6, 2]); // H: 5 + 2 − 2 + 1, W: 4 − 3 + 1
  assert.equal([...single.data], [...batched.data]);
  const g = conv2dBackward(single, a, w, undefined, { padding: [1, 0] });
  assert.equal(g.input.shape, [2, 5, 4]);
});

// ───────────── against an independent naive form ─────────────

/**
 * A second, independent computation: pad the image explicitly into a nested
 * array, spell out the dilated kernel's taps, and correlate.
 */
function naiveConv2d(x: Tensor, w: Tensor, b: Tensor | undefined, attrs: Conv2dAttrs): { shape: number[]; data: number[] } {
  const [N, C, H, W] = x.shape;
  const [F, Cg, kh, kw] = w.shape;
  const [sh, sw] = attrs.stride, [dh, dw] = attrs.dilation, G = attrs.groups;
  let top: number, bottom: number, left: number, right: number;
  if (attrs.padding === "same") {
    top = Math.floor((dh * (kh - 1)) / 2); bottom = dh * (kh - 1) - top;
    left = Math.floor((dw * (kw - 1)) / 2); right = dw * (kw - 1) - left;
  } else if (attrs.padding === "valid") {
    top = bottom = left = right = 0;
  } else {
    top = bottom = attrs.padding[0];
    left = right = attrs.padding[1];
  }
  const Hp = H + top + bottom, Wp = W + left + right;
  const padded = (n: number, c: number, r: number, q: number): number => {
    const rr = r - top, qq = q - left;
    return rr >= 0 && rr < H && qq >= 0 && qq < W ? x.at(n, c, rr, qq) : 0;
  };
  // Count the window positions that fit, by walking them.
  let Ho = 0;
  while (Ho * sh + dh * (kh - 1) <= Hp - 1) Ho++;
  let Wo = 0;
  while (Wo * sw + dw * (kw - 1) <= Wp - 1) Wo++;
  const data: number[] = [];
  for (let n = 0; n < N; n++)
    for (let f = 0; f < F; f++)
      for (let i = 0; i < Ho; i++)
        for (let j = 0; j < Wo; j++) {
          let s = b ? b.at(f) : 0;
          const group = Math.floor(f / (F / G));
          for (let c = 0; c < Cg; c++)
            for (let u = 0; u < kh; u++)
              for (let v = 0; v < kw; v++) s += w.at(f, c, u, v) * padded(n, group * Cg + c, i * sh + u * dh, j * sw + v * dw);
          data.push(s);
        }
  return { shape: [N, F, Ho, Wo], data };
}

test("conv2d equals an explicit pad-then-correlate computation over random attributes (float64 and float32)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.boolean(), (seed, f64) => {
      const { inputs, attrs } = sampleConv2d(new Random(seed), f64 ? "float64" : "float32");
      const z = conv2d(inputs.input, inputs.weight, inputs.bias, attrs);
      const expected = naiveConv2d(inputs.input, inputs.weight, inputs.bias, attrs);
      assert.equal(z.shape, expected.shape, JSON.stringify(attrs));
      assertClose(z.data, expected.data, f64 ? 1e-12 : 1e-5, JSON.stringify(attrs));
    }),
    fcParams(150),
  );
});

test("backward equals the transposed Jacobian built column by column from the naive form", () => {
  // For a few small cases: ∂L/∂θ_e = Σ_k u_k · (z_k(θ + e) − z_k(θ)) exactly, since z is linear in each argument.
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const rng = new Random(seed);
      const { inputs, attrs } = sampleConv2d(rng, "float64");
      const base = naiveConv2d(inputs.input, inputs.weight, inputs.bias, attrs);
      const u = randu(base.shape, rng, { low: -1, high: 1, dtype: "float64" });
      const g = conv2dBackward(u, inputs.input, inputs.weight, inputs.bias, attrs);
      for (const name of ["input", "weight", "bias"] as const) {
        const t = inputs[name];
        if (!t) continue;
        const expected: number[] = [];
        for (let e = 0; e < t.size; e++) {
          const saved = t.data[e];
          t.data[e] = saved + 1;
          const bumped = naiveConv2d(inputs.input, inputs.weight, inputs.bias, attrs);
          t.data[e] = saved;
          let s = 0;
          for (let k = 0; k < u.size; k++) s += u.data[k] * (bumped.data[k] - base.data[k]);
          expected.push(s);
        }
        assertClose(g[name]!.data, expected, 1e-9, `${name} ${JSON.stringify(attrs)}`);
      }
    }),
    fcParams(25),
  );
});

test("the sampler that gradcheck draws from covers the attributes that matter", () => {
  const seen = { strideAboveKernel: 0, dilation3: 0, groups3: 0, paddingMax: 0, same: 0, valid: 0, nonSquareKernel: 0, nonSquareInput: 0, oddInput: 0, noBias: 0 };
  const rng = new Random(11);
  for (let r = 0; r < 300; r++) {
    const { inputs, attrs } = sampleConv2d(rng, "float64");
    const [, , H, W] = inputs.input.shape;
    const [, , kh, kw] = inputs.weight.shape;
    if (attrs.stride[0] > kh || attrs.stride[1] > kw) seen.strideAboveKernel++;
    if (attrs.dilation.includes(3)) seen.dilation3++;
    if (attrs.groups === 3) seen.groups3++;
    if (Array.isArray(attrs.padding) && (attrs.padding[0] === kh - 1 && kh > 1)) seen.paddingMax++;
    if (attrs.padding === "same") seen.same++;
    if (attrs.padding === "valid") seen.valid++;
    if (kh !== kw) seen.nonSquareKernel++;
    if (H !== W) seen.nonSquareInput++;
    if (H % 2 === 1 && W % 2 === 1) seen.oddInput++;
    if (!inputs.bias) seen.noBias++;
  }
  for (const [what, count] of Object.entries(seen)) assert.ok(count >= 10, `${what}: only ${count} of 300 cases`);
});

test("float32 and float64 agree on outputs and gradients (same inputs, rounded to float32)", () => {
  const worst = checkFloat32Agreement(conv2dOp, 40);
  console.log(`    conv2d float32 vs float64 worst difference: ${worst.toExponential(2)}`);
});

test("gradcheck: conv2d over random attributes (float64, rel. error < 1e-6)", () => {
  const worst = checkGradientsProperty(conv2dOp, 60);
  console.log(`    conv2d gradcheck worst relative error: ${worst.toExponential(2)}`);
});

test("attrs fill PyTorch's defaults and accept one number for a pair", () => {
  assert.equal(conv2dOp.attrs({}), { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 });
  assert.equal(conv2dOp.attrs({ stride: 2, padding: [1, 0], dilation: 3, groups: 2 }), { stride: [2, 2], padding: [1, 0], dilation: [3, 3], groups: 2 });
  assert.equal(conv2dOp.attrs({ padding: "same" }).padding, "same");
});

// ───────────── errors ─────────────

test("every bad input throws an OpError naming the op, the argument, what was expected and what came", () => {
  const x = zeros([1, 4, 5, 5]);
  const w = zeros([2, 4, 3, 3]);
  throwsOpError(() => conv2d(zeros([4, 5]), w), /^conv2d: input: expected rank 3 or 4 \[N, C, H, W\] or unbatched \[C, H, W\], got shape \[4, 5\]$/);
  throwsOpError(() => conv2d(x, zeros([2, 4, 3])), /^conv2d: weight: expected rank 4 \[Cout, Cin\/groups, kh, kw\], got shape \[2, 4, 3\]$/);
  throwsOpError(() => conv2d(x, zeros([3, 4, 3, 3]), undefined, { groups: 3 }), /^conv2d: groups: expected a divisor of the input's 4 channels, got 3$/);
  throwsOpError(() => conv2d(x, zeros([2, 4, 3, 3]), undefined, { groups: 2 }), /^conv2d: weight: expected Cin\/groups = 4\/2 = 2 input channels in dimension 1, got shape \[2, 4, 3, 3\]$/);
  throwsOpError(() => conv2d(x, zeros([3, 2, 3, 3]), undefined, { groups: 2 }), /^conv2d: weight: expected output channels \(dimension 0\) divisible by groups = 2, got shape \[3, 2, 3, 3\]$/);
  throwsOpError(() => conv2d(x, zeros([2, 3, 3, 3])), /^conv2d: weight: expected Cin\/groups = 4\/1 = 4 input channels in dimension 1, got shape \[2, 3, 3, 3\]$/);
  throwsOpError(() => conv2d(x, zeros([2, 4, 6, 3])), /^conv2d: input: expected H \+ padding ≥ d·\(k − 1\) \+ 1 = 6 \(output size ≥ 1\), got H = 5 with padding 0 \+ 0 \(output size 0\)$/);
  throwsOpError(() => conv2d(x, w, undefined, { dilation: [1, 3] }), /^conv2d: input: expected W \+ padding ≥ d·\(k − 1\) \+ 1 = 7 \(output size ≥ 1\), got W = 5 with padding 0 \+ 0 \(output size -1\)$/);
  throwsOpError(() => conv2d(x, w, undefined, { padding: -1 }), /^conv2d: padding: expected an integer ≥ 0, got -1$/);
  throwsOpError(() => conv2d(x, w, undefined, { padding: [0, -2] }), /^conv2d: padding\[1\]: expected an integer ≥ 0, got -2$/);
  throwsOpError(() => conv2d(x, w, undefined, { padding: "full" as "same" }), /^conv2d: padding: expected "valid", "same" or an integer ≥ 0, got "full"$/);
  throwsOpError(() => conv2d(x, w, undefined, { padding: "same", stride: [1, 2] }), /^conv2d: padding: expected stride 1 with padding "same" \(as PyTorch\), got stride \[1,2\]$/);
  throwsOpError(() => conv2d(x, w, undefined, { stride: 0 }), /^conv2d: stride: expected an integer ≥ 1, got 0$/);
  throwsOpError(() => conv2d(x, w, undefined, { groups: 0 }), /^conv2d: groups: expected an integer ≥ 1, got 0$/);
  throwsOpError(() => conv2d(x, zeros([2, 4, 3, 3], "float64")), /^conv2d: weight: expected dtype float32 \(the dtype of the first input\), got float64$/);
  throwsOpError(() => conv2d(x, w, zeros([2], "float64")), /^conv2d: bias: expected dtype float32 \(the dtype of the first input\), got float64$/);
  throwsOpError(() => conv2d(x, w, zeros([3])), /^conv2d: bias: expected shape \[2\] \(one per output channel\), got shape \[3\]$/);
  throwsOpError(() => conv2d(tensor([[[[1]]]], "int32"), w), /^conv2d: input: expected a float32 or float64 tensor, got int32 tensor of shape \[1, 1, 1, 1\]$/);
  throwsOpError(() => conv2d(x, zeros([2, 4, 0, 3])), /^conv2d: weight: expected all sizes ≥ 1, got shape \[2, 4, 0, 3\]$/);
  throwsOpError(() => conv2dBackward(zeros([1, 2, 3, 2]), x, w), /^conv2d: upstream: expected shape \[1, 2, 3, 3\] \(the shape of the output\), got shape \[1, 2, 3, 2\]$/);
  throwsOpError(() => conv2dBackward(zeros([1, 2, 3, 3], "float64"), x, w), /^conv2d: upstream: expected dtype float32/);
});

test.run();
