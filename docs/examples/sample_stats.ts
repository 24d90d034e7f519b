/**
 * The mean and (population) standard deviation of a tensor's values: what
 * the GAN example prints of its generated samples, and what the GAN spec
 * (spec/train/gan.spec.ts) checks them by.
 */
import type { Tensor } from "../../src/index.js";

/** Mean and standard deviation (dividing by n) of all of `t`'s values. */
export function stats(t: Tensor): { mean: number; std: number } {
  let mean = 0;
  for (let i = 0; i < t.size; i++) mean += t.data[i] / t.size;
  let v = 0;
  for (let i = 0; i < t.size; i++) v += (t.data[i] - mean) ** 2 / t.size;
  return { mean, std: Math.sqrt(v) };
}
