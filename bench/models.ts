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
import { benchOptions, childOrMedians, printTable, tfjsWasm, warmUp, type Row } from "./harness.js";
import { loadKernelsSync } from "../src/backend/load.js";
import { setThreads } from "../src/backend/threads.js";
import { setBackend } from "../src/backend/dispatch.js";
import { noGrad } from "../src/autograd/apply.js";
import { tidy } from "../src/tensor_lifetime.js";
import { makeParametersResident } from "../src/nn/resident_parameters.js";
import { Variable } from "../src/autograd/variable.js";
import { randn, type Tensor } from "../src/tensor.js";
import { Random } from "../src/random.js";
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, type Module } from "../src/nn/index.js";
import { BasicBlock, NamedSequential, fuseModelForInference, resnet18, summarize, vgg16 } from "../src/models/index.js";

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

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type TF = any;

/** The nnref module graph translated into a TF.js forward function (NHWC) with the same weights. */
function tfForward(tf: TF, model: Module): (x: TF) => TF {
  const nhwcFilter = (t: Tensor) => tf.transpose(tf.tensor4d(t.data as Float32Array, t.shape as [number, number, number, number]), [2, 3, 1, 0]); // OIHW → HWIO
  const vec = (t: Tensor) => tf.tensor1d(t.data as Float32Array);
  const keep: TF[] = [];
  const held = <T>(t: T): T => { keep.push(t); return t; };

  /** `modules` applied in order; a Conv2d with bias directly followed by ReLU becomes one fused op. */
  const chain = (modules: Module[]): Array<(x: TF) => TF> => {
    const fns: Array<(x: TF) => TF> = [];
    for (let i = 0; i < modules.length; i++) {
      const m = modules[i];
      const next = modules[i + 1];
      if (m instanceof Conv2d) {
        const filter = held(nhwcFilter(m.weight.value));
        const bias = m.bias ? held(vec(m.bias.value)) : undefined;
        const pad = m.padding === "same" ? "same" : m.padding[0];
        const fuseRelu = bias !== undefined && next instanceof ReLU;
        if (fuseRelu) i++;
        fns.push((x) => tf.fused.conv2d({ x, filter, strides: m.stride, pad, bias, activation: fuseRelu ? "relu" : "linear" }));
      } else if (m instanceof BatchNorm2d) {
        const [mean, variance, gamma, beta] = [held(vec(m.runningMean)), held(vec(m.runningVar)), held(vec(m.weight!.value)), held(vec(m.bias!.value))];
        fns.push((x) => tf.batchNorm(x, mean, variance, beta, gamma, m.eps));
      } else if (m instanceof ReLU) {
        fns.push((x) => tf.relu(x));
      } else if (m instanceof MaxPool2d) {
        fns.push((x) => tf.maxPool(x, m.kernelSize, m.stride, m.padding[0]));
      } else if (m instanceof AdaptiveAvgPool2d) {
        const [oh, ow] = m.outputSize;
        fns.push((x) => {
          const [, h, w] = x.shape;
          if (oh === h && ow === w) return x;
          if (oh === 1 && ow === 1) return tf.mean(x, [1, 2], true);
          throw new Error(`bench: adaptive pool ${h}×${w} → ${oh}×${ow} not translated`);
        });
      } else if (m instanceof Flatten) {
        // NHWC → NCHW order first, so the FC weights (trained on NCHW flattening) line up.
        fns.push((x) => tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [x.shape[0], -1]));
      } else if (m instanceof Linear) {
        const w = held(tf.transpose(tf.tensor2d(m.weight.value.data as Float32Array, m.weight.value.shape as [number, number])));
        const b = m.bias ? held(vec(m.bias.value)) : undefined;
        const fuseRelu = next instanceof ReLU;
        if (fuseRelu) i++;
        fns.push((x) => tf.fused.matMul({ a: x, b: w, bias: b, activation: fuseRelu ? "relu" : "linear" }));
      } else if (m instanceof BasicBlock) {
        const [c1, b1, , c2, b2] = m.namedChildren().map(([, c]) => c);
        const main = chain([c1, b1, new ReLU(), c2, b2]);
        const down = m.downsample ? chain(m.downsample.namedChildren().map(([, c]) => c)) : [];
        fns.push((x) => tf.relu(tf.add(main.reduce((h, f) => f(h), x), down.reduce((h, f) => f(h), x))));
      } else if (m instanceof Sequential || m instanceof NamedSequential) {
        const inner = chain(m.namedChildren().map(([, c]) => c));
        fns.push((x) => inner.reduce((h, f) => f(h), x));
      } else if (m.describe().startsWith("Dropout")) {
        continue; // eval mode: identity
      } else {
        throw new Error(`bench: no TF.js translation for ${m.describe()}`);
      }
    }
    return fns;
  };
  const fns = chain([model]);
  return (x) => fns.reduce((h, f) => f(h), x);
}

async function measure(): Promise<Row[]> {
  if (!loadKernelsSync()) throw new Error("the nnref wasm kernels did not load (WebAssembly SIMD missing?)");
  if ((await setThreads(threads)) !== threads) throw new Error(`--threads ${threads}: threads are unavailable here`);
  setBackend("wasm");
  const tf = await tfjsWasm();
  const rows: Row[] = [];
  const builders: Array<[string, (rng: Random) => Module]> = [["resnet18", resnet18], ["vgg16", vgg16]];
  for (const [name, build] of builders) {
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
