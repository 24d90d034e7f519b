// softmax, log_softmax and cross_entropy on the kernels (assembly/softmax.ts)
// against the reference ops: the kernels' exp has the bits of Math.exp, and
// every result is bit-equal to the reference (−0 and NaN included) on rows
// with −∞, huge logits, NaN, ±∞, C = 1, every reduction, ignore_index and
// label smoothing; labels out of range give the reference's message; the
// kernels really run (they lay out the arena; the reference does not).
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { Tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { loadKernelsSync } from "../../src/backend/load.js";
import { requireKernels } from "../../src/backend/wasm.js";
import { logSoftmaxKernelOp, softmaxKernelOp } from "../../src/backend/kernels/softmax.js";
import { crossEntropyKernelOp } from "../../src/backend/kernels/cross_entropy.js";
import { logSoftmaxOp, softmaxOp } from "../../src/ops/activations.js";
import { crossEntropyOp } from "../../src/ops/class_losses.js";
import type { OpDef } from "../../src/ops/op.js";
import { assertBitEqual, thrownMessage } from "../support/assertions.js";

assert.ok(loadKernelsSync());
const { exports, arena } = requireKernels();

const SPECIAL = [NaN, Infinity, -Infinity, 3e38, -3e38, 1e-45, -0, 0, 88.7, 104, -104];

/** Runs `fn` and returns how many arena layouts it made (0: no kernel ran). */
function layouts(fn: () => void): number {
  const layout = arena.layout.bind(arena);
  let n = 0;
  arena.layout = (sizes: readonly number[]) => { n++; return layout(sizes); };
  try {
    fn();
  } finally {
    arena.layout = layout;
  }
  return n;
}

/** Forward and backward of `kernel` and `reference` on the same call: bit-equal results; returns the kernel's layouts. */
function agree(kernel: OpDef, reference: OpDef, inputs: Record<string, Tensor>, attrs: Record<string, unknown>, upstream: Tensor, what: string): number {
  const a = reference.attrs(attrs);
  return layouts(() => {
    const k = kernel.forward(inputs, a), r = reference.forward(inputs, a);
    assertBitEqual(`${what}: output`, k.outputs.output, r.outputs.output);
    const up = upstream.size === r.outputs.output.size ? new Tensor(upstream.data, r.outputs.output.shape) : new Tensor(upstream.data.slice(0, 1), []);
    const kg = kernel.backward!({ output: up }, k.cache, a), rg = reference.backward!({ output: up }, r.cache, a);
    assertBitEqual(`${what}: ∂L/∂input`, kg.input, rg.input);
  });
}

/** A [rows, C] float32 tensor of normal values (σ = `std`), about one in `every` replaced by a special value (none when 0). */
function logits(rng: Random, rows: number, C: number, std: number, every: number): Tensor {
  const x = new Float32Array(rows * C).map(() => (every > 0 && rng.int(every) === 0 ? SPECIAL[rng.int(SPECIAL.length)] : rng.normal() * std));
  return new Tensor(x, [rows, C]);
}

function upstreamFor(rng: Random, n: number): Tensor {
  return new Tensor(new Float32Array(n).map(() => rng.normal()), [n]);
}

test("exactExpF64 has the bits of Math.exp: special values, the thresholds and random bit patterns", () => {
  const fixed = [0, -0, 1, -1, 0.5, -0.5, 2 ** -28, -(2 ** -28), 2 ** -29, 0.34657359, 1.03972077, -1.03972077, 709.782712893383, 709.79,
    -745.13321910194, -745.2, -708.4, -720, -740, NaN, Infinity, -Infinity, Number.MAX_VALUE, -Number.MAX_VALUE, 5e-324, -5e-324];
  for (const x of fixed) assert.ok(Object.is(exports.exactExpF64(x), Math.exp(x)), `exp(${x}): ${exports.exactExpF64(x)} vs ${Math.exp(x)}`);
  const rng = new Random(17);
  const bits = new Float64Array(1), words = new Uint32Array(bits.buffer);
  for (let i = 0; i < 100_000; i++) {
    words[0] = rng.int(2 ** 32) >>> 0;
    words[1] = i % 2 === 0 ? rng.int(2 ** 32) >>> 0 : (0x3E000000 + rng.int(0x08800000)) | (rng.int(2) << 31); // half of them |x| in [2⁻³¹, 2¹⁰]
    const x = bits[0], y = exports.exactExpF64(x), want = Math.exp(x);
    if (!(Object.is(y, want) || (Number.isNaN(y) && Number.isNaN(want)))) assert.unreachable(`exp(${x}) = ${y}, Math.exp gives ${want}`);
  }
});

test("exactExpPair (two f64x2 lanes) has the bits of Math.exp in each lane, also beside a lane that takes the scalar path", () => {
  const pxs = arena.layout([16])[0];
  const out = (): Float64Array => new Float64Array(arena.memory.buffer, pxs, 2);
  const rng = new Random(19);
  const edges = [0, 1, -1, 0.3465735902799726, 0.34657359027997264, 0.3465735902799727, 1.0397207708399179, -1.0397207708399179, 699.99, -699.99, 700, -700, 2 ** -28, -(2 ** -28), NaN, -Infinity];
  const draws = Array.from({ length: 60_000 }, (_, i) => (i % 3 === 0 ? (rng.uniform() - 0.5) * 1400 : i % 3 === 1 ? -rng.uniform() * 40 : (rng.uniform() - 0.5) * 2));
  const pairs: [number, number][] = [];
  for (const a of edges) for (const b of edges) pairs.push([a, b]);
  for (let i = 0; i + 1 < draws.length; i += 2) pairs.push([draws[i], draws[i + 1]], [draws[i], edges[i % edges.length]]);
  for (const [a, b] of pairs) {
    exports.exactExpPairF64(a, b, pxs);
    const [ya, yb] = out();
    for (const [x, y] of [[a, ya], [b, yb]]) {
      const want = Math.exp(x);
      if (!(Object.is(y, want) || (Number.isNaN(y) && Number.isNaN(want)))) assert.unreachable(`exp(${x}) in a pair with (${a}, ${b}) = ${y}, Math.exp gives ${want}`);
    }
  }
});

for (const [name, kernel, reference] of [["softmax", softmaxKernelOp, softmaxOp], ["log_softmax", logSoftmaxKernelOp, logSoftmaxOp]] as const) {
  test(`${name}: bit-equal to the reference on rows with −∞, huge logits, NaN, ±∞, C = 1, 64×10 and 64×1000`, () => {
    const rng = new Random(3);
    const cases: [Tensor, string][] = [
      [new Tensor(new Float32Array([-Infinity, 0, -Infinity, 1, -Infinity, -Infinity, -Infinity, -Infinity]), [2, 4]), "−∞ logits, an all −∞ row"],
      [new Tensor(new Float32Array([3e38, -3e38, 3e38, 1, 50, -50, 0, 104]), [2, 4]), "huge logits (max subtraction)"],
      [new Tensor(new Float32Array([NaN, 1, 2, 1, NaN, 2, Infinity, 1, 2]), [3, 3]), "NaN first, NaN later, +∞"],
      [new Tensor(new Float32Array([5, -Infinity, NaN, 0]), [4, 1]), "C = 1"],
      [new Tensor(new Float32Array([0.5]), []), "a scalar"],
      [logits(rng, 64, 10, 3, 0), "64×10"],
      [logits(rng, 64, 1000, 5, 0), "64×1000"],
      [logits(rng, 7, 13, 10, 5), "7×13 with special values"],
    ];
    for (const [x, what] of cases) {
      const ran = agree(kernel, reference, { input: x }, { dim: -1 }, upstreamFor(rng, x.size), `${name} ${what}`);
      assert.ok(ran >= 2, `${name} ${what}: the kernels ran forward and backward`);
    }
    // The class axis followed by dims of size 1 is still rows; another axis runs the reference.
    const x = new Tensor(logits(rng, 6, 5, 2, 0).data, [6, 5, 1]);
    assert.ok(agree(kernel, reference, { input: x }, { dim: 1 }, upstreamFor(rng, 30), `${name} [6, 5, 1] dim 1`) >= 2);
    assert.is(agree(kernel, reference, { input: x }, { dim: 0 }, upstreamFor(rng, 30), `${name} [6, 5, 1] dim 0`), 0, "dim 0: the reference");
  });

  test(`${name}: random rows (fast-check), special values included, are bit-equal`, () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 4 }), fc.integer(),
      (rows, C, every, seed) => {
        const rng = new Random(seed);
        const x = logits(rng, rows, C, 1 + rng.int(20), every);
        agree(kernel, reference, { input: x }, { dim: 1 }, upstreamFor(rng, x.size), `${name} ${rows}×${C} seed ${seed}`);
      }), { seed: 11, numRuns: 150 });
  });
}

test("log_softmax backward: rows where g − exp(l)·Σg cancels show the last bits of exp, and are bit-equal", () => {
  // g₀ = e/(1 − e), g₁ = 1 with e = exp(l₀): dz₀ = g₀ − e·(g₀ + 1) is a residue of the rounding of g₀,
  // so a 1-ulp difference in exp(l₀) often changes its float32 (an exp other than Math.exp's fails here).
  const rows = 4000, rng = new Random(23);
  const l = new Float32Array(2 * rows), g = new Float32Array(2 * rows);
  for (let r = 0; r < rows; r++) {
    l[2 * r] = -0.05 - 6 * rng.uniform();
    l[2 * r + 1] = -1;
    const e = Math.exp(l[2 * r]);
    g[2 * r] = e / (1 - e);
    g[2 * r + 1] = 1;
  }
  const saved = new Tensor(l, [rows, 2]), dy = new Tensor(g, [rows, 2]), a = logSoftmaxOp.attrs({ dim: 1 });
  assertBitEqual("∂L/∂input", logSoftmaxKernelOp.backward!({ output: dy }, saved, a).input, logSoftmaxOp.backward!({ output: dy }, saved, a).input);
});

test("cross_entropy: bit-equal to the reference for every reduction, ignore_index, label smoothing, special logits, C = 1 and unbatched", () => {
  const rng = new Random(5);
  const labels = (rows: number, C: number, ignore = -100): Tensor => new Tensor(new Int32Array(rows).map(() => (rng.int(6) === 0 ? ignore : rng.int(C))), [rows]);
  const cases: [Tensor, Tensor, string][] = [
    [logits(rng, 64, 10, 3, 0), labels(64, 10), "64×10"],
    [logits(rng, 64, 1000, 5, 0), labels(64, 1000), "64×1000"],
    [logits(rng, 9, 7, 8, 4), labels(9, 7), "special logits"],
    [new Tensor(new Float32Array([-Infinity, 2, -Infinity, -Infinity, 3e38, -3e38, NaN, 0]), [4, 2]), new Tensor(new Int32Array([1, 0, 0, 1]), [4]), "−∞, an all −∞ row, huge, NaN"],
    [new Tensor(new Float32Array([1.5, -2, NaN]), [3, 1]), new Tensor(new Int32Array([0, 0, 0]), [3]), "C = 1"],
    [new Tensor(new Float32Array([0.1, 2, -1]), [3]), new Tensor(new Int32Array([2]), []), "unbatched [C]"],
    [logits(rng, 3, 4, 1, 0), new Tensor(new Int32Array([-100, -100, -100]), [3]), "all ignored (mean 0/0)"],
  ];
  for (const [input, target, what] of cases) {
    for (const reduction of ["mean", "sum", "none"]) {
      for (const [ignore, smoothing] of [[-100, 0], [-100, 0.1], [0, 0], [1, 0.25]]) {
        const attrs = { reduction, ignore_index: ignore, label_smoothing: smoothing };
        const t = new Tensor((target.data as Int32Array).map((v) => (v === -100 ? ignore : v)), target.shape); // the ignored rows keep ignore_index
        const ran = agree(crossEntropyKernelOp, crossEntropyOp, { input, target: t }, attrs, upstreamFor(rng, target.size), `cross_entropy ${what} ${JSON.stringify(attrs)}`);
        assert.ok(ran >= 2, `cross_entropy ${what}: the kernels ran forward and backward`);
      }
    }
  }
});

test("cross_entropy: random batches (fast-check) are bit-equal; the kernel's cache serves the reference's backward", () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 30 }), fc.constantFrom("mean", "sum", "none"), fc.integer(),
    (rows, C, reduction, seed) => {
      const rng = new Random(seed);
      const input = logits(rng, rows, C, 1 + rng.int(10), rng.int(3) === 0 ? 5 : 0);
      const target = new Tensor(new Int32Array(rows).map(() => (rng.int(8) === 0 ? -100 : rng.int(C))), [rows]);
      const attrs = { reduction, ignore_index: -100, label_smoothing: rng.int(2) === 0 ? 0 : 0.05 };
      agree(crossEntropyKernelOp, crossEntropyOp, { input, target }, attrs, upstreamFor(rng, rows), `${rows}×${C} seed ${seed}`);
      const a = crossEntropyOp.attrs(attrs);
      const dy = new Tensor(upstreamFor(rng, rows).data.slice(0, reduction === "none" ? rows : 1), reduction === "none" ? [rows] : []);
      const k = crossEntropyKernelOp.forward({ input, target }, a), r = crossEntropyOp.forward({ input, target }, a);
      assertBitEqual("the reference's backward from the kernel's cache", crossEntropyOp.backward!({ output: dy }, k.cache, a).input, crossEntropyOp.backward!({ output: dy }, r.cache, a).input);
    }), { seed: 12, numRuns: 120 });
});

test("cross_entropy: labels out of range, a float64 upstream and a wrong upstream shape give the reference's messages", () => {
  const input = new Tensor(new Float32Array(6), [2, 3]);
  const attrs = crossEntropyOp.attrs({});
  for (const labels of [[0, 3], [-1, 0], [2, -7]]) {
    const target = new Tensor(new Int32Array(labels), [2]);
    const got = thrownMessage(() => crossEntropyKernelOp.forward({ input, target }, attrs));
    assert.match(got, /cross_entropy: target: expected class indices in \[0, 2\]/);
    assert.is(got, thrownMessage(() => crossEntropyOp.forward({ input, target }, attrs)));
  }
  const target = new Tensor(new Int32Array([0, 2]), [2]);
  const k = crossEntropyKernelOp.forward({ input, target }, attrs), r = crossEntropyOp.forward({ input, target }, attrs);
  for (const dy of [new Tensor(new Float64Array([1]), []), new Tensor(new Float32Array([1, 1]), [2])]) {
    const got = thrownMessage(() => crossEntropyKernelOp.backward!({ output: dy }, k.cache, attrs));
    assert.match(got, /cross_entropy: upstream/);
    assert.is(got, thrownMessage(() => crossEntropyOp.backward!({ output: dy }, r.cache, attrs)));
  }
});

test.run();
