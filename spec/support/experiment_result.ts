/**
 * What every lecture experiment's result must satisfy, whatever it measures:
 * rows with a quantity and nnref's value, figures that are well-formed SVG
 * with every label inside the viewBox, claims that all hold, and data that
 * survives JSON (what `--json` and the generated docs read).
 */
import * as assert from "uvu/assert";
import type { ExperimentResult } from "../../src/lecture/experiments/experiment.js";
import { assertTextInside, assertWellFormed, seriesNames } from "./svg.js";

/**
 * Asserts the common shape of a result and returns its figures' series names
 * by file. `notHolding` lists (by a piece of their text) the claims this run
 * is known NOT to bear out, reported as such; every other claim must hold.
 */
export function checkResult(result: ExperimentResult, notHolding: readonly string[] = []): Record<string, string[]> {
  assert.ok(result.rows.length > 0, "at least one row");
  for (const row of result.rows) {
    assert.ok(row.quantity.length > 0);
    assert.ok(typeof row.nnref === "string" || Number.isFinite(row.nnref), `${row.quantity}: nnref's value ${row.nnref}`);
  }
  const series: Record<string, string[]> = {};
  for (const figure of result.figures) {
    assert.is(figure.kind, "svg");
    assert.ok(figure.file.endsWith(".svg"));
    assertWellFormed(figure.data as string);
    assertTextInside(figure.data as string);
    series[figure.file] = seriesNames(figure.data as string);
  }
  for (const claim of result.claims) {
    const expectedToFail = notHolding.some((text) => claim.claim.includes(text));
    assert.is(claim.holds, !expectedToFail, `${expectedToFail ? "expected NOT to hold" : "does not hold"}: ${claim.claim}`);
  }
  for (const text of notHolding) assert.ok(result.claims.some((c) => c.claim.includes(text)), `no claim mentions "${text}"`);
  assert.equal(JSON.parse(JSON.stringify(result.data)), result.data);
  return series;
}
