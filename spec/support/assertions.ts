/**
 * Small assertions shared by the specs: an error of a given class with a given message,
 * elementwise closeness with a relative tolerance, and bit-equality of tensors.
 */
import * as assert from "uvu/assert";
import { OpError } from "../../src/errors.js";
import type { DataArray, Tensor } from "../../src/tensor.js";

/** Asserts that `fn` throws an instance of `type` (OpError, NpyError, …) whose message matches `pattern`. */
export function throwsInstance(type: new (...args: never[]) => Error, fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, type);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected a ${type.name} matching ${pattern}`);
}

/** Asserts that `fn` throws an OpError whose message matches `pattern`. */
export function throwsOpError(fn: () => unknown, pattern: RegExp): void {
  throwsInstance(OpError, fn, pattern);
}

/** Asserts equal lengths and |actual − expected| ≤ tol · (1 + |expected|) elementwise; `what` names the array in failures. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what = ""): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])), `${what}[${i}]: got ${actual[i]}, expected ${expected[i]}`);
  }
}

/** Asserts that `fn()` rejects with an Error whose message matches `pattern`; returns the error. */
export async function rejectsWith(fn: () => Promise<unknown>, pattern: RegExp): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    assert.instance(err, Error);
    assert.match((err as Error).message, pattern);
    return err as Error;
  }
  assert.unreachable(`expected a rejection matching ${pattern}`);
  throw new Error("unreachable");
}

/** The same floats element for element: both NaN, or Object.is (so +0 and −0 differ); shapes equal. */
export function assertBitEqual(what: string, got: Tensor, want: Tensor): void {
  assert.equal(got.shape, want.shape, `${what} shape`);
  for (let i = 0; i < want.size; i++) {
    const g = got.data[i], w = want.data[i];
    if (!(Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w)))) assert.unreachable(`${what}[${i}] = ${g} on the kernels, ${w} on the reference`);
  }
}

/** Whether two arrays hold the same values bit for bit (float32 compared as raw bits, so NaN payloads and −0 count). */
export function sameBits(a: DataArray, b: DataArray): boolean {
  if (a.length !== b.length || a.constructor !== b.constructor) return false;
  if (a instanceof Float32Array) {
    const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
    return x.every((v, i) => v === y[i]);
  }
  return a.every((v, i) => Object.is(v, b[i]));
}

/** How many elements of two float32 arrays differ (Object.is: −0 ≠ +0, NaN = NaN). */
export function bitsDiffer(a: Float32Array, b: Float32Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
  return n;
}

/** The message `f` throws, or "no error". */
export function thrownMessage(f: () => unknown): string {
  try { f(); } catch (e) { return (e as Error).message; }
  return "no error";
}
