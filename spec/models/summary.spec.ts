/**
 * The zoo's numbers, checked exactly against independent sources: the
 * lecture's AlexNet table (000), torchvision's published parameter counts and
 * MACs (its weights' metadata: "num_params", "_ops"), the issue's MAC counts,
 * and receptive fields and memory derived by hand below. Models are built
 * with ShapeOnlyRandom (structure only), which is all a summary reads.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Conv2d, Linear, Module, Sequential } from "../../src/nn/index.js";
import { Random } from "../../src/random.js";
import type { Shape } from "../../src/tensor.js";
import type { Variable } from "../../src/autograd/variable.js";
import * as F from "../../src/autograd/functional.js";
import { buildModel, formatSummary, models, ShapeOnlyRandom, summarize, type ModelOptions, type ModelSummary } from "../../src/models/index.js";

const summaries = new Map<string, ModelSummary>();
/** Summary of a zoo model on one image of its published size (cached per name and variant). */
function summaryOf(name: string, options: ModelOptions = {}): ModelSummary {
  const key = `${name}/${options.variant ?? ""}`;
  let s = summaries.get(key);
  if (!s) {
    const model = buildModel(name, new ShapeOnlyRandom(), options);
    s = summarize(model, [1, ...models[name].inputSize]);
    // The trace's MAC sum and the modules' own recursive `macs` are two computations; they must agree.
    assert.is(s.totals.macs, model.macs([1, ...models[name].inputSize]), `${key}: traced MACs vs Module.macs`);
    summaries.set(key, s);
  }
  return s;
}

// Parameters: torchvision's "num_params" for the models it has; LeNet-5 and
// AlexNet-as-listed from the issue (both re-derived by hand in their files'
// doc comments); SE-ResNet-50 = ResNet-50 + Σ over the 16 blocks of the SE
// layers' 2·C²/16 + C/16 + C (C = 256×3, 512×4, 1024×6, 2048×3) = 25,557,032 +
// 2,530,992.
const params: Array<[string, string | undefined, number]> = [
  ["lenet5", undefined, 44_426],
  ["alexnet", undefined, 62_378_344],
  ["vgg16", undefined, 138_357_544],
  ["vgg19", undefined, 143_667_240],
  ["googlenet", undefined, 6_624_904],
  ["resnet18", undefined, 11_689_512],
  ["resnet34", undefined, 21_797_672],
  ["resnet50", undefined, 25_557_032],
  ["resnet50", "original", 25_557_032],
  ["resnet101", undefined, 44_549_160],
  ["resnet152", undefined, 60_192_808],
  ["se-resnet50", undefined, 28_088_024],
];
for (const [name, variant, expected] of params) {
  test(`${name}${variant ? ` (${variant})` : ""}: ${expected.toLocaleString("en")} parameters`, () => {
    const s = summaryOf(name, { variant });
    assert.is(s.totals.params, expected);
    // Each parameter appears in exactly one row.
    assert.is(s.layers.reduce((n, r) => n + r.params, 0), expected);
    assert.equal(s.notes, []);
  });
}

// MACs of conv and linear layers for one image: the issue's numbers
// (torchvision's "_ops" GFLOPS are these MACs: 1.814, 4.089, 11.514, 15.470).
const macs: Array<[string, string | undefined, number]> = [
  ["lenet5", undefined, 281_640],
  ["alexnet", undefined, 1_135_256_096],
  ["vgg16", undefined, 15_470_264_320],
  ["resnet18", undefined, 1_814_073_344],
  ["resnet50", undefined, 4_089_184_256],
  ["resnet152", undefined, 11_513_626_624],
  ["resnet152", "original", 11_282_415_616],
];
for (const [name, variant, expected] of macs) {
  test(`${name}${variant ? ` (${variant})` : ""}: ${expected.toLocaleString("en")} MACs per image`, () => {
    assert.is(summaryOf(name, { variant }).totals.macs, expected);
  });
}

test("LeNet-5 MACs by hand: 6·24²·25 + 16·8²·6·25 + 256·120 + 120·84 + 84·10", () => {
  const rows = summaryOf("lenet5").layers.filter((r) => r.macs > 0).map((r) => r.macs);
  assert.equal(rows, [6 * 24 * 24 * 25, 16 * 8 * 8 * 6 * 25, 256 * 120, 120 * 84, 84 * 10]);
});

test("AlexNet's shapes equal 000's table line by line", () => {
  // 000, "Case Study: AlexNet": [W×H×C] of CONV1, MAX POOL1, NORM1, CONV2, MAX POOL2, NORM2,
  // CONV3, CONV4, CONV5, MAX POOL3, FC6, FC7, FC8.
  const lecture = ["55x55x96", "27x27x96", "27x27x96", "27x27x256", "13x13x256", "13x13x256", "13x13x384", "13x13x384", "13x13x256", "6x6x256", "4096", "4096", "1000"];
  const s = summaryOf("alexnet");
  assert.equal(s.inputShape, [1, 3, 227, 227]);
  const named = s.layers.filter((r) => /^(Conv2d|MaxPool2d|LocalResponseNorm|Linear)/.test(r.layer));
  const asLecture = (shape: number[]) => (shape.length === 4 ? `${shape[2]}x${shape[3]}x${shape[1]}` : String(shape[1]));
  assert.equal(named.map((r) => asLecture(r.outputShape)), lecture);
  assert.equal(named.map((r) => r.layer.split("(")[0]), ["Conv2d", "MaxPool2d", "LocalResponseNorm", "Conv2d", "MaxPool2d", "LocalResponseNorm", "Conv2d", "Conv2d", "Conv2d", "MaxPool2d", "Linear", "Linear", "Linear"]);
  // The issue's list: the same without the NORM rows (which repeat their pool's shape).
  const withoutNorm = named.filter((r) => !r.layer.startsWith("LocalResponseNorm")).map((r) => asLecture(r.outputShape));
  assert.equal(withoutNorm, ["55x55x96", "27x27x96", "27x27x256", "13x13x256", "13x13x384", "13x13x384", "13x13x256", "6x6x256", "4096", "4096", "1000"]);
});

test("ZFNet's shapes are those of Zeiler & Fergus's Figure 3 with the lecture's 512/1024/512", () => {
  const s = summaryOf("zfnet");
  const named = s.layers.filter((r) => /^(Conv2d|MaxPool2d|Linear)/.test(r.layer));
  const shown = named.map((r) => (r.outputShape.length === 4 ? `${r.outputShape[2]}x${r.outputShape[3]}x${r.outputShape[1]}` : String(r.outputShape[1])));
  assert.equal(shown, ["110x110x96", "55x55x96", "26x26x256", "13x13x256", "13x13x512", "13x13x1024", "13x13x512", "6x6x512", "4096", "4096", "1000"]);
});

test("state-dict names and shapes are torchvision's (ResNet-18/50, VGG-16, GoogLeNet)", () => {
  const sd = (name: string) => buildModel(name, new ShapeOnlyRandom()).stateDict();
  const r18 = sd("resnet18");
  // torchvision resnet18: 62 parameter tensors + 20 batch norms × 3 buffers = 122 entries.
  assert.is(r18.size, 122);
  for (const [key, shape] of [
    ["conv1.weight", [64, 3, 7, 7]], ["bn1.running_mean", [64]], ["layer1.0.conv1.weight", [64, 64, 3, 3]],
    ["layer2.0.downsample.0.weight", [128, 64, 1, 1]], ["layer2.0.downsample.1.num_batches_tracked", []],
    ["layer4.1.bn2.running_var", [512]], ["fc.weight", [1000, 512]], ["fc.bias", [1000]],
  ] as const) {
    assert.ok(r18.has(key), `resnet18: ${key} missing`);
    assert.equal([...r18.get(key)!.shape], shape, key);
  }
  assert.is(r18.get("layer2.0.downsample.1.num_batches_tracked")!.dtype, "int32");
  const r50 = sd("resnet50");
  // 161 parameter tensors + 53 batch norms × 3 = 320 entries.
  assert.is(r50.size, 320);
  assert.equal([...r50.get("layer1.0.conv3.weight")!.shape], [256, 64, 1, 1]);
  assert.equal([...r50.get("layer3.5.bn3.weight")!.shape], [1024]);
  assert.equal([...r50.get("layer4.0.downsample.0.weight")!.shape], [2048, 1024, 1, 1]);
  const v16 = sd("vgg16");
  assert.is(v16.size, 32); // 13 conv + 3 linear, weight and bias each
  assert.equal([...v16.get("features.0.weight")!.shape], [64, 3, 3, 3]);
  assert.equal([...v16.get("features.28.bias")!.shape], [512]);
  assert.equal([...v16.get("classifier.0.weight")!.shape], [4096, 25088]);
  assert.equal([...v16.get("classifier.6.bias")!.shape], [1000]);
  const g = sd("googlenet");
  // 3 stem BasicConv2d + 9 Inception modules × 6 BasicConv2d, each conv.weight + 5 bn entries; fc weight and bias.
  assert.is(g.size, (3 + 9 * 6) * 6 + 2);
  assert.equal([...g.get("conv1.conv.weight")!.shape], [64, 3, 7, 7]);
  assert.equal([...g.get("inception3a.branch2.1.conv.weight")!.shape], [128, 96, 3, 3]);
  assert.equal([...g.get("inception3a.branch3.1.conv.weight")!.shape], [32, 16, 3, 3]); // torchvision's 3×3
  assert.equal([...g.get("inception5b.branch4.1.bn.running_var")!.shape], [128]);
  assert.equal([...g.get("fc.weight")!.shape], [1000, 1024]);
  const gPaper = buildModel("googlenet", new ShapeOnlyRandom(), { variant: "paper" }).stateDict();
  assert.equal([...gPaper.get("inception3a.branch3.1.conv.weight")!.shape], [32, 16, 5, 5]);
  const se = sd("se-resnet50");
  assert.equal([...se.get("layer1.0.se.fc1.weight")!.shape], [16, 256]);
  assert.equal([...se.get("layer4.2.se.fc2.bias")!.shape], [2048]);
});

test("the two ResNet variants differ only in where the bottleneck's stride sits", () => {
  const tv = buildModel("resnet50", new ShapeOnlyRandom()) as Module;
  const orig = buildModel("resnet50", new ShapeOnlyRandom(), { variant: "original" }) as Module;
  const convs = (m: Module) => new Map(m.namedModules().filter(([, x]) => x instanceof Conv2d).map(([n, x]) => [n, (x as Conv2d).stride[0]]));
  const a = convs(tv), b = convs(orig);
  assert.equal([...a.keys()], [...b.keys()]);
  const differ = [...a.keys()].filter((k) => a.get(k) !== b.get(k));
  assert.equal(differ, ["layer2.0.conv1", "layer2.0.conv2", "layer3.0.conv1", "layer3.0.conv2", "layer4.0.conv1", "layer4.0.conv2"]);
  assert.is(a.get("layer2.0.conv2"), 2);
  assert.is(b.get("layer2.0.conv1"), 2);
  // Same spatial size at every block output.
  const blockShapes = (s: ModelSummary) => s.layers.filter((r) => r.layer === "add").map((r) => r.outputShape.join("x"));
  assert.equal(blockShapes(summaryOf("resnet50")), blockShapes(summaryOf("resnet50", { variant: "original" })));
});

test("receptive fields of the last conv layer, derived by hand", () => {
  // LeNet-5: conv 5 → 5; pool 2/2 → 5 + 1 = 6, jump 2; conv 5 → 6 + 4·2 = 14; the first window is pixels 0…13, centre 6.5.
  assert.equal(summaryOf("lenet5").receptiveField, { layer: "3", size: [14, 14], jump: [2, 2], start: [6.5, 6.5], global: false });
  // AlexNet: CONV1 11/4 → 11 (jump 4); POOL 3/2 → 19 (8); CONV2 5 → 51; POOL → 67 (16); CONV3..5 3×3 → 99, 131, 163.
  const alex = summaryOf("alexnet").receptiveField!;
  assert.equal([alex.layer, alex.size, alex.jump], ["features.12", [163, 163], [16, 16]]);
  // VGG-16 conv5_3: two 3×3 → 5; pool → 6 (2); two → 14; pool → 16 (4); three → 40; pool → 44 (8);
  // three → 92; pool → 100 (16); three → 196.
  const vgg = summaryOf("vgg16").receptiveField!;
  assert.equal([vgg.layer, vgg.size, vgg.jump], ["features.28", [196, 196], [16, 16]]);
  // ResNet-18 layer4.1.conv2: 7/2 → 7 (2); pool 3/2 → 11 (4); layer1 four 3×3 → 43; layer2 → 51 (8) then
  // three more → 99; layer3 → 115 (16), 211; layer4 → 243 (32), 435. (The 1×1 shortcuts see less.)
  const r18 = summaryOf("resnet18").receptiveField!;
  assert.equal([r18.layer, r18.size, r18.jump, r18.global], ["layer4.1.conv2", [435, 435], [32, 32], false]);
  // Squeeze-and-excitation's global pooling makes every later unit depend on the whole image.
  assert.is(summaryOf("resnet50").receptiveField!.global, false);
  assert.is(summaryOf("se-resnet50").receptiveField!.global, true);
});

test("activation and training memory of LeNet-5, by hand", () => {
  const s = summaryOf("lenet5");
  // Row outputs: 6·24² twice (conv, ReLU), 6·12², 16·8² twice, 16·4², 256 (flatten), 120 twice, 84 twice, 10.
  const activations = 2 * 3456 + 864 + 2 * 1024 + 256 + 256 + 2 * 120 + 2 * 84 + 10;
  assert.is(s.totals.activations, activations);
  assert.is(s.totals.activationBytes, 4 * activations);
  assert.is(s.totals.activationsKeptForBackward, 784 + activations);
  assert.is(s.totals.weightBytes, 4 * 44_426);
  assert.is(s.totals.trainingBytes, 4 * (3 * 44_426 + 784 + activations));
});

test("batch size scales shapes, MACs and activations but not parameters", () => {
  const model = buildModel("resnet18", new ShapeOnlyRandom());
  const one = summarize(model, [1, 3, 224, 224]);
  const four = summarize(model, [4, 3, 224, 224]);
  assert.is(four.totals.params, one.totals.params);
  assert.is(four.totals.macs, 4 * one.totals.macs);
  assert.is(four.totals.activations, 4 * one.totals.activations);
  assert.equal(four.outputShape, [4, 1000]);
});

test("joins appear where branches meet: residual adds, Inception concats, SE scales", () => {
  const count = (s: ModelSummary, kind: string) => s.layers.filter((r) => r.layer === kind).length;
  assert.is(count(summaryOf("resnet18"), "add"), 8);
  assert.is(count(summaryOf("resnet152"), "add"), 3 + 8 + 36 + 3);
  assert.is(count(summaryOf("googlenet"), "concat"), 9);
  assert.is(count(summaryOf("se-resnet50"), "scale"), 16);
  const inc = summaryOf("googlenet").layers.find((r) => r.name === "inception3a" && r.layer === "concat")!;
  assert.equal(inc.outputShape, [1, 64 + 128 + 32 + 32, 28, 28]);
});

test("a wrong input shape is reported with the layer that rejects it", () => {
  const alex = buildModel("alexnet", new ShapeOnlyRandom());
  assert.throws(() => summarize(alex, [1, 3, 32, 32]), /features\.6 \(MaxPool2d.*smaller than the kernel/);
  const r18 = buildModel("resnet18", new ShapeOnlyRandom());
  assert.throws(() => summarize(r18, [1, 1, 224, 224]), /conv1 \(Conv2d.*expected input \[N, 3, H, W\], got \[1, 1, 224, 224\]/);
});

test("a branching module that does not override trace is caught", () => {
  // forward: a(x) + b(x) with two 1×1 convs 3 → 4; the default trace chains b after a,
  // whose 4-channel output b rejects.
  class TwoBranches extends Module {
    readonly a = this.registerModule("a", new Conv2d(3, 4, 1, new Random(0)));
    readonly b = this.registerModule("b", new Conv2d(3, 4, 1, new Random(1)));
    forward(x: Variable): Variable { return F.add(this.a.forward(x), this.b.forward(x)); }
    outputShape(s: Shape): Shape { return this.a.outputShape(s); }
  }
  assert.throws(() => summarize(new TwoBranches(), [1, 3, 8, 8]), /b \(Conv2d/);
  // A chain whose outputShape is lied about: the trace disagrees and says so.
  class Liar extends Sequential {
    override outputShape(): Shape { return [1, 5]; }
  }
  assert.throws(() => summarize(new Liar(new Linear(3, 2, new Random(0))), [1, 3]), /does not override Module\.trace/);
});

test("formatSummary prints every row and the totals", () => {
  const s = summaryOf("lenet5");
  const text = formatSummary(s, "lenet5");
  assert.ok(text.includes("44,426"));
  assert.ok(text.includes("281,640"));
  assert.ok(text.includes("14×14 pixels at layer 3"));
  for (const r of s.layers) assert.ok(text.includes(r.layer), r.layer);
});

test.run();
