/**
 * float32 vs float64 agreement for an op: the same case (inputs rounded to
 * float32 first, so both runs see identical values) run in both dtypes,
 * forward and backward, must agree to float32 precision.
 */
import * as fc from "fast-check";
import * as assert from "uvu/assert";
import { Tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import type { OpDef, Tensors } from "../../src/ops/op.js";
import { fcParams } from "./properties.js";

function asDtype(t: Tensor, dtype: "float32" | "float64"): Tensor {
  return t.dtype === "int32" ? t.clone() : t.astype(dtype);
}

/** Largest |a − b| / (1 + |b|) over two tensors of one shape. */
function worstDifference(a: Tensor, b: Tensor): number {
  assert.equal([...a.shape], [...b.shape]);
  let worst = 0;
  for (let i = 0; i < a.size; i++) worst = Math.max(worst, Math.abs(a.data[i] - b.data[i]) / (1 + Math.abs(b.data[i])));
  return worst;
}

/**
 * Runs `runs` sampled cases of `op` in float32 and float64 and asserts that
 * every output and gradient agrees within `tolerance` (relative, with 1 added
 * to the denominator). Returns the worst difference seen.
 */
export function checkFloat32Agreement(op: OpDef, runs = 20, tolerance = 2e-5): number {
  let worst = 0;
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const rng = new Random(seed);
      const sampled = op.sample(rng, "float64");
      const attrs = op.attrs(sampled.attrs as Record<string, unknown>);
      const in32: Tensors = {}, in64: Tensors = {};
      for (const [k, t] of Object.entries(sampled.inputs)) {
        in32[k] = asDtype(t, "float32");
        in64[k] = asDtype(in32[k], "float64");
      }
      const r32 = op.forward(in32, attrs), r64 = op.forward(in64, attrs);
      for (const name of Object.keys(r64.outputs)) {
        assert.is(r32.outputs[name].dtype, "float32", `${op.name}: output ${name} keeps float32`);
        worst = Math.max(worst, worstDifference(r32.outputs[name], r64.outputs[name]));
      }
      if (op.backward && op.differentiableOutputs.length > 0) {
        const up32: Tensors = {}, up64: Tensors = {};
        for (const name of op.differentiableOutputs) {
          const y = r64.outputs[name];
          const u = new Float32Array(y.size);
          for (let i = 0; i < u.length; i++) u[i] = rng.normal();
          up32[name] = new Tensor(u, y.shape);
          up64[name] = up32[name].astype("float64");
        }
        const g32 = op.backward(up32, r32.cache, attrs), g64 = op.backward(up64, r64.cache, attrs);
        for (const name of Object.keys(g64)) {
          assert.is(g32[name].dtype, "float32", `${op.name}: gradient ${name} keeps float32`);
          worst = Math.max(worst, worstDifference(g32[name], g64[name]));
        }
      }
      assert.ok(worst < tolerance, `${op.name}: float32 and float64 differ by ${worst} (seed ${seed}, attrs ${JSON.stringify(attrs)})`);
    }),
    fcParams(runs),
  );
  return worst;
}
