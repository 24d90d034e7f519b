import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { fromArray, randu, zeros, type FloatDType, type Tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { conv1d, conv1dBackward, conv1dOp, sampleConv1d, type Conv1dAttrs } from "../../src/ops/conv1d.js";
import { checkGradientsProperty, fcParams } from "../support/properties.js";
import { checkFloat32Agreement } from "../support/agreement.js";
import { throwsOpError, assertClose } from "../support/assertions.js";

// ───────────── 004, "Image 1d-convolution", by hand ─────────────

test("004: filters 1, filter size 2, stride 2 — and stride 1", () => {
  for (const dtype of ["float32", "float64"] as FloatDType[]) {
    const a = fromArray([1, 2, 3, 4, 5, 6], [1, 1, 6], dtype);
    const w = fromArray([1, -1], [1, 1, 2], dtype);
    const z2 = conv1d(a, w, undefined, { stride: 2 });
    assert.equal(z2.shape, [1, 1, 3]); // ⌊(6 − 2)/2⌋ + 1
    assert.is(z2.dtype, dtype);
    assert.equal([...z2.data], [-1, -1, -1]);
    assert.equal([...conv1d(a, w, undefined, { stride: 1 }).data], [-1, -1, -1, -1, -1]);
  }
});

test("004: filters 2, filter size 2, stride 2, padding 1", () => {
  // Padded [0, 1, 2, 3, 4, 0]; windows [0,1], [2,3], [4,0]; Lout = ⌊(4 + 2 − 2)/2⌋ + 1 = 3.
  const z = conv1d(fromArray([1, 2, 3, 4], [1, 1, 4]), fromArray([1, 1, 1, -1], [2, 1, 2]), undefined, { stride: 2, padding: 1 });
  assert.equal(z.shape, [1, 2, 3]);
  assert.equal([...z.data], [1, 5, 4, -1, -1, 4]);
});

test('dilation, bias, groups, "same" and a one-element list, by hand', () => {
  const a = fromArray([1, 2, 3, 4, 5], [1, 1, 5]);
  // dilation 2, kernel [1, 1]: z_j = a_j + a_{j+2}; bias 0.5.
  assert.equal([...conv1d(a, fromArray([1, 1], [1, 1, 2]), fromArray([0.5], [1]), { dilation: [2] }).data], [4.5, 6.5, 8.5]);
  // "same" with an even kernel [1, 10]: the extra zero goes at the end.
  assert.equal([...conv1d(a, fromArray([1, 10], [1, 1, 2]), undefined, { padding: "same" }).data], [21, 32, 43, 54, 5]);
  // groups 2: channel 0 ×2, channel 1 ×3.
  const two = fromArray([1, 2, 10, 20], [1, 2, 2]);
  assert.equal([...conv1d(two, fromArray([2, 3], [2, 1, 1]), undefined, { groups: 2 }).data], [2, 4, 30, 60]);
});

test("backward by hand: [1, 2, 3] with kernel [1, 2], upstream [1, 1]", () => {
  const a = fromArray([1, 2, 3], [1, 1, 3], "float64");
  const w = fromArray([1, 2], [1, 1, 2], "float64");
  const g = conv1dBackward(fromArray([1, 1], [1, 1, 2], "float64"), a, w, zeros([1], "float64"));
  assert.equal(g.input.shape, [1, 1, 3]);
  assert.equal([...g.input.data], [1, 1 + 2, 2]);
  assert.equal(g.weight.shape, [1, 1, 2]);
  assert.equal([...g.weight.data], [1 + 2, 2 + 3]);
  assert.equal([...g.bias!.data], [2]);
});

test("an unbatched input [C, L] gives [Cout, Lout]", () => {
  const z = conv1d(fromArray([1, 2, 3, 4], [1, 4]), fromArray([1, 1], [1, 1, 2]));
  assert.equal(z.shape, [1, 3]);
  assert.equal([...z.data], [3, 5, 7]);
});

// ───────────── against an independent 1-D sum ─────────────

function naiveConv1d(x: Tensor, w: Tensor, b: Tensor | undefined, a: Conv1dAttrs): { shape: number[]; data: number[] } {
  const [N, , L] = x.shape;
  const [F, Cg, k] = w.shape;
  const span = a.dilation * (k - 1);
  const before = a.padding === "same" ? Math.floor(span / 2) : a.padding === "valid" ? 0 : a.padding;
  const after = a.padding === "same" ? span - before : before;
  const data: number[] = [];
  let Lo = 0;
  for (let start = -before; start + span <= L - 1 + after; start += a.stride) Lo++;
  for (let n = 0; n < N; n++)
    for (let f = 0; f < F; f++) {
      const group = Math.floor(f / (F / a.groups));
      for (let j = 0; j < Lo; j++) {
        let s = b ? b.at(f) : 0;
        for (let c = 0; c < Cg; c++)
          for (let t = 0; t < k; t++) {
            const pos = j * a.stride - before + t * a.dilation;
            if (pos >= 0 && pos < L) s += w.at(f, c, t) * x.at(n, group * Cg + c, pos);
          }
        data.push(s);
      }
    }
  return { shape: [N, F, Lo], data };
}

test("conv1d equals a plain 1-D sum over random attributes", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.boolean(), (seed, f64) => {
      const { inputs, attrs } = sampleConv1d(new Random(seed), f64 ? "float64" : "float32");
      const z = conv1d(inputs.input, inputs.weight, inputs.bias, attrs);
      const expected = naiveConv1d(inputs.input, inputs.weight, inputs.bias, attrs);
      assert.equal(z.shape, expected.shape, JSON.stringify(attrs));
      assertClose(z.data, expected.data, f64 ? 1e-12 : 1e-5, JSON.stringify(attrs));
    }),
    fcParams(150),
  );
});

test("float32 and float64 agree on outputs and gradients (same inputs, rounded to float32)", () => {
  const worst = checkFloat32Agreement(conv1dOp, 40);
  console.log(`    conv1d float32 vs float64 worst difference: ${worst.toExponential(2)}`);
});

test("gradcheck: conv1d over random attributes (float64, rel. error < 1e-6)", () => {
  const worst = checkGradientsProperty(conv1dOp, 60);
  console.log(`    conv1d gradcheck worst relative error: ${worst.toExponential(2)}`);
});

test("attrs fill PyTorch's defaults; a one-element list is a number", () => {
  assert.equal(conv1dOp.attrs({}), { stride: 1, padding: 0, dilation: 1, groups: 1 });
  assert.equal(conv1dOp.attrs({ stride: [2], padding: [1], dilation: [3] }), { stride: 2, padding: 1, dilation: 3, groups: 1 });
});

// ───────────── errors (in 1-D terms) ─────────────

test("every bad input throws an OpError naming conv1d and the 1-D shapes", () => {
  const x = zeros([2, 4, 7]);
  const w = zeros([2, 4, 3]);
  throwsOpError(() => conv1d(zeros([2, 4, 7, 1]), w), /^conv1d: input: expected rank 2 or 3 \[N, C, L\] or unbatched \[C, L\], got shape \[2, 4, 7, 1\]$/);
  throwsOpError(() => conv1d(x, zeros([2, 4, 3, 1])), /^conv1d: weight: expected rank 3 \[Cout, Cin\/groups, k\], got shape \[2, 4, 3, 1\]$/);
  throwsOpError(() => conv1d(x, zeros([3, 4, 3]), undefined, { groups: 3 }), /^conv1d: groups: expected a divisor of the input's 4 channels, got 3$/);
  throwsOpError(() => conv1d(x, w, undefined, { groups: 2 }), /^conv1d: weight: expected Cin\/groups = 4\/2 = 2 input channels in dimension 1, got shape \[2, 4, 3\]$/);
  throwsOpError(() => conv1d(x, zeros([2, 4, 8])), /^conv1d: input: expected L \+ padding ≥ d·\(k − 1\) \+ 1 = 8 \(output size ≥ 1\), got L = 7 with padding 0 \+ 0 \(output size 0\)$/);
  throwsOpError(() => conv1d(x, w, undefined, { padding: -1 }), /^conv1d: padding: expected an integer ≥ 0, got -1$/);
  throwsOpError(() => conv1d(x, w, undefined, { stride: [1, 2] as unknown as [number] }), /^conv1d: stride: expected an integer ≥ 1 or a list of one, got \[1,2\]$/);
  throwsOpError(() => conv1d(x, w, undefined, { padding: "same", stride: 2 }), /^conv1d: padding: expected stride 1 with padding "same" \(as PyTorch\), got stride 2$/);
  throwsOpError(() => conv1d(x, zeros([2, 4, 3], "float64")), /^conv1d: weight: expected dtype float32 \(the dtype of the first input\), got float64$/);
  throwsOpError(() => conv1d(x, w, zeros([3])), /^conv1d: bias: expected shape \[2\] \(one per output channel\), got shape \[3\]$/);
  throwsOpError(() => conv1dBackward(zeros([2, 2, 4]), x, w), /^conv1d: upstream: expected shape \[2, 2, 5\] \(the shape of the output\), got shape \[2, 2, 4\]$/);
  throwsOpError(() => conv1dBackward(randu([2, 2, 5], new Random(1), { dtype: "float64" }), x, w), /^conv1d: upstream: expected dtype float32/);
});

test.run();
