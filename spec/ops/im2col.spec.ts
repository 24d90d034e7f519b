import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { fromArray, randu, zeros } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { conv2d, conv2dBackward, sampleConv2d } from "../../src/ops/conv2d.js";
import { conv2dAttrs, convGeometry } from "../../src/ops/conv_geometry.js";
import { col2im, conv2dIm2col, conv2dIm2colBackward, im2col, im2colColumns, im2colRows } from "../../src/ops/im2col.js";
import { fcParams } from "../support/properties.js";
import { throwsOpError, assertClose } from "../support/assertions.js";

const range = (n: number, start = 1): number[] => Array.from({ length: n }, (_, i) => start + i);

/** Splits a flat [rows, cols] array into rows, for readable expectations. */
function rows(data: ArrayLike<number>, width: number): number[][] {
  const out: number[][] = [];
  for (let r = 0; r < data.length / width; r++) out.push(Array.from({ length: width }, (_, c) => data[r * width + c]));
  return out;
}

test("the column layout by hand: 3×4 image 1…12, non-square 2×3 kernel", () => {
  const x = fromArray(range(12), [1, 1, 3, 4]);
  const w = zeros([1, 1, 2, 3]);
  const { geom } = convGeometry("conv2d", x, w, undefined, conv2dAttrs({}));
  assert.is(im2colRows(geom), 6);
  assert.is(im2colColumns(geom), 4); // Hout = 2, Wout = 2
  // Row (x, y) lists a[i + x, j + y] over output pixels (0,0), (0,1), (1,0), (1,1).
  assert.equal(rows(im2col(x.data as Float32Array, 0, 0, geom), 4), [
    [1, 2, 5, 6], // tap (0,0)
    [2, 3, 6, 7], // tap (0,1)
    [3, 4, 7, 8], // tap (0,2)
    [5, 6, 9, 10], // tap (1,0)
    [6, 7, 10, 11], // tap (1,1)
    [7, 8, 11, 12], // tap (1,2)
  ]);
});

test("the column layout by hand: channels come first in a row index, padding reads 0, groups pick their channels", () => {
  // Two channels [1,2;3,4] and [5,6;7,8]; 1×1 kernel, stride 2, padding 1 → output 2×2 at rows/cols −1 and 1.
  const x = fromArray(range(8), [1, 2, 2, 2]);
  const { geom } = convGeometry("conv2d", x, zeros([1, 2, 1, 1]), undefined, conv2dAttrs({ stride: 2, padding: 1 }));
  assert.equal(rows(im2col(x.data as Float32Array, 0, 0, geom), 4), [
    [0, 0, 0, 4],
    [0, 0, 0, 8],
  ]);
  // groups = 2: group 1's matrix holds only channel 1.
  const grouped = convGeometry("conv2d", x, zeros([2, 1, 1, 1]), undefined, conv2dAttrs({ groups: 2 })).geom;
  assert.equal([...im2col(x.data as Float32Array, 0, 1, grouped)], [5, 6, 7, 8]);
});

test("the same layout drives a 2×2 product by hand: z = W · cols", () => {
  // Kernel [[1, 2], [3, 4]] on 1…9: z_{0,0} = 1·1 + 2·2 + 3·4 + 4·5 = 37, and each step right adds 1+2+3+4, down adds 3·10.
  const z = conv2dIm2col(fromArray(range(9), [1, 1, 3, 3]), fromArray([1, 2, 3, 4], [1, 1, 2, 2]), fromArray([100], [1]));
  assert.equal([...z.data], [137, 147, 167, 177]);
});

test("im2col form == direct form: forward and all three gradients over random attributes (float64 and float32)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.boolean(), (seed, f64) => {
      const rng = new Random(seed);
      const dtype = f64 ? "float64" : "float32";
      const tol = f64 ? 1e-12 : 2e-6;
      const { inputs, attrs } = sampleConv2d(rng, dtype);
      const { input, weight, bias } = inputs;
      const direct = conv2d(input, weight, bias, attrs);
      const viaGemm = conv2dIm2col(input, weight, bias, attrs);
      const where = `attrs ${JSON.stringify(attrs)}, input ${JSON.stringify(input.shape)}, weight ${JSON.stringify(weight.shape)}`;
      assert.equal(viaGemm.shape, direct.shape);
      assert.is(viaGemm.dtype, dtype);
      assertClose(viaGemm.data, direct.data, tol, `output, ${where}`);
      const dz = randu(direct.shape, rng, { low: -1, high: 1, dtype });
      const g1 = conv2dBackward(dz, input, weight, bias, attrs);
      const g2 = conv2dIm2colBackward(dz, input, weight, bias, attrs);
      assertClose(g2.input.data, g1.input.data, tol, `input grad, ${where}`);
      assertClose(g2.weight.data, g1.weight.data, tol, `weight grad, ${where}`);
      assert.is(g2.bias === undefined, bias === undefined);
      if (bias) assertClose(g2.bias!.data, g1.bias!.data, tol, `bias grad, ${where}`);
    }),
    fcParams(150),
  );
});

test("col2im is the adjoint of im2col: ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩ for every image and group", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const rng = new Random(seed);
      const { inputs, attrs } = sampleConv2d(rng, "float64");
      const { geom } = convGeometry("conv2d", inputs.input, inputs.weight, undefined, attrs);
      const x = inputs.input.data as Float64Array;
      const n = rng.int(geom.N), g = rng.int(geom.groups);
      const cols = im2col(x, n, g, geom);
      const c = randu([cols.length], rng, { low: -1, high: 1, dtype: "float64" }).data as Float64Array;
      const back = new Float64Array(x.length);
      col2im(c, n, g, geom, back);
      let left = 0, right = 0;
      for (let e = 0; e < cols.length; e++) left += cols[e] * c[e];
      for (let e = 0; e < x.length; e++) right += x[e] * back[e];
      assert.ok(Math.abs(left - right) <= 1e-12 * (1 + Math.abs(left)), `⟨im2col(x), c⟩ = ${left}, ⟨x, col2im(c)⟩ = ${right}; attrs ${JSON.stringify(attrs)}`);
    }),
    fcParams(200),
  );
});

test("col2im overwrites only the channels of its image and group (NaN there does not survive, elsewhere it is untouched)", () => {
  const x = zeros([2, 4, 3, 3], "float64");
  const { geom } = convGeometry("conv2d", x, zeros([2, 2, 2, 2], "float64"), undefined, conv2dAttrs({ groups: 2, padding: 1 }));
  const a = new Float64Array(x.size).fill(NaN);
  col2im(new Float64Array(im2colRows(geom) * im2colColumns(geom)).fill(1), 1, 1, geom, a);
  for (let e = 0; e < a.length; e++) {
    const image = Math.floor(e / 36), channel = Math.floor(e / 9) % 4;
    const ours = image === 1 && channel >= 2;
    assert.is(Number.isNaN(a[e]), !ours, `element ${e}`);
  }
  // With padding 1, a 2×2 kernel and stride 1 every pixel is read by all 4 taps: each sum is 4.
  assert.is(a[36 + 18], 4);
});

test("bad indices and short buffers throw OpError", () => {
  const x = zeros([1, 2, 3, 3]);
  const { geom } = convGeometry("conv2d", x, zeros([2, 1, 2, 2]), undefined, conv2dAttrs({ groups: 2 }));
  throwsOpError(() => im2col(x.data as Float32Array, 1, 0, geom), /^im2col: n: expected an image index in \[0, 1\), got 1$/);
  throwsOpError(() => im2col(x.data as Float32Array, 0, 2, geom), /^im2col: g: expected a group index in \[0, 2\), got 2$/);
  throwsOpError(() => im2col(x.data as Float32Array, 0, 0, geom, new Float32Array(3)), /^im2col: cols: expected at least 16 elements \(\[4, 4\]\), got 3$/);
  throwsOpError(() => im2col(new Float32Array(5), 0, 0, geom), /^im2col: a: expected at least 18 elements \(the input \[N, Cin, H, W\]\), got 5$/);
  throwsOpError(() => col2im(new Float32Array(2), 0, 0, geom, new Float32Array(18)), /^col2im: cols: expected at least 16 elements/);
  // The GEMM form validates exactly as conv2d does.
  throwsOpError(() => conv2dIm2col(x, zeros([2, 3, 2, 2])), /^conv2d: weight: expected Cin\/groups = 2\/1 = 2 input channels in dimension 1, got shape \[2, 3, 2, 2\]$/);
  throwsOpError(() => conv2dIm2colBackward(zeros([1, 2, 3, 3]), x, zeros([2, 2, 2, 2])), /^conv2d: upstream: expected shape \[1, 2, 2, 2\] \(the shape of the output\), got shape \[1, 2, 3, 3\]$/);
});

test.run();
