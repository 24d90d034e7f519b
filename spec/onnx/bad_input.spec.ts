/**
 * Bad ONNX input: truncated or malformed files, unsupported ops, cycles,
 * undefined values, wrong initializer shapes, huge declared sizes — each a
 * clear error naming the file (and the node or initializer), never a hang,
 * a crash of another kind or an allocation of the declared size. Fuzzed
 * with fast-check (fixed seed, bounded runs).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { Tensor, fromArray, randn } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { ProtobufError } from "../../src/io/protobuf.js";
import { OnnxError } from "../../src/io/onnx/tensor_proto.js";
import { OnnxNodeError } from "../../src/onnx/attributes.js";
import { loadOnnx } from "../../src/onnx/graph.js";
import { ONNX_DTYPE, type TensorProto } from "../../src/io/onnx/schema.js";
import { info, init, model, node } from "./onnx_graph.js";

const rng = new Random(99);
const ints = (...v: number[]) => new Tensor(Int32Array.from(v), [v.length]);

/** A small valid model: Conv → Relu → MaxPool → Flatten → Gemm → Softmax, with a Reshape by initializer. */
function validModel(): Uint8Array {
  return model(
    13,
    [
      node("Conv", ["x", "w", "b"], ["c"], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, "conv1"),
      node("Relu", ["c"], ["r"], {}, "relu1"),
      node("MaxPool", ["r"], ["p"], { kernel_shape: [2, 2], strides: [2, 2] }, "pool1"),
      node("Reshape", ["p", "shape"], ["f"], {}, "flatten"),
      node("Gemm", ["f", "fc.w", "fc.b"], ["g"], { transB: 1 }, "fc"),
      node("Softmax", ["g"], ["y"], { axis: 1 }, "softmax"),
    ],
    [init("w", randn([2, 1, 3, 3], rng)), init("b", randn([2], rng)), init("shape", ints(-1, 8)), init("fc.w", randn([3, 8], rng)), init("fc.b", randn([3], rng))],
    [info("x", ["N", 1, 4, 4])],
    [info("y", ["N", 3])],
  );
}
const x = randn([1, 1, 4, 4], rng);

function throwsWith(fn: () => unknown, type: new (...a: never[]) => Error, pattern: RegExp): void {
  try {
    fn();
  } catch (err) {
    assert.instance(err, type, `expected ${type.name}, got ${(err as Error).name}: ${(err as Error).message}`);
    assert.match((err as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected ${type.name} matching ${pattern}`);
}

test("the valid model loads and runs (the cases below each break one thing)", () => {
  const y = loadOnnx(validModel(), { file: "ok.onnx" }).forward(x);
  assert.equal([...y.shape], [1, 3]);
  assert.ok(Math.abs(y.data[0] + y.data[1] + y.data[2] - 1) < 1e-6);
});

test("empty, truncated and non-ONNX files: errors naming the file", () => {
  const bytes = validModel();
  throwsWith(() => loadOnnx(new Uint8Array(0), { file: "empty.onnx" }), OnnxError, /^empty\.onnx: is empty/);
  throwsWith(() => loadOnnx(bytes.subarray(0, bytes.length - 7), { file: "cut.onnx" }), ProtobufError, /^cut\.onnx: model\.graph.*runs past the end/);
  throwsWith(() => loadOnnx(new TextEncoder().encode('{"not": "onnx"}'), { file: "model.json" }), ProtobufError, /^model\.json: /);
  throwsWith(() => loadOnnx(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), { file: "image.png" }), ProtobufError, /^image\.png: /);
  throwsWith(() => loadOnnx(Uint8Array.from([0x08, 0x07]), { file: "graphless.onnx" }), OnnxError, /graphless\.onnx: has no graph/);
});

test("unsupported ops: one error listing every unsupported op type with its nodes, before anything runs", () => {
  const bytes = model(13, [node("Relu", ["x"], ["a"], {}, "ok"), node("Einsum", ["a"], ["b"], {}, "e1"), node("NonMaxSuppression", ["b"], ["c"], {}, "nms"), node("Einsum", ["c"], ["y"], {}, "e2")], [], [info("x", [1])], [info("y", [1])]);
  throwsWith(() => loadOnnx(bytes, { file: "det.onnx" }), OnnxError, /^det\.onnx: 2 unsupported op types: Einsum \(nodes "e1", "e2"\); NonMaxSuppression \(node "nms"\)\. nnref evaluates: .*Conv/);
  const custom = model(13, [{ ...node("Relu", ["x"], ["y"], {}, "r"), domain: "com.microsoft" }], [], [info("x", [1])], [info("y", [1])]);
  throwsWith(() => loadOnnx(custom, { file: "ms.onnx" }), OnnxError, /1 unsupported op type: com\.microsoft\.Relu \(node "r"\)/);
});

test("opsets outside 7–17 are refused by number", () => {
  const relu = (opset: number) => model(opset, [node("Relu", ["x"], ["y"])], [], [info("x", [1])], [info("y", [1])]);
  throwsWith(() => loadOnnx(relu(6), { file: "old.onnx" }), OnnxError, /old\.onnx: imports ONNX opset 6; nnref evaluates opsets 7–17/);
  throwsWith(() => loadOnnx(relu(18), { file: "new.onnx" }), OnnxError, /imports ONNX opset 18/);
});

test("cycles and undefined values: errors naming the nodes", () => {
  const cycle = model(13, [node("Relu", ["x"], ["a"], {}, "start"), node("Add", ["a", "c"], ["b"], {}, "loop1"), node("Relu", ["b"], ["c"], {}, "loop2"), node("Relu", ["c"], ["y"], {}, "end")], [], [info("x", [2])], [info("y", [2])]);
  throwsWith(() => loadOnnx(cycle, { file: "cycle.onnx" }), OnnxError, /cycle\.onnx: the graph has a cycle: nodes "loop1" \(Add\), "loop2" \(Relu\), "end" \(Relu\) wait on each other's outputs/);
  const undefinedInput = model(13, [node("Relu", ["nowhere"], ["y"], {}, "r1")], [], [info("x", [2])], [info("y", [2])]);
  throwsWith(() => loadOnnx(undefinedInput, { file: "u.onnx" }), OnnxError, /u\.onnx: node "r1" \(Relu\) reads value "nowhere", which no graph input, initializer or node defines/);
  const twice = model(13, [node("Relu", ["x"], ["y"], {}, "a"), node("Relu", ["x"], ["y"], {}, "b")], [], [info("x", [2])], [info("y", [2])]);
  throwsWith(() => loadOnnx(twice, { file: "t.onnx" }), OnnxError, /node "b" \(Relu\) writes value "y", which node "a" also writes/);
  // Nodes out of order but acyclic are sorted, as ONNX Runtime does.
  const unordered = model(13, [node("Relu", ["a"], ["y"], {}, "second"), node("Sigmoid", ["x"], ["a"], {}, "first")], [], [info("x", [2])], [info("y", [2])]);
  assert.equal(loadOnnx(unordered).nodes.map((n) => n.label), ['"first"', '"second"']);
});

test("wrong initializer shapes: data of the wrong size, a declared input shape that disagrees, a weight that does not fit its node", () => {
  const short: TensorProto = { ...init("w", randn([2, 1, 3, 3], rng)), raw_data: new Uint8Array(8) };
  const bad = model(13, [node("Conv", ["x", "w"], ["y"], {}, "conv1")], [short], [info("x", [1, 1, 4, 4])], [info("y", [1, 2, 4, 4])]);
  throwsWith(() => loadOnnx(bad, { file: "w.onnx" }), OnnxError, /w\.onnx: initializer "w": dims \[2, 1, 3, 3\] of FLOAT need 72 bytes, but raw_data has 8/);
  const typed: TensorProto = { dims: [4], data_type: ONNX_DTYPE.FLOAT, name: "b", float_data: [1, 2], int32_data: [], int64_data: [], double_data: [], uint64_data: [] };
  throwsWith(() => loadOnnx(model(13, [node("Add", ["x", "b"], ["y"])], [typed], [info("x", [4])], [info("y", [4])]), { file: "t.onnx" }), OnnxError, /initializer "b": dims \[4\] declare 4 elements, but float_data holds 2/);
  const declared = model(13, [node("Add", ["x", "b"], ["y"])], [init("b", fromArray([1, 2, 3], [3]))], [info("x", [3]), info("b", [4])], [info("y", [3])]);
  throwsWith(() => loadOnnx(declared, { file: "d.onnx" }), OnnxError, /initializer "b" has shape \[3\], but the graph input of that name declares \[4\]/);
  const misfit = model(13, [node("Conv", ["x", "w"], ["y"], { kernel_shape: [3, 3] }, "conv1")], [init("w", randn([2, 3, 3, 3], rng))], [info("x", [1, 1, 4, 4])], [info("y", [1, 2, 2, 2])]);
  throwsWith(() => loadOnnx(misfit, { file: "m.onnx" }).forward(x), OnnxNodeError, /^m\.onnx: node "conv1" \(Conv\): conv2d: weight: expected/);
});

test("huge declared sizes are refused without allocating them", () => {
  const huge: TensorProto = { dims: [2 ** 20, 2 ** 20], data_type: ONNX_DTYPE.FLOAT, name: "big", raw_data: new Uint8Array(16), float_data: [], int32_data: [], int64_data: [], double_data: [], uint64_data: [] };
  throwsWith(() => loadOnnx(model(13, [node("Relu", ["big"], ["y"])], [huge], [], [info("y", [1])]), { file: "h.onnx" }), OnnxError, /initializer "big": dims \[1048576, 1048576\] of FLOAT need 4398046511104 bytes, but raw_data has 16/);
  const overflow: TensorProto = { ...huge, dims: [2 ** 40, 2 ** 40] };
  throwsWith(() => loadOnnx(model(13, [node("Relu", ["big"], ["y"])], [overflow], [], [info("y", [1])]), { file: "h.onnx" }), OnnxError, /declare more elements than can be addressed/);
  // A protobuf length of 2⁶² bytes inside a 20-byte file.
  throwsWith(() => loadOnnx(Uint8Array.from([0x3a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40]), { file: "len.onnx" }), ProtobufError, /len\.onnx: model\.graph: declared length 4611686018427387904 runs past the end/);
  // An op asked for an enormous output: Resize by 10⁵ in each spatial axis.
  const resize = model(13, [node("Resize", ["x", "", "scales"], ["y"], {}, "up")], [init("scales", fromArray([1, 1, 1e5, 1e5], [4]))], [info("x", [1, 1, 4, 4])], [info("y", [1, 1, 1, 1])]);
  throwsWith(() => loadOnnx(resize, { file: "r.onnx" }).forward(x), OnnxNodeError, /^r\.onnx: node "up" \(Resize\): the output \[1, 1, 400000, 400000\] would hold 160000000000 elements, over nnref's limit/);
  const pads = model(13, [node("Pad", ["x", "pads"], ["y"], {}, "pad")], [init("pads", ints(0, 0, 1e6, 1e6, 0, 0, 1e6, 1e6))], [info("x", [1, 1, 4, 4])], [info("y", [1, 1, 1, 1])]);
  throwsWith(() => loadOnnx(pads, { file: "p.onnx" }).forward(x), OnnxNodeError, /p\.onnx: node "pad" \(Pad\): the output \[1, 1, 2000004, 2000004\] would hold \d+ elements, over nnref's limit/);
});

test("a fed input of the wrong shape or type is named", () => {
  const m = loadOnnx(validModel(), { file: "ok.onnx" });
  throwsWith(() => m.forward(randn([1, 1, 5, 4], rng)), OnnxError, /ok\.onnx: input "x": expected shape \[N, 1, 4, 4\], got \[1, 1, 5, 4\]/);
  throwsWith(() => m.forward(new Tensor(new Int32Array(16), [1, 1, 4, 4])), OnnxError, /input "x": expected FLOAT \(float32\), got int32/);
});

/** Loads and runs `bytes`; any error must be one of the loader's, naming the file. */
function loadAndRunOrFailCleanly(bytes: Uint8Array): void {
  try {
    loadOnnx(bytes, { file: "fuzz.onnx" }).forward(x);
  } catch (err) {
    const ok = err instanceof ProtobufError || err instanceof OnnxError || err instanceof OnnxNodeError;
    if (!ok) throw new Error(`unexpected ${(err as Error).name}: ${(err as Error).message}`);
    assert.match((err as Error).message, /^fuzz\.onnx: /);
  }
}

test("fuzz: truncated at any point, or with bytes overwritten, a model loads and runs or fails with a named error (fixed seed, bounded)", () => {
  const bytes = validModel();
  // 550 bounded runs, well under a second here; no wall-clock assertion, so a busy machine cannot fail the suite.
  fc.assert(fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (cut) => loadAndRunOrFailCleanly(bytes.subarray(0, cut))), { seed: 31, numRuns: 150 });
  const edits = fc.array(fc.tuple(fc.integer({ min: 0, max: bytes.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 });
  fc.assert(
    fc.property(edits, (changes) => {
      const copy = bytes.slice();
      for (const [at, value] of changes) copy[at] = value;
      loadAndRunOrFailCleanly(copy);
    }),
    { seed: 32, numRuns: 400 },
  );
});

test.run();
