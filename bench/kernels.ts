/**
 * nnref's WebAssembly kernels against TensorFlow.js's WASM backend (XNNPACK,
 * SIMD, one thread in Node), measured in the same process, each in its own
 * native layout (nnref NCHW, TF.js NHWC). Prints GFLOP/s and ratios; the
 * numbers are medians over several fresh processes.
 *
 *   cd bench && npm ci && npm run kernels                  # 3 processes, everything
 *   npm run kernels -- --processes 1 --only sgemm          # quick look at one group
 *   npm run kernels -- --threads 2                         # nnref on 2 threads (threads.ts: the ratio in one process)
 *
 * Groups: sgemm (n = 64 … 1024), forward (conv2d on LeNet conv1/conv2, a
 * VGG-like 3×3 and a 1×1), backward (conv2d input + weight gradients).
 */
import { benchOptions, childOrMedians, gflops, medianMs, printTable, tfjsWasm, type Row } from "./harness.js";
import { loadKernelsSync } from "../src/backend/load.js";
import { requireKernels } from "../src/backend/wasm.js";
import { sgemm } from "../src/backend/sgemm.js";
import { setThreads } from "../src/backend/threads.js";
import { conv2dKernelOp } from "../src/backend/kernels/conv2d.js";
import { conv2dAttrs } from "../src/ops/conv_geometry.js";
import { Tensor } from "../src/tensor.js";
import { Random } from "../src/random.js";
import { forwardShapes, randomArray, toChannelsLast, toHWIO, type ConvShape } from "./conv_cases.js";
import { YARDSTICK_N, convForwardCalls, squareSgemm } from "./conv_runs.js";

const options = benchOptions();
const { threads, wanted } = options;

const backwardShapes = [forwardShapes[1], forwardShapes[2]];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type TF = any;

/** SGEMM rows: the kernel on arena data, the copying sgemm() API, and tf.matMul, square n = 64 … 1024. */
function measureSgemm(tf: TF, rng: Random, rows: Row[]): void {
  const { exports, arena } = requireKernels();
  for (const n of [64, 128, 256, 512, 1024]) {
    const a = randomArray(n * n, rng), b = randomArray(n * n, rng), c = new Float32Array(n * n);
    const flops = 2 * n * n * n;
    // The kernel on matrices already in the arena (what kernel ops do), and the copying API.
    const [pa, pb, pc, scratch] = arena.layout([n * n * 4, n * n * 4, n * n * 4, exports.sgemmScratchBytes(n, n, n)]);
    arena.f32.set(a, pa / 4);
    arena.f32.set(b, pb / 4);
    const kernel = medianMs(`sgemm kernel ${n}`, () => exports.sgemm(0, 0, n, n, n, 1, pa, n, pb, n, 0, pc, n, scratch));
    const api = medianMs(`sgemm() ${n}`, () => sgemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n));
    const ta = tf.tensor2d(a, [n, n]), tb = tf.tensor2d(b, [n, n]);
    const tfMs = medianMs(`tf.matMul ${n}`, () => tf.matMul(ta, tb).dispose());
    ta.dispose();
    tb.dispose();
    rows.push({
      label: `sgemm n=${n}`,
      values: {
        "nnref": gflops(flops, kernel), "nnref sgemm()": gflops(flops, api), "TF.js": gflops(flops, tfMs),
        "× TF.js": tfMs / kernel, "× TF.js (sgemm())": tfMs / api,
      },
    });
  }
}

/** Random input, weight and upstream gradient of one conv shape, as nnref tensors (NCHW) and TF.js tensors (NHWC, HWIO). */
function convSetup(tf: TF, s: ConvShape, rng: Random) {
  const Hout = s.H + 2 * s.pad - s.k + 1, Wout = s.W + 2 * s.pad - s.k + 1;
  const x = randomArray(s.N * s.Cin * s.H * s.W, rng);
  const w = randomArray(s.Cout * s.Cin * s.k * s.k, rng);
  const dz = randomArray(s.N * s.Cout * Hout * Wout, rng);
  const flops = 2 * s.N * s.Cout * Hout * Wout * s.Cin * s.k * s.k;
  const input = new Tensor(x, [s.N, s.Cin, s.H, s.W]);
  const weight = new Tensor(w, [s.Cout, s.Cin, s.k, s.k]);
  const attrs = conv2dAttrs({ padding: s.pad });
  const tx = tf.tensor4d(toChannelsLast(x, s.N, s.Cin, s.H, s.W), [s.N, s.H, s.W, s.Cin]);
  const tw = tf.tensor4d(toHWIO(w, s.Cout, s.Cin, s.k, s.k), [s.k, s.k, s.Cin, s.Cout]);
  const tdz = tf.tensor4d(toChannelsLast(dz, s.N, s.Cout, Hout, Wout), [s.N, Hout, Wout, s.Cout]);
  return { Hout, Wout, flops, x, w, input, weight, attrs, dz: new Tensor(dz, [s.N, s.Cout, Hout, Wout]), tx, tw, tdz };
}

/**
 * conv2d forward rows: nnref's kernel op on resident tensors (what a chain of
 * ops runs; TF.js's tensors live in its wasm memory too) and on plain ones
 * (copies in and out), tf.conv2d, and nnref's square SGEMM measured just
 * before (./conv_runs.ts): how close each conv comes to the GEMM ceiling.
 */
function measureConvForward(tf: TF, rng: Random, rows: Row[]): void {
  for (const s of forwardShapes) {
    const n = YARDSTICK_N;
    const { flops, x, w, tx, tw, tdz } = convSetup(tf, s, rng);
    const gemm = gflops(2 * n * n * n, medianMs(`sgemm n=${n} before ${s.label}`, squareSgemm(rng)));
    const { resident, withCopies } = convForwardCalls(s, x, w);
    const ours = medianMs(`conv2d ${s.label}`, resident);
    const copying = medianMs(`conv2d incl. copies ${s.label}`, withCopies);
    const theirs = medianMs(`tf.conv2d ${s.label}`, () => tf.conv2d(tx, tw, 1, s.pad).dispose());
    tx.dispose(); tw.dispose(); tdz.dispose();
    rows.push({
      label: `conv2d fwd ${s.label}`,
      values: {
        "nnref": gflops(flops, ours), "nnref incl. copies": gflops(flops, copying), "TF.js": gflops(flops, theirs),
        "× TF.js": theirs / ours, "× TF.js incl. copies": theirs / copying,
        [`SGEMM n=${n}`]: gemm, "× TF.js at SGEMM speed": gemm / gflops(flops, theirs),
      },
    });
  }
}

/** conv2d backward rows (input + weight gradients): nnref's kernel op against TF.js's nearest equivalent. */
function measureConvBackward(tf: TF, rng: Random, rows: Row[]): void {
  for (const s of backwardShapes) {
    const { flops, input, weight, attrs, dz, tx, tw, tdz } = convSetup(tf, s, rng);
    const { cache } = conv2dKernelOp.forward({ input, weight }, attrs);
    const ours = medianMs(`conv2d backward ${s.label}`, () => conv2dKernelOp.backward!({ output: dz }, cache, attrs));
    // TF.js's WASM backend has no Conv2DBackpropFilter kernel: dW as a conv2d of
    // transposed tensors (x as [Cin, H, W, N], dy as an [Hout, Wout, N, Cout] filter),
    // dx by its Conv2DBackpropInput kernel (conv2dTranspose).
    const theirs = medianMs(`tf conv2d backward ${s.label}`, () => {
      tf.tidy(() => {
        tf.conv2dTranspose(tdz, tw, [s.N, s.H, s.W, s.Cin], 1, s.pad);
        const xT = tf.transpose(tx, [3, 1, 2, 0]);
        const dzT = tf.transpose(tdz, [1, 2, 0, 3]);
        tf.transpose(tf.conv2d(xT as never, dzT as never, 1, s.pad), [1, 2, 0, 3]);
      });
    });
    tx.dispose(); tw.dispose(); tdz.dispose();
    // Backward = input gradient + weight gradient: twice the forward's multiply-adds.
    rows.push({
      label: `conv2d bwd ${s.label}`,
      values: { "nnref": gflops(2 * flops, ours), "TF.js": gflops(2 * flops, theirs), "× TF.js": theirs / ours },
      note: "TF.js: no Conv2DBackpropFilter in its WASM backend; dW as conv2d of transposed tensors",
    });
  }
}

async function measure(): Promise<Row[]> {
  if (!loadKernelsSync()) throw new Error("the nnref wasm kernels did not load (WebAssembly SIMD missing?)");
  if ((await setThreads(threads)) !== threads) throw new Error(`--threads ${threads}: threads are unavailable here`);
  const tf = await tfjsWasm();
  const rows: Row[] = [];
  const rng = new Random(1);
  if (wanted("sgemm")) measureSgemm(tf, rng, rows);
  if (wanted("forward")) measureConvForward(tf, rng, rows);
  if (wanted("backward")) measureConvBackward(tf, rng, rows);
  return rows;
}

const rows = await childOrMedians(options, import.meta.url, measure, ["--threads", String(threads)], (processes) =>
  `nnref kernels (${threads} thread${threads > 1 ? "s" : ""}) vs TF.js WASM (one thread), GFLOP/s, median over ${processes} process(es); Node ${process.version}`);
if (rows) {
  const sg = rows.filter((r) => r.label.startsWith("sgemm"));
  if (sg.length) printTable("SGEMM (C = A·B, square; nnref = kernel on arena data, sgemm() = with copies in/out)", ["nnref", "nnref sgemm()", "TF.js", "× TF.js", "× TF.js (sgemm())"], sg);
  const fw = rows.filter((r) => r.label.startsWith("conv2d fwd"));
  if (fw.length) {
    printTable(`conv2d forward (nnref NCHW on resident tensors and incl. copies, TF.js NHWC; SGEMM n=${YARDSTICK_N}: nnref's GEMM at the microkernel ceiling, the same run)`,
      ["nnref", "nnref incl. copies", "TF.js", "× TF.js", "× TF.js incl. copies", `SGEMM n=${YARDSTICK_N}`, "× TF.js at SGEMM speed"], fw);
  }
  const bw = rows.filter((r) => r.label.startsWith("conv2d bwd"));
  if (bw.length) printTable("conv2d backward (input + weight gradients)", ["nnref", "TF.js", "× TF.js"], bw);
}
