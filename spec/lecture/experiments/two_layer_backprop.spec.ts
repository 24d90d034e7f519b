// 000 "Multi-Layered Perceptron": the experiment's table is real — hand backprop equals autograd to rounding,
// finite differences agree to their truncation error (and are not identical: the comparison is not vacuous).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compareBackprop, twoLayerBackprop } from "../../../src/lecture/experiments/two_layer_backprop.js";
import { assertClaimsHold, runQuick } from "../../support/experiments.js";

test("two-layer-backprop (quick): the slide's equations equal autograd (< 1e-12) and finite differences (< 1e-7)", async () => {
  const result = await runQuick(twoLayerBackprop);
  assertClaimsHold(result);
  assert.is(result.rows.length, 8);
  const worst = compareBackprop(5, 3);
  for (const g of ["dW1", "db1", "dW2", "db2"] as const) {
    assert.ok(worst[g].autograd < 1e-12, `${g} autograd ${worst[g].autograd}`);
    assert.ok(worst[g].finiteDifference < 1e-7 && worst[g].finiteDifference > 0, `${g} finite difference ${worst[g].finiteDifference}`);
  }
});

test.run();
