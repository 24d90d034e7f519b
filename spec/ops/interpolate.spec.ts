import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { fromArray, randn, tensor, zeros } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { interpolateBilinear, interpolateBilinearBackward, interpolateBilinearAttrs, interpolateBilinearOp } from "../../src/ops/interpolate.js";
import { checkGradientsProperty, fcParams } from "../support/properties.js";
import { assertClose, throwsOpError } from "../support/assertions.js";

const close = (actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12, what = "") => assertClose(actual, expected, tol, what);

const square = tensor([[[[1, 2], [3, 4]]]], "float64");

test("2×2 → 4×4, align_corners false: source rows 0, ¼, ¾, 1¼ (clamped to the last row)", () => {
  const y = interpolateBilinear(square, { size: [4, 4] });
  close(y.data, [
    1, 1.25, 1.75, 2,
    1.5, 1.75, 2.25, 2.5,
    2.5, 2.75, 3.25, 3.5,
    3, 3.25, 3.75, 4,
  ]);
});

test("2×2 → 4×4, align_corners true: source rows 0, ⅓, ⅔, 1 (corners coincide)", () => {
  const y = interpolateBilinear(square, { size: 4, align_corners: true });
  close(y.data, [
    1, 4 / 3, 5 / 3, 2,
    5 / 3, 2, 7 / 3, 8 / 3,
    7 / 3, 8 / 3, 3, 10 / 3,
    3, 10 / 3, 11 / 3, 4,
  ]);
});

test("output size 1: align_corners samples index 0; otherwise the centre", () => {
  assert.equal([...interpolateBilinear(square, { size: [1, 1], align_corners: true }).data], [1]);
  assert.equal([...interpolateBilinear(square, { size: [1, 1] }).data], [2.5]); // src = ½·2 − ½ = ½ on both axes
});

test("scale_factor uses 1/scale_factor for the source index (PyTorch), not in/out", () => {
  // A ramp 0, 1, 2 reproduces its source positions. scale_factor 1.5: out ⌊4.5⌋ = 4,
  // src = (d + ½)·⅔ − ½ = −⅙ → 0, ½, 7/6, 11/6.
  const ramp = fromArray([0, 1, 2], [1, 1, 1, 3], "float64");
  close(interpolateBilinear(ramp, { scale_factor: [1, 1.5] }).data, [0, 0.5, 7 / 6, 11 / 6]);
  // size 4 instead: scale ¾, src = 0 (clamped), 0.625, 1.375, 2.125 → clamped to 2
  close(interpolateBilinear(ramp, { size: [1, 4] }).data, [0, 0.625, 1.375, 2]);
});

test("bilinear reproduces an affine image a·h + b·w + c exactly at the source positions", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e9 }), (seed) => {
      const rng = new Random(seed);
      const [H, W] = [1 + rng.int(6), 1 + rng.int(6)];
      const [Ho, Wo] = [1 + rng.int(8), 1 + rng.int(8)];
      const alignCorners = rng.bernoulli(0.5) === 1;
      const [a, b, c] = [rng.normal(), rng.normal(), rng.normal()];
      const x = zeros([1, 1, H, W], "float64");
      for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) x.data[h * W + w] = a * h + b * w + c;
      const y = interpolateBilinear(x, { size: [Ho, Wo], align_corners: alignCorners });
      // source position from PyTorch's documented formula, clamped into [0, in − 1]
      const src = (d: number, n: number, m: number) => {
        const s = alignCorners ? (m > 1 ? (d * (n - 1)) / (m - 1) : 0) : (d + 0.5) * (n / m) - 0.5;
        return Math.min(Math.max(s, 0), n - 1);
      };
      for (let h = 0; h < Ho; h++) for (let w = 0; w < Wo; w++) {
        close([y.data[h * Wo + w]], [a * src(h, H, Ho) + b * src(w, W, Wo) + c], 1e-12, `(${h}, ${w})`);
      }
    }),
    fcParams(60),
  );
});

test("same size in, same image out (both modes); channels and batch are independent", () => {
  const rng = new Random(1);
  const x = randn([2, 3, 4, 5], rng, { dtype: "float64" });
  close(interpolateBilinear(x, { size: [4, 5] }).data, x.data);
  close(interpolateBilinear(x, { size: [4, 5], align_corners: true }).data, x.data);
  const y = interpolateBilinear(x, { size: [7, 3] });
  const one = interpolateBilinear(fromArray(x.data.slice(4 * 20, 5 * 20), [1, 1, 4, 5], "float64"), { size: [7, 3] });
  close(y.data.slice(4 * 21, 5 * 21), one.data); // plane (n=1, c=1)
});

test("backward by hand: 1×2 → 1×4 (align_corners true) spreads each upstream value with its weights", () => {
  // src = 0, ⅓, ⅔, 1: weights on (x0, x1) = (1,0), (⅔,⅓), (⅓,⅔), (0,1)
  const x = fromArray([5, 7], [1, 1, 1, 2], "float64");
  const dx = interpolateBilinearBackward(fromArray([1, 10, 100, 1000], [1, 1, 1, 4], "float64"), x, interpolateBilinearAttrs({ size: [1, 4], align_corners: true }));
  close(dx.data, [1 + 20 / 3 + 100 / 3, 10 / 3 + 200 / 3 + 1000]);
});

test("gradcheck: interpolate_bilinear across sizes, scale factors and align_corners (float64, < 1e-6)", () => {
  const worst = checkGradientsProperty(interpolateBilinearOp, 80);
  console.log(`  worst gradcheck error: interpolate_bilinear ${worst.toExponential(1)}`);
});

test("float32 in, float32 out", () => {
  const x = randn([1, 2, 3, 3], new Random(8), { dtype: "float64" });
  const y32 = interpolateBilinear(x.astype("float32"), { size: [5, 4] });
  assert.is(y32.dtype, "float32");
  close(y32.data, interpolateBilinear(x, { size: [5, 4] }).data, 1e-6);
});

test("errors name the op, the argument, what was expected and what came", () => {
  throwsOpError(() => interpolateBilinear(square, {}), /^interpolate_bilinear: size: expected exactly one of size and scale_factor, got neither$/);
  throwsOpError(() => interpolateBilinear(square, { size: 2, scale_factor: 2 }), /^interpolate_bilinear: size: expected exactly one of size and scale_factor, got both$/);
  throwsOpError(() => interpolateBilinear(square, { size: [0, 2] }), /^interpolate_bilinear: size\[0\]: expected an integer ≥ 1, got 0$/);
  throwsOpError(() => interpolateBilinear(square, { size: [2, 2, 2] as never }), /^interpolate_bilinear: size: expected an integer ≥ 1 or a pair \[H', W'\] of them, got \[2,2,2\]$/);
  throwsOpError(() => interpolateBilinear(square, { scale_factor: -1 }), /^interpolate_bilinear: scale_factor: expected a number > 0, got -1$/);
  throwsOpError(() => interpolateBilinear(square, { scale_factor: 0.25 }), /^interpolate_bilinear: scale_factor: expected factors that give an output of at least 1×1 from 2×2, got \[0.25,0.25\] \(output 0×0\)$/);
  throwsOpError(() => interpolateBilinear(zeros([2, 2, 2]), { size: 4 }), /^interpolate_bilinear: input: expected rank 4 \[N, C, H, W\], got shape \[2, 2, 2\]$/);
  throwsOpError(() => interpolateBilinear(square, { size: 4, align_corners: "true" as never }), /^interpolate_bilinear: align_corners: expected true or false, got "true"$/);
  throwsOpError(() => interpolateBilinearBackward(zeros([1, 1, 3, 3], "float64"), square, interpolateBilinearAttrs({ size: 4 })), /^interpolate_bilinear: upstream: expected shape \[1, 1, 4, 4\] \(the shape of the output\), got shape \[1, 1, 3, 3\]$/);
});

test.run();
