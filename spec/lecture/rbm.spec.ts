/**
 * 004's RBM and deep belief net. The slide's conditionals, the energy and the
 * free energy are checked against the joint P(x, h) ∝ exp(hᵀWx + bᵀx + cᵀh)
 * enumerated over all states of a 4 × 3 RBM; the CD-k gradient (long chains,
 * many replicas) against the exact log-likelihood gradient from the same
 * enumeration; training on bars-and-stripes lowers the reconstruction error
 * and raises the exact log-likelihood; the DBN unrolls into Linear + Sigmoid
 * layers that compute P(h|x) layer by layer, and fine-tunes.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fromArray, Tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { Variable } from "../../src/autograd/variable.js";
import { noGrad } from "../../src/autograd/apply.js";
import { Linear, Sigmoid } from "../../src/nn/index.js";
import { RBM, deepBeliefNet, sampleBernoulli, trainRBM, unrollDeepBeliefNet } from "../../src/lecture/rbm.js";
import { classifierAccuracy, fitClassifier } from "../../src/train/fit.js";

/** All 2ⁿ binary vectors. */
function states(n: number): number[][] {
  return Array.from({ length: 2 ** n }, (_, s) => Array.from({ length: n }, (_, j) => (s >> j) & 1));
}

/** exp(hᵀWx + bᵀx + cᵀh): the slide's unnormalized joint, straight from W, b, c. */
function weight(rbm: RBM, x: number[], h: number[]): number {
  const D = rbm.visible, W = rbm.W.data, b = rbm.b.data, c = rbm.c.data;
  let s = 0;
  for (let i = 0; i < h.length; i++) for (let j = 0; j < D; j++) s += h[i] * W[i * D + j] * x[j];
  for (let j = 0; j < D; j++) s += b[j] * x[j];
  for (let i = 0; i < h.length; i++) s += c[i] * h[i];
  return Math.exp(s);
}

/** A tiny RBM with weights large enough that the distribution is far from uniform. */
function tinyRbm(seed: number): RBM {
  const rng = new Random(seed);
  const rbm = new RBM(4, 3, rng);
  for (let q = 0; q < rbm.W.size; q++) rbm.W.data[q] = rng.normal();
  for (let j = 0; j < 4; j++) rbm.b.data[j] = 0.5 * rng.normal();
  for (let i = 0; i < 3; i++) rbm.c.data[i] = 0.5 * rng.normal();
  return rbm;
}

const rows = (vs: number[][]) => fromArray(vs.flat(), [vs.length, vs[0].length], "float64");

test("004's conditionals are the marginals of the enumerated joint: P(h_i = 1|x), P(x_j = 1|h)", () => {
  const rbm = tinyRbm(1);
  const X = states(4), Hs = states(3);
  assertMarginals(rbm.hiddenProbabilities(rows(X)), X, Hs, (x, h) => weight(rbm, x, h), (i, x) => `P(h_${i} = 1|x = ${x})`);
  assertMarginals(rbm.visibleProbabilities(rows(Hs)), Hs, X, (h, x) => weight(rbm, x, h), (j, h) => `P(x_${j} = 1|h = ${h})`);
});

/**
 * Row r of `p` against the enumerated joint: P(unit i = 1 | given[r]) =
 * Σ over the `others` states with unit i on of weightOf(given[r], other) / Σ over all of them.
 */
function assertMarginals(p: Tensor, given: number[][], others: number[][], weightOf: (g: number[], o: number[]) => number, what: (i: number, g: number[]) => string): void {
  const n = others[0].length;
  given.forEach((g, r) => {
    const z = others.reduce((s, o) => s + weightOf(g, o), 0);
    for (let i = 0; i < n; i++) {
      const expected = others.filter((o) => o[i] === 1).reduce((s, o) => s + weightOf(g, o), 0) / z;
      assert.ok(Math.abs(p.data[r * n + i] - expected) < 1e-12, what(i, g));
    }
  });
}

test("energy E(x, h) = −log of the joint's weight; free energy F(x) = −log Σ_h e^(−E(x, h))", () => {
  const rbm = tinyRbm(2);
  const X = states(4), Hs = states(3);
  const pairsX: number[][] = [], pairsH: number[][] = [];
  for (const x of X) for (const h of Hs) { pairsX.push(x); pairsH.push(h); }
  const E = rbm.energy(rows(pairsX), rows(pairsH));
  pairsX.forEach((x, r) => assert.ok(Math.abs(E[r] + Math.log(weight(rbm, x, pairsH[r]))) < 1e-12));
  const F = rbm.freeEnergy(rows(X));
  X.forEach((x, r) => {
    const expected = -Math.log(Hs.reduce((s, h) => s + weight(rbm, x, h), 0));
    assert.ok(Math.abs(F[r] - expected) < 1e-12, `F(${x}): ${F[r]} vs ${expected}`);
  });
});

/** The exact gradient of the mean log-likelihood of `data`, by enumerating all (x, h). */
function exactGradient(rbm: RBM, data: number[][]): { dW: number[]; db: number[]; dc: number[] } {
  const X = states(4), Hs = states(3);
  const dW = new Array(12).fill(0), db = new Array(4).fill(0), dc = new Array(3).fill(0);
  // positive phase: E over P(h|x) for each data row
  for (const x of data) {
    const z = Hs.reduce((s, h) => s + weight(rbm, x, h), 0);
    for (const h of Hs) {
      const p = weight(rbm, x, h) / z / data.length;
      for (let i = 0; i < 3; i++) { dc[i] += p * h[i]; for (let j = 0; j < 4; j++) dW[i * 4 + j] += p * h[i] * x[j]; }
    }
    for (let j = 0; j < 4; j++) db[j] += x[j] / data.length;
  }
  // negative phase: E over the model's P(x, h)
  let Z = 0;
  for (const x of X) for (const h of Hs) Z += weight(rbm, x, h);
  for (const x of X) for (const h of Hs) {
    const p = weight(rbm, x, h) / Z;
    for (let i = 0; i < 3; i++) { dc[i] -= p * h[i]; for (let j = 0; j < 4; j++) dW[i * 4 + j] -= p * h[i] * x[j]; }
    for (let j = 0; j < 4; j++) db[j] -= p * x[j];
  }
  return { dW, db, dc };
}

test("CD-k with long chains, averaged over many replicas, approaches the exact log-likelihood gradient (4 visible × 3 hidden)", () => {
  const rbm = tinyRbm(3);
  const data = [[1, 0, 1, 0], [1, 1, 0, 0], [0, 0, 1, 1]];
  const exact = exactGradient(rbm, data);
  const replicas = 1500;
  const x0 = rows(Array.from({ length: replicas }, () => data).flat());
  const cd = rbm.contrastiveDivergence(x0, 25, new Random(4));
  let worst = 0;
  const compare = (got: ArrayLike<number>, want: number[], what: string) => {
    want.forEach((w, q) => {
      worst = Math.max(worst, Math.abs(got[q] - w));
      assert.ok(Math.abs(got[q] - w) < 0.04, `${what}[${q}]: CD-25 ${got[q]} vs exact ${w}`);
    });
  };
  compare(cd.dW.data, exact.dW, "dW");
  compare(cd.db.data, exact.db, "db");
  compare(cd.dc.data, exact.dc, "dc");
  // not a vacuous comparison: the exact gradient is far from zero
  assert.ok(Math.max(...exact.dW.map(Math.abs)) > 0.1);
  // and CD-1 on the same replicas is measurably biased where CD-25 is not (the chain has not mixed)
  const cd1 = rbm.contrastiveDivergence(x0, 1, new Random(4));
  const err1 = Math.max(...exact.dW.map((w, q) => Math.abs(cd1.dW.data[q] - w)));
  assert.ok(err1 > worst, `CD-1's worst error ${err1} exceeds CD-25's ${worst}`);
});

/** Bars and stripes on 3 × 3 pixels: every image whose rows (or columns) are each all on or all off. 14 distinct images. */
function barsAndStripes(): number[][] {
  const out = new Map<string, number[]>();
  for (let s = 0; s < 8; s++) {
    const rowsOn = Array.from({ length: 9 }, (_, p) => (s >> Math.floor(p / 3)) & 1);
    const colsOn = Array.from({ length: 9 }, (_, p) => (s >> (p % 3)) & 1);
    out.set(rowsOn.join(""), rowsOn);
    out.set(colsOn.join(""), colsOn);
  }
  return [...out.values()];
}

/** Exact mean log-likelihood: log P(x) = −F(x) − log Z, Z = Σ over all 2⁹ visible states of e^(−F). */
function logLikelihood(rbm: RBM, data: number[][]): number {
  const F = rbm.freeEnergy(rows(states(rbm.visible)));
  const m = Math.min(...F);
  const logZ = -m + Math.log(F.reduce((s, f) => s + Math.exp(-(f - m)), 0));
  const Fd = rbm.freeEnergy(rows(data));
  return Fd.reduce((s, f) => s - f - logZ, 0) / data.length;
}

test("CD-1 training on bars and stripes lowers the reconstruction error and raises the exact log-likelihood", () => {
  const patterns = barsAndStripes();
  assert.is(patterns.length, 14);
  const x = rows(Array.from({ length: 10 }, () => patterns).flat());
  const rng = new Random(5);
  const rbm = new RBM(9, 12, rng);
  const before = rbm.reconstructionError(x);
  const llBefore = logLikelihood(rbm, patterns);
  const history = trainRBM(rbm, x, { epochs: 150, batchSize: 10, k: 1, lr: 0.3, rng });
  const after = rbm.reconstructionError(x);
  const llAfter = logLikelihood(rbm, patterns);
  assert.is(history.length, 150);
  assert.ok(after < 0.1 * before, `reconstruction error ${before} → ${after}`);
  // uniform over 2⁹ states is −9 ln 2 ≈ −6.24; the 14 patterns uniformly would be −ln 14 ≈ −2.64
  assert.ok(llBefore < -6.2 && llAfter > -3.5, `mean log-likelihood ${llBefore} → ${llAfter}`);
});

test("determinism: one seed, bit-identical RBM after training; sampleBernoulli is seeded", () => {
  const x = rows(barsAndStripes());
  const run = () => {
    const rng = new Random(6);
    const rbm = new RBM(9, 5, rng);
    trainRBM(rbm, x, { epochs: 3, batchSize: 4, k: 2, rng });
    return [Array.from(rbm.W.data), Array.from(rbm.b.data), Array.from(rbm.c.data)];
  };
  assert.equal(run(), run());
  const p = fromArray([0, 1, 0.5, 0.5], [2, 2], "float64");
  const s = sampleBernoulli(p, new Random(7));
  assert.equal([s.data[0], s.data[1]], [0, 1]);
  assert.equal(Array.from(sampleBernoulli(p, new Random(7)).data), Array.from(s.data));
  // frequency of a 0.3 unit over 20,000 draws (binomial SE ≈ 0.0032)
  const many = sampleBernoulli(fromArray(new Array(20000).fill(0.3), [20000], "float64"), new Random(8));
  const rate = Array.from(many.data).reduce((a, b) => a + b, 0) / 20000;
  assert.ok(Math.abs(rate - 0.3) < 0.015, `rate ${rate}`);
});

test("deep belief net: greedy stacking, unrolled into Linear + Sigmoid layers that compute P(h|x) layer by layer, then fine-tuned", () => {
  const rng = new Random(9);
  const prototypes = Array.from({ length: 3 }, () => Array.from({ length: 16 }, () => rng.bernoulli(0.5)));
  const n = 120;
  const data: number[][] = [];
  const labels = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    labels[r] = r % 3;
    data.push(prototypes[labels[r]].map((v) => (rng.bernoulli(0.1) ? 1 - v : v)));
  }
  const x = rows(data);
  const layersSeen: number[] = [];
  const { rbms, histories } = deepBeliefNet(x, { hidden: [10, 6], epochs: 30, batchSize: 10, lr: 0.1, rng, onLayer: (k) => layersSeen.push(k) });
  assert.equal(layersSeen, [0, 1]);
  assert.equal([rbms[0].visible, rbms[0].hidden, rbms[1].visible, rbms[1].hidden], [16, 10, 10, 6]);
  for (const h of histories) assert.ok(h[h.length - 1] < h[0], "each RBM's reconstruction improves");

  const net = unrollDeepBeliefNet(rbms, { dtype: "float64" });
  assert.is(net.length, 4);
  assert.ok(net.at(0) instanceof Linear && net.at(1) instanceof Sigmoid);
  assert.equal([...net.stateDict().keys()], ["0.weight", "0.bias", "2.weight", "2.bias"]);
  const byLayers = noGrad(() => net.forward(new Variable(x)).value);
  const byRbms = rbms[1].hiddenProbabilities(rbms[0].hiddenProbabilities(x));
  for (let q = 0; q < byRbms.size; q++) assert.ok(Math.abs(byLayers.data[q] - byRbms.data[q]) < 1e-12, `P(h⁽²⁾|x)[${q}]`);

  const classifier = unrollDeepBeliefNet(rbms, { numClasses: 3, rng });
  const target = new Tensor(labels, [n]);
  const x32 = x.astype("float32");
  const chance = classifierAccuracy(classifier, x32, target);
  const losses = fitClassifier(classifier, x32, target, { epochs: 30, batchSize: 10, rng, lr: 3e-2 });
  assert.ok(losses[29] < 0.25 * losses[0], `fine-tuning loss ${losses[0]} → ${losses[29]}`);
  const accuracy = classifierAccuracy(classifier, x32, target);
  assert.ok(chance < 0.5 && accuracy > 0.9, `accuracy ${chance} before fine-tuning, ${accuracy} after`);
});

test("errors: data outside [0, 1], wrong widths, k < 1, mismatched RBM stack", () => {
  const rng = new Random(10);
  const rbm = new RBM(3, 2, rng);
  assert.throws(() => rbm.hiddenProbabilities(fromArray([0, 2, 1], [1, 3], "float64")), /RBM\.hiddenProbabilities: expected visible states in \[0, 1\], got 2 at row 0, column 1/);
  assert.throws(() => rbm.hiddenProbabilities(fromArray([0, 1], [1, 2], "float64")), /expected \[N, 3\] \(visible states\), got \[1, 2\]/);
  assert.throws(() => rbm.visibleProbabilities(fromArray([0, 1, 1], [1, 3], "float64")), /expected \[N, 2\] \(hidden states\)/);
  assert.throws(() => rbm.contrastiveDivergence(fromArray([0, 1, 1], [1, 3], "float64"), 0, rng), /k: expected an integer ≥ 1/);
  assert.throws(() => unrollDeepBeliefNet([rbm, new RBM(3, 2, rng)]), /RBM 1 has 3 visible units, expected 2/);
  assert.throws(() => unrollDeepBeliefNet([rbm], { numClasses: 2 }), /needs an rng/);
  assert.throws(() => new RBM(0, 2, rng), /expected positive integer unit counts/);
  assert.throws(() => deepBeliefNet(fromArray([0, 1], [1, 2], "float64"), { hidden: [], epochs: 1, batchSize: 1, rng }), /hidden: expected at least one positive integer size/);
});

test.run();
