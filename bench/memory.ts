/**
 * Memory over time, with tensors resident in the kernels' memory: the wasm
 * memory's size, the allocator's live bytes (src/backend/kernel_memory.ts:
 * the resident weights, SGD buffers and the arena's call block)
 * and the JS heap (after a full GC) — per epoch over ten training epochs of
 * LeNet-5 (`nnref train lenet5`'s loop on the embedded data, batch 64), and
 * per 100 calls over 1,000 inference calls of ResNet-18 at batch 1 (eval,
 * noGrad, each call in a tidy scope; also the allocator's peak live bytes
 * over each 100 calls: weights, call block and the activations live at once,
 * src/nn/intermediates.ts). All should stay flat after the first epoch / the
 * first 100 calls.
 *
 *   cd bench && npm run memory                  # both (about a minute here)
 *   npm run memory -- --only train              # or --only inference
 *   npm run memory -- --size 64                 # inference input size (default 64×64; 224 is slow: ~0.2 s a call)
 *
 * Prints; never asserts (spec/tensor_lifetime.spec.ts asserts no leak on live bytes).
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { loadKernelsSync } from "../src/backend/load.js";
import { setBackend } from "../src/backend/dispatch.js";
import { kernelMemoryStats, resetKernelMemoryPeak } from "../src/backend/resident.js";
import { loadEmbeddedDataset } from "../src/data/node_files.js";
import { recipeTrainer } from "../src/train/recipe.js";
import { resnet18 } from "../src/models/index.js";
import { noGrad } from "../src/autograd/apply.js";
import { Variable } from "../src/autograd/variable.js";
import { tidy } from "../src/tensor_lifetime.js";
import { makeParametersResident } from "../src/nn/resident_parameters.js";
import { randn } from "../src/tensor.js";
import { Random } from "../src/random.js";

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const only = option("--only");
const size = Number(option("--size") ?? 64);
const mb = (b: number) => (b / 2 ** 20).toFixed(2);

/** One line of the table: wasm memory, live bytes in it, JS heap used and RSS, after a full GC. */
function sample(gc: () => void, label: string, extra = ""): { wasm: number; live: number; heap: number } {
  gc();
  const m = process.memoryUsage();
  const s = kernelMemoryStats()!;
  console.log(`${label.padStart(9)}  ${mb(s.memoryBytes).padStart(14)}  ${mb(s.liveBytes).padStart(13)}  ${mb(m.heapUsed).padStart(12)}  ${mb(m.rss).padStart(8)}  ${extra}`);
  return { wasm: s.memoryBytes, live: s.liveBytes, heap: m.heapUsed };
}

const HEADER = "           wasm memory MB  live in it MB  JS heap MB    RSS MB";

/** The range of each column after the first sample, and the first. */
function summary(samples: Array<{ wasm: number; live: number; heap: number }>): string {
  const later = samples.slice(1);
  const range = (k: "wasm" | "live" | "heap") => `${mb(Math.min(...later.map((s) => s[k])))}–${mb(Math.max(...later.map((s) => s[k])))} (first ${mb(samples[0][k])})`;
  return `after the first: wasm memory ${range("wasm")} MB, live ${range("live")} MB, JS heap ${range("heap")} MB`;
}

async function training(gc: () => void): Promise<void> {
  const data = await loadEmbeddedDataset();
  const trainer = recipeTrainer(data, { model: "lenet5", seed: 0 });
  makeParametersResident(trainer.model);
  console.log(`LeNet-5, 10 epochs on the embedded data (${data.train.count} training + ${data.test.count} test images per epoch), batch 64, wasm backend`);
  console.log(`${HEADER}  test accuracy`);
  const samples: Array<{ wasm: number; live: number; heap: number }> = [];
  trainer.run(10, { onEpoch: (r) => { samples.push(sample(gc, `epoch ${r.epoch}`, r.test.accuracy.toFixed(4))); } });
  console.log(summary(samples));
}

function inference(gc: () => void): void {
  const rng = new Random(1);
  const model = resnet18(rng, { inputSize: [3, size, size] }).eval();
  makeParametersResident(model);
  const x = new Variable(randn([1, 3, size, size], rng));
  console.log(`ResNet-18, 1,000 forward calls at batch 1, 3×${size}×${size}, eval, noGrad, one tidy scope per call`);
  console.log(`${HEADER}  ms/call  peak live MB`);
  resetKernelMemoryPeak();
  const samples: Array<{ wasm: number; live: number; heap: number }> = [];
  let checksum = 0;
  for (let block = 1; block <= 10; block++) {
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) checksum += tidy(() => noGrad(() => model.forward(x)).value.data[0]);
    const ms = ((performance.now() - t0) / 100).toFixed(2);
    samples.push(sample(gc, `${block * 100} calls`, `${ms.padStart(7)}  ${mb(kernelMemoryStats()!.peakLiveBytes).padStart(12)}`));
    resetKernelMemoryPeak();
  }
  console.log(summary(samples));
  if (!Number.isFinite(checksum)) throw new Error("bench: non-finite output");
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  const child = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", fileURLToPath(import.meta.url), ...args], { stdio: "inherit" });
  process.exitCode = child.status ?? 1;
} else {
  if (!loadKernelsSync()) throw new Error("the nnref wasm kernels did not load");
  setBackend("wasm");
  console.log(`Node ${process.version}`);
  if (only === undefined || only === "train") await training(gc);
  if (only === undefined || only === "inference") inference(gc);
}
