/**
 * The test-vector oracle, both ways round:
 * - `checkVectors(file)` runs every case of a vectors file against the
 *   library (through the backend dispatch, so the wasm kernels are checked
 *   where they exist) and reports each case's worst element;
 * - `makeVectors(op)` writes cases from the reference op, so that another
 *   implementation can be checked against nnref.
 *
 * Pass rule (docs/vectors/format.md): |actual − expected| ≤ atol + rtol·|expected|, for
 * every element of every output and grad the case gives; a NaN expected
 * needs a NaN, an infinite expected needs the same infinity, and shapes must
 * match exactly. Integer (index) tensors must match exactly.
 *
 * Compute dtype: the format's tensors are float32, so a check runs the ops in
 * float32 by default (what the wasm kernels and most other implementations
 * compute in); `dtype: "float64"` runs the float64 reference on the same
 * float32 input values instead. Expected values are generated in float64 and
 * rounded to float32 (see makeVectors), so both runs are held to the same
 * expected numbers.
 */
import { Tensor, shapeString, type FloatDType } from "../tensor.js";
import { Random } from "../random.js";
import type { OpDef, RawAttrs, Tensors } from "../ops/op.js";
import { findOp, referenceOps } from "../ops/registry.js";
import { getBackend, resolveOp, withBackend, type BackendName } from "../backend/dispatch.js";
import {
  VECTORS_DEFAULT_ATOL,
  VECTORS_DEFAULT_RTOL,
  VECTORS_FORMAT,
  VECTORS_VERSION,
  float32String,
  isMalformed,
  readVectors,
  type MalformedCase,
  type VectorCase,
  type VectorsFile,
} from "../io/vectors.js";

/** Why `dropout` has no vectors (docs/vectors/format.md). */
export const DROPOUT_IS_NOT_A_VECTOR_OP = "dropout is not a vector op: its randomness is checked by properties, not by vectors";

/** Options for `checkVectors`. */
export interface CheckVectorsOptions {
  /** Backend to run on for this check ("js" or "wasm"); the active one when absent. Restored afterwards. */
  backend?: BackendName;
  /** Compute dtype: "float32" (default) or "float64" (the float64 reference). */
  dtype?: FloatDType;
}

/** The element that came closest to (or went furthest past) its tolerance. */
export interface WorstElement {
  /** Where: "outputs.output" or "grads.weight". */
  field: string;
  /** Flat (row-major) index into that tensor. */
  index: number;
  /** The same index per dimension, e.g. [0, 2, 1, 1]. */
  at: number[];
  expected: number;
  actual: number;
  /** |actual − expected| (Infinity or NaN when non-finite values disagree). */
  error: number;
  /** atol + rtol·|expected|: the largest error that passes. */
  allowed: number;
}

/** The verdict on one output or gradient of a case. */
export interface FieldResult {
  /** "outputs.output", "grads.weight", … */
  field: string;
  /** Elements compared (the expected tensor's size; 0 when `problem` stopped the comparison). */
  size: number;
  /** Elements outside the tolerance (`size`, or 1 for an empty tensor, when `problem` is set). */
  failing: number;
  /** Why the tensor could not be compared element by element (shape or dtype mismatch, missing). */
  problem?: string;
  /** Its worst element (absent for an empty tensor or a problem). */
  worst?: WorstElement;
}

/** The verdict on one case. */
export interface CaseResult {
  name: string;
  op: string;
  passed: boolean;
  /** Why it failed (absent when it passed). */
  message?: string;
  /** The worst element compared, when any element was compared. */
  worst?: WorstElement;
  /**
   * Every output and gradient the case gives that was compared, in the
   * file's order (outputs first), each with its count of failing elements
   * and its worst element. Absent when the case failed before any comparison
   * (malformed, unknown op, a forward that threw).
   */
  fields?: FieldResult[];
}

/** The verdict on a file. */
export interface CheckReport {
  results: CaseResult[];
  passed: number;
  failed: number;
  /** The compute dtype used. */
  dtype: FloatDType;
  /** The backend the cases ran on. */
  backend: BackendName;
}

/** Result of comparing one tensor. */
interface Comparison extends FieldResult {
  /** worst.error / worst.allowed (Infinity for a NaN or infinity mismatch); ≤ 1 passes. */
  score: number;
}

function multiIndex(shape: readonly number[], flat: number): number[] {
  const at = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    at[d] = shape[d] === 0 ? 0 : flat % shape[d];
    flat = Math.floor(flat / (shape[d] || 1));
  }
  return at;
}

/**
 * How far `actual` is from `expected` in units of the tolerance: ≤ 1 passes.
 * NaN matches NaN; an infinite expected value needs exactly that value.
 */
function score(expected: number, actual: number, allowed: number, exact: boolean): number {
  if (Number.isNaN(expected)) return Number.isNaN(actual) ? 0 : Infinity;
  if (!Number.isFinite(expected) || exact) return actual === expected ? 0 : Infinity;
  const error = Math.abs(actual - expected);
  if (!(error <= allowed)) return Number.isNaN(error) || allowed === 0 ? Infinity : error / allowed;
  return allowed === 0 ? 0 : error / allowed;
}

/** Compares one tensor element by element under the pass rule. */
function compare(field: string, expected: Tensor, actual: Tensor | undefined, rtol: number, atol: number): Comparison {
  const problem = (text: string): Comparison => ({ field, size: 0, failing: Math.max(expected.size, 1), problem: `${field}: ${text}`, score: Infinity });
  if (!actual) return problem("the op returned no such tensor");
  if (actual.rank !== expected.rank || actual.shape.some((d, i) => d !== expected.shape[i])) {
    return problem(`expected shape ${shapeString(expected.shape)}, got ${shapeString(actual.shape)}`);
  }
  const intExpected = expected.dtype === "int32";
  if (intExpected !== (actual.dtype === "int32")) {
    return problem(`expected ${intExpected ? "an int64 (index)" : "a float"} tensor, got ${actual.dtype}`);
  }
  let worst: WorstElement | undefined;
  let worstScore = -1;
  let failing = 0;
  for (let i = 0; i < expected.size; i++) {
    const e = expected.data[i];
    const a = actual.data[i];
    const allowed = intExpected ? 0 : atol + rtol * Math.abs(e);
    const s = score(e, a, allowed, intExpected);
    if (s > 1) failing++;
    if (s > worstScore) {
      worstScore = s;
      worst = { field, index: i, at: multiIndex(expected.shape, i), expected: e, actual: a, error: Math.abs(a - e), allowed };
    }
  }
  return { field, size: expected.size, failing, ...(worst ? { worst } : {}), score: Math.max(worstScore, 0) };
}

/** The public part of a comparison (without its score). */
function fieldResult(c: Comparison): FieldResult {
  const { score: _score, ...field } = c;
  return field;
}

/**
 * A copy of `t` for the op to run on: float tensors in `dtype` (the values are
 * float32 either way), int tensors as they are. Always a copy, so an op that
 * writes into its inputs cannot change the case for a later run.
 */
function inDType(t: Tensor, dtype: FloatDType): Tensor {
  return t.dtype === "int32" || t.dtype === dtype ? t.clone() : t.astype(dtype);
}

function convertAll(group: Tensors, dtype: FloatDType): Tensors {
  const out: Tensors = {};
  for (const [name, t] of Object.entries(group)) out[name] = inDType(t, dtype);
  return out;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs one well-formed case with `op` in `dtype`. */
function runCase(op: OpDef, c: VectorCase, dtype: FloatDType): CaseResult {
  const comparisons: Comparison[] = [];
  const result = (passed: boolean, message?: string, worst?: WorstElement): CaseResult => ({
    name: c.name,
    op: c.op,
    passed,
    ...(message !== undefined ? { message } : {}),
    ...(worst ? { worst } : {}),
    ...(comparisons.length > 0 ? { fields: comparisons.map(fieldResult) } : {}),
  });

  let attrs: unknown;
  try {
    attrs = op.attrs(c.attrs);
  } catch (err) {
    return result(false, messageOf(err));
  }
  const inputs = convertAll(c.inputs, dtype);
  let forward: ReturnType<OpDef["forward"]>;
  try {
    forward = op.forward(inputs, attrs);
  } catch (err) {
    // The ops say "int32" (nnref's index type); the file spells that type "int64".
    const hint = /expected an int32 tensor|class indices \(int32\)/.test(messageOf(err)) ? ' (in a vectors file, class indices carry "dtype": "int64")' : "";
    return result(false, `forward: ${messageOf(err)}${hint}`);
  }

  for (const [name, expected] of Object.entries(c.outputs)) {
    comparisons.push(compare(`outputs.${name}`, expected, forward.outputs[name], c.rtol, c.atol));
  }

  if (c.grads && c.upstream) {
    if (!op.backward) return result(false, `${op.name} has no backward, but the case gives grads`);
    const upstream = convertAll(c.upstream, dtype);
    for (const name of op.differentiableOutputs) {
      const y = forward.outputs[name];
      if (!y) continue;
      const u = upstream[name];
      if (!u) return result(false, `upstream.${name}: missing (the op's output ${name} is differentiable)`);
      if (u.rank !== y.rank || u.shape.some((d, i) => d !== y.shape[i])) {
        return result(false, `upstream.${name}: expected the output's shape ${shapeString(y.shape)}, got ${shapeString(u.shape)}`);
      }
    }
    let grads: Tensors;
    try {
      grads = op.backward(upstream, forward.cache, attrs);
    } catch (err) {
      return result(false, `backward: ${messageOf(err)}`);
    }
    for (const [name, expected] of Object.entries(c.grads)) {
      comparisons.push(compare(`grads.${name}`, expected, grads[name], c.rtol, c.atol));
    }
  }

  const problem = comparisons.find((x) => x.problem !== undefined);
  let worst: Comparison | undefined;
  for (const x of comparisons) if (x.worst && (!worst || x.score > worst.score)) worst = x;
  if (problem) return result(false, problem.problem, worst?.worst);
  if (worst && worst.score > 1) {
    const failing = comparisons.filter((x) => x.failing > 0).map((x) => `${x.field} (${x.failing} of ${x.size})`);
    const w = worst.worst!;
    return result(false, `${w.field}[${w.index}]: expected ${w.expected}, got ${w.actual}; failing: ${failing.join(", ")}`, w);
  }
  return result(true, undefined, worst?.worst);
}

/** Whether `file` is already a read VectorsFile (tensors, not raw JSON). */
function isReadFile(file: unknown): file is VectorsFile {
  if (typeof file !== "object" || file === null) return false;
  const f = file as VectorsFile;
  if (f.format !== VECTORS_FORMAT || f.version !== VECTORS_VERSION || !Array.isArray(f.cases)) return false;
  return f.cases.every((c) => typeof c === "object" && c !== null && (isMalformed(c) || (typeof c.inputs === "object" && c.inputs !== null && Object.values(c.inputs).every((t) => t instanceof Tensor))));
}

/**
 * Checks one read case (well-formed or not) with the active backend in
 * `dtype`. Never throws for a bad case: every problem is a failed result.
 */
export function checkCase(c: VectorCase | MalformedCase, dtype: FloatDType = "float32"): CaseResult {
  if (isMalformed(c)) return { name: c.name, op: c.op ?? "", passed: false, message: c.malformed };
  if (c.op === "dropout") return { name: c.name, op: c.op, passed: false, message: DROPOUT_IS_NOT_A_VECTOR_OP };
  const op = resolveOp(c.op);
  if (!op) return { name: c.name, op: c.op, passed: false, message: `unknown op ${JSON.stringify(c.op)}` };
  try {
    return runCase(op, c, dtype);
  } catch (err) {
    // An op that throws something unexpected fails this case; the others still run.
    return { name: c.name, op: c.op, passed: false, message: `error: ${messageOf(err)}` };
  }
}

/**
 * Checks every case of a vectors file against the library: forward, and
 * backward where the case gives `grads`. `file` is JSON text, a parsed JSON
 * value, or the result of `readVectors`. Throws only when the file as a whole
 * cannot be read (VectorsFileError) or the backend cannot be selected.
 * With `backend` other than the active one, the check switches to it and
 * back afterwards (`withBackend`: through setBackend, so the backend then counts as chosen).
 */
export function checkVectors(file: VectorsFile | string | unknown, options: CheckVectorsOptions = {}): CheckReport {
  const dtype = options.dtype ?? "float32";
  if (dtype !== "float32" && dtype !== "float64") throw new Error(`checkVectors: dtype: expected "float32" or "float64", got ${JSON.stringify(dtype)}`);
  const read = isReadFile(file) ? file : readVectors(file, { dtype });
  return withBackend(options.backend ?? getBackend(), () => {
    const results = read.cases.map((c) => checkCase(c, dtype));
    const passed = results.filter((r) => r.passed).length;
    return { results, passed, failed: results.length - passed, dtype, backend: getBackend() };
  });
}

/** A number in messages: a float32 value as its shortest float32 decimal, any other in full. */
function num(x: number): string {
  return Math.fround(x) === x || Number.isNaN(x) ? float32String(x) : String(x);
}

/** "grads.input[4] (at [1, 1])": a worst element's place. */
function place(w: WorstElement, withField = true): string {
  return `${withField ? w.field : ""}[${w.index}]${w.at.length > 1 ? ` (at [${w.at.join(", ")}])` : ""}`;
}

/** "expected 1.2, actual 1, error 2.00e-1 (allowed 1.30e-4)": a worst element's numbers. */
function numbers(w: WorstElement): string {
  return `expected ${num(w.expected)}, actual ${num(w.actual)}, error ${w.error.toExponential(2)} (allowed ${w.allowed.toExponential(2)})`;
}

/**
 * One line for a case. A pass: its worst error. A failure by values: every
 * failing output and gradient with its count of failing elements, then the
 * worst element of the case, e.g.
 * `FAIL relu/wrong: failing outputs.output (2 of 6 elements), grads.input (1 of 6 elements); worst grads.input[4] (at [1, 1]): expected 1.2, actual 1, error 2.00e-1 (allowed 1.30e-4)`.
 * Any other failure: its message (and the worst element, if any was compared).
 * `formatCaseDetails` gives the per-tensor lines that `nnref check --verbose` adds.
 */
export function formatCaseResult(r: CaseResult): string {
  const w = r.worst;
  if (r.passed) return w ? `ok   ${r.name}: worst ${place(w)}: ${numbers(w)}` : `ok   ${r.name}`;
  if (w && r.message?.startsWith(`${w.field}[${w.index}]`)) {
    const failing = (r.fields ?? []).filter((f) => f.failing > 0).map((f) => `${f.field} (${f.failing} of ${f.size} element${f.size === 1 ? "" : "s"})`);
    return `FAIL ${r.name}: failing ${failing.join(", ")}; worst ${place(w)}: ${numbers(w)}`;
  }
  // A malformed case's message starts with its label already; don't print the name twice.
  let message = r.message ?? "failed";
  for (const label of [`case ${JSON.stringify(r.name)}: `, `${r.name}: `]) {
    if (message.startsWith(label)) message = message.slice(label.length);
  }
  return `FAIL ${r.name}: ${message}${w ? `; worst ${place(w)}: ${numbers(w)}` : ""}`;
}

/**
 * One line per output and gradient a case compared (indented, for printing
 * under `formatCaseResult`'s line): how many elements fail and its worst
 * element, or why it could not be compared, e.g.
 * `     grads.input: 1 of 6 elements fail; worst [4] (at [1, 1]): expected 1.2, actual 1, …`.
 */
export function formatCaseDetails(r: CaseResult): string[] {
  return (r.fields ?? []).map((f) => {
    if (f.problem !== undefined) return `     ${f.problem}`;
    const count = f.failing > 0 ? `${f.failing} of ${f.size} element${f.size === 1 ? "" : "s"} fail` : `ok (${f.size} element${f.size === 1 ? "" : "s"})`;
    return `     ${f.field}: ${count}${f.worst ? `; worst ${place(f.worst, false)}: ${numbers(f.worst)}` : ""}`;
  });
}

// ───────────────────────────── making vectors ─────────────────────────────

/** Options for `makeVectors`. */
export interface MakeVectorsOptions {
  /** Number of cases (default 3). */
  count?: number;
  /** Seed of the case generator (default 0). */
  seed?: number;
  /** The file's "source" text (a default names nnref's reference ops). */
  source?: string;
}

/** The default "source" of generated files. */
export const MAKE_VECTORS_SOURCE = "nnref reference ops: inputs drawn by op.sample and rounded to float32, results computed in float64 and rounded to float32";

/** A float tensor with every value rounded to float32, kept in float64 (int tensors unchanged). */
function roundedToFloat32(t: Tensor): Tensor {
  if (t.dtype === "int32") return t.clone();
  const out = new Float64Array(t.size);
  for (let i = 0; i < t.size; i++) out[i] = Math.fround(t.data[i]);
  return new Tensor(out, t.shape);
}

/** The float32 tensor to write (int tensors unchanged). */
function asFloat32(t: Tensor): Tensor {
  return t.dtype === "int32" ? t.clone() : t.astype("float32");
}

function mapGroup(group: Tensors, f: (t: Tensor) => Tensor): Tensors {
  const out: Tensors = {};
  for (const [name, t] of Object.entries(group)) out[name] = f(t);
  return out;
}

/**
 * Draws `count` cases of the reference op `opName` (named `opName/0`, …):
 * inputs from `op.sample(rng, "float64")` rounded to float32 first, then the
 * forward (and, for ops with gradients, the backward for a random float32
 * upstream) computed in float64 from those rounded inputs, results rounded to
 * float32. Every attribute is written, as the op's `attrs` validated it.
 */
export function makeVectors(opName: string, options: MakeVectorsOptions = {}): VectorsFile {
  const { count = 3, seed = 0, source = MAKE_VECTORS_SOURCE } = options;
  if (opName === "dropout") throw new Error(`makeVectors: ${DROPOUT_IS_NOT_A_VECTOR_OP}`);
  const op = findOp(opName);
  if (!op) throw new Error(`makeVectors: unknown op ${JSON.stringify(opName)}`);
  if (!Number.isInteger(count) || count < 0) throw new Error(`makeVectors: count: expected an integer ≥ 0, got ${count}`);
  if (!Number.isInteger(seed)) throw new Error(`makeVectors: seed: expected an integer, got ${seed}`);

  const rng = new Random(seed);
  const cases: VectorCase[] = [];
  for (let k = 0; k < count; k++) {
    const caseRng = rng.fork();
    const sampled = op.sample(caseRng, "float64");
    const attrs = op.attrs(sampled.attrs as RawAttrs);
    const inputs = mapGroup(sampled.inputs, roundedToFloat32);
    const written = mapGroup(inputs, asFloat32); // before the op runs, in case it writes into its inputs
    const forward = op.forward(inputs, attrs);
    const c: VectorCase = {
      name: `${op.name}/${k}`,
      op: op.name,
      attrs: attrs as RawAttrs,
      inputs: written,
      outputs: mapGroup(forward.outputs, asFloat32),
      rtol: VECTORS_DEFAULT_RTOL,
      atol: VECTORS_DEFAULT_ATOL,
    };
    const differentiable = op.differentiableOutputs.filter((name) => name in forward.outputs);
    const gradNames = op.grads.filter((name) => name in inputs);
    if (op.backward && differentiable.length > 0 && gradNames.length > 0) {
      const upstream: Tensors = {};
      for (const name of differentiable) {
        const y = forward.outputs[name];
        const u = new Float64Array(y.size);
        for (let i = 0; i < u.length; i++) u[i] = Math.fround(caseRng.normal());
        upstream[name] = new Tensor(u, y.shape);
      }
      const grads = op.backward(upstream, forward.cache, attrs);
      c.upstream = mapGroup(upstream, asFloat32);
      c.grads = {};
      for (const name of gradNames) {
        if (!grads[name]) throw new Error(`makeVectors: ${op.name} backward returned no gradient for ${name}`);
        c.grads[name] = asFloat32(grads[name]);
      }
    }
    cases.push(c);
  }
  return { format: VECTORS_FORMAT, version: VECTORS_VERSION, source, cases };
}

/** The ops of the format's table (docs/vectors/format.md, version 1) that have vectors, in the table's order. */
export const VECTORS_V1_OPS: readonly string[] = [
  "linear", "relu", "sigmoid", "tanh", "leaky_relu", "softmax", "log_softmax",
  "conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "max_unpool2d",
  "batch_norm", "local_response_norm",
  "mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss",
  "correlate2d", "convolve2d", "interpolate_bilinear", "sgd_step",
];

/**
 * Every registered op that makeVectors can write and checkVectors can run:
 * every reference op but dropout — the format's ops and nnref's own (e.g. the
 * graph's `add` or `concat`), in registry order.
 */
export function vectorOpNames(): string[] {
  return [...referenceOps.keys()].filter((name) => name !== "dropout");
}

/**
 * The format's ops (VECTORS_V1_OPS) that are registered, in the table's
 * order: what `nnref vectors --all` and docs/vectors/reference.json cover, so
 * that any implementation of the format can read every case.
 */
export function formatOpNames(): string[] {
  return VECTORS_V1_OPS.filter((name) => referenceOps.has(name));
}
