/**
 * ONNX export: nnref → ONNX → ONNX Runtime gives the model's own logits
 * (within 1e-4 of the largest logit) for every zoo model at reduced width
 * and input size and for a Sequential of every supported layer; the export
 * re-imported with loadOnnx gives them too; ONNX → nnref → ONNX keeps the
 * bytes and the outputs; unsupported layers are named.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randn, shapeString, type Tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { Variable } from "../../src/autograd/variable.js";
import { noGrad } from "../../src/autograd/apply.js";
import { buildModel, modelNames, type ModelOptions } from "../../src/models/index.js";
import { BilinearUpsample2d } from "../../src/models/segmentation.js";
import {
  AdaptiveAvgPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, ConvTranspose2d, Dropout, Flatten, LeakyReLU, Linear,
  LocalResponseNorm, MaxPool2d, Module, ReLU, Sequential, Sigmoid, Tanh,
} from "../../src/nn/index.js";
import { exportOnnx } from "../../src/onnx/export.js";
import { loadOnnx } from "../../src/onnx/graph.js";
import { decodeOnnx } from "../../src/io/onnx/model_file.js";
import { relativeError, runOrt } from "./onnx_graph.js";

/** Zoo models at sizes that keep the suite fast (the full sizes are exercised by `nnref export`). */
const small: Record<string, { options: ModelOptions; input: number[] }> = {
  mlp: { options: {}, input: [2, 1, 28, 28] },
  lenet5: { options: {}, input: [2, 1, 28, 28] },
  alexnet: { options: { width: 1 / 16, hidden: 32, inputSize: [3, 67, 67], numClasses: 10 }, input: [2, 3, 67, 67] },
  zfnet: { options: { width: 1 / 16, hidden: 32, inputSize: [3, 64, 64], numClasses: 10 }, input: [1, 3, 64, 64] },
  vgg16: { options: { width: 1 / 16, hidden: 32, inputSize: [3, 32, 32], numClasses: 10 }, input: [2, 3, 32, 32] },
  vgg19: { options: { width: 1 / 16, hidden: 32, inputSize: [3, 32, 32], numClasses: 10 }, input: [1, 3, 32, 32] },
  googlenet: { options: { width: 1 / 16, inputSize: [3, 48, 48], numClasses: 10 }, input: [1, 3, 48, 48] },
  resnet18: { options: { width: 1 / 8, inputSize: [3, 32, 32], numClasses: 10 }, input: [2, 3, 32, 32] },
  resnet34: { options: { width: 1 / 16, inputSize: [3, 32, 32], numClasses: 10 }, input: [1, 3, 32, 32] },
  resnet50: { options: { width: 1 / 16, inputSize: [3, 32, 32], numClasses: 10 }, input: [1, 3, 32, 32] },
  resnet101: { options: { width: 1 / 32, inputSize: [3, 32, 32], numClasses: 10 }, input: [1, 3, 32, 32] },
  resnet152: { options: { width: 1 / 32, inputSize: [3, 32, 32], numClasses: 10 }, input: [1, 3, 32, 32] },
  "se-resnet50": { options: { width: 1 / 16, inputSize: [3, 32, 32], numClasses: 10 }, input: [1, 3, 32, 32] },
};

/** Non-trivial batch-norm statistics, so that an export that ignored them would show. */
function perturbBatchNorms(m: Module, rng: Random): void {
  for (const [name, t] of m.stateDict()) {
    if (name.endsWith("running_mean")) t.data.set(randn(t.shape, rng, { std: 0.1 }).data);
    if (name.endsWith("running_var")) for (let i = 0; i < t.size; i++) t.data[i] = 0.5 + rng.uniform();
  }
}

async function checkAgainstOrt(m: Module, input: number[], label: string): Promise<void> {
  const rng = new Random(5);
  m.eval();
  const x = randn(input, rng);
  const expected = noGrad(() => m.forward(new Variable(x))).value;
  const bytes = exportOnnx(m, input);
  const ort = (await runOrt(bytes, { input: x })).output;
  assert.is(shapeString(ort.shape), shapeString(expected.shape), `${label}: output shape in ONNX Runtime`);
  const err = relativeError(ort, expected);
  assert.ok(err <= 1e-4, `${label}: ONNX Runtime differs from nnref by ${err} of the largest logit`);
  const back = loadOnnx(bytes, { file: `${label}.onnx` }).forward(x);
  assert.ok(relativeError(back, expected) <= 1e-5, `${label}: re-imported by loadOnnx differs by ${relativeError(back, expected)}`);
}

test("every zoo model has a reduced-size case here", () => {
  assert.equal(Object.keys(small).sort(), modelNames().sort());
});

/** Checked end to end in ONNX Runtime (LeNet-5, the MLP, and one small model of each family); the rest of the zoo is exported and re-imported. */
const throughOrt = new Set(["mlp", "lenet5", "alexnet", "vgg16", "googlenet", "resnet18", "se-resnet50"]);

for (const name of modelNames()) {
  if (!throughOrt.has(name)) continue;
  test(`${name} (reduced size) → ONNX → ONNX Runtime gives nnref's logits; loadOnnx gives them back`, async () => {
    const rng = new Random(11);
    const m = buildModel(name, rng, small[name].options);
    perturbBatchNorms(m, rng);
    await checkAgainstOrt(m, small[name].input, name);
  });
}

test("the rest of the zoo (reduced size) exports, and loadOnnx accepts the files with the model's input and output", () => {
  for (const name of modelNames().filter((n) => !throughOrt.has(n))) {
    const m = buildModel(name, new Random(11), small[name].options);
    const loaded = loadOnnx(exportOnnx(m, small[name].input), { file: `${name}.onnx` });
    assert.equal(loaded.inputs.map((v) => v.shape), [["batch", ...small[name].input.slice(1)]], name);
    assert.equal(loaded.outputs.map((v) => v.shape), [["batch", 10]], name);
    assert.is(loaded.nodes.filter(({ node }) => node.op_type === "Conv").length, m.namedModules().filter(([, c]) => c instanceof Conv2d).length, name);
  }
});

test("a Sequential of every supported layer → ONNX Runtime", async () => {
  const rng = new Random(3);
  const net = new Sequential(
    new Conv2d(3, 6, 3, rng, { padding: 1 }),
    new BatchNorm2d(6),
    new LeakyReLU(0.1),
    new Conv2d(6, 6, 3, rng, { padding: "same", dilation: 2, groups: 2 }),
    new LocalResponseNorm(3, { alpha: 0.01, k: 2 }),
    new MaxPool2d(3, { stride: 2, ceilMode: true, padding: 1 }),
    new ConvTranspose2d(6, 4, 3, rng, { stride: 2, padding: 1, outputPadding: 1 }),
    new Tanh(),
    new AvgPool2d(2, { countIncludePad: false, padding: 1 }),
    new Sigmoid(),
    new AdaptiveAvgPool2d(4),
    new Flatten(),
    new Dropout(0.5, rng),
    new Linear(64, 8, rng),
    new BatchNorm1d(8),
    new ReLU(),
    new Linear(8, 5, rng),
  );
  perturbBatchNorms(net, rng);
  await checkAgainstOrt(net, [2, 3, 12, 12], "sequential");
});

test("ONNX → nnref → ONNX: toOnnx re-encodes the same bytes, and ONNX Runtime gives the same outputs from them", async () => {
  const rng = new Random(8);
  const m = buildModel("lenet5", rng).eval();
  const bytes = exportOnnx(m, [1, 1, 28, 28]);
  const loaded = loadOnnx(bytes, { file: "lenet5.onnx" });
  const again = loaded.toOnnx();
  assert.equal(again, bytes);
  const x = randn([1, 1, 28, 28], rng);
  const a = (await runOrt(again, { input: x })).output, b: Tensor = loaded.forward(x);
  assert.ok(relativeError(b, a) <= 1e-5);
  // The graph written: the nodes torch.onnx.export writes for LeNet-5, weights under their state-dict names.
  const graph = decodeOnnx(bytes).graph!;
  assert.equal(graph.node.map((n) => n.op_type), ["Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Flatten", "Gemm", "Relu", "Gemm", "Relu", "Gemm"]);
  assert.equal(graph.initializer.map((t) => t.name), [...m.stateDict().keys()]);
  assert.equal(graph.node[0].input, ["input", "0.weight", "0.bias"]);
  assert.equal(graph.node[11].output, ["output"]);
});

test("unsupported layers: one error naming each of them", () => {
  const rng = new Random(1);
  const net = new Sequential(new Conv2d(1, 2, 3, rng), new BilinearUpsample2d(2), new LocalResponseNorm(4), new Flatten());
  assert.throws(() => exportOnnx(net, [1, 1, 8, 8]), (err: Error) => /2 layers have no ONNX form in nnref: 1: BilinearUpsample2d\(×2\); 2: LocalResponseNorm\(4/.test(err.message));
});

test.run();
