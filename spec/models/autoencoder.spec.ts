/**
 * Autoencoders (000; 004's sparse and stacked autoencoders): the forward by
 * hand, tied weights against finite differences, training that reconstructs
 * a low-dimensional toy dataset far better than the mean does, the sparsity
 * penalty pulling average activations toward ρ, greedy layer-wise
 * pretraining plus fine-tuning with the first layer frozen, determinism.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fromArray, randn, Tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { Variable } from "../../src/autograd/variable.js";
import { Linear, Sequential } from "../../src/nn/index.js";
import { OpError } from "../../src/errors.js";
import {
  Autoencoder, TiedLinear, denseAutoencoder, encodeAll, pretrainStackedAutoencoder, reconstructionError, reconstructionLoss, sparsityPenalty, trainAutoencoder,
} from "../../src/models/autoencoder.js";
import { classifierAccuracy } from "../../src/train/fit.js";

const sigma = (z: number) => 1 / (1 + Math.exp(-z));

/** N rows of d = 8 features in (0, 1) driven by 2 latent factors: x = σ(A·u + noise), u ~ N(0, I₂). */
function lowRankData(n: number, seed: number): Tensor {
  const rng = new Random(seed);
  const A = Array.from({ length: 8 }, () => [2 * rng.normal(), 2 * rng.normal()]);
  const out = new Float64Array(n * 8);
  for (let i = 0; i < n; i++) {
    const u = [rng.normal(), rng.normal()];
    for (let j = 0; j < 8; j++) out[i * 8 + j] = sigma(A[j][0] * u[0] + A[j][1] * u[1] + 0.05 * rng.normal());
  }
  return fromArray(out, [n, 8], "float64");
}

/** Mean over features of the per-feature variance: the MSE of reconstructing every row by the column means. */
function meanPredictorError(x: Tensor): number {
  const [n, d] = x.shape;
  let total = 0;
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += x.data[i * d + j] / n;
    for (let i = 0; i < n; i++) total += (x.data[i * d + j] - mean) ** 2;
  }
  return total / (n * d);
}

test("denseAutoencoder([4, 3, 2]): layers, names, shapes; the forward equals the equations by hand", () => {
  const rng = new Random(1);
  const ae = denseAutoencoder([4, 3, 2], rng, { dtype: "float64" });
  assert.equal([...ae.stateDict().keys()], [
    "encoder.0.weight", "encoder.0.bias", "encoder.2.weight", "encoder.2.bias",
    "decoder.0.weight", "decoder.0.bias", "decoder.2.weight", "decoder.2.bias",
  ]);
  assert.equal(ae.outputShape([5, 4]), [5, 4]);
  assert.equal(ae.encoder.outputShape([5, 4]), [5, 2]);
  assert.is(ae.macs([5, 4]), 5 * (4 * 3 + 3 * 2 + 2 * 3 + 3 * 4));
  const x = randn([5, 4], rng, { dtype: "float64" });
  const xHat = ae.forward(new Variable(x)).value;
  // by hand: h = σ(W x + b) layer after layer, the decoder's last layer σ too (output "sigmoid")
  const layer = (name: string, input: number[], out: number) => {
    const W = ae.stateDict().get(`${name}.weight`)!.data, b = ae.stateDict().get(`${name}.bias`)!.data;
    return Array.from({ length: out }, (_, o) => sigma(b[o] + input.reduce((s, v, i) => s + W[o * input.length + i] * v, 0)));
  };
  for (let n = 0; n < 5; n++) {
    const row = Array.from(x.data.subarray(n * 4, n * 4 + 4));
    const expected = layer("decoder.2", layer("decoder.0", layer("encoder.2", layer("encoder.0", row, 3), 2), 3), 4);
    for (let j = 0; j < 4; j++) assert.ok(Math.abs(xHat.data[n * 4 + j] - expected[j]) < 1e-14, `x̂[${n}, ${j}]`);
  }
  assert.is(denseAutoencoder([4, 2], rng, { output: "linear" }).decoder.namedChildren().length, 1, "linear output: no final σ");
});

test("tied weights: the decoder holds only biases; W gets the gradient of both uses (vs five-point differences)", () => {
  const rng = new Random(2);
  const ae = denseAutoencoder([5, 3], rng, { tied: true, dtype: "float64" });
  assert.equal([...ae.stateDict().keys()], ["encoder.0.weight", "encoder.0.bias", "decoder.0.bias"]);
  assert.is(ae.parameterCount(), 5 * 3 + 3 + 5);
  const tiedLayer = (ae.decoder as Sequential).at(0) as TiedLinear;
  assert.ok(tiedLayer instanceof TiedLinear);
  assert.is(tiedLayer.tiedTo, (ae.encoder as Sequential).at(0));
  assert.is(tiedLayer.describe(), "TiedLinear(3, 5, weight tied)");
  const x = randn([4, 5], rng, { dtype: "float64" });
  const lossAt = () => reconstructionLoss(ae.forward(new Variable(x)), x, "mse").value.data[0];
  reconstructionLoss(ae.forward(new Variable(x)), x, "mse").backward();
  const W = (ae.encoder as Sequential).at(0) as Linear;
  const analytic = Array.from(W.weight.grad!.data);
  const h = 1e-3;
  for (let i = 0; i < W.weight.value.size; i++) {
    const saved = W.weight.value.data[i];
    const at = (v: number) => { W.weight.value.data[i] = v; const r = lossAt(); W.weight.value.data[i] = saved; return r; };
    const numeric = (-at(saved + 2 * h) + 8 * at(saved + h) - 8 * at(saved - h) + at(saved - 2 * h)) / (12 * h);
    assert.ok(Math.abs(analytic[i] - numeric) <= 1e-7 * Math.max(1, Math.abs(numeric)), `dW[${i}]: ${analytic[i]} vs ${numeric}`);
  }
});

test("training reconstructs 2-factor data far better than the column means (8 → 3 → 8, sigmoid, MSE)", () => {
  const x = lowRankData(256, 3);
  const rng = new Random(4);
  const ae = denseAutoencoder([8, 3], rng, { output: "sigmoid", dtype: "float64" });
  const before = reconstructionError(ae, x);
  const history = trainAutoencoder(ae, x, { epochs: 40, batchSize: 16, rng, lr: 1e-2 });
  const after = reconstructionError(ae, x);
  const baseline = meanPredictorError(x);
  assert.is(history.length, 40);
  assert.ok(history[39].loss < history[0].loss, "the epoch loss falls");
  assert.ok(after < 0.25 * baseline, `reconstruction MSE ${after} vs ${baseline} for predicting the means (before training ${before})`);
  assert.is(history[0].penalty, 0);
});

test("the sparsity penalty pulls the average code activation ρ̂ toward ρ = 0.05", () => {
  const x = lowRankData(256, 5);
  const meanActivation = (ae: Autoencoder) => {
    const code = encodeAll(ae.encoder, x);
    let sum = 0;
    for (let i = 0; i < code.size; i++) sum += code.data[i];
    return sum / code.size;
  };
  const train = (sparsity: { rho: number; beta: number } | null) => {
    const rng = new Random(6);
    const ae = denseAutoencoder([8, 6], rng, { dtype: "float64" });
    const history = trainAutoencoder(ae, x, { epochs: 30, batchSize: 32, rng, lr: 1e-2, sparsity });
    return { ae, history };
  };
  const plain = train(null);
  const sparse = train({ rho: 0.05, beta: 3 });
  const plainMean = meanActivation(plain.ae), sparseMean = meanActivation(sparse.ae);
  assert.ok(sparseMean < 0.12, `with the penalty ρ̂ averages ${sparseMean}`);
  assert.ok(plainMean > 0.25, `without it ρ̂ averages ${plainMean}`);
  const last = sparse.history[29];
  assert.ok(last.penalty > 0 && Math.abs(last.loss - (last.reconstruction + 3 * last.penalty)) < 1e-9, "J_sparse = J + β·KL");
  assert.ok(sparse.history[29].penalty < sparse.history[0].penalty, "the penalty falls during training");
});

test("sparsityPenalty needs activations in [0, 1]: a ReLU code is an OpError naming the op", () => {
  const rng = new Random(7);
  const ae = denseAutoencoder([4, 3], rng, { activation: "relu" });
  const z = ae.encode(new Variable(randn([6, 4], rng, { std: 3 })));
  assert.throws(() => sparsityPenalty(z, 0.05), (e: unknown) => e instanceof OpError && /kl_sparsity: input: expected activations in \[0, 1\]/.test((e as Error).message));
});

test("greedy layer-wise pretraining, then fine-tuning with the first layer frozen (004)", () => {
  // three classes of 16-pixel binary prototypes, each pixel flipped with probability 0.1
  const rng = new Random(8);
  const prototypes = Array.from({ length: 3 }, () => Array.from({ length: 16 }, () => rng.bernoulli(0.5)));
  const n = 150;
  const xs = new Float32Array(n * 16);
  const ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    ys[i] = i % 3;
    for (let j = 0; j < 16; j++) xs[i * 16 + j] = rng.bernoulli(0.1) ? 1 - prototypes[ys[i]][j] : prototypes[ys[i]][j];
  }
  const x = new Tensor(xs, [n, 16]);
  const labels = new Tensor(ys, [n]);
  const layersSeen: number[] = [];
  const result = pretrainStackedAutoencoder(x, {
    hidden: [10, 6], rng, epochs: 15, batchSize: 16, lr: 1e-2, loss: "bce",
    onLayer: (k) => layersSeen.push(k),
    fineTune: { labels, numClasses: 3, epochs: 15, lr: 1e-2 },
  });
  assert.equal(layersSeen, [0, 1]);
  // the stack holds the autoencoders' own encoder layers (the same objects)
  const first = result.encoder.at(0) as Linear, second = result.encoder.at(2) as Linear;
  assert.is(first, (result.autoencoders[0].encoder as Sequential).at(0));
  assert.is(second, (result.autoencoders[1].encoder as Sequential).at(0));
  assert.is(second.inFeatures, 10, "layer 2 is an autoencoder of layer 1's codes (10 → 6 → 10)");
  assert.equal(result.autoencoders[1].outputShape([1, 10]), [1, 10]);
  assert.is(result.pretraining.length, 2);
  for (const h of result.pretraining) assert.ok(h[h.length - 1].loss < h[0].loss, "each layer's reconstruction improves");
  // frozenLayers defaults to k − 1 = 1: the first layer is frozen, the second and the classifier train
  assert.is(first.weight.requiresGrad, false);
  assert.is(second.weight.requiresGrad, true);
  assert.ok(result.classifier !== null);
  assert.is(result.classifier!.length, 5);
  assert.ok(result.fineTuning[result.fineTuning.length - 1] < result.fineTuning[0]);
  const accuracy = classifierAccuracy(result.classifier!, x, labels);
  assert.ok(accuracy > 0.95, `training accuracy ${accuracy}`);
});

test("fine-tuning leaves the frozen layer bit-identical to its pretrained weights", () => {
  const x = lowRankData(64, 10).astype("float32");
  const labels = new Tensor(Int32Array.from({ length: 64 }, (_, i) => (x.data[i * 8] > 0.5 ? 1 : 0)), [64]);
  const pre = pretrainStackedAutoencoder(x, { hidden: [6, 4], rng: new Random(11), epochs: 3, batchSize: 16 });
  const tuned = pretrainStackedAutoencoder(x, { hidden: [6, 4], rng: new Random(11), epochs: 3, batchSize: 16, fineTune: { labels, numClasses: 2, epochs: 3 } });
  // Same seed, same pretraining: the first layers agree bit for bit; after fine-tuning, layer 1 (frozen) still does, layer 2 does not.
  const data = (r: typeof pre, i: number) => (r.encoder.at(i) as Linear).weight.value.data;
  assert.equal(Array.from(data(tuned, 0)), Array.from(data(pre, 0)));
  assert.not.equal(Array.from(data(tuned, 2)), Array.from(data(pre, 2)));
});

test("determinism: one seed, bit-identical weights and losses", () => {
  const x = lowRankData(64, 12);
  const run = () => {
    const rng = new Random(13);
    const ae = denseAutoencoder([8, 4, 2], rng, { dtype: "float64", tied: true });
    const history = trainAutoencoder(ae, x, { epochs: 3, batchSize: 8, rng, sparsity: { rho: 0.1, beta: 0.5 } });
    return { history, weights: [...ae.stateDict().values()].map((t) => Array.from(t.data)) };
  };
  assert.equal(run(), run());
});

test("errors: bad sizes, activation, loss kind, sparsity settings, x rank, frozenLayers", () => {
  const rng = new Random(14);
  assert.throws(() => denseAutoencoder([4], rng), /denseAutoencoder: sizes: expected \[d, h₁, …, l\]/);
  assert.throws(() => denseAutoencoder([4, 0], rng), /sizes/);
  assert.throws(() => denseAutoencoder([4, 2], rng, { activation: "gelu" as "relu" }), /activation: expected "sigmoid", "relu" or "tanh", got "gelu"/);
  const ae = denseAutoencoder([4, 2], rng);
  const x = randn([4, 4], rng);
  assert.throws(() => reconstructionLoss(ae.forward(new Variable(x)), x, "l1" as "mse"), /reconstructionLoss: expected "mse" or "bce", got "l1"/);
  assert.throws(() => trainAutoencoder(ae, x, { epochs: 1, batchSize: 2, rng, sparsity: { rho: 0, beta: 1 } }), /sparsity: rho: expected a number in \(0, 1\), got 0/);
  assert.throws(() => trainAutoencoder(ae, x, { epochs: 1, batchSize: 2, rng, sparsity: { rho: 0.1, beta: -1 } }), /sparsity: beta: expected a finite number ≥ 0/);
  assert.throws(() => pretrainStackedAutoencoder(randn([2, 2, 2], rng), { hidden: [2], rng }), /x: expected \[N, d\] rows of features, got \[2, 2, 2\]/);
  const labels = new Tensor(new Int32Array(4), [4]);
  assert.throws(() => pretrainStackedAutoencoder(x, { hidden: [3], rng, epochs: 0, fineTune: { labels, numClasses: 2, frozenLayers: 2 } }), /frozenLayers: expected an integer in \[0, 1\], got 2/);
  assert.throws(() => new Autoencoder(new Linear(4, 2, rng), new Linear(2, 3, rng)).outputShape([1, 4]), /Autoencoder: the decoder gives \[1, 3\] for input \[1, 4\]/);
});

test.run();
