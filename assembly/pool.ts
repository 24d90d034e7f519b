// max_pool2d forward (NCHW planes, f32) with the indices its backward needs:
// the loops of src/ops/max_pool2d.ts's maxPool2d, which a profile of LeNet-5
// training put at about a sixth of the time in JS.

/**
 * For each of `planes` H×W planes of x: y[p, oh, ow] = the maximum over the
 * window rows oh·sH − pH + i·dH, columns ow·sW − pW + j·dW inside the plane,
 * and indices[p, oh, ow] = its flat index h·W + w in the plane. Ties keep the
 * first element in window order; a NaN wins (the last NaN of the window), as
 * in the reference. y and indices are [planes, Ho, Wo].
 */
export function maxPool2dForward(
  x: usize, planes: i32, H: i32, W: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, dH: i32, dW: i32,
  Ho: i32, Wo: i32, y: usize, indices: usize,
): void {
  const inside = pH == 0 && pW == 0 && (Ho - 1) * sH + dH * (kH - 1) < H && (Wo - 1) * sW + dW * (kW - 1) < W;
  if (inside && kH == 2 && kW == 2 && dH == 1 && dW == 1) {
    maxPool2x2Inside(x, planes, H, W, sH, sW, Ho, Wo, y, indices);
    return;
  }
  if (sW == 1 || sW == 2) {
    maxPoolFourWide(x, planes, H, W, kH, kW, sH, sW, pH, pW, dH, dW, Ho, Wo, y, indices);
    return;
  }
  let o: usize = 0;
  for (let p = 0; p < planes; p++) {
    const plane = x + <usize>(p * H * W) * 4;
    for (let oh = 0; oh < Ho; oh++) {
      for (let ow = 0; ow < Wo; ow++) {
        maxPoolOne(plane, H, W, kH, kW, sH, sW, pH, pW, dH, dW, oh, ow, y + o * 4, indices + o * 4);
        o++;
      }
    }
  }
}

/** One output (oh, ow) of a plane: the window's maximum at `yo` and its flat index at `io` (the reference's order and ties). */
@inline
function maxPoolOne(plane: usize, H: i32, W: i32, kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, dH: i32, dW: i32, oh: i32, ow: i32, yo: usize, io: usize): void {
  let best: f32 = -Infinity;
  let at = -1;
  for (let i = 0; i < kH; i++) {
    const h = oh * sH - pH + i * dH;
    if (<u32>h >= <u32>H) continue; // padding: −∞, never the maximum
    for (let j = 0; j < kW; j++) {
      const w = ow * sW - pW + j * dW;
      if (<u32>w >= <u32>W) continue;
      const v = load<f32>(plane + <usize>(h * W + w) * 4);
      // Branch-free (a compare per element mispredicts on real data).
      const take = (at < 0) | (v > best) | (v != v);
      best = select<f32>(v, best, take);
      at = select<i32>(h * W + w, at, take);
    }
  }
  store<f32>(yo, best);
  store<i32>(io, at);
}

/**
 * Stride 1 or 2 along W (ResNet's 3×3/2 with padding 1, and most others):
 * four outputs of a row at once wherever all their window columns lie inside
 * the plane — per tap four consecutive input columns (stride 1) or the even
 * lanes of eight (stride 2), the reference's compares lane by lane in window
 * order, so the same values and indices —; the outputs near the left and
 * right edges one at a time (`maxPoolOne`). Reads up to one float past a row
 * (stride 2; the lane is discarded).
 */
function maxPoolFourWide(x: usize, planes: i32, H: i32, W: i32, kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, dH: i32, dW: i32, Ho: i32, Wo: i32, y: usize, indices: usize): void {
  // Outputs [owLo, owHi) have every window column inside the plane.
  const owLo = min(Wo, (pW + sW - 1) / sW);
  const span = W - 1 - (kW - 1) * dW + pW;
  const owHi = span < 0 ? owLo : max(owLo, min(Wo, span / sW + 1));
  const lanes = sW == 1 ? i32x4(0, 1, 2, 3) : i32x4(0, 2, 4, 6);
  let o: usize = 0;
  for (let p = 0; p < planes; p++) {
    const plane = x + <usize>(p * H * W) * 4;
    for (let oh = 0; oh < Ho; oh++) {
      let ow = 0;
      for (; ow < owLo; ow++) maxPoolOne(plane, H, W, kH, kW, sH, sW, pH, pW, dH, dW, oh, ow, y + (o + ow) * 4, indices + (o + ow) * 4);
      for (; ow + 4 <= owHi; ow += 4) {
        let best = f32x4.splat(-Infinity);
        let at = i32x4.splat(-1);
        let first = true;
        for (let i = 0; i < kH; i++) {
          const h = oh * sH - pH + i * dH;
          if (<u32>h >= <u32>H) continue;
          for (let j = 0; j < kW; j++) {
            const w0 = ow * sW - pW + j * dW;
            const q = plane + <usize>(h * W + w0) * 4;
            const v = sW == 1 ? v128.load(q) : v128.shuffle<f32>(v128.load(q), v128.load(q, 16), 0, 2, 4, 6);
            const idx = i32x4.add(i32x4.splat(h * W + w0), lanes);
            const take = first ? i32x4.splat(-1) : v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
            best = v128.bitselect(v, best, take);
            at = v128.bitselect(idx, at, take);
            first = false;
          }
        }
        v128.store(y + (o + ow) * 4, best);
        v128.store(indices + (o + ow) * 4, at);
      }
      for (; ow < Wo; ow++) maxPoolOne(plane, H, W, kH, kW, sH, sW, pH, pW, dH, dW, oh, ow, y + (o + ow) * 4, indices + (o + ow) * 4);
      o += <usize>Wo;
    }
  }
}

/** One candidate of a window, in window order: take it when the window has none yet, when it is larger, or when it is NaN. */
@inline
function better(v: f32, best: f32): bool {
  return (v > best) | (v != v);
}

/**
 * The common LeNet/VGG case: 2×2 windows, no dilation, no padding, every
 * window inside the plane — four loads and three branch-free compares per
 * output, in the reference's window order (row 0: left, right; row 1).
 */
function maxPool2x2Inside(x: usize, planes: i32, H: i32, W: i32, sH: i32, sW: i32, Ho: i32, Wo: i32, y: usize, indices: usize): void {
  const rowBytes = <usize>W * 4;
  let o: usize = 0;
  for (let p = 0; p < planes; p++) {
    const plane = x + <usize>(p * H * W) * 4;
    for (let oh = 0; oh < Ho; oh++) {
      const h = oh * sH;
      const row = plane + <usize>(h * W) * 4;
      let ow = 0;
      if (sW == 2) {
        // Four outputs at once: 8 consecutive floats of each row, split into
        // even (left) and odd (right) lanes; the same compares, lane-wise.
        const lanes = i32x4(0, 2, 4, 6);
        for (; ow + 4 <= Wo; ow += 4) {
          const q = row + <usize>(ow * 8);
          const a0 = v128.load(q), a1 = v128.load(q, 16);
          const b0 = v128.load(q + rowBytes), b1 = v128.load(q + rowBytes, 16);
          const topLeft = i32x4.add(i32x4.splat(h * W + 2 * ow), lanes);
          let best = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6);
          let at = topLeft;
          let v = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
          let take = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
          best = v128.bitselect(v, best, take);
          at = v128.bitselect(i32x4.add(topLeft, i32x4.splat(1)), at, take);
          v = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6);
          take = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
          best = v128.bitselect(v, best, take);
          at = v128.bitselect(i32x4.add(topLeft, i32x4.splat(W)), at, take);
          v = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
          take = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
          best = v128.bitselect(v, best, take);
          at = v128.bitselect(i32x4.add(topLeft, i32x4.splat(W + 1)), at, take);
          v128.store(y + o * 4, best);
          v128.store(indices + o * 4, at);
          o += 4;
        }
      }
      for (; ow < Wo; ow++) {
        const w = ow * sW;
        const q = row + <usize>w * 4;
        let best = load<f32>(q);
        let at = h * W + w;
        const v1 = load<f32>(q, 4);
        let take = better(v1, best);
        best = select<f32>(v1, best, take);
        at = select<i32>(h * W + w + 1, at, take);
        const v2 = load<f32>(q + rowBytes);
        take = better(v2, best);
        best = select<f32>(v2, best, take);
        at = select<i32>((h + 1) * W + w, at, take);
        const v3 = load<f32>(q + rowBytes, 4);
        take = better(v3, best);
        best = select<f32>(v3, best, take);
        at = select<i32>((h + 1) * W + w + 1, at, take);
        store<f32>(y + o * 4, best);
        store<i32>(indices + o * 4, at);
        o++;
      }
    }
  }
}

/**
 * max_pool2d's backward: dx ← 0, then for each of `planes` planes and each of
 * its `perPlane` outputs o, dx[p, indices[o]] += dy[o] (indices from the
 * forward, flat in the H·W plane; −1, a window with no element, adds
 * nothing). Overlapping windows that share a maximum add up there, in output
 * order, as in the reference's loop. dx is [planes, HW].
 */
export function maxPool2dBackward(dy: usize, indices: usize, planes: i32, perPlane: i32, HW: i32, dx: usize): void {
  memory.fill(dx, 0, <usize>planes * <usize>HW * 4);
  let o: usize = 0;
  for (let p = 0; p < planes; p++) {
    const plane = dx + <usize>p * <usize>HW * 4;
    for (let k = 0; k < perPlane; k++) {
      const at = load<i32>(indices + o * 4);
      if (at >= 0) {
        const q = plane + <usize>at * 4;
        store<f32>(q, load<f32>(q) + load<f32>(dy + o * 4));
      }
      o++;
    }
  }
}

// Global average pooling: adaptive_avg_pool2d with a 1×1 output
// (src/ops/avg_pool2d.ts), in f64 with the reference's sequential sum, so
// bit-equal to it.

/** y[p] ← (Σ x[p, ·]) / HW for `planes` planes of HW floats (the sum in f64, in order). */
export function globalAvgPoolForward(x: usize, planes: i32, HW: i32, y: usize): void {
  for (let p = 0; p < planes; p++) {
    const base = x + <usize>p * <usize>HW * 4;
    let sum: f64 = 0;
    for (let e = 0; e < HW; e++) sum += <f64>load<f32>(base + <usize>e * 4);
    store<f32>(y + <usize>p * 4, <f32>(sum / <f64>HW));
  }
}

/**
 * dx[p, ·] ← 0 + dy[p] / HW (rounded once to f32) for `planes` planes of HW
 * floats: the reference adds the share into a zeroed array, so −0 gives +0.
 */
export function globalAvgPoolBackward(dy: usize, planes: i32, HW: i32, dx: usize): void {
  for (let p = 0; p < planes; p++) {
    const share = <f32>(0.0 + <f64>load<f32>(dy + <usize>p * 4) / <f64>HW);
    const v = f32x4.splat(share);
    const base = dx + <usize>p * <usize>HW * 4;
    let e = 0;
    for (; e + 4 <= HW; e += 4) v128.store(base + <usize>e * 4, v);
    for (; e < HW; e++) store<f32>(base + <usize>e * 4, share);
  }
}
