import { test } from "uvu";
import * as assert from "uvu/assert";
import { Random } from "../../src/random.js";
import { tensor } from "../../src/tensor.js";
import { Dropout, Flatten, Linear, Sequential } from "../../src/nn/index.js";
import { makeDataset } from "../../src/data/dataset.js";
import { evaluateClassifier } from "../../src/train/evaluate.js";
import { MAX_SVG_CLASSES, confusionMatrixSvg, formatConfusionMatrix, formatPerClassAccuracy } from "../../src/train/confusion_matrix.js";
import { predictClasses } from "../../src/train/predict.js";
import { assertClose } from "../support/assertions.js";

/** scores_j = pixel_j / 255 for j = 0, 1, 2 (standardization mean 0, std 1): the brightest of the first three pixels wins. */
function pickBrightest(): Sequential {
  const linear = new Linear(4, 3, new Random(1));
  linear.weight.value.data.set([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]);
  linear.bias!.value.data.fill(0);
  return new Sequential(new Flatten(), new Dropout(0.5, new Random(2)), linear);
}

// Six 1×2×2 images: the brightest pixel (0, 1 or 2) is the prediction; labels make a known confusion.
const images = Uint8Array.from([
  200, 0, 0, 0, // predicted 0
  200, 0, 0, 0, // predicted 0
  0, 200, 0, 0, // predicted 1
  0, 0, 200, 0, // predicted 2
  0, 200, 0, 0, // predicted 1
  0, 0, 200, 0, // predicted 2
]);
const labels = Uint8Array.from([0, 1, 1, 0, 1, 0]);
const data = makeDataset(images, labels, { height: 2, width: 2, classes: 3 });

test("evaluateClassifier: accuracy, loss, top-k error, confusion counts and per-class accuracy of a model with known outputs", () => {
  const model = pickBrightest();
  const e = evaluateClassifier(model, data, { standardization: { mean: 0, std: 1 }, topK: 2, batchSize: 4 });
  assert.is(e.classes, 3);
  assert.is(e.count, 6);
  // true \ predicted: class 0 → [0, 0, 1, 2]: predicted 0, 2, 2; class 1 → predicted 0, 1, 1; class 2: none.
  assert.equal(Array.from(e.confusion), [1, 0, 2, 1, 2, 0, 0, 0, 0]);
  assert.is(e.accuracy, 3 / 6);
  assert.equal(e.classCounts, [3, 3, 0]);
  assert.equal(e.perClassAccuracy.slice(0, 2), [1 / 3, 2 / 3]);
  assert.ok(Number.isNaN(e.perClassAccuracy[2]), "no images of class 2");
  // Cross-entropy by hand: scores (200/255 at the bright class, 0 elsewhere).
  const s = 200 / 255;
  const lse = Math.log(Math.exp(s) + 2);
  const wrongLoss = lse; // the true class scores 0
  const rightLoss = lse - s;
  assert.ok(Math.abs(e.loss - (3 * rightLoss + 3 * wrongLoss) / 6) < 1e-6, `loss ${e.loss}`);
  // Top-2: a wrong row is still within the top 2 when its true class ties at 0 with the third and has the lower index.
  // Rows (true, predicted): (0,0) ok; (1,0) true 1 ties class 2 at 0 → rank 1 (< 2) ok; (1,1) ok; (0,2) true 0 ranks 1 ok; (1,1) ok; (0,2) ok.
  assert.is(e.topKError, 0);
  assert.ok(model.training, "training mode is restored");
  const whole = evaluateClassifier(model, data, { standardization: { mean: 0, std: 1 }, topK: 2 });
  assert.equal(Array.from(whole.confusion), Array.from(e.confusion), "the batch size does not change the counts");
  assert.throws(() => evaluateClassifier(pickBrightest(), makeDataset(images, Uint8Array.from([0, 1, 1, 0, 1, 3]), { height: 2, width: 2 }), { standardization: { mean: 0, std: 1 } }), /cross_entropy: target: expected class indices in \[0, 2\] .*got 3 at flat index 5/);
});

test("the confusion matrix and per-class accuracy as text and SVG", () => {
  const e = evaluateClassifier(pickBrightest(), data, { standardization: { mean: 0, std: 1 } });
  const names = ["zero", "one", "two"];
  assert.is(formatConfusionMatrix(e, names), [
    "true \\ predicted   0   1   2",
    "0 zero             1   0   2",
    "1 one              1   2   0",
    "2 two              0   0   0",
  ].join("\n"));
  assert.is(formatPerClassAccuracy(e, names), [
    "class   images  accuracy",
    "0 zero       3    0.3333",
    "1 one        3    0.6667",
    "2 two        0         –",
  ].join("\n"));
  const svg = confusionMatrixSvg(e, names, "a <title>");
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" [^>]*viewBox="0 0 \d+ \d+"/);
  assert.match(svg, /a &lt;title&gt;/);
  assert.is((svg.match(/<rect x=/g) ?? []).length, 9);
  assert.match(svg, /<title>true zero, predicted two: 2<\/title>/);
  assert.match(svg, /<\/svg>\n$/);
  const big = { classes: MAX_SVG_CLASSES + 1, confusion: new Int32Array((MAX_SVG_CLASSES + 1) ** 2) };
  assert.throws(() => confusionMatrixSvg(big), /confusionMatrixSvg: expected at most 100 classes, got 101/);
  assert.throws(() => formatConfusionMatrix({ classes: 3, confusion: new Int32Array(4) }), /expected confusion counts of 3×3, got 4 values/);
});

test("predictClasses: softmax probabilities, most probable first, ties by index, k clamped to the classes", () => {
  const model = pickBrightest();
  const out = predictClasses(model, [images.subarray(8, 12), Uint8Array.from([0, 0, 0, 0])], { inputSize: [1, 2, 2], standardization: { mean: 0, std: 1 }, topK: 5, classNames: ["a", "b", "c"] });
  const s = 200 / 255;
  const z = Math.exp(s) + 2;
  assert.equal(out[0].map((c) => c.name), ["b", "a", "c"]);
  assert.ok(Math.abs(out[0][0].probability - Math.exp(s) / z) < 1e-6);
  assert.ok(Math.abs(out[0][1].probability - 1 / z) < 1e-6);
  assert.equal(out[1].map((c) => c.index), [0, 1, 2], "equal scores: lower index first");
  assert.ok(Math.abs(out[1].reduce((t, c) => t + c.probability, 0) - 1) < 1e-6);
  assert.ok(model.training, "training mode is restored");
  assert.throws(() => predictClasses(model, [Uint8Array.from([1, 2, 3])], { inputSize: [1, 2, 2], standardization: { mean: 0, std: 1 } }), /image 0: expected 4 bytes \(\[1, 2, 2\]\), got 3/);
});

// Three 1×1×2 "images" through a linear layer whose scores are hand-computed.
// Standardization mean 0, std 1/255 makes the input exactly the pixel value.
function scoresAreThePixels() {
  const layer = new Linear(2, 3, new Random(1));
  layer.loadStateDict({ weight: tensor([[1, 0], [0, 1], [0, 0]]), bias: tensor([0, 0, Math.log(2)]) });
  const model = new Sequential(new Flatten(), layer);
  // pixels (x1, x2) → scores (x1, x2, ln 2)
  const d = makeDataset(Uint8Array.from([0, 0, 3, 1, 0, 5]), Uint8Array.from([2, 0, 0]), { height: 1, width: 2, classes: 3 });
  return { model, d };
}

test("evaluateClassifier with outputs: softmax probabilities, arg-max predictions, confusion and accuracy (hand-computed)", () => {
  const { model, d } = scoresAreThePixels();
  const r = evaluateClassifier(model, d, { standardization: { mean: 0, std: 1 / 255 }, batchSize: 2, outputs: true });
  // image 0: scores (0, 0, ln 2) → (1, 1, 2)/4; image 1: (3, 1, ln 2); image 2: (0, 5, ln 2).
  const softmax = (s: number[]) => s.map((v) => Math.exp(v) / s.reduce((a, u) => a + Math.exp(u), 0));
  assertClose(r.probabilities, [0.25, 0.25, 0.5, ...softmax([3, 1, Math.log(2)]), ...softmax([0, 5, Math.log(2)])], 1e-7, "probabilities");
  assert.equal([...r.predictions], [2, 0, 1]);
  // labels 2, 0, 0: rows = label, columns = prediction
  assert.equal([...r.confusion], [1, 1, 0, 0, 0, 0, 0, 0, 1]);
  assertClose([r.accuracy], [2 / 3], 1e-15);
  assert.is(r.classes, 3);
  assert.not.ok("probabilities" in evaluateClassifier(model, d, { standardization: { mean: 0, std: 1 / 255 } }), "no per-image outputs unless asked");
});

test("evaluateClassifier: runs in eval mode and restores the model's mode; refuses an empty dataset, labels beyond the scores and scores of the wrong shape", () => {
  const { model, d } = scoresAreThePixels();
  model.train();
  evaluateClassifier(model, d, { standardization: { mean: 0, std: 1 / 255 }, outputs: true });
  assert.is(model.training, true);
  assert.throws(() => evaluateClassifier(model, makeDataset(new Uint8Array(0), new Uint8Array(0), { height: 1, width: 2, classes: 3 }), { standardization: { mean: 0, std: 1 } }), /evaluateClassifier: the dataset has no images/);
  const four = makeDataset(Uint8Array.from([0, 0]), Uint8Array.from([3]), { height: 1, width: 2 });
  assert.throws(() => evaluateClassifier(model, four, { standardization: { mean: 0, std: 1 }, outputs: true }), /cross_entropy: target: expected class indices in \[0, 2\] .*got 3 at flat index 0/);
  const unflattened = new Sequential(new Dropout(0.5, new Random(3)));
  assert.throws(() => evaluateClassifier(unflattened, d, { standardization: { mean: 0, std: 1 } }), /evaluateClassifier: expected scores \[3, classes\] from the model, got \[3, 1, 1, 2\]/);
});

test.run();
