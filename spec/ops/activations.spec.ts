import { test } from "uvu";
import * as assert from "uvu/assert";
import { tensor } from "../../src/tensor.js";
import { relu, reluOp, sigmoid, sigmoidOp } from "../../src/ops/activations.js";
import { checkGradientsProperty } from "../support/properties.js";

test("relu zeroes negatives and keeps dtype", () => {
  const y = relu(tensor([-2, 0, 3], "float64"));
  assert.equal([...y.data], [0, 0, 3]);
  assert.is(y.dtype, "float64");
});

test("sigmoid is finite and exact at ±50 (no overflow)", () => {
  const s = sigmoid(tensor([-50, 0, 50], "float64"));
  assert.is(s.data[1], 0.5);
  assert.ok(Math.abs(s.data[0] - Math.exp(-50)) / Math.exp(-50) < 1e-15);
  assert.is(s.data[2], 1);
});

test("relu and sigmoid pass gradcheck (float64, rel. error < 1e-6)", () => {
  for (const op of [reluOp, sigmoidOp]) checkGradientsProperty(op, 20);
});

test("bad input names the op and what came", () => {
  assert.throws(() => relu(tensor([1, 2], "int32")), /relu: input: expected a float32 or float64 tensor, got int32 tensor of shape \[2\]/);
});

test.run();
