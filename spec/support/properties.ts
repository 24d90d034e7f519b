/**
 * Shared settings for property tests: fast-check runs with a fixed seed (set
 * FC_SEED to explore others) so that CI is repeatable, and every gradcheck
 * property uses the one tolerance GRADCHECK_TOLERANCE.
 */
import * as fc from "fast-check";
import * as assert from "uvu/assert";
import { GRADCHECK_TOLERANCE, formatGradcheck, gradcheckSample } from "../../src/check/gradcheck.js";
import { Random } from "../../src/random.js";
import type { OpDef } from "../../src/ops/op.js";

/** fast-check parameters: a fixed seed unless FC_SEED is set; `numRuns` per property. */
export function fcParams(numRuns: number): fc.Parameters<unknown> {
  const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : 20261123;
  return { seed, numRuns, endOnFailure: true };
}

/**
 * The gradcheck property for one op: `runs` random cases from `op.sample`
 * (seeded by fast-check), each below GRADCHECK_TOLERANCE. Returns the worst
 * error seen, so tests can report it.
 */
export function checkGradientsProperty(op: OpDef, runs = 25): number {
  let worst = 0;
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const r = gradcheckSample(op, new Random(seed));
      worst = Math.max(worst, r.maxError);
      assert.ok(r.maxError < GRADCHECK_TOLERANCE, `${formatGradcheck(r)}; attrs ${JSON.stringify(r.attrs)}; shapes ${JSON.stringify(r.shapes)}; case seed ${seed}`);
    }),
    fcParams(runs),
  );
  return worst;
}

/** `checkGradientsProperty` for each of `ops` (`runs` cases each), printing each op's worst error. */
export function checkGradientsOfEach(ops: readonly OpDef[], runs: number): void {
  for (const op of ops) {
    const worst = checkGradientsProperty(op, runs);
    console.log(`  gradcheck ${op.name}: worst relative error ${worst.toExponential(2)}`);
  }
}
