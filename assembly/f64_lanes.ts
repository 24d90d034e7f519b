// Two float32 values in f64x2 lanes: the kernels that compute in f64 as the
// reference does in JS numbers (sgd.ts, adam.ts, batch_norm.ts) load and
// store through these.

/** Two f32 at `p` as f64x2. */
@inline
export function load2(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/** f64x2 `v` rounded to two f32 at `p`. */
@inline
export function store2(p: usize, v: v128): void {
  v128.store64_lane(p, f32x4.demote_f64x2_zero(v), 0);
}
