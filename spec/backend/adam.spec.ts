// The Adam update's kernel (assembly/adam.ts through src/backend/kernels/adam.ts)
// against the reference adamStepInPlace: bit-equal θ, m and v for random
// hyper-parameters (Adam and AdamW, with and without decay), step numbers,
// odd lengths, lengths past one chunk, and NaN/±Infinity/−0 in the data; the
// dispatch hands it to the Adam optimizer on the wasm backend only.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { Random } from "../../src/random.js";
import { Tensor } from "../../src/tensor.js";
import { loadKernelsSync } from "../../src/backend/load.js";
import { resolveUpdate, withBackend } from "../../src/backend/dispatch.js";
import { ADAM_CHUNK, adamStepInPlaceKernel } from "../../src/backend/kernels/adam.js";
import { adamStepInPlace } from "../../src/ops/adam_step.js";
import { Adam, adamHyper } from "../../src/optim/adam.js";
import { Variable } from "../../src/autograd/variable.js";
import { fcParams } from "../support/properties.js";
import { bitsDiffer, thrownMessage } from "../support/assertions.js";

assert.ok(loadKernelsSync());


test("adam step kernel: bit-equal to adamStepInPlace on random hyper-parameters, steps, lengths and special values", () => {
  fc.assert(
    fc.property(
      fc.record({
        n: fc.oneof(fc.integer({ min: 0, max: 37 }), fc.constant(ADAM_CHUNK + 5)), lr: fc.double({ min: 0, max: 1, noNaN: true }),
        beta1: fc.constantFrom(0, 0.5, 0.9), beta2: fc.constantFrom(0, 0.9, 0.999), eps: fc.constantFrom(0, 1e-8, 0.1),
        weightDecay: fc.constantFrom(0, 1e-4, 0.3), decoupled: fc.boolean(), t: fc.integer({ min: 1, max: 2000 }),
        special: fc.boolean(), seed: fc.integer({ min: 0, max: 1e6 }),
      }),
      (c) => {
        const hyper = adamHyper({ lr: c.lr, betas: [c.beta1, c.beta2], eps: c.eps, weightDecay: c.weightDecay, decoupled: c.decoupled });
        const rng = new Random(c.seed);
        const draw = () => new Float32Array(c.n).map(() => rng.normal() * 3);
        const theta = draw(), g = draw(), m = draw(), v = draw().map(Math.abs);
        if (c.special && c.n > 0) {
          const specials = [NaN, Infinity, -Infinity, -0, 0, 3.4e38, -1e-45];
          for (let i = 0; i < c.n; i += 3) [theta, g, m, v][i % 4][i] = specials[rng.int(specials.length)];
        }
        const [tr, mr, vr] = [theta.slice(), m.slice(), v.slice()];
        adamStepInPlace(tr, g, mr, vr, c.t, hyper);
        const [tk, mk, vk] = [theta.slice(), m.slice(), v.slice()];
        adamStepInPlaceKernel(tk, g, mk, vk, c.t, hyper);
        const context = JSON.stringify(c);
        assert.is(bitsDiffer(tk, tr), 0, `θ; ${context}`);
        assert.is(bitsDiffer(mk, mr), 0, `m; ${context}`);
        assert.is(bitsDiffer(vk, vr), 0, `v; ${context}`);
      },
    ),
    fcParams(300),
  );
});

test("adam step kernel: the reference's errors (step 0, lengths that differ), and float64 runs the reference", () => {
  const hyper = adamHyper();
  const a = new Float32Array(4), b = new Float32Array(3);
  for (const [t, g] of [[0, a], [1, b]] as const) {
    const got = thrownMessage(() => adamStepInPlaceKernel(a.slice(), g, a.slice(), a.slice(), t, hyper));
    assert.match(got, /adamStepInPlace/);
    assert.is(got, thrownMessage(() => adamStepInPlace(a.slice(), g, a.slice(), a.slice(), t, hyper)));
  }
  const theta = Float64Array.from([1, -2, 3]), want = theta.slice();
  adamStepInPlaceKernel(theta, Float64Array.from([0.5, 0.5, -1]), new Float64Array(3), new Float64Array(3), 1, hyper);
  adamStepInPlace(want, Float64Array.from([0.5, 0.5, -1]), new Float64Array(3), new Float64Array(3), 1, hyper);
  assert.equal(Array.from(theta), Array.from(want));
});

test("Adam uses the kernel on the wasm backend only, and five steps give bit-equal parameters on both backends", () => {
  assert.is(withBackend("wasm", () => resolveUpdate("adam_step", adamStepInPlace)), adamStepInPlaceKernel);
  assert.is(withBackend("js", () => resolveUpdate("adam_step", adamStepInPlace)), adamStepInPlace);
  const run = (backend: "js" | "wasm"): Float32Array => withBackend(backend, () => {
    const rng = new Random(7);
    const p = new Variable(new Tensor(new Float32Array(1001).map(() => rng.normal()), [7, 143]), true);
    const opt = new Adam([p], { lr: 0.01, weightDecay: 0.01, decoupled: true });
    for (let s = 0; s < 5; s++) {
      p.grad = new Tensor(new Float32Array(1001).map(() => rng.normal()), [7, 143]);
      opt.step();
    }
    return p.value.data as Float32Array;
  });
  assert.is(bitsDiffer(run("wasm"), run("js")), 0);
});

test.run();
