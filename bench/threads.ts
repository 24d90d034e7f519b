/**
 * nnref's kernels on 2 threads against 1 thread, both measured in the same
 * process (setThreads between them), as a ratio; medians over several fresh
 * processes. nnref only (TF.js's WASM thread pool is off in Node).
 *
 *   cd bench && npm ci && npm run threads                  # 3 processes
 *   npm run threads -- --processes 1 --only sgemm,split    # quick look
 *
 * Groups: sgemm (the sgemm() API, n = 64 … 1024), forward (conv2d, the four
 * shapes of kernels.ts), backward (conv2d input + weight gradients), train
 * (a LeNet-5 / MLP training step, batch 64), split (small SGEMMs forced
 * onto 2 threads against 1: where splitting starts to pay, for the threshold
 * MIN_PARALLEL_MULADDS of src/backend/parallel_kernels.ts).
 */
import { benchOptions, childOrMedians, gflops, medianMs, printTable, warmUp, type Row } from "./harness.js";
import { loadKernelsSync } from "../src/backend/load.js";
import { sgemm } from "../src/backend/sgemm.js";
import { setThreads } from "../src/backend/threads.js";
import { setParallelThreshold } from "../src/backend/parallel_kernels.js";
import { conv2dKernelOp } from "../src/backend/kernels/conv2d.js";
import { conv2dAttrs } from "../src/ops/conv_geometry.js";
import { Tensor } from "../src/tensor.js";
import { Random } from "../src/random.js";
import { loadEmbeddedDataset } from "../src/data/node_files.js";
import { epochBatches, type Batch } from "../src/data/batches.js";
import { recipeTrainer } from "../src/train/recipe.js";
import { forwardShapes as convShapes, randomArray } from "./conv_cases.js";

const options = benchOptions();
const { wanted } = options;

/**
 * CPU milliseconds per call of `fn` (all threads of the process, from
 * process.cpuUsage), over calls for at least `ms` of wall time. Unlike wall
 * time it hardly depends on how loaded the machine is: 2 threads using no
 * more CPU per call than 1 means splitting costs nothing, so on free cores
 * the wall-time ratio is bounded only by how evenly the parts divide.
 */
function cpuMsPerCall(fn: () => void, ms = 400): number {
  const wall = performance.now(), cpu = process.cpuUsage();
  let calls = 0;
  while (performance.now() - wall < ms) { fn(); calls++; }
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1000 / calls;
}

interface OneAndTwo { one: number; two: number; cpuOne: number; cpuTwo: number }

/** Milliseconds (median wall time, and CPU time) of `fn` on 1 thread and on 2 threads, measured in this process. */
async function oneAndTwo(name: string, fn: () => void): Promise<OneAndTwo> {
  await setThreads(1);
  const one = medianMs(`${name} 1t`, fn), cpuOne = cpuMsPerCall(fn);
  await setThreads(2);
  const two = medianMs(`${name} 2t`, fn), cpuTwo = cpuMsPerCall(fn);
  await setThreads(1);
  return { one, two, cpuOne, cpuTwo };
}

function row(label: string, flops: number, t: OneAndTwo, unit = "GFLOP/s"): Row {
  const rate = (ms: number) => (unit === "GFLOP/s" ? gflops(flops, ms) : flops / (ms / 1000));
  return {
    label,
    values: { "1 thread": rate(t.one), "2 threads": rate(t.two), "× 1 thread": t.one / t.two, "× CPU per call": t.cpuTwo / t.cpuOne },
    note: unit === "GFLOP/s" ? undefined : unit,
  };
}

async function measure(): Promise<Row[]> {
  if (!loadKernelsSync()) throw new Error("the nnref wasm kernels did not load (WebAssembly SIMD missing?)");
  const rows: Row[] = [];
  const rng = new Random(1);
  if (wanted("sgemm")) {
    for (const n of [64, 128, 256, 512, 1024]) {
      const a = randomArray(n * n, rng), b = randomArray(n * n, rng), c = new Float32Array(n * n);
      rows.push(row(`sgemm n=${n}`, 2 * n * n * n, await oneAndTwo(`sgemm ${n}`, () => sgemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n))));
    }
  }
  for (const s of convShapes) {
    const Hout = s.H + 2 * s.pad - s.k + 1, Wout = s.W + 2 * s.pad - s.k + 1;
    const flops = 2 * s.N * s.Cout * Hout * Wout * s.Cin * s.k * s.k;
    const input = new Tensor(randomArray(s.N * s.Cin * s.H * s.W, rng), [s.N, s.Cin, s.H, s.W]);
    const weight = new Tensor(randomArray(s.Cout * s.Cin * s.k * s.k, rng), [s.Cout, s.Cin, s.k, s.k]);
    const attrs = conv2dAttrs({ padding: s.pad });
    if (wanted("forward")) {
      rows.push(row(`conv2d fwd ${s.label}`, flops, await oneAndTwo(`fwd ${s.label}`, () => conv2dKernelOp.forward({ input, weight }, attrs))));
    }
    if (wanted("backward")) {
      const { cache } = conv2dKernelOp.forward({ input, weight }, attrs);
      const dz = new Tensor(randomArray(s.N * s.Cout * Hout * Wout, rng), [s.N, s.Cout, Hout, Wout]);
      rows.push(row(`conv2d bwd ${s.label}`, 2 * flops, await oneAndTwo(`bwd ${s.label}`, () => conv2dKernelOp.backward!({ output: dz }, cache, attrs))));
    }
  }
  if (wanted("train")) {
    const data = await loadEmbeddedDataset();
    for (const model of ["lenet5", "mlp"]) {
      const trainer = recipeTrainer(data, { model, seed: 0, batchSize: 64 });
      const batches: Batch[] = [...epochBatches(data.train, { batchSize: 64, standardization: trainer.standardization, rng: trainer.rng, dropLast: true })];
      let i = 0;
      const step = () => { trainer.step(batches[i++ % batches.length]); };
      warmUp(step, 1000, 6000);
      rows.push(row(`train step ${model} batch 64`, 64, await oneAndTwo(`train ${model}`, step), "images/s"));
    }
  }
  if (wanted("split")) {
    // Small SGEMMs split over 2 threads whatever their size, against 1 thread.
    for (const n of [32, 48, 64, 80, 100, 128, 160, 200]) {
      const a = randomArray(n * n, rng), b = randomArray(n * n, rng), c = new Float32Array(n * n);
      const previous = setParallelThreshold(0);
      const times = await oneAndTwo(`split ${n}`, () => sgemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n));
      setParallelThreshold(previous);
      rows.push(row(`split sgemm n=${n} (${n ** 3} mul-adds)`, 2 * n * n * n, times));
    }
  }
  return rows;
}

const rows = await childOrMedians(options, import.meta.url, measure, [], (processes) =>
  `nnref kernels, 2 threads vs 1 thread in the same process, median over ${processes} process(es); Node ${process.version}`);
if (rows) {
  printTable("2 threads / 1 thread (GFLOP/s, or images/s for training steps; × CPU per call: CPU time of a call on 2 threads / on 1)",
    ["1 thread", "2 threads", "× 1 thread", "× CPU per call"], rows);
}
