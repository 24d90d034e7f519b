// recipeTrainer's playground options: batch norm and dropout reach the model,
// and the momentum rule is PyTorch's or the lecture's.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { makeDataset, type TrainTestData } from "../../src/data/dataset.js";
import type { Sequential } from "../../src/nn/sequential.js";
import type { SGD } from "../../src/optim/sgd.js";
import { recipeTrainer } from "../../src/train/recipe.js";

const d = makeDataset(new Uint8Array(10 * 784).map((_, i) => (i * 13) % 256), Uint8Array.from({ length: 10 }, (_, i) => i), { height: 28, width: 28 });
const data: TrainTestData = { train: d, test: d, source: "spec" };

test("recipeTrainer: momentumForm lecture is 001's rule (dampening μ, V₀ = 0); the default is PyTorch's", () => {
  const lecture = recipeTrainer(data, { model: "mlp", momentum: 0.8, momentumForm: "lecture" }).optimizer as SGD;
  assert.equal([lecture.momentum, lecture.dampening, lecture.initialBuffer], [0.8, 0.8, "zero"]);
  const pytorch = recipeTrainer(data, { model: "mlp", momentum: 0.8 }).optimizer as SGD;
  assert.equal([pytorch.momentum, pytorch.dampening, pytorch.initialBuffer], [0.8, 0, "gradient"]);
  assert.throws(() => recipeTrainer(data, { model: "mlp", momentumForm: "nesterov" as "lecture" }), /momentumForm: expected "pytorch" or "lecture", got "nesterov"/);
});

test("recipeTrainer: batchNorm and dropout build the regularized model", () => {
  const model = recipeTrainer(data, { model: "lenet5", batchNorm: true, dropout: 0.4 }).model as Sequential;
  const names = Array.from({ length: model.length }, (_, i) => model.at(i).constructor.name);
  assert.is(names.filter((n) => n.startsWith("BatchNorm")).length, 4);
  assert.is(names.filter((n) => n === "Dropout").length, 2);
});

test.run();
