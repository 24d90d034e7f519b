/**
 * OnnxModule: an exported LeNet-5 re-imported as a module is evaluated by
 * evaluateClassifier like the zoo model it came from (same predictions and
 * confusion, probabilities within float rounding); the adapter's shape and
 * input-count checks.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Random } from "../../src/random.js";
import { Variable } from "../../src/autograd/variable.js";
import { buildModel } from "../../src/models/index.js";
import { makeDataset } from "../../src/data/dataset.js";
import { exportOnnx } from "../../src/onnx/export.js";
import { loadOnnx } from "../../src/onnx/graph.js";
import { OnnxModule } from "../../src/onnx/onnx_module.js";
import { evaluateClassifier } from "../../src/train/evaluate.js";
import { randn } from "../../src/tensor.js";

test("evaluateClassifier on an exported LeNet-5 as OnnxModule: the zoo model's predictions, confusion and probabilities", () => {
  const rng = new Random(41);
  const lenet = buildModel("lenet5", rng).eval();
  const onnx = new OnnxModule(loadOnnx(exportOnnx(lenet, [1, 1, 28, 28]), { file: "lenet5.onnx" }));
  const images = Uint8Array.from({ length: 12 * 784 }, () => Math.floor(rng.uniform() * 256));
  const data = makeDataset(images, Uint8Array.from({ length: 12 }, (_, i) => i % 10), { height: 28, width: 28, classes: 10 });
  const options = { standardization: { mean: 0.3, std: 0.35 }, batchSize: 5, outputs: true } as const;
  const want = evaluateClassifier(lenet, data, options);
  const got = evaluateClassifier(onnx, data, options);
  assert.equal([...got.predictions], [...want.predictions]);
  assert.equal([...got.confusion], [...want.confusion]);
  assert.is(got.accuracy, want.accuracy);
  const worst = got.probabilities.reduce((m, p, i) => Math.max(m, Math.abs(p - want.probabilities[i])), 0);
  assert.ok(worst < 1e-5, `largest probability difference ${worst}`);
  assert.ok(Math.abs(got.loss - want.loss) < 1e-5 * (1 + want.loss), `loss ${got.loss} vs ${want.loss}`);
});

test("OnnxModule: output shape from the declaration with the batch size filled in; describe names the file; forward records no gradient", () => {
  const onnx = new OnnxModule(loadOnnx(exportOnnx(buildModel("mlp", new Random(2), { hidden: 8 }).eval(), [1, 1, 28, 28]), { file: "mlp.onnx" }));
  assert.equal(onnx.outputShape([3, 1, 28, 28]), [3, 10]);
  assert.match(onnx.describe(), /^OnnxModule\(mlp\.onnx: opset 13, \d+ nodes\)$/);
  const y = onnx.forward(new Variable(randn([2, 1, 28, 28], new Random(3)), true));
  assert.equal([...y.value.shape], [2, 10]);
  assert.is(y.requiresGrad, false);
});

test.run();
