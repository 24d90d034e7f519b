// e^x in f64, the same bits as V8's Math.exp: a port of fdlibm's e_exp.c in the
// form V8 compiles it (src/base/ieee754.cc `exp`, with its exp(1) = E special
// case), operation for operation. AssemblyScript's own Math.exp (musl's table
// version) is as accurate but rounds differently in about one call in ten
// (measured on 2·10⁶ arguments), and the reference ops (src/ops/) call the
// engine's Math.exp: the softmax kernels (./softmax.ts) call this one so that
// their results are bit-equal to the reference. spec/backend/softmax.spec.ts
// checks it against Math.exp on special values and random bit patterns; an
// engine whose Math.exp is another algorithm fails that spec.
//
// ====================================================
// Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
//
// Developed at SunSoft, a Sun Microsystems, Inc. business.
// Permission to use, copy, modify, and distribute this
// software is freely granted, provided that this notice
// is preserved.
// ====================================================
//
// Method: x = k·ln2 + r with |r| ≤ ½ln2 (r = hi − lo), e^r = 1 + r + r·c/(2 − c)
// with c = r − r²·(P1 + r²·(P2 + … + r²·P5)) (Remez, error < 2⁻⁵⁹), then
// e^x = 2^k·e^r. Error < 1 ulp.
//
// `exactExpPair` computes two at a time in f64x2 lanes with the same
// operations: for 2⁻²⁸ ≤ |x| < 700 (x ≠ 1) every branch of the scalar code is
// one formula — k = ±1 for ½ln2 < |x| < 1.5·ln2 is what the truncation gives
// there, and the k = 0 form 1 − ((x·c)/(c − 2) − x) equals the general one with
// hi = x, lo = 0, since a/(−b) = −(a/b) and 0 − q = −q for q ≠ 0 —, and 2^k
// is one multiply; a pair with a lane outside that range goes lane by lane
// through `exactExp`.

const O_THRESHOLD = reinterpret<f64>(0x40862E42FEFA39EF); //  709.782712893383973096
const U_THRESHOLD = reinterpret<f64>(0xC0874910D52D3051); // -745.13321910194110842
const LN2_HI = reinterpret<f64>(0x3FE62E42FEE00000);
const LN2_LO = reinterpret<f64>(0x3DEA39EF35793C76);
const INV_LN2 = reinterpret<f64>(0x3FF71547652B82FE);
const P1 = reinterpret<f64>(0x3FC555555555553E);
const P2 = reinterpret<f64>(0xBF66C16C16BEBD93);
const P3 = reinterpret<f64>(0x3F11566AAF25DE2C);
const P4 = reinterpret<f64>(0xBEBBBD41C5D26BF1);
const P5 = reinterpret<f64>(0x3E66376972BEA4D0);
const E = reinterpret<f64>(0x4005BF0A8B145769); // V8 returns this for exp(1.0)
const TWO_M1000 = reinterpret<f64>(0x0170000000000000); // 2⁻¹⁰⁰⁰
const TWO_1023 = reinterpret<f64>(0x7FE0000000000000); // 2¹⁰²³

/** 2^k as f64 for −1022 ≤ k ≤ 1023 (the exponent field set directly). */
@inline
function twoTo(k: i32): f64 {
  return reinterpret<f64>(<u64>(0x3FF00000 + (k << 20)) << 32);
}

/** e^x, bit-equal to V8's Math.exp (fdlibm). NaN → NaN, +∞ → +∞, −∞ → 0. */
export function exactExp(x: f64): f64 {
  let hx = <u32>(reinterpret<u64>(x) >> 32);
  const xsb = hx >> 31; // sign bit
  hx &= 0x7FFFFFFF; // high word of |x|
  if (hx >= 0x40862E42) { // |x| ≥ 709.78…: not finite, or over/underflow
    if (hx >= 0x7FF00000) {
      if (((hx & 0xFFFFF) | <u32>reinterpret<u64>(x)) != 0) return x + x; // NaN
      return xsb == 0 ? x : 0.0; // e^+∞ = +∞, e^−∞ = 0
    }
    if (x > O_THRESHOLD) return Infinity;
    if (x < U_THRESHOLD) return 0.0;
  }
  let hi = 0.0, lo = 0.0;
  let k: i32 = 0;
  if (hx > 0x3FD62E42) { // |x| > ½ln2: reduce
    if (hx < 0x3FF0A2B2) { // and |x| < 1.5·ln2: k = ±1
      if (x == 1.0) return E;
      hi = xsb != 0 ? x + LN2_HI : x - LN2_HI;
      lo = xsb != 0 ? -LN2_LO : LN2_LO;
      k = 1 - <i32>xsb - <i32>xsb;
    } else {
      k = <i32>(INV_LN2 * x + (xsb != 0 ? -0.5 : 0.5)); // truncation toward 0, as C's cast
      const t = <f64>k;
      hi = x - t * LN2_HI; // exact
      lo = t * LN2_LO;
    }
    x = hi - lo;
  } else if (hx < 0x3E300000) { // |x| < 2⁻²⁸
    return 1.0 + x;
  }
  const t = x * x;
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k == 0) return 1.0 - ((x * c) / (c - 2.0) - x);
  const y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi);
  if (k >= -1021) {
    if (k == 1024) return y * 2.0 * TWO_1023;
    return y * twoTo(k);
  }
  return y * twoTo(k + 1000) * TWO_M1000;
}

/** High word of ½ln2 (|x| above it is reduced, k ≠ 0), as a 64-bit bound. */
const REDUCE_ABOVE: i64 = 0x3FD62E42FFFFFFFF;
const TINY_BELOW: i64 = 0x3E30000000000000; // 2⁻²⁸
const LARGE_FROM: i64 = 0x4085E00000000000; // 700

/** e^x of both f64x2 lanes, bit-equal to `exactExp` of each (see the file comment). */
@inline
export function exactExpPair(x: v128): v128 {
  const ax = v128.and(x, i64x2.splat(0x7FFFFFFFFFFFFFFF));
  const common = v128.andnot(v128.and(i64x2.ge_s(ax, i64x2.splat(TINY_BELOW)), i64x2.lt_s(ax, i64x2.splat(LARGE_FROM))), f64x2.eq(x, f64x2.splat(1.0)));
  if (!i64x2.all_true(common)) {
    return f64x2.replace_lane(f64x2.splat(exactExp(f64x2.extract_lane(x, 0))), 1, exactExp(f64x2.extract_lane(x, 1)));
  }
  const half = v128.bitselect(f64x2.splat(-0.5), f64x2.splat(0.5), i64x2.lt_s(x, i64x2.splat(0)));
  // k = trunc(x/ln2 ± ½) where |x| > ½ln2, else 0 (+0: the mask clears every bit)
  const kf = v128.and(f64x2.trunc(f64x2.add(f64x2.mul(f64x2.splat(INV_LN2), x), half)), i64x2.gt_s(ax, i64x2.splat(REDUCE_ABOVE)));
  const hi = f64x2.sub(x, f64x2.mul(kf, f64x2.splat(LN2_HI)));
  const lo = f64x2.mul(kf, f64x2.splat(LN2_LO));
  const r = f64x2.sub(hi, lo);
  const t = f64x2.mul(r, r);
  let p = f64x2.add(f64x2.splat(P4), f64x2.mul(t, f64x2.splat(P5)));
  p = f64x2.add(f64x2.splat(P3), f64x2.mul(t, p));
  p = f64x2.add(f64x2.splat(P2), f64x2.mul(t, p));
  p = f64x2.add(f64x2.splat(P1), f64x2.mul(t, p));
  const c = f64x2.sub(r, f64x2.mul(t, p));
  const y = f64x2.sub(f64x2.splat(1.0), f64x2.sub(f64x2.sub(lo, f64x2.div(f64x2.mul(r, c), f64x2.sub(f64x2.splat(2.0), c))), hi));
  // 2^k for |k| ≤ 1010: the exponent field k + 1023
  const k = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(kf));
  return f64x2.mul(y, i64x2.shl(i64x2.add(k, i64x2.splat(1023)), 52));
}
