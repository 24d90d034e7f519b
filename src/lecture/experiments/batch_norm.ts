/**
 * 001, "Internal Covariate Shift" ("logistic unit activation during MNIST
 * training"), "Batch Normalization" ("whiten-as-you-go: normalize the
 * activations in each layer within a minibatch; learn γ, β") and "Batch
 * Normalization: used in all current systems" ("train faster", the plot
 * against the number of mini-batches) — Ioffe & Szegedy's MNIST experiment at
 * small scale: an MLP with three hidden layers of 100 sigmoid units,
 *
 *   784 → (Linear → [BatchNorm1d] → σ) × 3 → Linear → 10,
 *
 * trained with and without batch normalization by the same minibatch SGD
 * (same initial weights and batch order) on the embedded Fashion-MNIST
 * subset. Measured: test accuracy every few steps, the steps each net needs
 * to reach a target accuracy, and the input distribution of the last hidden
 * layer's sigmoids over training (the paper's 15th/50th/85th percentiles of
 * one unit, and a histogram over all units at a few steps).
 */
import { Random } from "../../random.js";
import { Variable } from "../../autograd/variable.js";
import { noGrad } from "../../autograd/apply.js";
import * as F from "../../autograd/functional.js";
import { Linear } from "../../nn/linear.js";
import { BatchNorm1d } from "../../nn/batch_norm.js";
import { rowBatches, selectRows } from "../../data/rows.js";
import { SGD } from "../../optim/sgd.js";
import { argmaxRows } from "../../train/metrics.js";
import { histogramCounts, histogramSvg, linePlotSvg } from "../../train/charts.js";
import { embeddedFashion, type FlatSplit } from "./fashion_data.js";
import type { Experiment, ExperimentOptions, ExperimentResult } from "./experiment.js";
import { Module } from "../../nn/module.js";

/** The MLP of the experiment, which keeps the last hidden layer's sigmoid inputs of its last forward pass. */
export class SigmoidMlp extends Module {
  readonly hidden: Linear[];
  readonly norms: BatchNorm1d[] | null;
  readonly output: Linear;
  /** Inputs [N, width] of the last hidden layer's sigmoids in the last forward pass. */
  lastSigmoidInput: Float32Array | null = null;

  constructor(rng: Random, options: { batchNorm: boolean; depth?: number; width?: number }) {
    super();
    const { batchNorm, depth = 3, width = 100 } = options;
    this.hidden = Array.from({ length: depth }, (_, l) => this.registerModule(`hidden${l}`, new Linear(l === 0 ? 784 : width, width, rng)));
    this.norms = batchNorm ? Array.from({ length: depth }, (_, l) => this.registerModule(`norm${l}`, new BatchNorm1d(width))) : null;
    this.output = this.registerModule("output", new Linear(width, 10, rng));
  }

  forward(x: Variable): Variable {
    let h = x;
    this.hidden.forEach((layer, l) => {
      let a = layer.forward(h);
      if (this.norms) a = this.norms[l].forward(a);
      if (l === this.hidden.length - 1) this.lastSigmoidInput = Float32Array.from(a.value.data);
      h = F.sigmoid(a);
    });
    return this.output.forward(h);
  }

  outputShape(inputShape: readonly number[]): number[] {
    return [inputShape[0], 10];
  }
}

/** What one net's training recorded. */
export interface BatchNormRun {
  /** Steps at which the test set was evaluated (0 = before training). */
  steps: number[];
  testAccuracy: number[];
  /** 15th, 50th, 85th percentile of one unit's sigmoid input over the test images, at each evaluation. */
  percentiles: Array<[number, number, number]>;
  /** All units' sigmoid inputs over the test images at the evaluations named in `snapshotSteps`. */
  snapshots: number[][];
  /** Steps until the test accuracy first reached the target (null: not within the run). */
  stepsToTarget: number | null;
}

function percentile(sorted: Float32Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Trains one net (with or without batch norm) and records its curve and activation distributions. */
export function trainBatchNormNet(data: { train: FlatSplit; test: FlatSplit }, options: { batchNorm: boolean; steps: number; evalEvery: number; lr: number; batch: number; seed: number; target: number; snapshotSteps: number[] }): BatchNormRun {
  const { batchNorm, steps, evalEvery, lr, batch, seed, target, snapshotSteps } = options;
  const model = new SigmoidMlp(new Random(seed), { batchNorm });
  const optimizer = new SGD(model.parameters(), { lr });
  const order = new Random(seed + 1);
  const run: BatchNormRun = { steps: [], testAccuracy: [], percentiles: [], snapshots: [], stepsToTarget: null };
  const unit = 0;
  const evaluate = (step: number) => {
    model.eval();
    const predicted = argmaxRows(noGrad(() => model.forward(new Variable(data.test.x))).value);
    model.train();
    let correct = 0;
    predicted.forEach((c, i) => { if (c === data.test.labels.data[i]) correct++; });
    const accuracy = correct / predicted.length;
    const a = model.lastSigmoidInput!;
    const width = a.length / data.test.x.shape[0];
    const column = Float32Array.from({ length: data.test.x.shape[0] }, (_, i) => a[i * width + unit]).sort();
    run.steps.push(step);
    run.testAccuracy.push(accuracy);
    run.percentiles.push([percentile(column, 0.15), percentile(column, 0.5), percentile(column, 0.85)]);
    if (snapshotSteps.includes(step)) run.snapshots.push(Array.from(a, (v) => Number(v.toPrecision(4))));
    if (run.stepsToTarget === null && accuracy >= target) run.stepsToTarget = step;
  };
  evaluate(0);
  let step = 0;
  while (step < steps) {
    for (const rows of rowBatches(data.train.x.shape[0], batch, order)) {
      if (rows.length < batch || step >= steps) continue;
      optimizer.zeroGrad();
      F.crossEntropy(model.forward(new Variable(selectRows(data.train.x, rows))), selectRows(data.train.labels, rows)).backward();
      optimizer.step();
      step++;
      if (step % evalEvery === 0) evaluate(step);
    }
  }
  return run;
}

/** The value range of the histograms (sigmoid inputs outside it are rare and not drawn). */
const HISTOGRAM_RANGE: [number, number] = [-8, 8];

/** A run for JSON: the snapshots as 40-bin histogram counts over HISTOGRAM_RANGE instead of every value. */
function summary(run: BatchNormRun): Omit<BatchNormRun, "snapshots"> & { snapshotCounts: number[][] } {
  const { snapshots, ...rest } = run;
  return { ...rest, snapshotCounts: snapshots.map((v) => histogramCounts(v, 40, HISTOGRAM_RANGE[0], HISTOGRAM_RANGE[1])) };
}

/** Runs both nets. Quick: 1,000 training images, 100 steps, target 60%; full: 5,800 images, 2,000 steps, target 75%. */
export async function runBatchNorm(options: ExperimentOptions): Promise<ExperimentResult> {
  const quick = options.quick;
  const data = await embeddedFashion(quick ? 1000 : 5800, quick ? 300 : 1000);
  const steps = quick ? 100 : 2000, evalEvery = quick ? 20 : 50, target = quick ? 0.6 : 0.75;
  const snapshotSteps = [0, evalEvery * 2, steps];
  const settings = { steps, evalEvery, lr: 0.1, batch: 32, seed: options.seed, target, snapshotSteps };
  const plain = trainBatchNormNet(data, { ...settings, batchNorm: false });
  const normed = trainBatchNormNet(data, { ...settings, batchNorm: true });
  const curves = linePlotSvg({
    title: "Test accuracy vs training steps, 3 × 100 sigmoid MLP (001, \"Batch Normalization\")",
    x: { label: "training step (minibatch of 32)" },
    y: { label: "test accuracy", range: [0, 1] },
    series: [
      { label: "without batch norm", points: plain.steps.map((s, i) => [s, plain.testAccuracy[i]] as [number, number]) },
      { label: "with batch norm", points: normed.steps.map((s, i) => [s, normed.testAccuracy[i]] as [number, number]) },
    ],
  });
  const pct = (run: BatchNormRun, k: number) => run.steps.map((s, i) => [s, run.percentiles[i][k]] as [number, number]);
  const percentiles = linePlotSvg({
    title: "Input of one last-layer sigmoid over training: 15th, 50th, 85th percentile (\"Internal Covariate Shift\")",
    x: { label: "training step" },
    y: { label: "sigmoid input a" },
    markers: false,
    series: [
      ...[0, 1, 2].map((k) => ({ label: `without BN, ${["15th", "50th", "85th"][k]}`, points: pct(plain, k), color: "#d62728", dash: k === 1 ? undefined : "5 3" })),
      ...[0, 1, 2].map((k) => ({ label: `with BN, ${["15th", "50th", "85th"][k]}`, points: pct(normed, k), color: "#1f77b4", dash: k === 1 ? undefined : "5 3" })),
    ],
  });
  const histograms = histogramSvg({
    title: "Inputs of the last hidden layer's sigmoids (all units, test images) at three steps",
    xLabel: "sigmoid input a",
    layout: "small-multiples",
    bins: 40,
    range: HISTOGRAM_RANGE,
    series: [
      ...snapshotSteps.map((s, i) => ({ label: `no BN, step ${s}`, values: plain.snapshots[i], color: "#d62728" })),
      ...snapshotSteps.map((s, i) => ({ label: `BN, step ${s}`, values: normed.snapshots[i], color: "#1f77b4" })),
    ],
  });
  // How far the median of the unit's input moves over training (the "moving target").
  const drift = (run: BatchNormRun) => Math.max(...run.percentiles.map((p) => p[1])) - Math.min(...run.percentiles.map((p) => p[1]));
  const faster = normed.stepsToTarget !== null && (plain.stepsToTarget === null || normed.stepsToTarget < plain.stepsToTarget);
  const last = (a: number[]) => a[a.length - 1];
  return {
    rows: [
      { quantity: `steps to ${Math.round(target * 100)}% test accuracy without batch norm`, lecture: null, nnref: plain.stepsToTarget ?? `not within ${steps}`, note: `SGD lr ${settings.lr}, batch 32, evaluated every ${evalEvery} steps on ${data.test.x.shape[0]} test images` },
      { quantity: `steps to ${Math.round(target * 100)}% test accuracy with batch norm`, lecture: null, nnref: normed.stepsToTarget ?? `not within ${steps}`, note: "the slide (Ioffe & Szegedy's MNIST figure) shows the BN net ahead at every step; ImageNet: the same accuracy in 14× fewer steps (\"15x\")" },
      { quantity: `test accuracy after ${steps} steps, without / with batch norm`, lecture: null, nnref: `${last(plain.testAccuracy).toFixed(3)} / ${last(normed.testAccuracy).toFixed(3)}` },
      { quantity: "range of the unit's median sigmoid input over training, without / with BN", lecture: null, nnref: `${drift(plain).toFixed(2)} / ${drift(normed).toFixed(2)}`, note: "one unit (index 0) of the last hidden layer, as the paper's figure; not a claim here: the net without BN hardly trains at this step size, so its inputs hardly move, and the BN net's move with its learned γ, β" },
    ],
    figures: [
      { file: "batch-norm-accuracy.svg", kind: "svg", data: curves, caption: `Test accuracy vs training steps of a 784-100-100-100-10 sigmoid MLP with and without batch normalization (same weights and batches), ${data.source}.` },
      { file: "batch-norm-percentiles.svg", kind: "svg", data: percentiles, caption: "The 15th, 50th and 85th percentiles over the test images of one last-layer sigmoid's input during training." },
      { file: "batch-norm-histograms.svg", kind: "svg", data: histograms, caption: `Histograms of all last-layer sigmoid inputs at steps ${snapshotSteps.join(", ")}, without (red) and with (blue) batch norm.` },
    ],
    claims: [
      { claim: `with batch normalization the net reaches ${Math.round(target * 100)}% test accuracy in fewer steps ("train faster")`, holds: faster },
      { claim: "with batch normalization the net's test accuracy is higher at the end of the run", holds: last(normed.testAccuracy) > last(plain.testAccuracy) },
    ],
    data: { source: data.source, settings: { ...settings, snapshotSteps }, histogramRange: HISTOGRAM_RANGE, withoutBatchNorm: summary(plain), withBatchNorm: summary(normed) },
  };
}

/** 001's batch normalization: steps to an accuracy, and a hidden layer's activation distributions over training. */
export const batchNorm: Experiment = {
  name: "batch-norm",
  deck: "001 Introduction to ML week 6: Optimization, Regularization",
  slides: ["Internal Covariate Shift", "Batch Normalization", "Batch Normalization: used in all current systems"],
  title: "Steps to a test accuracy with and without batch norm, and a hidden layer's input distribution over training",
  fullRunTime: "14 s CPU, 109 s wall (2-core AMD EPYC VM shared by eight jobs, load average ~18: an idle machine needs about the CPU time)",
  run: runBatchNorm,
};
