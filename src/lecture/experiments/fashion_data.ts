/**
 * The classification data of the training-curve experiments: the first images
 * of the Fashion-MNIST subset embedded in the package (src/data/embedded, a
 * stratified sample kept in its original order, so the first n images are
 * close to balanced over the ten classes), as flat rows of pixel/255.
 * Node only: the embedded files are read from the package's folder.
 */
import type { Tensor } from "../../tensor.js";
import { labelTensor, unitImages } from "../../data/rows.js";
import { loadEmbeddedDataset } from "../../data/node_files.js";

/** Rows x [n, 784] (values in [0, 1], float32) and class indices labels int32 [n]. */
export interface FlatSplit {
  x: Tensor;
  labels: Tensor;
}

/** The first `trainCount` training and `testCount` test images of the embedded Fashion-MNIST subset. */
export async function embeddedFashion(trainCount: number, testCount: number): Promise<{ train: FlatSplit; test: FlatSplit; source: string }> {
  const data = await loadEmbeddedDataset();
  return {
    train: { x: unitImages(data.train, { count: trainCount }), labels: labelTensor(data.train, trainCount) },
    test: { x: unitImages(data.test, { count: testCount }), labels: labelTensor(data.test, testCount) },
    source: `${data.source}: the first ${trainCount} training and ${testCount} test images`,
  };
}
