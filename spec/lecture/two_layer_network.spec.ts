/**
 * The lectures' hand-written networks against the library: the same weights
 * through Linear/Sigmoid/mse_loss and autograd (whose gradients come from the
 * ops' own backward), and against five-point finite differences of the
 * hand-written loss itself.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { fromArray } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { Variable } from "../../src/autograd/variable.js";
import * as F from "../../src/autograd/functional.js";
import { Linear } from "../../src/nn/linear.js";
import { Sigmoid } from "../../src/nn/activations.js";
import { Sequential } from "../../src/nn/sequential.js";
import { backpropagation, feedforward, paramsFromLinear, sigma, type TwoLayerParams } from "../../src/lecture/two_layer_network.js";
import { squaredLossGradients, type UWParams } from "../../src/lecture/mlp_squared_loss.js";
import { SGD } from "../../src/optim/sgd.js";
import { fcParams } from "../support/properties.js";

/** |a − b| ≤ tol·max(1, |b|). */
function near(a: number, b: number, tol: number, what: string): void {
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b} (difference ${Math.abs(a - b).toExponential(2)})`);
}

/** Five-point central difference of f at v[i] (v changed and restored). */
function numeric(f: () => number, v: number[], i: number, h = 1e-3): number {
  const saved = v[i];
  const at = (x: number) => { v[i] = x; const r = f(); v[i] = saved; return r; };
  return (-at(saved + 2 * h) + 8 * at(saved + h) - 8 * at(saved - h) + at(saved - 2 * h)) / (12 * h);
}

/** Random 000 network sizes and a sample, with the library's layers holding the weights. */
function drawCase(seed: number) {
  const rng = new Random(seed);
  const d = 1 + rng.int(4), h = 1 + rng.int(4), c = 1 + rng.int(3);
  const first = new Linear(d, h, rng, { dtype: "float64", init: "normal0.1" });
  const second = new Linear(h, c, rng, { dtype: "float64", init: "normal0.1" });
  // larger weights and biases than init gives, so that σ is not nearly linear
  for (const p of [first.weight, first.bias!, second.weight, second.bias!]) for (let i = 0; i < p.value.size; i++) p.value.data[i] = 1.5 * rng.normal();
  const x = Array.from({ length: d }, () => 2 * rng.normal());
  const t = Array.from({ length: c }, () => rng.uniform());
  return { first, second, x, t, d, h, c };
}

test("000: the slide's backprop equals autograd through Linear/Sigmoid/mse_loss (float64)", () => {
  let worst = 0;
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const { first, second, x, t, d, h, c } = drawCase(seed);
      const params = paramsFromLinear(first, second);
      const fwd = feedforward(params, x, t);
      const g = backpropagation(params, x, t, fwd);
      // J = ½ Σ_k (t_k − ŷ_k)² = ½ · mse_loss(ŷ, t, "sum")
      const net = new Sequential(first, new Sigmoid(), second, new Sigmoid());
      const yHat = net.forward(new Variable(fromArray(x, [1, d], "float64")));
      const J = F.mulScalar(F.mseLoss(yHat, fromArray(t, [1, c], "float64"), "sum"), 0.5);
      near(J.value.data[0], fwd.J, 1e-14, "J");
      J.backward();
      const gW1 = first.weight.grad!.data, gb1 = first.bias!.grad!.data, gW2 = second.weight.grad!.data, gb2 = second.bias!.grad!.data;
      const check = (a: number, b: number, what: string) => { worst = Math.max(worst, Math.abs(a - b)); near(a, b, 1e-13, `seed ${seed} ${what}`); };
      for (let l = 0; l < d; l++) for (let j = 0; j < h; j++) check(g.dW1[l][j], gW1[j * d + l], `dW1[${l}][${j}]`);
      for (let j = 0; j < h; j++) check(g.db1[j], gb1[j], `db1[${j}]`);
      for (let l2 = 0; l2 < h; l2++) for (let k = 0; k < c; k++) check(g.dW2[l2][k], gW2[k * h + l2], `dW2[${l2}][${k}]`);
      for (let k = 0; k < c; k++) check(g.db2[k], gb2[k], `db2[${k}]`);
    }),
    fcParams(40),
  );
  assert.ok(worst < 1e-13);
});

test("000: the slide's backprop equals finite differences of the slide's J", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const { first, second, x, t } = drawCase(seed);
      const params: TwoLayerParams = paramsFromLinear(first, second);
      const g = backpropagation(params, x, t, feedforward(params, x, t));
      const J = () => feedforward(params, x, t).J;
      const pairs: Array<[number[], number[], string]> = [
        ...params.W1.map((row, l): [number[], number[], string] => [row, g.dW1[l], `W1[${l}]`]),
        [params.b1, g.db1, "b1"],
        ...params.W2.map((row, l): [number[], number[], string] => [row, g.dW2[l], `W2[${l}]`]),
        [params.b2, g.db2, "b2"],
      ];
      for (const [values, grads, name] of pairs) {
        for (let i = 0; i < values.length; i++) near(grads[i], numeric(J, values, i), 1e-9, `seed ${seed} ${name}[${i}]`);
      }
    }),
    fcParams(30),
  );
});

// One unit everywhere (d = h = c = 1), computed on paper:
// p = 0.5·2 + 0 = 1, q = σ(1); a = 2q − 1, ŷ = σ(a); J = ½(1 − ŷ)².
test("000: a 1-1-1 network term by term", () => {
  const params: TwoLayerParams = { W1: [[0.5]], b1: [0], W2: [[2]], b2: [-1] };
  const f = feedforward(params, [2], [1]);
  const q = sigma(1), yHat = sigma(2 * q - 1);
  near(f.p[0], 1, 1e-16, "p");
  near(f.q[0], q, 1e-16, "q");
  near(f.J, 0.5 * (1 - yHat) ** 2, 1e-16, "J");
  const g = backpropagation(params, [2], [1], f);
  const e = -(1 - yHat) * yHat * (1 - yHat);
  near(g.db2[0], e, 1e-16, "db2");
  near(g.dW2[0][0], e * q, 1e-16, "dW2");
  near(g.db1[0], e * 2 * q * (1 - q), 1e-16, "db1");
  near(g.dW1[0][0], e * 2 * q * (1 - q) * 2, 1e-16, "dW1");
});

// 002, "Neural Net – Training": W⁽ᵏ⁺¹⁾ = W⁽ᵏ⁾ − η ∂L/∂W. Gradient descent with the slide's
// gradients and the library's SGD on the same layers must walk the same path.
test("000: 20 gradient-descent steps by hand equal SGD on Linear/Sigmoid layers, and J falls", () => {
  const { first, second, x, t, d, c } = drawCase(2024);
  const params = paramsFromLinear(first, second);
  const eta = 0.5;
  const net = new Sequential(first, new Sigmoid(), second, new Sigmoid());
  const opt = new SGD(net.parameters(), { lr: eta });
  const J0 = feedforward(params, x, t).J;
  for (let step = 0; step < 20; step++) {
    const g = backpropagation(params, x, t, feedforward(params, x, t));
    params.W1.forEach((row, l) => row.forEach((_, j) => (row[j] -= eta * g.dW1[l][j])));
    params.b1.forEach((_, j) => (params.b1[j] -= eta * g.db1[j]));
    params.W2.forEach((row, l) => row.forEach((_, k) => (row[k] -= eta * g.dW2[l][k])));
    params.b2.forEach((_, k) => (params.b2[k] -= eta * g.db2[k]));
    opt.zeroGrad();
    const yHat = net.forward(new Variable(fromArray(x, [1, d], "float64")));
    F.mulScalar(F.mseLoss(yHat, fromArray(t, [1, c], "float64"), "sum"), 0.5).backward();
    opt.step();
  }
  const fromLayers = paramsFromLinear(first, second);
  fromLayers.W1.forEach((row, l) => row.forEach((w, j) => near(w, params.W1[l][j], 1e-12, `W1[${l}][${j}]`)));
  fromLayers.W2.forEach((row, l) => row.forEach((w, k) => near(w, params.W2[l][k], 1e-12, `W2[${l}][${k}]`)));
  fromLayers.b1.forEach((b, j) => near(b, params.b1[j], 1e-12, `b1[${j}]`));
  fromLayers.b2.forEach((b, k) => near(b, params.b2[k], 1e-12, `b2[${k}]`));
  assert.ok(feedforward(params, x, t).J < J0, `J ${J0} → ${feedforward(params, x, t).J}`);
});

test("000: mismatched sizes are named", () => {
  const params: TwoLayerParams = { W1: [[1, 2]], b1: [0, 0], W2: [[1], [1]], b2: [0] };
  assert.throws(() => feedforward(params, [1, 2], [0]), /W1: expected \[2\]\[2\] \(d inputs × h hidden units\), got \[1\]\[2\]/);
  assert.throws(() => feedforward(params, [1], [0, 1]), /t: expected 1 targets \(one per output\), got 2/);
  const rng = new Random(0);
  assert.throws(() => paramsFromLinear(new Linear(2, 3, rng), new Linear(4, 1, rng)), /expected the second layer to take 3 inputs, got 4/);
});

// ───────────────────────────── 002 ─────────────────────────────

function drawUW(seed: number, outputSigmoid: boolean) {
  const rng = new Random(seed);
  const d = 1 + rng.int(4), h = 1 + rng.int(5), m = 1 + rng.int(3), n = 1 + rng.int(3);
  const Wl = new Linear(d, h, rng, { dtype: "float64", bias: false });
  const Ul = new Linear(h, m, rng, { dtype: "float64", bias: false });
  for (const p of [Wl.weight, Ul.weight]) for (let i = 0; i < p.value.size; i++) p.value.data[i] = 1.5 * rng.normal();
  // Linear's weight [out, in] is exactly the slide's W [h][d] and U [m][h]
  const rows = (data: ArrayLike<number>, r: number, cols: number) => Array.from({ length: r }, (_, i) => Array.from(data).slice(i * cols, (i + 1) * cols));
  const params: UWParams = { W: rows(Wl.weight.value.data, h, d), U: rows(Ul.weight.value.data, m, h) };
  const xs = Array.from({ length: n }, () => Array.from({ length: d }, () => 2 * rng.normal()));
  const ys = Array.from({ length: n }, () => Array.from({ length: m }, () => (rng.bernoulli(0.5) ? 1 : 0)));
  return { Wl, Ul, params, xs, ys, d, h, m, n, outputSigmoid };
}

test("002: the explicit gradients of L = ΣΣ(ỹ − y)² equal autograd's, with and without the output σ", () => {
  for (const outputSigmoid of [true, false]) {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const { Wl, Ul, params, xs, ys, d, h, m, n } = drawUW(seed, outputSigmoid);
        const r = squaredLossGradients(params, xs, ys, { outputSigmoid });
        const z = Ul.forward(F.sigmoid(Wl.forward(new Variable(fromArray(xs.flat(), [n, d], "float64")))));
        const yTilde = outputSigmoid ? F.sigmoid(z) : z;
        const L = F.mseLoss(yTilde, fromArray(ys.flat(), [n, m], "float64"), "sum");
        near(L.value.data[0], r.L, 1e-13, "L");
        L.backward();
        for (let k = 0; k < h; k++) for (let l = 0; l < d; l++) near(r.dW[k][l], Wl.weight.grad!.data[k * d + l], 1e-12, `seed ${seed} dW[${k}][${l}]`);
        for (let j = 0; j < m; j++) for (let k = 0; k < h; k++) near(r.dU[j][k], Ul.weight.grad!.data[j * h + k], 1e-12, `seed ${seed} dU[${j}][${k}]`);
      }),
      fcParams(25),
    );
  }
});

test("002: the explicit gradients equal finite differences of L", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const { params, xs, ys } = drawUW(seed, true);
      const r = squaredLossGradients(params, xs, ys);
      const L = () => squaredLossGradients(params, xs, ys).L;
      params.W.forEach((row, k) => row.forEach((_, l) => near(r.dW[k][l], numeric(L, row, l), 1e-9, `seed ${seed} dW[${k}][${l}]`)));
      params.U.forEach((row, j) => row.forEach((_, k) => near(r.dU[j][k], numeric(L, row, k), 1e-9, `seed ${seed} dU[${j}][${k}]`)));
    }),
    fcParams(25),
  );
});

// 002, "Neural Net – Training", the simple case d = 1, m = 1, the slide's formulas verbatim:
//   ∂L/∂w = Σ_i 2(σ(uσ(wx⁽ⁱ⁾)) − y)·σ′(uσ(wx⁽ⁱ⁾))·u·σ′(wx⁽ⁱ⁾)·x⁽ⁱ⁾
//   ∂L/∂u = Σ_i 2(σ(uσ(wx⁽ⁱ⁾)) − y)·σ′(uσ(wx⁽ⁱ⁾))·σ(wx⁽ⁱ⁾)
test("002: the scalar case reproduces the slide's formulas", () => {
  const w = 0.7, u = -1.3, xs = [0.5, -2, 1.5], y = 1;
  const dsig = (z: number) => sigma(z) * (1 - sigma(z));
  let dw = 0, du = 0;
  for (const x of xs) {
    const outer = u * sigma(w * x);
    dw += 2 * (sigma(outer) - y) * dsig(outer) * u * dsig(w * x) * x;
    du += 2 * (sigma(outer) - y) * dsig(outer) * sigma(w * x);
  }
  const r = squaredLossGradients({ W: [[w]], U: [[u]] }, xs.map((x) => [x]), xs.map(() => [y]));
  near(r.dW[0][0], dw, 1e-15, "∂L/∂w");
  near(r.dU[0][0], du, 1e-15, "∂L/∂u");
});

test.run();
