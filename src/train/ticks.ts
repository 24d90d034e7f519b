/**
 * Axis ticks and labels shared by every SVG chart (./plot.ts's learning
 * curves and ./charts.ts's lecture figures): round linear steps, decades on a
 * log axis, and labels short enough never to leave a chart's margin.
 */

/** Escapes text for SVG attributes and elements. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A number with at most `digits` significant digits, without trailing zeros. */
export function short(x: number, digits = 3): string {
  return Number(x.toPrecision(digits)).toString();
}

/**
 * A tick label of at most 9 characters: plain digits for 0.001 ≤ |x| < 100000
 * (3 significant digits), otherwise mantissa and exponent ("1e17", "-2.5e-7"),
 * so a label never runs past the panel's left margin.
 */
export function tickLabel(x: number): string {
  if (x === 0 || !Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e5) return short(x);
  const [mantissa, exponent] = x.toExponential(2).split("e");
  return `${Number(mantissa)}e${Number(exponent)}`;
}

/**
 * Tick values of a base-10 log axis covering [lo, hi] (lo > 0): the powers of
 * ten inside it, thinned to at most about `count`; over less than two decades
 * also 2× and 5× each power, so at least two ticks show.
 */
export function logTicks(lo: number, hi: number, count = 6): number[] {
  if (!(lo > 0) || !(hi >= lo)) throw new RangeError(`logTicks: expected 0 < lo ≤ hi, got lo ${lo}, hi ${hi}`);
  const first = Math.floor(Math.log10(lo) + 1e-9), last = Math.ceil(Math.log10(hi) - 1e-9);
  const decades = last - first;
  const wide = Math.log10(hi / lo) >= 2;
  const stride = Math.max(1, Math.ceil(decades / count));
  const inside = (t: number) => t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9);
  const ticks: number[] = [];
  for (let e = first; e <= last; e++) {
    const p = Number((10 ** e).toPrecision(12));
    if (wide) {
      if ((e - first) % stride === 0 && inside(p)) ticks.push(p);
    } else {
      for (const m of [1, 2, 5]) if (inside(Number((m * 10 ** e).toPrecision(12)))) ticks.push(Number((m * 10 ** e).toPrecision(12)));
    }
  }
  return ticks.length >= 2 ? ticks : [lo, hi];
}

/** About five round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const rough = (hi - lo) / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}
