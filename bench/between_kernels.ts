/**
 * The kernels for what runs between the GEMMs (issue 11, item 2) against
 * their reference ops, one process, one thread: batch_norm (evaluation on
 * ResNet-18's batch-1 shapes, training forward + backward at batch 64),
 * add and mul (ResNet's residual add, an MLP activation), global average
 * pooling, the Adam update (the MLP 784-128-10's first weight matrix), and
 * softmax, log_softmax and cross_entropy over 64 rows of 10 and 1000 classes.
 * Prints the median ms of each (tinybench) and reference ÷ kernel.
 *
 *   cd bench && npm ci && npm run between
 */
import { medianMs } from "./harness.js";
import { loadKernelsSync } from "../src/backend/load.js";
import { resolveOp, withBackend } from "../src/backend/dispatch.js";
import { findOp } from "../src/ops/registry.js";
import { adamHyper } from "../src/optim/adam.js";
import { adamStepInPlace } from "../src/ops/adam_step.js";
import { adamStepInPlaceKernel } from "../src/backend/kernels/adam.js";
import { randn, randu, Tensor } from "../src/tensor.js";
import { Random } from "../src/random.js";
import type { Tensors } from "../src/ops/op.js";

if (!loadKernelsSync()) throw new Error("between_kernels: the wasm kernels did not load");
const rng = new Random(1);
const rows: string[][] = [];

/** Times `reference` and `kernel` (the same work) and records a row. */
function compare(what: string, reference: () => void, kernel: () => void): void {
  const r = medianMs(`${what} reference`, reference), k = medianMs(`${what} kernel`, kernel);
  rows.push([what, r.toFixed(3), k.toFixed(3), `${(r / k).toFixed(2)}×`]);
  console.log(`  ${what}: reference ${r.toFixed(3)} ms, kernel ${k.toFixed(3)} ms`);
}

/** Forward (and backward when `backward`) of op `name` on `inputs`, reference vs kernel. */
function compareOp(what: string, name: string, inputs: Tensors, attrs: Record<string, unknown>, backward: boolean): void {
  const reference = findOp(name)!, kernel = withBackend("wasm", () => resolveOp(name)!);
  const a = reference.attrs(attrs);
  const run = (op: typeof reference) => (): void => {
    const f = op.forward(inputs, a);
    if (!backward) return;
    const y: Tensor = f.outputs.output;
    op.backward!({ output: upstream.get(y.shape.join()) ?? remember(y) }, f.cache, a);
  };
  compare(what, run(reference), run(kernel));
}

const upstream = new Map<string, Tensor>();
function remember(y: Tensor): Tensor {
  const dy = randn(y.shape, rng, { dtype: "float32" });
  upstream.set(y.shape.join(), dy);
  return dy;
}

function bnInputs(shape: number[]): Tensors {
  const C = shape[1];
  return {
    input: randn(shape, rng, { dtype: "float32" }),
    running_mean: randn([C], rng, { dtype: "float32" }), running_var: randu([C], rng, { low: 0.5, high: 2, dtype: "float32" }),
    weight: randn([C], rng, { dtype: "float32" }), bias: randn([C], rng, { dtype: "float32" }),
  };
}

compareOp("batch_norm eval [1, 64, 112, 112]", "batch_norm", bnInputs([1, 64, 112, 112]), { training: false }, false);
compareOp("batch_norm eval [1, 512, 7, 7]", "batch_norm", bnInputs([1, 512, 7, 7]), { training: false }, false);
compareOp("batch_norm train fwd+bwd [64, 16, 10, 10]", "batch_norm", bnInputs([64, 16, 10, 10]), { training: true }, true);
compareOp("batch_norm train fwd+bwd [64, 128]", "batch_norm", bnInputs([64, 128]), { training: true }, true);
for (const shape of [[1, 64, 56, 56], [64, 128]]) {
  const ab = { a: randn(shape, rng, { dtype: "float32" }), b: randn(shape, rng, { dtype: "float32" }) };
  compareOp(`add fwd [${shape.join(", ")}]`, "add", ab, {}, false);
  compareOp(`mul fwd+bwd [${shape.join(", ")}]`, "mul", ab, {}, true);
}
compareOp("global avg pool fwd+bwd [1, 512, 7, 7]", "adaptive_avg_pool2d", { input: randn([1, 512, 7, 7], rng, { dtype: "float32" }) }, { output_size: 1 }, true);
compareOp("global avg pool fwd+bwd [64, 64, 8, 8]", "adaptive_avg_pool2d", { input: randn([64, 64, 8, 8], rng, { dtype: "float32" }) }, { output_size: 1 }, true);
for (const [N, C] of [[64, 10], [64, 1000]]) {
  const logits = randn([N, C], rng, { std: 3, dtype: "float32" });
  const target = new Tensor(new Int32Array(N).map(() => rng.int(C)), [N]);
  compareOp(`softmax fwd+bwd [${N}, ${C}]`, "softmax", { input: logits }, { dim: -1 }, true);
  compareOp(`log_softmax fwd+bwd [${N}, ${C}]`, "log_softmax", { input: logits }, { dim: -1 }, true);
  compareOp(`cross_entropy fwd+bwd [${N}, ${C}] (mean)`, "cross_entropy", { input: logits, target }, {}, true);
}
{
  const n = 784 * 128, hyper = adamHyper({ lr: 1e-3 });
  const fresh = () => new Float32Array(n).map(() => rng.normal() * 0.1);
  const theta = fresh(), g = fresh(), m = fresh(), v = fresh().map(Math.abs);
  let t = 1;
  compare("Adam step, 100,352 weights", () => adamStepInPlace(theta, g, m, v, t++, hyper), () => adamStepInPlaceKernel(theta, g, m, v, t++, hyper));
}

console.log(`\nbetween the GEMMs: reference op vs wasm kernel, median ms (one thread, Node ${process.version})`);
const header = ["op and shape", "reference ms", "kernel ms", "reference ÷ kernel"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
for (const r of [header, ...rows]) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  "));
