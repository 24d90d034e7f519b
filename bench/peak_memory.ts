/**
 * Peak wasm memory of one inference (issue 11's target: ResNet-50 at batch
 * 1, 224×224, eval, noGrad, parameters resident, peak wasm memory ≤ 1.5 ×
 * (weights + the two largest live activations)). Prints, per model variant
 * (as built, and `fuseModelForInference`'s), each in a fresh process (a
 * WebAssembly memory never shrinks, so one process measures one variant):
 *
 *   - the weights' bytes (float32 parameters, resident in the kernels' memory);
 *   - the two largest live activations and the largest live set, from the
 *     network's structure (src/models/activation_liveness.ts says how they are
 *     counted), and the sum of all activations;
 *   - the allocator's high-water mark of live bytes over the forward
 *     (weights + activations + the arena's call block, the kernels'
 *     scratch), its highest `top` (live plus holes), and the wasm memory's
 *     size afterwards (its peak: it only grows);
 *   - the ratio of that memory to weights + two largest (target ≤ 1.5).
 *
 *   cd bench && npm run peak-memory                    # ResNet-50, 224×224, both variants
 *   npm run peak-memory -- --model resnet18 --size 64  # any of resnet18/34/50/101/152
 *
 * Prints; never asserts (spec/models/inference_memory.spec.ts bounds a
 * small ResNet's peak).
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { loadKernelsSync } from "../src/backend/load.js";
import { setBackend } from "../src/backend/dispatch.js";
import { kernelMemoryStats, resetKernelMemoryPeak } from "../src/backend/resident.js";
import { activationLiveness, fuseModelForInference, resnet, resnetDepths } from "../src/models/index.js";
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
const depth = (option("--model") ?? "resnet50") as keyof typeof resnetDepths;
if (!(depth in resnetDepths)) throw new Error(`peak_memory: --model: expected one of ${Object.keys(resnetDepths).join(", ")}, got ${depth}`);
const size = Number(option("--size") ?? 224);
const MB = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

/** One variant in this process: builds, makes resident, runs one forward and prints the numbers. */
function measure(variant: "plain" | "fused"): void {
  if (!loadKernelsSync()) throw new Error("the nnref wasm kernels did not load");
  setBackend("wasm");
  const rng = new Random(1);
  const built = resnet(depth, rng, { inputSize: [3, size, size] }).eval();
  // Counted on the structure as built: the fused model computes the same function with fewer activations
  // (its residual blocks trace as plain chains), and its two largest are the same tensors.
  const liveness = activationLiveness(built, [1, 3, size, size]);
  const model = variant === "fused" ? fuseModelForInference(built) : built;
  makeParametersResident(model);
  const weights = model.parameters().reduce((s, p) => s + (p.value.dtype === "float32" ? p.value.size * 4 : 0), 0);
  const x = new Variable(randn([1, 3, size, size], rng));
  // One call first (kernel set-up, the arena's call block at its size), then the measured one.
  tidy(() => noGrad(() => model.forward(x)).value.data[0]);
  resetKernelMemoryPeak();
  const before = kernelMemoryStats()!;
  const t0 = performance.now();
  const out = tidy(() => noGrad(() => model.forward(x)).value.data[0]);
  const ms = performance.now() - t0;
  const s = kernelMemoryStats()!;
  if (!Number.isFinite(out)) throw new Error("peak_memory: non-finite output");
  const target = weights + liveness.twoLargestBytes;
  console.log(`${depth} ${variant === "fused" ? "fused (fuseModelForInference)" : "as built"}, batch 1, 3×${size}×${size}, eval, noGrad, one tidy scope, parameters resident (${ms.toFixed(0)} ms)`);
  console.log(`  weights (float32 parameters)      ${MB(weights).padStart(10)}`);
  console.log(`  two largest live activations      ${MB(liveness.twoLargestBytes).padStart(10)}  ${liveness.twoLargest}`);
  console.log(`  largest live set                  ${MB(liveness.largestLiveSetBytes).padStart(10)}  at ${liveness.largestLiveSetAt}`);
  console.log(`  all activations (${liveness.ops} ops)         ${MB(liveness.allBytes).padStart(10)}`);
  console.log(`  live before the forward           ${MB(before.liveBytes).padStart(10)}  (the weights, and the arena's call block: ${MB(before.liveBytes - before.residentBytes)})`);
  console.log(`  peak live bytes                   ${MB(s.peakLiveBytes).padStart(10)}  (${MB(s.peakLiveBytes - before.liveBytes)} above the weights and call block)`);
  console.log(`  peak top (live + holes)           ${MB(s.peakTop).padStart(10)}`);
  console.log(`  peak wasm memory                  ${MB(s.memoryBytes).padStart(10)}  (${s.grows} grows)`);
  console.log(`  peak wasm memory / (weights + two largest) = ${(s.memoryBytes / target).toFixed(3)}  (target ≤ 1.5: ${s.memoryBytes <= 1.5 * target ? "met" : "NOT met"})`);
  console.log(`  peak live bytes  / (weights + two largest) = ${(s.peakLiveBytes / target).toFixed(3)}`);
}

const variant = option("--variant");
if (variant === "plain" || variant === "fused") {
  measure(variant);
} else {
  console.log(`Node ${process.version}`);
  for (const v of ["plain", "fused"]) {
    const child = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), ...args, "--variant", v], { stdio: "inherit" });
    if (child.status !== 0) console.log(`  (${v}: the process exited with ${child.status})`);
  }
}
