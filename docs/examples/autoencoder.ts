/**
 * Autoencoders on the embedded Fashion-MNIST subset (000, "Multi-Layered
 * Perceptron for Dimension Reduction: Autoencoders"; 004, "Autencoder",
 * "Stacked Autencoders for pretraining", "Fine-tuning").
 *
 * 1. Dimension reduction: 784 pixels → a 32-unit sigmoid code → 784, trained
 *    with cross-entropy ("MSE / CE loss can be used"), three ways — plain,
 *    TIED weights (decoder = encoderᵀ, half the weights) and SPARSE
 *    (β·Σ_j KL(ρ ‖ ρ̂_j), ρ = 0.05). Printed: the test images' reconstruction
 *    error next to predicting the mean training image, and the average code
 *    activation ρ̂ (the sparsity constraint pulls it to ρ).
 * 2. Greedy layer-wise pretraining then supervised fine-tuning (004): a
 *    784 → 128 → 32 stack of autoencoders trained without labels on all
 *    5,800 training images, then a classifier on top fine-tuned on only 50
 *    labelled images per class with the first layer FROZEN, next to the same
 *    network from random weights with the same (frozen) first layer and the
 *    same fine-tuning, and from random weights trained end to end (nothing
 *    frozen) on the same 500 images. Printed: test accuracy of the three.
 *
 * What it printed when written (wasm backend, ~17 s): test MSE 0.087 for the
 * mean image; plain 0.037 (ρ̂ 0.70), tied 0.045 with half the weights
 * (ρ̂ 0.48), sparse 0.075 (ρ̂ 0.048 — the code is sparse, at a price in
 * reconstruction at β = 1). Accuracy: pretrained + frozen layer 1 74.7 %,
 * random + frozen layer 1 54.5 %, random trained end to end 76.8 %. So the
 * pretrained first layer is a far better frozen feature extractor than a
 * random one, but with 500 labels this shallow sigmoid net also trains well
 * end to end from random weights: 004's table (Bengio et al. 2007: pretraining
 * helps deep nets) is about deeper nets than this.
 *
 *   node --import tsx docs/examples/autoencoder.ts
 *
 * Seeded: the same numbers every run (on one backend).
 */
import {
  Adam, Linear, Random, Sequential, Sigmoid, classifierAccuracy, denseAutoencoder, encodeAll, fitClassifier, freeze, getBackend, labelTensor, pretrainStackedAutoencoder,
  reconstructionError, selectRows, stratifiedIndices, trainAutoencoder, trainableParameters, unitImages, type Autoencoder, type SparsityOptions, type Tensor,
} from "../../src/index.js";
import { loadEmbeddedDataset } from "../../src/data/node_files.js";

const started = performance.now();
const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
const data = await loadEmbeddedDataset();
const xTrain = unitImages(data.train); // [5800, 784] in [0, 1]
const xTest = unitImages(data.test); // [1000, 784]
console.log(`${data.source}: ${data.train.count} training and ${data.test.count} test images, backend ${getBackend()}\n`);

// ── 1. dimension reduction ──

/** MSE of predicting every test image by the mean training image. */
function meanImageError(train: Tensor, test: Tensor): number {
  const [n, d] = train.shape;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += train.data[i * d + j] / n;
  let s = 0;
  for (let q = 0; q < test.size; q++) s += (test.data[q] - mean[q % d]) ** 2;
  return s / test.size;
}

function meanCode(ae: Autoencoder, x: Tensor): number {
  const z = encodeAll(ae.encoder, x);
  let s = 0;
  for (let q = 0; q < z.size; q++) s += z.data[q];
  return s / z.size;
}

console.log("1. 784 → 32 → 784 sigmoid autoencoders, cross-entropy, 8 epochs of Adam (lr 2e-3, batch 64)");
console.log(`   predicting the mean training image: test MSE ${meanImageError(xTrain, xTest).toFixed(4)}`);
const variants: Array<{ name: string; tied: boolean; sparsity: SparsityOptions | null }> = [
  { name: "plain", tied: false, sparsity: null },
  { name: "tied weights", tied: true, sparsity: null },
  { name: "sparse ρ=0.05 β=1", tied: false, sparsity: { rho: 0.05, beta: 1 } },
];
for (const v of variants) {
  const rng = new Random(1);
  const ae = denseAutoencoder([784, 32], rng, { tied: v.tied });
  trainAutoencoder(ae, xTrain, { epochs: 8, batchSize: 64, rng, loss: "bce", lr: 2e-3, sparsity: v.sparsity });
  console.log(`   ${v.name.padEnd(18)} ${String(ae.parameterCount()).padStart(6)} parameters   test MSE ${reconstructionError(ae, xTest, "mse").toFixed(4)}   mean code activation ρ̂ ${meanCode(ae, xTest).toFixed(3)}   (${seconds()} s)`);
}

// ── 2. greedy layer-wise pretraining, then fine-tuning with the first layer frozen ──

const perClass = 50;
const labelled = stratifiedIndices(data.train, perClass, new Random(2));
const xLabelled = selectRows(xTrain, labelled);
const yLabelled = selectRows(labelTensor(data.train), labelled);
const yTest = labelTensor(data.test);
console.log(`\n2. stacked autoencoders 784 → 128 → 32 (5 epochs per layer, all ${data.train.count} images, no labels),`);
console.log(`   then Linear(32, 10) on top, fine-tuned on ${perClass} labelled images per class (${labelled.length}) with layer 1 frozen, 60 epochs`);

const rng = new Random(3);
const pre = pretrainStackedAutoencoder(xTrain, {
  hidden: [128, 32], rng, epochs: 5, batchSize: 64, lr: 2e-3, loss: "bce",
  onLayer: (k, h) => console.log(`   pretrained layer ${k + 1}: reconstruction loss ${h[0].reconstruction.toFixed(4)} → ${h[h.length - 1].reconstruction.toFixed(4)}   (${seconds()} s)`),
});
const pretrained = new Sequential(...pre.encoder.namedChildren().map(([, m]) => m), new Linear(32, 10, rng));
freeze(pretrained.at(0));
fitClassifier(pretrained, xLabelled, yLabelled, { epochs: 60, batchSize: 25, rng, optimizer: new Adam(trainableParameters(pretrained), { lr: 2e-3 }) });

const scratchRng = new Random(3);
const scratch = new Sequential(new Linear(784, 128, scratchRng), new Sigmoid(), new Linear(128, 32, scratchRng), new Sigmoid(), new Linear(32, 10, scratchRng));
freeze(scratch.at(0));
fitClassifier(scratch, xLabelled, yLabelled, { epochs: 60, batchSize: 25, rng: scratchRng, lr: 2e-3 });

const endToEndRng = new Random(3);
const endToEnd = new Sequential(new Linear(784, 128, endToEndRng), new Sigmoid(), new Linear(128, 32, endToEndRng), new Sigmoid(), new Linear(32, 10, endToEndRng));
fitClassifier(endToEnd, xLabelled, yLabelled, { epochs: 60, batchSize: 25, rng: endToEndRng, lr: 2e-3 });

console.log(`   test accuracy, pretrained then fine-tuned (layer 1 frozen):  ${(100 * classifierAccuracy(pretrained, xTest, yTest)).toFixed(1)} %`);
console.log(`   test accuracy, random weights, same fine-tuning:             ${(100 * classifierAccuracy(scratch, xTest, yTest)).toFixed(1)} %`);
console.log(`   test accuracy, random weights, nothing frozen, same epochs:  ${(100 * classifierAccuracy(endToEnd, xTest, yTest)).toFixed(1)} %`);
console.log(`\n(${seconds()} s in all)`);
