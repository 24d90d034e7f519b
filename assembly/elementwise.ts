// Elementwise kernels: what LeNet-5 training spends its time on besides the
// convolutions (a profile of `nnref train lenet5` put ReLU at about a fifth).

/**
 * y ← relu(x) for n floats: x where x > 0 or x is NaN, else +0 (NaN
 * propagates as in PyTorch; −0 gives +0), as the reference does.
 */
export function reluForward(x: usize, n: i32, y: usize): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + <usize>i * 4);
    // Not (v ≤ 0): true for v > 0 and for NaN.
    v128.store(y + <usize>i * 4, v128.bitselect(zero, v, f32x4.le(v, zero)));
  }
  for (; i < n; i++) {
    const v = load<f32>(x + <usize>i * 4);
    store<f32>(y + <usize>i * 4, v <= 0 ? 0 : v);
  }
}

/** dx ← (x ≤ 0) ? 0 : dy for n floats (PyTorch's threshold_backward: dy passes at NaN). */
export function reluBackward(dy: usize, x: usize, n: i32, dx: usize): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = f32x4.le(v128.load(x + <usize>i * 4), zero);
    v128.store(dx + <usize>i * 4, v128.bitselect(zero, v128.load(dy + <usize>i * 4), off));
  }
  for (; i < n; i++) {
    store<f32>(dx + <usize>i * 4, load<f32>(x + <usize>i * 4) <= 0 ? 0 : load<f32>(dy + <usize>i * 4));
  }
}
