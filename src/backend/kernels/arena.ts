/**
 * What every kernel op shares: copying results out of the kernels' arena
 * (../wasm.ts) into new arrays, and `orReference`, which runs the reference
 * op for a call whose problem does not fit the arena.
 */
import type { OpDef } from "../../ops/op.js";
import { ArenaTooSmallError, requireKernels } from "../wasm.js";

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
