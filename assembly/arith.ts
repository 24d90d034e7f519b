// add and mul (src/ops/arith.ts) on float32 arrays of one shape, four lanes
// at a time. The reference adds and multiplies two float32 values in f64 and
// rounds to float32; the f64 result of one + or × of two float32 is exact
// enough that rounding it gives the float32 operation's result (53 ≥ 2·24 + 2),
// so f32x4.add / f32x4.mul are bit-equal to the reference.

/** z ← x + y for n floats. */
export function addForward(x: usize, y: usize, n: i32, z: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    v128.store(z + o, f32x4.add(v128.load(x + o), v128.load(y + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    store<f32>(z + o, load<f32>(x + o) + load<f32>(y + o));
  }
}

/** z ← x ⊙ y for n floats (also mul's backward: dL/da = g ⊙ b, dL/db = g ⊙ a). */
export function mulForward(x: usize, y: usize, n: i32, z: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    v128.store(z + o, f32x4.mul(v128.load(x + o), v128.load(y + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    store<f32>(z + o, load<f32>(x + o) * load<f32>(y + o));
  }
}
