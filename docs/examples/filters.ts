/**
 * Image filtering as 000, 001 and 004 teach it, with nnref's filter ops
 * (src/ops/filters.ts):
 *
 * 1. 000, "Correlation & Convolution Operators": the 10 × 10 image F of 90s
 *    filtered with the 3 × 3 box filter (1/9 everywhere) — the slide's 8 × 8
 *    table G, printed beside nnref's and compared entry by entry.
 * 2. 004, "Convolution 2d-example": x = [[1,2,3],[4,5,6],[7,8,9]] convolved
 *    with the slide's 3 × 3 kernel, zero padding: y[0,0] = −13, y[1,0] = −20
 *    (the slide's m is the column, so y[1,0] is row 0, column 1).
 * 3. 001, "Averaging = Filtering" / "Gaussian Smoothing" / "Sharpening
 *    Filter" and 004, "Linear filters: Example", on a small synthetic image
 *    (a bright square and a bright dot on a dark background): box (1/9),
 *    Gaussian G_σ (σ = 1, 5 × 5), sharpening (2·identity − box), and Sobel's
 *    horizontal-derivative kernel. Each printed as a small table ("same" zero
 *    padding, so every output has the input's size).
 *
 *   node --import tsx docs/examples/filters.ts
 */
import { fileURLToPath } from "node:url";
import { boxKernel, convolve2d, correlate2d, fromArray, gaussianKernel, sharpenKernel, sobelXKernel, tensor, type Tensor } from "../../src/index.js";

/** 000's F[x, y]: a 5 × 5 block of 90s with a hole, and one stray 90 (Source: S. Seitz). */
export const SLIDE_F = fromArray([
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

/** 000's G[x, y] as the slide prints it (the valid 8 × 8 part). */
export const SLIDE_G: readonly number[] = [
  0, 10, 20, 30, 30, 30, 20, 10,
  0, 20, 40, 60, 60, 60, 40, 20,
  0, 30, 60, 90, 90, 90, 60, 30,
  0, 30, 50, 80, 80, 90, 60, 30,
  0, 30, 50, 80, 80, 90, 60, 30,
  0, 20, 30, 50, 50, 60, 40, 20,
  10, 20, 30, 30, 30, 30, 20, 10,
  10, 10, 10, 0, 0, 0, 0, 0,
];

/** 004's input x[m, n] in row-major order. */
export const SLIDE_X3 = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]], "float64");

/**
 * 004's kernel h in row-major order. The slide writes its terms as
 * h[1,1] = 1, h[0,1] = 2, h[−1,1] = 1, h[·,0] = 0, h[1,−1] = −1,
 * h[0,−1] = −2, h[−1,−1] = −1 (first index horizontal); the grid it draws
 * over the image is this kernel flipped (see docs/vectors/format.md).
 */
export const SLIDE_H3 = tensor([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], "float64");

/**
 * The synthetic image of part 3: 8 × 10, background 0 (so the zero padding
 * of "same" matches it and the border adds nothing), a 4 × 4 block of 90 at
 * rows 2–5, columns 5–8, and a single dot of 90 at row 2, column 1.
 */
export function syntheticImage(): Tensor {
  const H = 8, W = 10;
  const f = new Float64Array(H * W);
  for (let i = 2; i <= 5; i++) for (let j = 5; j <= 8; j++) f[i * W + j] = 90;
  f[2 * W + 1] = 90;
  return fromArray(f, [H, W], "float64");
}

/** Everything the example computes. */
export interface FilterResults {
  /** 000: correlate2d(F, box 3 × 3), valid → [8, 8]. */
  boxOnSlideF: Tensor;
  /** 004: convolve2d(x, h, "same") → [3, 3]. */
  slide004: Tensor;
  /** Part 3's image and its filtered versions ("same" padding). */
  image: Tensor;
  box: Tensor;
  gaussian: Tensor;
  sharpen: Tensor;
  sobelX: Tensor;
  /** The 5 × 5 G_σ kernel used (σ = 1). */
  gaussianKernel: Tensor;
}

/** Runs every filter of the example. */
export function run(): FilterResults {
  const image = syntheticImage();
  const G = gaussianKernel(1, 5);
  return {
    boxOnSlideF: correlate2d(SLIDE_F, boxKernel(3)),
    slide004: convolve2d(SLIDE_X3, SLIDE_H3, "same"),
    image,
    box: convolve2d(image, boxKernel(3), "same"),
    gaussian: convolve2d(image, G, "same"),
    sharpen: convolve2d(image, sharpenKernel(3), "same"),
    sobelX: correlate2d(image, sobelXKernel(), "same"),
    gaussianKernel: G,
  };
}

/** A [H, W] tensor as rows of right-aligned numbers with `digits` decimals. */
export function formatTable(t: Tensor, digits = 0, width = 6): string {
  const [H, W] = t.shape;
  const rows: string[] = [];
  for (let i = 0; i < H; i++) {
    const cells: string[] = [];
    for (let j = 0; j < W; j++) {
      const v = t.data[i * W + j];
      cells.push((Object.is(Math.round(v * 10 ** digits), -0) ? 0 : v).toFixed(digits).padStart(width));
    }
    rows.push(cells.join(""));
  }
  return rows.join("\n");
}

/** Prints every part of the example. */
export function main(): FilterResults {
  const r = run();
  console.log("000, \"Correlation & Convolution Operators\": the 10×10 image F filtered with the 3×3 box filter (1/9)");
  console.log("slide's G:");
  console.log(formatTable(fromArray(SLIDE_G, [8, 8], "float64")));
  console.log("nnref correlate2d(F, boxKernel(3)):");
  console.log(formatTable(r.boxOnSlideF, 1, 7));
  const worst = SLIDE_G.reduce((m, v, i) => Math.max(m, Math.abs(v - r.boxOnSlideF.data[i])), 0);
  console.log(`largest difference from the slide over all 64 entries: ${worst.toExponential(1)}`);

  console.log("");
  console.log("004, \"Convolution 2d-example\": x = [[1,2,3],[4,5,6],[7,8,9]], h as the slide's terms give it, zero padding");
  console.log("nnref convolve2d(x, h, \"same\"):");
  console.log(formatTable(r.slide004, 0, 5));
  console.log(`slide: y[0,0] = −13, y[1,0] = −20 (m = 1 is the column)   nnref: ${r.slide004.at(0, 0)}, ${r.slide004.at(0, 1)}`);

  console.log("");
  console.log("001 / 004 filters on a synthetic image (a 4×4 square and a dot of 90 on 0), \"same\" zero padding:");
  console.log("image:");
  console.log(formatTable(r.image));
  console.log("box 3×3 (\"Averaging = Filtering\": every output the mean of its 3×3 window; the dot spreads, the edge blurs):");
  console.log(formatTable(r.box, 1, 7));
  console.log("Gaussian G_σ, σ = 1, 5×5 (\"weighs nearby pixels more than distant ones\"), kernel:");
  console.log(formatTable(r.gaussianKernel, 4, 8));
  console.log("filtered:");
  console.log(formatTable(r.gaussian, 1, 7));
  console.log("sharpening 2·identity − box (\"accentuates edges\": brighter inside the edges, negative just outside, the dot brighter than its ring):");
  console.log(formatTable(r.sharpen, 1, 7));
  console.log("Sobel x [[−1,0,1],[−2,0,2],[−1,0,1]] by correlation (horizontal derivative: + at the square's left edge, − at its right, 0 where flat):");
  console.log(formatTable(r.sobelX, 0, 7));
  return r;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
