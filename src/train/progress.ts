/**
 * Text for progress reports: a progress bar for terminals and plain lines
 * for logs. Pure string functions — the CLI decides where they go.
 */
import type { EpochReport, StepProgress } from "./train.js";

/** `[██████░░░░░░]` of `width` cells for a fraction in [0, 1]. */
export function progressBar(fraction: number, width = 24): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(f * width);
  return `[${"█".repeat(full)}${"░".repeat(width - full)}]`;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** One line for the terminal's progress bar: epoch, bar, step, loss, accuracy so far, speed. */
export function formatStep(p: StepProgress, epochs: number): string {
  const speed = p.seconds > 0 ? Math.round(p.running.count / p.seconds) : 0;
  return `epoch ${p.epoch}/${epochs} ${progressBar(p.step / p.batches)} ${p.step}/${p.batches}  loss ${p.running.loss.toFixed(4)}  acc ${pct(p.running.accuracy)}  ${speed} img/s`;
}

/** One plain line per epoch: train and test loss, accuracy, top-k error, speed and time. */
export function formatEpoch(r: EpochReport, epochs: number, k = 5): string {
  return [
    `epoch ${r.epoch}/${epochs}`,
    `train loss ${r.train.loss.toFixed(4)} acc ${pct(r.train.accuracy)} top-${k} err ${pct(r.train.topKError)}`,
    `test loss ${r.test.loss.toFixed(4)} acc ${pct(r.test.accuracy)} top-${k} err ${pct(r.test.topKError)}`,
    `${Math.round(r.imagesPerSecond)} img/s, ${(r.trainSeconds + r.evalSeconds).toFixed(1)} s`,
  ].join(" | ");
}
