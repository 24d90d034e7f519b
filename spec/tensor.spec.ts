import { test } from "uvu";
import * as assert from "uvu/assert";
import { Tensor, tensor, zeros, ones, fromArray, full, sizeOf } from "../src/tensor.js";

test("tensor() reads nested arrays in row-major order", () => {
  const t = tensor([[1, 2, 3], [4, 5, 6]], "float64");
  assert.equal([...t.shape], [2, 3]);
  assert.is(t.dtype, "float64");
  assert.equal([...t.data], [1, 2, 3, 4, 5, 6]);
  assert.is(t.at(1, 0), 4);
  assert.equal(t.toArray(), [[1, 2, 3], [4, 5, 6]]);
});

test("scalars have shape [] and one element", () => {
  const t = tensor(3.5);
  assert.equal([...t.shape], []);
  assert.is(t.size, 1);
  assert.is(sizeOf([]), 1);
});

test("ragged nested arrays and size mismatches are errors that say what came", () => {
  assert.throws(() => tensor([[1, 2], [3]]), /ragged nested array at \[1\]: expected 2 entries, got 1/);
  assert.throws(() => new Tensor(new Float32Array(5), [2, 3]), /shape \[2, 3\] needs 6 elements, got data of length 5/);
  assert.throws(() => zeros([2, -1]), /non-negative integers/);
  assert.throws(() => fromArray([1, 2, 3], [2, 2]), /needs 4 values, got 3/);
});

test("reshape is a view and infers one -1", () => {
  const t = full([2, 6], 1, "float32");
  const r = t.reshape([3, -1]);
  assert.equal([...r.shape], [3, 4]);
  r.data[0] = 7;
  assert.is(t.data[0], 7);
  assert.throws(() => t.reshape([5, 2]), /expected a shape of 12 elements/);
});

test("astype rounds float64 to float32", () => {
  const t = tensor([0.1], "float64").astype("float32");
  assert.is(t.data[0], Math.fround(0.1));
});

test("tensor(x, { dtype }) and tensor(x, \"int32\") are the same; so for fromArray, zeros, ones, full", () => {
  for (const dtype of ["float32", "float64", "int32"] as const) {
    const a = tensor([[1, 2], [3, 4]], dtype);
    const b = tensor([[1, 2], [3, 4]], { dtype });
    assert.is(b.dtype, dtype);
    assert.equal([...b.shape], [2, 2]);
    assert.equal([...b.data], [...a.data]);
    assert.is(fromArray([5, 6], [2], { dtype }).dtype, dtype);
    assert.is(zeros([3], { dtype }).dtype, dtype);
    assert.equal([...ones([2], { dtype }).data], [1, 1]);
    assert.equal([...full([2], 7, { dtype }).data], [7, 7]);
  }
  assert.is(tensor([1], {}).dtype, "float32", "an options object without dtype means float32");
  assert.is(tensor([1]).dtype, "float32");
});

test("a dtype that is not one of the three is a clear TypeError naming the function", () => {
  assert.throws(() => tensor([1], "float16" as never), (e: unknown) => e instanceof TypeError);
  assert.throws(() => tensor([1], "float16" as never), /^tensor: dtype: expected "float32", "float64" or "int32" \(or \{ dtype \}\), got "float16"$/);
  assert.throws(() => tensor([1], { dtype: "int64" } as never), /tensor: dtype: .*got \{ dtype: "int64" \}$/);
  assert.throws(() => zeros([1], { dtype: "bool" } as never), /^zeros: dtype: /);
});

test.run();
