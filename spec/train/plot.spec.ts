import { test } from "uvu";
import * as assert from "uvu/assert";
import { learningCurvesSvg } from "../../src/train/plot.js";
import { logTicks, niceTicks, tickLabel } from "../../src/train/ticks.js";
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
    .filter((m) => Number(m[1]) >= 508).map((m) => Number(m[2])); // the accuracy panel starts at x = 508
  assert.is(testAcc.length, 3);
  assert.ok(testAcc[0] > testAcc[1] && testAcc[1] > testAcc[2], "higher accuracy is drawn higher (smaller y)");
  const single = learningCurvesSvg([report(1, 0.9, 0.7)]);
  assert.is(single.match(/<polyline /g), null, "one epoch: points only");
  assert.is(single.match(/<circle /g)?.length, 4);
  assert.throws(() => learningCurvesSvg([]), /expected at least one epoch report/);
});

/** Every y tick label of the SVG: [x, y, text]. */
function tickLabels(svg: string): Array<[number, number, string]> {
  return [...svg.matchAll(/<text x="([\d.]+)" y="([\d.-]+)" text-anchor="end" font-size="11">([^<]*)<\/text>/g)].map((m) => [Number(m[1]), Number(m[2]), m[3]]);
}

test("issue 9: a loss of 1e17 beside 0.5 gets a log axis with decade ticks, and no tick label runs past the left edge", () => {
  const history = [report(1, 0.5, 0.6), report(2, 1e17, 0.1), report(3, 0.3, 0.7)];
  const svg = learningCurvesSvg(history);
  const labels = tickLabels(svg);
  assert.ok(labels.length >= 8, `${labels.length} tick labels`);
  // The panels start at x = 78 and 508; a label ends 6 px left of its panel and must start right of the
  // previous panel (or of the image edge): at most 0.62 em per character of 11 px is generous for sans-serif.
  for (const [x, , text] of labels) {
    const start = x - text.length * 0.62 * 11;
    assert.ok(start > (x > 500 ? 78 + 360 : 0) + 14, `label "${text}" at x ${x} starts at ${start.toFixed(1)}: clipped or over the axis title`);
  }
  const lossLabels = labels.filter(([x]) => x < 100).map(([, , t]) => t);
  const values = lossLabels.map(Number);
  assert.ok(values.every((v) => Number.isInteger(Math.log10(v))), `decade ticks: ${lossLabels.join(" ")}`);
  assert.ok(Math.min(...values) <= 0.3 && Math.max(...values) >= 1.1e17, `the ticks cover 0.3 … 1.1e17: ${lossLabels.join(" ")}`);
  assert.ok(svg.includes("loss (log scale)"));
  // every point of the loss panel lies inside it (top 66, height 240)
  const ys = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)].filter((m) => Number(m[1]) < 500).map((m) => Number(m[2]));
  assert.is(ys.length, 6);
  for (const v of ys) assert.ok(v >= 66 && v <= 306, `point at y ${v}`);
  // 3 decades or fewer stay linear
  assert.not.ok(learningCurvesSvg([report(1, 900, 0.5), report(2, 1, 0.6)]).includes("log scale"));
});

test("tickLabel and logTicks: short labels at any magnitude; about six decade ticks", () => {
  assert.equal([0, 0.5, 12345, 99999, 1e5, 1e17, -2.5e-7, 0.001, 0.000999].map(tickLabel), ["0", "0.5", "12300", "100000", "1e5", "1e17", "-2.5e-7", "0.001", "9.99e-4"]);
  assert.equal(logTicks(0.1, 1e17), [0.1, 100, 1e5, 1e8, 1e11, 1e14, 1e17]);
  assert.equal(logTicks(1, 1000), [1, 10, 100, 1000]);
});

test.run();
