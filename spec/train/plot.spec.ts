import { test } from "uvu";
import * as assert from "uvu/assert";
import { learningCurvesSvg, niceTicks } from "../../src/train/plot.js";
import type { EpochReport } from "../../src/train/train.js";

function report(epoch: number, trainLoss: number, testAcc: number): EpochReport {
  const m = (loss: number, accuracy: number) => ({ loss, accuracy, topKError: 0.01, count: 100 });
  return { epoch, train: m(trainLoss, 0.5 + epoch / 10), test: m(trainLoss * 1.1, testAcc), lr: 0.05, trainSeconds: 1, evalSeconds: 0.1, imagesPerSecond: 100 };
}

test("niceTicks gives round steps covering the range", () => {
  assert.equal(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.equal(niceTicks(1, 10), [2, 4, 6, 8, 10]);
  assert.equal(niceTicks(0.31, 0.72), [0.4, 0.5, 0.6, 0.7]);
  assert.equal(niceTicks(3, 3), [3]);
});

test("the SVG has both panels, a curve per series and a point per epoch and series", () => {
  const history = [report(1, 0.9, 0.7), report(2, 0.6, 0.8), report(3, 0.5, 0.84)];
  const svg = learningCurvesSvg(history, "lenet5 <seed 1> & co");
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.ok(svg.trimEnd().endsWith("</svg>"));
  assert.ok(svg.includes("Loss (cross-entropy)"));
  assert.ok(svg.includes("Accuracy"));
  assert.ok(svg.includes("lenet5 &lt;seed 1&gt; &amp; co"), "the title is escaped");
  assert.is(svg.match(/<polyline /g)?.length, 4);
  assert.is(svg.match(/<circle /g)?.length, 12);
  assert.ok(svg.includes("test accuracy 0.84"));
  // the accuracy panel is fixed to [0, 1]; the best test accuracy sits highest of the test points
  const testAcc = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)" r="3" fill="#d62728"><title>test, epoch (\d): (0\.[\d]+)</g)]
    .filter((m) => Number(m[1]) >= 494).map((m) => Number(m[2])); // the accuracy panel starts at x = 494
  assert.is(testAcc.length, 3);
  assert.ok(testAcc[0] > testAcc[1] && testAcc[1] > testAcc[2], "higher accuracy is drawn higher (smaller y)");
  const single = learningCurvesSvg([report(1, 0.9, 0.7)]);
  assert.is(single.match(/<polyline /g), null, "one epoch: points only");
  assert.is(single.match(/<circle /g)?.length, 4);
  assert.throws(() => learningCurvesSvg([]), /expected at least one epoch report/);
});

test.run();
