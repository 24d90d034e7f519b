/**
 * The public single-precision GEMM: the reference `gemm` of
 * ../ops/gemm.ts (same signature, layouts and BLAS semantics), run by the
 * WebAssembly SIMD kernel.
 *
 *   C ← α · op(A) · op(B) + β · C,   row-major, op(A) [m, k], op(B) [k, n], C [m, n]
 *
 * `sgemm` copies the parts of A, B and C it needs into the kernels' arena,
 * runs the kernel and copies C back. Callers that already keep their
 * matrices in the arena call the kernel export `sgemm` themselves (with a
 * scratch region of `sgemmScratchBytes(m, n, k)` in their layout) and copy
 * nothing.
 *
 * `sgemm` respects the active backend (./dispatch.ts): on "js" (and where
 * WebAssembly SIMD is missing, so the backend is "js") it runs the reference
 * `gemm` (the same answer within rounding, slower). Its argument checks are
 * the reference's (`checkGemmScalars`, `checkMatrix`), under the name "sgemm".
 */
import { describeValue, fail } from "../errors.js";
import { checkGemmScalars, checkMatrix, gemm } from "../ops/gemm.js";
import { getBackend } from "./dispatch.js";
import { ArenaTooSmallError, instantiateKernelsSync, loadedKernels } from "./wasm.js";
import { sgemmOnThreads, sgemmScratchBytesOnThreads } from "./parallel_kernels.js";

const OP = "sgemm";

/** Elements of a row-major matrix of `rows` rows of `cols`, `ld` apart (0 when empty). */
function extent(rows: number, cols: number, ld: number): number {
  return rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
}

/** The reference's matrix checks (../ops/gemm.ts) for a Float32Array; returns the elements the matrix spans. */
function checkF32Matrix(name: string, ldName: string, array: Float32Array, rows: number, cols: number, ld: number): number {
  if (!(array instanceof Float32Array)) fail(OP, name, "a Float32Array", describeValue(array));
  checkMatrix(OP, name, ldName, array, rows, cols, ld);
  return extent(rows, cols, ld);
}

/**
 * C ← α · op(A) · op(B) + β · C on Float32Arrays, row-major:
 * A is [m, k] (or [k, m] when `transA`) with rows `lda` apart, B is [k, n]
 * (or [n, k] when `transB`) with rows `ldb` apart, C is [m, n] with rows `ldc`
 * apart. β = 0 overwrites C (NaN in C does not propagate); α = 0 reads
 * neither A nor B. Elements of C between rows (when ldc > n) are left as
 * they were. Throws OpError on bad sizes or arrays.
 */
export function sgemm(
  transA: boolean, transB: boolean,
  m: number, n: number, k: number,
  alpha: number, a: Float32Array, lda: number,
  b: Float32Array, ldb: number,
  beta: number, c: Float32Array, ldc: number,
): void {
  checkGemmScalars(OP, transA, transB, m, n, k, alpha, beta);
  const aLength = checkF32Matrix("a", "lda", a, transA ? k : m, transA ? m : k, lda);
  const bLength = checkF32Matrix("b", "ldb", b, transB ? n : k, transB ? k : n, ldb);
  const cLength = checkF32Matrix("c", "ldc", c, m, n, ldc);
  if (m === 0 || n === 0) return;

  const kernels = loadedKernels();
  if (getBackend() !== "wasm" || !kernels) {
    gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  const { arena } = kernels;
  let regions: number[];
  try {
    regions = arena.layout([aLength * 4, bLength * 4, cLength * 4, sgemmScratchBytesOnThreads(m, n, k)]);
  } catch (e) {
    if (!(e instanceof ArenaTooSmallError)) throw e;
    gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); // too large for the kernels' memory
    return;
  }
  const [pa, pb, pc, scratch] = regions;
  const heap = arena.f32;
  heap.set(a.subarray(0, aLength), pa / 4);
  heap.set(b.subarray(0, bLength), pb / 4);
  heap.set(c.subarray(0, cLength), pc / 4);
  sgemmOnThreads(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, scratch);
  c.set(arena.f32.subarray(pc / 4, pc / 4 + cLength));
}

/** Bytes of scratch the kernel export `sgemm` needs for an m×n×k problem (for callers that lay out the arena themselves). */
export function sgemmScratchBytes(m: number, n: number, k: number): number {
  const kernels = instantiateKernelsSync();
  if (!kernels) throw new Error("sgemmScratchBytes: the wasm kernels are unavailable here (WebAssembly SIMD missing)");
  return kernels.exports.sgemmScratchBytes(m, n, k);
}
