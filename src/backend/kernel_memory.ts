/**
 * The allocator over the kernels' WebAssembly memory: blocks with an explicit
 * lifetime for resident tensors (./resident.ts) and for each call's scratch
 * (the arena of ./wasm.ts lays its regions out in one block it owns), so a
 * call's layout never overwrites a resident tensor.
 *
 * Blocks are 64-byte aligned (a cache line) and their sizes whole multiples
 * of 64 bytes. Free space is kept as a list of free blocks sorted by address,
 * coalesced with both neighbours when a block is freed, plus the untouched
 * space above `top`; a freed block that ends at `top` lowers `top` instead of
 * joining the list. An allocation takes the smallest free block that fits
 * (best fit, the rest stays free), else the space at `top`, growing the
 * memory when `top` passes its end (whole 64 KiB pages, the typed-array
 * views rebuilt afterwards: `generation` counts the grows).
 *
 * Why a coalescing free list and not size classes: a network's blocks are a
 * few dozen sizes from 64 bytes to tens of megabytes (activations, gradients,
 * scratch), freed in roughly the reverse order of allocation; power-of-two
 * classes would waste up to half of each large block, and exact classes never
 * give a block back to another size. With a few dozen live blocks a linear
 * best-fit scan costs about a microsecond (the allocator spec times nothing;
 * bench/memory.ts shows the effect on whole steps).
 *
 * The memory never grows past ARENA_LIMIT_BYTES: the kernels compute byte
 * offsets in i32. An allocation that would cross it, or a memory that refuses
 * to grow, throws ArenaTooSmallError before anything changes; the kernel ops
 * then run the reference, as for a call too large for the arena.
 */

/** Alignment of every block, and the unit of block sizes (a cache line). */
export const BLOCK_ALIGN = 64;
/**
 * Bytes the memory always extends past `top`: a kernel may read a few lanes
 * past the end of an operand it was handed in place (conv forward reads up to
 * NR floats past its input and discards them), which must not trap.
 */
export const TAIL_SLACK_BYTES = 64;

/** A WebAssembly page. */
export const PAGE_BYTES = 65536;

/**
 * Kernel memory ends below 2³¹ bytes: the kernels compute byte offsets in
 * i32, so every offset into their memory must be a positive i32.
 */
export const ARENA_LIMIT_BYTES = 2 ** 31 - PAGE_BYTES;

/**
 * A request that does not fit the kernels' memory (past ARENA_LIMIT_BYTES,
 * or the memory could not grow). The kernel ops catch it and run the
 * reference instead, so both backends answer alike; it reaches a caller only
 * from direct arena or allocator use.
 */
export class ArenaTooSmallError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = "ArenaTooSmallError";
  }
}

/** A free block: [start, start + size) bytes. */
interface FreeBlock {
  start: number;
  size: number;
}

/** What the allocator holds, for leak checks and benchmarks (counts, not times). */
export interface KernelMemoryStats {
  /** Bytes in allocated blocks (sizes rounded up to 64). */
  readonly liveBytes: number;
  /** Allocated blocks. */
  readonly liveBlocks: number;
  /** Bytes in free blocks below `top` (holes). */
  readonly freeBytes: number;
  /** First byte above every block: the high-water mark of use. */
  readonly top: number;
  /** Size of the WebAssembly memory in bytes. */
  readonly memoryBytes: number;
  /** How many times the memory has grown. */
  readonly grows: number;
  /** Most bytes live at once since the allocator began or since `resetPeak()` (blocks rounded up to 64). */
  readonly peakLiveBytes: number;
  /** Highest `top` since the allocator began or since `resetPeak()`: the kernel memory a run needed below `top` (live plus holes). */
  readonly peakTop: number;
}

/** Rounds a request of `bytes` up to a whole number of 64-byte units (at least one). */
function blockSize(bytes: number): number {
  return Math.max(BLOCK_ALIGN, Math.ceil(bytes / BLOCK_ALIGN) * BLOCK_ALIGN);
}

/** The allocator over one WebAssembly.Memory, from `base` up (see the file comment). */
export class KernelMemory {
  /** The memory allocated from. */
  readonly memory: WebAssembly.Memory;
  /** First byte that may be allocated (64-byte aligned, above the module's static data). */
  readonly base: number;
  /** Largest `top` allowed (ARENA_LIMIT_BYTES unless a spec asks for less). */
  readonly limit: number;
  /** How many times the memory has grown; typed-array views made before a grow must be rebuilt. */
  generation = 0;
  private topByte: number;
  private readonly holes: FreeBlock[] = [];
  private readonly allocated = new Map<number, number>();
  private live = 0;
  private peakLive = 0;
  private peakTopByte: number;

  constructor(memory: WebAssembly.Memory, heapBase: number, limit = ARENA_LIMIT_BYTES) {
    this.memory = memory;
    this.base = Math.ceil(heapBase / BLOCK_ALIGN) * BLOCK_ALIGN;
    this.topByte = this.base;
    this.peakTopByte = this.base;
    this.limit = limit;
  }

  /**
   * A new block of at least `bytes` bytes (64-byte aligned; contents are
   * whatever was there). Returns its byte offset. Throws ArenaTooSmallError
   * when it cannot fit below the limit or the memory cannot grow.
   */
  alloc(bytes: number): number {
    if (!Number.isFinite(bytes) || bytes < 0) throw new RangeError(`KernelMemory.alloc: expected a size in bytes ≥ 0, got ${bytes}`);
    const size = blockSize(bytes);
    let best = -1;
    for (let i = 0; i < this.holes.length; i++) {
      const f = this.holes[i];
      if (f.size >= size && (best < 0 || f.size < this.holes[best].size)) best = i;
    }
    let ptr: number;
    if (best >= 0) {
      const f = this.holes[best];
      ptr = f.start;
      if (f.size === size) this.holes.splice(best, 1);
      else { f.start += size; f.size -= size; }
    } else {
      ptr = this.topByte;
      this.raiseTop(ptr + size, "KernelMemory.alloc");
    }
    this.allocated.set(ptr, size);
    this.live += size;
    if (this.live > this.peakLive) this.peakLive = this.live;
    return ptr;
  }

  /** Returns the block at `ptr` to the free space. Throws for a pointer that is not an allocated block (freed twice, or never allocated). */
  free(ptr: number): void {
    const size = this.allocated.get(ptr);
    if (size === undefined) throw new Error(`KernelMemory.free: byte offset ${ptr} is not an allocated block (freed twice, or never allocated)`);
    this.allocated.delete(ptr);
    this.live -= size;
    // Insert in address order, then coalesce with the neighbours.
    let lo = 0, hi = this.holes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.holes[mid].start < ptr) lo = mid + 1;
      else hi = mid;
    }
    let block: FreeBlock = { start: ptr, size };
    let at = lo;
    const prev = this.holes[at - 1];
    if (prev && prev.start + prev.size === ptr) {
      prev.size += size;
      block = prev;
      at--;
    } else {
      this.holes.splice(at, 0, block);
    }
    const next = this.holes[at + 1];
    if (next && block.start + block.size === next.start) {
      block.size += next.size;
      this.holes.splice(at + 1, 1);
    }
    if (block.start + block.size === this.topByte) {
      this.topByte = block.start;
      this.holes.splice(at, 1);
    }
  }

  /**
   * Makes the block at `ptr` at least `bytes` long without moving it, when
   * the space right after it is free (a free block or `top`). Returns whether
   * it could. Throws ArenaTooSmallError when growing at `top` crosses the limit.
   */
  extendInPlace(ptr: number, bytes: number): boolean {
    const size = this.allocated.get(ptr);
    if (size === undefined) throw new Error(`KernelMemory.extendInPlace: byte offset ${ptr} is not an allocated block`);
    const want = blockSize(bytes);
    if (want <= size) return true;
    const end = ptr + size;
    if (end === this.topByte) {
      this.raiseTop(ptr + want, "KernelMemory.extendInPlace");
    } else {
      const i = this.holes.findIndex((f) => f.start === end);
      if (i < 0) return false;
      const f = this.holes[i];
      const extra = want - size;
      if (f.size < extra) return false;
      if (f.size === extra) this.holes.splice(i, 1);
      else { f.start += extra; f.size -= extra; }
    }
    this.allocated.set(ptr, want);
    this.live += want - size;
    if (this.live > this.peakLive) this.peakLive = this.live;
    return true;
  }

  /** The size in bytes of the allocated block at `ptr` (a multiple of 64), or undefined. */
  sizeOf(ptr: number): number | undefined {
    return this.allocated.get(ptr);
  }

  /** Live and free bytes, blocks, top and the memory size (see KernelMemoryStats). */
  stats(): KernelMemoryStats {
    let freeBytes = 0;
    for (const f of this.holes) freeBytes += f.size;
    return {
      liveBytes: this.live, liveBlocks: this.allocated.size, freeBytes, top: this.topByte, memoryBytes: this.memory.buffer.byteLength, grows: this.generation,
      peakLiveBytes: this.peakLive, peakTop: this.peakTopByte,
    };
  }

  /**
   * Starts the high-water marks (`peakLiveBytes`, `peakTop`) afresh from
   * what is live now, to measure one run (e.g. one forward pass). The
   * memory's size is not a mark: a WebAssembly memory never shrinks.
   */
  resetPeak(): void {
    this.peakLive = this.live;
    this.peakTopByte = this.topByte;
  }

  /** The free blocks below `top`, in address order (copies; for specs). */
  freeBlocks(): Array<{ start: number; size: number }> {
    return this.holes.map((f) => ({ ...f }));
  }

  /** Makes the memory at least `bytes` long (whole pages); ArenaTooSmallError when it cannot grow. */
  reserve(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return;
    const pages = Math.ceil((bytes - have) / PAGE_BYTES);
    try {
      this.memory.grow(pages);
    } catch (e) {
      throw new ArenaTooSmallError(`wasm kernels: cannot grow memory to ${bytes} bytes (${(e as Error).message})`);
    }
    this.generation++;
  }

  /** Moves `top` up to `end`, growing the memory; nothing changes when it throws. */
  private raiseTop(end: number, where: string): void {
    if (end > this.limit) {
      throw new ArenaTooSmallError(`${where}: needs kernel memory up to byte ${end}, past the kernels' limit of ${this.limit} (byte offsets are 32-bit; ${this.live} bytes are live)`);
    }
    this.reserve(end + TAIL_SLACK_BYTES);
    this.topByte = end;
    if (end > this.peakTopByte) this.peakTopByte = end;
  }
}
