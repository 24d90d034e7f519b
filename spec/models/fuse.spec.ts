// The inference pass: fuseModelForInference (src/models/fuse_model.ts) and
// the generic fuseForInference (src/nn/fuse_for_inference.ts). A fused model
// must compute what the unfused one computes in eval mode — batch norm
// folded into the weights, bias, ReLU and the residual add in the conv
// kernels' epilogue — within float32 rounding: we require max |Δ| ≤ 1e-4 ·
// max |y| on the logits (folding rounds W·s once instead of rounding z and
// the normalized value; measured 2e-7 … 1.1e-6 here). Batch-norm statistics and
// affine parameters are random (not the 0/1 of a fresh layer), so the fold
// is exercised. Also: the original model is untouched, and a model in
// training mode is refused.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randn, randu, type Tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { Variable } from "../../src/autograd/variable.js";
import { noGrad } from "../../src/autograd/apply.js";
import { getBackend, setBackend } from "../../src/backend/dispatch.js";
import { BatchNorm2d, Conv2d, Flatten, FusedConv2d, Linear, MaxPool2d, ReLU, Sequential, fuseForInference, type Module } from "../../src/nn/index.js";
import { FusedResidualBlock, fuseModelForInference, resnet18, resnet50, vgg } from "../../src/models/index.js";
import { withFastestBackend } from "./helpers.js";

const TOLERANCE = 1e-4;

/** Gives every batch norm of `model` random running statistics and affine parameters. */
function randomizeBatchNorms(model: Module, rng: Random): void {
  for (const [, m] of model.namedModules()) {
    if (!(m instanceof BatchNorm2d)) continue;
    const C = m.numFeatures;
    m.runningMean.data.set(randu([C], rng, { low: -0.5, high: 0.5 }).data);
    m.runningVar.data.set(randu([C], rng, { low: 0.5, high: 2 }).data);
    m.weight!.value.data.set(randu([C], rng, { low: 0.5, high: 1.5 }).data);
    m.bias!.value.data.set(randu([C], rng, { low: -0.5, high: 0.5 }).data);
  }
}

function forward(model: Module, x: Tensor): Tensor {
  return noGrad(() => model.forward(new Variable(x))).value;
}

/** max |a − b| / max |b|. */
function relativeDifference(a: Tensor, b: Tensor): number {
  assert.equal(a.shape, b.shape);
  let diff = 0, scale = 0;
  for (let i = 0; i < b.size; i++) {
    diff = Math.max(diff, Math.abs(a.data[i] - b.data[i]));
    scale = Math.max(scale, Math.abs(b.data[i]));
  }
  assert.ok(scale > 0, "the logits are not all zero");
  return diff / scale;
}

function kinds(model: Module): Set<string> {
  return new Set(model.namedModules().map(([, m]) => m.constructor.name));
}

for (const [name, build] of [["ResNet-18", resnet18], ["ResNet-50 (Bottleneck)", resnet50]] as const) {
  test(`${name}, width 1/8, 32×32: the fused model's logits match the unfused model's in eval mode (both backends), no batch norm or separate add left`, () => {
    const rng = new Random(5);
    const model = build(rng, { width: 0.125, numClasses: 10 }).eval();
    randomizeBatchNorms(model, rng);
    const x = randn([2, 3, 32, 32], rng);
    const fused = fuseModelForInference(model);
    const present = kinds(fused);
    assert.not.ok(present.has("BatchNorm2d") || present.has("BasicBlock") || present.has("Bottleneck"), [...present].join(", "));
    assert.ok(present.has("FusedResidualBlock") && present.has("FusedConv2d"));
    const previous = getBackend();
    try {
      setBackend("js");
      const d = relativeDifference(forward(fused, x), forward(model, x));
      assert.ok(d <= TOLERANCE, `reference backend: max |Δ| / max |y| = ${d}`);
      withFastestBackend(() => {
        const e = relativeDifference(forward(fused, x), forward(model, x));
        assert.ok(e <= TOLERANCE, `fastest backend: max |Δ| / max |y| = ${e}`);
      });
    } finally {
      setBackend(previous);
    }
  });
}

test("VGG-16 with width 1/8 at 32×32 (conv + bias + ReLU runs): fused logits match", () => {
  const rng = new Random(6);
  const model = vgg("vgg16", rng, { width: 0.125, numClasses: 10, hidden: 16, poolSize: 1, inputSize: [3, 32, 32] }).eval();
  const x = randn([1, 3, 32, 32], rng);
  const fused = fuseModelForInference(model);
  assert.not.ok(kinds(fused).has("Conv2d"));
  withFastestBackend(() => {
    const d = relativeDifference(forward(fused, x), forward(model, x));
    assert.ok(d <= TOLERANCE, `max |Δ| / max |y| = ${d}`);
  });
});

test("fuseForInference (src/nn) on a Sequential: Conv2d → BatchNorm2d → ReLU, Conv2d → ReLU and a lone Conv2d each become one FusedConv2d; the original is untouched", () => {
  const rng = new Random(7);
  const model = new Sequential(
    new Conv2d(3, 6, 3, rng, { padding: 1, bias: true }), new BatchNorm2d(6), new ReLU(), new MaxPool2d(2),
    new Conv2d(6, 5, 3, rng), new ReLU(), new Conv2d(5, 4, 1, rng, { bias: false }), new Flatten(), new Linear(4 * 2 * 2, 3, rng),
  ).eval();
  randomizeBatchNorms(model, rng);
  const before = new Map([...model.stateDict()].map(([k, t]) => [k, Float64Array.from(t.data)]));
  const x = randn([2, 3, 8, 8], rng);
  const want = forward(model, x);
  const fused = fuseForInference(model) as Sequential;
  assert.equal(fused.namedChildren().map(([, m]) => m.constructor.name), ["FusedConv2d", "MaxPool2d", "FusedConv2d", "FusedConv2d", "Flatten", "Linear"]);
  assert.equal([0, 2, 3].map((i) => (fused.at(i) as FusedConv2d).activation), ["relu", "relu", "none"]);
  const d = relativeDifference(forward(fused, x), want);
  assert.ok(d <= TOLERANCE, `max |Δ| / max |y| = ${d}`);
  for (const [k, t] of model.stateDict()) assert.equal(Float64Array.from(t.data), before.get(k), `${k} unchanged`);
  assert.ok(relativeDifference(forward(model, x), want) === 0, "the original computes what it did");
});

test("a model in training mode is refused with a clear error; a fused model switched to training refuses to run", () => {
  const rng = new Random(8);
  const model = resnet18(rng, { width: 0.125, numClasses: 10 });
  assert.throws(() => fuseModelForInference(model), /fuseForInference: expected a model in eval mode, got one in training mode.*call model\.eval\(\) first/);
  model.eval();
  (model.namedModules().find(([n]) => n === "layer2.1")![1]).train();
  assert.throws(() => fuseModelForInference(model), /training mode \(layer2\.1 is\)/);
  const block = model.namedModules().find(([n]) => n === "layer1.0")![1] as unknown as { fusedForInference(): Module };
  model.eval();
  const fused = block.fusedForInference();
  assert.instance(fused, FusedResidualBlock);
  fused.train();
  assert.throws(() => forward(fused, randn([1, 8, 8, 8], rng)), /FusedConv2d: inference only.*call eval\(\) before forward/);
});

test.run();
