// cross_entropy with class probabilities (one-hot or soft float targets of the
// input's shape), PyTorch's semantics: values by hand, the same loss as class
// indices for one-hot targets (label smoothing included), the hand-derived
// backward against finite differences, clear errors, and a vectors round trip.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Random } from "../../src/random.js";
import { Tensor, tensor } from "../../src/tensor.js";
import { crossEntropy, crossEntropyBackward } from "../../src/ops/class_losses.js";
import { sampleProbabilityCase } from "../../src/ops/cross_entropy_probabilities.js";
import { findOp } from "../../src/ops/registry.js";
import { gradcheck, formatGradcheck } from "../../src/check/gradcheck.js";
import { checkVectors, formatCaseResult, makeVectors } from "../../src/check/vectors.js";
import { readVectors, writeVectors, type VectorCase } from "../../src/io/vectors.js";
import { Variable } from "../../src/autograd/variable.js";
import * as F from "../../src/autograd/functional.js";

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test("by hand: logits [ln 3, 0] have p = [¾, ¼]; soft and one-hot targets, mean over rows", () => {
  const z = tensor([[Math.log(3), 0], [0, 0]], "float64");
  // Row 0, y = [½, ½]: −½ ln ¾ − ½ ln ¼ = ln 4 − ½ ln 3. Row 1, y = [1, 0]: −ln ½ = ln 2.
  const y = tensor([[0.5, 0.5], [1, 0]], "float64");
  const none = crossEntropy(z, y, { reduction: "none" });
  assert.equal([...none.shape], [2]);
  close(none.data[0], Math.log(4) - 0.5 * Math.log(3));
  close(none.data[1], Math.LN2);
  close(crossEntropy(z, y).data[0], (Math.log(4) - 0.5 * Math.log(3) + Math.LN2) / 2, 1e-12);
  close(crossEntropy(z, y, { reduction: "sum" }).data[0], Math.log(4) - 0.5 * Math.log(3) + Math.LN2);
});

test("by hand: the gradient (p − y)/N — row 0 ([¾, ¼] − [½, ½])/2 = [⅛, −⅛], row 1 ([½, ½] − [1, 0])/2 = [−¼, ¼] — and Σy·p − y for a target that does not sum to 1", () => {
  const z = tensor([[Math.log(3), 0], [0, 0]], "float64");
  const y = tensor([[0.5, 0.5], [1, 0]], "float64");
  const one = new Tensor(new Float64Array([1]), []);
  const dz = crossEntropyBackward(one, z, y);
  [0.125, -0.125, -0.25, 0.25].forEach((v, i) => close(dz.data[i], v));
  // y = [2, 0] (PyTorch does not normalise): loss −2 ln ¾, gradient 2p − y = [3/2 − 2, ½] = [−½, ½].
  const z1 = tensor([[Math.log(3), 0]], "float64");
  const y1 = tensor([[2, 0]], "float64");
  close(crossEntropy(z1, y1).data[0], -2 * Math.log(0.75));
  const d1 = crossEntropyBackward(one, z1, y1);
  close(d1.data[0], -0.5);
  close(d1.data[1], 0.5);
});

test("label smoothing on probabilities: y′ = (1 − ε)y + ε/C (PyTorch)", () => {
  // C = 2, ε = 0.2, y = [1, 0] → y′ = [0.9, 0.1]; logits [0, 0] → loss ln 2 whatever y′; gradient p − y′ = [−0.4, 0.4].
  const z = tensor([[0, 0]], "float64");
  const y = tensor([[1, 0]], "float64");
  close(crossEntropy(z, y, { labelSmoothing: 0.2 }).data[0], Math.LN2);
  const d = crossEntropyBackward(new Tensor(new Float64Array([1]), []), z, y, { labelSmoothing: 0.2 });
  close(d.data[0], -0.4);
  close(d.data[1], 0.4);
});

test("one-hot float targets give the class-index loss and gradient: all reductions, spatial dims, label smoothing, float32 and float64", () => {
  const rng = new Random(5);
  for (const dtype of ["float64", "float32"] as const) {
    for (const shape of [[3, 4], [2, 3, 2, 2], [5]]) {
      const z = new Tensor(dtype === "float64" ? new Float64Array(shape.reduce((a, b) => a * b)) : new Float32Array(shape.reduce((a, b) => a * b)), shape);
      for (let i = 0; i < z.size; i++) z.data[i] = 3 * rng.normal();
      const classes = shape.length === 1 ? shape[0] : shape[1];
      const inner = shape.slice(2).reduce((a, b) => a * b, 1);
      const positions = z.size / classes;
      const index = new Int32Array(positions);
      const oneHot = new Tensor(dtype === "float64" ? new Float64Array(z.size) : new Float32Array(z.size), shape);
      for (let p = 0; p < positions; p++) {
        index[p] = rng.int(classes);
        oneHot.data[Math.floor(p / inner) * classes * inner + (p % inner) + index[p] * inner] = 1;
      }
      const indices = new Tensor(index, shape.length === 1 ? [] : [shape[0], ...shape.slice(2)]);
      for (const reduction of ["mean", "sum", "none"] as const) {
        for (const labelSmoothing of [0, 0.3]) {
          const a = crossEntropy(z, indices, { reduction, labelSmoothing });
          const b = crossEntropy(z, oneHot, { reduction, labelSmoothing });
          assert.equal([...b.shape], [...a.shape]);
          const tol = dtype === "float64" ? 1e-12 : 1e-6;
          for (let i = 0; i < a.size; i++) close(b.data[i], a.data[i], tol * Math.max(1, Math.abs(a.data[i])));
          const up = new Tensor(dtype === "float64" ? new Float64Array(a.size).fill(0.7) : new Float32Array(a.size).fill(0.7), a.shape);
          const ga = crossEntropyBackward(up, z, indices, { reduction, labelSmoothing });
          const gb = crossEntropyBackward(up, z, oneHot, { reduction, labelSmoothing });
          for (let i = 0; i < ga.size; i++) close(gb.data[i], ga.data[i], tol);
        }
      }
    }
  }
});

test("the hand-derived backward equals finite differences (float64) on random soft and one-hot targets", () => {
  const op = findOp("cross_entropy")!;
  const rng = new Random(11);
  for (let k = 0; k < 30; k++) {
    const { inputs, attrs } = sampleProbabilityCase(rng, "float64");
    const report = gradcheck(op, inputs, attrs);
    assert.ok(report.checked > 0);
    assert.ok(report.maxError < 1e-7, formatGradcheck(report));
  }
  // and a target that does not sum to 1
  const inputs = { input: tensor([[0.3, -1, 2], [1, 1, 0]], "float64"), target: tensor([[0.5, 1.5, 0], [0.2, 0.1, 0.1]], "float64") };
  for (const reduction of ["mean", "sum", "none"]) assert.ok(gradcheck(op, inputs, { reduction, label_smoothing: 0.1 }).maxError < 1e-7);
});

test("through autograd: F.crossEntropy with a probability target gives dL/dz = (p − y)/N", () => {
  const z = new Variable(tensor([[Math.log(3), 0], [0, 0]], "float64"), true);
  const loss = F.crossEntropy(z, tensor([[0.5, 0.5], [1, 0]], "float64"));
  loss.backward();
  [0.125, -0.125, -0.25, 0.25].forEach((v, i) => close(z.grad!.data[i], v));
});

test("a float target of another shape, another dtype, or with NaN is a clear error", () => {
  const z = tensor([[0, 0], [1, 1]]);
  assert.throws(() => crossEntropy(z, tensor([1, 0])), /cross_entropy: target: expected class indices \(int32\) of shape \[2\] or class probabilities \(float\) of the input's shape \[2, 2\], got float32 tensor of shape \[2\]/);
  assert.throws(() => crossEntropy(z, tensor([[1, 0], [0, 1]], "float64")), /cross_entropy: target: expected dtype float32/);
  assert.throws(() => crossEntropy(z, tensor([[NaN, 0], [0, 1]])), /cross_entropy: target: expected no NaN values, got NaN at flat index 0/);
});

test("vectors: probability-target cases round-trip (makeVectors → write → read → check), and a hand-written one passes", () => {
  const made = makeVectors("cross_entropy", { count: 12, seed: 3 });
  const soft = (made.cases as VectorCase[]).filter((c) => c.inputs.target.dtype !== "int32");
  assert.ok(soft.length >= 2, `${soft.length} of 12 cases have probability targets`);
  const text = writeVectors(made.cases as VectorCase[], "spec");
  assert.match(text, /"target":\{"shape":\[[^\]]*\],"data":\[/, "a float target is written without an int64 dtype");
  for (const dtype of ["float32", "float64"] as const) {
    const report = checkVectors(readVectors(text, { dtype }), { dtype });
    assert.is(report.failed, 0, report.results.filter((r) => !r.passed).map(formatCaseResult).join("\n"));
  }
  // Values by hand (the first test's numbers), as another implementation would write them.
  const hand = checkVectors({
    format: "nnref-vectors", version: 1, source: "by hand", cases: [{
      name: "soft", op: "cross_entropy", attrs: { reduction: "mean" },
      inputs: { input: { shape: [2, 2], data: [Math.log(3), 0, 0, 0] }, target: { shape: [2, 2], data: [0.5, 0.5, 1, 0] } },
      outputs: { output: { shape: [], data: [(Math.log(4) - 0.5 * Math.log(3) + Math.LN2) / 2] } },
      upstream: { output: { shape: [], data: [1] } },
      grads: { input: { shape: [2, 2], data: [0.125, -0.125, -0.25, 0.25] } },
    }],
  });
  assert.is(hand.failed, 0, hand.results.map(formatCaseResult).join("\n"));
});

test.run();
