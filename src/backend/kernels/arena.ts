/**
 * What every kernel op shares: how a call takes its tensor operands and gives
 * its results, copying results out of the kernels' arena (../wasm.ts) into
 * new arrays, and `orReference`, which runs the reference op for a call whose
 * problem does not fit the arena.
 *
 * Operands and results with resident tensors (../resident.ts): an input
 * already in the kernels' memory is passed in place by its byte offset (no
 * region, no copy); a plain one gets a region of the call's layout and is
 * copied there. Inside a tidy scope (../../tensor_lifetime.ts) a float32
 * result is a new resident tensor the kernel writes in place, so the next
 * kernel op reads it without a copy; outside any scope it is written in the
 * layout and copied out into a new plain array, as before resident tensors
 * existed (a program that never calls `tidy` sees no difference). Every glue
 * follows one order:
 *   1. `planOutput` for each result (a resident block is allocated now),
 *   2. `arena.layout([... inputBytes(t) ..., outputBytes(o), scratch])`,
 *   3. `placeInput(t, region)` for each input — it reads `t.data` only now,
 *      after the layout: a grow of the memory detaches views taken before —,
 *   4. the kernel, writing at `outputPointer(o, region)`,
 *   5. `finishOutput(o, region)`.
 */
import { Tensor, sizeOf, type Shape } from "../../tensor.js";
import type { OpDef } from "../../ops/op.js";
import { tidyDepth } from "../../tensor_lifetime.js";
import { residentEmpty, residentPointer, toResident } from "../resident.js";
import { ArenaTooSmallError, requireKernels } from "../wasm.js";

/** Bytes input `t` needs in the call's layout: 0 when absent or resident in the kernels' memory (read in place), else its values plus `slack`. */
export function inputBytes(t: Tensor | undefined, slack = 0): number {
  if (t === undefined) return 0;
  return residentPointer(t) >= 0 ? 0 : t.size * 4 + slack;
}

/** The byte offset the kernel reads float32 `t` from: its own block when resident, else `region` after copying `t.data` there. */
export function placeInput(t: Tensor, region: number): number {
  const ptr = residentPointer(t);
  if (ptr >= 0) return ptr;
  requireKernels().arena.f32.set(t.data as Float32Array, region / 4);
  return region;
}

/** A float32 result of a kernel call: a resident tensor allocated before the layout, or a plain array copied out of the layout afterwards. */
export interface KernelOutput {
  /** The resident result (inside a tidy scope), else null. */
  readonly tensor: Tensor | null;
  readonly shape: Shape;
  /** Elements. */
  readonly length: number;
}

/** Plans a float32 result of `shape`: resident inside a tidy scope, else copied out (see the file comment). */
export function planOutput(shape: Shape): KernelOutput {
  return { tensor: tidyDepth() > 0 ? residentEmpty(shape) : null, shape, length: sizeOf(shape) };
}

/**
 * Results a kernel op made without its kernel (a reference fallback, or small
 * side results such as batch norm's running statistics): inside a tidy scope
 * each float32 one becomes resident (a copy), as the kernel's own results
 * are, so the next kernel op reads it in place; outside a scope, unchanged.
 */
export function residentInScope<T extends Record<string, Tensor>>(results: T): T {
  if (tidyDepth() === 0) return results;
  const out: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(results)) out[name] = t.dtype === "float32" && residentPointer(t) < 0 ? toResident(t) : t;
  return out as T;
}

/** Bytes the result needs in the call's layout (0 when resident). */
export function outputBytes(o: KernelOutput): number {
  return o.tensor === null ? o.length * 4 : 0;
}

/** Where the kernel writes the result: the resident block, or `region` of the layout. */
export function outputPointer(o: KernelOutput, region: number): number {
  return o.tensor === null ? region : residentPointer(o.tensor);
}

/** The result as a Tensor: the resident one, or a plain copy of `region`. */
export function finishOutput(o: KernelOutput, region: number): Tensor {
  return o.tensor ?? new Tensor(copyOutF32(region, o.length), o.shape);
}

/**
 * A new Float32Array holding `length` floats of the kernels' memory from byte
 * offset `ptr`. (Allocating and `set` costs the same as `slice` here: about
 * 60–120 µs for LeNet conv1's 221,184 floats, most of it fresh memory; this is
 * where a training step's copies show up in a profile.)
 */
export function copyOutF32(ptr: number, length: number): Float32Array {
  const out = new Float32Array(length);
  out.set(requireKernels().arena.f32.subarray(ptr / 4, ptr / 4 + length));
  return out;
}

/** A new Int32Array holding `length` ints of the kernels' memory from byte offset `ptr` (see copyOutF32). */
export function copyOutI32(ptr: number, length: number): Int32Array {
  const out = new Int32Array(length);
  out.set(requireKernels().arena.i32.subarray(ptr / 4, ptr / 4 + length));
  return out;
}

/**
 * `kernel`, except that a call whose problem does not fit the kernels' arena
 * (ArenaTooSmallError, thrown before any kernel runs) runs `reference`
 * instead. The two caches are interchangeable: the kernel ops already hand
 * float64 calls to the reference's forward and backward.
 */
export function orReference<A, C>(reference: OpDef<A, C>, kernel: OpDef<A, C>): OpDef<A, C> {
  return {
    ...kernel,
    forward(inputs, attrs) {
      try {
        return kernel.forward(inputs, attrs);
      } catch (e) {
        if (e instanceof ArenaTooSmallError) return reference.forward(inputs, attrs);
        throw e;
      }
    },
    backward(upstream, cache, attrs, needed) {
      try {
        return kernel.backward!(upstream, cache, attrs, needed);
      } catch (e) {
        if (e instanceof ArenaTooSmallError) return reference.backward!(upstream, cache, attrs, needed);
        throw e;
      }
    },
  };
}

/**
 * The byte offset of `a` in the kernels' memory when `a` is a view of it (a
 * resident tensor's `data`: the kernel then updates it in place), else -1.
 */
export function offsetInKernels(a: Float32Array, memory: WebAssembly.Memory): number {
  return a.buffer === memory.buffer ? a.byteOffset : -1;
}
