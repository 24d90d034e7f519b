/**
 * Learning curves on a canvas: per-step training values (faint), their
 * moving average (solid) and the test set's value after each epoch (dots).
 */

/** One curve's points: x = training step. */
export interface Series {
  readonly label: string;
  readonly color: string;
  readonly points: ReadonlyArray<{ x: number; y: number }>;
  /** Draw dots instead of a line (the per-epoch test values). */
  readonly dots?: boolean;
  /** Draw faintly (the noisy per-step values). */
  readonly faint?: boolean;
}

/** Round tick values covering [lo, hi]. */
function ticks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo || 1;
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

/** A moving average over `window` points (what the solid training line shows). */
export function smooth(points: ReadonlyArray<{ x: number; y: number }>, window: number): Array<{ x: number; y: number }> {
  const out: Array<{ x: number; y: number }> = [];
  let sum = 0;
  for (let i = 0; i < points.length; i++) {
    sum += points[i].y;
    if (i >= window) sum -= points[i - window].y;
    out.push({ x: points[i].x, y: sum / Math.min(i + 1, window) });
  }
  return out;
}

/**
 * Draws `series` on `canvas` with axes; y from `yRange` (or the data's range
 * from 0), x from 0 to the last step. `title` names the y quantity.
 */
export function drawChart(canvas: HTMLCanvasElement, title: string, series: readonly Series[], yRange?: [number, number]): void {
  const ctx = canvas.getContext("2d")!;
  const { width, height } = canvas;
  const left = 44;
  const right = 10;
  const bottom = 26;
  ctx.clearRect(0, 0, width, height);
  ctx.font = "12px system-ui, sans-serif";
  ctx.fillStyle = "#222";
  ctx.fillText(title, left, 14);
  // The legend after the title, wrapping onto further lines when the canvas is narrow.
  const legend: Array<{ s: Series; x: number; y: number }> = [];
  let lx = left + ctx.measureText(title).width + 18;
  let ly = 6;
  for (const s of series.filter((t) => !t.faint)) {
    const w = ctx.measureText(s.label).width + 30;
    if (lx + w > width - right && lx > left) {
      lx = left;
      ly += 16;
    }
    legend.push({ s, x: lx, y: ly });
    lx += w;
  }
  const top = ly + 16;
  const all = series.flatMap((s) => s.points);
  const xMax = Math.max(10, ...all.map((p) => p.x));
  const finite = all.map((p) => p.y).filter(Number.isFinite);
  const [yLo, yHi] = yRange ?? [0, Math.max(0.1, ...finite) * 1.05];
  const px = (x: number) => left + (x / xMax) * (width - left - right);
  const py = (y: number) => top + (1 - (Math.min(Math.max(y, yLo), yHi) - yLo) / (yHi - yLo)) * (height - top - bottom);
  ctx.strokeStyle = "#ddd";
  ctx.fillStyle = "#555";
  ctx.lineWidth = 1;
  for (const y of ticks(yLo, yHi, 4)) {
    ctx.beginPath();
    ctx.moveTo(left, py(y));
    ctx.lineTo(width - right, py(y));
    ctx.stroke();
    ctx.fillText(String(y), 4, py(y) + 4);
  }
  for (const x of ticks(0, xMax, 5)) if (px(x) < width - right - 48) ctx.fillText(String(x), px(x) - 6, height - 8);
  ctx.fillText("step", width - right - 28, height - 8);
  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    ctx.globalAlpha = s.faint ? 0.25 : 1;
    ctx.lineWidth = s.faint ? 1 : 2;
    if (s.dots) {
      for (const p of s.points) {
        ctx.beginPath();
        ctx.arc(px(p.x), py(p.y), 3.5, 0, 2 * Math.PI);
        ctx.fill();
      }
    } else {
      ctx.beginPath();
      s.points.forEach((p, i) => (i === 0 ? ctx.moveTo(px(p.x), py(p.y)) : ctx.lineTo(px(p.x), py(p.y))));
      ctx.stroke();
    }
  }
  ctx.globalAlpha = 1;
  for (const { s, x, y } of legend) {
    ctx.fillStyle = s.color;
    ctx.fillRect(x, y, 10, 10);
    ctx.fillStyle = "#222";
    ctx.fillText(s.label, x + 14, y + 9);
  }
}
