/**
 * The one error type ops throw on bad input, and the checks that raise it —
 * the ground floor every other floor validates with.
 * Every message names the op, the argument, what was expected and what came:
 *   `conv2d: input: expected rank 4 [N, C, H, W], got shape [3, 4]`
 */
import { shapeString, type FloatArray, type Tensor } from "./tensor.js";

/** Thrown by every op for invalid inputs or attributes. */
export class OpError extends Error {
  /** The op's name as in the vectors format, e.g. "conv2d". */
  readonly op: string;
  /** The argument or attribute at fault, e.g. "weight" or "stride". */
  readonly argument: string;
  constructor(op: string, argument: string, detail: string) {
    super(`${op}: ${argument}: ${detail}`);
    this.name = "OpError";
    this.op = op;
    this.argument = argument;
  }
}

/** Throws `OpError(op, argument, "expected …, got …")`. */
export function fail(op: string, argument: string, expected: string, got: string): never {
  throw new OpError(op, argument, `expected ${expected}, got ${got}`);
}

/** The most characters `describeValue` shows of a value's text; longer text is cut with "…". */
export const DESCRIBED_VALUE_MAX_CHARS = 120;

/**
 * How a value is shown after "got" in messages: at most
 * `DESCRIBED_VALUE_MAX_CHARS` characters of it, so a megabyte array passed
 * in the wrong place names its type and length instead of filling the
 * terminal (`Float32Array(65536) [0.5, 0.5, …]`).
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "number") return String(value); // NaN and ±Infinity, which JSON would print as null
  if (typeof value === "object" && value !== null && "shape" in value && "dtype" in value) {
    const t = value as Tensor;
    return `${t.dtype} tensor of shape ${shapeString(t.shape)}`;
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const elements = value as unknown as ArrayLike<number | bigint>;
    const shown = Array.from({ length: Math.min(elements.length, 8) }, (_, i) => String(elements[i]));
    return cut(`${value.constructor.name}(${elements.length}) [${shown.join(", ")}${elements.length > 8 ? ", …" : ""}]`);
  }
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return cut(text);
}

/** `text`, or its first characters and "…" when longer than DESCRIBED_VALUE_MAX_CHARS. */
function cut(text: string): string {
  return text.length <= DESCRIBED_VALUE_MAX_CHARS ? text : `${text.slice(0, DESCRIBED_VALUE_MAX_CHARS - 1)}…`;
}

/** Checks that `t` is a float tensor and returns its data. */
export function floatData(op: string, name: string, t: Tensor | undefined): FloatArray {
  if (t === undefined || t === null || typeof t !== "object" || !("dtype" in t)) fail(op, name, "a tensor", describeValue(t));
  if (t.dtype !== "float32" && t.dtype !== "float64") fail(op, name, "a float32 or float64 tensor", describeValue(t));
  return t.data as FloatArray;
}

/** Checks that `t` is an int32 tensor (class indices) and returns its data. */
export function intData(op: string, name: string, t: Tensor | undefined): Int32Array {
  if (t === undefined || t === null || typeof t !== "object" || !("dtype" in t)) fail(op, name, "a tensor of class indices", describeValue(t));
  if (t.dtype !== "int32") fail(op, name, "an int32 tensor of class indices", describeValue(t));
  return t.data as Int32Array;
}

/** Checks the rank; `layout` names the dimensions, e.g. "[N, C, H, W]". */
export function expectRank(op: string, name: string, t: Tensor, rank: number | readonly number[], layout = ""): void {
  const ok = typeof rank === "number" ? t.rank === rank : rank.includes(t.rank);
  if (!ok) {
    const want = typeof rank === "number" ? `rank ${rank}` : `rank ${rank.join(" or ")}`;
    fail(op, name, `${want}${layout ? " " + layout : ""}`, `shape ${shapeString(t.shape)}`);
  }
}

/** Checks an exact shape. */
export function expectShape(op: string, name: string, t: Tensor, shape: readonly number[], why = ""): void {
  if (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    fail(op, name, `shape ${shapeString(shape)}${why ? " (" + why + ")" : ""}`, `shape ${shapeString(t.shape)}`);
  }
}

/** Checks that `b` has the dtype of `a` (ops never mix float32 and float64 silently). */
export function expectSameDType(op: string, name: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) fail(op, name, `dtype ${a.dtype} (the dtype of the first input)`, b.dtype);
}

/**
 * Checks an upstream gradient dL/d(output) for a backward: a float tensor of
 * `outputShape` with the dtype of `like` (the forward's first input); returns
 * its data. Messages: `op: upstream: expected shape [..] (the shape of the
 * output), got …`.
 */
export function checkUpstream(op: string, dy: Tensor, outputShape: readonly number[], like: Tensor): FloatArray {
  const g = floatData(op, "upstream", dy);
  expectShape(op, "upstream", dy, outputShape, "the shape of the output");
  expectSameDType(op, "upstream", like, dy);
  return g;
}

/** Checks an integer attribute ≥ min and returns it. */
export function intAttr(op: string, name: string, value: unknown, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) fail(op, name, `an integer ≥ ${min}`, describeValue(value));
  return value;
}

/** Checks a finite number attribute (optionally within [min, max]) and returns it. */
export function numberAttr(op: string, name: string, value: unknown, min = -Infinity, max = Infinity): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    const range = min === -Infinity && max === Infinity ? "a finite number" : `a number in [${min}, ${max}]`;
    fail(op, name, range, describeValue(value));
  }
  return value;
}

/** Checks a boolean attribute and returns it. */
export function boolAttr(op: string, name: string, value: unknown): boolean {
  if (typeof value !== "boolean") fail(op, name, "true or false", describeValue(value));
  return value;
}

/** Checks that a string attribute is one of `choices` and returns it. */
export function choiceAttr<T extends string>(op: string, name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== "string" || !(choices as readonly string[]).includes(value)) {
    fail(op, name, `one of ${choices.map((c) => JSON.stringify(c)).join(", ")}`, describeValue(value));
  }
  return value as T;
}

/** An attribute given as one integer or a pair (PyTorch's `_pair`), each ≥ min; returns the pair. */
export function pairAttr(op: string, name: string, value: unknown, min: number): [number, number] {
  if (typeof value === "number") return [intAttr(op, name, value, min), value];
  if (Array.isArray(value) && value.length === 2) {
    return [intAttr(op, `${name}[0]`, value[0], min), intAttr(op, `${name}[1]`, value[1], min)];
  }
  return fail(op, name, `an integer ≥ ${min} or a pair of them`, describeValue(value));
}

/** Throws if any element is NaN (for inputs where NaN would silently spread, e.g. targets). */
export function expectNoNaN(op: string, name: string, data: ArrayLike<number>): void {
  for (let i = 0; i < data.length; i++) {
    if (Number.isNaN(data[i])) fail(op, name, "no NaN values", `NaN at flat index ${i}`);
  }
}
