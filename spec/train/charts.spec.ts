import { test } from "uvu";
import * as assert from "uvu/assert";
import { heatmapsSvg, histogramCounts, histogramSvg, linePlotSvg, scatterPlotSvg } from "../../src/train/charts.js";
import { logTicks, tickLabel } from "../../src/train/ticks.js";
import { assertTextInside, assertWellFormed, seriesNames, texts, viewBox } from "../support/svg.js";

const curve = (f: (x: number) => number, n = 12): Array<[number, number]> => Array.from({ length: n }, (_, i) => [i + 1, f(i + 1)]);

test("the well-formedness check itself rejects broken SVG", () => {
  const rejected = (svg: string) => {
    try {
      assertWellFormed(svg);
    } catch {
      return true;
    }
    return false;
  };
  assert.ok(rejected('<svg xmlns="http://www.w3.org/2000/svg"><g></svg>'));
  assert.ok(rejected('<svg xmlns="http://www.w3.org/2000/svg"><text>a < b</text></svg>'));
  assert.ok(rejected('<svg xmlns="http://www.w3.org/2000/svg"><text>R&D</text></svg>'));
  assert.ok(rejected('<svg xmlns="http://www.w3.org/2000/svg"><rect x=3/></svg>'));
  assertWellFormed('<svg xmlns="http://www.w3.org/2000/svg"><g a="1"><rect x="3"/></g><text>R&amp;D</text></svg>');
});

test("logTicks: powers of ten over several decades, 1-2-5 within one", () => {
  assert.equal(logTicks(1e-5, 1), [1e-5, 1e-4, 1e-3, 0.01, 0.1, 1]);
  assert.equal(logTicks(0.03, 0.4), [0.05, 0.1, 0.2]);
  assert.equal(logTicks(1e-12, 1), [1e-12, 1e-10, 1e-8, 1e-6, 1e-4, 0.01, 1]);
  assert.throws(() => logTicks(0, 1), /logTicks: expected 0 < lo/);
  assert.is(tickLabel(1e-5), "1e-5");
  assert.is(tickLabel(2.5e-7), "2.5e-7");
  assert.is(tickLabel(0.25), "0.25");
});

test("a line plot is well-formed, draws every series with its legend, and keeps every label inside the viewBox", () => {
  const svg = linePlotSvg({
    title: "gradient norm <per layer> & depth",
    x: { label: "layer" },
    y: { label: "‖∂L/∂W‖", log: true },
    series: [
      { label: "sigmoid", points: curve((l) => 10 ** -(12 - l)) },
      { label: "ReLU (He init)", points: curve(() => 0.3), dash: "6 3" },
      { label: "a very long series name that would overflow a fixed legend", points: curve((l) => l * 1e4) },
    ],
  });
  assertWellFormed(svg);
  assertTextInside(svg);
  assert.equal(seriesNames(svg), ["sigmoid", "ReLU (He init)", "a very long series name that would overflow a fixed legend"]);
  const labels = texts(svg).map((t) => t.text);
  for (const name of seriesNames(svg)) assert.ok(labels.includes(name), `legend names ${name}`);
  assert.ok(labels.includes("gradient norm <per layer> & depth"));
  // a log axis spanning 1e-11 … 1.2e5 gets power-of-ten ticks, and a decade is an equal distance
  const yTicks = texts(svg).filter((t) => t.cls === "tick" && t.anchor === "end");
  assert.ok(yTicks.length >= 3 && yTicks.every((t) => Number.isInteger(Math.log10(Number(t.text)))), yTicks.map((t) => t.text).join(" "));
  const gaps = yTicks.slice(1).map((t, i) => yTicks[i].y - t.y);
  assert.ok(gaps.every((g) => Math.abs(g - gaps[0]) < 0.2), "equal spacing of the decades");
  // the sigmoid curve rises: its last point is drawn higher (smaller y) than its first
  const pts = svg.match(/data-series="sigmoid"><polyline points="([^"]+)"/)![1].split(" ").map((p) => p.split(",").map(Number));
  assert.is(pts.length, 12);
  assert.ok(pts[11][1] < pts[0][1]);
  // a linear axis with ticks wider than the default margin still fits
  const wide = linePlotSvg({ title: "t", x: { label: "trial" }, y: { label: "loss" }, series: [{ label: "a", points: curve((x) => 123456.789 * x) }] });
  assertWellFormed(wide);
  assertTextInside(wide);
  assert.throws(() => linePlotSvg({ title: "t", x: { label: "x" }, y: { label: "y" }, series: [] }), /linePlotSvg: expected at least one series/);
  assert.throws(() => linePlotSvg({ title: "t", x: { label: "x" }, y: { label: "y", log: true, range: [0, 1] }, series: [{ label: "a", points: [] }] }), /lo > 0 \(log axis\)/);
});

test("a scatter plot draws one dot per finite point, grouped by series", () => {
  const svg = scatterPlotSvg({
    title: "sampled points",
    x: { label: "learning rate", log: true },
    y: { label: "hidden units" },
    series: [
      { label: "grid", points: [[1e-3, 20], [1e-2, 20], [1e-3, 120], [1e-2, 120]] },
      { label: "random", points: [[3e-3, 57], [2e-2, 91], [Number.NaN, 3], [-1, 50]] },
    ],
  });
  assertWellFormed(svg);
  assertTextInside(svg);
  assert.equal(seriesNames(svg), ["grid", "random"]);
  const group = (name: string) => svg.match(new RegExp(`data-series="${name}">(.*?)</g>`))![1];
  assert.is(group("grid").match(/<circle /g)!.length, 4);
  assert.is(group("random").match(/<circle /g)!.length, 2, "NaN and (on a log axis) negative x are left out");
});

test("histograms: counts per bin, overlaid or as small multiples", () => {
  assert.equal(histogramCounts([0, 0.1, 0.5, 0.99, 1, 2, Number.NaN], 2, 0, 1), [2, 3]);
  assert.throws(() => histogramCounts([1], 0, 0, 1), /bins: expected an integer ≥ 1/);
  const a = Array.from({ length: 200 }, (_, i) => Math.sin(i) * 2);
  const b = Array.from({ length: 50 }, (_, i) => i / 50);
  for (const layout of ["overlaid", "small-multiples"] as const) {
    const svg = histogramSvg({ title: "activations", xLabel: "a", series: [{ label: "epoch 1", values: a }, { label: "epoch 5", values: b }], bins: 20, layout });
    assertWellFormed(svg);
    assertTextInside(svg);
    assert.equal(seriesNames(svg), ["epoch 1", "epoch 5"]);
    assert.ok(texts(svg).some((t) => t.text === "epoch 5"));
    if (layout === "small-multiples") {
      assert.is(svg.match(/<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="[\d.]+" fill="none" stroke="#888"\/>/g)!.length, 2, "one frame per series");
      assert.ok(viewBox(svg).width > 600);
    }
  }
});

test("heatmaps: one gray cell per value, clipped to the range, each panel labelled", () => {
  const svg = heatmapsSvg({ title: "surface", range: [0, 1], panels: [{ label: "target", values: [0, 0.5, 1, 2], width: 2, height: 2 }, { label: "fit", values: [1, 1, 1, 1], width: 2, height: 2 }] });
  assertWellFormed(svg);
  assertTextInside(svg);
  assert.equal(seriesNames(svg), ["target", "fit"]);
  const target = svg.match(/data-series="target">(.*?)<\/g>/)![1];
  assert.equal([...target.matchAll(/fill="rgb\((\d+),/g)].map((m) => Number(m[1])), [0, 132, 255], "0.5 → level 16 of 31 (132); 2 is clipped to white, so the second row is one white rect");
  const fit = svg.match(/data-series="fit">(.*?)<\/g>/)![1];
  assert.equal([...fit.matchAll(/<rect [^>]*width="(\d+)"/g)].map((m) => Number(m[1]) / 110), [2, 2], "equal neighbours in a row share one rect of twice the width");
  assert.throws(() => heatmapsSvg({ title: "t", range: [0, 1], panels: [{ label: "a", values: [1, 2, 3], width: 2, height: 2 }] }), /heatmapsSvg: panel "a": expected 2·2 = 4 values, got 3/);
});

test.run();
