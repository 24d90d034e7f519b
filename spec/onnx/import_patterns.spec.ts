/**
 * ONNX import: graphs written node by node in the patterns torch.onnx.export
 * emits for torchvision's ResNet, VGG, GoogLeNet and AlexNet (and one case
 * per supported op at the opsets where its form changed) run in nnref, on
 * both backends, and in ONNX Runtime, with equal outputs. ONNX Runtime is
 * the independent oracle: no expected value here comes from nnref.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Tensor, fromArray, randn, shapeString } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { getBackend, setBackend, isWasmAvailable } from "../../src/backend/dispatch.js";
import { loadKernelsSync } from "../../src/backend/load.js";
import { loadOnnx } from "../../src/onnx/graph.js";
import type { NodeProto, TensorProto } from "../../src/io/onnx/schema.js";
import { info, init, model, node, relativeError, runOrt } from "./onnx_graph.js";

loadKernelsSync();
const rng = new Random(2024);
const r = (...shape: number[]) => randn(shape, rng);
const ints = (...v: number[]) => new Tensor(Int32Array.from(v), [v.length]);
const positive = (n: number) => fromArray(Array.from({ length: n }, () => 0.5 + rng.uniform()), [n]);

interface Case {
  name: string;
  opset: number;
  nodes: NodeProto[];
  inits: TensorProto[];
  inputs: Record<string, Tensor>;
  outputs: string[];
  /** List the initializers among the graph inputs too, as older exports do (keep_initializers_as_inputs). */
  initializersAsInputs?: boolean;
}

/** conv (no bias) → BatchNormalization, unfused, as torchvision's conv-bn pairs export in training-free form. */
function convBn(prefix: string, x: string, cin: number, cout: number, k: number, stride: number, pad: number): { nodes: NodeProto[]; inits: TensorProto[]; out: string } {
  const o = `${prefix}.bn`;
  return {
    nodes: [
      node("Conv", [x, `${prefix}.w`], [`${prefix}.conv`], { kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad], dilations: [1, 1], group: 1 }),
      node("BatchNormalization", [`${prefix}.conv`, `${prefix}.g`, `${prefix}.b`, `${prefix}.m`, `${prefix}.v`], [o], { epsilon: { float: 1e-5 } }),
    ],
    inits: [init(`${prefix}.w`, r(cout, cin, k, k)), init(`${prefix}.g`, positive(cout)), init(`${prefix}.b`, r(cout)), init(`${prefix}.m`, r(cout)), init(`${prefix}.v`, positive(cout))],
    out: o,
  };
}

const cases: Case[] = [];

// ResNet stem and one basic block: Conv+BN unfused, Relu, MaxPool 3/2 pad 1, residual Add, GlobalAveragePool, Flatten, Gemm.
for (const opset of [9, 13, 17]) {
  const stem = convBn("stem", "x", 3, 4, 3, 2, 1);
  const c1 = convBn("b1", "pool", 4, 4, 3, 1, 1);
  const c2 = convBn("b2", "b1.relu", 4, 4, 3, 1, 1);
  cases.push({
    name: `ResNet pattern (opset ${opset}${opset === 9 ? ", initializers also listed as graph inputs" : ""})`,
    opset,
    initializersAsInputs: opset === 9,
    nodes: [
      ...stem.nodes,
      node("Relu", [stem.out], ["stem.relu"]),
      node("MaxPool", ["stem.relu"], ["pool"], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }),
      ...c1.nodes,
      node("Relu", [c1.out], ["b1.relu"]),
      ...c2.nodes,
      node("Add", [c2.out, "pool"], ["add"]),
      node("Relu", ["add"], ["block"]),
      node("GlobalAveragePool", ["block"], ["gap"]),
      node("Flatten", ["gap"], ["flat"], { axis: 1 }),
      node("Gemm", ["flat", "fc.w", "fc.b"], ["logits"], { alpha: { float: 1 }, beta: { float: 1 }, transB: 1 }),
    ],
    inits: [...stem.inits, ...c1.inits, ...c2.inits, init("fc.w", r(5, 4)), init("fc.b", r(5))],
    inputs: { x: r(2, 3, 16, 16) },
    outputs: ["logits"],
  });
}

// VGG/AlexNet: fused Conv (with bias) + Relu, MaxPool ceil_mode, LRN, AveragePool (adaptive to the same size: kernel 1),
// Flatten, Dropout, Gemm; the classifier's Reshape with a shape initializer [-1, C·H·W] in the older exports.
cases.push({
  name: "VGG / AlexNet pattern (opset 11): fused conv, LRN, MaxPool ceil_mode, AveragePool 1×1, Reshape by initializer, Dropout",
  opset: 11,
  nodes: [
    node("Conv", ["x", "c1.w", "c1.b"], ["c1"], { kernel_shape: [5, 5], strides: [2, 2], pads: [2, 2, 2, 2] }),
    node("Relu", ["c1"], ["r1"]),
    node("LRN", ["r1"], ["n1"], { size: 5, alpha: { float: 1e-3 }, beta: { float: 0.75 }, bias: { float: 2 } }),
    node("MaxPool", ["n1"], ["p1"], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }),
    node("AveragePool", ["p1"], ["a1"], { kernel_shape: [1, 1], strides: [1, 1] }),
    node("Reshape", ["a1", "shape"], ["flat"]),
    node("Dropout", ["flat"], ["d1"], { ratio: { float: 0.5 } }),
    node("Gemm", ["d1", "fc.w", "fc.b"], ["logits"], { transB: 1 }),
  ],
  inits: [init("c1.w", r(6, 3, 5, 5)), init("c1.b", r(6)), init("shape", ints(-1, 6 * 4 * 4)), init("fc.w", r(7, 96)), init("fc.b", r(7))],
  inputs: { x: r(2, 3, 15, 15) },
  outputs: ["logits"],
});

// The flatten of opset-9 era exports: Shape → Gather(0) → Unsqueeze → Concat with -1 → Reshape.
cases.push({
  name: "Shape/Gather/Unsqueeze/Concat/Reshape flatten (opset 9)",
  opset: 9,
  nodes: [
    node("Shape", ["x"], ["s"]),
    node("Gather", ["s", "zero"], ["n"], { axis: 0 }),
    node("Unsqueeze", ["n"], ["n1"], { axes: [0] }),
    node("Concat", ["n1", "minus1"], ["target"], { axis: 0 }),
    node("Reshape", ["x", "target"], ["y"]),
    node("Softmax", ["y"], ["p"], { axis: 1 }),
  ],
  inits: [init("zero", new Tensor(new Int32Array([0]), [])), init("minus1", ints(-1))],
  inputs: { x: r(3, 2, 2, 2) },
  outputs: ["p"],
});

// GoogLeNet: transform_input (Gather per channel, Unsqueeze, Mul, Add, Concat) and an Inception block's four branches.
{
  // x[:, c] exports as Gather with a scalar int64 index from a Constant node (the scale and shift are folded into initializers).
  const chan = (c: number): NodeProto[] => [
    node("Constant", [], [`idx${c}`], { value: new Tensor(new Int32Array([c]), []) }),
    node("Gather", ["x", `idx${c}`], [`x${c}`], { axis: 1 }),
    node("Unsqueeze", [`x${c}`, "axes1"], [`u${c}`]),
    node("Mul", [`u${c}`, `s${c}`], [`m${c}`]),
    node("Add", [`m${c}`, `t${c}`], [`t${c}out`]),
  ];
  const consts = [0, 1, 2].flatMap((c) => [init(`s${c}`, fromArray([[0.458, 0.448, 0.45][c]], [])), init(`t${c}`, fromArray([[-0.03, -0.088, -0.188][c]], []))]);
  const b1 = convBn("i.b1", "tin", 3, 2, 1, 1, 0), b2a = convBn("i.b2a", "tin", 3, 2, 1, 1, 0), b2 = convBn("i.b2", "i.b2a.bn", 2, 3, 3, 1, 1), b3 = convBn("i.b3", "tin", 3, 1, 3, 1, 1), b4 = convBn("i.b4", "i.pool", 3, 2, 1, 1, 0);
  cases.push({
    name: "GoogLeNet pattern (opset 13): transform_input and an Inception block's Concat of four branches",
    opset: 13,
    nodes: [
      ...chan(0), ...chan(1), ...chan(2),
      node("Concat", ["t0out", "t1out", "t2out"], ["tin"], { axis: 1 }),
      ...b1.nodes, ...b2a.nodes, ...b2.nodes, ...b3.nodes,
      node("MaxPool", ["tin"], ["i.pool"], { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], ceil_mode: 1 }),
      ...b4.nodes,
      node("Concat", [b1.out, b2.out, b3.out, b4.out], ["inception"], { axis: 1 }),
      node("MaxPool", ["inception"], ["pooled"], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }),
    ],
    inits: [...consts, init("axes1", ints(1)), ...b1.inits, ...b2a.inits, ...b2.inits, ...b3.inits, ...b4.inits],
    inputs: { x: r(1, 3, 10, 10) },
    outputs: ["pooled"],
  });
}

// One case per remaining op / opset form.
const x4 = () => r(2, 3, 5, 6);
const single = (name: string, opset: number, nodes: NodeProto[], inits: TensorProto[], x: Tensor): Case => ({ name, opset, nodes, inits, inputs: { x }, outputs: [nodes[nodes.length - 1].output[0]] });
cases.push(
  single("LeakyRelu, Sigmoid, Tanh, Sub, Div, Mul by a broadcast row (opset 7)", 7, [node("LeakyRelu", ["x"], ["a"], { alpha: { float: 0.2 } }), node("Sigmoid", ["a"], ["b"]), node("Tanh", ["x"], ["c"]), node("Sub", ["b", "c"], ["d"]), node("Mul", ["d", "row"], ["e"]), node("Div", ["e", "two"], ["y"])], [init("row", r(6)), init("two", fromArray([2], [1]))], x4()),
  single("Softmax opset 11 (coerced to 2-D at axis 2)", 11, [node("Softmax", ["x"], ["y"], { axis: 2 })], [], x4()),
  single("LogSoftmax opset 13 (one axis, default −1)", 13, [node("LogSoftmax", ["x"], ["y"])], [], x4()),
  single("AveragePool with pads, count_include_pad 0 and 1, ceil_mode (opset 10)", 10, [node("AveragePool", ["x"], ["a"], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 }), node("AveragePool", ["x"], ["b"], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1, ceil_mode: 1 }), node("Sub", ["a", "b"], ["y"])], [], x4()),
  single("MaxPool with dilations and asymmetric auto_pad SAME_UPPER (opset 12)", 12, [node("MaxPool", ["x"], ["y"], { kernel_shape: [2, 3], strides: [2, 2], auto_pad: "SAME_UPPER" })], [], x4()),
  single("Conv with groups, dilation and asymmetric pads (opset 11)", 11, [node("Conv", ["x", "w"], ["y"], { kernel_shape: [2, 2], dilations: [2, 1], group: 3, pads: [1, 0, 0, 2] })], [init("w", r(6, 1, 2, 2))], x4()),
  single("Conv with stride 2 and SAME_LOWER (opset 11)", 11, [node("Conv", ["x", "w", "b"], ["y"], { kernel_shape: [3, 2], strides: [2, 2], auto_pad: "SAME_LOWER" })], [init("w", r(4, 3, 3, 2)), init("b", r(4))], x4()),
  single("ConvTranspose with stride 2, pads and output_padding (opset 11)", 11, [node("ConvTranspose", ["x", "w", "b"], ["y"], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] })], [init("w", r(3, 2, 3, 3)), init("b", r(2))], x4()),
  single("Pad constant (opset 11, pads as input)", 11, [node("Pad", ["x", "pads", "value"], ["y"], { mode: "constant" })], [init("pads", ints(0, 0, 1, 2, 0, 0, 2, 0)), init("value", fromArray([0.5], []))], x4()),
  single("Pad reflect and edge (opset 13)", 13, [node("Pad", ["x", "pads"], ["a"], { mode: "reflect" }), node("Pad", ["a", "pads"], ["y"], { mode: "edge" })], [init("pads", ints(0, 0, 2, 1, 0, 0, 1, 3))], x4()),
  single("Pad by attribute (opset 7)", 7, [node("Pad", ["x"], ["y"], { pads: [0, 0, 1, 1, 0, 0, 1, 1], value: { float: -1 } })], [], x4()),
  single("Upsample nearest by scales input (opset 9)", 9, [node("Upsample", ["x", "scales"], ["y"], { mode: "nearest" })], [init("scales", fromArray([1, 1, 2, 3], [4]))], x4()),
  single("Upsample linear by scales attribute (opset 7)", 7, [node("Upsample", ["x"], ["y"], { mode: "linear", scales: { floats: [1, 1, 2, 2] } })], [], x4()),
  single("Resize linear half_pixel by scales (opset 11)", 11, [node("Resize", ["x", "roi", "scales"], ["y"], { mode: "linear" })], [init("roi", fromArray([], [0])), init("scales", fromArray([1, 1, 2, 1.5], [4]))], x4()),
  single("Resize linear align_corners by sizes (opset 13)", 13, [node("Resize", ["x", "", "", "sizes"], ["y"], { mode: "linear", coordinate_transformation_mode: "align_corners" })], [init("sizes", ints(2, 3, 9, 4))], x4()),
  single("Resize linear pytorch_half_pixel (opset 13)", 13, [node("Resize", ["x", "", "scales"], ["y"], { mode: "linear", coordinate_transformation_mode: "pytorch_half_pixel" })], [init("scales", fromArray([1, 1, 2, 2], [4]))], x4()),
  single("Resize nearest asymmetric floor, as torch exports nn.Upsample (opset 13)", 13, [node("Resize", ["x", "", "scales"], ["y"], { mode: "nearest", coordinate_transformation_mode: "asymmetric", nearest_mode: "floor" })], [init("scales", fromArray([1, 1, 2, 2], [4]))], x4()),
  single("Resize nearest half_pixel round_prefer_ceil by sizes (opset 13)", 13, [node("Resize", ["x", "", "", "sizes"], ["y"], { mode: "nearest", nearest_mode: "round_prefer_ceil" })], [init("sizes", ints(2, 3, 7, 4))], x4()),
  single("MaxPool with the Indices output, then MaxUnpool (opset 11)", 11, [node("MaxPool", ["x"], ["p", "i"], { kernel_shape: [2, 2], strides: [2, 2] }), node("MaxUnpool", ["p", "i"], ["y"], { kernel_shape: [2, 2], strides: [2, 2] })], [], r(2, 3, 4, 6)),
  single("MatMul batched and Add of a bias (opset 13)", 13, [node("Transpose", ["x"], ["t"], { perm: [0, 1, 3, 2] }), node("MatMul", ["x", "t"], ["m"]), node("Add", ["m", "bias"], ["y"])], [init("bias", r(5))], x4()),
  single("Gemm with transA, alpha, beta and a matrix C (opset 11)", 11, [node("Gemm", ["x", "b", "c"], ["y"], { transA: 1, alpha: { float: 0.5 }, beta: { float: 2 } })], [init("b", r(4, 3)), init("c", r(1, 3))], r(4, 5)),
  single("Squeeze, Unsqueeze (axes input, opset 13), Identity, Cast, Constant, GlobalMaxPool", 13, [node("GlobalMaxPool", ["x"], ["g"]), node("Squeeze", ["g", "axes"], ["s"]), node("Identity", ["s"], ["i"]), node("Cast", ["i"], ["c"], { to: 1 }), node("Constant", [], ["k"], { value: fromArray([1.5, -2, 0.25], [3]) }), node("Mul", ["c", "k"], ["y"])], [init("axes", ints(2, 3))], x4()),
  single("BatchNormalization on [N, C] (opset 9)", 9, [node("BatchNormalization", ["x", "g", "b", "m", "v"], ["y"], { epsilon: { float: 1e-3 } })], [init("g", positive(6)), init("b", r(6)), init("m", r(6)), init("v", positive(6))], r(4, 6)),
);

for (const c of cases) {
  test(`${c.name}: nnref (js and wasm backends) equals ONNX Runtime`, async () => {
    const inputInfos = Object.entries(c.inputs).map(([k, t]) => info(k, [...t.shape]));
    if (c.initializersAsInputs) inputInfos.push(...c.inits.map((t) => info(t.name!, t.dims, t.data_type)));
    const bytes = model(c.opset, c.nodes, c.inits, inputInfos, c.outputs.map((o) => ({ name: o })));
    const expected = await runOrt(bytes, c.inputs);
    const loaded = loadOnnx(bytes, { file: `${c.name}.onnx` });
    const before = getBackend();
    try {
      for (const backend of isWasmAvailable() ? (["js", "wasm"] as const) : (["js"] as const)) {
        setBackend(backend);
        const got = loaded.run(c.inputs);
        for (const o of c.outputs) {
          assert.equal(shapeString(got[o].shape), shapeString(expected[o].shape), `${o}: shape (${backend})`);
          const err = relativeError(got[o], expected[o]);
          assert.ok(err <= 1e-5, `${o} (${backend}): relative error ${err}`);
        }
      }
    } finally {
      setBackend(before);
    }
  });
}

test("the wasm kernels loaded, so both backends ran above", () => {
  assert.ok(isWasmAvailable());
});

test.run();
