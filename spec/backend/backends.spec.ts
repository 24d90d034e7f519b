// Both backends run the same op suite: every op that has a kernel runs the
// reference op's own sample cases (the ones gradcheck uses) in float32
// through resolveOp with the backend set to "wasm", and must agree with the
// reference op, forward and backward. No op with a kernel is left out.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { loadKernelsSync } from "../../src/backend/load.js";
import { getBackend, kernelOpNames, resolveOp, setBackend } from "../../src/backend/dispatch.js";
import { findOp } from "../../src/ops/registry.js";
import type { Tensors } from "../../src/ops/op.js";
import { thrownMessage } from "../support/assertions.js";

assert.ok(loadKernelsSync());
const CASES = 40;
// float32 tolerance (the vectors format's defaults, a little wider in atol):
// the kernels sum in float32, the reference in float64.
const ATOL = 1e-4, RTOL = 1e-4;
// Kernels that compute in f64 with the reference's operations in its order:
// their results must be bit-equal (the same float32, −0 and NaN included).
const BIT_EQUAL = new Set(["batch_norm", "add", "mul", "adaptive_avg_pool2d", "softmax", "log_softmax", "cross_entropy"]);

/** The same float: both NaN, or Object.is (so +0 and −0 differ). */
function bitEqual(a: number, b: number): boolean {
  return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
}

function compare(what: string, got: Tensor, want: Tensor, context: string, exact = false): void {
  assert.equal(got.shape, want.shape, `${what} shape; ${context}`);
  assert.is(got.dtype, want.dtype, `${what} dtype; ${context}`);
  const g = got.data, w = want.data;
  for (let i = 0; i < w.length; i++) {
    if (exact ? !bitEqual(g[i], w[i]) : !(Math.abs(g[i] - w[i]) <= ATOL + RTOL * Math.abs(w[i]))) {
      assert.unreachable(`${what}[${i}] = ${g[i]} on wasm, ${w[i]} on the reference; ${context}`);
    }
  }
}

test("there are kernel ops, and each has a reference op of the same name", () => {
  const names = kernelOpNames();
  assert.ok(names.length >= 3);
  for (const name of names) assert.ok(findOp(name), `${name} has a reference op`);
});

for (const name of kernelOpNames()) {
  test(`${name}: the reference's sample cases agree on both backends (float32, forward and backward)`, () => {
    const reference = findOp(name)!;
    const previous = getBackend();
    try {
      setBackend("wasm");
      const kernel = resolveOp(name)!;
      assert.is.not(kernel, reference, "the wasm backend resolves to the kernel op");
      for (let seed = 0; seed < CASES; seed++) {
        const { inputs, attrs } = reference.sample(new Random(1000 + seed), "float32");
        const a = reference.attrs(attrs as Record<string, unknown>);
        const context = `${name} case seed ${1000 + seed}, attrs ${JSON.stringify(a)}, shapes ${JSON.stringify(Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, t.shape])))}`;
        const r = reference.forward(inputs, a);
        const k = kernel.forward(inputs, a);
        assert.equal(Object.keys(k.outputs).sort(), Object.keys(r.outputs).sort(), `output names; ${context}`);
        const exact = BIT_EQUAL.has(name);
        for (const out of Object.keys(r.outputs)) compare(out, k.outputs[out], r.outputs[out], context, exact);
        if (!reference.backward) continue;
        const rng = new Random(seed);
        const upstream: Tensors = {};
        for (const out of reference.differentiableOutputs) {
          const y = r.outputs[out];
          upstream[out] = new Tensor(new Float32Array(y.size).map(() => rng.normal()), y.shape);
        }
        const rg = reference.backward(upstream, r.cache, a);
        const kg = kernel.backward!(upstream, k.cache, a);
        assert.equal(Object.keys(kg).sort(), Object.keys(rg).sort(), `gradient names; ${context}`);
        for (const input of Object.keys(rg)) compare(`∂L/∂${input}`, kg[input], rg[input], context, exact);
      }
    } finally {
      setBackend(previous);
    }
  });
}

/** Equal as non-finite values are: both NaN, the same infinity, or finite and within the tolerance. */
function compareNonFinite(what: string, got: Tensor, want: Tensor, context: string, exact = false): void {
  assert.equal(got.shape, want.shape, `${what} shape; ${context}`);
  const g = got.data, w = want.data;
  for (let i = 0; i < w.length; i++) {
    const same = exact ? bitEqual(g[i], w[i]) : Number.isNaN(w[i]) ? Number.isNaN(g[i]) : Number.isFinite(w[i]) ? Math.abs(g[i] - w[i]) <= ATOL + RTOL * Math.abs(w[i]) : g[i] === w[i];
    if (!same) assert.unreachable(`${what}[${i}] = ${g[i]} on wasm, ${w[i]} on the reference; ${context}`);
  }
}

/** A copy of `t` with about one element in `every` replaced by NaN, +∞ or −∞ (float tensors only). */
function withNonFinite(t: Tensor, rng: Random, every: number): Tensor {
  if (t.dtype !== "float32") return t;
  const data = Float32Array.from(t.data);
  const values = [NaN, Infinity, -Infinity];
  for (let i = 0; i < data.length; i++) if (rng.int(every) === 0) data[i] = values[rng.int(3)];
  return new Tensor(data, t.shape);
}

// The same cases with NaN and ±∞ in the inputs and the upstream gradient: the
// kernels must propagate them exactly as the reference (issue 9, item 2).
for (const name of kernelOpNames()) {
  test(`${name}: with NaN and ±∞ in the inputs and upstream, both backends agree (NaN for NaN, the same infinities)`, () => {
    const reference = findOp(name)!;
    const previous = getBackend();
    try {
      setBackend("wasm");
      const kernel = resolveOp(name)!;
      let nonFinite = 0;
      for (let seed = 0; seed < CASES; seed++) {
        const rng = new Random(5000 + seed);
        const sample = reference.sample(new Random(1000 + seed), "float32");
        const a = reference.attrs(sample.attrs as Record<string, unknown>);
        const inputs: Tensors = {};
        for (const [k, t] of Object.entries(sample.inputs)) inputs[k] = withNonFinite(t, rng, 6);
        const context = `${name} case seed ${1000 + seed} with non-finite values (seed ${5000 + seed}), attrs ${JSON.stringify(a)}`;
        // An input the reference refuses (cross_entropy's probability target with a NaN): the kernel op refuses it with the same message.
        const refused = thrownMessage(() => reference.forward(inputs, a));
        if (refused !== "no error") {
          assert.is(thrownMessage(() => kernel.forward(inputs, a)), refused, `the same error; ${context}`);
          continue;
        }
        const r = reference.forward(inputs, a);
        const k = kernel.forward(inputs, a);
        for (const out of Object.keys(r.outputs)) {
          compareNonFinite(out, k.outputs[out], r.outputs[out], context, BIT_EQUAL.has(name));
          nonFinite += Array.from(r.outputs[out].data).filter((v) => !Number.isFinite(v)).length;
        }
        if (!reference.backward) continue;
        const upstream: Tensors = {};
        for (const out of reference.differentiableOutputs) {
          const y = r.outputs[out];
          upstream[out] = withNonFinite(new Tensor(new Float32Array(y.size).map(() => rng.normal()), y.shape), rng, 10);
        }
        const rg = reference.backward(upstream, r.cache, a);
        const kg = kernel.backward!(upstream, k.cache, a);
        for (const input of Object.keys(rg)) compareNonFinite(`∂L/∂${input}`, kg[input], rg[input], context, BIT_EQUAL.has(name));
      }
      assert.ok(nonFinite > 0, "some outputs were non-finite");
    } finally {
      setBackend(previous);
    }
  });
}

test.run();
