// The allocator over the kernels' memory (src/backend/kernel_memory.ts):
// alignment, reuse and coalescing of freed blocks, growth, the limit, double
// frees, and a property over random alloc/free sequences (no two live blocks
// overlap, every block inside the memory, live bytes counted exactly).
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { ArenaTooSmallError, KernelMemory, PAGE_BYTES } from "../../src/backend/kernel_memory.js";
import { fcParams } from "../support/properties.js";

/** A fresh allocator over its own one-page memory, from byte 1000 (so the base rounds up to 1024). */
function fresh(limit?: number): KernelMemory {
  return new KernelMemory(new WebAssembly.Memory({ initial: 1, maximum: 4096 }), 1000, limit);
}

test("blocks are 64-byte aligned, rounded up to 64 bytes, and laid out from the base", () => {
  const heap = fresh();
  assert.is(heap.base, 1024);
  const a = heap.alloc(1), b = heap.alloc(100), c = heap.alloc(0), d = heap.alloc(64);
  assert.equal([a, b, c, d], [1024, 1088, 1216, 1280]);
  assert.equal([a, b, c, d].map((p) => heap.sizeOf(p)), [64, 128, 64, 64]);
  assert.equal(heap.stats().liveBytes, 320);
  assert.is(heap.stats().liveBlocks, 4);
  assert.is(heap.stats().top, 1344);
});

test("a freed block is reused by the best-fitting later request", () => {
  const heap = fresh();
  const a = heap.alloc(256), b = heap.alloc(64), c = heap.alloc(128), d = heap.alloc(64);
  heap.free(a); // hole of 256 at a
  heap.free(c); // hole of 128 at c
  assert.is(heap.alloc(100), c, "the 128-byte hole fits best");
  assert.is(heap.alloc(64), a, "then the front of the 256-byte hole");
  assert.equal(heap.freeBlocks(), [{ start: a + 64, size: 192 }]);
  assert.ok(b > 0 && d > 0);
});

test("freeing coalesces with both neighbours, and a hole at the top lowers the top", () => {
  const heap = fresh();
  const [a, b, c, d] = [heap.alloc(64), heap.alloc(128), heap.alloc(64), heap.alloc(64)];
  heap.free(a);
  heap.free(c);
  assert.equal(heap.freeBlocks(), [{ start: a, size: 64 }, { start: c, size: 64 }]);
  heap.free(b); // joins a and c into one hole
  assert.equal(heap.freeBlocks(), [{ start: a, size: 256 }]);
  heap.free(d); // the hole now reaches the top: everything is free again
  assert.equal(heap.freeBlocks(), []);
  assert.is(heap.stats().top, heap.base);
  assert.is(heap.stats().liveBytes, 0);
});

test("freeing a block twice, or a pointer that was never a block, throws", () => {
  const heap = fresh();
  const a = heap.alloc(10);
  heap.alloc(10);
  heap.free(a);
  assert.throws(() => heap.free(a), /KernelMemory.free: byte offset 1024 is not an allocated block \(freed twice, or never allocated\)/);
  assert.throws(() => heap.free(a + 4), /not an allocated block/);
});

test("allocating past the memory grows it (whole pages) and counts the grow", () => {
  const heap = fresh();
  assert.is(heap.stats().memoryBytes, PAGE_BYTES);
  const p = heap.alloc(3 * PAGE_BYTES);
  assert.is(heap.stats().memoryBytes, 4 * PAGE_BYTES);
  assert.is(heap.generation, 1);
  new Float32Array(heap.memory.buffer, p, (3 * PAGE_BYTES) / 4).fill(1); // the block is inside the grown memory
  heap.free(p);
  heap.alloc(3 * PAGE_BYTES);
  assert.is(heap.generation, 1, "a freed block's space is reused without growing");
});

test("a request past the limit throws ArenaTooSmallError and changes nothing", () => {
  const heap = fresh(8 * PAGE_BYTES);
  const a = heap.alloc(PAGE_BYTES);
  const before = heap.stats();
  assert.throws(() => heap.alloc(8 * PAGE_BYTES), (e: unknown) => e instanceof ArenaTooSmallError && /KernelMemory.alloc: needs kernel memory up to byte \d+, past the kernels' limit of 524288/.test((e as Error).message));
  assert.equal(heap.stats(), before);
  heap.free(a);
  assert.throws(() => heap.alloc(-1), /expected a size in bytes ≥ 0, got -1/);
});

test("a memory that refuses to grow throws ArenaTooSmallError", () => {
  const heap = new KernelMemory(new WebAssembly.Memory({ initial: 1, maximum: 1 }), 0);
  assert.throws(() => heap.alloc(2 * PAGE_BYTES), (e: unknown) => e instanceof ArenaTooSmallError && /cannot grow memory to/.test((e as Error).message));
  assert.is(heap.stats().liveBlocks, 0);
});

test("the high-water marks count the most live bytes and the highest top, and resetPeak starts them from now", () => {
  const heap = fresh();
  const a = heap.alloc(1000), b = heap.alloc(64); // 1024 + 64 live
  heap.free(a);
  heap.free(b);
  assert.is(heap.stats().liveBytes, 0);
  assert.is(heap.stats().peakLiveBytes, 1088);
  assert.is(heap.stats().peakTop, heap.base + 1088);
  const c = heap.alloc(128);
  heap.resetPeak();
  assert.is(heap.stats().peakLiveBytes, 128, "after a reset: what is live now");
  assert.is(heap.stats().peakTop, heap.base + 128);
  assert.ok(heap.extendInPlace(c, 512));
  assert.is(heap.stats().peakLiveBytes, 512, "an extension counts");
  assert.is(heap.stats().peakTop, heap.base + 512);
});

test("extendInPlace grows a block at the top or into a free neighbour, and refuses otherwise", () => {
  const heap = fresh();
  const a = heap.alloc(64), b = heap.alloc(64), c = heap.alloc(64);
  assert.ok(heap.extendInPlace(c, 1000), "c is at the top");
  assert.is(heap.sizeOf(c), 1024);
  assert.not.ok(heap.extendInPlace(a, 128), "b follows a");
  heap.free(b);
  assert.ok(heap.extendInPlace(a, 128), "b's hole follows a");
  assert.is(heap.sizeOf(a), 128);
  assert.equal(heap.freeBlocks(), []);
});

/** One random step: allocate `size` bytes, or free the live block at `index` modulo their count. */
type Step = { kind: "alloc"; size: number } | { kind: "free"; index: number };

test("property: random alloc/free sequences never overlap, stay aligned and inside memory, and count live bytes exactly", () => {
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ kind: fc.constant("alloc" as const), size: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 3 * PAGE_BYTES })) }),
    fc.record({ kind: fc.constant("free" as const), index: fc.nat() }),
  );
  fc.assert(
    fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
      const heap = fresh();
      const live: Array<{ ptr: number; size: number }> = [];
      let peakLive = 0, peakTop = heap.base;
      for (const s of steps) {
        if (s.kind === "alloc") {
          const ptr = heap.alloc(s.size);
          live.push({ ptr, size: heap.sizeOf(ptr)! });
          assert.ok(heap.sizeOf(ptr)! >= s.size);
        } else if (live.length > 0) {
          const [gone] = live.splice(s.index % live.length, 1);
          heap.free(gone.ptr);
        }
        const sorted = [...live].sort((x, y) => x.ptr - y.ptr);
        for (let i = 0; i < sorted.length; i++) {
          const { ptr, size } = sorted[i];
          assert.is(ptr % 64, 0);
          assert.ok(ptr >= heap.base && ptr + size <= heap.stats().top && heap.stats().top <= heap.memory.buffer.byteLength);
          if (i > 0) assert.ok(sorted[i - 1].ptr + sorted[i - 1].size <= ptr, `blocks at ${sorted[i - 1].ptr} and ${ptr} overlap`);
        }
        const stats = heap.stats();
        assert.is(stats.liveBytes, live.reduce((n, b) => n + b.size, 0));
        assert.is(stats.liveBlocks, live.length);
        assert.is(stats.liveBytes + stats.freeBytes, stats.top - heap.base, "live and free bytes tile the used space");
        peakLive = Math.max(peakLive, stats.liveBytes);
        peakTop = Math.max(peakTop, stats.top);
        assert.is(stats.peakLiveBytes, peakLive, "the high-water mark of live bytes");
        assert.is(stats.peakTop, peakTop, "the high-water mark of top");
      }
      for (const b of live) heap.free(b.ptr);
      assert.is(heap.stats().top, heap.base, "everything freed: the top is back at the base");
    }),
    fcParams(200),
  );
});

test.run();
