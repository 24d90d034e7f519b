/**
 * Random shapes for the ops' `sample` (see ./op.ts): small enough for finite
 * differences, drawn from the caller's seeded `Random` so that the same seed
 * gives the same cases.
 */
import type { Random } from "../random.js";

/** Options of `randomShape`. */
export interface RandomShapeOptions {
  /** The smallest rank (default 0: a scalar is allowed). The largest is 3. */
  minRank?: number;
  /** The largest size of a dimension (default 4); the smallest is 1. */
  maxSize?: number;
}

/** A shape of rank minRank … 3 with every dimension in 1 … maxSize. */
export function randomShape(rng: Random, options: RandomShapeOptions = {}): number[] {
  const { minRank = 0, maxSize = 4 } = options;
  return Array.from({ length: minRank + rng.int(4 - minRank) }, () => 1 + rng.int(maxSize));
}
