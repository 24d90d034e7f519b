// softmax, log_softmax (src/ops/activations.ts) and cross_entropy with class
// indices (src/ops/class_losses.ts) over rows of C classes: float32 arrays
// [rows, C], the class axis last (contiguous).
//
// Lecture: 002 "Deep Neural Nets - Adaptations": softmax(z)ᵢ = exp(zᵢ) / Σₖ exp(zₖ),
// and the cross-entropy −Σᵢ yᵢ log softmax(z)ᵢ; 003 "Multi-Class Case":
// pₙᵏ = exp(yₙ[k]) / Σⱼ exp(yₙ[j]), Eₙ = −Σₖ tₙᵏ ln pₙᵏ. With a one-hot t only the
// true class's −log p survives, and ∂Eₙ/∂z = p − t (softmax minus one-hot).
//
// The reference's stable form, per row: m = maxₖ zₖ (first position k* of
// the max), s = Σ_{k≠k*} exp(zₖ − m) summed in k order, L = log1p(s);
//   softmax = exp(zₖ − m) / (1 + s),   log_softmax = (zₖ − m) − L,
// NaN for the whole row when m is not finite or s is NaN.
//
// Tolerance: none. Every kernel computes in f64 with the reference's
// operations in its order (sums sequential in k, the elementwise passes two
// lanes at a time in f64x2, which rounds each lane as the scalar code does),
// rounds to f32 only where the reference stores, and calls ./exp_f64.ts's
// `exactExp` / `exactExpPair`, the same bits as the engine's Math.exp: the
// results are bit-equal to the reference (spec/backend/backends.spec.ts lists
// these ops in BIT_EQUAL; spec/backend/softmax.spec.ts adds the edge cases).
// A tolerance was not an option worth having: with AssemblyScript's own exp
// (1 ulp of f64 apart from Math.exp on one argument in ten) exp(x) rounded to
// f32 did not differ once in 200,000 draws, but the backwards cancel —
// g − exp(l)·Σg, p − 1 for a confident row — and on 200,000 cancelling
// log_softmax rows 2.3 % differed, by up to 2048 ulp of f32 (relative
// 1.3·10⁻⁴): an ulp bound would not hold, only a loose relative one. log1p is needed once per row and is
// the one function the JS side computes, between two kernel calls
// (`softmaxRowStats`, then the glue replaces each s by L, then the next
// kernel): Math.log1p's algorithm differs between engine versions (V8 moved
// it to LLVM's libc), and calling the engine's own keeps the bits whatever
// the version.
//
// Row statistics `stats` are f64 pairs [rows, 2]: (m, s), then (m, L) with
// L = NaN for a row whose result is NaN.

import { exactExp, exactExpPair } from "./exp_f64";
import { load2, store2 } from "./f64_lanes";

/** exactExp of one value (for the spec that checks it against Math.exp). */
export function exactExpF64(x: f64): f64 {
  return exactExp(x);
}

/** exactExpPair of (a, b), stored as two f64 at `out` (for the spec). */
export function exactExpPairF64(a: f64, b: f64, out: usize): void {
  v128.store(out, exactExpPair(f64x2.replace_lane(f64x2.splat(a), 1, b)));
}

/** Position of the first maximum of row `p` (C floats) by `>`: a NaN never wins, a leading NaN stays. */
@inline
function argmaxRow(p: usize, C: i32): i32 {
  let kMax = 0;
  let best = load<f32>(p);
  for (let k = 1; k < C; k++) {
    const v = load<f32>(p + (<usize>k << 2));
    if (v > best) {
      best = v;
      kMax = k;
    }
  }
  return kMax;
}

/** e[k] = exp(zₖ − m) (f64) for row `p` of C floats, two at a time; returns s = Σ_{k≠kMax} e[k], summed in k order. */
@inline
function rowExps(p: usize, C: i32, m: f64, kMax: i32, e: usize): f64 {
  const vm = f64x2.splat(m);
  let k = 0;
  for (; k + 2 <= C; k += 2) v128.store(e + (<usize>k << 3), exactExpPair(f64x2.sub(load2(p + (<usize>k << 2)), vm)));
  if (k < C) store<f64>(e + (<usize>k << 3), exactExp(<f64>load<f32>(p + (<usize>k << 2)) - m));
  let s: f64 = 0;
  for (k = 0; k < C; k++) if (k != kMax) s += load<f64>(e + (<usize>k << 3));
  return s;
}

/** (m, s) of each row of x [rows, C] into stats [rows, 2] (f64). `scratch`: C f64. */
export function softmaxRowStats(x: usize, rows: i32, C: i32, stats: usize, scratch: usize): void {
  for (let r = 0; r < rows; r++) {
    const p = x + <usize>r * <usize>C * 4;
    const kMax = argmaxRow(p, C);
    const m = <f64>load<f32>(p + (<usize>kMax << 2));
    store<f64>(stats + (<usize>r << 4), m);
    store<f64>(stats + (<usize>r << 4) + 8, rowExps(p, C, m, kMax, scratch));
  }
}

/**
 * y = softmax of each row of x [rows, C] → y [rows, C]. `scratch`: C f64,
 * holding the row's exp(zₖ − m) between the sum and the division.
 */
export function softmaxForward(x: usize, rows: i32, C: i32, y: usize, scratch: usize): void {
  for (let r = 0; r < rows; r++) {
    const p = x + <usize>r * <usize>C * 4, q = y + <usize>r * <usize>C * 4;
    const kMax = argmaxRow(p, C);
    const m = <f64>load<f32>(p + (<usize>kMax << 2));
    const s = rowExps(p, C, m, kMax, scratch); // e[k*] = exp(0) = 1
    if (!isFinite(m) || isNaN(s)) {
      for (let k = 0; k < C; k++) store<f32>(q + (<usize>k << 2), NaN);
      continue;
    }
    const denominator = 1 + s, vd = f64x2.splat(denominator);
    let k = 0;
    for (; k + 2 <= C; k += 2) store2(q + (<usize>k << 2), f64x2.div(v128.load(scratch + (<usize>k << 3)), vd));
    if (k < C) store<f32>(q + (<usize>k << 2), <f32>(load<f64>(scratch + (<usize>k << 3)) / denominator));
  }
}

/** y = (zₖ − m) − L for each row of x [rows, C], with stats (m, L) per row (L = NaN makes the row NaN). */
export function logSoftmaxForward(x: usize, rows: i32, C: i32, stats: usize, y: usize): void {
  for (let r = 0; r < rows; r++) {
    const p = x + <usize>r * <usize>C * 4, q = y + <usize>r * <usize>C * 4;
    const m = load<f64>(stats + (<usize>r << 4)), L = load<f64>(stats + (<usize>r << 4) + 8);
    for (let k = 0; k < C; k++) store<f32>(q + (<usize>k << 2), <f32>((<f64>load<f32>(p + (<usize>k << 2)) - m) - L));
  }
}

/** softmax's backward per row: dz = y ⊙ (g − Σₖ gₖ yₖ), for dy, y, dz [rows, C]. */
export function softmaxBackward(dy: usize, y: usize, rows: i32, C: i32, dz: usize): void {
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * <usize>C * 4;
    let gy: f64 = 0;
    for (let k = 0; k < C; k++) {
      const i = o + (<usize>k << 2);
      gy += <f64>load<f32>(dy + i) * <f64>load<f32>(y + i);
    }
    for (let k = 0; k < C; k++) {
      const i = o + (<usize>k << 2);
      store<f32>(dz + i, <f32>(<f64>load<f32>(y + i) * (<f64>load<f32>(dy + i) - gy)));
    }
  }
}

/** log_softmax's backward per row: dz = g − exp(l) · Σₖ gₖ, for dy, l = log_softmax(z), dz [rows, C]. */
export function logSoftmaxBackward(dy: usize, l: usize, rows: i32, C: i32, dz: usize): void {
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * <usize>C * 4;
    let gSum: f64 = 0;
    for (let k = 0; k < C; k++) gSum += <f64>load<f32>(dy + o + (<usize>k << 2));
    const vs = f64x2.splat(gSum);
    let k = 0;
    for (; k + 2 <= C; k += 2) {
      const i = o + (<usize>k << 2);
      store2(dz + i, f64x2.sub(load2(dy + i), f64x2.mul(exactExpPair(load2(l + i)), vs)));
    }
    if (k < C) {
      const i = o + (<usize>k << 2);
      store<f32>(dz + i, <f32>(<f64>load<f32>(dy + i) - exactExp(<f64>load<f32>(l + i)) * gSum));
    }
  }
}

/**
 * The cross-entropy of each row of logits x [rows, C] against class index
 * target[r] (i32), with stats (m, L): lossᵣ = (1 − ε)·(−log p[t]) − (ε/C)·Σ_c log p[c]
 * (just −log p[t] when ε = 0), 0 where target = ignoreIndex; into losses [rows] (f64).
 * Targets are checked by the JS side (in [0, C) or ignoreIndex).
 */
export function crossEntropyLosses(x: usize, target: usize, rows: i32, C: i32, stats: usize, ignoreIndex: i32, eps: f64, losses: usize): void {
  for (let r = 0; r < rows; r++) {
    const t = load<i32>(target + (<usize>r << 2));
    let loss: f64 = 0;
    if (t != ignoreIndex) {
      const p = x + <usize>r * <usize>C * 4;
      const m = load<f64>(stats + (<usize>r << 4)), L = load<f64>(stats + (<usize>r << 4) + 8);
      loss = -((<f64>load<f32>(p + (<usize>t << 2)) - m) - L);
      if (eps > 0) {
        let sumLogp: f64 = 0;
        for (let c = 0; c < C; c++) sumLogp += (<f64>load<f32>(p + (<usize>c << 2)) - m) - L;
        loss = (1 - eps) * loss - (eps / <f64>C) * sumLogp;
      }
    }
    store<f64>(losses + (<usize>r << 3), loss);
  }
}

/**
 * cross_entropy's backward: dz[r, c] = gᵣ · (exp(log p[c]) − (1 − ε)·1[c = t] − ε/C),
 * log p[c] = (z[r, c] − m) − L, 0 on rows whose target is ignoreIndex.
 * gᵣ = dy[r] (f32 [rows]) when `perRow` (reduction "none"), else `scale`.
 */
export function crossEntropyBackward(x: usize, target: usize, rows: i32, C: i32, stats: usize, ignoreIndex: i32, eps: f64,
  dy: usize, perRow: i32, scale: f64, dz: usize): void {
  const smooth = eps / <f64>C, keep = 1 - eps;
  for (let r = 0; r < rows; r++) {
    const t = load<i32>(target + (<usize>r << 2));
    const p = x + <usize>r * <usize>C * 4, q = dz + <usize>r * <usize>C * 4;
    if (t == ignoreIndex) {
      memory.fill(q, 0, <usize>C * 4);
      continue;
    }
    const g = perRow ? <f64>load<f32>(dy + (<usize>r << 2)) : scale;
    const m = load<f64>(stats + (<usize>r << 4)), L = load<f64>(stats + (<usize>r << 4) + 8);
    const vm = f64x2.splat(m), vL = f64x2.splat(L), vg = f64x2.splat(g), vsmooth = f64x2.splat(smooth);
    let c = 0;
    for (; c + 2 <= C; c += 2) {
      const e = exactExpPair(f64x2.sub(f64x2.sub(load2(p + (<usize>c << 2)), vm), vL));
      // keep·1[c = t] lane by lane: keep·1 = keep, keep·0 = +0 (keep = 1 − ε ≥ 0)
      const hot = f64x2.replace_lane(f64x2.splat(c == t ? keep : 0), 1, c + 1 == t ? keep : 0);
      store2(q + (<usize>c << 2), f64x2.mul(vg, f64x2.sub(f64x2.sub(e, hot), vsmooth)));
    }
    if (c < C) {
      const logp = (<f64>load<f32>(p + (<usize>c << 2)) - m) - L;
      const oneHot: f64 = c == t ? 1 : 0;
      store<f32>(q + (<usize>c << 2), <f32>(g * (exactExp(logp) - keep * oneHot - smooth)));
    }
  }
}
