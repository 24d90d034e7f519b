/**
 * The conv2d cases the kernel benchmarks share (bench/kernels.ts,
 * bench/threads.ts, bench/browser_worker.ts) and the layout conversions
 * TF.js needs. Browser-safe: no Node module, no top-level work.
 */
import type { Random } from "../src/random.js";

/** One conv2d case: input [N, Cin, H, W], Cout filters k×k, stride 1, padding `pad`. */
export interface ConvShape {
  label: string;
  N: number; Cin: number; H: number; W: number; Cout: number; k: number; pad: number;
}

/** The four conv2d forward shapes: LeNet-5's two layers at batch 64, a VGG-like 3×3 and a 1×1 at batch 1. */
export const forwardShapes: ConvShape[] = [
  { label: "LeNet conv1 N=64 1×28×28 → 6@5×5", N: 64, Cin: 1, H: 28, W: 28, Cout: 6, k: 5, pad: 0 },
  { label: "LeNet conv2 N=64 6×12×12 → 16@5×5", N: 64, Cin: 6, H: 12, W: 12, Cout: 16, k: 5, pad: 0 },
  { label: "VGG-like N=1 64×56×56 → 64@3×3 p1", N: 1, Cin: 64, H: 56, W: 56, Cout: 64, k: 3, pad: 1 },
  { label: "1×1 N=1 256×14×14 → 1024@1×1", N: 1, Cin: 256, H: 14, W: 14, Cout: 1024, k: 1, pad: 0 },
];

/** Output height and width of `s`, and its floating-point operations (2 × multiply-adds). */
export function convGeometry(s: ConvShape): { Hout: number; Wout: number; flops: number } {
  const Hout = s.H + 2 * s.pad - s.k + 1, Wout = s.W + 2 * s.pad - s.k + 1;
  return { Hout, Wout, flops: 2 * s.N * s.Cout * Hout * Wout * s.Cin * s.k * s.k };
}

/** `n` values uniform in [-1, 1) from `rng`. */
export function randomArray(n: number, rng: Random): Float32Array {
  return new Float32Array(n).map(() => rng.uniformIn(-1, 1));
}

/** NCHW → NHWC (or OIHW → HWIO with the roles renamed) for TF.js. */
export function toChannelsLast(x: Float32Array, N: number, C: number, H: number, W: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) {
    out[((n * H + h) * W + w) * C + c] = x[((n * C + c) * H + h) * W + w];
  }
  return out;
}

/** OIHW → HWIO. */
export function toHWIO(w: Float32Array, O: number, I: number, kh: number, kw: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let o = 0; o < O; o++) for (let i = 0; i < I; i++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
    out[((y * kw + x) * I + i) * O + o] = w[((o * I + i) * kh + y) * kw + x];
  }
  return out;
}
