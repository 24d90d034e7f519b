import { test } from "uvu";
import * as assert from "uvu/assert";
import { tensor } from "../../src/tensor.js";
import { Variable } from "../../src/autograd/variable.js";
import * as F from "../../src/autograd/functional.js";

const v = (values: Parameters<typeof tensor>[0], requiresGrad = false) => new Variable(tensor(values, "float64"), requiresGrad);

test("maxPool2dWithIndices + maxUnpool2d put each maximum back where it was (segmentation's unpooling, 000)", () => {
  const x = v([[[[1, 3, 2, 0], [4, 6, 5, 1], [7, 2, 9, 8], [0, 1, 3, 4]]]], true);
  const { output, indices } = F.maxPool2dWithIndices(x, { kernel_size: 2 });
  assert.equal([...output.value.data], [6, 5, 7, 9]);
  assert.equal([...indices.data], [5, 6, 8, 10]);
  assert.is(indices.dtype, "int32");
  const up = F.maxUnpool2d(output, indices, { kernel_size: 2 });
  assert.equal([...up.value.data], [0, 0, 0, 0, 0, 6, 5, 0, 7, 0, 9, 0, 0, 0, 0, 0]);
  F.sum(up).backward();
  assert.equal([...x.grad!.data], [0, 0, 0, 0, 0, 1, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0]);
});

test("sumPool2d (004) adds each window", () => {
  const y = F.sumPool2d(v([[[[1, 2], [3, 4]]]]), { kernel_size: 2 });
  assert.equal([...y.value.data], [10]);
});

// A [1, −1] kernel over 1, 4, 9, 16 gives 1·x_i − 1·x_{i+1}.
test("conv1d (004) computes a 1-D cross-correlation", () => {
  const y = F.conv1d(v([[[1, 4, 9, 16]]]), v([[[1, -1]]]));
  assert.equal([...y.value.data], [-3, -5, -7]);
});

// convolve2d flips the kernel: convolving with h equals correlating with h rotated by 180°.
test("correlate2d and convolve2d differ by the kernel flip", () => {
  const f = v([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
  const h = v([[1, 2], [3, 4]]);
  const flipped = v([[4, 3], [2, 1]]);
  const conv = F.convolve2d(f, h);
  const corr = F.correlate2d(f, flipped);
  assert.equal([...conv.value.data], [...corr.value.data]);
  assert.equal([...F.correlate2d(f, h).value.data], [1 + 4 + 12 + 20, 2 + 6 + 15 + 24, 4 + 10 + 21 + 32, 5 + 12 + 24 + 36]);
});

test.run();
