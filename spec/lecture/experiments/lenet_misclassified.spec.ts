// 001 "Deep learning, AD 1993" (LeNet-5's errors): the grid holds exactly misclassified test images, labelled.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { FASHION_MNIST_CLASSES } from "../../../src/data/dataset.js";
import { lenetMisclassified } from "../../../src/lecture/experiments/lenet_misclassified.js";
import { assertClaimsHold, row, runQuick } from "../../support/experiments.js";
import { decodePng } from "../../support/png.js";

test("lenet-misclassified (quick): error well below chance; the grid shows 32 misclassified images labelled true → predicted", async () => {
  const result = await runQuick(lenetMisclassified);
  assertClaimsHold(result);
  const data = result.data as { testAccuracy: number; misclassified: number; shown: number[] };
  assert.is(data.misclassified, Math.round((1 - data.testAccuracy) * 1000), "the count agrees with the accuracy measured separately");
  assert.is(row(result, "misclassified test images").nnref, data.misclassified);
  assert.is(data.shown.length, 32);
  const png = decodePng(result.figures[0].data as Uint8Array);
  assert.equal([png.width, png.height], [6 + 8 * (84 + 6), 6 + 4 * (84 + 14 + 6)]);
  const labels = [...(result.figures[1].data as string).matchAll(/font-size="11">([^<]+ → [^<]+)<\/text>/g)].map((m) => m[1].split(" → "));
  assert.is(labels.length, 32);
  const names = FASHION_MNIST_CLASSES.map((c) => c.split("/")[0]);
  for (const [truth, predicted] of labels) assert.ok(truth !== predicted && names.includes(truth) && names.includes(predicted), `${truth} → ${predicted}`);
});

test.run();
