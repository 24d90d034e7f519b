/**
 * Training with and without the softmax / cross-entropy kernels, interleaved
 * in one process: the training loop's own step (Trainer.step, batch 64,
 * resident weights as in train.ts) on LeNet-5 and the MLP 784-128-10, in
 * rounds of `--steps` steps that alternate the kernels (on) and the reference
 * ops registered over them (off). Alternating round by round in one process
 * cancels most of the drift of a shared machine that separate processes
 * would see. Prints the median images/s of each mode, on ÷ off, the time
 * spent inside those ops per step in each mode (the part of the step the
 * kernels change, resolvable where the whole step's rate is not), and the
 * load averages before and after. Never asserts.
 *
 *   cd bench && npm run softmax-ab                     # 12 rounds of 40 steps per mode and model
 *   npm run softmax-ab -- --rounds 20 --steps 60 --only mlp
 */
import { loadavg } from "node:os";
import { benchOptions, warmUp } from "./harness.js";
import { loadKernelsSync } from "../src/backend/load.js";
import { registerKernels, setBackend } from "../src/backend/dispatch.js";
import { findOp } from "../src/ops/registry.js";
import type { OpDef } from "../src/ops/op.js";
import { softmaxKernelOp, logSoftmaxKernelOp } from "../src/backend/kernels/softmax.js";
import { crossEntropyKernelOp } from "../src/backend/kernels/cross_entropy.js";
import { loadEmbeddedDataset } from "../src/data/node_files.js";
import { epochBatches, type Batch } from "../src/data/batches.js";
import { recipeTrainer } from "../src/train/recipe.js";
import { makeParametersResident } from "../src/nn/resident_parameters.js";

const { option, wanted } = benchOptions();
const ROUNDS = Number(option("--rounds") ?? 12), STEPS = Number(option("--steps") ?? 40), BATCH = 64;
/** Milliseconds spent inside the ops' forward and backward, per mode (what the kernels change, measured inside the step). */
const inOps = { on: 0, off: 0 };
let mode: "on" | "off" = "on";

/** `op` with its forward and backward timed into `inOps[mode]`. */
function timed(op: OpDef): OpDef {
  const clock = <T>(fn: () => T): T => {
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      inOps[mode] += performance.now() - t0;
    }
  };
  return { ...op, forward: (inputs, attrs) => clock(() => op.forward(inputs, attrs)), backward: (up, cache, attrs, needed) => clock(() => op.backward!(up, cache, attrs, needed)) };
}

const KERNELS = [softmaxKernelOp, logSoftmaxKernelOp, crossEntropyKernelOp].map((op) => timed(op as OpDef));
const REFERENCES = KERNELS.map((k) => timed(findOp(k.name)!));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(", ");

if (!loadKernelsSync()) throw new Error("softmax_ab: the wasm kernels did not load");
setBackend("wasm");
const data = await loadEmbeddedDataset();
console.log(`softmax/cross-entropy kernels on vs off, interleaved: ${ROUNDS} rounds × ${STEPS} steps per mode, batch ${BATCH}, one thread, Node ${process.version}; load before ${load()}`);
for (const model of ["lenet5", "mlp"]) {
  if (!wanted(model)) continue;
  const trainer = recipeTrainer(data, { model, seed: 0, batchSize: BATCH });
  makeParametersResident(trainer.model);
  const batches: Batch[] = [...epochBatches(data.train, { batchSize: BATCH, standardization: trainer.standardization, rng: trainer.rng, dropLast: true })];
  let i = 0;
  const step = (): void => { trainer.step(batches[i++ % batches.length]); };
  const rates: Record<"on" | "off", number[]> = { on: [], off: [] }, opMs: Record<"on" | "off", number[]> = { on: [], off: [] };
  for (const m of ["on", "off"] as const) {
    mode = m;
    registerKernels(mode === "on" ? KERNELS : REFERENCES);
    warmUp(step, 500, 3000);
  }
  inOps.on = inOps.off = 0;
  for (let r = 0; r < ROUNDS; r++) {
    for (const m of (r % 2 === 0 ? ["on", "off"] : ["off", "on"]) as ("on" | "off")[]) {
      mode = m;
      registerKernels(mode === "on" ? KERNELS : REFERENCES);
      const t0 = performance.now(), before = inOps[mode];
      for (let s = 0; s < STEPS; s++) step();
      rates[mode].push((STEPS * BATCH) / ((performance.now() - t0) / 1000));
      opMs[mode].push((inOps[mode] - before) / STEPS);
    }
  }
  registerKernels(KERNELS);
  const on = median(rates.on), off = median(rates.off);
  console.log(`${model.padEnd(7)} on ${on.toFixed(0)} images/s, off ${off.toFixed(0)} images/s, on ÷ off ${(on / off).toFixed(3)} ` +
    `(per-round ratios ${rates.on.map((x, k) => (x / rates.off[k]).toFixed(2)).join(" ")})`);
  const perStep = (m: "on" | "off"): string => `${(median(opMs[m]) * 1000).toFixed(1)} µs (mean ${((inOps[m] / (ROUNDS * STEPS)) * 1000).toFixed(1)})`;
  console.log(`${"".padEnd(7)} inside softmax / log_softmax / cross_entropy per step, median of rounds: on ${perStep("on")}, off ${perStep("off")}; ` +
    `a step takes ${((1000 * BATCH) / median([...rates.on, ...rates.off])).toFixed(2)} ms`);
}
console.log(`load after ${load()}`);
