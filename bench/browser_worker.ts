/**
 * The Web Worker of the browser benchmark (bench/browser.ts bundles it as
 * worker.js): measures one library at one thread count on one group of
 * cases, posts the numbers and is terminated. One fresh worker per job,
 * because TF.js's WASM backend fixes its thread count when it initializes
 * (`setThreadsCount` before `setBackend("wasm")`), and so that each job
 * starts from the same state. In a worker because nnref's kernel threads
 * need the caller to block in Atomics.wait, which a page's main thread may
 * not do (TF.js's threaded build runs in a worker as well: its pthreads are
 * nested workers).
 *
 * - nnref: `setThreads(n)`; SGEMM is the kernel on matrices already in the
 *   kernels' memory, cut over the threads (`sgemmOnThreads`, what a kernel
 *   op on resident tensors runs); conv2d forward is the kernel op on
 *   resident tensors, and again on plain ones with the copies in and out
 *   (./conv_runs.ts, as in bench/kernels.ts); ResNet-18
 *   and VGG-16 forward with resident parameters in a tidy scope, as built
 *   and after `fuseModelForInference` (as in bench/models.ts).
 * - TF.js 4.22 WASM (XNNPACK): `setWasmPaths` to the copied .wasm files,
 *   `setThreadsCount(n)`; tf.matMul, tf.conv2d (NHWC, HWIO) and the same
 *   networks with the same weights (./tf_forward.ts). TF.js comes from
 *   tfjs.js (a separate bundle, loaded by importScripts only in TF.js jobs).
 *
 * Timing: warm-up by time, then tinybench's median call for kernels
 * (./harness.ts; short calls in batches of ~1 ms), the median of RUNS
 * forwards for models.
 */
import { getThreads, kernelsUnavailableReason, loadKernelsSync, setBackend, setThreads, threadsUnavailableReason } from "../src/index.js";
import { requireKernels } from "../src/backend/wasm.js";
import { sgemmOnThreads, sgemmScratchBytesOnThreads } from "../src/backend/parallel_kernels.js";
import { noGrad } from "../src/autograd/apply.js";
import { Variable } from "../src/autograd/variable.js";
import { tidy } from "../src/tensor_lifetime.js";
import { makeParametersResident } from "../src/nn/resident_parameters.js";
import { fuseModelForInference, resnet18, vgg16 } from "../src/models/index.js";
import type { Module } from "../src/nn/index.js";
import { Tensor, randn } from "../src/tensor.js";
import { Random } from "../src/random.js";
import { gflops, medianMs, warmUp } from "./harness.js";
import { convGeometry, forwardShapes, randomArray, toChannelsLast, toHWIO, type ConvShape } from "./conv_cases.js";
import { WITH_COPIES, convForwardCalls } from "./conv_runs.js";
import { tfForward } from "./tf_forward.js";

/** What a worker is asked to measure. */
export interface Job {
  library: "nnref" | "tfjs";
  threads: number;
  group: "kernels" | "resnet18" | "vgg16";
  /** Tiny sizes and short timings: a smoke run of seconds. */
  quick: boolean;
  /** TF.js as it comes: its pool capped at navigator.hardwareConcurrency / 2 threads (see liftTfjsThreadCap). */
  tfjsStock: boolean;
}

/** One measured case: GFLOP/s for kernels, ms per forward for models; a model's output for the cross-check. */
export interface Measured {
  label: string;
  unit: "GFLOP/s" | "ms";
  value: number;
  output?: number[];
}

/** A worker's answer: the thread count in effect (and why not the one asked for), and the cases. */
export interface JobResult {
  threads: number;
  why?: string;
  detail: string;
  rows: Measured[];
}

/** Forwards per model measurement (after the warm-up); their median is taken. */
const RUNS = 5;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type TF = any;

interface KernelCase {
  label: string;
  flops: number;
  sgemm?: { n: number; a: Float32Array; b: Float32Array };
  conv?: { shape: ConvShape; x: Float32Array; w: Float32Array };
}

/** The kernel cases with their inputs, the same numbers in every worker (seed 1). */
function kernelCases(quick: boolean): KernelCase[] {
  const rng = new Random(1);
  const cases: KernelCase[] = [];
  for (const n of quick ? [64, 128] : [64, 128, 256, 512, 1024]) {
    cases.push({ label: `sgemm n=${n}`, flops: 2 * n * n * n, sgemm: { n, a: randomArray(n * n, rng), b: randomArray(n * n, rng) } });
  }
  const shapes = quick ? forwardShapes.slice(0, 2).map((s) => ({ ...s, N: 8, label: s.label.replace("N=64", "N=8") })) : forwardShapes;
  for (const shape of shapes) {
    const x = randomArray(shape.N * shape.Cin * shape.H * shape.W, rng), w = randomArray(shape.Cout * shape.Cin * shape.k * shape.k, rng);
    cases.push({ label: `conv2d fwd ${shape.label}`, flops: convGeometry(shape).flops, conv: { shape, x, w } });
  }
  return cases;
}

/**
 * Median ms of one call of `fn` (tinybench, after a warm-up; shorter in
 * quick mode). A cross-origin isolated page's clock ticks in 5 µs steps, so
 * calls shorter than a millisecond are timed in batches of about 1 ms and
 * divided.
 */
function kernelMs(label: string, fn: () => void, quick: boolean): number {
  warmUp(fn, 100, 1000);
  let calls = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 20) { fn(); calls++; }
  const batch = Math.max(1, Math.ceil(calls / 20));
  const batched = batch === 1 ? fn : () => { for (let i = 0; i < batch; i++) fn(); };
  return medianMs(label, batched, quick ? 100 : 700) / batch;
}

function nnrefKernels(quick: boolean): Measured[] {
  return kernelCases(quick).flatMap(({ label, flops, sgemm, conv }): Measured[] => {
    if (sgemm) {
      const { n, a, b } = sgemm;
      const { arena } = requireKernels();
      const [pa, pb, pc, scratch] = arena.layout([n * n * 4, n * n * 4, n * n * 4, sgemmScratchBytesOnThreads(n, n, n)]);
      arena.f32.set(a, pa / 4);
      arena.f32.set(b, pb / 4);
      const ms = kernelMs(label, () => sgemmOnThreads(false, false, n, n, n, 1, pa, n, pb, n, 0, pc, n, scratch), quick);
      return [{ label, unit: "GFLOP/s", value: gflops(flops, ms) }];
    }
    // The conv on resident tensors (as TF.js's live in its wasm memory), and on plain ones with the copies in and out.
    const { shape: s, x, w } = conv!;
    const { resident, withCopies } = convForwardCalls(s, x, w);
    return [
      { label, unit: "GFLOP/s", value: gflops(flops, kernelMs(label, resident, quick)) },
      { label: `${label}${WITH_COPIES}`, unit: "GFLOP/s", value: gflops(flops, kernelMs(label, withCopies, quick)) },
    ];
  });
}

function tfjsKernels(tf: TF, quick: boolean): Measured[] {
  return kernelCases(quick).map(({ label, flops, sgemm, conv }) => {
    let ms: number;
    if (sgemm) {
      const { n, a, b } = sgemm;
      const ta = tf.tensor2d(a, [n, n]), tb = tf.tensor2d(b, [n, n]);
      ms = kernelMs(label, () => tf.matMul(ta, tb).dispose(), quick);
      tf.dispose([ta, tb]);
    } else {
      const { shape: s, x, w } = conv!;
      const tx = tf.tensor4d(toChannelsLast(x, s.N, s.Cin, s.H, s.W), [s.N, s.H, s.W, s.Cin]);
      const tw = tf.tensor4d(toHWIO(w, s.Cout, s.Cin, s.k, s.k), [s.k, s.k, s.Cin, s.Cout]);
      ms = kernelMs(label, () => tf.conv2d(tx, tw, 1, s.pad).dispose(), quick);
      tf.dispose([tx, tw]);
    }
    return { label, unit: "GFLOP/s", value: gflops(flops, ms) };
  });
}

/** The network of `group` (seed 1, eval mode) and one input image: 224×224, or 64×64 in quick mode. */
function buildModel(group: "resnet18" | "vgg16", quick: boolean): { model: Module; x: Tensor; size: number } {
  const rng = new Random(1);
  const model = (group === "resnet18" ? resnet18 : vgg16)(rng).eval();
  const size = quick ? 64 : 224;
  return { model, x: randn([1, 3, size, size], rng), size };
}

/** Median wall time of RUNS calls of `fn` in ms (2 in quick mode), after a warm-up by time. */
function modelMs(fn: () => void, quick: boolean): number {
  warmUp(fn, quick ? 0 : 300, quick ? 300 : 6000);
  const times: number[] = [];
  for (let i = 0; i < (quick ? 2 : RUNS); i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function nnrefModel(group: "resnet18" | "vgg16", quick: boolean): Measured[] {
  setBackend("wasm");
  const { model, x, size } = buildModel(group, quick);
  const input = new Variable(x);
  const rows: Measured[] = [];
  // As bench/models.ts: weights resident in the kernels' memory, each forward in a tidy scope.
  const measure = (label: string, m: Module) => {
    makeParametersResident(m);
    let out: Tensor | null = null;
    const value = modelMs(() => {
      out?.dispose();
      out = tidy(() => noGrad(() => m.forward(input)).value);
    }, quick);
    rows.push({ label, unit: "ms", value, output: Array.from((out as unknown as Tensor).data) });
  };
  measure(`${group} 1×3×${size}×${size}`, model);
  measure(`${group} 1×3×${size}×${size} fused`, fuseModelForInference(model));
  return rows;
}

function tfjsModel(tf: TF, group: "resnet18" | "vgg16", quick: boolean): Measured[] {
  const { model, x, size } = buildModel(group, quick);
  const forward = tfForward(tf, model);
  const xTf = tf.transpose(tf.tensor4d(x.data as Float32Array, [1, 3, size, size]), [0, 2, 3, 1]);
  const run = () => tf.tidy(() => forward(xTf));
  const value = modelMs(() => { const y = run(); y.dataSync(); y.dispose(); }, quick);
  const y = run();
  const output = Array.from(y.dataSync() as Float32Array);
  y.dispose();
  return [{ label: `${group} 1×3×${size}×${size}`, unit: "ms", value, output }];
}

async function runNnref(job: Job): Promise<JobResult> {
  if (!loadKernelsSync()) throw new Error(`nnref: the wasm kernels did not load: ${kernelsUnavailableReason()}`);
  await setThreads(job.threads);
  const threads = getThreads();
  const why = threads < job.threads ? threadsUnavailableReason() ?? "setThreads gave fewer threads than asked" : undefined;
  const rows = job.group === "kernels" ? nnrefKernels(job.quick) : nnrefModel(job.group, job.quick);
  return { threads, why, detail: `getThreads() = ${threads}`, rows };
}

/**
 * TF.js 4.22 caps its thread pool at navigator.hardwareConcurrency / 2
 * (tfjs-backend-wasm's backend.cc, init_with_threads_count: "Many x86-64
 * processors have 2 threads per core"), whatever `setThreadsCount` asks:
 * on a 2-core machine that is 1 thread. Unless `stock`, a worker that asks
 * for more reports hardwareConcurrency as 2 × requested to TF.js (this
 * worker only), so that its pool gets the threads asked for; the job's
 * detail says so.
 */
function liftTfjsThreadCap(requested: number, stock: boolean): string {
  const nav = (self as unknown as { navigator: { hardwareConcurrency: number } }).navigator;
  const cores = nav.hardwareConcurrency;
  if (stock || Math.floor(cores / 2) >= requested) return "";
  Object.defineProperty(nav, "hardwareConcurrency", { value: 2 * requested, configurable: true });
  return `; navigator.hardwareConcurrency shown to TF.js as ${2 * requested} (really ${cores}: TF.js caps its pool at half of it)`;
}

/** TF.js with its WASM backend on `requested` threads: tfjs.js loaded, .wasm paths set, thread count set before the backend starts. */
async function startTfjs(requested: number, stock: boolean): Promise<{ tf: TF; threads: number; why?: string; detail: string }> {
  const scope = self as unknown as { importScripts(url: string): void; nnrefBenchTfjs?: { tf: TF; wasm: TF }; location: Location; crossOriginIsolated?: boolean };
  scope.importScripts("tfjs.js");
  if (!scope.nnrefBenchTfjs) throw new Error("TF.js: tfjs.js did not define nnrefBenchTfjs");
  const { tf, wasm } = scope.nnrefBenchTfjs;
  wasm.setWasmPaths(new URL("tfjs/", scope.location.href).href);
  wasm.setThreadsCount(requested);
  const lifted = liftTfjsThreadCap(requested, stock);
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  const multithread = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
  if (!(await tf.setBackend("wasm"))) throw new Error("TF.js: setBackend('wasm') failed");
  await tf.ready();
  const threads = wasm.getThreadsCount();
  const binary = simd && multithread ? "tfjs-backend-wasm-threaded-simd.wasm" : simd ? "tfjs-backend-wasm-simd.wasm" : "tfjs-backend-wasm.wasm";
  const cores = (self as unknown as { navigator: { hardwareConcurrency: number } }).navigator.hardwareConcurrency;
  const why = threads >= requested ? undefined : !multithread
    ? `TF.js found no wasm thread support (WASM_HAS_MULTITHREAD_SUPPORT is false: crossOriginIsolated ${scope.crossOriginIsolated}, SharedArrayBuffer ${typeof SharedArrayBuffer}), so it loaded ${binary}`
    : `TF.js's backend reports ${threads} thread(s) after setThreadsCount(${requested}): it caps its pool at navigator.hardwareConcurrency / 2 = ${Math.floor(cores / 2)}`;
  return { tf, threads, why, detail: `getThreadsCount() = ${threads}, ${binary}, TF.js ${tf.version_core}${lifted}` };
}

async function runTfjs(job: Job): Promise<JobResult> {
  const { tf, threads, why, detail } = await startTfjs(job.threads, job.tfjsStock);
  const rows = job.group === "kernels" ? tfjsKernels(tf, job.quick) : tfjsModel(tf, job.group, job.quick);
  return { threads, why, detail, rows };
}

const worker = self as unknown as { onmessage: ((event: MessageEvent<Job>) => void) | null; postMessage(message: unknown): void };
worker.onmessage = (event) => {
  worker.onmessage = null;
  const job = event.data;
  (job.library === "nnref" ? runNnref(job) : runTfjs(job)).then(
    (result) => worker.postMessage({ type: "result", result }),
    (err: unknown) => worker.postMessage({ type: "error", message: err instanceof Error ? `${err.message}\n${err.stack ?? ""}` : String(err) }),
  );
};
