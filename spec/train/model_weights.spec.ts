import { test } from "uvu";
import * as assert from "uvu/assert";
import { Random } from "../../src/random.js";
import { Tensor } from "../../src/tensor.js";
import { buildModel, modelNames, type ModelOptions } from "../../src/models/index.js";
import { BatchNorm2d, Conv2d, Flatten, Linear, ReLU, Sequential } from "../../src/nn/index.js";
import type { Module } from "../../src/nn/module.js";
import { encodeModel, decodeCheckpoint, encodeCheckpoint } from "../../src/train/checkpoint.js";
import { ModelWeightsError, buildModelFromWeights, loadModelWeights } from "../../src/train/model_weights.js";
import { SGD } from "../../src/optim/sgd.js";
import { SafetensorsError } from "../../src/io/safetensors.js";
import { tensorBytes, writeSafetensors, type RawEntry } from "../support/safetensors_writer.js";

/** Each zoo model at a size that builds in milliseconds. */
const SMALL: Record<string, ModelOptions> = {
  mlp: { hidden: 16 },
  lenet5: { width: 0.5 },
  alexnet: { inputSize: [3, 67, 67], width: 0.0625, hidden: 16 },
  zfnet: { inputSize: [3, 67, 67], width: 0.0625, hidden: 16 },
  vgg16: { inputSize: [3, 32, 32], width: 0.0625, hidden: 16 },
  vgg19: { inputSize: [3, 32, 32], width: 0.0625, hidden: 16 },
  googlenet: { inputSize: [3, 32, 32], width: 0.0625 },
  resnet18: { inputSize: [3, 32, 32], width: 0.0625 },
  resnet34: { inputSize: [3, 32, 32], width: 0.0625 },
  resnet50: { inputSize: [3, 32, 32], width: 0.0625 },
  resnet101: { inputSize: [3, 32, 32], width: 0.0625 },
  resnet152: { inputSize: [3, 32, 32], width: 0.0625 },
  "se-resnet50": { inputSize: [3, 32, 32], width: 0.0625 },
};

function bytesOf(t: Tensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/** Gives batch norm buffers values other than their defaults, so a round trip that skipped them would show. */
function perturbBuffers(model: Module, rng: Random): void {
  for (const [name, t] of model.namedBuffers()) {
    if (name.endsWith("num_batches_tracked")) t.data[0] = 1 + rng.int(1000);
    else for (let i = 0; i < t.size; i++) t.data[i] = name.endsWith("running_var") ? 0.5 + rng.uniform() : rng.normal();
  }
}

test("nnref → safetensors → nnref is bit-identical for every zoo model (reduced sizes), buffers included", () => {
  assert.equal(Object.keys(SMALL).sort(), modelNames().sort(), "every zoo model has a reduced size here");
  for (const name of modelNames()) {
    const options = { numClasses: 7, ...SMALL[name] };
    const original = buildModel(name, new Random(1), options);
    perturbBuffers(original, new Random(2));
    const bytes = encodeModel(original, { model: name, standardization: JSON.stringify({ mean: 0.25, std: 0.5 }) });
    const copy = buildModel(name, new Random(99), options);
    const info = loadModelWeights(copy, bytes, { file: `${name}.safetensors` });
    assert.is(info.kind, "model");
    assert.equal(info.standardization, { mean: 0.25, std: 0.5 });
    const a = original.stateDict();
    const b = copy.stateDict();
    assert.equal([...b.keys()], [...a.keys()], name);
    let differing = 0;
    for (const [k, t] of a) {
      const u = b.get(k)!;
      assert.is(u.dtype, t.dtype, `${name} ${k}`);
      if (!bytesOf(u).every((x, i) => x === bytesOf(t)[i])) differing++;
    }
    assert.is(differing, 0, `${name}: ${differing} tensors differ after the round trip`);
  }
});

test("float64 models round-trip bit-identically through F64", () => {
  const original = buildModel("lenet5", new Random(3), { dtype: "float64" });
  const copy = buildModel("lenet5", new Random(4), { dtype: "float64" });
  loadModelWeights(copy, encodeModel(original));
  for (const [k, t] of original.stateDict()) assert.equal(Array.from(copy.stateDict().get(k)!.data), Array.from(t.data), k);
});

/** A small conv net with batch norm, named as PyTorch's nn.Sequential would name it. */
function convNet(rng: Random): Sequential {
  return new Sequential(new Conv2d(1, 2, 3, rng), new BatchNorm2d(2), new ReLU(), new Flatten(), new Linear(2 * 4 * 4, 3, rng));
}

test("a PyTorch state dict (torch names, I64 num_batches_tracked, F64/F16/BF16/F32 tensors) loads with the values converted", () => {
  const source = convNet(new Random(5));
  perturbBuffers(source, new Random(6));
  // Values exactly representable in every dtype used, so the expected values are the stored ones.
  const exact = (t: Tensor) => new Tensor(Float32Array.from(t.data, (_, i) => ((i % 7) - 3) / 4), t.shape);
  const dtypeOf: Record<string, string> = { "0.weight": "F64", "0.bias": "F16", "1.weight": "BF16", "1.bias": "F32", "1.running_mean": "F32", "1.running_var": "F32", "1.num_batches_tracked": "I64", "4.weight": "F32", "4.bias": "F16" };
  const entries: RawEntry[] = [];
  const expected = new Map<string, number[]>();
  for (const [name, t] of source.stateDict()) {
    const value = name === "1.num_batches_tracked" ? t : name === "1.running_var" ? t : exact(t);
    entries.push({ name, dtype: dtypeOf[name], shape: [...t.shape], bytes: tensorBytes(value, dtypeOf[name]) });
    expected.set(name, name === "1.running_var" ? Array.from(new Float32Array(t.data)) : Array.from(value.data));
  }
  assert.is(entries.length, 9);
  const target = convNet(new Random(7));
  const info = loadModelWeights(target, writeSafetensors(entries.reverse(), { format: "pt" }), { file: "torch.safetensors" });
  assert.is(info.standardization, null);
  assert.is(info.dtypes.get("1.num_batches_tracked"), "I64");
  for (const [name, t] of target.stateDict()) assert.equal(Array.from(t.data), expected.get(name), name);
  assert.is(target.stateDict().get("1.num_batches_tracked")!.dtype, "int32");
});

test("every missing, unexpected, mis-shaped and wrong-kind tensor is named in one error, and the model is left unchanged", () => {
  const source = convNet(new Random(8));
  const sd = source.stateDict();
  const entries: RawEntry[] = [];
  for (const [name, t] of sd) {
    if (name === "0.bias" || name === "1.running_mean") continue; // missing
    if (name === "4.weight") entries.push({ name, dtype: "F32", shape: [3, 16], bytes: tensorBytes(new Tensor(new Float32Array(48), [3, 16]), "F32") });
    else if (name === "1.weight") entries.push({ name, dtype: "I64", shape: [2], bytes: tensorBytes(new Tensor(new Int32Array(2), [2]), "I64") });
    else if (name === "1.num_batches_tracked") entries.push({ name, dtype: "F32", shape: [], bytes: tensorBytes(new Tensor(new Float32Array(1), []), "F32") });
    else entries.push({ name, dtype: t.dtype === "int32" ? "I64" : "F32", shape: [...t.shape], bytes: tensorBytes(t, t.dtype === "int32" ? "I64" : "F32") });
  }
  entries.push({ name: "fc.weight", dtype: "F32", shape: [1], bytes: new Uint8Array(4) });
  entries.push({ name: "2.extra", dtype: "F32", shape: [2], bytes: new Uint8Array(8) });
  const target = convNet(new Random(9));
  const before = [...target.stateDict()].map(([k, t]) => [k, Array.from(t.data)]);
  let error: unknown;
  try {
    loadModelWeights(target, writeSafetensors(entries, { model: "convnet" }), { file: "bad.safetensors" });
  } catch (err) {
    error = err;
  }
  assert.instance(error, ModelWeightsError);
  const message = (error as Error).message;
  assert.match(message, /^bad\.safetensors: the weights do not fit the model \(the file says it holds convnet\): 7 problems/);
  assert.equal((error as ModelWeightsError).problems, [
    "missing 0.bias (the model has float32 [2])",
    "wrong dtype 1.weight: the model holds floating-point values (F32, F64, F16 or BF16 expected), the file I64",
    "missing 1.running_mean (the model has float32 [2])",
    "wrong dtype 1.num_batches_tracked: the model holds integers (I64 or another integer dtype expected), the file F32",
    "wrong shape 4.weight: the model has [3, 32], the file F32 [3, 16]",
    "unexpected 2.extra (F32 [2], not in the model)",
    "unexpected fc.weight (F32 [1], not in the model)",
  ]);
  assert.equal([...target.stateDict()].map(([k, t]) => [k, Array.from(t.data)]), before, "nothing was copied");
});

test("names with DataParallel's module. prefix get a hint; malformed files and metadata name the file", () => {
  const source = convNet(new Random(10));
  const prefixed: RawEntry[] = [...source.stateDict()].map(([name, t]) => ({ name: `module.${name}`, dtype: t.dtype === "int32" ? "I64" : "F32", shape: [...t.shape], bytes: tensorBytes(t, t.dtype === "int32" ? "I64" : "F32") }));
  assert.throws(() => loadModelWeights(convNet(new Random(1)), writeSafetensors(prefixed), { file: "dp.safetensors" }), /dp\.safetensors: .*"module\." prefix of torch\.nn\.DataParallel/);
  assert.throws(() => loadModelWeights(convNet(new Random(1)), new Uint8Array([1, 2, 3]), { file: "short.safetensors" }), (e: unknown) => e instanceof SafetensorsError && /short\.safetensors/.test((e as Error).message));
  const good = encodeModel(source, { standardization: '{"mean": 0.5}' });
  assert.throws(() => loadModelWeights(convNet(new Random(1)), good, { file: "meta.safetensors" }), /meta\.safetensors: metadata "standardization": expected \{"mean": finite, "std": finite > 0\}/);
});

test("a training checkpoint loads too (its optimizer entries are skipped); buildModelFromWeights refuses another model's file", () => {
  const model = buildModel("mlp", new Random(11), { hidden: 8 });
  const optimizer = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  for (const p of model.parameters()) p.grad = p.value.clone();
  optimizer.step();
  const bytes = encodeCheckpoint(model, optimizer, { epoch: 1, rng: new Random(1).state(), standardization: { mean: 0.3, std: 0.4 }, history: [] }, { model: "mlp" });
  assert.ok([...decodeCheckpoint(bytes).optimizerTensors.keys()].length > 0, "the checkpoint holds optimizer tensors");
  const { model: loaded, info } = buildModelFromWeights("mlp", bytes, { hidden: 8, file: "checkpoint.safetensors" });
  assert.is(info.kind, "checkpoint");
  assert.equal(info.standardization, { mean: 0.3, std: 0.4 });
  for (const [k, t] of model.stateDict()) assert.equal(Array.from(loaded.stateDict().get(k)!.data), Array.from(t.data), k);
  const lenet = encodeModel(buildModel("lenet5", new Random(12)), { model: "lenet5" });
  assert.throws(() => buildModelFromWeights("mlp", lenet, { file: "lenet.safetensors" }), /lenet\.safetensors: the weights do not fit the model \(the file says it holds lenet5\)/);
  assert.throws(() => buildModelFromWeights("resnet7", lenet), /unknown model "resnet7"/);
});

test.run();
