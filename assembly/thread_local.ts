// Which thread this instance of the module runs on. With threads, every
// thread instantiates the module over one shared memory: static data (the
// edge-tile row of gemm.ts, the lane origins of conv_panels.ts) is then shared too,
// so each such area is MAX_THREADS slots and a thread uses slot
// `threadIndex`. Globals are per instance, so `threadIndex` is the thread's own.

/** Most threads a pool may run (the JS side's setThreads checks the same bound). */
export const MAX_THREADS: i32 = 8;

/** The slot of this instance in the per-thread static areas (0 on the main thread). */
export let threadIndex: i32 = 0;

/** Sets this instance's slot (0 … MAX_THREADS − 1); called once by each worker after instantiating. */
export function setThreadIndex(index: i32): void {
  threadIndex = index;
}
