/**
 * The graph as a whole against finite differences: random small graphs built
 * from linear, activations, add, mul, reshape, concat and losses, where
 * variables are reused and some inputs are constants. For every leaf that
 * requires a gradient, backward's result is compared with a five-point
 * central difference of the scalar loss through the whole graph, in float64
 * (h = 1e-3, as src/check/gradcheck.ts; relu/leaky_relu inputs are kept at
 * least 0.01 from the kink by redrawing the leaf values).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { Tensor, randn, tensor, type Shape } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { Variable } from "../../src/autograd/variable.js";
import { apply, isGradEnabled, noGrad } from "../../src/autograd/apply.js";
import * as F from "../../src/autograd/functional.js";
import { fcParams } from "../support/properties.js";

// ───────────────────────── random graphs ─────────────────────────

/** One leaf of a random graph: its shape, and whether it requires a gradient. */
interface LeafSpec { shape: number[]; requiresGrad: boolean }

/**
 * A random graph, fixed once drawn: `leaves` to create, and `run`, which
 * applies the same ops to any values of those leaves and reports the
 * smallest |input| seen by a kinked activation.
 */
interface RandomGraph {
  leaves: LeafSpec[];
  description: string[];
  run(leaves: Variable[], targets: Tensor[]): { loss: Variable; nearestKink: number };
  targets: Tensor[];
}

function drawGraph(rng: Random): RandomGraph {
  const n = 1 + rng.int(3);
  const leaves: LeafSpec[] = [];
  const targets: Tensor[] = [];
  const description: string[] = [];
  type Step = (vals: Variable[], pool: Variable[], kink: { min: number }) => void;
  const steps: Step[] = [];
  const newLeaf = (shape: number[], requiresGrad = true): number => {
    leaves.push({ shape, requiresGrad });
    return leaves.length - 1;
  };
  // pool entries are [N, k] widths; the current value is the last entry.
  const widths: number[] = [];
  const x0 = newLeaf([n, 2 + rng.int(3)], rng.bernoulli(0.8) === 1);
  widths.push(leaves[x0].shape[1]);
  steps.push((vals, pool) => pool.push(vals[x0]));
  const depth = 3 + rng.int(4);
  for (let s = 0; s < depth; s++) {
    const k = widths[widths.length - 1];
    const kind = ["linear", "linear", "act", "act", "add", "mul", "scalar", "reshape", "concat"][rng.int(9)];
    if (kind === "linear") {
      const out = 1 + rng.int(4);
      const w = newLeaf([out, k], rng.bernoulli(0.85) === 1);
      const b = rng.bernoulli(0.7) ? newLeaf([out], true) : -1;
      description.push(`linear ${k}→${out}${b < 0 ? " (no bias)" : ""}`);
      steps.push((vals, pool) => pool.push(F.linear(pool[pool.length - 1], vals[w], b < 0 ? undefined : vals[b])));
      widths.push(out);
    } else if (kind === "act") {
      const which = ["sigmoid", "tanh", "relu", "leaky_relu"][rng.int(4)];
      description.push(which);
      steps.push((_, pool, kink) => {
        const h = pool[pool.length - 1];
        if (which === "relu" || which === "leaky_relu") for (const v of h.value.data) kink.min = Math.min(kink.min, Math.abs(v));
        pool.push(which === "leaky_relu" ? F.leakyRelu(h, 0.2) : apply(which, { input: h }));
      });
      widths.push(k);
    } else if (kind === "add" || kind === "mul") {
      // the other operand: an earlier value of the same width (possibly the current one — a variable used twice)
      const same = widths.map((w, i) => (w === k ? i : -1)).filter((i) => i >= 0);
      const j = same[rng.int(same.length)];
      description.push(`${kind} with value #${j}${j === widths.length - 1 ? " (itself)" : ""}`);
      steps.push((_, pool) => pool.push(kind === "add" ? F.add(pool[pool.length - 1], pool[j]) : F.mul(pool[pool.length - 1], pool[j])));
      widths.push(k);
    } else if (kind === "scalar") {
      const c = Math.round((rng.uniform() * 4 - 2) * 100) / 100 || 0.5;
      description.push(`× ${c}`);
      steps.push((_, pool) => pool.push(F.mulScalar(pool[pool.length - 1], c)));
      widths.push(k);
    } else if (kind === "reshape") {
      description.push("reshape to [k, N] and back");
      steps.push((_, pool) => {
        const h = pool[pool.length - 1];
        pool.push(F.reshape(F.reshape(h, [k, n]), [n, k]));
      });
      widths.push(k);
    } else {
      // concat with a constant or a trainable side input along dim 1
      const extra = 1 + rng.int(2);
      const side = newLeaf([n, extra], rng.bernoulli(0.5) === 1);
      description.push(`concat with leaf #${side} (${leaves[side].requiresGrad ? "trainable" : "constant"})`);
      steps.push((vals, pool) => pool.push(F.concat(pool[pool.length - 1], vals[side], 1)));
      widths.push(k + extra);
    }
  }
  const k = widths[widths.length - 1];
  const lossKind = ["mse", "cross_entropy", "bce_logits", "sum", "mean"][rng.int(5)];
  const reduction = (["mean", "sum"] as const)[rng.int(2)];
  if (lossKind === "mse" || lossKind === "bce_logits") targets.push(lossKind === "mse" ? randn([n, k], rng, { dtype: "float64" }) : tensor(Array.from({ length: n }, () => Array.from({ length: k }, () => rng.uniform())), "float64"));
  if (lossKind === "cross_entropy") targets.push(new Tensor(Int32Array.from({ length: n }, () => rng.int(k)), [n]));
  description.push(`${lossKind}${lossKind === "sum" || lossKind === "mean" ? "" : ` (${reduction})`}`);
  return {
    leaves,
    description,
    targets,
    run(vals, tgt) {
      const pool: Variable[] = [];
      const kink = { min: Infinity };
      for (const step of steps) step(vals, pool, kink);
      const h = pool[pool.length - 1];
      let loss: Variable;
      if (lossKind === "mse") loss = F.mseLoss(h, tgt[0], reduction);
      else if (lossKind === "bce_logits") loss = F.binaryCrossEntropyWithLogits(h, tgt[0], reduction);
      else if (lossKind === "cross_entropy") loss = F.crossEntropy(h, tgt[0], { reduction });
      else if (lossKind === "sum") loss = F.sum(h);
      else loss = F.mean(h);
      return { loss, nearestKink: kink.min };
    },
  };
}

/** Leaf variables for `graph` with values drawn from `rng`, redrawn until every relu input is ≥ 0.01 from 0. */
function makeLeaves(graph: RandomGraph, rng: Random): Variable[] {
  for (let attempt = 0; attempt < 200; attempt++) {
    const vals = graph.leaves.map((l) => new Variable(randn(l.shape, rng, { dtype: "float64" }), l.requiresGrad));
    const { nearestKink } = noGrad(() => graph.run(vals, graph.targets));
    if (nearestKink >= 0.01) return vals;
  }
  throw new Error("makeLeaves: could not keep relu inputs away from 0");
}

/** dL/d(leaf)[i] by the five-point central difference through the whole graph. */
function numericGradient(graph: RandomGraph, vals: Variable[], leaf: number, i: number, h = 1e-3): number {
  const data = vals[leaf].value.data;
  const saved = data[i];
  const L = (v: number) => {
    data[i] = v;
    const out = noGrad(() => graph.run(vals, graph.targets).loss.value.data[0]);
    data[i] = saved;
    return out;
  };
  return (-L(saved + 2 * h) + 8 * L(saved + h) - 8 * L(saved - h) + L(saved - 2 * h)) / (12 * h);
}

test("random graphs: every leaf's gradient equals finite differences through the whole graph (float64)", () => {
  let worst = 0;
  let compared = 0;
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const rng = new Random(seed);
      const graph = drawGraph(rng);
      const vals = makeLeaves(graph, rng);
      const { loss } = graph.run(vals, graph.targets);
      const anyGrad = vals.some((v) => v.requiresGrad);
      assert.is(loss.requiresGrad, anyGrad);
      if (!anyGrad) return;
      loss.backward();
      vals.forEach((v, leaf) => {
        if (!v.requiresGrad) {
          assert.is(v.grad, null, "a constant leaf gets no gradient");
          return;
        }
        // A leaf on no path to the loss keeps grad null; then its numeric gradient must be 0.
        for (let i = 0; i < v.value.size; i++) {
          const a = v.grad ? v.grad.data[i] : 0;
          const num = numericGradient(graph, vals, leaf, i);
          const err = Math.abs(a - num) / Math.max(Math.abs(a), Math.abs(num), 1e-6);
          worst = Math.max(worst, err);
          compared++;
          assert.ok(err < 1e-6, `seed ${seed}: leaf #${leaf} [${i}] analytic ${a}, numeric ${num}, error ${err.toExponential(2)}; graph: ${graph.description.join(" → ")}`);
        }
      });
    }),
    fcParams(40),
  );
  assert.ok(compared > 200, `compared only ${compared} elements`);
  if (process.env.SHOW) console.log(`compared ${compared}, worst ${worst}`);
});

// ───────────────────────── specific behaviour ─────────────────────────

const x64 = (values: number[]) => new Variable(tensor(values, "float64"), true);
const close = (a: number, b: number, what = "") => assert.ok(Math.abs(a - b) <= 1e-14 * Math.max(1, Math.abs(b)), `${what} ${a} vs ${b}`);

// 000, "Automatic Differentiation": "the gradients along only some of the paths can also be computed".
test("detach cuts one path: L = Σ x ⊙ detach(x) has dL/dx = x, not 2x", () => {
  const x = x64([1.5, -2]);
  F.sum(F.mul(x, x.detach())).backward();
  assert.equal([...x.grad!.data], [1.5, -2]);
  const y = x64([1.5, -2]);
  F.sum(F.mul(y, y)).backward();
  assert.equal([...y.grad!.data], [3, -4], "without detach both paths count");
});

test("noGrad records nothing, nests, and is restored after an exception", () => {
  const x = x64([1]);
  assert.is(isGradEnabled(), true);
  const y = noGrad(() => {
    assert.is(isGradEnabled(), false);
    return noGrad(() => F.mulScalar(x, 3));
  });
  assert.is(y.node, null);
  assert.is(y.requiresGrad, false);
  assert.throws(() => noGrad(() => { throw new Error("boom"); }), /boom/);
  assert.is(isGradEnabled(), true, "recording is back on");
  assert.ok(F.mulScalar(x, 3).node !== null);
});

test("a variable used twice gets the sum of both contributions: d(x + x)/dx = 2, d(x ⊙ x)/dx = 2x", () => {
  const x = x64([3, -1]);
  F.sum(F.add(x, x)).backward();
  assert.equal([...x.grad!.data], [2, 2]);
  const z = x64([3, -1]);
  const s = F.sigmoid(z);
  // L = Σ σ(z) ⊙ σ(z): dL/dz = 2σ(z)·σ(z)(1 − σ(z))
  F.sum(F.mul(s, s)).backward();
  for (let i = 0; i < 2; i++) {
    const sv = 1 / (1 + Math.exp(-z.value.data[i]));
    close(z.grad!.data[i], 2 * sv * sv * (1 - sv), "z");
  }
});

test("gradients accumulate across backward calls until zeroGrad; a retained graph reuses its caches", () => {
  const w = x64([2]);
  const x = tensor([[3]], "float64");
  const loss = F.sum(F.linear(x, new Variable(tensor([[1]], "float64"), false), undefined));
  assert.is(loss.requiresGrad, false, "no input requires a gradient: nothing recorded");
  const y = F.mulScalar(F.mul(w, w), 0.5); // ½w², dy/dw = w
  const L = F.sum(y);
  L.backward({ retainGraph: true });
  L.backward({ retainGraph: true });
  assert.equal([...w.grad!.data], [4], "2 + 2");
  w.zeroGrad();
  assert.is(w.grad, null);
  L.backward();
  assert.equal([...w.grad!.data], [2]);
});

test("retainGrad keeps an intermediate gradient; other intermediates keep none", () => {
  const x = x64([0.5, -0.5]);
  const h = F.mulScalar(x, 4).retainGrad();
  const t = F.tanh(h);
  F.sum(t).backward();
  for (let i = 0; i < 2; i++) {
    const th = Math.tanh(4 * x.value.data[i]);
    close(h.grad!.data[i], 1 - th * th, "dL/dh"); // 002: tanh′ = 1 − tanh²
    close(x.grad!.data[i], 4 * (1 - th * th), "dL/dx");
  }
  assert.is(t.grad, null);
});

test("a constant operand (a plain tensor) takes part but receives no gradient", () => {
  const w = x64([1, 2]);
  const c = tensor([5, 7], "float64");
  F.sum(F.mul(w, c)).backward();
  assert.equal([...w.grad!.data], [5, 7]);
});

test("backward from a non-scalar needs an upstream of its shape", () => {
  const x = x64([1, 2]);
  const y = F.mulScalar(x, 2);
  assert.throws(() => y.backward(), /expected a scalar to start from/);
  assert.throws(() => y.backward(tensor([1, 2, 3], "float64")), /expected upstream of shape \[2\], got \[3\]/);
  assert.throws(() => y.backward(tensor([1, -1], "float32")), /expected an upstream of dtype float64 \(the variable's\), got float32/);
  y.backward(tensor([1, -1], "float64"));
  assert.equal([...x.grad!.data], [2, -2]);
});

test("float32 graphs run and backpropagate in float32", () => {
  const rng = new Random(1);
  const x = new Variable(randn([2, 3], rng), true);
  const w = new Variable(randn([4, 3], rng), true);
  const loss = F.mean(F.tanh(F.linear(x, w)));
  loss.backward();
  assert.is(loss.dtype, "float32");
  assert.is(w.grad!.dtype, "float32");
  assert.is(x.grad!.dtype, "float32");
  const shapes: Shape[] = [w.grad!.shape, x.grad!.shape];
  assert.equal(shapes, [[4, 3], [2, 3]]);
});

test.run();
