/**
 * The three ways the conv benchmarks run one nnref conv2d forward case
 * (bench/kernels.ts in Node, bench/browser_worker.ts in a page), each
 * returned as a function that makes one call:
 *   - `resident`: input and weights resident in the kernels' memory, the
 *     output made resident inside a `tidy` scope and freed at its end: what
 *     a chain of kernel ops runs (a network's forward), and what tf.conv2d
 *     does with TF.js's tensors, which live in its wasm memory.
 *   - `withCopies`: the same op on plain tensors: the input and weights
 *     copied into the kernels' memory and the output copied out into a new
 *     Float32Array, every call.
 * and `squareSgemm`, the yardstick both convolutions are held to: nnref's
 * SGEMM on square matrices already in the kernels' memory, n = 512, where it
 * runs at the 4×8 mul+add microkernel's ceiling (docs/benchmarks.md, "Why
 * not 52 GFLOP/s here"). A convolution does that GEMM's multiply-adds plus
 * the gathering of its windows, so on a compute-bound shape no convolution
 * built on the same SIMD instructions runs much above it — TF.js's included.
 * (The SGEMM of a conv's own M × N × K is no yardstick: multiplying by a
 * 576 × 3136 im2col matrix packed from memory is slower than the conv,
 * which packs its panels straight from the image.)
 * Browser-safe: no Node module.
 */
import { conv2dKernelOp } from "../src/backend/kernels/conv2d.js";
import { sgemmOnThreads, sgemmScratchBytesOnThreads } from "../src/backend/parallel_kernels.js";
import { toResident } from "../src/backend/resident.js";
import { requireKernels } from "../src/backend/wasm.js";
import { conv2dAttrs } from "../src/ops/conv_geometry.js";
import { Tensor } from "../src/tensor.js";
import { tidy } from "../src/tensor_lifetime.js";
import type { Random } from "../src/random.js";
import { randomArray, type ConvShape } from "./conv_cases.js";

/** The label suffix of a conv measured on plain tensors, copies in and out included (compared with TF.js's row without it). */
export const WITH_COPIES = " incl. copies";

/** One call of conv case `s` on `x` [N, Cin, H, W] and `w` [Cout, Cin, k, k], with and without copies. */
export function convForwardCalls(s: ConvShape, x: Float32Array, w: Float32Array): { resident: () => void; withCopies: () => void } {
  const input = new Tensor(x, [s.N, s.Cin, s.H, s.W]), weight = new Tensor(w, [s.Cout, s.Cin, s.k, s.k]);
  const residentInput = toResident(input), residentWeight = toResident(weight);
  const attrs = conv2dAttrs({ padding: s.pad });
  return {
    resident: () => tidy(() => { conv2dKernelOp.forward({ input: residentInput, weight: residentWeight }, attrs); }),
    withCopies: () => { conv2dKernelOp.forward({ input, weight }, attrs); },
  };
}

/** n for `squareSgemm`: large enough to run at the microkernel's ceiling, small enough (3 MB) to be quick. */
export const YARDSTICK_N = 512;

/**
 * Lays out random square n × n operands in the kernels' arena and returns
 * one call of C ← A·B on the current threads (sgemmOnThreads). Call it
 * before any other kernel call: the next one may lay the arena out again
 * over the operands.
 */
export function squareSgemm(rng: Random, n = YARDSTICK_N): () => void {
  const { arena } = requireKernels();
  const [pa, pb, pc, scratch] = arena.layout([n * n * 4, n * n * 4, n * n * 4, sgemmScratchBytesOnThreads(n, n, n)]);
  arena.f32.set(randomArray(n * n, rng), pa / 4);
  arena.f32.set(randomArray(n * n, rng), pb / 4);
  return () => sgemmOnThreads(false, false, n, n, n, 1, pa, n, pb, n, 0, pc, n, scratch);
}
