// The lectures' worked examples, with the numbers typed from the slides
// (000 Machine Learning 15 and 004 CSCE 421 Lecture 9). Where a slide prints only part of a result, the
// rest is worked by hand from the slide's own formula and says so.
// The same examples are in docs/vectors/lectures.json; the last test holds
// the library to that file.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { fromArray, tensor } from "../../src/tensor.js";
import { boxKernel, convolve2d, correlate2d, identityKernel, sharpenKernel, shiftKernel } from "../../src/ops/filters.js";
import { maxPool2d } from "../../src/ops/max_pool2d.js";
import { checkVectors, formatCaseResult } from "../../src/check/vectors.js";
import { assertClose } from "../support/assertions.js";

const close = (actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12, what = "") => assertClose(actual, expected, tol, what);

// ───────────── 004, "Convolution 2d-example" ─────────────

const x3 = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]], "float64");

test("004: convolution of [[1,2,3],[4,5,6],[7,8,9]] with zero padding gives −13 at [0,0] and −20 at [0,1]", () => {
  // The slide's terms: h[1,1] = 1, h[0,1] = 2, h[−1,1] = 1, h[·,0] = 0,
  // h[1,−1] = −1, h[0,−1] = −2, h[−1,−1] = −1, with h[m, n], m horizontal.
  // Row-major (row n, column m) that is:
  const h = tensor([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], "float64");
  const y = convolve2d(x3, h, "same");
  assert.is(y.at(0, 0), -13); // slide: y[0,0] = 0·1 + … + 4·(−2) + 5·(−1) = −13
  assert.is(y.at(0, 1), -20); // slide: y[1,0] (m = 1 is the column) = 4·(−1) + 5·(−2) + 6·(−1) = −20
  // The kernel as printed over the image is h flipped; correlating with it is the same.
  const printed = tensor([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], "float64");
  assert.equal([...correlate2d(x3, printed, "same").data], [...y.data]);
});

test("004: the slide's formula y[m,n] = Σ_i Σ_j x[i,j] h[m−i, n−j], written out literally, gives the whole 3×3 result", () => {
  // x[i, j]: i horizontal (column), j vertical (row); zero outside the image.
  const x = (i: number, j: number) => (i >= 0 && i < 3 && j >= 0 && j < 3 ? x3.data[j * 3 + i] : 0);
  // h[a, b] for a, b ∈ {−1, 0, 1}, from the slide's terms
  const hTerms: Record<string, number> = { "1,1": 1, "0,1": 2, "-1,1": 1, "1,0": 0, "0,0": 0, "-1,0": 0, "1,-1": -1, "0,-1": -2, "-1,-1": -1 };
  const h = (a: number, b: number) => hTerms[`${a},${b}`] ?? 0;
  const y = convolve2d(x3, tensor([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], "float64"), "same");
  for (let m = 0; m < 3; m++) for (let n = 0; n < 3; n++) {
    let sum = 0;
    for (let i = -2; i <= 4; i++) for (let j = -2; j <= 4; j++) sum += x(i, j) * h(m - i, n - j);
    assert.is(y.at(n, m), sum, `y[m=${m}, n=${n}]`);
  }
  // and by hand (rows): each output is the (1, 2, 1)-weighted row above minus the row below
  assert.equal([...y.data], [-13, -20, -17, -18, -24, -18, 13, 20, 17]);
});

// ───────────── 000, "Correlation & Convolution Operators": the 10×10 box filter ─────────────

const F = fromArray([
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 90, 90, 90, 90, 90, 0, 0,
  0, 0, 0, 90, 90, 90, 90, 90, 0, 0,
  0, 0, 0, 90, 90, 90, 90, 90, 0, 0,
  0, 0, 0, 90, 0, 90, 90, 90, 0, 0,
  0, 0, 0, 90, 90, 90, 90, 90, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 90, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
], [10, 10], "float64");

/** G[x, y] as printed on the slide (Source: S. Seitz). */
const G_SLIDE = [
  0, 10, 20, 30, 30, 30, 20, 10,
  0, 20, 40, 60, 60, 60, 40, 20,
  0, 30, 60, 90, 90, 90, 60, 30,
  0, 30, 50, 80, 80, 90, 60, 30,
  0, 30, 50, 80, 80, 90, 60, 30,
  0, 20, 30, 50, 50, 60, 40, 20,
  10, 20, 30, 30, 30, 30, 20, 10,
  10, 10, 10, 0, 0, 0, 0, 0,
];

test("000: the 10×10 image of 90s with the 3×3 box filter gives the slide's whole 8×8 table (no entry of the slide is wrong)", () => {
  // Checked by hand window by window too: e.g. G[3][2] covers rows 3–5, cols 2–4,
  // which hold five 90s (the hole at (5, 4)): 450/9 = 50; G[6][0] sees only the
  // stray 90 at (8, 2): 10.
  close(correlate2d(F, boxKernel(3)).data, G_SLIDE, 1e-12, "correlation");
  // The box is symmetric, so convolution gives the same table.
  close(convolve2d(F, boxKernel(3)).data, G_SLIDE, 1e-12, "convolution");
});

// ───────────── 000, "Convolution operation" and "Max Pool operation": the "X" image ─────────────

/** The slide's 7×7 filtered image (as printed, two decimals). */
const X_FILTERED = [
  0.77, -0.11, 0.11, 0.33, 0.55, -0.11, 0.33,
  -0.11, 1.0, -0.11, 0.33, -0.11, 0.11, -0.11,
  0.11, -0.11, 1.0, -0.33, 0.11, -0.11, 0.55,
  0.33, 0.33, -0.33, 0.55, -0.33, 0.33, 0.33,
  0.55, -0.11, 0.11, -0.33, 1.0, -0.11, 0.11,
  -0.11, 0.11, -0.11, 0.33, -0.11, 1.0, -0.11,
  0.33, -0.11, 0.55, 0.33, 0.11, -0.11, 0.77,
];

test("000: the 'X' image filtered with the diagonal filter is the slide's table, which truncates k/9 to two decimals", () => {
  const X = fromArray([
    -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, 1, -1, -1, -1, -1, -1, 1, -1,
    -1, -1, 1, -1, -1, -1, 1, -1, -1,
    -1, -1, -1, 1, -1, 1, -1, -1, -1,
    -1, -1, -1, -1, 1, -1, -1, -1, -1,
    -1, -1, -1, 1, -1, 1, -1, -1, -1,
    -1, -1, 1, -1, -1, -1, 1, -1, -1,
    -1, 1, -1, -1, -1, -1, -1, 1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1,
  ], [9, 9], "float64");
  const diagonal = tensor([[1, -1, -1], [-1, 1, -1], [-1, -1, 1]], "float64");
  const y = correlate2d(X, diagonal); // the sum of the nine products; the slide shows it / 9
  for (let i = 0; i < 49; i++) {
    const k = y.data[i]; // an integer count: matches minus mismatches
    assert.ok(Number.isInteger(k));
    assert.is(Math.round(9 * X_FILTERED[i]), k, `entry ${i}`);
    assert.is(Math.trunc((k * 100) / 9) / 100, X_FILTERED[i], `entry ${i}: the slide's ${X_FILTERED[i]} is ${k}/9 truncated`);
  }
});

test("000: max pooling the 7×7 table with a 2×2 window at stride 2 gives the slide's 4×4 table with ceil_mode (padding 0)", () => {
  const x = fromArray(X_FILTERED, [1, 1, 7, 7], "float64");
  const slide = [
    1.0, 0.33, 0.55, 0.33,
    0.33, 1.0, 0.33, 0.55,
    0.55, 0.33, 1.0, 0.11,
    0.33, 0.55, 0.11, 0.77,
  ];
  const pooled = maxPool2d(x, { kernel_size: 2, stride: 2, ceil_mode: true });
  assert.equal(pooled.output.shape, [1, 1, 4, 4]);
  assert.equal([...pooled.output.data], slide);
  // Floor mode gives only 3×3; padding 1 gives 4×4 but a different table (0.77 alone in the first window).
  assert.equal(maxPool2d(x, { kernel_size: 2, stride: 2 }).output.shape, [1, 1, 3, 3]);
  assert.is(maxPool2d(x, { kernel_size: 2, stride: 2, padding: 1 }).output.data[0], 0.77);
  // The slide's text also carries a row "0.22 0.55 0.11 0.77": 0.22 is no input value, so no window can give it.
  assert.not.ok(X_FILTERED.includes(0.22));
});

// ───────────── 004, "Linear filters: Example" ─────────────

const photo = tensor([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]], "float64");
const dot = tensor([[0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 9, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]], "float64");

test("004: identity kernel gives the same image; the shift kernel moves it one pixel left", () => {
  assert.equal(convolve2d(photo, identityKernel(), "same").toArray(), photo.toArray());
  assert.equal(shiftKernel("left").toArray(), [[0, 0, 0], [1, 0, 0], [0, 0, 0]]); // as on the slide
  assert.equal(convolve2d(photo, shiftKernel("left"), "same").toArray(), [[2, 3, 4, 0], [6, 7, 8, 0], [10, 11, 12, 0]]);
});

test("004: the mean filter blurs (a bright pixel spreads over 3×3, the sum kept); sharpening = 2·identity − mean", () => {
  close(convolve2d(dot, boxKernel(3), "same").data, [0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
  close(convolve2d(dot, sharpenKernel(3), "same").data, [0, 0, 0, 0, 0, 0, -1, -1, -1, 0, 0, -1, 17, -1, 0, 0, -1, -1, -1, 0, 0, 0, 0, 0, 0]);
});

// ───────────── docs/vectors/lectures.json ─────────────

test("docs/vectors/lectures.json (hand-written from the slides) passes in float32 and float64", () => {
  const text = readFileSync(fileURLToPath(new URL("../../docs/vectors/lectures.json", import.meta.url)), "utf8");
  for (const dtype of ["float32", "float64"] as const) {
    const report = checkVectors(text, { dtype });
    assert.is(report.passed, 9);
    assert.is(report.failed, 0, report.results.filter((r) => !r.passed).map(formatCaseResult).join("\n"));
  }
});

test.run();
