/**
 * Weight initializers. Every one draws from a caller-owned `Random`, so the
 * same seed gives the same network.
 *
 * fan_in / fan_out of a weight [out, in, kh, kw] are in·kh·kw and out·kh·kw.
 */
import { describeValue } from "../errors.js";
import { Tensor, allocate, type FloatDType, type Shape, sizeOf } from "../tensor.js";
import type { Random } from "../random.js";

/** The rule used to draw a layer's initial weights. */
export type InitName = "pytorch" | "normal0.1" | "xavier" | "he";

/** fan_in and fan_out of a weight shape ([out, in] or [out, in, kh, kw]). */
export function fans(shape: Shape): { fanIn: number; fanOut: number } {
  if (shape.length < 2) throw new RangeError(`fans: expected a weight of rank ≥ 2, got shape [${shape.join(", ")}]`);
  const receptive = sizeOf(shape.slice(2));
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

/** U[−bound, bound) samples. */
export function uniformTensor(shape: Shape, bound: number, rng: Random, dtype: FloatDType = "float32"): Tensor {
  const data = allocate(dtype, sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = (2 * rng.uniform() - 1) * bound;
  return new Tensor(data, shape);
}

/** N(0, std²) samples. */
export function normalTensor(shape: Shape, std: number, rng: Random, dtype: FloatDType = "float32"): Tensor {
  const data = allocate(dtype, sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = std * rng.normal();
  return new Tensor(data, shape);
}

/**
 * A weight of `shape` drawn by `rule`:
 * - "pytorch": PyTorch's default for Linear/Conv (kaiming_uniform with a = √5),
 *   U(−1/√fan_in, 1/√fan_in);
 * - "normal0.1": N(0, 0.1) as in 002 ("init W ~ N(0, 0.1)": std 0.1);
 * - "xavier": Glorot uniform, U(±√(6/(fan_in + fan_out)));
 * - "he": Kaiming normal for ReLU, N(0, 2/fan_in).
 */
export function initWeight(shape: Shape, rule: InitName, rng: Random, dtype: FloatDType = "float32"): Tensor {
  const { fanIn, fanOut } = fans(shape);
  switch (rule) {
    case "pytorch": return uniformTensor(shape, 1 / Math.sqrt(fanIn), rng, dtype);
    case "normal0.1": return normalTensor(shape, 0.1, rng, dtype);
    case "xavier": return uniformTensor(shape, Math.sqrt(6 / (fanIn + fanOut)), rng, dtype);
    case "he": return normalTensor(shape, Math.sqrt(2 / fanIn), rng, dtype);
    default: throw new RangeError(`initWeight: expected "pytorch", "normal0.1", "xavier" or "he", got ${describeValue(rule)}`);
  }
}

/** PyTorch's default bias: U(−1/√fan_in, 1/√fan_in); zeros for the other rules. */
export function initBias(size: number, fanIn: number, rule: InitName, rng: Random, dtype: FloatDType = "float32"): Tensor {
  if (rule === "pytorch") return uniformTensor([size], 1 / Math.sqrt(fanIn), rng, dtype);
  return new Tensor(allocate(dtype, size), [size]);
}
