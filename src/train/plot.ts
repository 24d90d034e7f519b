/**
 * Learning curves as a hand-written SVG (no dependency): loss and accuracy
 * per epoch, training set and test set, in two panels side by side.
 * Training values are the epoch's running averages (./train.ts); a single
 * epoch is drawn as points. A loss that spans more than three decades (a
 * diverging run: 1e17 beside 0.5) gets a log axis, and tick labels are kept
 * short enough (`tickLabel`) to fit the margin.
 */
import { escapeXml, logTicks, niceTicks, short, tickLabel } from "./ticks.js";
import type { EpochReport } from "./train.js";

/** One curve: a name, a colour and values by epoch. */
interface Series {
  readonly label: string;
  readonly color: string;
  readonly dash: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

const WIDTH = 880;
const HEIGHT = 360;
// Left margins leave room for tick labels of up to 10 characters (see tickLabel) and the rotated axis title.
const PANEL = { width: 360, height: 240, top: 66, left: [78, 508] as const };
/** A range wider than this many decades (all values positive) is drawn on a log axis. */
const LOG_AXIS_DECADES = 3;

function panel(title: string, yLabel: string, series: Series[], left: number, epochs: number, yRange: [number, number] | null, legendAt: "top" | "bottom"): string {
  const { width: w, height: h, top } = PANEL;
  const values = series.flatMap((s) => s.points.map(([, y]) => y)).filter(Number.isFinite);
  const positive = values.length > 0 && values.every((v) => v > 0);
  const logAxis = !yRange && positive && Math.log10(Math.max(...values) / Math.min(...values)) > LOG_AXIS_DECADES;
  let lo: number, hi: number, ticks: number[];
  if (logAxis) {
    // The axis runs between the decades that enclose the data, so its ends carry ticks.
    // At most about six ticks: every stride-th decade, the top one rounded up to a tick.
    const first = Math.floor(Math.log10(Math.min(...values)));
    const stride = Math.max(1, Math.ceil((Math.ceil(Math.log10(Math.max(...values))) - first) / 6));
    const last = first + Math.ceil((Math.log10(Math.max(...values)) - first) / stride) * stride;
    ticks = logTicks(10 ** first, 10 ** last);
    [lo, hi] = [first, last];
  } else {
    [lo, hi] = yRange ?? [Math.min(...values), Math.max(...values)];
    if (!(hi > lo)) { lo -= 0.5; hi += 0.5; }
    const pad = (hi - lo) * 0.05;
    if (!yRange) { lo = Math.max(0, lo - pad); hi += pad; }
    ticks = niceTicks(lo, hi);
  }
  const x = (epoch: number) => left + (epochs <= 1 ? w / 2 : ((epoch - 1) / (epochs - 1)) * w);
  const y = (v: number) => top + h - (((logAxis ? Math.log10(v) : v) - lo) / (hi - lo)) * h;
  const parts: string[] = [];
  parts.push(`<text x="${left + w / 2}" y="${top - 18}" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`);
  parts.push(`<rect x="${left}" y="${top}" width="${w}" height="${h}" fill="none" stroke="#888"/>`);
  for (const t of ticks) {
    parts.push(`<line x1="${left}" x2="${left + w}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#eee"/>`);
    parts.push(`<text x="${left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" font-size="11">${tickLabel(t)}</text>`);
  }
  const xTicks = epochs <= 1 ? [1] : niceTicks(1, epochs).filter((t) => Number.isInteger(t) && t >= 1);
  for (const t of xTicks) {
    parts.push(`<text x="${x(t).toFixed(1)}" y="${top + h + 16}" text-anchor="middle" font-size="11">${t}</text>`);
  }
  parts.push(`<text x="${left + w / 2}" y="${top + h + 34}" text-anchor="middle" font-size="12">epoch</text>`);
  const axisTitle = logAxis ? `${yLabel} (log scale)` : yLabel;
  parts.push(`<text x="${left - 62}" y="${top + h / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 ${left - 62} ${top + h / 2})">${escapeXml(axisTitle)}</text>`);
  series.forEach((s, i) => {
    const pts = s.points.filter(([, v]) => Number.isFinite(v));
    if (pts.length > 1) {
      const d = pts.map(([e, v]) => `${x(e).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
      parts.push(`<polyline points="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""}/>`);
    }
    for (const [e, v] of pts) parts.push(`<circle cx="${x(e).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${s.color}"><title>${escapeXml(`${s.label}, epoch ${e}: ${short(v, 4)}`)}</title></circle>`);
    const ly = legendAt === "top" ? top + 14 + i * 16 : top + h - 10 - (series.length - 1 - i) * 16;
    parts.push(`<line x1="${left + w - 120}" x2="${left + w - 100}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""}/>`);
    parts.push(`<text x="${left + w - 94}" y="${ly}" font-size="11">${escapeXml(s.label)}</text>`);
  });
  return parts.join("\n");
}

/**
 * An SVG document (a string) with the loss and accuracy curves of `history`
 * on the training and test sets; `title` heads it.
 */
export function learningCurvesSvg(history: readonly EpochReport[], title = "training"): string {
  if (history.length === 0) throw new RangeError("learningCurvesSvg: expected at least one epoch report, got none");
  const epochs = Math.max(...history.map((r) => r.epoch));
  const pick = (f: (r: EpochReport) => number): Array<[number, number]> => history.map((r) => [r.epoch, f(r)]);
  const train = { label: "train (running)", color: "#1f77b4", dash: "" };
  const test = { label: "test", color: "#d62728", dash: "6 3" };
  const loss = panel("Loss (cross-entropy)", "loss", [
    { ...train, points: pick((r) => r.train.loss) },
    { ...test, points: pick((r) => r.test.loss) },
  ], PANEL.left[0], epochs, null, "top");
  const acc = panel("Accuracy", "accuracy", [
    { ...train, points: pick((r) => r.train.accuracy) },
    { ...test, points: pick((r) => r.test.accuracy) },
  ], PANEL.left[1], epochs, [0, 1], "bottom");
  const last = history[history.length - 1];
  const caption = `after epoch ${last.epoch}: test accuracy ${short(last.test.accuracy, 4)}, test loss ${short(last.test.loss, 4)}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
    loss,
    acc,
    `<text x="${WIDTH / 2}" y="${HEIGHT - 6}" text-anchor="middle" font-size="12" fill="#444">${escapeXml(caption)}</text>`,
    "</svg>",
    "",
  ].join("\n");
}
