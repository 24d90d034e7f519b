// describeValue: what follows "got" in every OpError stays short whatever was passed.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { DESCRIBED_VALUE_MAX_CHARS, OpError, describeValue } from "../src/errors.js";
import { sgemm } from "../src/index.js";
import { thrownMessage } from "./support/assertions.js";

test("a typed array is shown by type, length and its first elements", () => {
  assert.is(describeValue(new Float32Array(65536).fill(0.5)), "Float32Array(65536) [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, …]");
  assert.is(describeValue(new Int32Array([1, 2, 3])), "Int32Array(3) [1, 2, 3]");
});

test("long arrays, strings and objects are cut to the limit with an ellipsis", () => {
  const values = [Array.from({ length: 10000 }, (_, i) => i), "x".repeat(5000), { weights: new Array(3000).fill(1) }];
  for (const value of values) {
    const text = describeValue(value);
    assert.is(text.length, DESCRIBED_VALUE_MAX_CHARS, `length of ${text.slice(0, 20)}…`);
    assert.ok(text.endsWith("…"), text);
  }
});

test("short values are shown whole, as before", () => {
  assert.is(describeValue([2, 3]), "[2,3]");
  assert.is(describeValue("same"), '"same"');
  assert.is(describeValue(Number.NaN), "NaN");
  assert.is(describeValue(undefined), "nothing");
});

test("a megabyte array passed as a flag gives a one-line error (sgemm's transA)", () => {
  const a = new Float32Array(1 << 18);
  // The array where the boolean belongs is the mistake under test.
  const call = () => sgemm(a as unknown as boolean, false, 4, 4, 4, 1, a, 4, a, 4, 0, a, 4);
  assert.throws(call, (e: unknown) => e instanceof OpError);
  const message = thrownMessage(call);
  assert.ok(message.length < 200, `${message.length} characters: ${message.slice(0, 200)}`);
  assert.match(message, /^sgemm: transA: expected true or false, got Float32Array\(262144\) \[0, 0,/);
});

test.run();
