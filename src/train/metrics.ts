/**
 * Classification metrics from class scores (logits) [N, C] and class indices
 * [N]:
 *
 * - accuracy (002, "Neural Net – Training"): (1/n) Σᵢ 1[argmax_j ỹ_j⁽ⁱ⁾ = yᵢ],
 *   the argmax taking the first of tied scores (as torch.argmax);
 * - top-k error (000 and 001's ImageNet "top-5 error", AlexNet's measure): the
 *   share of images whose true class is not among the k highest scores;
 * - confusion counts: counts[true][predicted].
 *
 * And per-pixel metrics of segmentation (000, "Semantic Segmentation"), from
 * int32 class maps of one shape (e.g. [N, H, W]): pixel accuracy, the
 * confusion matrix, mean intersection-over-union, the majority-class rate.
 *
 * Ranks are strict: class j outranks the true class t when s_j > s_t, or
 * s_j = s_t and j < t — so top-1 correct is exactly argmax correct.
 */
import { shapeString, type Tensor } from "../tensor.js";

function checkScores(where: string, scores: Tensor, target: Tensor): { n: number; c: number } {
  if (scores.rank !== 2) throw new RangeError(`${where}: scores: expected [N, C], got shape ${shapeString(scores.shape)}`);
  if (scores.dtype === "int32") throw new RangeError(`${where}: scores: expected a float tensor, got int32`);
  if (target.rank !== 1 || target.dtype !== "int32") throw new RangeError(`${where}: target: expected int32 class indices [N], got ${target.dtype} ${shapeString(target.shape)}`);
  const [n, c] = scores.shape;
  if (target.shape[0] !== n) throw new RangeError(`${where}: target: expected ${n} class indices (one per row of scores), got ${target.shape[0]}`);
  for (let i = 0; i < n; i++) {
    const t = target.data[i];
    if (!(t >= 0 && t < c)) throw new RangeError(`${where}: target[${i}]: expected a class in 0 … ${c - 1}, got ${t}`);
  }
  return { n, c };
}

/** argmax of each row of scores [N, C] (first index among ties) → Int32Array [N]. */
export function argmaxRows(scores: Tensor): Int32Array {
  if (scores.rank !== 2) throw new RangeError(`argmaxRows: expected scores [N, C], got shape ${shapeString(scores.shape)}`);
  const [n, c] = scores.shape;
  const s = scores.data;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (s[i * c + j] > s[i * c + best]) best = j;
    out[i] = best;
  }
  return out;
}

/**
 * Rank of the true class of each row: the number of classes that outrank it
 * (0 = predicted). Int32Array [N].
 */
export function trueClassRanks(scores: Tensor, target: Tensor): Int32Array {
  const { n, c } = checkScores("trueClassRanks", scores, target);
  const s = scores.data;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const t = target.data[i];
    const st = s[i * c + t];
    let rank = 0;
    for (let j = 0; j < c; j++) {
      const sj = s[i * c + j];
      if (sj > st || (sj === st && j < t)) rank++;
    }
    out[i] = rank;
  }
  return out;
}

/** Number of rows whose argmax is the target. */
export function countCorrect(scores: Tensor, target: Tensor): number {
  return countTopK(scores, target, 1);
}

/** Number of rows whose target is among the k highest scores. */
export function countTopK(scores: Tensor, target: Tensor, k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`countTopK: expected k to be an integer ≥ 1, got ${k}`);
  let correct = 0;
  for (const r of trueClassRanks(scores, target)) if (r < k) correct++;
  return correct;
}

/** Accuracy: the share of rows whose argmax is the target (002). */
export function accuracy(scores: Tensor, target: Tensor): number {
  return countCorrect(scores, target) / target.size;
}

/** Top-k error: the share of rows whose target is NOT among the k highest scores. */
export function topKError(scores: Tensor, target: Tensor, k: number): number {
  return 1 - countTopK(scores, target, k) / target.size;
}

/** Confusion counts [C × C], row = true class, column = predicted (argmax) class, row-major. */
export function confusionCounts(scores: Tensor, target: Tensor): Int32Array {
  const { c } = checkScores("confusionCounts", scores, target);
  const predicted = argmaxRows(scores);
  const counts = new Int32Array(c * c);
  for (let i = 0; i < predicted.length; i++) counts[target.data[i] * c + predicted[i]]++;
  return counts;
}

/** Loss, accuracy and top-k error of a pass over a dataset. */
export interface PassMetrics {
  /** Mean cross-entropy per image. */
  readonly loss: number;
  readonly accuracy: number;
  /** 1 − (share with the true class among the k highest scores). */
  readonly topKError: number;
  /** Images counted. */
  readonly count: number;
}

/** Adds up per-batch results into `PassMetrics` (the loss weighted by batch size). */
export class MetricsAccumulator {
  private lossSum = 0;
  private correct = 0;
  private topKCorrect = 0;
  private count = 0;

  constructor(readonly k: number) {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`MetricsAccumulator: expected k to be an integer ≥ 1, got ${k}`);
  }

  /** Adds one batch: its mean loss, scores [B, C] and targets [B]. */
  add(meanLoss: number, scores: Tensor, target: Tensor): void {
    const ranks = trueClassRanks(scores, target);
    for (const r of ranks) {
      if (r === 0) this.correct++;
      if (r < this.k) this.topKCorrect++;
    }
    this.lossSum += meanLoss * ranks.length;
    this.count += ranks.length;
  }

  /** The metrics so far (NaN while empty). */
  result(): PassMetrics {
    const n = this.count;
    return { loss: this.lossSum / n, accuracy: this.correct / n, topKError: 1 - this.topKCorrect / n, count: n };
  }
}

// ───────────────────────────── per-pixel metrics (segmentation) ─────────────────────────────

function checkLabels(where: string, predicted: Tensor, target: Tensor, numClasses: number): void {
  if (predicted.dtype !== "int32" || target.dtype !== "int32") throw new RangeError(`${where}: expected int32 class maps, got ${predicted.dtype} and ${target.dtype}`);
  if (predicted.rank !== target.rank || predicted.shape.some((d, i) => d !== target.shape[i])) {
    throw new RangeError(`${where}: expected predictions of the target's shape ${shapeString(target.shape)}, got ${shapeString(predicted.shape)}`);
  }
  for (const [name, t] of [["predicted", predicted], ["target", target]] as const) {
    for (let q = 0; q < t.size; q++) {
      if (t.data[q] < 0 || t.data[q] >= numClasses) throw new RangeError(`${where}: ${name}: expected classes in [0, ${numClasses - 1}], got ${t.data[q]} at flat index ${q}`);
    }
  }
}

/** Counts M[t][p] of pixels of true class t predicted as p: predicted, target int32 of one shape (e.g. [N, H, W]). */
export function confusionMatrix(predicted: Tensor, target: Tensor, numClasses: number): number[][] {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new RangeError(`confusionMatrix: numClasses: expected a positive integer, got ${String(numClasses)}`);
  checkLabels("confusionMatrix", predicted, target, numClasses);
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let q = 0; q < target.size; q++) m[target.data[q]][predicted.data[q]]++;
  return m;
}

/** The fraction of pixels whose predicted class is the true one. predicted, target: int32 class maps of one shape (e.g. [N, H, W]). */
export function pixelAccuracy(predicted: Tensor, target: Tensor): number {
  checkLabels("pixelAccuracy", predicted, target, Infinity);
  let correct = 0;
  for (let q = 0; q < target.size; q++) if (predicted.data[q] === target.data[q]) correct++;
  return correct / target.size;
}

/**
 * Intersection over union per class, IoU_c = TP / (TP + FP + FN), and their
 * mean over the classes that occur in the target or the prediction (a class
 * absent from both has no IoU: null, left out of the mean). predicted, target:
 * int32 class maps of one shape (e.g. [N, H, W]); perClass has numClasses entries.
 */
export function meanIoU(predicted: Tensor, target: Tensor, numClasses: number): { perClass: Array<number | null>; mean: number } {
  const m = confusionMatrix(predicted, target, numClasses);
  const perClass = m.map((row, c) => {
    const tp = row[c];
    const fn = row.reduce((s, v) => s + v, 0) - tp;
    const fp = m.reduce((s, r) => s + r[c], 0) - tp;
    return tp + fp + fn === 0 ? null : tp / (tp + fp + fn);
  });
  const present = perClass.filter((v): v is number => v !== null);
  return { perClass, mean: present.reduce((s, v) => s + v, 0) / present.length };
}

/** The share of the most frequent class among the target's pixels: the accuracy of always predicting it. target: int32 class map of any shape (e.g. [N, H, W]). */
export function majorityClassRate(target: Tensor, numClasses: number): number {
  const counts = new Array<number>(numClasses).fill(0);
  for (let q = 0; q < target.size; q++) counts[target.data[q]]++;
  return Math.max(...counts) / target.size;
}
