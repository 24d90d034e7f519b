/**
 * LeNet-5 trained briefly on the embedded Fashion-MNIST subset, shared by the
 * experiments that look inside it (learned first-layer filters,
 * misclassified test images). Node-only: it reads the embedded dataset.
 * Inputs are pixel/255 in [0, 1], [N, 1, 28, 28]; Adam (lr 2e-3), batches of 10.
 */
import { Random } from "../../random.js";
import type { Tensor } from "../../tensor.js";
import { Variable } from "../../autograd/variable.js";
import { noGrad } from "../../autograd/apply.js";
import type { Conv2d } from "../../nn/conv.js";
import type { Sequential } from "../../nn/sequential.js";
import { lenet5 } from "../../models/lenet5.js";
import { classifierAccuracy, fitClassifier } from "../../train/fit.js";
import { argmaxRows } from "../../train/metrics.js";
import { selectImages, stratifiedIndices } from "../../data/dataset.js";
import { labelTensor, unitImages } from "../../data/rows.js";
import { loadEmbeddedDataset } from "../../data/node_files.js";

/** What the brief training leaves: the model, conv1's weights before and after, and the test predictions. */
export interface BriefLenet {
  model: Sequential;
  /** conv1's weights [6, 1, 5, 5] at initialization. */
  initialFilters: Float32Array;
  /** conv1's weights [6, 1, 5, 5] after training. */
  filters: Float32Array;
  trainImages: number;
  epochs: number;
  losses: number[];
  /** Test images [N, 1, 28, 28] in [0, 1], their labels and the predicted classes. */
  test: { x: Tensor; labels: Uint8Array; predicted: Int32Array };
  testAccuracy: number;
}

/**
 * Trains LeNet-5 on `perClass` embedded training images of each class (a
 * stratified sample drawn with the seed; at most 580) for `epochs`, and
 * tests on all 1,000 test images.
 */
export async function trainLenetBriefly(perClass: number, epochs: number, seed: number): Promise<BriefLenet> {
  const data = await loadEmbeddedDataset();
  const rng = new Random(seed);
  const model = lenet5(rng);
  const conv1 = model.at(0) as Conv2d;
  const initialFilters = Float32Array.from(conv1.weight.value.data);
  const train = selectImages(data.train, stratifiedIndices(data.train, Math.min(perClass, 580), rng));
  const x = unitImages(train, { flatten: false });
  const losses = fitClassifier(model, x, labelTensor(train), { epochs, batchSize: 10, rng, lr: 2e-3 });
  const testX = unitImages(data.test, { flatten: false });
  const testY = labelTensor(data.test);
  const testAccuracy = classifierAccuracy(model, testX, testY);
  model.eval();
  const predicted = noGrad(() => argmaxRows(model.forward(new Variable(testX)).value));
  return {
    model, initialFilters, filters: Float32Array.from(conv1.weight.value.data), trainImages: train.count, epochs, losses,
    test: { x: testX, labels: Uint8Array.from(data.test.labels), predicted }, testAccuracy,
  };
}
