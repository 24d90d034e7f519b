/**
 * The thread count of the wasm kernels and the pool of worker threads that
 * runs their parts.
 *
 * `getThreads()` is global state beside the active backend (DESIGN: the
 * backend, the thread count and the no-grad depth are the only ones): how
 * many threads the kernels may split one call over. It is 1 until a program
 * calls `await setThreads(n)`. With n > 1 and where threads are possible
 * (`threadsUnavailableReason()` says when not), the kernels move onto one
 * shared `WebAssembly.Memory`: the module built for threads
 * (./kernels_threads_wasm.generated.ts: imported shared memory, atomics) is
 * instantiated on this thread over that memory, and again in each of n − 1
 * workers — Node worker_threads (./threads_node.ts), or in a browser Web
 * Workers started from a Blob URL (./threads_browser.ts). Elsewhere — no
 * SharedArrayBuffer (a page that is not cross-origin isolated), a browser's
 * main thread (it may not block in Atomics.wait, and the caller of a kernel
 * does) — `setThreads` keeps one thread and says so by resolving to 1.
 *
 * How a call runs on the pool (`runJobs`): the caller cuts one kernel call
 * into parts that write disjoint outputs (./parallel_kernels.ts), part 0 runs
 * here, parts 1 … on the workers. Each part's arguments go into a small
 * control SharedArrayBuffer, a sequence number is bumped and notified
 * (Atomics), and this thread waits until every worker has stored that
 * number back. Both sides spin a short while (SPIN_MS) on the number before
 * they sleep in Atomics.wait: waking a sleeping thread took 100–150 µs on a
 * 2-vCPU KVM machine (bench/threads.ts's "split sgemm" rows: a 1 M
 * multiply-add SGEMM ran at 0.47× on two threads), longer than a small
 * part's work; a training step calls the kernels every few tens of µs, so a
 * worker that spins between calls is awake when the next part comes. Each worker instance has its own `threadIndex`
 * (assembly/thread_local.ts), so the kernels' per-thread static rows do not
 * collide; packing scratch is each part's own region of the arena. The
 * worker's program (`WORKER_PROGRAM`) is one source string for Node and
 * browsers; the two differ only in how a worker is created and how it gets
 * its start message.
 */
import { kernelsThreadsWasmBase64 } from "./kernels_threads_wasm.generated.js";
import { replaceKernels, requireKernels, wrapInstance } from "./wasm.js";
import type { KernelWorker, StartWorker, WorkerStart } from "./kernel_worker.js";
import { startNodeWorker } from "./threads_node.js";
import { browserThreadsUnavailableReason, startBrowserWorker } from "./threads_browser.js";

/** Most threads `setThreads` accepts (the kernels hold per-thread static rows for this many: assembly/thread_local.ts). */
export const MAX_THREADS = 8;

/** Largest shared memory, in 64 KiB pages: 2 GiB, the arena's limit (the threads module declares the same maximum). */
const MAX_PAGES = 32768;

// Control block (Int32 indices): the job sequence number, the stop flag, then per worker its done number and error flag.
const SEQ = 0;
const STOP = 1;
const DONE = 8;
const ERROR = 9;
// Arguments: per worker ARG_SLOTS float64 from byte ARGS_BYTE: [export index, count, args…].
const ARGS_BYTE = 256;
const ARG_SLOTS = 20; // max_pool2d forward takes 16 arguments
/** A worker that has not answered after this long is taken as dead (no kernel call runs minutes). */
const WAIT_LIMIT_MS = 600_000;
/**
 * How long a waiting thread checks the control block in a loop before it
 * sleeps in Atomics.wait, in ms: a worker after its part (the next call of
 * a training step or forward comes within this), and the calling thread
 * waiting for the workers' parts. Spinning costs the core it runs on for at
 * most this long after the last call.
 */
const SPIN_MS = 2;

/** The kernel exports a part may call, by index (the same list goes to the workers). */
const JOB_EXPORTS = [
  "sgemm", "conv2dForward", "conv2dBackwardInput", "conv2dBackwardWeightColumns", "conv2dForwardFused", "conv2dForwardPacked",
  "reluForward", "reluBackward", "addForward", "mulForward",
  "maxPool2dForward", "maxPool2dBackward", "globalAvgPoolForward", "globalAvgPoolBackward",
] as const;

/** The name of a kernel export that can run as a part on the pool. */
export type JobExport = (typeof JOB_EXPORTS)[number];

/** One part of a kernel call: which export, with which arguments (byte offsets and numbers). */
export interface Job {
  readonly name: JobExport;
  readonly args: readonly number[];
}

interface Pool {
  readonly workers: KernelWorker[];
  readonly control: Int32Array;
  readonly args: Float64Array;
  seq: number;
}

let threads = 1;
let pool: Pool | null = null;
let sharedKernelsModule: WebAssembly.Module | null = null;
/** The last `setThreads` still settling: each waits for the one before (no two pools started at once). */
let settling: Promise<unknown> = Promise.resolve();

/** How many threads the kernels may split one call over (1 unless `setThreads` gave more). */
export function getThreads(): number {
  return threads;
}

/** Whether this is Node (or a runtime that presents itself as Node: worker_threads). */
function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === "string";
}

/**
 * Why `setThreads(n > 1)` would stay on one thread here, as one sentence;
 * undefined where threads are possible (Node ≥ 20; a cross-origin isolated
 * browser Web Worker that can start Web Workers). In a browser the reasons
 * are: no SharedArrayBuffer or not cross-origin isolated (the page must be
 * served with COOP/COEP), or a main thread (it may not block in
 * Atomics.wait: run the model in a Web Worker).
 */
export function threadsUnavailableReason(): string | undefined {
  if (typeof SharedArrayBuffer !== "function" || typeof Atomics !== "object") {
    return "SharedArrayBuffer is not available here (a browser page has it only when cross-origin isolated: served with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)";
  }
  return isNode() ? undefined : browserThreadsUnavailableReason();
}

/** Whether this platform can run the kernels on several threads (`threadsUnavailableReason()` says why not). */
export function threadsSupported(): boolean {
  return threadsUnavailableReason() === undefined;
}

/**
 * Sets how many threads the wasm kernels may use (1 … MAX_THREADS) and
 * resolves to the count now in effect: `n`, or 1 where threads are not
 * supported here (`threadsUnavailableReason()` says why). The first n > 1 moves the kernels
 * onto a shared memory (the kernels must be loaded). Throws a RangeError for
 * a count that is not an integer in 1 … MAX_THREADS. Results are the same
 * bits for every thread count (./parallel_kernels.ts). Calls made before an
 * earlier one resolved take effect after it, in order.
 */
export async function setThreads(n: number): Promise<number> {
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new RangeError(`setThreads: expected an integer from 1 to ${MAX_THREADS}, got ${String(n)}`);
  }
  const run = settling.then(() => applyThreads(n));
  settling = run.catch(() => undefined);
  return run;
}

async function applyThreads(n: number): Promise<number> {
  if (n > 1 && !threadsSupported()) {
    threads = 1;
    return 1;
  }
  // A pool larger than needed stays (idle workers wait on an atomic and cost nothing); a smaller one is replaced.
  if (pool && pool.workers.length < n - 1) await stopPool();
  if (n > 1 && !pool) pool = await startPool(n - 1);
  threads = n;
  return n;
}

/**
 * Stops the workers (if any) and returns to one thread; the kernels stay on
 * their current memory. Not needed before a Node process exits (the workers
 * are unref'd); `setThreads(1)` keeps an idle pool for a later `setThreads(n)`.
 */
export async function stopPool(): Promise<void> {
  const old = pool;
  pool = null;
  threads = 1;
  if (!old) return;
  Atomics.store(old.control, STOP, 1);
  Atomics.add(old.control, SEQ, 1);
  Atomics.notify(old.control, SEQ);
  await Promise.all(old.workers.map((w) => w.terminate()));
}

/** Decodes and compiles the threads module once. */
function threadsModule(): WebAssembly.Module {
  if (!sharedKernelsModule) {
    const text = atob(kernelsThreadsWasmBase64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    sharedKernelsModule = new WebAssembly.Module(bytes as BufferSource);
  }
  return sharedKernelsModule;
}

/**
 * Moves the kernels onto a shared memory (once): instantiates the threads
 * module here over a new shared memory as large as the current one.
 */
function shareKernelsMemory(): { module: WebAssembly.Module; memory: WebAssembly.Memory } {
  const current = requireKernels();
  const module = threadsModule();
  if (current.exports.memory.buffer instanceof SharedArrayBuffer) return { module, memory: current.exports.memory };
  const pages = Math.max(1, Math.ceil(current.exports.memory.buffer.byteLength / 65536));
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES, shared: true });
  } catch (e) {
    throw new RangeError(`setThreads: cannot create a shared wasm memory of up to ${MAX_PAGES} pages (${(e as Error).message})`);
  }
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  replaceKernels(wrapInstance(instance));
  return { module, memory };
}

/**
 * The worker's program, the same for Node and browsers: a function
 * `runKernelWorker(start, ready)` that instantiates the threads module over
 * the shared memory, calls `ready()`, then runs a part each time the
 * sequence number moves and stores the number back. Valid as a script and
 * inside a module (./threads_node.ts and ./threads_browser.ts wrap it).
 */
export const WORKER_PROGRAM = `
function runKernelWorker({ module, memory, control, slot, names }, ready) {
  const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
  kernels.setThreadIndex(slot + 1);
  const ctl = new Int32Array(control);
  const args = new Float64Array(control, ${ARGS_BYTE} + slot * ${ARG_SLOTS} * 8, ${ARG_SLOTS});
  let seen = Atomics.load(ctl, ${SEQ});
  ready();
  for (;;) {
    const spinUntil = performance.now() + ${SPIN_MS};
    while (Atomics.load(ctl, ${SEQ}) === seen && performance.now() < spinUntil);
    Atomics.wait(ctl, ${SEQ}, seen);
    const seq = Atomics.load(ctl, ${SEQ});
    if (seq === seen) continue;
    seen = seq;
    if (Atomics.load(ctl, ${STOP}) === 1) break;
    const which = args[0];
    if (which >= 0) {
      try {
        kernels[names[which]](...args.subarray(2, 2 + args[1]));
      } catch (e) {
        Atomics.store(ctl, ${ERROR} + 2 * slot, 1);
      }
    }
    Atomics.store(ctl, ${DONE} + 2 * slot, seq);
    Atomics.notify(ctl, ${DONE} + 2 * slot);
  }
}
`;

/**
 * Starts `count` workers over the kernels' shared memory (Node worker_threads
 * or browser Web Workers) and waits until each has instantiated its module.
 */
async function startPool(count: number): Promise<Pool> {
  const { module, memory } = shareKernelsMemory();
  const startWorker: StartWorker = isNode() ? await startNodeWorker() : startBrowserWorker;
  const control = new SharedArrayBuffer(ARGS_BYTE + MAX_THREADS * ARG_SLOTS * 8);
  const workers: KernelWorker[] = [];
  const started: Promise<void>[] = [];
  for (let slot = 0; slot < count; slot++) {
    let ready: Promise<void>;
    try {
      const launched = startWorker(WORKER_PROGRAM, { module, memory, control, slot, names: JOB_EXPORTS });
      workers.push(launched.worker);
      ready = launched.ready;
    } catch (e) {
      ready = Promise.reject(e);
    }
    started.push(ready.catch((e: unknown) => {
      throw new Error(`setThreads: worker ${slot + 1} failed to start (${e instanceof Error ? e.message : String(e)})`);
    }));
  }
  try {
    await Promise.all(started);
  } catch (e) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw e;
  }
  return { workers, control: new Int32Array(control), args: new Float64Array(control, ARGS_BYTE), seq: 0 };
}

/**
 * Runs the parts of one kernel call: `jobs[0]` on this thread, `jobs[i]` on
 * worker i − 1, and returns when all are done. At most `getThreads()` parts;
 * the parts must write disjoint memory. Throws if a part fails.
 */
export function runJobs(jobs: readonly Job[]): void {
  const kernels = requireKernels().exports as unknown as Record<JobExport, (...args: number[]) => void>;
  if (jobs.length === 0) return;
  if (jobs.length === 1) {
    kernels[jobs[0].name](...jobs[0].args);
    return;
  }
  const p = pool;
  if (!p || jobs.length - 1 > p.workers.length) throw new Error(`runJobs: ${jobs.length} parts but ${p ? p.workers.length + 1 : 1} threads`);
  for (let slot = 0; slot < p.workers.length; slot++) {
    const job = jobs[slot + 1];
    const base = slot * ARG_SLOTS;
    if (!job) {
      p.args[base] = -1;
      continue;
    }
    if (job.args.length > ARG_SLOTS - 2) throw new Error(`runJobs: ${job.name} has ${job.args.length} arguments, at most ${ARG_SLOTS - 2}`);
    p.args[base] = JOB_EXPORTS.indexOf(job.name);
    p.args[base + 1] = job.args.length;
    p.args.set(job.args, base + 2);
    Atomics.store(p.control, ERROR + 2 * slot, 0);
  }
  p.seq = (p.seq + 1) | 0;
  Atomics.store(p.control, SEQ, p.seq);
  Atomics.notify(p.control, SEQ);
  let failure: unknown = null;
  try {
    kernels[jobs[0].name](...jobs[0].args);
  } catch (e) {
    failure = e;
  }
  for (let slot = 0; slot < p.workers.length; slot++) waitDone(p, slot);
  if (failure) throw failure;
  for (let slot = 0; slot + 1 < jobs.length; slot++) {
    if (Atomics.load(p.control, ERROR + 2 * slot) !== 0) throw new Error(`runJobs: ${jobs[slot + 1].name} failed on worker ${slot + 1}`);
  }
}

/** Blocks until worker `slot` has stored the current sequence number (Atomics.wait: Node's main thread or a browser Web Worker may block). */
function waitDone(p: Pool, slot: number): void {
  const spinUntil = performance.now() + SPIN_MS;
  while (Atomics.load(p.control, DONE + 2 * slot) !== p.seq && performance.now() < spinUntil);
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (;;) {
    const done = Atomics.load(p.control, DONE + 2 * slot);
    if (done === p.seq) return;
    if (Date.now() > deadline) throw new Error(`runJobs: worker ${slot + 1} did not answer within ${WAIT_LIMIT_MS / 1000} s`);
    Atomics.wait(p.control, DONE + 2 * slot, done, 1000);
  }
}
