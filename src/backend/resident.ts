/**
 * Resident tensors: float32 tensors whose values live in a block of the wasm
 * kernels' memory (./kernel_memory.ts) instead of a JS typed array, so that a
 * chain of kernel ops passes byte offsets instead of copying each result out
 * and back in. `Tensor.data` of a resident tensor is a Float32Array view of
 * its block (rebuilt after the memory grows), so the reference ops, the
 * optimizers and every public API read and write it as any float32 tensor.
 * Lifetime: src/tensor_lifetime.ts (dispose, tidy, the graph, a
 * FinalizationRegistry as a safety net).
 *
 * When the kernels move to another memory (`setThreads(n > 1)` moves them
 * onto a shared one, ./threads.ts), resident tensors made before stay where
 * they are: each block keeps its own allocator and memory, so its `data`
 * stays correct and disposing it frees it there; `residentPointer` says -1
 * for it (it is not in the kernels' memory any more), so a kernel op copies
 * it in like a plain array. Nothing is migrated and nothing is refused; the
 * old memory is collected once its last tensor is gone.
 *
 * Only float32 is ever resident; float64 and int32 tensors stay plain.
 */
import { Tensor, registerKernelMemory, shapeString, sizeOf, type ResidentStorage, type Shape } from "../tensor.js";
import type { KernelMemory, KernelMemoryStats } from "./kernel_memory.js";
import { loadedKernels, requireKernels } from "./wasm.js";

/** A block of float32 values in a KernelMemory, shared by the tensors that view it (reference counted). */
export class KernelBlock implements ResidentStorage {
  /** The allocator the block came from (its memory may no longer be the kernels' current one). */
  readonly heap: KernelMemory;
  /** Byte offset of the first value (64-byte aligned). */
  readonly ptr: number;
  /** Number of float32 values. */
  readonly length: number;
  private refs = 0;
  private freed = false;
  private cached: Float32Array;
  private generation: number;

  constructor(heap: KernelMemory, length: number) {
    this.heap = heap;
    this.length = length;
    this.ptr = heap.alloc(length * 4);
    registerKernelMemory(heap.memory); // from now on `new Tensor` copies views of this memory instead of wrapping them
    this.cached = new Float32Array(heap.memory.buffer, this.ptr, length);
    this.generation = heap.generation;
  }

  /** The values as a Float32Array over the memory (a new view after the memory grew). */
  view(): Float32Array {
    if (this.generation !== this.heap.generation) {
      if (this.freed) throw new Error(`KernelBlock: the block at byte ${this.ptr} was freed`);
      this.cached = new Float32Array(this.heap.memory.buffer, this.ptr, this.length);
      this.generation = this.heap.generation;
    }
    return this.cached;
  }

  retain(): void {
    if (this.freed) throw new Error(`KernelBlock: the block at byte ${this.ptr} was freed; it cannot back a new tensor`);
    this.refs++;
  }

  release(): void {
    if (this.freed || this.refs <= 0) throw new Error(`KernelBlock: released more often than retained (block at byte ${this.ptr})`);
    if (--this.refs === 0) {
      this.freed = true;
      this.heap.free(this.ptr);
    }
  }
}

/**
 * A new resident float32 tensor of `shape` in the kernels' current memory,
 * its values uninitialised (whatever the block held). The kernels must be
 * loaded. Throws ArenaTooSmallError when the memory cannot hold it.
 */
export function residentEmpty(shape: Shape): Tensor {
  const heap = requireKernels().arena.heap;
  return new Tensor(new KernelBlock(heap, sizeOf(shape)), shape);
}

/** A new resident float32 tensor of `shape` filled with zeros. */
export function residentZeros(shape: Shape): Tensor {
  const t = residentEmpty(shape);
  (t.data as Float32Array).fill(0);
  return t;
}

/**
 * A resident copy of the float32 tensor `t` in the kernels' memory (`t`
 * itself when it is already resident there). Float64 and int32 tensors are
 * never resident: a TypeError names what came.
 */
export function toResident(t: Tensor): Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`toResident: expected a Tensor, got ${Object.prototype.toString.call(t)}`);
  if (t.dtype !== "float32") throw new TypeError(`toResident: expected a float32 tensor (float64 and int32 are never resident), got ${t.dtype} ${shapeString(t.shape)}`);
  if (residentPointer(t) >= 0) return t;
  const values = t.data;
  const out = residentEmpty(t.shape);
  (out.data as Float32Array).set(values);
  return out;
}

/**
 * The byte offset of `t`'s values in the kernels' current memory, or -1 when
 * they are not there (a plain tensor, a disposed one, or one resident in a
 * memory the kernels have left).
 */
export function residentPointer(t: Tensor): number {
  const block = t.storage;
  if (!(block instanceof KernelBlock)) return -1;
  const kernels = loadedKernels();
  return kernels !== null && block.heap === kernels.arena.heap ? block.ptr : -1;
}

/** The allocator's counts for the kernels' current memory, and the part of the live bytes held by resident tensors. */
export interface ResidentMemoryStats extends KernelMemoryStats {
  /** Live bytes in resident tensors' blocks (the live bytes less the arena's call block): what a leak check counts. */
  readonly residentBytes: number;
}

/** The allocator's counts for the kernels' current memory (live and resident bytes, blocks, top, memory size, grows); null before the kernels load. */
export function kernelMemoryStats(): ResidentMemoryStats | null {
  const kernels = loadedKernels();
  if (kernels === null) return null;
  const stats = kernels.arena.heap.stats();
  return { ...stats, residentBytes: stats.liveBytes - kernels.arena.callBlockBytes };
}

/**
 * Starts the allocator's high-water marks afresh (`peakLiveBytes`,
 * `peakTop` of `kernelMemoryStats()`), e.g. right before the forward pass
 * whose peak bench/peak_memory.ts prints. Does nothing before the kernels load.
 */
export function resetKernelMemoryPeak(): void {
  loadedKernels()?.arena.heap.resetPeak();
}
