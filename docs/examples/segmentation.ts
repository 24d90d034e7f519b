/**
 * Semantic segmentation on Fashion-MNIST (000, "Semantic Segmentation":
 * downsampling by pooling, upsampling by unpooling or transposed
 * convolution, "Predictions: H x W"; 001, "Fully Convolutional Networks for
 * Segmentation" and DeepLab's atrous convolution with bilinear upsampling).
 *
 * Each pixel of a 28×28 image of the embedded subset is labelled 0
 * ("background": intensity below 0.1) or 1 + the image's class — 11 classes
 * per pixel, so the network must both find the object and name it from the
 * context around each pixel. Three networks (src/models/segmentation.ts) are
 * trained with the per-pixel cross-entropy on 1,000 training images (6 epochs) and
 * evaluated on the 1,000 test images:
 *
 *   unpooling      conv-pool-conv-pool, then max unpooling with the pools' switches
 *   transposed     the same, upsampling by 2×2 transposed convolutions (stride 2)
 *   atrous         conv-pool, 3×3 convolutions with dilation 1, 2, 4, bilinear ×2
 *
 * Printed: pixel accuracy and mean IoU on the test images, next to the
 * majority-class rate (predicting "background" everywhere) and to what a
 * perfect mask with a wrong class would score; the IoU of each class for the
 * best network; and three test images with their true and predicted label maps
 * as text.
 *
 * What it printed when written (~38 s, wasm): background is 54.4 % of the
 * test pixels; unpooling 62.6 % pixel accuracy (mean IoU 0.17), transposed
 * 63.4 % (0.20), atrous 74.2 % (0.40). All three find the object's outline
 * (background IoU ≈ 0.9); naming its class per pixel needs context from the
 * whole garment, and the atrous network's receptive field (32 × 32 pixels,
 * more than the image) gives it that where the two encoder–decoders'
 * (at most about 18 × 18: 10 × 10 at the bottleneck, widened by the two
 * decoder convolutions) do not.
 *
 *   node --import tsx docs/examples/segmentation.ts
 */
import {
  Random, Tensor, Variable, atrousSegmenter, fcnSegmenter, fitClassifier, getBackend, majorityClassRate, meanIoU, noGrad, pixelAccuracy, predictPixels, selectImages, unitImages,
  FASHION_MNIST_CLASSES, type ImageDataset, type SegmentationNet,
} from "../../src/index.js";
import { loadEmbeddedDataset } from "../../src/data/node_files.js";

const started = performance.now();
const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
const data = await loadEmbeddedDataset();
const CLASSES = 11;
const THRESHOLD = 0.1;

/** Images [N, 1, 28, 28] in [0, 1] and per-pixel labels int32 [N, 28, 28]: 0 below THRESHOLD, else 1 + class. */
function segmentationSet(d: ImageDataset, count: number): { x: Tensor; y: Tensor } {
  const subset = selectImages(d, Array.from({ length: count }, (_, i) => i));
  const x = unitImages(subset, { flatten: false });
  const y = new Int32Array(count * 784);
  for (let n = 0; n < count; n++) for (let p = 0; p < 784; p++) y[n * 784 + p] = x.data[n * 784 + p] < THRESHOLD ? 0 : 1 + subset.labels[n];
  return { x, y: new Tensor(y, [count, 28, 28]) };
}

/** The predicted class map of every image of x [N, 1, 28, 28] → int32 [N, 28, 28] (batches of 250, no graph). */
function predict(model: SegmentationNet, x: Tensor): Tensor {
  const n = x.shape[0];
  const out = new Int32Array(n * 784);
  noGrad(() => {
    for (let start = 0; start < n; start += 250) {
      const end = Math.min(n, start + 250);
      const batch = new Tensor(x.data.slice(start * 784, end * 784), [end - start, 1, 28, 28]);
      out.set(predictPixels(model.forward(new Variable(batch)).value).data, start * 784);
    }
  });
  return new Tensor(out, [n, 28, 28]);
}

const train = segmentationSet(data.train, 1000);
const test = segmentationSet(data.test, data.test.count);
const majority = majorityClassRate(test.y, CLASSES);
// a perfect foreground/background mask that names a wrong class everywhere: only background pixels right
console.log(`backend ${getBackend()}; 11 pixel classes: background, ${FASHION_MNIST_CLASSES.join(", ")}`);
console.log(`test pixels: majority class (background) ${(100 * majority).toFixed(1)} %; a perfect mask with a wrong class would score ${(100 * majority).toFixed(1)} % too — the rest needs the right class\n`);

const networks: Array<[string, (rng: Random) => SegmentationNet]> = [
  ["unpooling", (rng) => fcnSegmenter(rng, { numClasses: CLASSES, width: 16 })],
  ["transposed", (rng) => fcnSegmenter(rng, { numClasses: CLASSES, width: 16, upsampling: "transposed" })],
  ["atrous", (rng) => atrousSegmenter(rng, { numClasses: CLASSES, width: 24 })],
];
let best: { name: string; predicted: Tensor; iou: number } | null = null;
for (const [name, build] of networks) {
  const rng = new Random(1);
  const model = build(rng);
  const t0 = performance.now();
  const losses = fitClassifier(model, train.x, train.y, { epochs: 6, batchSize: 20, rng, lr: 3e-3 });
  const trainSeconds = (performance.now() - t0) / 1000;
  const predicted = predict(model, test.x);
  const { mean } = meanIoU(predicted, test.y, CLASSES);
  console.log(`${name.padEnd(11)} ${String(model.parameterCount()).padStart(6)} parameters   loss ${losses[0].toFixed(3)} → ${losses[losses.length - 1].toFixed(3)}   test pixel accuracy ${(100 * pixelAccuracy(predicted, test.y)).toFixed(1)} %   mean IoU ${mean.toFixed(3)}   (${trainSeconds.toFixed(1)} s training)`);
  if (!best || mean > best.iou) best = { name, predicted, iou: mean };
}

const { perClass } = meanIoU(best!.predicted, test.y, CLASSES);
console.log(`\nIoU per class (${best!.name}): ${["background", ...FASHION_MNIST_CLASSES].map((c, k) => `${c} ${perClass[k] === null ? "–" : perClass[k]!.toFixed(2)}`).join(", ")}`);

const symbols = ".0123456789";
const shown = [0, 1, 2].map((k) => k * 7); // three test images
console.log(`\ntest images ${shown.join(", ")}: true labels | predicted (${best!.name}); . background, digit = class (${FASHION_MNIST_CLASSES.map((c, k) => `${k} ${c}`).join(", ")})`);
for (const n of shown) {
  console.log(`image ${n}: a ${FASHION_MNIST_CLASSES[data.test.labels[n]]}`);
  for (let r = 0; r < 28; r += 2) {
    const row = (t: Tensor) => Array.from({ length: 28 }, (_, c) => symbols[t.data[n * 784 + r * 28 + c]]).join("");
    console.log(`   ${row(test.y)}   ${row(best!.predicted)}`);
  }
}
console.log(`\n(${seconds()} s in all; rows of the maps shown every other pixel row)`);
