// The vectors oracle (src/check/vectors.ts) and the `nnref check` / `nnref
// vectors` commands: every registered op round-trips through a file in both
// dtypes; hand-computed cases pass; wrong values, unknown ops, malformed
// cases and bad files are reported (never a crash), with the worst element
// named; the CLI prints `N passed, M failed` and exits 0 only when nothing failed.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { VECTORS_V1_OPS, checkVectors, formatCaseDetails, formatCaseResult, formatOpNames, makeVectors, vectorOpNames, type CheckReport } from "../../src/check/vectors.js";
import { VectorsFileError, readVectors, writeVectors, type VectorCase } from "../../src/io/vectors.js";
import { findOp } from "../../src/ops/registry.js";
import { getBackend, kernelOpNames, setBackend } from "../../src/backend/dispatch.js";
import { loadKernelsSync } from "../../src/backend/load.js";
import { main } from "../../src/cli/main.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "nnref-vectors-spec-"));

/** A file around raw JSON cases. */
function file(cases: unknown[]): Record<string, unknown> {
  return { format: "nnref-vectors", version: 1, source: "spec", cases };
}

function t(shape: number[], data: (number | string)[]): { shape: number[]; data: (number | string)[] } {
  return { shape, data };
}

function only(report: CheckReport) {
  assert.is(report.results.length, 1);
  return report.results[0];
}

// ───────────────────────────── round trip ─────────────────────────────

test("every registered vector op round-trips: makeVectors → writeVectors → readVectors → checkVectors passes, float32 and float64", () => {
  const names = vectorOpNames();
  assert.ok(names.includes("relu") && names.includes("sigmoid"), `registered: ${names.join(", ")}`);
  for (const name of names) {
    const made = makeVectors(name, { count: 3, seed: 7 });
    const text = writeVectors(made.cases as VectorCase[], made.source);
    for (const dtype of ["float32", "float64"] as const) {
      const read = readVectors(text, { dtype });
      const report = checkVectors(read, { dtype });
      const failures = report.results.filter((r) => !r.passed).map(formatCaseResult);
      assert.is(report.failed, 0, `${name} (${dtype}): ${failures.join("; ")}`);
      assert.is(report.passed, 3);
      assert.is(writeVectors(read.cases as VectorCase[], made.source), text, `${name}: checking leaves the cases as they were read`);
    }
  }
});

test("makeVectors: inputs are float32 values, attrs are the op's validated attrs, names op/k, same seed same text", () => {
  for (const name of vectorOpNames()) {
    const op = findOp(name)!;
    const made = makeVectors(name, { count: 2, seed: 3 });
    made.cases.forEach((raw, k) => {
      const c = raw as VectorCase;
      assert.is(c.name, `${name}/${k}`);
      assert.equal(op.attrs(c.attrs), c.attrs, `${name}: the written attrs are already complete and valid`);
      for (const group of [c.inputs, c.outputs, c.upstream ?? {}, c.grads ?? {}]) {
        for (const x of Object.values(group)) assert.ok(x.dtype === "float32" || x.dtype === "int32", `${name}: ${x}`);
      }
      if (op.backward && op.grads.length > 0) {
        assert.ok(c.upstream && c.grads, `${name}: an op with gradients gets upstream and grads`);
        assert.equal(Object.keys(c.upstream!).sort(), op.differentiableOutputs.filter((o) => o in c.outputs).sort());
      }
    });
    const again = makeVectors(name, { count: 2, seed: 3 });
    assert.is(writeVectors(again.cases as VectorCase[], ""), writeVectors(made.cases as VectorCase[], ""), `${name}: same seed, same cases`);
  }
  const a = writeVectors(makeVectors("sigmoid", { seed: 1 }).cases as VectorCase[], "");
  const b = writeVectors(makeVectors("sigmoid", { seed: 2 }).cases as VectorCase[], "");
  assert.is.not(a, b);
});

test("makeVectors refuses unknown ops and dropout", () => {
  assert.throws(() => makeVectors("no_such_op"), /makeVectors: unknown op "no_such_op"/);
  assert.throws(() => makeVectors("dropout"), /dropout is not a vector op/);
  assert.not.ok(vectorOpNames().includes("dropout"));
});

// ───────────────────────────── values computed by hand ─────────────────────────────

test("hand-computed cases pass: relu′(0) = 0, σ(0) = ½, σ(ln 3) = ¾, σ′(0) = ¼", () => {
  const ln3 = Math.log(3);
  const report = checkVectors(JSON.stringify(file([
    {
      name: "relu/hand", op: "relu", attrs: {},
      inputs: { input: t([2, 2], [-1, 0, 2, 0.5]) },
      outputs: { output: t([2, 2], [0, 0, 2, 0.5]) },
      upstream: { output: t([2, 2], [3, 3, 3, -1]) },
      grads: { input: t([2, 2], [0, 0, 3, -1]) },
    },
    {
      // σ(ln 3) = 1/(1 + 1/3) = 3/4; σ′ = σ(1 − σ): ¼ at 0, 3/16 at ln 3.
      name: "sigmoid/hand", op: "sigmoid",
      inputs: { input: t([3], [0, ln3, -ln3]) },
      outputs: { output: t([3], [0.5, 0.75, 0.25]) },
      upstream: { output: t([3], [1, 1, 2]) },
      grads: { input: t([3], [0.25, 0.1875, 0.375]) },
    },
  ])));
  assert.equal(report.results.map((r) => [r.name, r.passed]), [["relu/hand", true], ["sigmoid/hand", true]]);
  assert.is(report.passed, 2);
  assert.is(report.failed, 0);
});

test("the pass rule |actual − expected| ≤ atol + rtol·|expected|, at its edge", () => {
  // relu(1.75) = 1.75 against expected 1 with rtol ½, atol ¼: allowed exactly 0.75 (all exact in float32).
  const edge = (input: number) => only(checkVectors(file([{
    name: "edge", op: "relu", inputs: { input: t([1], [input]) }, outputs: { output: t([1], [1]) }, rtol: 0.5, atol: 0.25,
  }])));
  assert.ok(edge(1.75).passed);
  assert.ok(edge(0.25).passed);
  const beyond = edge(1.875);
  assert.not.ok(beyond.passed);
  assert.equal(beyond.worst, { field: "outputs.output", index: 0, at: [0], expected: 1, actual: 1.875, error: 0.875, allowed: 0.75 });
});

test("a wrong value fails, naming the worst element (field, index, expected, actual, error)", () => {
  const report = checkVectors(file([{
    name: "relu/wrong", op: "relu",
    inputs: { input: t([2, 3], [1, 2, 3, 4, 5, 6]) },
    outputs: { output: t([2, 3], [1, 2.001, 3, 4, 5, 6.5]) },
    upstream: { output: t([2, 3], [1, 1, 1, 1, 1, 1]) },
    grads: { input: t([2, 3], [1, 1, 1, 1, 1.2, 1]) },
  }]));
  const r = only(report);
  assert.not.ok(r.passed);
  assert.is(report.failed, 1);
  // Errors in tolerance units (atol + rtol·|e|): output[1] 0.001/2.1e-4 ≈ 4.8, output[5] 0.5/6.6e-4 ≈ 760, grads[4] 0.2/1.3e-4 ≈ 1540.
  const w = r.worst!;
  assert.is(w.field, "grads.input");
  assert.is(w.index, 4);
  assert.equal(w.at, [1, 1]);
  assert.is(w.expected, Math.fround(1.2));
  assert.is(w.actual, 1);
  assert.ok(Math.abs(w.error - 0.2) < 1e-6);
  assert.is(formatCaseResult(r), "FAIL relu/wrong: failing outputs.output (2 of 6 elements), grads.input (1 of 6 elements); worst grads.input[4] (at [1, 1]): expected 1.2, actual 1, error 2.00e-1 (allowed 1.30e-4)");
});

test("every failing output and gradient is reported: its count of failing elements and its own worst element", () => {
  // batch_norm in training has three outputs; two are wrong here, and the gradients too (in two tensors).
  // x = [[1], [3]] per channel: mean 2, biased var 1, x̂ = [−1, 1]; γ = 1, β = 0 → y = x̂/√(1 + eps).
  // Running stats (momentum 0.5, from 0 and 1): mean 1, var ½·1 + ½·2 = 1.5 (unbiased var 2).
  const r = only(checkVectors(file([{
    name: "bn", op: "batch_norm", attrs: { training: true, momentum: 0.5, eps: 0 },
    inputs: { input: t([2, 1], [1, 3]), running_mean: t([1], [0]), running_var: t([1], [1]), weight: t([1], [1]), bias: t([1], [0]) },
    outputs: { output: t([2, 1], [-1, 1.5]), running_mean: t([1], [1]), running_var: t([1], [7]) },
    // upstream [1, 1]: dβ = 2 (given 9: wrong), dγ = Σ g·x̂ = 0 (right), dx = 0 (given [5, 5]: both wrong).
    upstream: { output: t([2, 1], [1, 1]) },
    grads: { input: t([2, 1], [5, 5]), weight: t([1], [0]), bias: t([1], [9]) },
  }])));
  assert.not.ok(r.passed);
  const fields = r.fields!.map((f) => [f.field, f.failing, f.size, f.worst?.index]);
  assert.equal(fields, [
    ["outputs.output", 1, 2, 1],
    ["outputs.running_mean", 0, 1, 0],
    ["outputs.running_var", 1, 1, 0],
    ["grads.input", 2, 2, 0],
    ["grads.weight", 0, 1, 0],
    ["grads.bias", 1, 1, 0],
  ]);
  assert.is(r.fields![2].worst!.expected, 7);
  assert.is(r.fields![2].worst!.actual, 1.5);
  // The case's worst element, in units of its tolerance: grads.input's 5/(1e-5 + 5e-4) ≈ 9,800 beats
  // grads.bias's 7/(1e-5 + 9e-4) ≈ 7,700 and running_var's 5.5/(1e-5 + 7e-4) ≈ 7,700.
  assert.is(r.worst!.field, "grads.input");
  assert.match(formatCaseResult(r), /^FAIL bn: failing outputs\.output \(1 of 2 elements\), outputs\.running_var \(1 of 1 element\), grads\.input \(2 of 2 elements\), grads\.bias \(1 of 1 element\); worst grads\.input\[0\] \(at \[0, 0\]\): expected 5, actual /);
  const details = formatCaseDetails(r);
  assert.is(details.length, 6);
  assert.is(details[0], "     outputs.output: 1 of 2 elements fail; worst [1] (at [1, 0]): expected 1.5, actual 1, error 5.00e-1 (allowed 1.60e-4)");
  assert.match(details[1], /^ {5}outputs\.running_mean: ok \(1 element\); worst \[0\]: expected 1, actual 1, error 0\.00e\+0/);
  assert.match(details[3], /^ {5}grads\.input: 2 of 2 elements fail; worst \[0\] \(at \[0, 0\]\): expected 5, actual 0/);
});

test("a shape mismatch in one tensor does not hide the others' verdicts", () => {
  const r = only(checkVectors(file([{
    name: "mixed", op: "relu",
    inputs: { input: t([3], [1, -2, 3]) }, outputs: { output: t([3], [1, 0, 4]) },
    upstream: { output: t([3], [1, 1, 1]) }, grads: { input: t([1, 3], [1, 0, 1]) },
  }])));
  assert.not.ok(r.passed);
  assert.is(r.message, "grads.input: expected shape [1, 3], got [3]");
  assert.equal(r.fields!.map((f) => [f.field, f.failing, f.problem]), [["outputs.output", 1, undefined], ["grads.input", 3, "grads.input: expected shape [1, 3], got [3]"]]);
  assert.equal(formatCaseDetails(r), [
    "     outputs.output: 1 of 3 elements fail; worst [2]: expected 4, actual 3, error 1.00e+0 (allowed 4.10e-4)",
    "     grads.input: expected shape [1, 3], got [3]",
  ]);
});

test("NaN expected matches NaN; an infinity must match exactly", () => {
  const one = (input: (number | string)[], output: (number | string)[], op = "sigmoid") =>
    only(checkVectors(file([{ name: "c", op, inputs: { input: t([input.length], input) }, outputs: { output: t([output.length], output) } }])));
  assert.ok(one(["NaN"], ["NaN"]).passed); // σ(NaN) = NaN
  assert.ok(one(["Infinity", "-Infinity"], [1, 0]).passed);
  const notNaN = one(["NaN"], [0.5]);
  assert.not.ok(notNaN.passed);
  assert.ok(Number.isNaN(notNaN.worst!.actual));
  assert.ok(one(["Infinity"], ["Infinity"], "relu").passed);
  assert.not.ok(one(["Infinity"], [3.4028234663852886e38], "relu").passed);
  assert.not.ok(one([1], ["Infinity"], "relu").passed);
  assert.not.ok(one(["-Infinity"], ["-Infinity"], "relu").passed); // relu(−∞) = 0
});

test("attributes: an invalid one fails the case with the op's message; a missing one takes PyTorch's default", () => {
  const x = t([1, 1, 2, 2], [1, 2, 3, 4]);
  const report = checkVectors(file([
    { name: "bad-stride", op: "conv2d", attrs: { stride: 0 }, inputs: { input: x, weight: t([1, 1, 1, 1], [2]) }, outputs: { output: t([1, 1, 2, 2], [2, 4, 6, 8]) } },
    // No attrs: stride 1, padding 0, dilation 1, groups 1, so a 1×1 kernel of 2 doubles the image.
    { name: "defaults", op: "conv2d", inputs: { input: x, weight: t([1, 1, 1, 1], [2]) }, outputs: { output: t([1, 1, 2, 2], [2, 4, 6, 8]) } },
  ]));
  assert.equal(report.results.map((r) => [r.name, r.passed]), [["bad-stride", false], ["defaults", true]]);
  assert.match(report.results[0].message!, /^conv2d: stride: expected an integer ≥ 1, got 0$/);
});

test("a shape mismatch fails with both shapes, never compares elementwise", () => {
  const r = only(checkVectors(file([{ name: "s", op: "relu", inputs: { input: t([3], [1, 2, 3]) }, outputs: { output: t([1, 3], [1, 2, 3]) } }])));
  assert.not.ok(r.passed);
  assert.is(r.message, "outputs.output: expected shape [1, 3], got [3]");
  const u = only(checkVectors(file([{
    name: "u", op: "relu", inputs: { input: t([3], [1, 2, 3]) }, outputs: { output: t([3], [1, 2, 3]) },
    upstream: { output: t([1], [1]) }, grads: { input: t([3], [1, 1, 1]) },
  }])));
  assert.not.ok(u.passed);
  assert.is(u.message, "upstream.output: expected the output's shape [3], got [1]");
});

test("an int64 tensor where the op gives floats fails with a clear message", () => {
  const r = only(checkVectors(file([{ name: "i", op: "relu", inputs: { input: t([2], [1, 2]) }, outputs: { output: { shape: [2], dtype: "int64", data: [1, 2] } } }])));
  assert.not.ok(r.passed);
  assert.match(r.message!, /^outputs\.output: expected an int64 \(index\) tensor, got float32$/);
  const f = only(checkVectors(file([{ name: "f", op: "relu", inputs: { input: { shape: [2], dtype: "int64", data: [1, 2] } }, outputs: { output: t([2], [1, 2]) } }])));
  assert.not.ok(f.passed);
  assert.match(f.message!, /^forward: relu: input: expected a float32 or float64 tensor, got int32 tensor of shape \[2\]$/);
});

test("int64 targets: cross-entropy and NLL by hand pass; a float or out-of-range target fails with the op's message", () => {
  const i64 = (shape: number[], data: number[]) => ({ shape, dtype: "int64", data });
  const report = checkVectors(file([
    {
      // Rows [0, 0] and [1, 1] have softmax [½, ½], so each loss is ln 2; the mean-reduced
      // gradient is (softmax − onehot)/N = ±¼.
      name: "ce", op: "cross_entropy", attrs: { reduction: "mean" },
      inputs: { input: t([2, 2], [0, 0, 1, 1]), target: i64([2], [1, 0]) },
      outputs: { output: t([], [Math.LN2]) },
      upstream: { output: t([], [1]) },
      grads: { input: t([2, 2], [0.25, -0.25, -0.25, 0.25]) },
    },
    // NLL with sum: −(−3) − (−4) = 7.
    { name: "nll", op: "nll_loss", attrs: { reduction: "sum" }, inputs: { input: t([2, 3], [-1, -2, -3, -4, -5, -6]), target: i64([2], [2, 0]) }, outputs: { output: t([], [7]) } },
    { name: "float-target", op: "cross_entropy", inputs: { input: t([1, 2], [0, 0]), target: t([1], [1]) }, outputs: { output: t([], [Math.LN2]) } },
    { name: "range", op: "cross_entropy", inputs: { input: t([1, 2], [0, 0]), target: i64([1], [5]) }, outputs: { output: t([], [Math.LN2]) } },
  ]));
  assert.equal(report.results.map((r) => [r.name, r.passed]), [["ce", true], ["nll", true], ["float-target", false], ["range", false]]);
  assert.match(report.results[2].message!, /^forward: cross_entropy: target: .*float32 tensor.*\(in a vectors file, class indices carry "dtype": "int64"\)$/);
  assert.match(report.results[3].message!, /^forward: cross_entropy: target: .*got 5/);
});

test("unknown op, dropout and malformed cases are failures; the other cases still run", () => {
  const short = { name: "short", op: "relu", inputs: { input: t([2, 2], [1, 2, 3]) }, outputs: { output: t([2, 2], [1, 2, 3, 4]) } };
  const missing = { name: "missing", op: "sigmoid", inputs: {}, outputs: { output: t([1], [0.5]) } };
  const good = { name: "good", op: "relu", inputs: { input: t([1], [2]) }, outputs: { output: t([1], [2]) } };
  const report = checkVectors(JSON.stringify(file([
    { name: "mystery", op: "no_such_op", inputs: { input: t([1], [1]) }, outputs: { output: t([1], [1]) } },
    good,
    { name: "drop", op: "dropout", inputs: { input: t([1], [1]) }, outputs: { output: t([1], [1]) } },
    short,
    missing,
    { op: "relu" },
  ])));
  assert.is(report.passed, 1);
  assert.is(report.failed, 5);
  const byName = Object.fromEntries(report.results.map((r) => [r.name, r]));
  assert.is(byName.mystery.message, 'unknown op "no_such_op"');
  assert.ok(byName.good.passed);
  assert.is(byName.drop.message, "dropout is not a vector op: its randomness is checked by properties, not by vectors");
  assert.is(byName.short.message, 'case "short": inputs.input: shape [2, 2] needs 4 values, got 3');
  assert.is(formatCaseResult(byName.short), "FAIL short: inputs.input: shape [2, 2] needs 4 values, got 3");
  assert.is(byName.missing.message, 'case "missing": inputs.input: missing (sigmoid needs input)');
  assert.is(byName["cases[5]"].message, "cases[5]: name: expected a non-empty string, got nothing");
  // the same from an already-parsed object, with a case that is not even an object
  const parsed = checkVectors(file([null, good]));
  assert.equal(parsed.results.map((r) => [r.name, r.passed, r.message]), [["cases[0]", false, "cases[0]: expected a case object, got null"], ["good", true, undefined]]);
});

test("a file that cannot be read throws VectorsFileError (invalid JSON, wrong format or version)", () => {
  assert.throws(() => checkVectors('{"format": "nnref-vectors", "version": 1, "cases": [1,]}'), (e: unknown) => e instanceof VectorsFileError && /invalid JSON at line 1, column 55/.test((e as Error).message));
  assert.throws(() => checkVectors({ format: "nnref-vectors", version: 3, cases: [] }), /version: expected 1/);
  assert.throws(() => checkVectors({ format: "onnx", version: 1, cases: [] }), /not an nnref-vectors file/);
});

test("the wasm kernels pass every format op's vectors (float32 and float64), through checkVectors' backend option", () => {
  assert.ok(loadKernelsSync(), "the kernels load on Node 20 (WebAssembly SIMD)");
  assert.ok(kernelOpNames().length > 0);
  const before = getBackend();
  setBackend("js");
  try {
    for (const name of formatOpNames()) {
      const made = makeVectors(name, { count: 3, seed: 11 });
      for (const dtype of ["float32", "float64"] as const) {
        const report = checkVectors(writeVectors(made.cases as VectorCase[], ""), { backend: "wasm", dtype });
        assert.is(report.backend, "wasm");
        assert.is(report.failed, 0, `${name} on wasm (${dtype}): ${report.results.filter((r) => !r.passed).map(formatCaseResult).join("; ")}`);
      }
      assert.is(getBackend(), "js", "the backend is restored after the check");
    }
  } finally {
    setBackend(before);
  }
});

test("checkVectors switches to the backend it is asked for and back", () => {
  assert.ok(loadKernelsSync());
  const before = getBackend();
  const good = file([{ name: "g", op: "relu", inputs: { input: t([1], [2]) }, outputs: { output: t([1], [2]) } }]);
  try {
    setBackend("wasm");
    assert.is(checkVectors(good, { backend: "js" }).backend, "js");
    assert.is(getBackend(), "wasm");
    setBackend("js");
    assert.is(checkVectors(good, { backend: "wasm" }).backend, "wasm");
    assert.is(getBackend(), "js");
    assert.is(checkVectors(good).backend, "js");
  } finally {
    setBackend(before);
  }
});

test("the format's op table: every op of docs/vectors/format.md version 1 is registered, dropout is not in it", () => {
  assert.equal(formatOpNames(), [...VECTORS_V1_OPS]);
  // The table in docs/vectors/format.md names exactly these ops (and dropout, which it says has no vectors).
  const spec = readFileSync(join(root, "docs/vectors/format.md"), "utf8");
  const table = spec.slice(spec.indexOf("| op | inputs |"), spec.indexOf("`sgd_step` follows"));
  const documented = [...table.matchAll(/^\| ([^|]+) \|/gm)].flatMap((m) => [...m[1].matchAll(/`(\w+)`/g)].map((n) => n[1]));
  assert.equal(documented.filter((n) => n !== "dropout"), [...VECTORS_V1_OPS]);
  assert.not.ok(VECTORS_V1_OPS.includes("dropout"));
  for (const name of formatOpNames()) assert.ok(vectorOpNames().includes(name));
});

test("docs/vectors/reference.json (the repo's own vectors) passes in float32 and float64", () => {
  // A regression oracle: if an op's semantics change on purpose, regenerate it with
  // `node --import tsx scripts/make_reference_vectors.ts`.
  const text = readFileSync(join(root, "docs/vectors/reference.json"), "utf8");
  for (const dtype of ["float32", "float64"] as const) {
    const report = checkVectors(text, { dtype });
    assert.ok(report.passed > 0);
    assert.is(report.failed, 0, report.results.filter((r) => !r.passed).map(formatCaseResult).join("\n"));
  }
});

// ───────────────────────────── the CLI ─────────────────────────────

/** Runs the CLI in-process and captures what it prints. */
async function cli(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log, error = console.error, write = process.stdout.write;
  console.log = (...a: unknown[]) => void out.push(a.join(" "));
  console.error = (...a: unknown[]) => void err.push(a.join(" "));
  process.stdout.write = ((chunk: string) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  try {
    const code = await main(argv);
    return { code, out, err };
  } finally {
    console.log = log;
    console.error = error;
    process.stdout.write = write;
  }
}

function writeTemp(name: string, content: string | object): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

const passing = writeTemp("passing.json", file([
  { name: "a", op: "relu", inputs: { input: t([2], [-1, 2]) }, outputs: { output: t([2], [0, 2]) } },
  { name: "b", op: "sigmoid", inputs: { input: t([1], [0]) }, outputs: { output: t([1], [0.5]) } },
]));
const failing = writeTemp("failing.json", file([
  { name: "a", op: "relu", inputs: { input: t([2], [-1, 2]) }, outputs: { output: t([2], [0, 2]) } },
  { name: "wrong", op: "relu", inputs: { input: t([2], [-1, 2]) }, outputs: { output: t([2], [0, 3]) } },
  { name: "mystery", op: "no_such_op", inputs: { input: t([1], [1]) }, outputs: { output: t([1], [1]) } },
]));

test("nnref check: all pass → exit 0, closing line `N passed, M failed`", async () => {
  const r = await cli(["check", passing, "--backend", "js"]);
  assert.is(r.code, 0);
  assert.equal(r.out, [`${passing}: 2 cases, backend js, dtype float32`, "2 passed, 0 failed"]);
  const verbose = await cli(["check", passing, "--verbose", "--dtype", "float64", "--backend", "js"]);
  assert.is(verbose.code, 0);
  assert.is(verbose.out.length, 6);
  assert.is(verbose.out[0], `${passing}: 2 cases, backend js, dtype float64`);
  assert.match(verbose.out[1], /^ok {3}a: worst outputs\.output/);
  assert.match(verbose.out[2], /^ {5}outputs\.output: ok \(2 elements\); worst \[0\]: expected 0, actual 0/);
  assert.match(verbose.out[3], /^ok {3}b: worst outputs\.output/);
  assert.is(verbose.out[5], "2 passed, 0 failed");
});

test("nnref check: a failing case → one line per failure with the worst element, exit 1", async () => {
  const r = await cli(["check", failing, "--backend", "js"]);
  assert.is(r.code, 1);
  assert.equal(r.out, [
    `${failing}: 3 cases, backend js, dtype float32`,
    "FAIL wrong: failing outputs.output (1 of 2 elements); worst outputs.output[1]: expected 3, actual 2, error 1.00e+0 (allowed 3.10e-4)",
    'FAIL mystery: unknown op "no_such_op"',
    "1 passed, 2 failed",
  ]);
});

test("nnref check --verbose: under each case, one line per output and gradient", async () => {
  const twoWrong = writeTemp("two-wrong.json", file([{
    name: "w", op: "relu", inputs: { input: t([2, 2], [1, 2, -3, 4]) }, outputs: { output: t([2, 2], [1, 2.5, 0, 5]) },
    upstream: { output: t([2, 2], [1, 1, 1, 1]) }, grads: { input: t([2, 2], [1, 1, 1, 1]) },
  }]));
  const plain = await cli(["check", twoWrong, "--backend", "js"]);
  assert.is(plain.code, 1);
  assert.equal(plain.out.slice(1), [
    "FAIL w: failing outputs.output (2 of 4 elements), grads.input (1 of 4 elements); worst grads.input[2] (at [1, 0]): expected 1, actual 0, error 1.00e+0 (allowed 1.10e-4)",
    "0 passed, 1 failed",
  ]);
  const verbose = await cli(["check", twoWrong, "--backend", "js", "--verbose"]);
  assert.equal(verbose.out.slice(1), [
    plain.out[1],
    "     outputs.output: 2 of 4 elements fail; worst [3] (at [1, 1]): expected 5, actual 4, error 1.00e+0 (allowed 5.10e-4)",
    "     grads.input: 1 of 4 elements fail; worst [2] (at [1, 0]): expected 1, actual 0, error 1.00e+0 (allowed 1.10e-4)",
    "0 passed, 1 failed",
  ]);
});

test("nnref check: a file with no cases exits 2 saying so", async () => {
  const empty = writeTemp("empty.json", file([]));
  const r = await cli(["check", empty]);
  assert.is(r.code, 2);
  assert.equal(r.out, []);
  assert.equal(r.err, [`nnref check: ${empty}: no cases (its "cases" array is empty), so nothing was checked`]);
});

test("nnref check: unreadable or invalid files → one clear line, exit 1, no stack", async () => {
  const missing = await cli(["check", join(dir, "nope.json")]);
  assert.is(missing.code, 1);
  assert.equal(missing.err, [`nnref check: cannot read ${join(dir, "nope.json")}: no such file`]);
  const bad = writeTemp("bad.json", '{"format": "nnref-vectors",\n"version": 1, "cases": [}');
  const invalid = await cli(["check", bad]);
  assert.is(invalid.code, 1);
  assert.equal(invalid.err, [`nnref check: ${bad}: invalid JSON at line 2, column 25 (position 52): Unexpected token '}', ...""cases": [}" is not valid JSON`]);
  const version = await cli(["check", writeTemp("v2.json", { format: "nnref-vectors", version: 2, cases: [] })]);
  assert.is(version.code, 1);
  assert.match(version.err[0], /version: expected 1 \(the only version this reader knows\), got 2$/);
  assert.is(version.out.length, 0);
});

test("nnref check: bad arguments → exit 2; --help → exit 0", async () => {
  assert.is((await cli(["check"])).code, 2);
  assert.is((await cli(["check", passing, "--dtype", "float16"])).code, 2);
  assert.is((await cli(["check", passing, "--backend", "gpu"])).code, 2);
  assert.is((await cli(["check", passing, "--frobnicate"])).code, 2);
  const help = await cli(["check", "--help"]);
  assert.is(help.code, 0);
  assert.match(help.out[0], /^usage: nnref check FILE/);
});

test("nnref vectors: --op/--count/--seed/--out writes a file that nnref check passes", async () => {
  const out = join(dir, "made.json");
  const r = await cli(["vectors", "--op", "relu", "--op", "sigmoid", "--count", "2", "--seed", "5", "--out", out]);
  assert.is(r.code, 0);
  const made = readVectors(readFileSync(out, "utf8"));
  assert.equal(made.cases.map((c) => c.name), ["relu/0", "relu/1", "sigmoid/0", "sigmoid/1"]);
  const checked = await cli(["check", out]);
  assert.is(checked.code, 0);
  assert.is(checked.out.at(-1), "4 passed, 0 failed");
  // stdout by default, and the same text for the same seed
  const stdout = await cli(["vectors", "--op", "relu", "--op", "sigmoid", "--count", "2", "--seed", "5"]);
  assert.is(stdout.out.join(""), readFileSync(out, "utf8"));
  const all = await cli(["vectors", "--all", "--count", "1"]);
  assert.is(all.code, 0);
  assert.equal(readVectors(all.out.join("")).cases.map((c) => c.op), formatOpNames());
});

test("nnref vectors: unknown op → exit 1; no op or bad count → exit 2", async () => {
  const unknown = await cli(["vectors", "--op", "no_such_op"]);
  assert.is(unknown.code, 1);
  assert.match(unknown.err[0], /unknown op "no_such_op"; ops with vectors: relu, .*sigmoid/);
  assert.match((await cli(["vectors", "--op", "dropout"])).err[0], /dropout is not a vector op/);
  assert.is((await cli(["vectors"])).code, 2);
  assert.is((await cli(["vectors", "--op", "relu", "--count", "0"])).code, 2);
  assert.is((await cli(["vectors", "--op", "relu", "--count", "two"])).code, 2);
  assert.match((await cli(["vectors", "--help"])).out[0], /^usage: nnref vectors/);
});

test("the real process: `nnref check` exits 1 on a failing file and prints the closing line, no stack", () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(root, "src/cli/bin.ts"), "check", failing], { cwd: root, encoding: "utf8" });
  assert.is(r.status, 1, r.stderr);
  assert.is(r.stdout.trimEnd().split("\n").pop(), "1 passed, 2 failed");
  assert.not.match(r.stderr, /\n\s+at /);
});

test("the real process without WebAssembly (node --jitless): --backend wasm is a clear one-line error, the default falls back to js", () => {
  const run = (...args: string[]) => spawnSync(process.execPath, ["--jitless", "--import", "tsx", join(root, "src/cli/bin.ts"), "check", passing, ...args], { cwd: root, encoding: "utf8" });
  const wasm = run("--backend", "wasm");
  assert.is(wasm.status, 1, wasm.stderr);
  assert.match(wasm.stderr, /^nnref check: --backend wasm: the wasm backend is not available here/m);
  assert.not.match(wasm.stderr, /\n\s+at /);
  const fallback = run();
  assert.is(fallback.status, 0, fallback.stderr);
  assert.equal(fallback.stdout.trimEnd().split("\n"), [`${passing}: 2 cases, backend js, dtype float32`, "2 passed, 0 failed"]);
});

test.run();
