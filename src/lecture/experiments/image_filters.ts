/**
 * Image filtering on a real photograph (001, "Averaging = Filtering",
 * "Gaussian Smoothing", "Sharpening Filter"; 004, "Linear filters: Example";
 * 003, "Filters" / "Derivatives": derivative-of-Gaussian filters beside
 * learned ones) and LeNet-5's learned first-layer filters (000, "CNN
 * architecture"; 003, "Convolutional Layer").
 *
 * The photograph is the shipped 128×128 "camera" picture (CC0,
 * src/data/images/). Each filter runs with "same" zero padding
 * (src/ops/filters.ts). Measured: the total variation TV(f) = Σ |f(i, j+1) −
 * f(i, j)| + |f(i+1, j) − f(i, j)| of each output (smoothing lowers it,
 * sharpening raises it), and how closely Sobel x and the derivative of
 * Gaussian agree (both estimate ∂f/∂x). LeNet-5 is trained briefly on the
 * embedded Fashion-MNIST subset; its six 5×5 conv1 filters are drawn before
 * and after training.
 */
import { fromArray, type Tensor } from "../../tensor.js";
import { boxKernel, convolve2d, correlate2d, gaussianDerivativeKernel, gaussianKernel, sharpenKernel, sobelXKernel, sobelYKernel } from "../../ops/filters.js";
import { imageGrid, imageGridPng, imageGridSvg, symmetricRange, type GridTile } from "../../train/image_grid.js";
import { loadTestImage } from "../../data/test_image.js";
import { trainLenetBriefly } from "./lenet_fashion.js";
import type { Experiment, ExperimentOptions, ExperimentResult } from "./experiment.js";

/** Σ |horizontal differences| + Σ |vertical differences| of a [H, W] image. */
export function totalVariation(t: Tensor): number {
  const [h, w] = t.shape;
  let tv = 0;
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      if (j + 1 < w) tv += Math.abs(t.data[i * w + j + 1] - t.data[i * w + j]);
      if (i + 1 < h) tv += Math.abs(t.data[(i + 1) * w + j] - t.data[i * w + j]);
    }
  }
  return tv;
}

/** Pearson correlation of two equally long arrays, over the interior (a border of `margin` pixels left out) of [h, w] images. */
function interiorCorrelation(a: ArrayLike<number>, b: ArrayLike<number>, h: number, w: number, margin: number): number {
  let n = 0, sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  for (let i = margin; i < h - margin; i++) {
    for (let j = margin; j < w - margin; j++) {
      const x = a[i * w + j], y = b[i * w + j];
      n++; sa += x; sb += y; saa += x * x; sbb += y * y; sab += x * y;
    }
  }
  return (sab - (sa * sb) / n) / Math.sqrt((saa - (sa * sa) / n) * (sbb - (sb * sb) / n));
}

/** The filters of the grid, in order: name, kernel, whether it is applied by convolution (else correlation), signed output. */
function filterBank(): Array<{ name: string; kernel: Tensor; convolve: boolean; signed: boolean }> {
  return [
    { name: "box 5×5", kernel: boxKernel(5), convolve: true, signed: false },
    { name: "Gaussian σ = 2", kernel: gaussianKernel(2), convolve: true, signed: false },
    { name: "sharpen 2·I − box", kernel: sharpenKernel(3), convolve: true, signed: false },
    { name: "Sobel x", kernel: sobelXKernel(), convolve: false, signed: true },
    { name: "Sobel y", kernel: sobelYKernel(), convolve: false, signed: true },
    { name: "∂G/∂x, σ = 1", kernel: gaussianDerivativeKernel(1, "x"), convolve: true, signed: true },
    { name: "∂G/∂y, σ = 1", kernel: gaussianDerivativeKernel(1, "y"), convolve: true, signed: true },
  ];
}

async function run({ quick, seed }: ExperimentOptions): Promise<ExperimentResult> {
  const photo = await loadTestImage();
  const image = fromArray(Array.from(photo.data, (p) => p / 255), [photo.height, photo.width], "float64");
  const outputs = filterBank().map((f) => ({ ...f, out: f.convolve ? convolve2d(image, f.kernel, "same") : correlate2d(image, f.kernel, "same") }));
  const tvImage = totalVariation(image);
  const tv = Object.fromEntries(outputs.map((o) => [o.name, totalVariation(o.out)]));
  const [H, W] = [photo.height, photo.width];
  const sobelVsDog = interiorCorrelation(outputs[3].out.data, outputs[5].out.data, H, W, 4);
  const sobelYVsDog = interiorCorrelation(outputs[4].out.data, outputs[6].out.data, H, W, 4);

  const tiles: GridTile[] = [
    { data: image.data, height: H, width: W, range: [0, 1], label: "photograph" },
    ...outputs.map((o) => ({ data: o.out.data, height: H, width: W, range: o.signed ? symmetricRange(o.out.data) : [0, 1] as [number, number], label: o.name })),
  ];
  const grid = imageGrid(tiles, { columns: 4, gap: 4 });
  const gridPng = await imageGridPng(grid);

  const lenet = await trainLenetBriefly(quick ? 100 : 580, quick ? 2 : 8, seed);
  const filterTiles = (weights: Float32Array, when: string): GridTile[] => Array.from({ length: 6 }, (_, f) => {
    const data = weights.subarray(25 * f, 25 * f + 25);
    return { data, height: 5, width: 5, range: symmetricRange(data), label: `${when} ${f}` };
  });
  const learned = imageGrid([...filterTiles(lenet.initialFilters, "init"), ...filterTiles(lenet.filters, "trained")], { columns: 6, zoom: 10, gap: 4, labelHeight: 12 });
  const learnedPng = await imageGridPng(learned);
  const change = Math.sqrt(lenet.filters.reduce((s, v, i) => s + (v - lenet.initialFilters[i]) ** 2, 0) / lenet.initialFilters.reduce((s, v) => s + v * v, 0));

  const ratio = (name: string) => tv[name] / tvImage;
  return {
    rows: [
      ...outputs.map((o) => ({ quantity: `TV(${o.name}) / TV(photograph)`, lecture: null, nnref: ratio(o.name), note: o.signed ? "a derivative: flat regions go to 0" : "below 1 smooths, above 1 sharpens" })),
      { quantity: "corr(Sobel x, ∂G/∂x σ = 1), interior", lecture: null, nnref: sobelVsDog, note: "both estimate ∂f/∂x" },
      { quantity: "corr(Sobel y, ∂G/∂y σ = 1), interior", lecture: null, nnref: sobelYVsDog },
      { quantity: "LeNet-5 test accuracy after brief training", lecture: null, nnref: lenet.testAccuracy, note: `${lenet.trainImages} Fashion-MNIST images, ${lenet.epochs} epoch(s); 1,000 test images` },
      { quantity: "conv1 filters: ‖trained − init‖ / ‖init‖", lecture: null, nnref: change },
    ],
    figures: [
      { file: "filters.png", kind: "png", data: gridPng, caption: "the grid alone, without the filters' names" },
      { file: "filters.svg", kind: "svg", data: imageGridSvg(grid, gridPng, { title: "Filters on the camera photograph (CC0)" }), caption: "The photograph and its box, Gaussian, sharpened, Sobel and derivative-of-Gaussian versions (signed outputs: 0 is mid-grey)" },
      { file: "lenet-filters.png", kind: "png", data: learnedPng, caption: "the grid alone, without labels" },
      { file: "lenet-filters.svg", kind: "svg", data: imageGridSvg(learned, learnedPng, { title: "LeNet-5 conv1: initial and learned filters" }), caption: "LeNet-5's six 5×5 conv1 filters at initialization (top) and after training on Fashion-MNIST (bottom); 0 is mid-grey" },
    ],
    claims: [
      { claim: "averaging (box) and Gaussian smoothing blur the photograph: total variation drops below 60 % of the photograph's", holds: ratio("box 5×5") < 0.6 && ratio("Gaussian σ = 2") < 0.6 },
      { claim: "the sharpening filter accentuates edges: total variation rises above the photograph's", holds: ratio("sharpen 2·I − box") > 1 },
      { claim: "Sobel and the derivative of Gaussian measure the same derivative: their responses correlate above 0.8 (x and y)", holds: sobelVsDog > 0.8 && sobelYVsDog > 0.8 },
      { claim: "LeNet-5's first-layer filters are learned: after training they differ from initialization by more than 10 %, and the net classifies well above chance (accuracy > 55 %; chance 10 %)", holds: change > 0.1 && lenet.testAccuracy > 0.55 },
    ],
    data: { image: { source: "scikit-image camera (CC0), 128×128", totalVariation: tvImage }, totalVariation: tv, sobelVsDog, sobelYVsDog, lenet: { trainImages: lenet.trainImages, epochs: lenet.epochs, losses: lenet.losses, testAccuracy: lenet.testAccuracy, filterChange: change } },
  };
}

/** 001/003/004's filters on a real photograph, and LeNet-5's learned conv1 filters. */
export const imageFilters: Experiment = {
  name: "image-filters",
  deck: "001 Introduction to ML week 6: Optimization, Regularization",
  slides: ["Averaging = Filtering", "Gaussian Smoothing; Smoothing by Gaussian filtering", "Sharpening Filter", "Filters; Derivatives; Filter Banks (003)"],
  title: "box, Gaussian, sharpening, Sobel and derivative-of-Gaussian filters on a photograph; LeNet-5's learned filters",
  fullRunTime: "~13 s CPU (LeNet-5: 8 epochs on 5,800 images; AMD EPYC VM, wasm kernels)",
  run,
};
