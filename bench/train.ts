/**
 * Training throughput: nnref (wasm kernels) against TensorFlow.js (WASM
 * backend, SIMD, one thread in Node) on the same models and the same step —
 * forward, softmax cross-entropy, backward, SGD with momentum 0.9 (lr 0.05),
 * batch 64 — measured in the same process, median over fresh processes.
 * And a memory check: ten epochs of `nnref train lenet5`'s loop on the
 * embedded data, RSS and WebAssembly memory after every epoch.
 *
 *   cd bench && npm ci && npm run train                 # throughput, 3 processes
 *   npm run train -- --processes 1 --only lenet5        # one model, one process
 *   npm run train -- --memory                           # the memory check (about 20 s)
 *   npm run train -- --threads 2                        # nnref on 2 threads (threads.ts: the ratio in one process)
 *   npm run train -- --reference-softmax                # softmax, log_softmax, cross_entropy by their reference (A/B of their kernels)
 *
 * Prints; never asserts. Models: LeNet-5 (1×28×28 → 6@5×5 → pool → 16@5×5 →
 * pool → 120 → 84 → 10) and the MLP 784-128-10 (ReLU). TF.js runs NHWC, its
 * native layout. Its WASM backend has no Conv2DBackpropFilter kernel, so
 * its Conv2D gradient is registered here: dx by conv2dTranspose
 * (Conv2DBackpropInput), dW as a conv2d of transposed tensors.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { benchOptions, childOrMedians, printTable, tfjsWasm, warmUp, type Row } from "./harness.js";
import { loadKernelsSync } from "../src/backend/load.js";
import { requireKernels } from "../src/backend/wasm.js";
import { registerKernels, setBackend } from "../src/backend/dispatch.js";
import { findOp } from "../src/ops/registry.js";
import { loadEmbeddedDataset } from "../src/data/node_files.js";
import { epochBatches, type Batch } from "../src/data/batches.js";
import { recipeTrainer } from "../src/train/recipe.js";
import { setThreads } from "../src/backend/threads.js";
import { makeParametersResident } from "../src/nn/resident_parameters.js";

const options = benchOptions();
const { args, threads, wanted, plain } = options;
const BATCH = 64;
/** --reference-softmax: the wasm backend runs these ops' reference OpDefs (registered over their kernels), the "off" of an A/B. */
const referenceSoftmax = args.includes("--reference-softmax");
/** Timed steps per model after the warm-up (LeNet-5, MLP). */
const STEPS: Record<string, number> = { lenet5: 150, mlp: 600 };

/** Images per second of `steps` calls of `step` after warming up by time. */
function imagesPerSecond(step: () => void, steps: number): number {
  warmUp(step, 1000, 6000);
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  return (steps * BATCH) / ((performance.now() - t0) / 1000);
}

/** nnref: the training loop's own step (Trainer.step) on pre-made batches of the embedded data. */
async function nnrefRate(model: string): Promise<number> {
  if ((await setThreads(threads)) !== threads) throw new Error(`--threads ${threads}: threads are unavailable here`);
  const data = await loadEmbeddedDataset();
  const trainer = recipeTrainer(data, { model, seed: 0, batchSize: BATCH });
  // Weights (and SGD's buffers) resident in the kernels' memory: read and updated in place. --plain: copied per call.
  if (!plain) makeParametersResident(trainer.model);
  const batches: Batch[] = [...epochBatches(data.train, { batchSize: BATCH, standardization: trainer.standardization, rng: trainer.rng, dropLast: true })];
  let i = 0;
  return imagesPerSecond(() => { trainer.step(batches[i++ % batches.length]); }, STEPS[model]);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type TF = any;

/** TF.js's Conv2D gradient for its WASM backend (stride 1, no dilation — LeNet's convolutions). */
function registerConv2dGradient(tf: TF): void {
  tf.registerGradient({
    kernelName: "Conv2D",
    inputsToSave: ["x", "filter"],
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    gradFunc: (dy: any, saved: any[], attrs: any) => {
      const [x, filter] = saved;
      return {
        x: () => tf.conv2dTranspose(dy, filter, x.shape, attrs.strides, attrs.pad),
        filter: () => {
          const xT = tf.transpose(x, [3, 1, 2, 0]); // [Cin, H, W, N]: Cin images of N channels
          const dyT = tf.transpose(dy, [1, 2, 0, 3]); // [Hout, Wout, N, Cout]: a filter from N to Cout channels
          return tf.transpose(tf.conv2d(xT, dyT, 1, attrs.pad), [1, 2, 0, 3]); // [Cin, kh, kw, Cout] → [kh, kw, Cin, Cout]
        },
      };
    },
  });
}

/** TF.js: the same model and step, variables updated by tf.train.momentum (PyTorch's momentum without dampening). */
function tfjsRate(tf: TF, model: string): number {
  const uniform = (shape: number[], fanIn: number) => tf.variable(tf.randomUniform(shape, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn), "float32", 1));
  const dense = (inF: number, outF: number) => ({ w: uniform([inF, outF], inF), b: uniform([outF], inF) });
  const conv = (k: number, cin: number, cout: number) => ({ w: uniform([k, k, cin, cout], cin * k * k), b: uniform([cout], cin * k * k) });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let forward: (x: any) => any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let variables: any[];
  if (model === "lenet5") {
    const c1 = conv(5, 1, 6), c2 = conv(5, 6, 16), f1 = dense(256, 120), f2 = dense(120, 84), f3 = dense(84, 10);
    variables = [c1, c2, f1, f2, f3].flatMap((l) => [l.w, l.b]);
    forward = (x) => {
      let h = tf.maxPool(tf.relu(tf.add(tf.conv2d(x, c1.w, 1, "valid"), c1.b)), 2, 2, "valid");
      h = tf.maxPool(tf.relu(tf.add(tf.conv2d(h, c2.w, 1, "valid"), c2.b)), 2, 2, "valid");
      h = tf.reshape(h, [-1, 256]);
      h = tf.relu(tf.add(tf.matMul(h, f1.w), f1.b));
      h = tf.relu(tf.add(tf.matMul(h, f2.w), f2.b));
      return tf.add(tf.matMul(h, f3.w), f3.b);
    };
  } else {
    const f1 = dense(784, 128), f2 = dense(128, 10);
    variables = [f1.w, f1.b, f2.w, f2.b];
    forward = (x) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(tf.reshape(x, [-1, 784]), f1.w), f1.b)), f2.w), f2.b);
  }
  const x = tf.randomNormal([BATCH, 28, 28, 1], 0, 1, "float32", 2);
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: BATCH }, (_, i) => i % 10), "int32"), 10);
  const optimizer = tf.train.momentum(0.05, 0.9);
  const rate = imagesPerSecond(() => {
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, forward(x)), true, variables);
    loss.dataSync();
    loss.dispose();
  }, STEPS[model]);
  x.dispose(); labels.dispose(); optimizer.dispose();
  for (const v of variables) v.dispose();
  return rate;
}

async function measure(): Promise<Row[]> {
  if (!loadKernelsSync()) throw new Error("the nnref wasm kernels did not load (WebAssembly SIMD missing?)");
  if (referenceSoftmax) registerKernels(["softmax", "log_softmax", "cross_entropy"].map((name) => findOp(name)!));
  setBackend("wasm");
  const tf = await tfjsWasm();
  registerConv2dGradient(tf);
  const rows: Row[] = [];
  for (const model of ["lenet5", "mlp"]) {
    if (!wanted(model)) continue;
    const ours = await nnrefRate(model);
    const theirs = tfjsRate(tf, model);
    rows.push({
      label: model === "lenet5" ? "LeNet-5" : "MLP 784-128-10",
      values: { nnref: ours, "TF.js": theirs, "× TF.js": ours / theirs },
      note: model === "lenet5" ? "TF.js: Conv2D gradient registered here (no Conv2DBackpropFilter in its WASM backend)" : "",
    });
  }
  return rows;
}

/** Ten epochs of the recipe on the embedded data; RSS and wasm memory after each (after a full GC). */
async function memoryCheck(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with --expose-gc");
  if (!loadKernelsSync()) throw new Error("the nnref wasm kernels did not load");
  setBackend("wasm");
  const data = await loadEmbeddedDataset();
  const trainer = recipeTrainer(data, { model: "lenet5", seed: 0 });
  const wasmMemory = () => requireKernels().exports.memory.buffer.byteLength;
  const mb = (b: number) => (b / 2 ** 20).toFixed(1);
  console.log("LeNet-5, 10 epochs on the embedded data (5,800 training + 1,000 test images per epoch), batch 64, wasm backend");
  console.log("epoch  RSS MB  heap used MB  wasm memory MB  test accuracy");
  const samples: Array<{ rss: number; heap: number; wasm: number }> = [];
  trainer.run(10, {
    onEpoch: (r) => {
      gc();
      const m = process.memoryUsage();
      samples.push({ rss: m.rss, heap: m.heapUsed, wasm: wasmMemory() });
      console.log(`${String(r.epoch).padStart(5)}  ${mb(m.rss).padStart(6)}  ${mb(m.heapUsed).padStart(12)}  ${mb(wasmMemory()).padStart(14)}  ${r.test.accuracy.toFixed(4)}`);
    },
  });
  const first = samples[0];
  const later = samples.slice(1);
  const range = (k: "rss" | "heap" | "wasm") => `${mb(Math.min(...later.map((s) => s[k])))}–${mb(Math.max(...later.map((s) => s[k])))} MB (epoch 1: ${mb(first[k])} MB)`;
  console.log(`epochs 2–10: RSS ${range("rss")}, heap used ${range("heap")}, wasm memory ${range("wasm")}`);
}

if (args.includes("--memory")) {
  if ((globalThis as { gc?: unknown }).gc) {
    await memoryCheck();
  } else {
    const child = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", fileURLToPath(import.meta.url), ...args], { stdio: "inherit" });
    process.exitCode = child.status ?? 1;
  }
} else {
  const rows = await childOrMedians(options, import.meta.url, measure, ["--threads", String(threads), ...(plain ? ["--plain"] : []), ...(referenceSoftmax ? ["--reference-softmax"] : [])], (processes) =>
    `training throughput, images/s (batch ${BATCH}, SGD momentum; nnref ${threads} thread${threads > 1 ? "s" : ""}, TF.js one), nnref wasm vs TF.js WASM, median over ${processes} process(es); Node ${process.version}`);
  if (rows) printTable("train step (forward, cross-entropy, backward, SGD step)", ["nnref", "TF.js", "× TF.js"], rows);
}
