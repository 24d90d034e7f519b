/**
 * Gradient checking: the hand-derived backward of an op against central
 * finite differences, in float64.
 *
 * For a random upstream u (one per differentiable output), the scalar
 * L(x) = Σ_k u_k · y_k(x) has dL/dx = backward(u) — the vector-Jacobian
 * product every backward computes. Each element of dL/dx is estimated with
 * the five-point central difference
 *
 *   dL/dx_i ≈ [−L(x+2h) + 8L(x+h) − 8L(x−h) + L(x−2h)] / 12h,
 *
 * whose truncation error is O(h⁴) (the plain two-point form is O(h²)), so
 * h = 1e-3 gives ~1e-12 accuracy for smooth ops. Sample points must
 * therefore stay at least 2h away from kinks (relu at 0, ties in a max).
 * To keep round-off small, the differences y(x+h) − y(x−h) are taken element
 * by element before weighting with u: outputs that x_i does not touch then
 * contribute exactly zero.
 *
 * The error of an element is |a − n| / max(|a|, |n|, tiny) (a analytic,
 * n numeric); the report names the worst element.
 */
import { Tensor, type FloatDType } from "../tensor.js";
import { Random } from "../random.js";
import type { OpDef, Tensors } from "../ops/op.js";

/** The threshold the spec holds every gradcheck to (float64). */
export const GRADCHECK_TOLERANCE = 1e-6;

/** Options for `gradcheck`. */
export interface GradcheckOptions {
  /** Step h of the finite difference (default 1e-3, five-point stencil). */
  step?: number;
  /** Floor of the denominator in the relative error (default 1e-6). */
  tiny?: number;
  /** Seed for the random upstream gradients (default 0). */
  seed?: number;
}

/** The worst element found by `gradcheck`. */
export interface GradcheckWorst {
  /** Input name, e.g. "weight". */
  input: string;
  /** Flat index into that input. */
  index: number;
  analytic: number;
  numeric: number;
  /** |a − n| / max(|a|, |n|, tiny). */
  error: number;
}

/** Result of `gradcheck`: the worst relative error over all inputs, and where. */
export interface GradcheckReport {
  op: string;
  /** Largest relative error seen (0 when the op has no gradients). */
  maxError: number;
  worst: GradcheckWorst | null;
  /** Worst relative error per input name. */
  perInput: Record<string, number>;
  /** Number of elements compared. */
  checked: number;
}

function toFloat64(t: Tensor): Tensor {
  return t.dtype === "float64" || t.dtype === "int32" ? t.clone() : t.astype("float64");
}

/**
 * Checks `op`'s backward against finite differences at `inputs` with `attrs`
 * (attributes are validated by `op.attrs` first). Inputs are converted to
 * float64. Returns the worst relative error and where it occurred.
 */
export function gradcheck(op: OpDef, inputs: Tensors, attrs: Record<string, unknown> = {}, options: GradcheckOptions = {}): GradcheckReport {
  const { step: h = 1e-3, tiny = 1e-6, seed = 0 } = options;
  if (!op.backward) throw new Error(`gradcheck: ${op.name} has no backward`);
  const a = op.attrs(attrs);
  const x: Tensors = {};
  for (const [name, t] of Object.entries(inputs)) x[name] = toFloat64(t);

  const base = op.forward(x, a);
  const rng = new Random(seed);
  const upstream: Tensors = {};
  for (const name of op.differentiableOutputs) {
    const y = base.outputs[name];
    const u = new Float64Array(y.size);
    for (let i = 0; i < u.length; i++) u[i] = rng.normal();
    upstream[name] = new Tensor(u, y.shape);
  }
  const analytic = op.backward(upstream, base.cache, a);

  // Σ_k u_k (y_k(x⁺) − y_k(x⁻)) with the differences taken elementwise.
  const weightedDifference = (plus: Tensors, minus: Tensors): number => {
    let s = 0;
    for (const name of op.differentiableOutputs) {
      const u = upstream[name].data, p = plus[name].data, m = minus[name].data;
      for (let k = 0; k < u.length; k++) {
        const d = p[k] - m[k];
        if (d !== 0) s += u[k] * d;
      }
    }
    return s;
  };
  const outputsAt = (name: string, i: number, value: number): Tensors => {
    const saved = x[name].data[i];
    x[name].data[i] = value;
    const out = op.forward(x, a).outputs;
    // Copied before the input is restored: an output may be a view of it (reshape).
    const copies: Tensors = {};
    for (const [k, t] of Object.entries(out)) copies[k] = new Tensor(t.data.slice(), t.shape);
    x[name].data[i] = saved;
    return copies;
  };

  const report: GradcheckReport = { op: op.name, maxError: 0, worst: null, perInput: {}, checked: 0 };
  for (const name of op.grads) {
    if (!(name in x)) continue; // optional input that is absent
    const g = analytic[name];
    if (!g) throw new Error(`gradcheck: ${op.name} backward returned no gradient for ${name}`);
    if (g.size !== x[name].size) throw new Error(`gradcheck: ${op.name} gradient for ${name} has ${g.size} elements, input has ${x[name].size}`);
    let worstHere = 0;
    for (let i = 0; i < x[name].size; i++) {
      const xi = x[name].data[i];
      const d1 = weightedDifference(outputsAt(name, i, xi + h), outputsAt(name, i, xi - h));
      const d2 = weightedDifference(outputsAt(name, i, xi + 2 * h), outputsAt(name, i, xi - 2 * h));
      const numeric = (8 * d1 - d2) / (12 * h);
      const an = g.data[i];
      const error = Math.abs(an - numeric) / Math.max(Math.abs(an), Math.abs(numeric), tiny);
      report.checked++;
      if (!(error <= worstHere)) worstHere = Number.isNaN(error) ? Infinity : Math.max(worstHere, error);
      if (!(error <= report.maxError)) {
        report.maxError = Number.isNaN(error) ? Infinity : error;
        report.worst = { input: name, index: i, analytic: an, numeric, error: report.maxError };
      }
    }
    report.perInput[name] = worstHere;
  }
  return report;
}

/** A one-line description of a report, for test failures and the CLI. */
export function formatGradcheck(r: GradcheckReport): string {
  if (!r.worst) return `${r.op}: ${r.checked} elements, no error`;
  const w = r.worst;
  return `${r.op}: worst relative error ${w.error.toExponential(2)} at ${w.input}[${w.index}] (analytic ${w.analytic}, numeric ${w.numeric}) over ${r.checked} elements`;
}

/** Draws a case from `op.sample` in float64 and gradchecks it. */
export function gradcheckSample(op: OpDef, rng: Random, options: GradcheckOptions = {}): GradcheckReport & { attrs: unknown; shapes: Record<string, readonly number[]> } {
  const { inputs, attrs } = op.sample(rng, "float64" as FloatDType);
  const shapes: Record<string, readonly number[]> = {};
  for (const [k, t] of Object.entries(inputs)) shapes[k] = t.shape;
  return { ...gradcheck(op, inputs, attrs as Record<string, unknown>, options), attrs, shapes };
}
