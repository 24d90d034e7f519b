// 002 "Tensorflow: Layout": 17.0 at x = [2, 1]; 100 steps at 0.1 give TensorFlow's printed float32 numbers.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { tensorflowExample, tensorflowWorkedExample } from "../../../src/lecture/experiments/tensorflow_example.js";
import { assertClaimsHold, runQuick } from "../../support/experiments.js";

test("tensorflow-example: loss 17.0, then 9.66338e-13 with x = [1.00000024, 4.99999905] in float32, as the slide prints", async () => {
  assertClaimsHold(await runQuick(tensorflowExample));
  const f32 = tensorflowWorkedExample("float32");
  assert.is(f32.initialLoss, 17);
  assert.is(Number(f32.finalLoss.toPrecision(6)), 9.66338e-13);
  assert.is(f32.x[0].toPrecision(9), "1.00000024");
  assert.is(f32.x[1].toPrecision(9), "4.99999905");
  // in float64 every step multiplies x − [1, 5] by 1 − 2·0.1 = 0.8, so the loss is 17·0.64^k exactly up to rounding
  const f64 = tensorflowWorkedExample("float64");
  // (x − y + z is ~2e-10 after cancelling terms near 1 and 5: relative rounding ~1e-6 there)
  assert.ok(Math.abs(f64.finalLoss / (17 * 0.64 ** 100) - 1) < 1e-4, `float64 ${f64.finalLoss}`);
  assert.ok(Math.abs(tensorflowWorkedExample("float64", 3).finalLoss - 17 * 0.64 ** 3) < 1e-12);
});

test.run();
