/**
 * Reading and writing test-vector files (format "nnref-vectors", version 1;
 * the format is specified in docs/vectors/format.md).
 *
 * A file is plain JSON:
 *
 *   { "format": "nnref-vectors", "version": 1, "source": "…",
 *     "cases": [ { "name", "op", "attrs", "inputs", "outputs",
 *                  "upstream", "grads", "rtol", "atol" }, … ] }
 *
 * and a tensor is `{ "shape": [2, 3], "data": [ … ] }` in row-major order
 * (`"dtype": "int64"` for class indices; every other tensor is float32).
 *
 * Two kinds of error, kept apart on purpose:
 * - a file that is not JSON, or not an nnref-vectors version 1 file, cannot be
 *   read at all: `readVectors` throws a `VectorsFileError` (with the line and
 *   column for invalid JSON, read from the engine's JSON.parse message);
 * - a malformed CASE (a missing name, a tensor whose data does not fill its
 *   shape, an input the op does not take, …) becomes a `MalformedCase` in the
 *   result, with a message naming the case and the field, e.g.
 *   `case "conv2d/stride2/0": inputs.weight: shape [2, 3, 3, 3] needs 54 values, got 53`;
 *   the other cases are read as usual, so one bad case never hides the rest.
 *
 * Conventions this reader and writer add to the format (documented in
 * docs/vectors/format.md, "How nnref reads and writes the format"):
 * - JSON has no NaN or infinities: inside a float tensor's `data` the strings
 *   "NaN", "Infinity" and "-Infinity" stand for them (read and written so).
 * - Float tensors hold float32 values: every number is rounded to float32 on
 *   reading (a number beyond the float32 range is an error), whether the
 *   tensor is stored in a Float32Array or, for a float64 run, a Float64Array.
 *   The writer writes each value as the shortest decimal that reads back to
 *   the same float32.
 * - int64 tensors are read into Int32Array (nnref's index type): a value
 *   outside the int32 range is an error.
 * - A case may carry a free-text "comment"; any other unknown key in a case
 *   or a tensor is an error (a misspelt "grads" would otherwise skip the
 *   backward check without a word). Unknown top-level keys are ignored.
 */
import { Tensor, allocate, shapeString, sizeOf, type FloatDType } from "../tensor.js";
import { findOp } from "../ops/registry.js";
import type { OpDef, RawAttrs, Tensors } from "../ops/op.js";

/** The value of a file's "format" field. */
export const VECTORS_FORMAT = "nnref-vectors";
/** The one version this reader knows. */
export const VECTORS_VERSION = 1;
/** Relative tolerance of a case that gives none. */
export const VECTORS_DEFAULT_RTOL = 1e-4;
/** Absolute tolerance of a case that gives none. */
export const VECTORS_DEFAULT_ATOL = 1e-5;

/** One well-formed case. Tensors are float (float32 values) or int32 (the format's int64). */
export interface VectorCase {
  /** Unique within the file, e.g. "conv2d/stride2-pad1/0". */
  name: string;
  /** The op's vectors-format name, e.g. "conv2d". */
  op: string;
  /** Attributes as written (unvalidated; the op's `attrs` validates them and fills defaults). */
  attrs: RawAttrs;
  /** The op's tensor arguments by name. */
  inputs: Tensors;
  /** Expected forward results (some or all of the op's outputs). */
  outputs: Tensors;
  /** dL/d(output) for the differentiable outputs; present exactly when `grads` is. */
  upstream?: Tensors;
  /** Expected dL/d(input) (some or all of the op's gradients). */
  grads?: Tensors;
  /** Relative tolerance (VECTORS_DEFAULT_RTOL when the file gives none). */
  rtol: number;
  /** Absolute tolerance (VECTORS_DEFAULT_ATOL when the file gives none). */
  atol: number;
  /** Free text carried along, if the file has it. */
  comment?: string;
}

/** A case that could not be read; `checkVectors` reports it as a failure. */
export interface MalformedCase {
  /** The case's name, or `cases[i]` when it has none. */
  name: string;
  /** The case's op, when it names one. */
  op?: string;
  /** Position in the file's `cases` array. */
  index: number;
  /** What is wrong, naming the case and the field. */
  malformed: string;
}

/** A read file: every case in file order, well-formed or not. */
export interface VectorsFile {
  format: typeof VECTORS_FORMAT;
  version: typeof VECTORS_VERSION;
  /** Free text: what produced the expected values. */
  source: string;
  cases: (VectorCase | MalformedCase)[];
}

/** Whether a read case is malformed. */
export function isMalformed(c: VectorCase | MalformedCase): c is MalformedCase {
  return typeof (c as MalformedCase).malformed === "string";
}

/** The file as a whole cannot be read (invalid JSON, wrong format or version). */
export class VectorsFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VectorsFileError";
  }
}

/** Options for `readVectors`. */
export interface ReadVectorsOptions {
  /** Array type for float tensors: "float32" (default) or "float64". Values are float32 either way. */
  dtype?: FloatDType;
  /** The file's name, put at the start of a `VectorsFileError`'s message ("cases.json: invalid JSON at …"). */
  file?: string;
}

// ───────────────────────────── reading ─────────────────────────────

/** A problem inside one case: where (`inputs.weight.data[3]`) and what. */
class CaseProblem extends Error {
  constructor(readonly path: string, readonly detail: string) {
    super(`${path}: ${detail}`);
  }
}

/** A value as shown after "got" in messages, cut short when long. */
function show(value: unknown): string {
  if (value === undefined) return "nothing";
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity };
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** Reads one tensor `{shape, data, dtype?}` at `path`. */
function readTensor(raw: unknown, path: string, dtype: FloatDType): Tensor {
  if (!isPlainObject(raw)) throw new CaseProblem(path, `expected a tensor {"shape": [...], "data": [...]}, got ${show(raw)}`);
  for (const key of Object.keys(raw)) {
    if (key !== "shape" && key !== "data" && key !== "dtype") throw new CaseProblem(`${path}.${key}`, `not a tensor field (a tensor has "shape", "data" and optionally "dtype")`);
  }
  const shape = raw.shape;
  if (!Array.isArray(shape) || shape.some((d) => typeof d !== "number" || !Number.isInteger(d) || d < 0)) {
    throw new CaseProblem(`${path}.shape`, `expected an array of non-negative integers, got ${show(shape)}`);
  }
  const kind = raw.dtype ?? "float32";
  if (kind !== "float32" && kind !== "int64") throw new CaseProblem(`${path}.dtype`, `expected "float32" or "int64", got ${show(raw.dtype)}`);
  const data = raw.data;
  if (!Array.isArray(data)) throw new CaseProblem(`${path}.data`, `expected an array of numbers, got ${show(data)}`);
  const n = sizeOf(shape);
  if (data.length !== n) throw new CaseProblem(path, `shape ${shapeString(shape)} needs ${n} values, got ${data.length}`);

  if (kind === "int64") {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = data[i];
      if (typeof v !== "number" || !Number.isInteger(v)) throw new CaseProblem(`${path}.data[${i}]`, `expected an integer (int64 tensor), got ${show(v)}`);
      if (v < INT32_MIN || v > INT32_MAX) throw new CaseProblem(`${path}.data[${i}]`, `${v} is outside the int32 range nnref uses for indices`);
      out[i] = v;
    }
    return new Tensor(out, shape);
  }
  const out = allocate(dtype, n);
  for (let i = 0; i < n; i++) {
    const v = data[i];
    let x: number;
    if (typeof v === "number") {
      x = Math.fround(v);
      // JSON.parse reads 1e999 as Infinity; a finite float32 needs |x| < 2^128.
      if (!Number.isFinite(x)) throw new CaseProblem(`${path}.data[${i}]`, `${v} is outside the float32 range (write "Infinity" or "-Infinity" for infinities)`);
    } else if (typeof v === "string" && v in NON_FINITE) {
      x = NON_FINITE[v];
    } else {
      throw new CaseProblem(`${path}.data[${i}]`, `expected a number or "NaN", "Infinity", "-Infinity", got ${show(v)}`);
    }
    out[i] = x;
  }
  return new Tensor(out, shape);
}

/** Reads a `{name: tensor}` group (inputs, outputs, upstream, grads). */
function readGroup(raw: unknown, field: string, dtype: FloatDType): Tensors {
  if (!isPlainObject(raw)) throw new CaseProblem(field, `expected an object of tensors by name, got ${show(raw)}`);
  const out: Tensors = {};
  for (const [name, t] of Object.entries(raw)) {
    if (name === "__proto__") throw new CaseProblem(`${field}.${name}`, "not a usable tensor name");
    out[name] = readTensor(t, `${field}.${name}`, dtype);
  }
  return out;
}

function readTolerance(raw: unknown, field: string, fallback: number): number {
  if (raw === undefined) return fallback;
  if (typeof raw !== "number" || !Number.isFinite(raw) || raw < 0) throw new CaseProblem(field, `expected a non-negative number, got ${show(raw)}`);
  return raw;
}

function list(names: readonly string[]): string {
  return names.length ? names.join(", ") : "none";
}

/** The checks that need the op's signature: names of inputs, outputs, upstream and grads. */
function checkAgainstOp(op: OpDef, c: VectorCase): void {
  for (const name of Object.keys(c.inputs)) {
    if (!op.inputs.includes(name)) throw new CaseProblem(`inputs.${name}`, `not an input of ${op.name} (its inputs: ${list(op.inputs)})`);
  }
  for (const name of op.inputs) {
    if (!op.optional.includes(name) && !(name in c.inputs)) throw new CaseProblem(`inputs.${name}`, `missing (${op.name} needs ${list(op.inputs.filter((n) => !op.optional.includes(n)))})`);
  }
  for (const name of Object.keys(c.outputs)) {
    if (!op.outputs.includes(name)) throw new CaseProblem(`outputs.${name}`, `not an output of ${op.name} (its outputs: ${list(op.outputs)})`);
  }
  for (const name of Object.keys(c.upstream ?? {})) {
    if (!op.differentiableOutputs.includes(name)) throw new CaseProblem(`upstream.${name}`, `not a differentiable output of ${op.name} (upstream is given for: ${list(op.differentiableOutputs)})`);
  }
  for (const name of Object.keys(c.grads ?? {})) {
    if (!op.grads.includes(name)) throw new CaseProblem(`grads.${name}`, `${op.name} has no gradient for ${name} (its gradients: ${list(op.grads)})`);
    if (!(name in c.inputs)) throw new CaseProblem(`grads.${name}`, `the input ${name} is absent from inputs`);
  }
}

const CASE_KEYS = new Set(["name", "op", "attrs", "inputs", "outputs", "upstream", "grads", "rtol", "atol", "comment"]);

/** Reads the case at `index`; throws CaseProblem for the first thing wrong with it. */
function readCase(raw: Record<string, unknown>, dtype: FloatDType): VectorCase {
  const { name, op } = raw;
  if (typeof name !== "string" || name === "") throw new CaseProblem("name", `expected a non-empty string, got ${show(name)}`);
  if (typeof op !== "string" || op === "") throw new CaseProblem("op", `expected an op name, got ${show(op)}`);
  for (const key of Object.keys(raw)) {
    if (!CASE_KEYS.has(key)) throw new CaseProblem(key, `not a case field (a case has ${[...CASE_KEYS].join(", ")})`);
  }
  const attrs = raw.attrs ?? {};
  if (!isPlainObject(attrs)) throw new CaseProblem("attrs", `expected an object of attributes, got ${show(raw.attrs)}`);
  if (raw.comment !== undefined && typeof raw.comment !== "string") throw new CaseProblem("comment", `expected a string, got ${show(raw.comment)}`);
  if (raw.inputs === undefined) throw new CaseProblem("inputs", "missing (an object of tensors by name)");
  const c: VectorCase = {
    name,
    op,
    attrs: attrs as RawAttrs,
    inputs: readGroup(raw.inputs, "inputs", dtype),
    outputs: raw.outputs === undefined ? {} : readGroup(raw.outputs, "outputs", dtype),
    rtol: readTolerance(raw.rtol, "rtol", VECTORS_DEFAULT_RTOL),
    atol: readTolerance(raw.atol, "atol", VECTORS_DEFAULT_ATOL),
  };
  if (raw.upstream !== undefined) c.upstream = readGroup(raw.upstream, "upstream", dtype);
  if (raw.grads !== undefined) c.grads = readGroup(raw.grads, "grads", dtype);
  if (raw.comment !== undefined) c.comment = raw.comment as string;
  if (c.grads && !c.upstream) throw new CaseProblem("upstream", "missing: grads are the vector-Jacobian product with upstream, so a case with grads needs upstream");
  if (c.upstream && !c.grads) throw new CaseProblem("grads", "missing: a case with upstream needs the grads it leads to");
  if (Object.keys(c.outputs).length === 0 && Object.keys(c.grads ?? {}).length === 0) {
    throw new CaseProblem("outputs", "missing: a case needs at least one output or grad to compare");
  }
  const def = findOp(op);
  if (def) checkAgainstOp(def, c); // an unknown op is reported by checkVectors, not here
  return c;
}

/**
 * Reads a vectors file from JSON text or an already-parsed value. Throws
 * `VectorsFileError` when the file as a whole is unreadable; a malformed case
 * comes back as a `MalformedCase` in place.
 */
export function readVectors(source: string | unknown, options: ReadVectorsOptions = {}): VectorsFile {
  if (options.file === undefined) return readVectorsContent(source, options.dtype);
  try {
    return readVectorsContent(source, options.dtype);
  } catch (err) {
    throw err instanceof VectorsFileError ? new VectorsFileError(`${options.file}: ${err.message}`) : err;
  }
}

function readVectorsContent(source: string | unknown, dtypeOption: FloatDType | undefined): VectorsFile {
  const dtype = dtypeOption ?? "float32";
  if (dtype !== "float32" && dtype !== "float64") throw new VectorsFileError(`readVectors: dtype: expected "float32" or "float64", got ${show(dtype)}`);
  const root = typeof source === "string" ? parseJson(source) : source;
  if (!isPlainObject(root)) throw new VectorsFileError(`not an nnref-vectors file: expected a JSON object at the top, got ${show(root)}`);
  if (root.format !== VECTORS_FORMAT) throw new VectorsFileError(`not an nnref-vectors file: format: expected "${VECTORS_FORMAT}", got ${show(root.format)}`);
  if (root.version !== VECTORS_VERSION) throw new VectorsFileError(`version: expected ${VECTORS_VERSION} (the only version this reader knows), got ${show(root.version)}`);
  if (root.source !== undefined && typeof root.source !== "string") throw new VectorsFileError(`source: expected a string, got ${show(root.source)}`);
  if (!Array.isArray(root.cases)) throw new VectorsFileError(`cases: expected an array of cases, got ${show(root.cases)}`);

  const cases: (VectorCase | MalformedCase)[] = [];
  const seen = new Map<string, number>();
  root.cases.forEach((raw: unknown, index: number) => {
    const rawName = isPlainObject(raw) && typeof raw.name === "string" && raw.name !== "" ? raw.name : undefined;
    const rawOp = isPlainObject(raw) && typeof raw.op === "string" ? raw.op : undefined;
    const label = rawName !== undefined ? `case ${JSON.stringify(rawName)}` : `cases[${index}]`;
    const malformed = (message: string): MalformedCase => ({ name: rawName ?? `cases[${index}]`, ...(rawOp !== undefined ? { op: rawOp } : {}), index, malformed: `${label}: ${message}` });
    if (!isPlainObject(raw)) {
      cases.push(malformed(`expected a case object, got ${show(raw)}`));
      return;
    }
    if (rawName !== undefined && seen.has(rawName)) {
      cases.push(malformed(`name: the same name as cases[${seen.get(rawName)}] (names identify cases, so they must be unique)`));
      return;
    }
    if (rawName !== undefined) seen.set(rawName, index);
    try {
      cases.push(readCase(raw, dtype));
    } catch (err) {
      if (!(err instanceof CaseProblem)) throw err;
      cases.push(malformed(err.message));
    }
  });
  return { format: VECTORS_FORMAT, version: VECTORS_VERSION, source: (root.source as string | undefined) ?? "", cases };
}

/** JSON.parse, with an error that says where (line, column) and what (VectorsFileError). */
function parseJson(text: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // a byte-order mark is not JSON
  try {
    return JSON.parse(body);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const problem = message.replace(/[\n\r\t]/g, (c) => JSON.stringify(c).slice(1, -1)); // V8 quotes the text around the error raw: keep one line
    const position = jsonErrorPosition(message, body);
    if (position === undefined) throw new VectorsFileError(`invalid JSON (the JavaScript engine's message gives no position): ${problem}`);
    const before = body.slice(0, position);
    const line = before.split("\n").length;
    const column = position - before.lastIndexOf("\n");
    const bare = ["NaN", "Infinity"].find((word) => body.startsWith(word, position));
    const word = bare && body[position - 1] === "-" ? `-${bare}` : bare; // V8 points past the minus of -Infinity
    const hint = word ? ` (${word} is not a JSON number; in tensor data write the string "${word}")` : "";
    throw new VectorsFileError(`invalid JSON at line ${line}, column ${column} (position ${position}): ${problem}${hint}`);
  }
}

/**
 * Where in `text` JSON.parse failed, read from its error message (V8, Node ≥ 20):
 * "… at position N"; "Unexpected end of JSON input" (the end); or "Unexpected
 * token 'x', …"context"… is not valid JSON", whose context is the 10 characters
 * either side of the token (found in `text`, when it stands there once).
 * Undefined when the message says no more (another engine, a short text).
 */
function jsonErrorPosition(message: string, text: string): number | undefined {
  const at = /at position (\d+)/.exec(message);
  if (at) return Number(at[1]);
  if (message.startsWith("Unexpected end of JSON input")) return text.length;
  const token = /^Unexpected token '.+', (\.\.\.)?"([^]*)"(\.\.\.)? is not valid JSON$/.exec(message);
  if (!token || (!token[1] && !token[3])) return undefined; // the whole text shown: the token's place is not said
  const [, cutBefore, context, cutAfter] = token;
  if (!cutBefore) return context.length - 10; // the context starts the text
  if (!cutAfter) return text.length - context.length + 10; // the context ends the text
  const first = text.indexOf(context);
  return first >= 0 && text.indexOf(context, first + 1) < 0 ? first + 10 : undefined;
}

// ───────────────────────────── writing ─────────────────────────────

/**
 * The shortest decimal that reads back (rounded to float32) to the float32
 * nearest `x`: `float32String(0.1) === "0.1"`, `float32String(1 / 3) === "0.33333334"`.
 * Non-finite values give "NaN", "Infinity", "-Infinity"; −0 gives "-0".
 */
export function float32String(x: number): string {
  const v = Math.fround(x);
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  for (let digits = 1; digits <= 9; digits++) {
    // Nine significant digits always identify a float32, so the loop ends here at the latest.
    const candidate = v.toPrecision(digits);
    if (Math.fround(Number(candidate)) === v) return String(Number(candidate));
  }
  return String(v); // unreachable: 9 digits always round-trip
}

function tensorJson(t: Tensor, where: string): string {
  const shape = `[${t.shape.join(",")}]`;
  if (t.dtype === "int32") return `{"shape":${shape},"dtype":"int64","data":[${Array.from(t.data).join(",")}]}`;
  if (t.dtype !== "float32" && t.dtype !== "float64") throw new TypeError(`writeVectors: ${where}: expected a float or int32 tensor, got ${String(t)}`);
  const parts = new Array<string>(t.size);
  for (let i = 0; i < t.size; i++) {
    const s = float32String(t.data[i]); // a float64 beyond the float32 range becomes "Infinity"
    parts[i] = s in NON_FINITE ? `"${s}"` : s;
  }
  return `{"shape":${shape},"data":[${parts.join(",")}]}`;
}

function groupJson(group: Tensors, order: readonly string[] | undefined, where: string): string {
  const names = Object.keys(group);
  if (order) names.sort((a, b) => rank(order, a) - rank(order, b));
  return `{${names.map((name) => `${JSON.stringify(name)}:${tensorJson(group[name], `${where}.${name}`)}`).join(",")}}`;
}

function rank(order: readonly string[], name: string): number {
  const i = order.indexOf(name);
  return i < 0 ? order.length : i;
}

/** JSON of plain attribute values; a non-finite number (which JSON would turn into null) is an error. */
function attrsJson(attrs: RawAttrs, where: string): string {
  return JSON.stringify(attrs, (key, value) => {
    if (typeof value === "number" && !Number.isFinite(value)) throw new TypeError(`writeVectors: ${where}.attrs: ${key} is ${value}, which JSON cannot hold`);
    return value;
  });
}

/**
 * Writes cases as an nnref-vectors file: one case per line, keys in a fixed
 * order (tensors in the op's argument order), float values as
 * `float32String` gives them, so the same cases always give the same text.
 */
export function writeVectors(cases: readonly VectorCase[], source: string): string {
  const lines = cases.map((c) => {
    const where = `case ${JSON.stringify(c.name)}`;
    const op = findOp(c.op);
    const parts = [
      `"name":${JSON.stringify(c.name)}`,
      `"op":${JSON.stringify(c.op)}`,
      `"attrs":${attrsJson(c.attrs, where)}`,
      `"inputs":${groupJson(c.inputs, op?.inputs, `${where}: inputs`)}`,
      `"outputs":${groupJson(c.outputs, op?.outputs, `${where}: outputs`)}`,
    ];
    if (c.upstream) parts.push(`"upstream":${groupJson(c.upstream, op?.outputs, `${where}: upstream`)}`);
    if (c.grads) parts.push(`"grads":${groupJson(c.grads, op?.inputs, `${where}: grads`)}`);
    parts.push(`"rtol":${JSON.stringify(c.rtol)}`, `"atol":${JSON.stringify(c.atol)}`);
    if (c.comment !== undefined) parts.push(`"comment":${JSON.stringify(c.comment)}`);
    return `{${parts.join(",")}}`;
  });
  const head = `{"format":${JSON.stringify(VECTORS_FORMAT)},"version":${VECTORS_VERSION},"source":${JSON.stringify(source)},"cases":[`;
  return `${head}\n${lines.join(",\n")}\n]}\n`;
}
