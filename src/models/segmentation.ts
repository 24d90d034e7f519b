/**
 * Semantic segmentation: a class for every pixel (000, "Semantic
 * Segmentation": "Design network as a bunch of convolutional layers, with
 * downsampling and upsampling inside the network! Downsampling: Pooling,
 * strided convolution. Upsampling: Unpooling or strided transposed
 * convolution"; Long et al.'s FCN and Noh et al.'s deconvolution network.
 * 001, "Fully Convolutional Networks for Segmentation" and "Deeplab: Atrous
 * Convolution + … Bi-linear Interpolation").
 *
 * Two small networks, input [N, C, H, W] → per-pixel class logits
 * [N, classes, H, W], trained with the per-pixel cross-entropy
 * (`cross_entropy` takes [N, C, H, W] logits and [N, H, W] targets: the mean
 * over all pixels of −log softmax(z)_t):
 *
 * - `fcnSegmenter`: conv–ReLU–pool twice (H/4), then back up by max
 *   UNPOOLING — each value returns to the position its max pool took it
 *   from, zeros elsewhere (the pool's "switches") — or by TRANSPOSED
 *   convolution (kernel 2, stride 2), each followed by a conv, and a 1×1
 *   conv to the class scores.
 * - `atrousSegmenter`: one conv–ReLU–pool (H/2), then 3×3 convolutions with
 *   dilation 1, 2, 4 (atrous: the receptive field grows without further
 *   downsampling or more weights), a 1×1 conv to class scores, and bilinear
 *   interpolation back to H × W.
 *
 * A synthetic dataset (`brightSquares`) for quick checks. The metrics (pixel
 * accuracy, mean intersection-over-union from a confusion matrix) are in
 * src/train/metrics.ts.
 */
import { full, randn, shapeString, Tensor, type FloatDType, type Shape } from "../tensor.js";
import type { Random } from "../random.js";
import * as F from "../autograd/functional.js";
import type { Variable } from "../autograd/variable.js";
import { Conv2d, ConvTranspose2d, MaxPool2d, Module, ReLU, expectImageBatch } from "../nn/index.js";
import { NamedSequential } from "./named_sequential.js";

// ───────────────────────────── pooling with switches, unpooling, upsampling ─────────────────────────────

/**
 * 2-D max pooling that remembers its SWITCHES — the flat index (h·W + w in
 * each input plane) of every maximum — until its paired `MaxUnpool2d` uses
 * them. input [N, C, H, W] → [N, C, Hout, Wout].
 */
export class SwitchedMaxPool2d extends MaxPool2d {
  /** Switches of the last forward, int32 [N, C, Hout, Wout]; null before the first. */
  switches: Tensor | null = null;
  /** [H, W] of the last forward's input (what the unpooling restores). */
  inputSize: [number, number] | null = null;

  override forward(x: Variable): Variable {
    this.outputShape(x.shape);
    const { output, indices } = F.maxPool2dWithIndices(x, { kernel_size: this.kernelSize, stride: this.stride, padding: this.padding, dilation: this.dilation, ceil_mode: this.ceilMode });
    this.switches = indices;
    this.inputSize = [x.shape[2], x.shape[3]];
    return output;
  }

  override describe(): string {
    return super.describe().replace("MaxPool2d(", "SwitchedMaxPool2d(");
  }
}

/**
 * Max unpooling (000's "Unpooling"): every value goes back to where the
 * paired pool's last forward found its maximum; all other outputs are 0.
 * input [N, C, Hout, Wout] (the pool's output shape) → [N, C, H, W] (its input's).
 */
export class MaxUnpool2d extends Module {
  constructor(readonly pool: SwitchedMaxPool2d) {
    super();
    if (!(pool instanceof SwitchedMaxPool2d)) throw new TypeError(`MaxUnpool2d: expected the SwitchedMaxPool2d whose switches it uses, got ${String(pool)}`);
  }

  forward(x: Variable): Variable {
    const { switches, inputSize } = this.pool;
    if (switches === null || inputSize === null) throw new Error("MaxUnpool2d: its pool has not run yet (no switches): run the pool first in the same forward pass");
    if (x.shape.length !== 4 || x.shape.some((d, i) => d !== switches.shape[i])) {
      throw new RangeError(`MaxUnpool2d: expected input ${shapeString(switches.shape)} (the shape its pool produced), got ${shapeString(x.shape)}`);
    }
    return F.maxUnpool2d(x, switches, { kernel_size: this.pool.kernelSize, stride: this.pool.stride, padding: this.pool.padding, output_size: inputSize });
  }

  /** (H − 1)·s − 2p + k per side: the pool's input size when the pool dropped no rows or columns. */
  outputShape(inputShape: Shape): Shape {
    expectImageBatch("MaxUnpool2d", inputShape);
    const [n, c, h, w] = inputShape;
    const { kernelSize: k, stride: s, padding: p } = this.pool;
    return [n, c, (h - 1) * s[0] - 2 * p[0] + k[0], (w - 1) * s[1] - 2 * p[1] + k[1]];
  }

  override macs(): number {
    return 0;
  }

  override describe(): string {
    return `MaxUnpool2d(kernel=${this.pool.kernelSize.join("×")}, stride=${this.pool.stride.join("×")})`;
  }
}

/** Bilinear upsampling by an integer factor (001's DeepLab): input [N, C, H, W] → [N, C, f·H, f·W] (align_corners false). */
export class BilinearUpsample2d extends Module {
  constructor(readonly factor: number) {
    super();
    if (!Number.isInteger(factor) || factor < 1) throw new RangeError(`BilinearUpsample2d: factor: expected an integer ≥ 1, got ${String(factor)}`);
  }

  forward(x: Variable): Variable {
    const [, , h, w] = this.outputShape(x.shape);
    return F.interpolateBilinear(x, [h, w], false);
  }

  outputShape(inputShape: Shape): Shape {
    expectImageBatch("BilinearUpsample2d", inputShape);
    const [n, c, h, w] = inputShape;
    return [n, c, h * this.factor, w * this.factor];
  }

  override macs(): number {
    return 0;
  }

  override describe(): string {
    return `BilinearUpsample2d(×${this.factor})`;
  }
}

// ───────────────────────────── the networks ─────────────────────────────

/**
 * A segmentation network: named stages in a row, input [N, C, H, W] →
 * logits [N, classes, H, W], for H and W divisible by `factor` (how much the
 * network downsamples inside; other sizes would not come back to H × W).
 */
export class SegmentationNet extends NamedSequential {
  constructor(stages: Array<[string, Module]>, readonly inChannels: number, readonly numClasses: number, readonly factor: number) {
    super(stages);
  }

  override outputShape(inputShape: Shape): Shape {
    expectImageBatch("SegmentationNet", inputShape, this.inChannels);
    const [, , h, w] = inputShape;
    if (h % this.factor !== 0 || w % this.factor !== 0) {
      throw new RangeError(`SegmentationNet: expected H and W divisible by ${this.factor} (the network downsamples by ${this.factor} inside), got ${h}×${w}`);
    }
    return super.outputShape(inputShape);
  }

  override forward(x: Variable): Variable {
    this.outputShape(x.shape);
    return super.forward(x);
  }
}

/** Options of the segmentation networks. */
export interface SegmenterOptions {
  /** Input channels (default 1). */
  inChannels?: number;
  /** Classes per pixel, background included (default 2). */
  numClasses?: number;
  /** Channels of the first conv; the second level has twice as many (default 8). */
  width?: number;
  /** How `fcnSegmenter` upsamples: "unpool" (default) or "transposed". */
  upsampling?: "unpool" | "transposed";
  /** Dilations of `atrousSegmenter`'s 3×3 convolutions (default [1, 2, 4]). */
  dilations?: readonly number[];
  dtype?: FloatDType;
}

function segmenterSizes(model: string, options: SegmenterOptions): { inChannels: number; numClasses: number; width: number; dtype: FloatDType } {
  const { inChannels = 1, numClasses = 2, width = 8, dtype = "float32" } = options;
  for (const [name, v, min] of [["inChannels", inChannels, 1], ["numClasses", numClasses, 2], ["width", width, 1]] as const) {
    if (!Number.isInteger(v) || v < min) throw new RangeError(`${model}: ${name}: expected an integer ≥ ${min}, got ${String(v)}`);
  }
  return { inChannels, numClasses, width, dtype };
}

/**
 * FCN-style encoder–decoder (000's slide; Noh et al.'s unpooling):
 *
 *   conv1 3×3 C→w, relu1, pool1 2×2        H/2
 *   conv2 3×3 w→2w, relu2, pool2 2×2       H/4
 *   up2 (unpool pool2 | transposed 2×2/2), conv3 3×3 2w→w, relu3    H/2
 *   up1 (unpool pool1 | transposed 2×2/2), conv4 3×3 w→w, relu4     H
 *   classifier 1×1 w→classes               [N, classes, H, W]
 *
 * H and W must be divisible by 4.
 */
export function fcnSegmenter(rng: Random, options: SegmenterOptions = {}): SegmentationNet {
  const { inChannels, numClasses, width: w, dtype } = segmenterSizes("fcnSegmenter", options);
  const { upsampling = "unpool" } = options;
  if (upsampling !== "unpool" && upsampling !== "transposed") throw new RangeError(`fcnSegmenter: upsampling: expected "unpool" or "transposed", got ${JSON.stringify(upsampling)}`);
  const pool1 = new SwitchedMaxPool2d(2), pool2 = new SwitchedMaxPool2d(2);
  const up = (pool: SwitchedMaxPool2d, channels: number): Module =>
    upsampling === "unpool" ? new MaxUnpool2d(pool) : new ConvTranspose2d(channels, channels, 2, rng, { stride: 2, dtype });
  return new SegmentationNet([
    ["conv1", new Conv2d(inChannels, w, 3, rng, { padding: 1, dtype })],
    ["relu1", new ReLU()],
    ["pool1", pool1],
    ["conv2", new Conv2d(w, 2 * w, 3, rng, { padding: 1, dtype })],
    ["relu2", new ReLU()],
    ["pool2", pool2],
    ["up2", up(pool2, 2 * w)],
    ["conv3", new Conv2d(2 * w, w, 3, rng, { padding: 1, dtype })],
    ["relu3", new ReLU()],
    ["up1", up(pool1, w)],
    ["conv4", new Conv2d(w, w, 3, rng, { padding: 1, dtype })],
    ["relu4", new ReLU()],
    ["classifier", new Conv2d(w, numClasses, 1, rng, { dtype })],
  ], inChannels, numClasses, 4);
}

/**
 * Atrous (dilated) segmentation network after 001's DeepLab:
 *
 *   conv1 3×3 C→w, relu1, pool1 2×2                         H/2
 *   atrous1 … atrousK: 3×3 w→w with dilation d (padding d), ReLU each   H/2
 *   classifier 1×1 w→classes, upsample bilinear ×2           [N, classes, H, W]
 *
 * A 3×3 kernel with dilation d spans (2d + 1)×(2d + 1) pixels with 9 weights,
 * so [1, 2, 4] sees 2·(1 + 2 + 4) + 1 = 15 pooled pixels across. H and W must
 * be even.
 */
export function atrousSegmenter(rng: Random, options: SegmenterOptions = {}): SegmentationNet {
  const { inChannels, numClasses, width: w, dtype } = segmenterSizes("atrousSegmenter", options);
  const { dilations = [1, 2, 4] } = options;
  if (!Array.isArray(dilations) || dilations.length < 1 || dilations.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new RangeError(`atrousSegmenter: dilations: expected at least one integer ≥ 1, got ${JSON.stringify(dilations)}`);
  }
  const stages: Array<[string, Module]> = [
    ["conv1", new Conv2d(inChannels, w, 3, rng, { padding: 1, dtype })],
    ["relu1", new ReLU()],
    ["pool1", new MaxPool2d(2)],
  ];
  dilations.forEach((d, k) => {
    stages.push([`atrous${k + 1}`, new Conv2d(w, w, 3, rng, { padding: d, dilation: d, dtype })], [`relu${k + 2}`, new ReLU()]);
  });
  stages.push(["classifier", new Conv2d(w, numClasses, 1, rng, { dtype })], ["upsample", new BilinearUpsample2d(2)]);
  return new SegmentationNet(stages, inChannels, numClasses, 2);
}

// ───────────────────────────── metrics ─────────────────────────────

/** The class of highest score at every pixel: logits [N, C, H, W] → int32 [N, H, W] (first index among ties). */
export function predictPixels(logits: Tensor): Tensor {
  if (logits.rank !== 4 || logits.dtype === "int32") throw new RangeError(`predictPixels: expected float logits [N, C, H, W], got ${logits.dtype} ${shapeString(logits.shape)}`);
  const [n, c, h, w] = logits.shape;
  const plane = h * w;
  const out = new Int32Array(n * plane);
  for (let b = 0; b < n; b++) {
    for (let p = 0; p < plane; p++) {
      let best = 0;
      for (let k = 1; k < c; k++) if (logits.data[(b * c + k) * plane + p] > logits.data[(b * c + best) * plane + p]) best = k;
      out[b * plane + p] = best;
    }
  }
  return new Tensor(out, [n, h, w]);
}

// ───────────────────────────── a synthetic dataset ─────────────────────────────

/**
 * `count` images [count, 1, size, size] of Gaussian noise (σ = `noise`) with
 * one bright square (value 1 + noise) of random side in [minSide, maxSide]
 * at a random place, and the labels int32 [count, size, size]: 1 on the
 * square, 0 elsewhere.
 */
export function brightSquares(count: number, rng: Random, options: { size?: number; minSide?: number; maxSide?: number; noise?: number; dtype?: FloatDType } = {}): { images: Tensor; labels: Tensor } {
  const { size = 16, minSide = 4, maxSide = 8, noise = 0.2, dtype = "float32" } = options;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`brightSquares: count: expected a positive integer, got ${String(count)}`);
  if (!Number.isInteger(minSide) || !Number.isInteger(maxSide) || minSide < 1 || maxSide < minSide || maxSide > size) {
    throw new RangeError(`brightSquares: expected 1 ≤ minSide ≤ maxSide ≤ size, got ${minSide}, ${maxSide}, ${size}`);
  }
  const images = randn([count, 1, size, size], rng, { std: noise, dtype });
  const labels = full([count, size, size], 0, "int32");
  for (let n = 0; n < count; n++) {
    const side = minSide + rng.int(maxSide - minSide + 1);
    const top = rng.int(size - side + 1), left = rng.int(size - side + 1);
    for (let i = top; i < top + side; i++) {
      for (let j = left; j < left + side; j++) {
        images.data[(n * size + i) * size + j] += 1;
        labels.data[(n * size + i) * size + j] = 1;
      }
    }
  }
  return { images, labels };
}
