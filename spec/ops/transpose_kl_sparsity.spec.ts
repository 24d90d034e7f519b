/**
 * transpose (tied autoencoder weights) and kl_sparsity (004's sparse
 * autoencoder penalty): values by hand, gradients by gradcheck, errors.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { tensor } from "../../src/tensor.js";
import { transpose, transposeBackward, transposeOp } from "../../src/ops/transpose.js";
import { averageActivation, bernoulliKL, klSparsity, klSparsityBackward, klSparsityOp } from "../../src/ops/kl_sparsity.js";
import { findOp } from "../../src/ops/registry.js";
import { checkGradientsProperty } from "../support/properties.js";
import { assertClose, throwsOpError } from "../support/assertions.js";

test("transpose: [[1, 2, 3], [4, 5, 6]] → [[1, 4], [2, 5], [3, 6]]; backward transposes back", () => {
  const a = tensor([[1, 2, 3], [4, 5, 6]], "float64");
  const t = transpose(a);
  assert.equal(t.shape, [3, 2]);
  assert.equal([...t.data], [1, 4, 2, 5, 3, 6]);
  const g = transposeBackward(tensor([[10, 40], [20, 50], [30, 60]], "float64"), a);
  assert.equal(g.shape, [2, 3]);
  assert.equal([...g.data], [10, 20, 30, 40, 50, 60]);
  assert.is(transpose(tensor([[1, 2]], "float32")).dtype, "float32");
});

test("transpose: errors name the argument", () => {
  throwsOpError(() => transpose(tensor([1, 2, 3], "float64")), /transpose: input: expected rank 2 \[R, C\], got shape \[3\]/);
  throwsOpError(() => transposeBackward(tensor([[1, 2]], "float64"), tensor([[1, 2]], "float64")), /transpose: upstream: expected shape \[2, 1\]/);
});

test("kl_sparsity by hand: ρ̂ = [0.5, 0.25], ρ = 0.5 → KL = 0 + ½ln(½/¼) + ½ln(½/¾)", () => {
  // m = 2 examples, H = 2 units: unit 0 averages (0.2 + 0.8)/2 = 0.5, unit 1 averages (0.5 + 0)/2 = 0.25.
  const a = tensor([[0.2, 0.5], [0.8, 0]], "float64");
  assertClose(averageActivation(a), [0.5, 0.25], 1e-15, "ρ̂");
  const expected = 0.5 * Math.log(0.5 / 0.25) + 0.5 * Math.log(0.5 / 0.75);
  assertClose(klSparsity(a, 0.5).data, [expected], 1e-15, "penalty");
  assert.equal(klSparsity(a, 0.5).shape, []);
  // ∂/∂α_j = (1/m)(−ρ/ρ̂_j + (1 − ρ)/(1 − ρ̂_j)): unit 0 → 0; unit 1 → ½(−2 + ⅔) = −⅔; times g = 3.
  const g = klSparsityBackward(tensor(3, "float64"), a, 0.5);
  assertClose(g.data, [0, -2, 0, -2], 1e-14, "gradient");
});

test("kl_sparsity is zero exactly when every ρ̂_j = ρ, positive otherwise", () => {
  assert.is(klSparsity(tensor([[0.1, 0.05], [0, 0.05]], "float64"), 0.05).data[0], 0);
  assert.ok(bernoulliKL(0.05, 0.2) > 0 && bernoulliKL(0.05, 0.01) > 0);
  // KL(ρ‖ρ̂) = ρ ln(ρ/ρ̂) + (1−ρ) ln((1−ρ)/(1−ρ̂)) at ρ = 0.05, ρ̂ = 0.2, by hand:
  assertClose([bernoulliKL(0.05, 0.2)], [0.05 * Math.log(0.25) + 0.95 * Math.log(0.95 / 0.8)], 1e-15, "KL");
});

test("kl_sparsity: a unit always off gives an infinite penalty (no clamping); default ρ = 0.05", () => {
  assert.is(klSparsity(tensor([[0, 0.5]], "float64"), 0.05).data[0], Infinity);
  assert.equal(klSparsityOp.attrs({}), { rho: 0.05 });
});

test("kl_sparsity: errors for activations outside [0, 1], a bad ρ, a wrong rank", () => {
  throwsOpError(() => klSparsity(tensor([[0.5, 1.5]], "float64"), 0.1), /kl_sparsity: input: expected activations in \[0, 1\].*got 1\.5 at flat index 1/);
  throwsOpError(() => klSparsity(tensor([[NaN]], "float64"), 0.1), /kl_sparsity: input: expected activations in \[0, 1\]/);
  throwsOpError(() => klSparsity(tensor([0.5, 0.5], "float64"), 0.1), /kl_sparsity: input: expected rank 2 \[m, H\]/);
  throwsOpError(() => klSparsityOp.attrs({ rho: 1 }), /kl_sparsity: rho: expected a number in \(0, 1\)/);
  throwsOpError(() => klSparsityOp.attrs({ rho: "0.1" }), /kl_sparsity: rho: expected a finite number/);
});

test("both ops are registered and pass gradcheck (five-point differences, float64)", () => {
  assert.is(findOp("transpose"), transposeOp);
  assert.is(findOp("kl_sparsity"), klSparsityOp);
  assert.ok(checkGradientsProperty(transposeOp, 30) < 1e-6);
  assert.ok(checkGradientsProperty(klSparsityOp, 40) < 1e-6);
});

test.run();
