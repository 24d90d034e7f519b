/**
 * Random conv2d_fused cases shared by the kernel specs (spec/backend/conv2d_fused.spec.ts,
 * spec/backend/conv2d_packed.spec.ts): shapes with groups, strides, padding, an optional bias,
 * residual and ReLU; and the first index where two float32 arrays differ in bits.
 */
import * as fc from "fast-check";
import { Tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { conv2dFusedAttrs } from "../../src/ops/conv2d_fused.js";
import { convGeometry } from "../../src/ops/conv_geometry.js";

/** n values uniform in [−1, 1). */
export function uniform(n: number, rng: Random): Float32Array {
  return new Float32Array(n).map(() => rng.uniformIn(-1, 1));
}

/** The first index where two float32 arrays differ in bits, or −1 (0 when their lengths differ). */
export function firstDifferentBits(a: Float32Array, b: Float32Array): number {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  if (x.length !== y.length) return 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

/** A random case's parameters; `groups` picks the group counts drawn. */
export function fusedCaseArbitrary(groups: number[]) {
  return fc.record({
    N: fc.integer({ min: 1, max: 2 }), groups: fc.constantFrom(...groups), CinG: fc.integer({ min: 1, max: 5 }), CoutG: fc.integer({ min: 1, max: 40 }),
    H: fc.integer({ min: 1, max: 9 }), W: fc.integer({ min: 1, max: 13 }), k: fc.integer({ min: 1, max: 3 }),
    stride: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })), padding: fc.integer({ min: 0, max: 1 }),
    bias: fc.boolean(), residual: fc.boolean(), relu: fc.boolean(), seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  });
}
export type FusedCase = ReturnType<typeof fusedCaseArbitrary> extends fc.Arbitrary<infer T> ? T : never;

/** The inputs and attributes of a case, or null when the window does not fit the padded image. */
export function makeFusedCase(c: FusedCase) {
  if (c.H + 2 * c.padding < c.k || c.W + 2 * c.padding < c.k) return null;
  const rng = new Random(c.seed);
  const Cin = c.CinG * c.groups, Cout = c.CoutG * c.groups;
  const attrs = conv2dFusedAttrs({ stride: c.stride, padding: c.padding, groups: c.groups, activation: c.relu ? "relu" : "none" });
  const input = new Tensor(uniform(c.N * Cin * c.H * c.W, rng), [c.N, Cin, c.H, c.W]);
  const weight = new Tensor(uniform(Cout * c.CinG * c.k * c.k, rng), [Cout, c.CinG, c.k, c.k]);
  const bias = c.bias ? new Tensor(uniform(Cout, rng), [Cout]) : undefined;
  const { geom, outputShape } = convGeometry("conv2d", input, weight, bias, attrs);
  const residual = c.residual ? new Tensor(uniform(outputShape.reduce((p, d) => p * d, 1), rng), [...outputShape]) : undefined;
  return { attrs, geom, inputs: { input, weight, ...(bias ? { bias } : {}), ...(residual ? { residual } : {}) } };
}
