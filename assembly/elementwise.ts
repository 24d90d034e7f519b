// Elementwise kernels: what LeNet-5 training spends its time on besides the
// convolutions (a profile of `nnref train lenet5` put ReLU at about a fifth).

/** y ← relu(x) for n floats: x > 0 ? x : 0 (NaN and −0 give +0, as the reference's comparison does). */
export function reluForward(x: usize, n: i32, y: usize): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + <usize>i * 4);
    v128.store(y + <usize>i * 4, v128.bitselect(v, zero, f32x4.gt(v, zero)));
  }
  for (; i < n; i++) {
    const v = load<f32>(x + <usize>i * 4);
    store<f32>(y + <usize>i * 4, v > 0 ? v : 0);
  }
}

/** dx ← dy · 1[x > 0] for n floats. */
export function reluBackward(dy: usize, x: usize, n: i32, dx: usize): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const mask = f32x4.gt(v128.load(x + <usize>i * 4), zero);
    v128.store(dx + <usize>i * 4, v128.bitselect(v128.load(dy + <usize>i * 4), zero, mask));
  }
  for (; i < n; i++) {
    store<f32>(dx + <usize>i * 4, load<f32>(x + <usize>i * 4) > 0 ? load<f32>(dy + <usize>i * 4) : 0);
  }
}
