/**
 * How one kernel call is cut into parts for the threads of ./threads.ts, so
 * that the result is the same bits for every thread count.
 *
 * The rule: a part is the same kernel run on a sub-problem whose outputs are
 * computed by exactly the instruction sequence of the whole call — only
 * which thread runs it changes. So the cuts go where no sum is split:
 *   - SGEMM C ← α·op(A)·op(B) + β·C: by column panels of C (each part packs
 *     all of A and its own columns of B) when n ≥ m, else by row blocks (each
 *     part packs all of B). Every C element is still the microkernel's sum
 *     over k in the same K blocks, lane-wise, whatever the columns beside it.
 *   - conv2d forward and input gradient: by images. Each image's output is
 *     computed by the same code for any N (no path choice depends on N).
 *     A forward of one image (batch-1 inference) with groups = 1: by
 *     filters, in multiples of MR. The kernel may then take its other path
 *     for a part (direct with ≤ 8 A panels, else im2col panels), but both
 *     paths run each output element through the same microkernel sum over
 *     the same K blocks with the same zeros for padding: the same bits
 *     (the spec checks it).
 *   - conv2d weight gradient: by columns of dW_g (taps k = (c·kh + x)·kw + y),
 *     in multiples of NR (the kernel export conv2dBackwardWeightColumns).
 *     Not by images: the gradient sums over images, and that cut would
 *     change the order of the sum. Each part redoes the shared preparation
 *     (padded images, packed dZ) in its own scratch: O(1/K) of the work.
 *   - Passes whose every output reads only the same element or plane of
 *     its inputs (relu and its gradient, add, mul, max and global average
 *     pooling and their gradients): by ranges of elements or planes
 *     (`rangeOnThreads`). Each output is computed by the same instructions
 *     whichever part holds it.
 * Each part has its own packing scratch (and, for conv, its own copy of the
 * geometry record with N changed), laid out by the caller after its
 * operands: `sgemmScratchBytesOnThreads` / `convScratchBytesOnThreads` say
 * how much.
 *
 * Small problems stay on one thread: below MIN_PARALLEL_MULADDS
 * multiply-adds (a memory-bound pass counts ELEMENT_WORK per element)
 * waking a worker costs more than it saves (`setParallelThreshold` changes
 * it, for specs and benchmarks).
 */
import { getThreads, runJobs, type Job } from "./threads.js";
import { requireKernels } from "./wasm.js";
import type { ConvGeometry } from "../ops/conv_geometry.js";

/**
 * Fewest multiply-adds (m·n·k) worth splitting: about 0.1 ms of one thread's
 * work at ~25 GFLOP/s. Waking a worker and waiting for it costs some tens of
 * µs (measured in bench/threads.ts).
 */
export const MIN_PARALLEL_MULADDS = 1 << 20;

let minParallelMuladds = MIN_PARALLEL_MULADDS;

/**
 * Sets the fewest multiply-adds a call needs to be split (default
 * MIN_PARALLEL_MULADDS) and returns the previous value. Specs lower it to
 * split small random shapes; benchmarks, to measure where splitting pays.
 */
export function setParallelThreshold(muladds: number): number {
  if (!Number.isInteger(muladds) || muladds < 0) throw new RangeError(`setParallelThreshold: expected an integer ≥ 0, got ${String(muladds)}`);
  const previous = minParallelMuladds;
  minParallelMuladds = muladds;
  return previous;
}

/** Bytes of the conv geometry record (16 × i32; assembly/conv_geometry.ts's ConvGeometry). */
const GEOMETRY_BYTES = 64;
/**
 * Column unit of an SGEMM cut: two NR panels, 64 bytes, so that two parts
 * share no cache line of a 64-byte-aligned C with ldc a multiple of 16.
 */
const COLUMN_UNIT = 16;
/** Column unit of a conv weight-gradient cut (the microkernel's NR: conv2dBackwardWeightColumns needs a multiple). */
const TAP_UNIT = 8;
/** Row unit of an SGEMM cut and filter unit of a conv forward cut (the microkernel's MR). */
const ROW_UNIT = 4;

function align64(bytes: number): number {
  return Math.ceil(bytes / 64) * 64;
}

/** [start, end) of part `i` of `parts` over `length` items, cut at multiples of `unit`. */
function partRange(length: number, unit: number, parts: number, i: number): [number, number] {
  const units = Math.ceil(length / unit);
  const start = Math.floor((i * units) / parts) * unit;
  const end = Math.min(length, Math.floor(((i + 1) * units) / parts) * unit);
  return [start, end];
}

/** How many parts an m×n×k SGEMM is cut into (1: one thread) and along which side. */
export function sgemmParts(m: number, n: number, k: number): { parts: number; byColumns: boolean } {
  const byColumns = n >= m;
  const threads = getThreads();
  if (threads === 1 || m * n * k < minParallelMuladds) return { parts: 1, byColumns };
  const units = byColumns ? Math.ceil(n / COLUMN_UNIT) : Math.ceil(m / ROW_UNIT);
  return { parts: Math.max(1, Math.min(threads, units)), byColumns };
}

/** Bytes of scratch `sgemmOnThreads` needs for an m×n×k problem: one SGEMM scratch per part. */
export function sgemmScratchBytesOnThreads(m: number, n: number, k: number): number {
  const { exports } = requireKernels();
  const { parts } = sgemmParts(m, n, k);
  return parts * align64(exports.sgemmScratchBytes(m, n, k));
}

/**
 * The kernel export `sgemm` (C ← α·op(A)·op(B) + β·C, row-major, byte
 * offsets into the kernels' memory, leading dimensions in floats) cut over
 * the threads; `scratch` holds `sgemmScratchBytesOnThreads(m, n, k)` bytes.
 * The same bits as one `sgemm` call.
 */
export function sgemmOnThreads(
  transA: boolean, transB: boolean, m: number, n: number, k: number,
  alpha: number, a: number, lda: number, b: number, ldb: number,
  beta: number, c: number, ldc: number, scratch: number,
): void {
  const { exports } = requireKernels();
  const { parts, byColumns } = sgemmParts(m, n, k);
  const each = align64(exports.sgemmScratchBytes(m, n, k));
  const jobs: Job[] = [];
  for (let i = 0; i < parts; i++) {
    const [start, end] = byColumns ? partRange(n, COLUMN_UNIT, parts, i) : partRange(m, ROW_UNIT, parts, i);
    if (end <= start) continue;
    // op(B) column j is b[j] (rows ldb apart), or row j of b when transB; op(A) row i likewise.
    const aPart = byColumns ? a : a + (transA ? start : start * lda) * 4;
    const bPart = byColumns ? b + (transB ? start * ldb : start) * 4 : b;
    const cPart = byColumns ? c + start * 4 : c + start * ldc * 4;
    const mPart = byColumns ? m : end - start;
    const nPart = byColumns ? end - start : n;
    jobs.push({
      name: "sgemm",
      args: [transA ? 1 : 0, transB ? 1 : 0, mPart, nPart, k, alpha, aPart, lda, bPart, ldb, beta, cPart, ldc, scratch + i * each],
    });
  }
  runJobs(jobs);
}

/** The kernel exports `convOnThreads` cuts. */
export type ConvCutExport = "conv2dForward" | "conv2dBackwardInput" | "conv2dForwardFused" | "conv2dForwardPacked";

/**
 * How a conv2d forward or input gradient of `geom` is cut: into how many
 * parts (1: one thread), by images or (a forward of one image, groups = 1)
 * by filters.
 */
export function convParts(geom: ConvGeometry, name: ConvCutExport): { parts: number; byFilters: boolean } {
  const threads = getThreads();
  const muladds = geom.N * geom.Cout * geom.Hout * geom.Wout * (geom.Cin / geom.groups) * geom.kh * geom.kw;
  const byFilters = name !== "conv2dBackwardInput" && geom.N === 1 && geom.groups === 1;
  if (threads === 1 || muladds < minParallelMuladds) return { parts: 1, byFilters };
  const units = byFilters ? Math.ceil(geom.Cout / ROW_UNIT) : geom.N;
  return { parts: Math.max(1, Math.min(threads, units)), byFilters };
}

/**
 * The kernel scratch each part of a cut needs, given `kernelScratch` for the
 * whole call. A cut by images needs no more (the kernels' scratch does not
 * depend on N). A cut by filters may: a part with few filters can take the
 * forward's direct path, whose padded image the whole call's im2col path
 * does not need. So each such part's need is asked of the kernel
 * (conv2dForwardScratchBytes) on the call's geometry record with Cout
 * changed, then the record is restored. The record is the first region of
 * the call's layout (the kernel ops write it there; every layout starts at
 * the arena's start), and is checked to be `geom` before it is touched.
 */
function partKernelScratch(geom: ConvGeometry, name: ConvCutExport, byFilters: boolean, parts: number, kernelScratch: number): number {
  if (!byFilters) return kernelScratch;
  const { arena, exports } = requireKernels();
  const [record] = arena.layout([GEOMETRY_BYTES]);
  const heap = arena.i32;
  const cout = record / 4 + 4; // field 4 is Cout
  if (heap[record / 4] !== geom.N || heap[cout] !== geom.Cout || heap[record / 4 + 1] !== geom.Cin) {
    throw new Error("convScratchBytesOnThreads: the call's geometry record is not the first region of its layout");
  }
  let most = kernelScratch;
  try {
    for (let i = 0; i < parts; i++) {
      const [start, end] = partRange(geom.Cout, ROW_UNIT, parts, i);
      if (end <= start) continue;
      heap[cout] = end - start;
      most = Math.max(most, name === "conv2dForwardPacked" ? exports.conv2dForwardPackedScratchBytes(record) : exports.conv2dForwardScratchBytes(record));
    }
  } finally {
    heap[cout] = geom.Cout;
  }
  return most;
}

/**
 * Bytes of scratch `convOnThreads` needs: per part a geometry record and the
 * kernel's own scratch (`kernelScratch` bytes for the whole call, more for a
 * part that takes another path: `partKernelScratch`).
 */
export function convScratchBytesOnThreads(geom: ConvGeometry, name: ConvCutExport, kernelScratch: number): number {
  const { parts, byFilters } = convParts(geom, name);
  return parts === 1 ? kernelScratch : parts * (GEOMETRY_BYTES + align64(partKernelScratch(geom, name, byFilters, parts, kernelScratch)));
}

/**
 * One operand of a conv kernel call: its byte offset, how many bytes one
 * image takes and how many one output filter takes (0: the same for every
 * image / filter). A pointer 0 (no bias) stays 0.
 */
export interface ConvOperand {
  readonly ptr: number;
  readonly imageBytes: number;
  readonly filterBytes: number;
}

/**
 * Runs `name` (conv2dForward, conv2dForwardFused or conv2dBackwardInput:
 * arguments geometry, operands…, scratch, then `tail`, e.g. the fused
 * forward's ReLU flag) cut by images or filters (`convParts`) over the
 * threads. `geomPtr` holds the
 * whole call's geometry (the first region of the call's layout);
 * `scratch` holds `convScratchBytesOnThreads(geom, name, kernelScratch)`
 * bytes. The same bits as one call of the kernel.
 */
export function convOnThreads(
  name: ConvCutExport, geom: ConvGeometry, geomPtr: number,
  operands: readonly ConvOperand[], scratch: number, kernelScratch: number, tail: readonly number[] = [],
): void {
  const { parts, byFilters } = convParts(geom, name);
  if (parts === 1) {
    runJobs([{ name, args: [geomPtr, ...operands.map((o) => o.ptr), scratch, ...tail] }]);
    return;
  }
  const each = GEOMETRY_BYTES + align64(partKernelScratch(geom, name, byFilters, parts, kernelScratch));
  const { arena } = requireKernels();
  const jobs: Job[] = [];
  for (let i = 0; i < parts; i++) {
    const [start, end] = byFilters ? partRange(geom.Cout, ROW_UNIT, parts, i) : partRange(geom.N, 1, parts, i);
    if (end <= start) continue;
    const partGeom = scratch + i * each;
    const heap = arena.i32;
    heap.copyWithin(partGeom / 4, geomPtr / 4, geomPtr / 4 + GEOMETRY_BYTES / 4);
    heap[partGeom / 4 + (byFilters ? 4 : 0)] = end - start; // field 0 is N, field 4 Cout
    const offset = (o: ConvOperand) => (o.ptr === 0 ? 0 : o.ptr + start * (byFilters ? o.filterBytes : o.imageBytes));
    const args = [partGeom, ...operands.map(offset), partGeom + GEOMETRY_BYTES, ...tail];
    jobs.push({ name, args });
  }
  runJobs(jobs);
}

/** How many parts (column ranges of dW) a conv2d weight gradient of `geom` is cut into (1: one thread). */
export function convWeightParts(geom: ConvGeometry): number {
  const threads = getThreads();
  const K = (geom.Cin / geom.groups) * geom.kh * geom.kw;
  const muladds = geom.N * geom.Cout * geom.Hout * geom.Wout * K;
  if (threads === 1 || muladds < minParallelMuladds) return 1;
  return Math.max(1, Math.min(threads, Math.ceil(K / TAP_UNIT)));
}

/** Bytes of scratch `convWeightOnThreads` needs: the kernel's own scratch (`kernelScratch` bytes) per part. */
export function convWeightScratchBytesOnThreads(geom: ConvGeometry, kernelScratch: number): number {
  const parts = convWeightParts(geom);
  return parts === 1 ? kernelScratch : parts * align64(kernelScratch);
}

/**
 * The kernel conv2dBackwardWeight (dw ← ∂L/∂w from dz and a, byte offsets;
 * geometry record at `geomPtr`) cut by columns of dW over the threads;
 * `scratch` holds `convWeightScratchBytesOnThreads(geom, kernelScratch)`
 * bytes. The same bits as one call of the kernel.
 */
export function convWeightOnThreads(geom: ConvGeometry, geomPtr: number, dz: number, a: number, dw: number, scratch: number, kernelScratch: number): void {
  const parts = convWeightParts(geom);
  const K = (geom.Cin / geom.groups) * geom.kh * geom.kw;
  const each = align64(kernelScratch);
  const jobs: Job[] = [];
  for (let i = 0; i < parts; i++) {
    const [start, end] = partRange(K, TAP_UNIT, parts, i);
    if (end > start) jobs.push({ name: "conv2dBackwardWeightColumns", args: [geomPtr, dz, a, dw, scratch + i * each, start, end] });
  }
  runJobs(jobs);
}

/**
 * Multiply-adds one element of a memory-bound pass (relu, add, a pooling
 * window) counts as against MIN_PARALLEL_MULADDS: such a pass moves 8–12
 * bytes per element, about the time of 16 of the microkernel's
 * multiply-adds, so a pass is split from 65,536 elements on.
 */
export const ELEMENT_WORK = 16;

/** Element unit of a range cut: 16 floats, one 64-byte cache line, so that two parts of a 64-byte-aligned array share no line. */
export const ELEMENT_UNIT = 16;

/** The kernel exports `rangeOnThreads` cuts: passes where each output element or plane reads only the same element or plane of the inputs. */
export type RangeCutExport =
  | "reluForward" | "reluBackward" | "addForward" | "mulForward"
  | "maxPool2dForward" | "maxPool2dBackward" | "globalAvgPoolForward" | "globalAvgPoolBackward";

/** How many parts a pass over `count` items (elements or planes, cut at multiples of `unit`) that touches `elements` floats in all is cut into (1: one thread). */
export function rangeParts(count: number, unit: number, elements: number): number {
  const threads = getThreads();
  if (threads === 1 || elements * ELEMENT_WORK < minParallelMuladds) return 1;
  return Math.max(1, Math.min(threads, Math.ceil(count / unit)));
}

/**
 * Runs the pass `name` over `count` items cut into ranges [start, end) at
 * multiples of `unit` (`rangeParts`), one per thread; `argsFor(start, end)`
 * gives a part's arguments (its pointers moved to `start`, its count
 * end − start). `elements`: the floats the whole pass reads and writes,
 * its cost. The same bits as one call over all `count` items.
 */
export function rangeOnThreads(name: RangeCutExport, count: number, unit: number, elements: number, argsFor: (start: number, end: number) => number[]): void {
  const parts = rangeParts(count, unit, elements);
  const jobs: Job[] = [];
  for (let i = 0; i < parts; i++) {
    const [start, end] = partRange(count, unit, parts, i);
    if (end > start) jobs.push({ name, args: argsFor(start, end) });
  }
  runJobs(jobs);
}
