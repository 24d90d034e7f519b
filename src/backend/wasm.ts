/**
 * Loading the WebAssembly SIMD kernels (assembly/) and the scratch arena that
 * problems are laid out in.
 *
 * The module's bytes travel inside the package as base64
 * (./kernels_wasm.generated.ts, written by `npm run build:wasm`) and are
 * decoded with `atob`, so Node, browsers, workers and bundlers load them with
 * no file path to configure. SIMD support is detected first by validating a
 * tiny SIMD module; without it the kernels are not loaded and every op runs
 * its reference.
 *
 * Instantiation is synchronous where the platform allows it (Node, workers;
 * `instantiateKernelsSync`) and asynchronous otherwise (`instantiateKernels`,
 * for browser main threads, which may refuse to compile synchronously).
 * Registering the kernel ops with the dispatch is the job of ./load.ts.
 *
 * The arena: the kernels allocate nothing. The JS side owns the module's
 * memory above `heapBase()` through one allocator (./kernel_memory.ts):
 * resident tensors live in its blocks (./resident.ts), and each call lays its
 * regions out afresh in one block the arena keeps for calls
 * (`WasmArena.layout`), copies inputs there, calls a kernel with byte offsets,
 * and copies results out; nothing leaks from one call to the next. Memory
 * grows only when a problem needs more than any before it, and the
 * typed-array views are rebuilt after a grow (the old ones are detached).
 */
import { kernelsWasmBase64 } from "./kernels_wasm.generated.js";
import { ARENA_LIMIT_BYTES, ArenaTooSmallError, BLOCK_ALIGN, KernelMemory } from "./kernel_memory.js";

/** The functions and constants the kernels module exports (pointers are byte offsets, booleans 0/1). */
export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  readonly MR: WebAssembly.Global;
  readonly NR: WebAssembly.Global;
  readonly KC: WebAssembly.Global;
  readonly MC: WebAssembly.Global;
  readonly NC: WebAssembly.Global;
  heapBase(): number;
  kernelsVersion(): number;
  packA(transA: number, mc: number, kc: number, a: number, lda: number, i0: number, p0: number, dst: number): void;
  packB(transB: number, kc: number, nc: number, b: number, ldb: number, p0: number, j0: number, dst: number): void;
  microkernel(kc: number, pa: number, pb: number, c: number, ldc: number, alpha: number, beta: number, mr: number, nr: number): void;
  gemmPacked(mc: number, nc: number, kc: number, alpha: number, pa: number, pb: number, beta: number, c: number, ldc: number): void;
  sgemm(transA: number, transB: number, m: number, n: number, k: number, alpha: number, a: number, lda: number,
    b: number, ldb: number, beta: number, c: number, ldc: number, scratch: number): void;
  sgemmScratchBytes(m: number, n: number, k: number): number;
  scaleC(m: number, n: number, beta: number, c: number, ldc: number): void;
  convK(geom: number): number;
  im2colPanel(geom: number, a: number, j0: number, width: number, dst: number): void;
  col2imPanel(geom: number, src: number, j0: number, width: number, a: number): void;
  im2colRowsPanel(geom: number, a: number, k0: number, width: number, p0: number, pc: number, dst: number): void;
  conv2dForward(geom: number, a: number, w: number, bias: number, z: number, scratch: number): void;
  conv2dForwardFused(geom: number, a: number, w: number, bias: number, residual: number, z: number, scratch: number, relu: number): void;
  /** Scratch sizes are f64 (exact whatever the geometry; may exceed what the arena can hold). */
  conv2dForwardScratchBytes(geom: number): number;
  /** `conv2dForwardFused` with the weights packed beforehand by `conv2dPackWeights` (`packed`). */
  conv2dForwardPacked(geom: number, a: number, packed: number, bias: number, residual: number, z: number, scratch: number, relu: number): void;
  conv2dForwardPackedScratchBytes(geom: number): number;
  conv2dPackWeights(geom: number, w: number, dst: number): void;
  conv2dPackedWeightsBytes(geom: number): number;
  conv2dBackwardInput(geom: number, dz: number, w: number, da: number, scratch: number): void;
  conv2dBackwardInputScratchBytes(geom: number): number;
  conv2dBackwardWeight(geom: number, dz: number, a: number, dw: number, scratch: number): void;
  conv2dBackwardWeightColumns(geom: number, dz: number, a: number, dw: number, scratch: number, kBegin: number, kEnd: number): void;
  conv2dBackwardWeightScratchBytes(geom: number): number;
  channelSums(t: number, N: number, C: number, size: number, dst: number): void;
  reluForward(x: number, n: number, y: number): void;
  reluBackward(dy: number, x: number, n: number, dx: number): void;
  maxPool2dForward(x: number, planes: number, H: number, W: number, kH: number, kW: number, sH: number, sW: number,
    pH: number, pW: number, dH: number, dW: number, Ho: number, Wo: number, y: number, indices: number): void;
  maxPool2dBackward(dy: number, indices: number, planes: number, perPlane: number, HW: number, dx: number): void;
  setThreadIndex(index: number): void;
  sgdStep(param: number, grad: number, buffer: number, n: number, lr: number, momentum: number, keep: number, weightDecay: number, flags: number): void;
  batchNormStats(x: number, N: number, C: number, S: number, mean: number, variance: number): void;
  batchNormForward(x: number, N: number, C: number, S: number, mean: number, invStd: number, gamma: number, beta: number, y: number): void;
  batchNormBackward(dy: number, x: number, N: number, C: number, S: number, mean: number, invStd: number, gamma: number,
    training: number, dx: number, dgamma: number, dbeta: number): void;
  addForward(x: number, y: number, n: number, z: number): void;
  mulForward(x: number, y: number, n: number, z: number): void;
  globalAvgPoolForward(x: number, planes: number, HW: number, y: number): void;
  globalAvgPoolBackward(dy: number, planes: number, HW: number, dx: number): void;
  adamStep(theta: number, grad: number, m: number, v: number, n: number, lr: number, beta1: number, beta2: number, eps: number,
    weightDecay: number, decoupled: number, correction1: number, correction2: number): void;
  exactExpF64(x: number): number;
  exactExpPairF64(a: number, b: number, out: number): void;
  softmaxRowStats(x: number, rows: number, C: number, stats: number, scratch: number): void;
  softmaxForward(x: number, rows: number, C: number, y: number, scratch: number): void;
  logSoftmaxForward(x: number, rows: number, C: number, stats: number, y: number): void;
  softmaxBackward(dy: number, y: number, rows: number, C: number, dz: number): void;
  logSoftmaxBackward(dy: number, l: number, rows: number, C: number, dz: number): void;
  crossEntropyLosses(x: number, target: number, rows: number, C: number, stats: number, ignoreIndex: number, eps: number, losses: number): void;
  crossEntropyBackward(x: number, target: number, rows: number, C: number, stats: number, ignoreIndex: number, eps: number,
    dy: number, perRow: number, scale: number, dz: number): void;
}

/** Alignment of every arena region (a cache line). */
const ALIGN = BLOCK_ALIGN;

export { ARENA_LIMIT_BYTES, ArenaTooSmallError };

/**
 * The part of the kernels' memory the JS side owns, from `heapBase()` up,
 * managed by one allocator (`heap`, ./kernel_memory.ts): resident tensors'
 * blocks (./resident.ts) and the block this arena lays each call out in.
 * `layout` hands out byte offsets for one call; `f32` / `i32` are views of
 * the whole memory, valid until the next `layout` (or allocation) that grows it.
 */
export class WasmArena {
  /** The kernels' memory. */
  readonly memory: WebAssembly.Memory;
  /** The allocator over it (resident blocks and the call scratch block). */
  readonly heap: KernelMemory;
  private f32View: Float32Array;
  private i32View: Int32Array;
  private viewGeneration = 0;
  /** The block each call is laid out in (-1 before the first layout), and its size in bytes. */
  private scratchPtr = -1;
  private scratchBytes = 0;

  constructor(memory: WebAssembly.Memory, heapBase: number) {
    this.memory = memory;
    this.heap = new KernelMemory(memory, heapBase);
    this.f32View = new Float32Array(memory.buffer);
    this.i32View = new Int32Array(memory.buffer);
  }

  /** First byte of the arena (64-byte aligned, above the module's static data). */
  get base(): number {
    return this.heap.base;
  }

  /** How many times the memory has grown (for tests and diagnostics). */
  get grows(): number {
    return this.heap.generation;
  }

  /** Bytes of the block calls are laid out in (0 before the first layout); the rest of the live bytes are resident tensors. */
  get callBlockBytes(): number {
    return this.scratchPtr >= 0 ? this.scratchBytes : 0;
  }

  /** Current size of the memory in bytes. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /** A Float32Array over the whole memory (rebuilt after a grow). */
  get f32(): Float32Array {
    if (this.viewGeneration !== this.heap.generation || this.f32View.buffer !== this.memory.buffer) this.refreshViews();
    return this.f32View;
  }

  /** An Int32Array over the whole memory (rebuilt after a grow). */
  get i32(): Int32Array {
    if (this.viewGeneration !== this.heap.generation || this.i32View.buffer !== this.memory.buffer) this.refreshViews();
    return this.i32View;
  }

  /**
   * Byte offsets of consecutive regions of the given sizes (bytes), each
   * 64-byte aligned, in the arena's call block. The offsets are valid until
   * the next `layout`: each call into the kernels lays out its own problem
   * from the block's start, and resident blocks are never inside it. The
   * block grows (in place when the space after it is free, else it moves)
   * when the regions do not fit. Sizes add up in float64; a layout that could
   * not fit below ARENA_LIMIT_BYTES throws ArenaTooSmallError before anything
   * grows.
   */
  layout(sizes: readonly number[]): number[] {
    const offsets: number[] = [];
    let total = 0;
    for (const size of sizes) {
      if (!Number.isInteger(size) || size < 0) throw new RangeError(`WasmArena.layout: expected sizes of whole bytes ≥ 0, got ${size}`);
      offsets.push(total);
      total += Math.ceil(size / ALIGN) * ALIGN;
    }
    if (this.base + total > ARENA_LIMIT_BYTES) {
      throw new ArenaTooSmallError(`WasmArena.layout: the call needs ${this.base + total} bytes of kernel memory, more than the kernels' limit of ${ARENA_LIMIT_BYTES} (byte offsets are 32-bit)`);
    }
    const start = this.callBlock(total);
    for (let i = 0; i < offsets.length; i++) offsets[i] += start;
    return offsets;
  }

  /** Makes the memory at least `bytes` long (whole pages), rebuilding the views if it grew. */
  reserve(bytes: number): void {
    this.heap.reserve(bytes);
  }

  /** The start of a call block of at least `bytes` bytes: the current one, extended in place, or a new one. */
  private callBlock(bytes: number): number {
    if (this.scratchPtr >= 0) {
      if (bytes <= this.scratchBytes) return this.scratchPtr;
      if (this.heap.extendInPlace(this.scratchPtr, bytes)) {
        this.scratchBytes = this.heap.sizeOf(this.scratchPtr)!;
        return this.scratchPtr;
      }
      this.heap.free(this.scratchPtr);
      this.scratchPtr = -1;
      this.scratchBytes = 0;
    }
    this.scratchPtr = this.heap.alloc(bytes);
    this.scratchBytes = this.heap.sizeOf(this.scratchPtr)!;
    return this.scratchPtr;
  }

  private refreshViews(): void {
    this.f32View = new Float32Array(this.memory.buffer);
    this.i32View = new Int32Array(this.memory.buffer);
    this.viewGeneration = this.heap.generation;
  }
}

/** The instantiated kernels: their exports, the arena and the register-block sizes. */
export interface WasmKernels {
  readonly exports: KernelExports;
  readonly arena: WasmArena;
  /** Rows of the microkernel's register block. */
  readonly MR: number;
  /** Columns of the microkernel's register block. */
  readonly NR: number;
  /** K block of the SGEMM driver. */
  readonly KC: number;
  /** M block of the SGEMM driver. */
  readonly MC: number;
}

// A module whose one function returns i32x4.splat(0): valid only where
// WebAssembly SIMD is supported.
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, //       type section: () → v128
  0x03, 0x02, 0x01, 0x00, //                         function section: one function of type 0
  0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x11, 0x0b, // code: i32.const 0; i32x4.splat; end
]);

/** Whether this platform has WebAssembly with SIMD (validates a tiny SIMD module). */
export function simdSupported(): boolean {
  try {
    return typeof WebAssembly === "object" && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/** The kernels module's bytes, decoded from the embedded base64 with `atob` (no Buffer needed). */
export function kernelBytes(): Uint8Array {
  const text = atob(kernelsWasmBase64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/**
 * The version of the kernels' calling conventions this JS glue is written
 * for: assembly/index.ts's `kernelsVersion()` must return it.
 */
export const KERNELS_VERSION = 3;

/** A kernels module built for other calling conventions than this JS glue (stale build): refused. */
export class KernelsVersionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KernelsVersionError";
  }
}

/** Throws KernelsVersionError, naming both versions, unless the module's kernelsVersion() is KERNELS_VERSION. */
function checkKernelsVersion(exports: Partial<KernelExports>): void {
  const version = typeof exports.kernelsVersion === "function" ? exports.kernelsVersion() : undefined;
  if (version !== KERNELS_VERSION) {
    const got = version === undefined ? "has no kernelsVersion()" : `is version ${version}`;
    throw new KernelsVersionError(`wasm kernels: the module ${got}, but this JS glue expects version ${KERNELS_VERSION} (rebuild both with npm run build:wasm)`);
  }
}

function wrap(instance: WebAssembly.Instance): WasmKernels {
  const exports = instance.exports as unknown as KernelExports;
  checkKernelsVersion(exports);
  return {
    exports,
    arena: new WasmArena(exports.memory, exports.heapBase()),
    MR: exports.MR.value as number,
    NR: exports.NR.value as number,
    KC: exports.KC.value as number,
    MC: exports.MC.value as number,
  };
}

let instantiated: WasmKernels | null = null;

/**
 * Instantiates the kernels synchronously (Node, workers). Returns them, or
 * null when SIMD is missing, the platform refuses a synchronous compile or
 * the module's version is not KERNELS_VERSION (../load.ts says why).
 * Later calls return the same instance.
 */
export function instantiateKernelsSync(): WasmKernels | null {
  if (instantiated) return instantiated;
  if (!simdSupported()) return null;
  try {
    const module = new WebAssembly.Module(kernelBytes() as BufferSource);
    instantiated = wrap(new WebAssembly.Instance(module, {}));
  } catch {
    return null;
  }
  return instantiated;
}

/** Instantiates the kernels asynchronously (works on browser main threads too); null when SIMD is missing. */
export async function instantiateKernels(): Promise<WasmKernels | null> {
  if (instantiated) return instantiated;
  if (!simdSupported()) return null;
  try {
    const { instance } = await WebAssembly.instantiate(kernelBytes() as BufferSource, {});
    instantiated ??= wrap(instance);
  } catch {
    return null;
  }
  return instantiated;
}

/**
 * The kernels of an instance of either build (its own memory, or the threads
 * build's shared one: ./threads.ts). Throws KernelsVersionError when the
 * module's kernelsVersion() is not KERNELS_VERSION.
 */
export function wrapInstance(instance: WebAssembly.Instance): WasmKernels {
  return wrap(instance);
}

/**
 * Makes `kernels` the instance every later call uses: ./threads.ts moves the
 * kernels onto a shared memory this way (every call lays out its arena
 * afresh, so nothing in the old memory is needed).
 */
export function replaceKernels(kernels: WasmKernels): void {
  instantiated = kernels;
}

/** The instantiated kernels, or null before a successful instantiate. */
export function loadedKernels(): WasmKernels | null {
  return instantiated;
}

/** The instantiated kernels; throws if they have not been loaded (see ./load.ts). */
export function requireKernels(): WasmKernels {
  if (!instantiated) throw new Error("wasm kernels: not loaded (call loadKernelsSync() or await loadKernels() first; they need WebAssembly SIMD)");
  return instantiated;
}
