/**
 * Semantic segmentation on synthetic shapes (000, "Semantic Segmentation":
 * downsampling by pooling, upsampling by unpooling or transposed
 * convolution, "Predictions: H x W"; 001, "Fully Convolutional Networks for
 * Segmentation" and "Deeplab: Atrous Convolution + Structured Prediction").
 *
 * Each image (noise σ = 0.2) holds a bright square (+1) and a dark disc
 * (−1) of random size and place on a grey (0) background; every pixel is
 * labelled 0 background, 1 square, 2 disc. The three networks of
 * src/models/segmentation.ts (FCN with max unpooling, FCN with transposed
 * convolutions, atrous convolutions with bilinear upsampling) are trained
 * with the per-pixel cross-entropy and tested on images they never saw;
 * the figure shows input, truth and the three predictions side by side.
 */
import { Random } from "../../random.js";
import { Tensor } from "../../tensor.js";
import { Variable } from "../../autograd/variable.js";
import { noGrad } from "../../autograd/apply.js";
import { atrousSegmenter, fcnSegmenter, predictPixels, type SegmentationNet } from "../../models/segmentation.js";
import { majorityClassRate, meanIoU, pixelAccuracy } from "../../train/metrics.js";
import { fitClassifier } from "../../train/fit.js";
import { imageGrid, imageGridPng, imageGridSvg, labelMapTile, type GridTile } from "../../train/image_grid.js";
import type { Experiment, ExperimentOptions, ExperimentResult } from "./experiment.js";

/**
 * `count` images [count, 1, size, size]: Gaussian noise (σ 0.2) plus a
 * square of value +1 and a disc of value −1 (sides and diameters in [size/4, size/2]),
 * placed at random, the disc drawn over the square; labels int32
 * [count, size, size]: 0 background, 1 square, 2 disc.
 */
export function squaresAndDiscs(count: number, size: number, rng: Random): { images: Tensor; labels: Tensor } {
  const images = new Float32Array(count * size * size);
  const labels = new Int32Array(count * size * size);
  const lo = Math.max(3, Math.floor(size / 4)), hi = Math.floor(size / 2);
  for (let n = 0; n < count; n++) {
    const base = n * size * size;
    for (let p = 0; p < size * size; p++) images[base + p] = 0.2 * rng.normal();
    const side = lo + rng.int(hi - lo + 1);
    const top = rng.int(size - side + 1), left = rng.int(size - side + 1);
    for (let i = top; i < top + side; i++) for (let j = left; j < left + side; j++) labels[base + i * size + j] = 1;
    const d = lo + rng.int(hi - lo + 1), r = d / 2;
    const cy = r + rng.uniform() * (size - d), cx = r + rng.uniform() * (size - d);
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) if ((i + 0.5 - cy) ** 2 + (j + 0.5 - cx) ** 2 <= r * r) labels[base + i * size + j] = 2;
    }
    for (let p = 0; p < size * size; p++) images[base + p] += [0, 1, -1][labels[base + p]];
  }
  return { images: new Tensor(images, [count, 1, size, size]), labels: new Tensor(labels, [count, size, size]) };
}

const NETWORKS: Array<[string, (rng: Random) => SegmentationNet]> = [
  ["unpooling", (rng) => fcnSegmenter(rng, { numClasses: 3, width: 8 })],
  ["transposed", (rng) => fcnSegmenter(rng, { numClasses: 3, width: 8, upsampling: "transposed" })],
  ["atrous", (rng) => atrousSegmenter(rng, { numClasses: 3, width: 12 })],
];

async function run({ quick, seed }: ExperimentOptions): Promise<ExperimentResult> {
  const size = quick ? 16 : 32, trainCount = quick ? 32 : 300, testCount = quick ? 32 : 200, epochs = quick ? 30 : 20;
  const rng = new Random(seed);
  const train = squaresAndDiscs(trainCount, size, rng);
  const test = squaresAndDiscs(testCount, size, rng);
  const majority = majorityClassRate(test.labels, 3);
  const results: Array<{ name: string; params: number; losses: number[]; accuracy: number; iou: number; perClass: Array<number | null>; predicted: Tensor }> = [];
  for (const [name, build] of NETWORKS) {
    const netRng = rng.fork();
    const model = build(netRng);
    const losses = fitClassifier(model, train.images, train.labels, { epochs, batchSize: 8, rng: netRng, lr: 1e-2 });
    model.eval();
    const predicted = noGrad(() => predictPixels(model.forward(new Variable(test.images)).value));
    const { perClass, mean } = meanIoU(predicted, test.labels, 3);
    results.push({ name, params: model.parameterCount(), losses, accuracy: pixelAccuracy(predicted, test.labels), iou: mean, perClass, predicted });
  }
  const shown = 6, plane = size * size;
  const tiles: GridTile[] = [];
  for (let n = 0; n < shown; n++) {
    tiles.push({ data: test.images.data.subarray(n * plane, (n + 1) * plane), height: size, width: size, label: n === 0 ? "input" : undefined });
    tiles.push(labelMapTile(test.labels.data.subarray(n * plane, (n + 1) * plane), size, size, n === 0 ? "truth" : undefined));
    for (const r of results) tiles.push(labelMapTile(r.predicted.data.subarray(n * plane, (n + 1) * plane), size, size, n === 0 ? r.name : undefined));
  }
  const grid = imageGrid(tiles, { columns: 5, zoom: quick ? 4 : 3, gap: 4, labelHeight: 14 });
  const png = await imageGridPng(grid);
  return {
    rows: [
      { quantity: "majority class (background) rate, test pixels", lecture: null, nnref: majority, note: "what predicting background everywhere scores" },
      ...results.flatMap((r) => [
        { quantity: `${r.name}: test pixel accuracy`, lecture: null, nnref: r.accuracy, note: `${r.params} parameters; loss ${r.losses[0].toFixed(3)} → ${r.losses[r.losses.length - 1].toFixed(3)}` },
        { quantity: `${r.name}: mean IoU (background, square, disc)`, lecture: null, nnref: r.iou, note: `per class ${r.perClass.map((v) => (v === null ? "–" : v.toFixed(2))).join(", ")}` },
      ]),
    ],
    figures: [
      { file: "segmentation.png", kind: "png", data: png, caption: "the grid alone, without column names" },
      { file: "segmentation.svg", kind: "svg", data: imageGridSvg(grid, png, { title: "Segmentation of squares and discs: input, truth, three networks" }), caption: "Unseen test images: input, truth, unpooling, transposed convolution, atrous (black background, orange square, blue disc)" },
    ],
    claims: [
      { claim: "downsampling then upsampling inside the network predicts a class per pixel: every network beats the majority-class rate by 10 points on unseen images", holds: results.every((r) => r.accuracy > majority + 0.1) },
      { claim: "the masks follow the shapes: mean IoU over background, square and disc > 0.6 for each network", holds: results.every((r) => r.iou > 0.6) },
    ],
    data: { size, trainCount, testCount, epochs, majority, networks: results.map(({ predicted: _p, ...r }) => r) },
  };
}

/** 000/001's segmentation networks on synthetic shapes. */
export const segmentation: Experiment = {
  name: "segmentation",
  deck: "000 Machine Learning 15: Neural Networks and Deep Learning",
  slides: ["Semantic Segmentation", "Fully Convolutional Networks for Segmentation (001)", "Deeplab: Atrous Convolution + Structured Prediction (001)"],
  title: "FCN with unpooling vs transposed convolution vs atrous convolution on squares and discs, with masks",
  fullRunTime: "~30 s CPU (300 images of 32×32, 20 epochs, three networks; AMD EPYC VM, wasm kernels)",
  run,
};
