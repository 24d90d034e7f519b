/**
 * What the kernel thread pool (./threads.ts) and the two ways of starting a
 * worker (./threads_node.ts, ./threads_browser.ts) agree on, in a file of its
 * own so that neither side imports the other's module for its types.
 */

/** What a kernel worker gets when it starts: the threads module, the shared memory, the control block, its slot. */
export interface WorkerStart {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly control: SharedArrayBuffer;
  /** 0 for the first worker: it is thread slot + 1 (the calling thread is 0). */
  readonly slot: number;
  readonly names: readonly string[];
}

/** A started kernel worker (Node's or a browser's), as much of it as the pool uses. */
export interface KernelWorker {
  terminate(): unknown;
}

/** Starts one worker running `program` with `start`; `ready` settles when it has instantiated its module (or failed to). */
export type StartWorker = (program: string, start: WorkerStart) => { worker: KernelWorker; ready: Promise<void> };
