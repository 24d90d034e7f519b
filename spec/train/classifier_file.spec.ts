import { test } from "uvu";
import * as assert from "uvu/assert";
import { Random } from "../../src/random.js";
import { randn, type Tensor } from "../../src/tensor.js";
import { Variable } from "../../src/autograd/variable.js";
import { encodeSafetensors } from "../../src/io/safetensors.js";
import { makeDataset } from "../../src/data/dataset.js";
import { mlp } from "../../src/models/mlp.js";
import { lenet5 } from "../../src/models/lenet5.js";
import type { Sequential } from "../../src/nn/sequential.js";
import { encodeModel, checkpointTrainer } from "../../src/train/checkpoint.js";
import { recipeTrainer } from "../../src/train/recipe.js";
import { buildClassifier, decodeClassifier, encodeClassifier } from "../../src/train/classifier_file.js";

function evalOutput(m: Sequential, seed: number): number[] {
  m.eval();
  return [...m.forward(new Variable(randn([2, 1, 28, 28], new Random(seed)))).value.data];
}

/** Moves batch norm's running statistics off their initial values, so a round trip must carry them. */
function trainOneForward(m: Sequential): void {
  m.train();
  m.forward(new Variable(randn([4, 1, 28, 28], new Random(9))));
}

test("encodeClassifier → decodeClassifier: architecture, weights, batch-norm statistics and standardization round-trip", () => {
  const architecture = { model: "lenet5", batchNorm: true, dropout: 0.3 } as const;
  const model = buildClassifier(architecture, new Random(5));
  trainOneForward(model);
  const bytes = encodeClassifier(model, architecture, { mean: 0.28, std: 0.35 }, { source: "spec" });
  const back = decodeClassifier(bytes, "net.safetensors");
  assert.equal(back.architecture, { ...architecture, classes: 10, hidden: undefined });
  assert.equal(back.standardization, { mean: 0.28, std: 0.35 });
  assert.is(back.metadata.source, "spec");
  assert.is(back.model.training, false);
  assert.equal(evalOutput(back.model, 1), evalOutput(model, 1));
});

test("decodeClassifier reads nnref train's model.safetensors (metadata model only) and a bare state dict, inferring batch norm and dropout from the names", () => {
  const plain = lenet5(new Random(2));
  const fromTrain = decodeClassifier(encodeModel(plain, { model: "lenet5" }));
  assert.equal(fromTrain.architecture, { model: "lenet5", batchNorm: false, dropout: 0, hidden: undefined, classes: 10 });
  assert.is(fromTrain.standardization, null);
  assert.equal(evalOutput(fromTrain.model, 3), evalOutput(plain, 3));

  const regularized = mlp(new Random(4), { hidden: 32, batchNorm: true, dropout: 0.2 });
  trainOneForward(regularized);
  const bare = decodeClassifier(encodeSafetensors(regularized.stateDict()));
  assert.equal(bare.architecture, { model: "mlp", batchNorm: true, dropout: 0.5, hidden: 32, classes: 10 });
  assert.equal(evalOutput(bare.model, 5), evalOutput(regularized, 5));
});

test("decodeClassifier reads a training checkpoint: skips the optimizer's tensors, takes its standardization", () => {
  const images = new Uint8Array(20 * 784).map((_, i) => (i * 37) % 256);
  const labels = Uint8Array.from({ length: 20 }, (_, i) => i % 10);
  const d = makeDataset(images, labels, { height: 28, width: 28 });
  const trainer = recipeTrainer({ train: d, test: d, source: "spec" }, { model: "mlp", batchSize: 10 });
  trainer.run(1);
  const back = decodeClassifier(checkpointTrainer(trainer, { model: "mlp" }), "checkpoint.safetensors");
  assert.equal(back.standardization, trainer.standardization);
  assert.equal(evalOutput(back.model, 6), evalOutput(trainer.model as Sequential, 6));
});

test("decodeClassifier refuses other networks and mismatched files with the file's name", () => {
  const other = new Map<string, Tensor>([["conv.weight", randn([2, 2], new Random(1))]]);
  assert.throws(() => decodeClassifier(encodeSafetensors(other), "other.safetensors"), /other.safetensors: expected an MLP or LeNet-5 .*got neither/);
  assert.throws(() => decodeClassifier(encodeSafetensors(other, { metadata: { model: "resnet18" } }), "r.safetensors"), /r.safetensors: expected an MLP or LeNet-5 .*got "resnet18"/);
  const mlpAsLenet = encodeModel(mlp(new Random(1)), { model: "lenet5" });
  assert.throws(() => decodeClassifier(mlpAsLenet, "x.safetensors"), /x.safetensors: does not hold the weights of a LeNet-5 .*missing 0.weight/);
  assert.throws(() => decodeClassifier(new Uint8Array([1, 2, 3]), "junk.bin"), /junk.bin/);
  const badStandardization = encodeSafetensors(mlp(new Random(1)).stateDict(), { metadata: { model: "mlp", standardization: '{"mean": 0.3, "std": 0}' } });
  assert.throws(() => decodeClassifier(badStandardization, "s.safetensors"), /s\.safetensors: metadata "standardization": expected \{"mean": finite, "std": finite > 0\}, got \{"mean": 0\.3, "std": 0\}/);
});

test.run();
