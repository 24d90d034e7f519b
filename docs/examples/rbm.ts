/**
 * Restricted Boltzmann machines and a deep belief net on the embedded
 * Fashion-MNIST subset (004, "Deep Belief Networks (Hinton et al. 2006)":
 * P(h_i = 1|x) = sigmoid(c_i + Σ_j W_ij x_j), P(x_j = 1|h) = sigmoid(b_j +
 * Σ_i W_ij h_i), "RBM trained by approximate stochastic gradient descent",
 * greedy stacking, "The RBM parameters correspond to the parameters of the
 * feed-forward multi-layer neural network").
 *
 * Pixel intensities / 255 serve as the probabilities of binary visible units
 * (as in Hinton's MNIST experiments). Printed:
 * 1. an RBM with 64 hidden units trained by CD-1 on 2,000 images: the
 *    reconstruction error epoch by epoch, and the free energy
 *    F(x) = −bᵀx − Σ_i log(1 + e^(c_i + W_i·x)) of test images against
 *    random images of the same mean brightness (P(x) ∝ e^(−F(x)): the
 *    trained model makes real images far more probable);
 * 2. a deep belief net 784 → 128 → 64 pretrained greedily on all 5,800
 *    training images without labels, unrolled into Linear + Sigmoid layers
 *    with a Linear(64, 10) on top and fine-tuned on 50 labelled images per
 *    class, next to the same network from random weights, same fine-tuning.
 *
 * What it printed when written (~33 s): reconstruction error 0.170 → 0.048
 * in 5 epochs; mean free energy −61 for test images vs +96 for random ones;
 * DBN layers 0.046 → 0.041 and 0.034 → 0.023; test accuracy after
 * fine-tuning 78.1 % DBN-initialized vs 76.6 % from random weights — a
 * small gain at this depth and label count.
 *
 *   node --import tsx docs/examples/rbm.ts
 *
 * The RBM is the lecture's loops in plain JavaScript (src/lecture/rbm.ts),
 * not the wasm kernels; seeded, so every run prints the same numbers.
 */
import { Linear, Random, Sequential, Sigmoid, Tensor, classifierAccuracy, fitClassifier, labelTensor, lecture, selectRows, stratifiedIndices, unitImages } from "../../src/index.js";
import { loadEmbeddedDataset } from "../../src/data/node_files.js";

const started = performance.now();
const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
const data = await loadEmbeddedDataset();
const xTrain = unitImages(data.train, { dtype: "float64" });
const xTest = unitImages(data.test, { dtype: "float64" });
const yTest = labelTensor(data.test);
const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;

// ── 1. one RBM ──
const rng = new Random(1);
const x2000 = selectRows(xTrain, Int32Array.from({ length: 2000 }, (_, i) => i));
const rbm = new lecture.RBM(784, 64, rng);
console.log(`1. RBM 784 visible × 64 hidden, CD-1, lr 0.05, batch 20, on 2,000 images`);
console.log(`   reconstruction error (mean of (x − P(x|h = P(h|x)))²) before training: ${rbm.reconstructionError(xTest).toFixed(4)} on the test images`);
lecture.trainRBM(rbm, x2000, {
  epochs: 5, batchSize: 20, k: 1, lr: 0.05, rng,
  onEpoch: (epoch) => console.log(`   epoch ${epoch}: test reconstruction error ${rbm.reconstructionError(xTest).toFixed(4)}   (${seconds()} s)`),
});
// random images with each test image's mean brightness, pixel by pixel Bernoulli
const noise = new Float64Array(xTest.size);
for (let i = 0; i < xTest.shape[0]; i++) {
  const m = mean(xTest.data.subarray(i * 784, (i + 1) * 784));
  for (let j = 0; j < 784; j++) noise[i * 784 + j] = rng.bernoulli(m);
}
const fReal = mean(rbm.freeEnergy(xTest));
const fNoise = mean(rbm.freeEnergy(new Tensor(noise, xTest.shape)));
console.log(`   mean free energy F(x): test images ${fReal.toFixed(1)}, random images of the same brightness ${fNoise.toFixed(1)}`);
console.log(`   → log P(test image) − log P(random image) = F(random) − F(test) ≈ ${(fNoise - fReal).toFixed(0)} on average (P(x) ∝ e^(−F(x)))`);

// ── 2. deep belief net ──
console.log(`\n2. deep belief net 784 → 128 → 64: each RBM 2 epochs of CD-1 on all ${data.train.count} training images (no labels)`);
const dbnRng = new Random(2);
const { rbms } = lecture.deepBeliefNet(xTrain, {
  hidden: [128, 64], epochs: 2, batchSize: 20, k: 1, lr: 0.05, rng: dbnRng,
  onLayer: (k, h) => console.log(`   RBM ${k + 1} trained: reconstruction error ${h.map((e) => e.toFixed(4)).join(" → ")}   (${seconds()} s)`),
});
const labelled = stratifiedIndices(data.train, 50, new Random(3));
const xLabelled = selectRows(xTrain, labelled).astype("float32");
const yLabelled = selectRows(labelTensor(data.train), labelled);
const x32Test = xTest.astype("float32");

const dbn = lecture.unrollDeepBeliefNet(rbms, { numClasses: 10, rng: dbnRng });
console.log(`   unrolled: ${dbn.namedChildren().map(([, m]) => m.describe()).join(" → ")}`);
fitClassifier(dbn, xLabelled, yLabelled, { epochs: 60, batchSize: 25, rng: dbnRng, lr: 2e-3 });
const scratchRng = new Random(2);
const scratch = new Sequential(new Linear(784, 128, scratchRng), new Sigmoid(), new Linear(128, 64, scratchRng), new Sigmoid(), new Linear(64, 10, scratchRng));
fitClassifier(scratch, xLabelled, yLabelled, { epochs: 60, batchSize: 25, rng: scratchRng, lr: 2e-3 });
console.log(`   fine-tuned on ${labelled.length} labelled images (60 epochs, Adam 2e-3):`);
console.log(`   test accuracy, DBN-initialized:    ${(100 * classifierAccuracy(dbn, x32Test, yTest)).toFixed(1)} %`);
console.log(`   test accuracy, random initialized: ${(100 * classifierAccuracy(scratch, x32Test, yTest)).toFixed(1)} %`);
console.log(`\n(${seconds()} s in all)`);
