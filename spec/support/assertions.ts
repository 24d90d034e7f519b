/**
 * Small assertions shared by the op specs: an OpError with a given message,
 * and elementwise closeness with a relative tolerance.
 */
import * as assert from "uvu/assert";
import { OpError } from "../../src/errors.js";

/** Asserts that `fn` throws an OpError whose message matches `pattern`. */
export function throwsOpError(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, OpError);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected an OpError matching ${pattern}`);
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
