// conv2d, conv_transpose2d and linear on the wasm kernels against the
// reference loops, and the im2col/col2im panel kernels on their own.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { Tensor, type FloatArray } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { loadKernelsSync } from "../../src/backend/load.js";
import { requireKernels } from "../../src/backend/wasm.js";
import { conv2dKernelOp, writeGeometry, GEOMETRY_BYTES } from "../../src/backend/kernels/conv2d.js";
import { convTranspose2dKernelOp } from "../../src/backend/kernels/conv_transpose2d.js";
import { linearKernelOp } from "../../src/backend/kernels/linear.js";
import { conv2dOp, directConv2d, directConv2dInputGrad, directConv2dWeightGrad } from "../../src/ops/conv2d.js";
import { conv2dAttrs, convGeometry, type Conv2dAttrs, type ConvGeometry } from "../../src/ops/conv_geometry.js";
import { convTranspose2dOp } from "../../src/ops/conv_transpose2d.js";
import { linearOp } from "../../src/ops/linear.js";
import { col2im, im2col, im2colRows } from "../../src/ops/im2col.js";
import type { OpDef, Tensors } from "../../src/ops/op.js";
import { fcParams } from "../support/properties.js";

assert.ok(loadKernelsSync(), "the wasm kernels load on Node 20 (WebAssembly SIMD)");
const kernels = requireKernels();
const { MR, NR } = kernels;

function uniform(n: number, rng: Random): Float32Array {
  return new Float32Array(n).map(() => rng.uniformIn(-1, 1));
}
const abs64 = (x: ArrayLike<number>): Float64Array => Float64Array.from(x, Math.abs);
const to64 = (x: ArrayLike<number>): Float64Array => Float64Array.from(x);

/** |got − want| ≤ 1e-5 + 1e-5·size elementwise, where size is Σ|terms| of each element. */
function close(what: string, got: FloatArray, want: FloatArray, size: FloatArray, context: string): void {
  assert.is(got.length, want.length, `${what}: length; ${context}`);
  for (let i = 0; i < want.length; i++) {
    const tol = 1e-5 + 1e-5 * size[i];
    if (!(Math.abs(got[i] - want[i]) <= tol)) {
      assert.unreachable(`${what}[${i}] = ${got[i]}, expected ${want[i]} (tolerance ${tol.toExponential(2)}); ${context}`);
    }
  }
}

/** The kernels' ∂L/∂input and ∂L/∂weight against the direct loops in float64; sizes Σ|·| from the same loops on |dz|, |w|, |a|. */
function closeInputWeightGrads(grads: Tensors, input: Tensor, weight: Tensor, dz: Tensor, geom: ConvGeometry, context: string): void {
  const da = new Float64Array(input.size), daSize = new Float64Array(input.size);
  directConv2dInputGrad(to64(dz.data), to64(weight.data), geom, da);
  directConv2dInputGrad(abs64(dz.data), abs64(weight.data), geom, daSize);
  close("∂L/∂input", grads.input.data as FloatArray, da, daSize, context);
  const dw = new Float64Array(weight.size), dwSize = new Float64Array(weight.size);
  directConv2dWeightGrad(to64(dz.data), to64(input.data), geom, dw);
  directConv2dWeightGrad(abs64(dz.data), abs64(input.data), geom, dwSize);
  close("∂L/∂weight", grads.weight.data as FloatArray, dw, dwSize, context);
}

interface ConvCase {
  N: number; groups: number; CinG: number; CoutG: number; H: number; W: number; kh: number; kw: number;
  stride: [number, number]; padding: [number, number]; dilation: [number, number]; bias: boolean; seed: number;
}

const convCase: fc.Arbitrary<ConvCase> = fc.record({
  N: fc.integer({ min: 1, max: 3 }),
  groups: fc.integer({ min: 1, max: 3 }),
  CinG: fc.integer({ min: 1, max: 4 }),
  CoutG: fc.oneof(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 8, max: 20 })), // ≥ 8: a full panel of filters (weight-gradient tiles)
  H: fc.integer({ min: 1, max: 14 }),
  W: fc.oneof(fc.integer({ min: 1, max: 30 }), fc.constantFrom(NR, NR + 2, 2 * NR + 4, 28)),
  kh: fc.integer({ min: 1, max: 5 }),
  kw: fc.integer({ min: 1, max: 5 }),
  stride: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 3 }))),
  padding: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })),
  dilation: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 3 }))),
  bias: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1e6 }),
});

/** The tensors and attributes of a case, or null when its output would be empty. */
function build(c: ConvCase): { input: Tensor; weight: Tensor; bias?: Tensor; attrs: Conv2dAttrs; geom: ConvGeometry } | null {
  const attrs = conv2dAttrs({ stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups });
  for (let t = 0; t < 2; t++) {
    const size = [c.H, c.W][t] + 2 * c.padding[t] - c.dilation[t] * ([c.kh, c.kw][t] - 1) - 1;
    if (size < 0) return null;
  }
  const rng = new Random(c.seed);
  const Cin = c.CinG * c.groups, Cout = c.CoutG * c.groups;
  const input = new Tensor(uniform(c.N * Cin * c.H * c.W, rng), [c.N, Cin, c.H, c.W]);
  const weight = new Tensor(uniform(Cout * c.CinG * c.kh * c.kw, rng), [Cout, c.CinG, c.kh, c.kw]);
  const bias = c.bias ? new Tensor(uniform(Cout, rng), [Cout]) : undefined;
  const { geom } = convGeometry("conv2d", input, weight, bias, attrs);
  return { input, weight, bias, attrs, geom };
}

function describeCase(c: ConvCase, geom: ConvGeometry): string {
  return `N=${c.N} groups=${c.groups} Cin=${geom.Cin} Cout=${geom.Cout} H×W=${c.H}×${c.W} k=${c.kh}×${c.kw} stride=${c.stride} padding=${c.padding} dilation=${c.dilation} bias=${c.bias} → ${geom.Hout}×${geom.Wout}; tile ${MR}×${NR}; seed ${c.seed}`;
}

test("conv2d forward and all three gradients on the kernels equal the direct loops (random attributes)", () => {
  let ran = 0;
  fc.assert(
    fc.property(convCase, (c) => {
      const built = build(c);
      if (!built) return;
      ran++;
      const { input, weight, bias, attrs, geom } = built;
      const context = describeCase(c, geom);
      const fwd = conv2dKernelOp.forward({ input, weight, ...(bias ? { bias } : {}) }, attrs);
      const z = fwd.outputs.output;
      assert.equal(z.shape, [geom.N, geom.Cout, geom.Hout, geom.Wout], context);
      assert.is(z.dtype, "float32");
      // Expected values in float64 by the direct loops; sizes Σ|w·a| from the same loops on |w|, |a|.
      const want = new Float64Array(z.size), size = new Float64Array(z.size);
      directConv2d(to64(input.data), to64(weight.data), bias ? to64(bias.data) : undefined, geom, want);
      directConv2d(abs64(input.data), abs64(weight.data), bias ? abs64(bias.data) : undefined, geom, size);
      close("output", z.data as FloatArray, want, size, context);

      const dz = new Tensor(uniform(z.size, new Random(c.seed + 1)), z.shape);
      const grads = conv2dKernelOp.backward!({ output: dz }, fwd.cache, attrs);
      closeInputWeightGrads(grads, input, weight, dz, geom, context);
      if (bias) {
        const P = geom.Hout * geom.Wout;
        for (let f = 0; f < geom.Cout; f++) {
          let s = 0, m = 0;
          for (let n = 0; n < geom.N; n++) for (let p = 0; p < P; p++) { const v = dz.data[(n * geom.Cout + f) * P + p]; s += v; m += Math.abs(v); }
          assert.ok(Math.abs(grads.bias.data[f] - s) <= 1e-5 + 1e-5 * m, `∂L/∂bias[${f}]; ${context}`);
        }
      } else {
        assert.not.ok("bias" in grads, "no bias gradient without a bias");
      }
    }),
    fcParams(120),
  );
  assert.ok(ran > 60, `most random cases are valid convolutions (ran ${ran})`);
});

test("conv2d on the kernels at the benchmark shapes' geometry and on every path (direct, packed im2col, 1×1; weight gradient by tiles, dot products, GEMM)", () => {
  const cases: ConvCase[] = [
    { N: 2, groups: 1, CinG: 1, CoutG: 6, H: 28, W: 28, kh: 5, kw: 5, stride: [1, 1], padding: [0, 0], dilation: [1, 1], bias: true, seed: 1 },
    { N: 2, groups: 1, CinG: 6, CoutG: 16, H: 12, W: 12, kh: 5, kw: 5, stride: [1, 1], padding: [0, 0], dilation: [1, 1], bias: true, seed: 2 },
    { N: 1, groups: 1, CinG: 8, CoutG: 9, H: 16, W: 16, kh: 3, kw: 3, stride: [1, 1], padding: [1, 1], dilation: [1, 1], bias: false, seed: 3 },
    { N: 1, groups: 1, CinG: 20, CoutG: 33, H: 7, W: 7, kh: 1, kw: 1, stride: [1, 1], padding: [0, 0], dilation: [1, 1], bias: true, seed: 4 },
    { N: 1, groups: 2, CinG: 3, CoutG: 5, H: 17, W: 40, kh: 3, kw: 2, stride: [1, 1], padding: [2, 1], dilation: [2, 3], bias: true, seed: 5 },
    // Many A panels (> 8 of MR rows): the forward packs im2col panels even at stride 1.
    { N: 2, groups: 1, CinG: 5, CoutG: 37, H: 9, W: 13, kh: 3, kw: 3, stride: [1, 1], padding: [1, 1], dilation: [1, 1], bias: true, seed: 6 },
    { N: 1, groups: 2, CinG: 2, CoutG: 40, H: 6, W: 21, kh: 2, kw: 3, stride: [2, 1], padding: [0, 2], dilation: [1, 2], bias: false, seed: 7 },
  ];
  for (const c of cases) {
    const { input, weight, bias, attrs, geom } = build(c)!;
    const context = describeCase(c, geom);
    const fwd = conv2dKernelOp.forward({ input, weight, ...(bias ? { bias } : {}) }, attrs);
    const want = new Float64Array(fwd.outputs.output.size), size = new Float64Array(want.length);
    directConv2d(to64(input.data), to64(weight.data), bias ? to64(bias.data) : undefined, geom, want);
    directConv2d(abs64(input.data), abs64(weight.data), bias ? abs64(bias.data) : undefined, geom, size);
    close("output", fwd.outputs.output.data as FloatArray, want, size, context);
    const dz = new Tensor(uniform(want.length, new Random(c.seed + 7)), fwd.outputs.output.shape);
    const grads = conv2dKernelOp.backward!({ output: dz }, fwd.cache, attrs);
    closeInputWeightGrads(grads, input, weight, dz, geom, context);
  }
});

/** Runs forward and backward of `kernel` and `reference` on one case and compares everything in float32 tolerance. */
function sameAsReference(kernel: OpDef, reference: OpDef, inputs: Tensors, rawAttrs: unknown, context: string): void {
  const attrs = reference.attrs(rawAttrs as Record<string, unknown>);
  const k = kernel.forward(inputs, attrs), r = reference.forward(inputs, attrs);
  const tol = (x: FloatArray) => Float64Array.from(x, () => 100); // generous size: values are O(1) sums of ≤ 100 terms
  for (const name of reference.outputs) close(name, k.outputs[name].data as FloatArray, r.outputs[name].data as FloatArray, tol(r.outputs[name].data as FloatArray), context);
  const up: Tensors = {};
  for (const name of reference.differentiableOutputs) {
    up[name] = new Tensor(uniform(r.outputs[name].size, new Random(3)), r.outputs[name].shape);
  }
  const kg = kernel.backward!(up, k.cache, attrs), rg = reference.backward!(up, r.cache, attrs);
  assert.equal(Object.keys(kg).sort(), Object.keys(rg).sort(), `gradient names; ${context}`);
  for (const name of Object.keys(rg)) {
    assert.equal(kg[name].shape, rg[name].shape, `${name} shape; ${context}`);
    close(`∂L/∂${name}`, kg[name].data as FloatArray, rg[name].data as FloatArray, tol(rg[name].data as FloatArray), context);
  }
}

test("conv_transpose2d on the kernels equals the reference (its sampled cases, float32)", () => {
  for (let seed = 0; seed < 150; seed++) {
    const { inputs, attrs } = convTranspose2dOp.sample(new Random(seed), "float32");
    sameAsReference(convTranspose2dKernelOp, convTranspose2dOp, inputs, attrs, `conv_transpose2d seed ${seed} attrs ${JSON.stringify(attrs)}`);
  }
});

test("linear on the kernels equals the reference (random shapes incl. rank 1 and 3, with and without bias)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 40 }), fc.boolean(), fc.integer({ min: 0, max: 1e6 }),
      (rank, rows, inF, outF, withBias, seed) => {
        const rng = new Random(seed);
        const lead = rank === 0 ? [] : rank === 1 ? [rows] : [Math.ceil(rows / 3), 3];
        const inputs: Tensors = {
          input: new Tensor(uniform(lead.reduce((a, b) => a * b, 1) * inF, rng), [...lead, inF]),
          weight: new Tensor(uniform(outF * inF, rng), [outF, inF]),
        };
        if (withBias) inputs.bias = new Tensor(uniform(outF, rng), [outF]);
        sameAsReference(linearKernelOp, linearOp, inputs, {}, `linear input ${JSON.stringify(inputs.input.shape)} out ${outF} bias ${withBias}`);
      }),
    fcParams(60),
  );
});

test("kernel ops validate like the reference: the same OpError messages", () => {
  const message = (f: () => unknown): string => {
    try { f(); } catch (e) { return (e as Error).message; }
    return "no error";
  };
  const input = new Tensor(new Float32Array(2 * 3 * 5 * 5), [2, 3, 5, 5]);
  const weight = new Tensor(new Float32Array(4 * 2 * 3 * 3), [4, 2, 3, 3]);
  const attrs = conv2dAttrs({});
  const ours = message(() => conv2dKernelOp.forward({ input, weight }, attrs));
  assert.match(ours, /^conv2d: weight: /);
  assert.is(ours, message(() => conv2dOp.forward({ input, weight }, attrs)));
  const x64 = new Tensor(new Float64Array(3), [1, 3]);
  const w32 = new Tensor(new Float32Array(6), [2, 3]);
  const linearMessage = message(() => linearKernelOp.forward({ input: x64, weight: w32 }, {}));
  assert.match(linearMessage, /^linear: weight: expected dtype float64/);
  assert.is(linearMessage, message(() => linearOp.forward({ input: x64, weight: w32 }, {})));
  const z = conv2dKernelOp.forward({ input: new Tensor(new Float32Array(2 * 2 * 5 * 5), [2, 2, 5, 5]), weight }, attrs);
  const badUpstream = new Tensor(new Float32Array(3), [3]);
  assert.is(message(() => conv2dKernelOp.backward!({ output: badUpstream }, z.cache, attrs)), message(() => conv2dOp.backward!({ output: badUpstream }, z.cache, attrs)));
});

test("float64 inputs run the reference: bit-identical results", () => {
  const { inputs, attrs } = conv2dKernelOp.sample(new Random(5), "float64");
  const a = conv2dKernelOp.attrs(attrs as unknown as Record<string, unknown>);
  const k = conv2dKernelOp.forward(inputs, a).outputs.output;
  assert.is(k.dtype, "float64");
  const r = new Float64Array(k.size);
  directConv2d(inputs.input.data as FloatArray, inputs.weight.data as FloatArray, inputs.bias?.data as FloatArray | undefined, convGeometry("conv2d", inputs.input, inputs.weight, inputs.bias, a).geom, r);
  assert.equal([...k.data], [...r]);
});

// ───────────── the panel kernels on their own ─────────────

/** Geometry, input and (reference) column matrix of a case, with the input copied into the arena. */
function panelSetup(c: ConvCase) {
  const built = build(c)!;
  const { geom, input } = built;
  const K = im2colRows(geom), P = geom.Hout * geom.Wout;
  const cols = im2col(input.data as Float32Array, 0, c.groups - 1, geom) as Float32Array; // image 0, last group
  return { ...built, K, P, cols };
}

const panelCases: ConvCase[] = [
  { N: 1, groups: 1, CinG: 2, CoutG: 1, H: 9, W: 20, kh: 3, kw: 4, stride: [1, 1], padding: [1, 2], dilation: [1, 1], bias: false, seed: 11 },
  { N: 1, groups: 2, CinG: 2, CoutG: 1, H: 7, W: 11, kh: 2, kw: 3, stride: [2, 3], padding: [1, 0], dilation: [2, 1], bias: false, seed: 12 },
  { N: 2, groups: 1, CinG: 1, CoutG: 1, H: 12, W: 12, kh: 5, kw: 5, stride: [1, 1], padding: [0, 0], dilation: [1, 1], bias: false, seed: 13 },
  { N: 1, groups: 3, CinG: 3, CoutG: 1, H: 5, W: 33, kh: 1, kw: 3, stride: [1, 1], padding: [0, 1], dilation: [1, 2], bias: false, seed: 14 },
  // Stride 2 along W with runs of NR outputs in one row (the even-lanes copy), inside and at the edges.
  { N: 1, groups: 1, CinG: 2, CoutG: 1, H: 9, W: 40, kh: 3, kw: 3, stride: [2, 2], padding: [1, 1], dilation: [1, 1], bias: false, seed: 15 },
  { N: 1, groups: 2, CinG: 1, CoutG: 1, H: 6, W: 37, kh: 2, kw: 3, stride: [1, 2], padding: [0, 2], dilation: [1, 2], bias: false, seed: 16 },
];

test("im2colPanel packs NR columns of the reference column matrix (what packB makes of them)", () => {
  const { exports, arena } = kernels;
  for (const c of panelCases) {
    const { geom, input, K, P, cols } = panelSetup(c);
    const groupOffset = (c.groups - 1) * c.CinG * geom.H * geom.W;
    for (let j0 = 0; j0 < P; j0 += 3) {
      const width = Math.min(NR, P - j0);
      const [pg, pa, pd] = arena.layout([GEOMETRY_BYTES, input.size * 4, K * NR * 4]);
      writeGeometry(arena.i32, pg, geom);
      arena.f32.set(input.data as Float32Array, pa / 4);
      arena.f32.fill(NaN, pd / 4, pd / 4 + K * NR);
      exports.im2colPanel(pg, pa + groupOffset * 4, j0, width, pd);
      const panel = arena.f32.subarray(pd / 4, pd / 4 + K * NR);
      for (let k = 0; k < K; k++) {
        for (let l = 0; l < NR; l++) {
          const want = l < width ? cols[k * P + j0 + l] : 0;
          assert.is(panel[k * NR + l], want, `panel row ${k} lane ${l}, columns from ${j0} (width ${width}); ${describeCase(c, geom)}`);
        }
      }
    }
  }
});

test("col2imPanel adds NR columns back where im2col took them (the reference col2im of those columns)", () => {
  const { exports, arena } = kernels;
  for (const c of panelCases) {
    const { geom, input, K, P } = panelSetup(c);
    const rng = new Random(c.seed);
    const groupOffset = (c.groups - 1) * c.CinG * geom.H * geom.W;
    for (let j0 = 0; j0 < P; j0 += 5) {
      const width = Math.min(NR, P - j0);
      const panel = uniform(K * NR, rng);
      // The reference: a column matrix that holds the panel's columns, zero elsewhere, through col2im.
      const colsPart = new Float32Array(K * P);
      for (let k = 0; k < K; k++) for (let l = 0; l < width; l++) colsPart[k * P + j0 + l] = panel[k * NR + l];
      const want = new Float64Array(input.size);
      col2im(to64(colsPart), 0, c.groups - 1, geom, want);
      const start = uniform(input.size, rng); // col2imPanel adds onto what is there
      const [pg, ps, pa] = arena.layout([GEOMETRY_BYTES, K * NR * 4, input.size * 4]);
      writeGeometry(arena.i32, pg, geom);
      arena.f32.set(panel, ps / 4);
      arena.f32.set(start, pa / 4);
      exports.col2imPanel(pg, ps, j0, width, pa + groupOffset * 4);
      const got = arena.f32.subarray(pa / 4, pa / 4 + input.size);
      const lo = groupOffset, hi = groupOffset + c.CinG * geom.H * geom.W;
      for (let i = 0; i < input.size; i++) {
        const expected = start[i] + (i >= lo && i < hi ? want[i] : 0);
        assert.ok(Math.abs(got[i] - expected) <= 1e-5 * (1 + K), `input[${i}] = ${got[i]}, expected ${expected}; columns from ${j0}; ${describeCase(c, geom)}`);
      }
    }
  }
});

test("im2colRowsPanel packs NR rows of the column matrix over a block of columns (colsᵀ panels)", () => {
  const { exports, arena } = kernels;
  for (const c of panelCases) {
    const { geom, input, K, P, cols } = panelSetup(c);
    const groupOffset = (c.groups - 1) * c.CinG * geom.H * geom.W;
    for (const [p0, pc] of [[0, P], [1, Math.max(1, P - 3)], [Math.floor(P / 2), P - Math.floor(P / 2)]]) {
      for (let k0 = 0; k0 < K; k0 += NR) {
        const width = Math.min(NR, K - k0);
        const [pg, pa, pd] = arena.layout([GEOMETRY_BYTES, input.size * 4, pc * NR * 4]);
        writeGeometry(arena.i32, pg, geom);
        arena.f32.set(input.data as Float32Array, pa / 4);
        arena.f32.fill(NaN, pd / 4, pd / 4 + pc * NR);
        exports.im2colRowsPanel(pg, pa + groupOffset * 4, k0, width, p0, pc, pd);
        const panel = arena.f32.subarray(pd / 4, pd / 4 + pc * NR);
        for (let p = 0; p < pc; p++) {
          for (let l = 0; l < NR; l++) {
            const want = l < width ? cols[(k0 + l) * P + p0 + p] : 0;
            assert.is(panel[p * NR + l], want, `rows from ${k0} (width ${width}), column ${p0 + p}, lane ${l}; ${describeCase(c, geom)}`);
          }
        }
      }
    }
  }
});

test.run();
