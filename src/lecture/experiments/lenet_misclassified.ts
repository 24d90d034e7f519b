/**
 * LeNet-5's mistakes (001, "Deep learning, AD 1993": "The 82 errors made by
 * LeNet5", the MNIST test
 * digits it got wrong, each with its true and predicted class; 000, "CNN
 * architecture"). Here on the embedded Fashion-MNIST subset: LeNet-5
 * trained briefly (./lenet_fashion.ts), then the first misclassified test
 * images as a grid, labelled "true → predicted", and the most frequent
 * confusions.
 */
import { FASHION_MNIST_CLASSES } from "../../data/dataset.js";
import { imageGrid, imageGridPng, imageGridSvg, type GridTile } from "../../train/image_grid.js";
import { trainLenetBriefly } from "./lenet_fashion.js";
import type { Experiment, ExperimentOptions, ExperimentResult } from "./experiment.js";

const SHOWN = 32;

async function run({ quick, seed }: ExperimentOptions): Promise<ExperimentResult> {
  const lenet = await trainLenetBriefly(quick ? 100 : 580, quick ? 2 : 8, seed);
  const { x, labels, predicted } = lenet.test;
  const wrong: number[] = [];
  for (let i = 0; i < labels.length; i++) if (predicted[i] !== labels[i]) wrong.push(i);
  const confusions = new Map<string, number>();
  for (const i of wrong) {
    const key = `${FASHION_MNIST_CLASSES[labels[i]]} → ${FASHION_MNIST_CLASSES[predicted[i]]}`;
    confusions.set(key, (confusions.get(key) ?? 0) + 1);
  }
  const top = [...confusions.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 5);
  const tiles: GridTile[] = wrong.slice(0, SHOWN).map((i) => ({
    data: x.data.subarray(i * 784, (i + 1) * 784), height: 28, width: 28, range: [0, 1],
    label: `${FASHION_MNIST_CLASSES[labels[i]].split("/")[0]} → ${FASHION_MNIST_CLASSES[predicted[i]].split("/")[0]}`,
  }));
  const figures: ExperimentResult["figures"] = [];
  if (tiles.length) {
    const grid = imageGrid(tiles, { columns: 8, zoom: 3, gap: 6, labelHeight: 14 });
    const png = await imageGridPng(grid);
    figures.push(
      { file: "misclassified.png", kind: "png", data: png, caption: "the grid alone, without labels" },
      { file: "misclassified.svg", kind: "svg", data: imageGridSvg(grid, png, { title: "LeNet-5's misclassified Fashion-MNIST test images: true → predicted", scale: 1 }), caption: `The first ${tiles.length} misclassified test images, true → predicted class` },
    );
  }
  // The predictions themselves are checked: every listed image really is misclassified, every other one right.
  let consistent = true;
  for (let i = 0; i < labels.length; i++) if ((predicted[i] !== labels[i]) !== wrong.includes(i)) consistent = false;
  const confusedShirts = top.some(([k]) => /Shirt|T-shirt|Pullover|Coat/.test(k.split(" → ")[0]) && /Shirt|T-shirt|Pullover|Coat/.test(k.split(" → ")[1]));
  return {
    rows: [
      { quantity: "misclassified test images", lecture: 82, nnref: wrong.length, note: "the slide: LeNet-5 on 10,000 MNIST digits; here 1,000 Fashion-MNIST images, brief training" },
      { quantity: "test error", lecture: 0.0082, nnref: wrong.length / labels.length, note: "Fashion-MNIST is harder than MNIST's digits" },
      ...top.map(([k, n]) => ({ quantity: `confusion ${k}`, lecture: null, nnref: n })),
    ],
    figures,
    claims: [
      { claim: "LeNet-5 classifies well above chance (test error < 45 %; chance is 90 %) and the grid shows exactly its mistakes", holds: wrong.length / labels.length < 0.45 && consistent && tiles.length > 0 },
      { claim: "its mistakes are between similar-looking classes: the most frequent confusions include two upper-body garments (shirt, T-shirt, pullover, coat)", holds: confusedShirts },
    ],
    data: { trainImages: lenet.trainImages, epochs: lenet.epochs, testAccuracy: lenet.testAccuracy, misclassified: wrong.length, shown: wrong.slice(0, SHOWN), confusions: Object.fromEntries(top) },
  };
}

/** 001's LeNet-5 mistakes, on Fashion-MNIST. */
export const lenetMisclassified: Experiment = {
  name: "lenet-misclassified",
  deck: "001 Introduction to ML week 6: Optimization, Regularization",
  slides: ["Deep learning, AD 1993"],
  title: "LeNet-5's misclassified Fashion-MNIST test images with true and predicted labels",
  fullRunTime: "~13 s CPU (LeNet-5: 8 epochs on 5,800 images; AMD EPYC VM, wasm kernels)",
  run,
};
