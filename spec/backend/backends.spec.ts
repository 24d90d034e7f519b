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

assert.ok(loadKernelsSync());
const CASES = 40;
// float32 tolerance (the vectors format's defaults, a little wider in atol):
// the kernels sum in float32, the reference in float64.
const ATOL = 1e-4, RTOL = 1e-4;

function compare(what: string, got: Tensor, want: Tensor, context: string): void {
  assert.equal(got.shape, want.shape, `${what} shape; ${context}`);
  assert.is(got.dtype, want.dtype, `${what} dtype; ${context}`);
  const g = got.data, w = want.data;
  for (let i = 0; i < w.length; i++) {
    if (!(Math.abs(g[i] - w[i]) <= ATOL + RTOL * Math.abs(w[i]))) {
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
        for (const out of Object.keys(r.outputs)) compare(out, k.outputs[out], r.outputs[out], context);
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
        for (const input of Object.keys(rg)) compare(`∂L/∂${input}`, kg[input], rg[input], context);
      }
    } finally {
      setBackend(previous);
    }
  });
}

test.run();
