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
import { gflops, medianMs, medianOverProcesses, printTable, tfjsWasm, type Row } from "./harness.js";
import { loadKernelsSync } from "../src/backend/load.js";
import { requireKernels } from "../src/backend/wasm.js";
import { sgemm } from "../src/backend/sgemm.js";
import { setThreads } from "../src/backend/threads.js";
import { conv2dKernelOp } from "../src/backend/kernels/conv2d.js";
import { conv2dAttrs } from "../src/ops/conv_geometry.js";
import { Tensor } from "../src/tensor.js";
import { Random } from "../src/random.js";

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const only = option("--only");
/** --threads N: nnref's kernels on N threads (TF.js stays on one: its pool is off in Node). */
const threads = Number(option("--threads") ?? 1);
const wanted = (group: string): boolean => only === undefined || only.split(",").includes(group);

interface ConvShape {
  label: string;
  N: number; Cin: number; H: number; W: number; Cout: number; k: number; pad: number;
}
const forwardShapes: ConvShape[] = [
  { label: "LeNet conv1 N=64 1×28×28 → 6@5×5", N: 64, Cin: 1, H: 28, W: 28, Cout: 6, k: 5, pad: 0 },
  { label: "LeNet conv2 N=64 6×12×12 → 16@5×5", N: 64, Cin: 6, H: 12, W: 12, Cout: 16, k: 5, pad: 0 },
  { label: "VGG-like N=1 64×56×56 → 64@3×3 p1", N: 1, Cin: 64, H: 56, W: 56, Cout: 64, k: 3, pad: 1 },
  { label: "1×1 N=1 256×14×14 → 1024@1×1", N: 1, Cin: 256, H: 14, W: 14, Cout: 1024, k: 1, pad: 0 },
];
const backwardShapes = [forwardShapes[1], forwardShapes[2]];

function randomArray(n: number, rng: Random): Float32Array {
  return new Float32Array(n).map(() => rng.uniformIn(-1, 1));
}

/** NCHW → NHWC (or OIHW → HWIO with the roles renamed) for TF.js. */
function toChannelsLast(x: Float32Array, N: number, C: number, H: number, W: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) {
    out[((n * H + h) * W + w) * C + c] = x[((n * C + c) * H + h) * W + w];
  }
  return out;
}

/** OIHW → HWIO. */
function toHWIO(w: Float32Array, O: number, I: number, kh: number, kw: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let o = 0; o < O; o++) for (let i = 0; i < I; i++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
    out[((y * kw + x) * I + i) * O + o] = w[((o * I + i) * kh + y) * kw + x];
  }
  return out;
}

async function measure(): Promise<Row[]> {
  if (!loadKernelsSync()) throw new Error("the nnref wasm kernels did not load (WebAssembly SIMD missing?)");
  if ((await setThreads(threads)) !== threads) throw new Error(`--threads ${threads}: threads are unavailable here`);
  const tf = await tfjsWasm();
  const rows: Row[] = [];
  const rng = new Random(1);

  if (wanted("sgemm")) {
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

  const convSetup = (s: ConvShape) => {
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
    return { Hout, Wout, flops, input, weight, attrs, dz: new Tensor(dz, [s.N, s.Cout, Hout, Wout]), tx, tw, tdz };
  };

  if (wanted("forward")) {
    for (const s of forwardShapes) {
      const { flops, input, weight, attrs, tx, tw, tdz } = convSetup(s);
      const ours = medianMs(`conv2d ${s.label}`, () => conv2dKernelOp.forward({ input, weight }, attrs));
      const theirs = medianMs(`tf.conv2d ${s.label}`, () => tf.conv2d(tx, tw, 1, s.pad).dispose());
      tx.dispose(); tw.dispose(); tdz.dispose();
      rows.push({ label: `conv2d fwd ${s.label}`, values: { "nnref": gflops(flops, ours), "TF.js": gflops(flops, theirs), "× TF.js": theirs / ours } });
    }
  }

  if (wanted("backward")) {
    for (const s of backwardShapes) {
      const { flops, input, weight, attrs, dz, tx, tw, tdz } = convSetup(s);
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
  return rows;
}

if (args.includes("--child")) {
  const rows = await measure();
  console.log("ROWS " + JSON.stringify(rows));
} else {
  const processes = Number(option("--processes") ?? 3);
  const passOn = [...(only ? ["--only", only] : []), "--threads", String(threads)];
  console.log(`nnref kernels (${threads} thread${threads > 1 ? "s" : ""}) vs TF.js WASM (one thread), GFLOP/s, median over ${processes} process(es); Node ${process.version}`);
  const rows = medianOverProcesses(import.meta.url, passOn, processes);
  const sg = rows.filter((r) => r.label.startsWith("sgemm"));
  if (sg.length) printTable("SGEMM (C = A·B, square; nnref = kernel on arena data, sgemm() = with copies in/out)", ["nnref", "nnref sgemm()", "TF.js", "× TF.js", "× TF.js (sgemm())"], sg);
  const fw = rows.filter((r) => r.label.startsWith("conv2d fwd"));
  if (fw.length) printTable("conv2d forward (nnref NCHW incl. copies, TF.js NHWC)", ["nnref", "TF.js", "× TF.js"], fw);
  const bw = rows.filter((r) => r.label.startsWith("conv2d bwd"));
  if (bw.length) printTable("conv2d backward (input + weight gradients)", ["nnref", "TF.js", "× TF.js"], bw);
}
