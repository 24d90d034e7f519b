// NaN and ±∞ through the ops (issue 9, item 2): relu(NaN) gave 0 on both
// backends, so a NaN weight trained on silently. The hand-written vectors of
// docs/vectors/non-finite.json (PyTorch's semantics, worked in each case's
// comment) pass on both backends in float32 and float64, and a few
// properties hold for any position of the non-finite value.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Tensor, tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { loadKernelsSync } from "../../src/backend/load.js";
import { checkVectors, formatCaseResult } from "../../src/check/vectors.js";
import { readVectors } from "../../src/io/vectors.js";
import { relu, reluBackward } from "../../src/ops/activations.js";
import { dropout, dropoutBackward } from "../../src/ops/dropout.js";
import { binaryCrossEntropy, binaryCrossEntropyWithLogits } from "../../src/ops/losses.js";

assert.ok(loadKernelsSync());
const text = readFileSync(fileURLToPath(new URL("../../docs/vectors/non-finite.json", import.meta.url)), "utf8");

test("docs/vectors/non-finite.json passes on both backends, float32 and float64", () => {
  for (const backend of ["js", "wasm"] as const) {
    for (const dtype of ["float32", "float64"] as const) {
      const report = checkVectors(readVectors(text, { dtype }), { dtype, backend });
      const failures = report.results.filter((r) => !r.passed).map(formatCaseResult);
      assert.is(report.failed, 0, `${backend} ${dtype}: ${failures.join("; ")}`);
      assert.ok(report.passed >= 17, `${report.passed} cases`);
    }
  }
});

test("non-finite.json covers the audited ops and every case holds a NaN or an infinity in an input or upstream", () => {
  const read = readVectors(text);
  const ops = new Set(read.cases.map((c) => c.op));
  for (const op of ["relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax", "max_pool2d", "avg_pool2d", "mse_loss",
    "cross_entropy", "nll_loss", "binary_cross_entropy_with_logits", "batch_norm", "linear", "conv2d"]) {
    assert.ok(ops.has(op), `a case for ${op}`);
  }
  for (const c of read.cases) {
    assert.ok("inputs" in c, `${c.name} is well formed`);
    const tensors = [...Object.values(c.inputs), ...Object.values(c.upstream ?? {})] as Tensor[];
    assert.ok(tensors.some((t) => Array.from(t.data).some((v) => !Number.isFinite(v))), `${c.name} has a non-finite input`);
  }
});

test("relu: NaN stays NaN wherever it is, float32 and float64; its gradient passes there", () => {
  const rng = new Random(5);
  for (const dtype of ["float32", "float64"] as const) {
    for (let trial = 0; trial < 20; trial++) {
      const n = 1 + rng.int(40);
      const x = tensor(Array.from({ length: n }, () => rng.uniformIn(-2, 2)), dtype);
      const at = rng.int(n);
      x.data[at] = NaN;
      const y = relu(x).data;
      assert.ok(Number.isNaN(y[at]), `relu(NaN) at ${at} of ${n} (${dtype})`);
      for (let i = 0; i < n; i++) if (i !== at) assert.ok(y[i] === Math.max(0, x.data[i]), `relu(${x.data[i]})`);
      const g = tensor(Array.from({ length: n }, () => rng.uniformIn(-1, 1)), dtype);
      assert.is(reluBackward(g, x).data[at], g.data[at], "dy passes at NaN (threshold_backward: NaN ≤ 0 is false)");
    }
  }
});

test("dropout: a dropped NaN or infinite unit stays NaN (input · mask · scale, as PyTorch), forward and backward", () => {
  const x = tensor([NaN, Infinity, -Infinity, 2, NaN], "float64");
  const mask = tensor([0, 0, 0, 0, 1], "float64");
  const y = dropout(x, mask, 0.5).data;
  assert.ok([0, 1, 2, 4].every((i) => Number.isNaN(y[i])), `y = ${[...y]}`);
  assert.is(Math.abs(y[3]), 0, "a dropped finite unit is 0");
  const dx = dropoutBackward(tensor([NaN, 1, 1, 1, 1], "float64"), mask, 0.5).data;
  assert.ok(Number.isNaN(dx[0]), "a NaN upstream at a dropped unit stays NaN");
  assert.equal([dx[1], dx[4]], [0, 2]);
});

test("binary_cross_entropy_with_logits at infinite logits gives PyTorch's values, finite logits keep their precision", () => {
  const l = binaryCrossEntropyWithLogits(tensor([Infinity, Infinity, -Infinity, -Infinity, -50], "float64"), tensor([0, 1, 0, 1, 0], "float64"), "none").data;
  assert.is(l[0], Infinity);
  assert.ok(Number.isNaN(l[1]) && Number.isNaN(l[2]) && Number.isNaN(l[3]), `${[...l]}`);
  assert.is(l[4], Math.log1p(Math.exp(-50)), "x = −50, t = 0: log(1 + e^(−50)), not 0");
});

test("binary_cross_entropy refuses a NaN or infinite probability, as PyTorch (\"all elements of input should be between 0 and 1\")", () => {
  for (const bad of [NaN, Infinity, -Infinity]) {
    assert.throws(() => binaryCrossEntropy(tensor([0.5, bad]), tensor([1, 0])), /binary_cross_entropy: input: expected probabilities in \[0, 1\], got (NaN|-?Infinity) at flat index 1/);
  }
});

test.run();
