/**
 * Charts for the lecture experiments as hand-written SVG (no dependency), in
 * the style of the learning curves (./plot.ts) and with its tick rule
 * (`niceTicks`): line plots of several named series with a legend and an
 * optional log y-axis, scatter plots, and histograms (overlaid, or as small
 * multiples side by side).
 *
 * Every chart sizes its margins from its tick labels and puts the legend in
 * its own column right of the plot area, so no tick label, axis title or
 * legend entry leaves the viewBox and no legend hides data. Each data series
 * is one element with `class="series"` and `data-series="<label>"`.
 */
import { escapeXml, logTicks, niceTicks, short, tickLabel } from "./ticks.js";

/** One named curve: (x, y) points joined in order. Non-finite points (and, on a log axis, y ≤ 0) are left out. */
export interface LineSeries {
  readonly label: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
  /** CSS colour (default: the palette, by position). */
  readonly color?: string;
  /** stroke-dasharray, e.g. "6 3" (default solid). */
  readonly dash?: string;
}

/** One axis: its title, and optionally a logarithmic scale or a fixed range. */
export interface Axis {
  readonly label: string;
  /** Base-10 logarithmic scale (values ≤ 0 are not drawn). Default false. */
  readonly log?: boolean;
  /** [lo, hi] instead of the data's range. */
  readonly range?: readonly [number, number];
}

/** A line plot: a title, the two axes and the series. */
export interface LinePlot {
  readonly title: string;
  readonly x: Axis;
  readonly y: Axis;
  readonly series: readonly LineSeries[];
  /** Draw a dot on every point as well (default: only when a series has ≤ 30 points). */
  readonly markers?: boolean;
}

/** One named group of points of a scatter plot. */
export interface ScatterSeries {
  readonly label: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
  readonly color?: string;
}

/** A scatter plot: a title, the two axes and the groups of points. */
export interface ScatterPlot {
  readonly title: string;
  readonly x: Axis;
  readonly y: Axis;
  readonly series: readonly ScatterSeries[];
}

/** One named sample whose distribution a histogram shows. */
export interface HistogramSeries {
  readonly label: string;
  readonly values: ArrayLike<number>;
  readonly color?: string;
}

/** Histograms of several samples over the same bins: overlaid in one panel, or one small panel each. */
export interface HistogramPlot {
  readonly title: string;
  /** Title of the value axis. */
  readonly xLabel: string;
  readonly series: readonly HistogramSeries[];
  /** Number of equal-width bins (default 30). */
  readonly bins?: number;
  /** [lo, hi] of the bins (default: the range of all values). */
  readonly range?: readonly [number, number];
  /** "overlaid" (default) or "small-multiples" (one panel per series, in a row, same axes). */
  readonly layout?: "overlaid" | "small-multiples";
}

/** The colours given to series without one, in order (those of ./plot.ts first). */
export const PALETTE: readonly string[] = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];

/** Width of one character of an 11-px sans-serif label, generously (for margins; SVG cannot measure text). */
const CHAR = 6.6;
const PLOT = { width: 420, height: 260, top: 44, bottom: 52 };

/** Smallest and largest of `values` by a loop (spreading a long array into Math.min overflows the stack). */
function extent(values: ArrayLike<number>): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (values[i] < lo) lo = values[i];
    if (values[i] > hi) hi = values[i];
  }
  return [lo, hi];
}

/** An axis mapped to pixels: its range, its ticks, and value → pixel. */
interface Scale {
  lo: number;
  hi: number;
  ticks: number[];
  map(v: number): number;
}

/** The range of `values` on `axis` (padded by 5% on a linear axis unless fixed; a whole decade span on a log one). */
function axisRange(axis: Axis, values: number[], where: string): [number, number] {
  if (axis.range) {
    const [lo, hi] = axis.range;
    if (!(hi > lo) || (axis.log && !(lo > 0))) throw new RangeError(`${where}: axis "${axis.label}": expected a range lo < hi${axis.log ? " with lo > 0 (log axis)" : ""}, got [${lo}, ${hi}]`);
    return [lo, hi];
  }
  const usable = values.filter((v) => Number.isFinite(v) && (!axis.log || v > 0));
  if (usable.length === 0) return axis.log ? [0.1, 10] : [0, 1];
  let [lo, hi] = extent(usable);
  if (axis.log) {
    if (hi / lo < 10) {
      // Less than a decade of data: show the whole decade(s) around it, so the ticks are 1, 2, 5 × a power of ten.
      const a = Math.floor(Math.log10(lo) + 1e-9), b = Math.max(a + 1, Math.ceil(Math.log10(hi) - 1e-9));
      return [Number((10 ** a).toPrecision(12)), Number((10 ** b).toPrecision(12))];
    }
    return [lo / 1.2, hi * 1.2];
  }
  if (!(hi > lo)) { lo -= 0.5; hi += 0.5; }
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

function makeScale(axis: Axis, values: number[], from: number, to: number, where: string): Scale {
  const [lo, hi] = axisRange(axis, values, where);
  if (axis.log) {
    const l = Math.log10(lo), h = Math.log10(hi);
    return { lo, hi, ticks: logTicks(lo, hi), map: (v) => from + ((Math.log10(v) - l) / (h - l)) * (to - from) };
  }
  return { lo, hi, ticks: niceTicks(lo, hi), map: (v) => from + ((v - lo) / (hi - lo)) * (to - from) };
}

/** Where one panel sits: its plot area in pixels. */
interface Frame {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The frame, grid lines, tick labels and axis titles of one panel. */
function axesSvg(frame: Frame, xs: Scale, ys: Scale, xLabel: string, yLabel: string, yTickWidth: number): string[] {
  const { left, top, width: w, height: h } = frame;
  const parts: string[] = [];
  parts.push(`<rect x="${left}" y="${top}" width="${w}" height="${h}" fill="none" stroke="#888"/>`);
  for (const t of ys.ticks) {
    const y = ys.map(t).toFixed(1);
    parts.push(`<line x1="${left}" x2="${left + w}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    parts.push(`<text class="tick" x="${left - 6}" y="${(Number(y) + 4).toFixed(1)}" text-anchor="end" font-size="11">${escapeXml(tickLabel(t))}</text>`);
  }
  for (const t of xs.ticks) {
    const x = xs.map(t).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${top + h}" y2="${top + h + 4}" stroke="#888"/>`);
    parts.push(`<text class="tick" x="${x}" y="${top + h + 16}" text-anchor="middle" font-size="11">${escapeXml(tickLabel(t))}</text>`);
  }
  parts.push(`<text x="${left + w / 2}" y="${top + h + 36}" text-anchor="middle" font-size="12">${escapeXml(xLabel)}</text>`);
  const yTitleX = left - yTickWidth - 16;
  parts.push(`<text x="${yTitleX}" y="${top + h / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 ${yTitleX} ${top + h / 2})">${escapeXml(yLabel)}</text>`);
  return parts;
}

/** Pixel width of the widest tick label of a scale. */
function tickWidth(s: Scale): number {
  return Math.max(...s.ticks.map((t) => tickLabel(t).length)) * CHAR;
}

/** The x-tick labels stick out by half their width at both ends of the axis. */
function xOverhang(s: Scale): number {
  return (tickLabel(s.ticks[s.ticks.length - 1]).length * CHAR) / 2;
}

/** A legend column: one swatch and label per entry, from (x, y) down. */
function legendSvg(entries: ReadonlyArray<{ label: string; color: string; dash?: string; dot?: boolean }>, x: number, y: number): string[] {
  const parts: string[] = [];
  entries.forEach((e, i) => {
    const ly = y + i * 18;
    if (e.dot) parts.push(`<circle cx="${x + 10}" cy="${ly - 4}" r="4" fill="${e.color}"/>`);
    else parts.push(`<line x1="${x}" x2="${x + 20}" y1="${ly - 4}" y2="${ly - 4}" stroke="${e.color}" stroke-width="2"${e.dash ? ` stroke-dasharray="${e.dash}"` : ""}/>`);
    parts.push(`<text x="${x + 26}" y="${ly}" font-size="11">${escapeXml(e.label)}</text>`);
  });
  return parts;
}

function legendWidth(labels: readonly string[]): number {
  return labels.length ? 40 + Math.max(...labels.map((l) => l.length)) * CHAR : 0;
}

/** The outer <svg> with a white background and the title. */
function documentSvg(width: number, height: number, title: string, body: string[]): string {
  const w = Math.ceil(Math.max(width, title.length * 8 + 20)), h = Math.ceil(height);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${w / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    ...body,
    "</svg>",
    "",
  ].join("\n");
}

function checkSeries(where: string, series: ReadonlyArray<{ label: string }>): void {
  if (series.length === 0) throw new RangeError(`${where}: expected at least one series, got none`);
  for (const s of series) if (typeof s.label !== "string" || s.label === "") throw new RangeError(`${where}: every series needs a non-empty label, got ${JSON.stringify(s.label)}`);
}

const usablePoint = (xLog: boolean | undefined, yLog: boolean | undefined) => ([x, y]: readonly [number, number]) =>
  Number.isFinite(x) && Number.isFinite(y) && (!xLog || x > 0) && (!yLog || y > 0);

/** Frame and scales of a one-panel x–y chart whose legend lists `labels`. */
function layoutXY(where: string, x: Axis, y: Axis, points: ReadonlyArray<readonly [number, number]>, labels: readonly string[]): { frame: Frame; xs: Scale; ys: Scale; yTick: number; total: number } {
  const probe = makeScale(y, points.map((p) => p[1]), 0, 1, where);
  const yTick = tickWidth(probe);
  const left = Math.ceil(yTick + 36);
  const frame = { left, top: PLOT.top, width: PLOT.width, height: PLOT.height };
  const xs = makeScale(x, points.map((p) => p[0]), left, left + PLOT.width, where);
  const ys = makeScale(y, points.map((p) => p[1]), PLOT.top + PLOT.height, PLOT.top, where);
  const total = left + PLOT.width + Math.max(xOverhang(xs), 16) + legendWidth(labels);
  return { frame, xs, ys, yTick, total };
}

type LegendEntry = Parameters<typeof legendSvg>[0][number];
type Point = readonly [number, number];

/**
 * What line and scatter plots share: the checks, the axes, one
 * `<g class="series">` per series with the content `draw` makes of its
 * usable points (in SVG coordinates), and the legend.
 */
function xyPlotSvg<S extends { readonly label: string; readonly points: ReadonlyArray<Point> }>(
  where: string, plot: { readonly title: string; readonly x: Axis; readonly y: Axis; readonly series: readonly S[] },
  legendEntry: (s: S, i: number) => LegendEntry, draw: (points: Point[], entry: LegendEntry, xs: Scale, ys: Scale) => string,
): string {
  checkSeries(where, plot.series);
  const usable = usablePoint(plot.x.log, plot.y.log);
  const all = plot.series.flatMap((s) => s.points.filter(usable));
  const { frame, xs, ys, yTick, total } = layoutXY(where, plot.x, plot.y, all, plot.series.map((s) => s.label));
  const body = axesSvg(frame, xs, ys, plot.x.label, plot.y.label, yTick);
  const legend = plot.series.map(legendEntry);
  plot.series.forEach((s, i) => {
    body.push(`<g class="series" data-series="${escapeXml(s.label)}">${draw(s.points.filter(usable), legend[i], xs, ys)}</g>`);
  });
  body.push(...legendSvg(legend, frame.left + frame.width + Math.max(xOverhang(xs), 16), frame.top + 12));
  return documentSvg(total, PLOT.top + PLOT.height + PLOT.bottom, plot.title, body);
}

/**
 * An SVG document (a string) with one polyline per series over shared axes,
 * a legend naming each series, and ticks from `niceTicks` (linear) or
 * `logTicks` (log axes).
 */
export function linePlotSvg(plot: LinePlot): string {
  const legendEntry = (s: LineSeries, i: number): LegendEntry => ({ label: s.label, color: s.color ?? PALETTE[i % PALETTE.length], dash: s.dash });
  return xyPlotSvg("linePlotSvg", plot, legendEntry, (pts, { color, dash }, xs, ys) => {
    const coords = pts.map(([px, py]) => `${xs.map(px).toFixed(1)},${ys.map(py).toFixed(1)}`);
    const markers = plot.markers ?? pts.length <= 30;
    const dots = markers || pts.length === 1 ? coords.map((c) => { const [cx, cy] = c.split(","); return `<circle cx="${cx}" cy="${cy}" r="2.5" fill="${color}"/>`; }).join("") : "";
    const line = pts.length > 1 ? `<polyline points="${coords.join(" ")}" fill="none" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ""}/>` : "";
    return `${line}${dots}`;
  });
}

/** An SVG document (a string) with one group of dots per series over shared axes, and a legend. */
export function scatterPlotSvg(plot: ScatterPlot): string {
  const legendEntry = (s: ScatterSeries, i: number): LegendEntry => ({ label: s.label, color: s.color ?? PALETTE[i % PALETTE.length], dot: true });
  return xyPlotSvg("scatterPlotSvg", plot, legendEntry, (pts, { color }, xs, ys) =>
    pts.map(([px, py]) => `<circle cx="${xs.map(px).toFixed(1)}" cy="${ys.map(py).toFixed(1)}" r="3.5" fill="${color}" fill-opacity="0.75"/>`).join(""));
}

/**
 * Counts of `values` in `bins` equal-width bins over [lo, hi] (the last bin
 * closed; values outside or not finite are not counted) → `bins` counts.
 */
export function histogramCounts(values: ArrayLike<number>, bins: number, lo: number, hi: number): number[] {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`histogramCounts: bins: expected an integer ≥ 1, got ${bins}`);
  if (!(hi > lo)) throw new RangeError(`histogramCounts: expected lo < hi, got lo ${lo}, hi ${hi}`);
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= lo && v <= hi)) continue;
    counts[Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins))]++;
  }
  return counts;
}

/**
 * An SVG document (a string) with the histogram of each series (the fraction
 * of its values per bin, so samples of different sizes compare) over the same
 * bins: outlined steps in one panel ("overlaid") or filled bars in one panel
 * per series ("small-multiples", same axes).
 */
export function histogramSvg(plot: HistogramPlot): string {
  const where = "histogramSvg";
  checkSeries(where, plot.series);
  const bins = plot.bins ?? 30;
  const finite = plot.series.flatMap((s) => Array.from(s.values).filter(Number.isFinite));
  let [lo, hi] = plot.range ?? extent(finite);
  if (finite.length === 0 && !plot.range) [lo, hi] = [0, 1];
  if (!(hi > lo)) { lo -= 0.5; hi += 0.5; }
  const fractions = plot.series.map((s) => histogramCounts(s.values, bins, lo, hi).map((c) => (s.values.length ? c / s.values.length : 0)));
  const colors = plot.series.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]);
  const top = Math.max(extent(fractions.flat())[1], 1e-9);
  const small = plot.layout === "small-multiples";
  const panels = small ? plot.series.length : 1;
  const panelWidth = small ? Math.max(160, Math.min(PLOT.width, 900 / panels)) : PLOT.width;
  const probe = makeScale({ label: "", range: [0, top * 1.05] }, [], 0, 1, where);
  const yTick = tickWidth(probe);
  const left0 = Math.ceil(yTick + 36);
  const gap = small ? Math.ceil(yTick + 24) : 0;
  const body: string[] = [];
  let right = 0;
  for (let p = 0; p < panels; p++) {
    const left = left0 + p * (panelWidth + gap);
    const frame = { left, top: PLOT.top, width: panelWidth, height: PLOT.height };
    const xs = makeScale({ label: plot.xLabel, range: [lo, hi] }, [], left, left + panelWidth, where);
    const ys = makeScale({ label: "fraction", range: [0, top * 1.05] }, [], PLOT.top + PLOT.height, PLOT.top, where);
    body.push(...axesSvg(frame, xs, ys, plot.xLabel, p === 0 ? "fraction of values" : "", yTick));
    const members = small ? [p] : plot.series.map((_, i) => i);
    for (const i of members) {
      const edge = (b: number) => xs.map(lo + ((hi - lo) * b) / bins);
      const f = fractions[i];
      const shape = small
        ? f.map((v, b) => `<rect x="${edge(b).toFixed(1)}" y="${ys.map(v).toFixed(1)}" width="${(edge(b + 1) - edge(b)).toFixed(1)}" height="${(ys.map(0) - ys.map(v)).toFixed(1)}" fill="${colors[i]}" fill-opacity="0.7"/>`).join("")
        : `<polyline points="${f.map((v, b) => `${edge(b).toFixed(1)},${ys.map(v).toFixed(1)} ${edge(b + 1).toFixed(1)},${ys.map(v).toFixed(1)}`).join(" ")}" fill="none" stroke="${colors[i]}" stroke-width="2"/>`;
      body.push(`<g class="series" data-series="${escapeXml(plot.series[i].label)}">${shape}</g>`);
    }
    if (small) body.push(`<text x="${left + panelWidth / 2}" y="${PLOT.top - 8}" text-anchor="middle" font-size="12">${escapeXml(plot.series[p].label)}</text>`);
    right = left + panelWidth + Math.max(xOverhang(xs), 16);
  }
  if (!small) body.push(...legendSvg(plot.series.map((s, i) => ({ label: s.label, color: colors[i] })), right, PLOT.top + 12));
  const total = right + (small ? 0 : legendWidth(plot.series.map((s) => s.label)));
  return documentSvg(total, PLOT.top + PLOT.height + PLOT.bottom, plot.title, body);
}

/** One panel of a heatmap figure: a label and values [height, width] row-major (row 0 drawn at the top). */
export interface HeatmapPanel {
  readonly label: string;
  readonly values: ArrayLike<number>;
  readonly width: number;
  readonly height: number;
}

/**
 * An SVG document (a string) with panels of gray-scale heatmaps side by side
 * (one <rect> per cell, black = range[0], white = range[1], values outside
 * clipped; 32 gray levels), each labelled — e.g. a target surface beside
 * its fits.
 */
export function heatmapsSvg(plot: { title: string; panels: readonly HeatmapPanel[]; range: readonly [number, number]; cellSize?: number }): string {
  const where = "heatmapsSvg";
  checkSeries(where, plot.panels);
  const [lo, hi] = plot.range;
  if (!(hi > lo)) throw new RangeError(`${where}: range: expected lo < hi, got [${lo}, ${hi}]`);
  const body: string[] = [];
  let left = 20;
  const top = PLOT.top + 4;
  let bottom = top;
  for (const p of plot.panels) {
    if (p.values.length !== p.width * p.height) throw new RangeError(`${where}: panel "${p.label}": expected ${p.width}·${p.height} = ${p.width * p.height} values, got ${p.values.length}`);
    const cell = plot.cellSize ?? Math.max(2, Math.floor(220 / Math.max(p.width, p.height)));
    const panelWidth = Math.max(cell * p.width, p.label.length * CHAR);
    const cells: string[] = [];
    const gray = (i: number) => {
      const v = Math.min(1, Math.max(0, (p.values[i] - lo) / (hi - lo)));
      // 32 gray levels: plenty for a picture, and runs of equal cells merge.
      return Number.isFinite(v) ? Math.round((Math.round(31 * v) * 255) / 31) : 0;
    };
    for (let r = 0; r < p.height; r++) {
      // Neighbouring cells of one row with the same gray level share one rect (smaller files, same picture).
      for (let c = 0; c < p.width; ) {
        const g = gray(r * p.width + c);
        let run = 1;
        while (c + run < p.width && gray(r * p.width + c + run) === g) run++;
        cells.push(`<rect x="${left + c * cell}" y="${top + r * cell}" width="${cell * run}" height="${cell}" fill="rgb(${g},${g},${g})"/>`);
        c += run;
      }
    }
    body.push(`<g class="series" data-series="${escapeXml(p.label)}">${cells.join("")}</g>`);
    body.push(`<text x="${left + panelWidth / 2}" y="${top - 8}" text-anchor="middle" font-size="12">${escapeXml(p.label)}</text>`);
    left += panelWidth + 20;
    bottom = Math.max(bottom, top + cell * p.height);
  }
  return documentSvg(left, bottom + 20, plot.title, body);
}
