/**
 * How a loss combines its per-element (or per-position) values, PyTorch's
 * `reduction`:
 *   "mean" → the average, a scalar (shape []);
 *   "sum"  → the sum, a scalar;
 *   "none" → the per-element losses, in the target's shape.
 * Sums run in float64; results are stored in the input's dtype. Shared by
 * the elementwise losses (./losses.ts) and the class losses (./class_losses.ts).
 */
import { fromArray, Tensor, type FloatDType, type Shape } from "../tensor.js";
import type { Random } from "../random.js";
import { choiceAttr, expectShape, fail, floatData } from "../errors.js";

/** How per-element losses are combined. */
export type Reduction = "mean" | "sum" | "none";
/** The three reductions, in the order `pickReduction` draws from. */
export const REDUCTIONS: readonly Reduction[] = ["mean", "sum", "none"];

/** Validates a `reduction` attribute (default "mean"). */
export function reductionAttr(op: string, value: unknown): Reduction {
  return value === undefined ? "mean" : choiceAttr(op, "reduction", value, REDUCTIONS);
}

/**
 * Reduces per-element losses. `count` is the divisor of "mean" (the number
 * of elements, or of non-ignored targets); 0/0 gives NaN, as in PyTorch.
 */
export function reduce(losses: Float64Array, shape: Shape, reduction: Reduction, dtype: FloatDType, count = losses.length): Tensor {
  if (reduction === "none") return fromArray(losses, shape, dtype);
  let sum = 0;
  for (let i = 0; i < losses.length; i++) sum += losses[i];
  return fromArray([reduction === "mean" ? sum / count : sum], [], dtype);
}

/**
 * The factor of each element's gradient that comes from the reduction:
 * the upstream value itself ("none"), g ("sum") or g / count ("mean").
 */
export function reductionScale(op: string, dy: Tensor, shape: Shape, reduction: Reduction, dtype: FloatDType, count: number): (i: number) => number {
  const g = floatData(op, "upstream", dy);
  expectShape(op, "upstream", dy, reduction === "none" ? shape : [], "the shape of the output");
  if (dy.dtype !== dtype) fail(op, "upstream", `dtype ${dtype} (the dtype of the input)`, dy.dtype);
  if (reduction === "none") return (i) => g[i];
  const s = reduction === "mean" ? g[0] / count : g[0];
  return () => s;
}

/** Attributes of the elementwise losses. */
export interface ReductionAttrs {
  reduction: Reduction;
}

/** What a loss's backward needs: its two inputs. */
export interface PairCache {
  input: Tensor;
  target: Tensor;
}

/** A random reduction, for the losses' random cases. */
export function pickReduction(rng: Random): Reduction {
  return REDUCTIONS[rng.int(3)];
}
