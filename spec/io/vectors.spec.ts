// Reading and writing nnref-vectors files (src/io/vectors.ts): file-level
// errors, per-case errors that name the case and the field, NaN/Infinity
// strings, int64 tensors, float32 rounding, and the writer's shortest float32
// decimals.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import {
  VectorsFileError,
  float32String,
  isMalformed,
  readVectors,
  writeVectors,
  type MalformedCase,
  type VectorCase,
  type VectorsFile,
} from "../../src/io/vectors.js";
import { Tensor, fromArray } from "../../src/tensor.js";
import { fcParams } from "../support/properties.js";

/** A file around `cases` (raw JSON values). */
function file(cases: unknown[]): Record<string, unknown> {
  return { format: "nnref-vectors", version: 1, source: "spec", cases };
}

/** A well-formed relu case to vary. */
function reluCase(name = "relu/a"): Record<string, any> {
  return {
    name,
    op: "relu",
    attrs: {},
    inputs: { input: { shape: [2, 3], data: [-1, 0, 1, 2, -3, 4] } },
    outputs: { output: { shape: [2, 3], data: [0, 0, 1, 2, 0, 4] } },
  };
}

/** Reads one raw case and returns its malformed message (fails the test if it read fine). */
function malformedMessage(raw: unknown): string {
  const f = readVectors(file([raw]));
  const c = f.cases[0];
  assert.ok(isMalformed(c), `expected a malformed case, got a well-formed one: ${JSON.stringify(raw).slice(0, 200)}`);
  return (c as MalformedCase).malformed;
}

function fileError(source: unknown): string {
  try {
    readVectors(source);
  } catch (err) {
    assert.instance(err, VectorsFileError);
    return (err as Error).message;
  }
  assert.unreachable("expected a VectorsFileError");
  return "";
}

// ───────────────────────────── file level ─────────────────────────────

test("invalid JSON: line, column and what was found", () => {
  // Line 3 is `  "cases": [}`; the "}" is its 13th character.
  const text = '{\n  "format": "nnref-vectors", "version": 1,\n  "cases": [}\n';
  const msg = fileError(text);
  assert.match(msg, /^invalid JSON at line 3, column 13 \(position 57\): Unexpected token '}', \.\.\.""cases": \[}\\n" is not valid JSON$/);
  assert.is(text[57], "}");
});

test("readVectors({ file }) puts the file's name at the start of a file-level error", () => {
  try {
    readVectors('{"format": "nnref-vectors", "version": 2, "cases": []}', { file: "cases.json" });
    assert.unreachable("should throw");
  } catch (err) {
    assert.instance(err, VectorsFileError);
    assert.match((err as Error).message, /^cases\.json: version: expected 1/);
  }
  assert.throws(() => readVectors("{", { file: "cut.json" }), /^cut\.json: invalid JSON/);
});

test("invalid JSON: a bare NaN says to write the string \"NaN\"", () => {
  const msg = fileError('{"format":"nnref-vectors","version":1,"cases":[{"x":[1, NaN]}]}');
  assert.match(msg, /line 1, column 57 .*NaN is not a JSON number; in tensor data write the string "NaN"/);
});

test("invalid JSON: truncated file and trailing garbage", () => {
  assert.match(fileError('{"format":"nnref-vectors"'), /line 1, column 26 \(position 25\): Expected ',' or '}' after property value/);
  assert.match(fileError("{}\n}"), /line 2, column 1 \(position 3\): Unexpected non-whitespace character after JSON/);
  assert.match(fileError(""), /line 1, column 1 \(position 0\): Unexpected end of JSON input$/);
});

test("invalid JSON: a token in the middle is placed by the text around it; a short text gives no position, and says so", () => {
  const text = '{"format": "nnref-vectors", "x": tru, "version": 1, "cases": []}';
  assert.match(fileError(text), /^invalid JSON at line 1, column 37 \(position 36\): Unexpected token ','/);
  assert.is(text[36], ",");
  assert.match(fileError('{"format":"nnref-vectors","cases":[1, -Infinity]}'), /column 40 .*-Infinity is not a JSON number; in tensor data write the string "-Infinity"/);
  assert.is(fileError('{"a": tru}'), `invalid JSON (the JavaScript engine's message gives no position): Unexpected token '}', "{"a": tru}" is not valid JSON`);
});

test("wrong format, wrong version, missing cases, not an object", () => {
  assert.is(fileError({ format: "other", version: 1, cases: [] }), 'not an nnref-vectors file: format: expected "nnref-vectors", got "other"');
  assert.is(fileError({ version: 1, cases: [] }), 'not an nnref-vectors file: format: expected "nnref-vectors", got nothing');
  assert.is(fileError({ format: "nnref-vectors", version: 2, cases: [] }), "version: expected 1 (the only version this reader knows), got 2");
  assert.is(fileError({ format: "nnref-vectors", version: "1", cases: [] }), 'version: expected 1 (the only version this reader knows), got "1"');
  assert.is(fileError({ format: "nnref-vectors", version: 1 }), "cases: expected an array of cases, got nothing");
  assert.is(fileError("[1, 2]"), "not an nnref-vectors file: expected a JSON object at the top, got [1,2]");
});

test("a byte-order mark before the JSON is accepted", () => {
  const f = readVectors("\ufeff" + JSON.stringify(file([reluCase()])));
  assert.is(f.cases.length, 1);
  assert.not.ok(isMalformed(f.cases[0]));
});

// ───────────────────────────── cases ─────────────────────────────

test("a well-formed case reads into tensors with defaults filled", () => {
  const f = readVectors(JSON.stringify(file([reluCase()])));
  assert.is(f.source, "spec");
  const c = f.cases[0] as VectorCase;
  assert.is(c.name, "relu/a");
  assert.equal(c.attrs, {});
  assert.instance(c.inputs.input, Tensor);
  assert.equal([...c.inputs.input.shape], [2, 3]);
  assert.is(c.inputs.input.dtype, "float32");
  assert.equal([...c.outputs.output.data], [0, 0, 1, 2, 0, 4]);
  assert.is(c.rtol, 1e-4);
  assert.is(c.atol, 1e-5);
  assert.is(c.upstream, undefined);
  assert.is(c.grads, undefined);
});

test("data length ≠ product of shape names the case and field", () => {
  const raw = reluCase("relu/short");
  raw.inputs.input.data.pop();
  assert.is(malformedMessage(raw), 'case "relu/short": inputs.input: shape [2, 3] needs 6 values, got 5');
});

test("missing name and op, and a case that is not an object", () => {
  const noName = reluCase();
  delete noName.name;
  assert.is(malformedMessage(noName), "cases[0]: name: expected a non-empty string, got nothing");
  const noOp = reluCase("x");
  delete noOp.op;
  assert.is(malformedMessage(noOp), 'case "x": op: expected an op name, got nothing');
  assert.is(malformedMessage(42), "cases[0]: expected a case object, got 42");
});

test("non-numeric data, bad dtype, bad shape, nested data", () => {
  const a = reluCase("a");
  a.inputs.input.data[4] = "x";
  assert.is(malformedMessage(a), 'case "a": inputs.input.data[4]: expected a number or "NaN", "Infinity", "-Infinity", got "x"');
  const b = reluCase("b");
  b.inputs.input.dtype = "float16";
  assert.is(malformedMessage(b), 'case "b": inputs.input.dtype: expected "float32" or "int64", got "float16"');
  const c = reluCase("c");
  c.outputs.output.shape = [2, -3];
  assert.is(malformedMessage(c), 'case "c": outputs.output.shape: expected an array of non-negative integers, got [2,-3]');
  const d = reluCase("d");
  d.inputs.input = { shape: [2, 3], data: [[-1, 0, 1], [2, -3, 4]] };
  assert.is(malformedMessage(d), 'case "d": inputs.input: shape [2, 3] needs 6 values, got 2');
  const e = reluCase("e");
  e.inputs.input = [1, 2, 3];
  assert.match(malformedMessage(e), /^case "e": inputs\.input: expected a tensor \{"shape": \[\.\.\.\], "data": \[\.\.\.\]\}, got \[1,2,3\]$/);
});

test("unknown input name and missing required input, by the op's signature", () => {
  const a = reluCase("a");
  a.inputs.x = a.inputs.input;
  assert.is(malformedMessage(a), 'case "a": inputs.x: not an input of relu (its inputs: input)');
  const b = reluCase("b");
  delete b.inputs.input;
  assert.is(malformedMessage(b), 'case "b": inputs.input: missing (relu needs input)');
  const c = reluCase("c");
  c.outputs = { out: c.outputs.output };
  assert.is(malformedMessage(c), 'case "c": outputs.out: not an output of relu (its outputs: output)');
  const d = reluCase("d");
  delete d.inputs;
  assert.is(malformedMessage(d), 'case "d": inputs: missing (an object of tensors by name)');
});

test("upstream and grads go together, and name the op's differentiable outputs and inputs", () => {
  const t = { shape: [2, 3], data: [1, 1, 1, 1, 1, 1] };
  const a = { ...reluCase("a"), grads: { input: t } };
  assert.match(malformedMessage(a), /^case "a": upstream: missing/);
  const b = { ...reluCase("b"), upstream: { output: t } };
  assert.match(malformedMessage(b), /^case "b": grads: missing/);
  const c = { ...reluCase("c"), upstream: { y: t }, grads: { input: t } };
  assert.is(malformedMessage(c), 'case "c": upstream.y: not a differentiable output of relu (upstream is given for: output)');
  const d = { ...reluCase("d"), upstream: { output: t }, grads: { weight: t } };
  assert.is(malformedMessage(d), 'case "d": grads.weight: relu has no gradient for weight (its gradients: input)');
});

test("a misspelt case field is an error, \"comment\" is kept", () => {
  const a = { ...reluCase("a"), grad: {} };
  assert.match(malformedMessage(a), /^case "a": grad: not a case field/);
  const f = readVectors(file([{ ...reluCase("b"), comment: "from the lecture" }]));
  assert.is((f.cases[0] as VectorCase).comment, "from the lecture");
  const c = { ...reluCase("c"), rtol: -1 };
  assert.is(malformedMessage(c), 'case "c": rtol: expected a non-negative number, got -1');
});

test("a case with nothing to compare is malformed", () => {
  const a = reluCase("a");
  delete a.outputs;
  assert.is(malformedMessage(a), 'case "a": outputs: missing: a case needs at least one output or grad to compare');
});

test("duplicate names: the later case is malformed, the first reads", () => {
  const f = readVectors(file([reluCase("same"), reluCase("same")]));
  assert.not.ok(isMalformed(f.cases[0]));
  assert.is((f.cases[1] as MalformedCase).malformed, 'case "same": name: the same name as cases[0] (names identify cases, so they must be unique)');
});

test("malformed cases never hide the others: every case comes back in order", () => {
  const bad = reluCase("bad");
  bad.inputs.input.data = "oops";
  const f = readVectors(file([reluCase("one"), bad, null, reluCase("two"), { ...reluCase("unknown-op"), op: "no_such_op" }]));
  assert.equal(f.cases.map((c) => c.name), ["one", "bad", "cases[2]", "two", "unknown-op"]);
  assert.equal(f.cases.map(isMalformed), [false, true, true, false, false]); // an unknown op is checkVectors' business
  assert.is((f.cases[1] as MalformedCase).op, "relu");
  assert.is((f.cases[1] as MalformedCase).index, 1);
});

// ───────────────────────────── values ─────────────────────────────

test('"NaN", "Infinity", "-Infinity" strings in float data', () => {
  const raw = reluCase();
  raw.inputs.input.data = ["NaN", "Infinity", "-Infinity", 0, -0, 1];
  const c = readVectors(file([raw])).cases[0] as VectorCase;
  const d = c.inputs.input.data;
  assert.ok(Number.isNaN(d[0]));
  assert.is(d[1], Infinity);
  assert.is(d[2], -Infinity);
  assert.ok(Object.is(d[4], -0));
  const text = writeVectors([c], "s");
  assert.ok(text.includes('"data":["NaN","Infinity","-Infinity",0,-0,1]'), text);
});

test("float values are float32 in both dtypes; beyond the float32 range is an error", () => {
  const raw = reluCase();
  raw.inputs.input.data = [0.1, 1 / 3, 16777217, 1e-46, -2.5, 3.4028235e38];
  for (const dtype of ["float32", "float64"] as const) {
    const t = (readVectors(file([raw]), { dtype }).cases[0] as VectorCase).inputs.input;
    assert.is(t.dtype, dtype);
    // Hand-known float32 roundings: 0.1 → 0.100000001490116…, 2^24 + 1 → 2^24, 1e-46 → 0.
    assert.is(t.data[0], 0.10000000149011612);
    assert.is(t.data[1], 0.3333333432674408);
    assert.is(t.data[2], 16777216);
    assert.is(t.data[3], 0);
    assert.is(t.data[4], -2.5);
    assert.is(t.data[5], 3.4028234663852886e38);
  }
  const big = reluCase("big");
  big.inputs.input.data[2] = 1e39;
  assert.is(malformedMessage(big), 'case "big": inputs.input.data[2]: 1e+39 is outside the float32 range (write "Infinity" or "-Infinity" for infinities)');
});

test("int64 tensors read into Int32Array; non-integers and out-of-int32 values are errors", () => {
  const raw = reluCase();
  raw.inputs.input = { shape: [3], dtype: "int64", data: [0, 2, -1] };
  const t = (readVectors(file([raw]), { dtype: "float64" }).cases[0] as VectorCase).inputs.input;
  assert.instance(t.data, Int32Array);
  assert.equal([...t.data], [0, 2, -1]);
  const over = reluCase("over");
  over.inputs.input = { shape: [2], dtype: "int64", data: [1, 2147483648] };
  assert.is(malformedMessage(over), 'case "over": inputs.input.data[1]: 2147483648 is outside the int32 range nnref uses for indices');
  const frac = reluCase("frac");
  frac.inputs.input = { shape: [2], dtype: "int64", data: [1, 1.5] };
  assert.is(malformedMessage(frac), 'case "frac": inputs.input.data[1]: expected an integer (int64 tensor), got 1.5');
  const nan = reluCase("nan");
  nan.inputs.input = { shape: [1], dtype: "int64", data: ["NaN"] };
  assert.is(malformedMessage(nan), 'case "nan": inputs.input.data[0]: expected an integer (int64 tensor), got "NaN"');
});

test("scalars have shape [] and one value", () => {
  const raw = reluCase();
  raw.inputs.input = { shape: [], data: [-2] };
  raw.outputs.output = { shape: [], data: [0] };
  const c = readVectors(file([raw])).cases[0] as VectorCase;
  assert.equal([...c.inputs.input.shape], []);
  assert.is(c.inputs.input.size, 1);
  const empty = reluCase("empty");
  empty.inputs.input = { shape: [], data: [] };
  assert.is(malformedMessage(empty), 'case "empty": inputs.input: shape [] needs 1 values, got 0');
});

// ───────────────────────────── writing ─────────────────────────────

test("float32String: shortest decimals known from float32 arithmetic", () => {
  const known: [number, string][] = [
    [0.1, "0.1"],
    [1 / 3, "0.33333334"], // numpy: repr(np.float32(1/3))
    [2 / 3, "0.6666667"],
    [16777217, "16777216"],
    [2 ** -149, "1e-45"], // the smallest float32 subnormal, 1.4e-45, reads back from 1e-45
    [3.4028234663852886e38, "3.4028235e+38"], // FLT_MAX
    [1e39, "Infinity"],
    [-1.5, "-1.5"],
    [-0, "-0"],
    [0, "0"],
    [NaN, "NaN"],
    [-Infinity, "-Infinity"],
  ];
  for (const [x, s] of known) assert.is(float32String(x), s, `float32String(${x})`);
});

test("float32String round-trips every float32 and is the shortest such decimal (property)", () => {
  const bits = new Int32Array(1);
  const view = new Float32Array(bits.buffer);
  fc.assert(
    fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (b) => {
      bits[0] = b;
      const v = view[0];
      const s = float32String(v);
      if (Number.isNaN(v)) return s === "NaN";
      if (!Number.isFinite(v)) return s === String(v);
      if (!Object.is(Math.fround(Number(s)), v)) return false;
      const digits = s.replace(/^-/, "").replace(/e.*$/, "").replace(".", "").replace(/^0+/, "").replace(/0+$/, "").length;
      return digits <= 1 || Math.fround(Number(v.toPrecision(digits - 1))) !== v;
    }),
    fcParams(3000),
  );
});

test("write → read gives back the same tensors bit for bit (property, incl. NaN, ±Infinity, -0, int64)", () => {
  const special = fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 2 ** -149, 3.4028234663852886e38);
  const value = fc.oneof(fc.float({ noNaN: false }), special);
  const shape = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 });
  fc.assert(
    fc.property(shape, fc.array(value, { minLength: 27, maxLength: 27 }), fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: 27, maxLength: 27 }), (s, floats, ints) => {
      const n = s.reduce((a, b) => a * b, 1);
      const x = fromArray(floats.slice(0, n), s, "float32");
      const k = fromArray(ints.slice(0, n), s, "int32");
      const c: VectorCase = { name: "t", op: "not_registered", attrs: { a: 1 }, inputs: { x, k }, outputs: { y: x }, rtol: 0.5, atol: 0 };
      const back = readVectors(writeVectors([c], "p")).cases[0] as VectorCase;
      assert.not.ok(isMalformed(back));
      for (const [got, want] of [[back.inputs.x, x], [back.inputs.k, k], [back.outputs.y, x]]) {
        assert.equal([...got.shape], [...want.shape]);
        assert.is(got.dtype, want.dtype);
        for (let i = 0; i < n; i++) assert.ok(Object.is(got.data[i], want.data[i]), `element ${i}: wrote ${want.data[i]}, read ${got.data[i]}`);
      }
      assert.equal(back.attrs, { a: 1 });
      assert.is(back.rtol, 0.5);
      assert.is(back.atol, 0);
    }),
    fcParams(200),
  );
});

test("writeVectors: stable text, one case per line, op's argument order, int64 marked", () => {
  const f = readVectors(file([reluCase("b"), reluCase("a")])) as VectorsFile;
  const cases = f.cases as VectorCase[];
  const text = writeVectors(cases, "the source");
  assert.is(writeVectors(cases, "the source"), text);
  const lines = text.trimEnd().split("\n");
  assert.is(lines.length, 4);
  assert.is(lines[0], '{"format":"nnref-vectors","version":1,"source":"the source","cases":[');
  assert.is(lines[1], '{"name":"b","op":"relu","attrs":{},"inputs":{"input":{"shape":[2,3],"data":[-1,0,1,2,-3,4]}},"outputs":{"output":{"shape":[2,3],"data":[0,0,1,2,0,4]}},"rtol":0.0001,"atol":0.00001},');
  assert.is(lines[3], "]}");
  const withInt: VectorCase = { ...cases[0], inputs: { input: fromArray([3, -1], [2], "int32") } };
  assert.ok(writeVectors([withInt], "").includes('"input":{"shape":[2],"dtype":"int64","data":[3,-1]}'));
  // A float64 tensor is written as its float32 rounding.
  const wide: VectorCase = { ...cases[0], inputs: { input: fromArray([0.1, 1e39], [2], "float64") } };
  assert.ok(writeVectors([wide], "").includes('"data":[0.1,"Infinity"]'));
  assert.throws(() => writeVectors([{ ...cases[0], attrs: { eps: NaN } }], ""), /attrs: eps is NaN, which JSON cannot hold/);
});

test.run();
