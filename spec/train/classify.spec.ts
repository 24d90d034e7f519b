import { test } from "uvu";
import * as assert from "uvu/assert";
import { Random } from "../../src/random.js";
import { tensor } from "../../src/tensor.js";
import { Flatten, Linear, Sequential } from "../../src/nn/index.js";
import { makeDataset } from "../../src/data/dataset.js";
import { classifyDataset } from "../../src/train/classify.js";
import { assertClose } from "../support/assertions.js";

// Three 1×1×2 "images" through a linear layer whose scores are hand-computed.
// Standardization mean 0, std 1/255 makes the input exactly the pixel value.
function setup() {
  const layer = new Linear(2, 3, new Random(1));
  layer.loadStateDict({ weight: tensor([[1, 0], [0, 1], [0, 0]]), bias: tensor([0, 0, Math.log(2)]) });
  const model = new Sequential(new Flatten(), layer);
  // pixels (x1, x2) → scores (x1, x2, ln 2)
  const d = makeDataset(Uint8Array.from([0, 0, 3, 1, 0, 5]), Uint8Array.from([2, 0, 0]), { height: 1, width: 2, classes: 3 });
  return { model, d };
}

test("classifyDataset: softmax probabilities, arg-max predictions, confusion and accuracy (hand-computed)", () => {
  const { model, d } = setup();
  const r = classifyDataset(model, d, { mean: 0, std: 1 / 255 }, 2);
  // image 0: scores (0, 0, ln 2) → (1, 1, 2)/4; image 1: (3, 1, ln 2); image 2: (0, 5, ln 2).
  const softmax = (s: number[]) => s.map((v) => Math.exp(v) / s.reduce((a, u) => a + Math.exp(u), 0));
  assertClose(r.probabilities, [0.25, 0.25, 0.5, ...softmax([3, 1, Math.log(2)]), ...softmax([0, 5, Math.log(2)])], 1e-7, "probabilities");
  assert.equal([...r.predictions], [2, 0, 1]);
  // labels 2, 0, 0: rows = label, columns = prediction
  assert.equal([...r.confusion], [1, 1, 0, 0, 0, 0, 0, 0, 1]);
  assertClose([r.accuracy], [2 / 3], 1e-15);
  assert.is(r.classes, 3);
});

test("classifyDataset: runs in eval mode and restores the model's mode; refuses an empty dataset and scores of the wrong shape", () => {
  const { model, d } = setup();
  model.train();
  classifyDataset(model, d, { mean: 0, std: 1 / 255 });
  assert.is(model.training, true);
  assert.throws(() => classifyDataset(model, makeDataset(new Uint8Array(0), new Uint8Array(0), { height: 1, width: 2, classes: 3 }), { mean: 0, std: 1 }), /classifyDataset: the dataset has no images/);
  const four = makeDataset(Uint8Array.from([0, 0]), Uint8Array.from([3]), { height: 1, width: 2 });
  assert.throws(() => classifyDataset(model, four, { mean: 0, std: 1 }), /expected scores \[1, ≥ 4\] from the model, got \[1, 3\]/);
});

test.run();
