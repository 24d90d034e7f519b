// Reductions the backward passes need next to their GEMMs.

/**
 * Per-channel sums of t [N, C, size] into dst [C]: the bias gradient
 * ∂L/∂b_c = Σ_n Σ_e ∂L/∂z[n, c, e]. Sums run in f64 (as the reference's do)
 * and are stored as f32.
 */
export function channelSums(t: usize, N: i32, C: i32, size: i32, dst: usize): void {
  for (let c = 0; c < C; c++) {
    let sum: f64 = 0;
    for (let n = 0; n < N; n++) {
      let p = t + <usize>((n * C + c) * size) * 4;
      const end = p + <usize>size * 4;
      while (p < end) {
        sum += <f64>load<f32>(p);
        p += 4;
      }
    }
    store<f32>(dst + <usize>c * 4, <f32>sum);
  }
}
