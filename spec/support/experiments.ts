/**
 * Running a lecture experiment in a spec: the --quick sizes on the fastest
 * backend (wasm when the kernels load), the previous backend restored after;
 * and an assertion that every claim holds, naming the ones that do not.
 */
import * as assert from "uvu/assert";
import { loadKernelsSync } from "../../src/backend/load.js";
import { getBackend, setBackend } from "../../src/backend/dispatch.js";
import type { Experiment, ExperimentResult } from "../../src/lecture/experiments/experiment.js";

/** `experiment.run({ quick: true, seed })` on the fastest backend. */
export async function runQuick(experiment: Experiment, seed = 1): Promise<ExperimentResult> {
  const previous = getBackend();
  setBackend(loadKernelsSync() ? "wasm" : "js");
  try {
    return await experiment.run({ quick: true, seed });
  } finally {
    setBackend(previous);
  }
}

/** Asserts that every claim of `result` holds (there is at least one). */
export function assertClaimsHold(result: ExperimentResult): void {
  assert.ok(result.claims.length > 0, "the experiment states at least one claim");
  assert.equal(result.claims.filter((c) => !c.holds).map((c) => c.claim), [], "claims that do not hold");
}

/** The row whose quantity starts with `quantity`. */
export function row(result: ExperimentResult, quantity: string): ExperimentResult["rows"][number] {
  const r = result.rows.find((x) => x.quantity.startsWith(quantity));
  assert.ok(r, `a row "${quantity}"`);
  return r!;
}
