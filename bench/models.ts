/**
 * Whole-network forward time: nnref's ResNet-18 and VGG-16 (src/models/) on
 * one 224×224 image, batch 1, one thread, as built ("nnref") and after
 * `fuseModelForInference` ("fused": batch norm folded into the convolutions,
 * bias, ReLU and ResNet's residual add in the conv kernel's epilogue),
 * beside TensorFlow.js (WASM backend,
 * SIMD, one thread in Node) running the same network with the same weights
 * in the same process. Prints milliseconds per forward, the effective
 * GFLOP/s (2 × conv/linear MACs per second) and the ratio, medians over
 * several fresh processes; also the largest difference between the two
 * outputs, relative to the largest output, as a check that they computed the
 * same thing.
 *
 *   cd bench && npm ci && npm run models                    # 3 processes, both models
 *   npm run models -- --processes 1 --only resnet18         # quick look
 *   npm run models -- --threads 2                           # nnref's kernels on 2 threads
 *   npm run models -- --plain                               # nnref without resident tensors (before/after)
 *
 * TF.js's side is written the way tf.layers builds these networks: a
 * convolution with a bias carries it (and a following ReLU) fused in one
 * kernel (VGG); ResNet's convolutions have no bias and are followed by
 * separate batch norm (eval mode: running statistics) and ReLU ops, as in
 * nnref. Layouts are each framework's own: nnref NCHW, TF.js NHWC (weights
 * are converted once, outside the timing).
 */
import { INFERENCE_NETWORKS, benchOptions, childOrMedians, printTable, startWasmKernels, tfjsWasm, warmUp, type Row } from "./harness.js";
import { noGrad } from "../src/autograd/apply.js";
import { tidy } from "../src/tensor_lifetime.js";
import { makeParametersResident } from "../src/nn/resident_parameters.js";
import { Variable } from "../src/autograd/variable.js";
import { randn, type Tensor } from "../src/tensor.js";
import { Random } from "../src/random.js";
import type { Module } from "../src/nn/index.js";
import { fuseModelForInference, summarize } from "../src/models/index.js";
import { tfForward } from "./tf_forward.js";

const options = benchOptions();
const { option, threads, wanted, plain } = options;
const RUNS = Number(option("--runs") ?? 5);

/** Median wall time of `runs` calls of `fn` in ms, after a warm-up by time. */
function medianOfRuns(fn: () => void, runs: number): number {
  warmUp(fn, 300, 6000);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function measure(): Promise<Row[]> {
  await startWasmKernels(threads);
  const tf = await tfjsWasm();
  const rows: Row[] = [];
  for (const [name, build] of INFERENCE_NETWORKS) {
    if (!wanted(name)) continue;
    const rng = new Random(1);
    const model = build(rng).eval();
    const macs = summarize(model, [1, 3, 224, 224]).totals.macs;
    const x = randn([1, 3, 224, 224], rng);
    const input = new Variable(x);
    let ours: Tensor | null = null;
    // Weights resident in the kernels' memory (read in place), each forward in a tidy scope (activations resident,
    // freed at its end); --plain runs the copying path instead (for before/after).
    if (!plain) makeParametersResident(model);
    const forwardOf = (m: Module): Tensor => (plain ? noGrad(() => m.forward(input)).value : tidy(() => noGrad(() => m.forward(input)).value));
    const nnrefMs = medianOfRuns(() => {
      ours?.dispose();
      ours = forwardOf(model);
    }, RUNS);
    const fusedModel = fuseModelForInference(model);
    if (!plain) makeParametersResident(fusedModel);
    let fusedOut: Tensor | null = null;
    const fusedMs = medianOfRuns(() => {
      fusedOut?.dispose();
      fusedOut = forwardOf(fusedModel);
    }, RUNS);

    const forward = tfForward(tf, model);
    const xTf = tf.transpose(tf.tensor4d(x.data as Float32Array, [1, 3, 224, 224]), [0, 2, 3, 1]);
    const run = () => tf.tidy(() => forward(xTf));
    const tfMs = medianOfRuns(() => { const y = run(); y.dataSync(); y.dispose(); }, RUNS);
    const theirs = run();
    const a = ours as unknown as Tensor, b = theirs.dataSync() as Float32Array, f = fusedOut as unknown as Tensor;
    let maxDiff = 0, maxAbs = 0, fusedDiff = 0;
    for (let i = 0; i < b.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(a.data[i] - b[i]));
      fusedDiff = Math.max(fusedDiff, Math.abs(f.data[i] - a.data[i]));
      maxAbs = Math.max(maxAbs, Math.abs(b[i]));
    }
    theirs.dispose();
    rows.push({
      label: `${name} 1×3×224×224`,
      values: {
        "nnref ms": nnrefMs,
        "fused ms": fusedMs,
        "TF.js ms": tfMs,
        "fused GFLOP/s": (2 * macs) / (fusedMs * 1e6),
        "TF.js GFLOP/s": (2 * macs) / (tfMs * 1e6),
        "× TF.js": tfMs / nnrefMs,
        "× TF.js fused": tfMs / fusedMs,
      },
      note: `max |Δ| / max |y|: vs TF.js ${(maxDiff / maxAbs).toExponential(1)}, fused vs unfused ${(fusedDiff / maxAbs).toExponential(1)}`,
    });
  }
  return rows;
}

const rows = await childOrMedians(options, import.meta.url, measure, ["--runs", String(RUNS), "--threads", String(threads), ...(plain ? ["--plain"] : [])], (processes) =>
  `nnref models (${threads} thread${threads > 1 ? "s" : ""}) vs TF.js WASM (one thread), forward of one 224×224 image, median over ${processes} process(es); Node ${process.version}`);
if (rows) {
  printTable("forward, batch 1 (× TF.js > 1: nnref faster)", ["nnref ms", "fused ms", "TF.js ms", "fused GFLOP/s", "TF.js GFLOP/s", "× TF.js", "× TF.js fused"], rows);
}
