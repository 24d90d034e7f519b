// The SGD update's kernel (assembly/sgd.ts through src/backend/kernels/sgd.ts)
// against the reference sgdStepInPlace: bit-equal params and buffers for
// every combination of momentum, dampening, weight decay, Nesterov and first
// step, odd lengths, and NaN/±Infinity/−0 in the data.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { Random } from "../../src/random.js";
import { loadKernelsSync } from "../../src/backend/load.js";
import { resolveUpdate, withBackend } from "../../src/backend/dispatch.js";
import { SGD_CHUNK, sgdStepInPlaceF32 } from "../../src/backend/kernels/sgd.js";
import { sgdHyper, sgdStepInPlace } from "../../src/ops/sgd_step.js";
import { fcParams } from "../support/properties.js";
import { bitsDiffer, thrownMessage } from "../support/assertions.js";

assert.ok(loadKernelsSync());


test("sgd step kernel: bit-equal to sgdStepInPlace on random hyper-parameters, lengths and special values", () => {
  fc.assert(
    fc.property(
      fc.record({
        n: fc.integer({ min: 0, max: 37 }), lr: fc.double({ min: 0, max: 1, noNaN: true }),
        momentum: fc.constantFrom(0, 0.5, 0.9, 0.99), dampening: fc.constantFrom(0, 0.1, 0.9),
        weightDecay: fc.constantFrom(0, 1e-4, 0.3), nesterov: fc.boolean(), firstStep: fc.boolean(),
        special: fc.boolean(), seed: fc.integer({ min: 0, max: 1e6 }),
      }),
      (c) => {
        const nesterov = c.nesterov && c.momentum > 0 && c.dampening === 0;
        const hyper = sgdHyper({ lr: c.lr, momentum: c.momentum, dampening: c.dampening, weightDecay: c.weightDecay, nesterov });
        const rng = new Random(c.seed);
        const draw = () => new Float32Array(c.n).map(() => rng.normal() * 3);
        const W = draw(), g = draw(), V = draw();
        if (c.special && c.n > 0) {
          const specials = [NaN, Infinity, -Infinity, -0, 0, 3.4e38, -1e-45];
          for (let i = 0; i < c.n; i += 3) [W, g, V][i % 3][i] = specials[rng.int(specials.length)];
        }
        const buffer = c.momentum === 0 ? null : V;
        const Wr = W.slice(), Vr = buffer ? V.slice() : null;
        sgdStepInPlace(Wr, g, Vr, hyper, c.firstStep);
        const Wk = W.slice(), Vk = buffer ? V.slice() : null;
        sgdStepInPlaceF32(Wk, g, Vk, hyper, c.firstStep);
        const context = JSON.stringify({ ...c, nesterov });
        assert.is(bitsDiffer(Wk, Wr), 0, `param; ${context}`);
        if (Vr) assert.is(bitsDiffer(Vk!, Vr), 0, `buffer; ${context}`);
      },
    ),
    fcParams(300),
  );
});

test("sgd step kernel: lengths around the chunk size (SGD_CHUNK) bit-equal, every chunk updated", () => {
  const rng = new Random(11);
  for (const n of [SGD_CHUNK - 1, SGD_CHUNK, SGD_CHUNK + 1, 2 * SGD_CHUNK + 3, 5 * SGD_CHUNK - 7]) {
    for (const [options, firstStep] of [[{ lr: 0.05, momentum: 0.9 }, false], [{ lr: 0.1, momentum: 0.5, dampening: 0.1, weightDecay: 1e-3 }, true], [{ lr: 0.2 }, false]] as const) {
      const hyper = sgdHyper(options);
      const draw = () => new Float32Array(n).map(() => rng.normal());
      const W = draw(), g = draw(), V = draw();
      const buffer = hyper.momentum === 0 ? null : V;
      const Wr = W.slice(), Vr = buffer ? V.slice() : null;
      sgdStepInPlace(Wr, g, Vr, hyper, firstStep);
      const Wk = W.slice(), Vk = buffer ? V.slice() : null;
      sgdStepInPlaceF32(Wk, g, Vk, hyper, firstStep);
      const context = `n = ${n}, ${JSON.stringify(options)}, firstStep ${firstStep}`;
      assert.is(bitsDiffer(Wk, Wr), 0, `param; ${context}`);
      if (Vr) assert.is(bitsDiffer(Vk!, Vr), 0, `buffer; ${context}`);
      assert.ok(Wk[n - 1] !== W[n - 1] && Wk[0] !== W[0], `first and last element updated; ${context}`);
    }
  }
});

test("sgd step kernel: a step by hand (momentum 0.9, PyTorch's first step, then a second)", () => {
  const hyper = sgdHyper({ lr: 0.5, momentum: 0.9 });
  const W = new Float32Array([1, -2, 3]), g = new Float32Array([0.5, 1, -1]), V = new Float32Array(3);
  sgdStepInPlaceF32(W, g, V, hyper, true); // V = g, W = W − 0.5·g
  assert.equal([...V], [0.5, 1, -1]);
  assert.equal([...W], [0.75, -2.5, 3.5]);
  sgdStepInPlaceF32(W, g, V, hyper, false); // V = 0.9·V + g = 1.9·g, W −= 0.5·V
  assert.equal([...V], [Math.fround(0.95), Math.fround(1.9), Math.fround(-1.9)]);
  assert.equal([...W], [Math.fround(0.75 - 0.475), Math.fround(-2.5 - 0.95), Math.fround(3.5 + 0.95)]);
});

test("sgd step kernel: a large array (the MLP's first weight) bit-equal; float64 and the js backend run the reference", () => {
  const rng = new Random(5);
  const n = 784 * 128;
  const W = new Float32Array(n).map(() => rng.normal() * 0.05), g = new Float32Array(n).map(() => rng.normal() * 0.01), V = new Float32Array(n).map(() => rng.normal() * 0.01);
  const hyper = sgdHyper({ lr: 0.05, momentum: 0.9, weightDecay: 5e-4 });
  const Wr = W.slice(), Vr = V.slice(), Wk = W.slice(), Vk = V.slice();
  sgdStepInPlace(Wr, g, Vr, hyper, false);
  withBackend("wasm", () => {
    const step = resolveUpdate("sgd_step", sgdStepInPlace);
    assert.is.not(step, sgdStepInPlace, "the dispatch hands out the kernel on the wasm backend");
    step(Wk, g, Vk, hyper, false);
    assert.is(bitsDiffer(Wk, Wr), 0);
    assert.is(bitsDiffer(Vk, Vr), 0);
    const W64 = Float64Array.from([1, 2]), g64 = Float64Array.from([0.1, 0.2]);
    step(W64, g64, null, sgdHyper({ lr: 0.1 }), false);
    assert.equal([...W64], [1 - 0.1 * 0.1, 2 - 0.1 * 0.2]); // float64 arithmetic, no rounding to float32
  });
  withBackend("js", () => assert.is(resolveUpdate("sgd_step", sgdStepInPlace), sgdStepInPlace, "the js backend runs the reference"));
});

test("sgd step kernel: a missing or short momentum buffer throws the reference's error", () => {
  const hyper = sgdHyper({ lr: 0.1, momentum: 0.9 });
  const W = new Float32Array(4), g = new Float32Array(4);
  for (const buffer of [null, new Float32Array(3)]) {
    const ours = thrownMessage(() => sgdStepInPlaceF32(W.slice(), g, buffer, hyper, false));
    assert.match(ours, /^sgdStepInPlace: momentum 0.9 needs a buffer of 4 elements/);
    assert.is(ours, thrownMessage(() => sgdStepInPlace(W.slice(), g, buffer, hyper, false)));
  }
});

test.run();
