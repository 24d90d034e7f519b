/**
 * 001, "Vanishing gradients problem" and "Vanishing gradients problem: ReLU
 * solves it": backpropagating through a layer multiplies the gradient signal
 * by the activation's derivative g′(a). For the sigmoid σ′(a) = σ(a)(1 − σ(a))
 * ≤ 0.25 ("scaling: <1 (actually <0.25)"), so after ten layers "updates in
 * the first layers get minimal"; for ReLU g′(a) ∈ {0, 1} ("Scaling: {0,1}"),
 * so "updates in the first layers can remain large".
 *
 * Two deep nets with the SAME weights, differing only in the activation:
 *
 *   x [B, W] → (Linear W→W, g) × depth → Linear W→1 → ŷ,   L = mean (ŷ − t)²
 *
 * One backward pass; per hidden layer l: ‖∂L/∂W_l‖ (Frobenius norm of the
 * weight gradient, what SGD's update is made of) and the mean and largest
 * g′(a) over the layer's units and samples.
 *
 * The weights are drawn with He initialization, N(0, 2/fan_in), which keeps
 * the ReLU net's gradients roughly at one scale through the layers; the
 * sigmoid net gets exactly the same weights. With PyTorch's default
 * U(±1/√fan_in) the weights are ~2.4× smaller and then the ReLU net's
 * gradients shrink with depth too: ReLU removes the σ′ ≤ ¼ factor, it does not
 * make any weight scale work. The experiment draws both initializations.
 */
import { Random } from "../../random.js";
import { randn } from "../../tensor.js";
import { Linear } from "../../nn/linear.js";
import type { InitName } from "../../nn/init.js";
import { Variable } from "../../autograd/variable.js";
import * as F from "../../autograd/functional.js";
import { linePlotSvg } from "../../train/charts.js";
import type { Experiment, ExperimentOptions, ExperimentResult } from "./experiment.js";

/** Which non-linearity the hidden layers use. */
export type Activation = "sigmoid" | "relu";

/** Settings of `layerGradients`. */
export interface VanishingOptions {
  /** Hidden layers (default 10, the slide's "do this 10 times"). */
  depth?: number;
  /** Units per hidden layer and input features (default 64). */
  width?: number;
  /** Samples in the batch (default 32). */
  batch?: number;
  /** Weight initialization shared by both nets (default "he"). */
  init?: InitName;
  /** Seed of the weights and data (default 1). */
  seed?: number;
}

/** Per hidden layer (index 0 = the first, next to the input). */
export interface LayerGradient {
  /** ‖∂L/∂W_l‖, Frobenius norm. */
  weightGradNorm: number;
  /** Mean of g′(a) over the layer's pre-activations a [batch, width]. */
  meanDerivative: number;
  /** Largest g′(a) seen in the layer. */
  maxDerivative: number;
}

/**
 * One backward pass through a depth × width net (float64) with activation
 * `activation`; one entry per hidden layer. The same seed gives both
 * activations the same weights, input x [batch, width] and target t [batch, 1].
 */
export function layerGradients(activation: Activation, options: VanishingOptions = {}): LayerGradient[] {
  const { depth = 10, width = 64, batch = 32, init = "he", seed = 1 } = options;
  if (!Number.isInteger(depth) || depth < 1) throw new RangeError(`layerGradients: depth: expected an integer ≥ 1, got ${depth}`);
  if (activation !== "sigmoid" && activation !== "relu") throw new RangeError(`layerGradients: activation: expected "sigmoid" or "relu", got ${String(activation)}`);
  const rng = new Random(seed);
  const hidden = Array.from({ length: depth }, () => new Linear(width, width, rng, { init, dtype: "float64" }));
  const output = new Linear(width, 1, rng, { init, dtype: "float64" });
  const x = new Variable(randn([batch, width], rng, { dtype: "float64" }));
  const t = randn([batch, 1], rng, { dtype: "float64" });

  const preActivations: Variable[] = [];
  let h = x;
  for (const layer of hidden) {
    const a = layer.forward(h);
    preActivations.push(a);
    h = activation === "sigmoid" ? F.sigmoid(a) : F.relu(a);
  }
  F.mseLoss(output.forward(h), t).backward();

  return hidden.map((layer, l) => {
    const g = layer.weight.grad!.data;
    let sq = 0;
    for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
    const a = preActivations[l].value.data;
    let sum = 0, max = 0;
    for (let i = 0; i < a.length; i++) {
      // g′(a): σ′ = σ(1 − σ) (002, "Neural Net – Non-Linearities"); ReLU′ = 1 for a > 0, else 0.
      const s = 1 / (1 + Math.exp(-a[i]));
      const d = activation === "sigmoid" ? s * (1 - s) : a[i] > 0 ? 1 : 0;
      sum += d;
      max = Math.max(max, d);
    }
    return { weightGradNorm: Math.sqrt(sq), meanDerivative: sum / a.length, maxDerivative: max };
  });
}

/** First hidden layer's gradient norm over the last one's. */
export function firstOverLast(layers: readonly LayerGradient[]): number {
  return layers[0].weightGradNorm / layers[layers.length - 1].weightGradNorm;
}

/** Median of a list of numbers. */
function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Runs the comparison: per-layer norms (one seed, drawn), first/last ratios over several seeds (quick: 3, full: 8). */
export async function runVanishingGradients(options: ExperimentOptions): Promise<ExperimentResult> {
  const depth = options.quick ? 10 : 20;
  const seeds = Array.from({ length: options.quick ? 3 : 8 }, (_, i) => options.seed + i);
  const settings = { depth, width: 64, batch: 32, seed: options.seed };
  const nets = {
    "sigmoid, He init": layerGradients("sigmoid", settings),
    "ReLU, He init": layerGradients("relu", settings),
    "sigmoid, PyTorch init": layerGradients("sigmoid", { ...settings, init: "pytorch" }),
    "ReLU, PyTorch init": layerGradients("relu", { ...settings, init: "pytorch" }),
  };
  const ratios = (activation: Activation) => seeds.map((seed) => firstOverLast(layerGradients(activation, { ...settings, seed })));
  const sigmoidRatios = ratios("sigmoid"), reluRatios = ratios("relu");
  const maxSigma = Math.max(...nets["sigmoid, He init"].map((l) => l.maxDerivative));
  const sig = median(sigmoidRatios), relu = median(reluRatios);
  const svg = linePlotSvg({
    title: `Gradient norm per layer, ${depth} hidden layers of 64 units (001, "Vanishing gradients problem")`,
    x: { label: "hidden layer (1 = next to the input)" },
    y: { label: "‖∂L/∂W_l‖", log: true },
    series: Object.entries(nets).map(([label, layers], i) => ({
      label,
      points: layers.map((l, k) => [k + 1, l.weightGradNorm] as [number, number]),
      dash: i >= 2 ? "6 3" : undefined,
      color: i % 2 === 0 ? "#d62728" : "#1f77b4",
    })),
  });
  const range = (v: number[]) => `${Math.min(...v).toExponential(1)} … ${Math.max(...v).toExponential(1)}`;
  return {
    rows: [
      { quantity: "largest σ′(a) over all layers", lecture: 0.25, nnref: Number(maxSigma.toFixed(4)), note: "the slide's bound σ′ ≤ 1/4, reached only at a = 0" },
      { quantity: `sigmoid: ‖∂L/∂W_1‖ / ‖∂L/∂W_${depth}‖ (median of ${seeds.length} seeds)`, lecture: "minimal", nnref: Number(sig.toPrecision(3)), note: `range ${range(sigmoidRatios)}; He init, the same weights as the ReLU net` },
      { quantity: `ReLU: ‖∂L/∂W_1‖ / ‖∂L/∂W_${depth}‖ (median of ${seeds.length} seeds)`, lecture: "can remain large", nnref: Number(relu.toPrecision(3)), note: `range ${range(reluRatios)}; with PyTorch's default init ${firstOverLast(nets["ReLU, PyTorch init"]).toExponential(1)} — ReLU needs a weight scale that keeps the signal` },
    ],
    figures: [{ file: "vanishing-gradients.svg", kind: "svg", data: svg, caption: `‖∂L/∂W_l‖ per hidden layer after one backward pass (seed ${options.seed}), sigmoid vs ReLU with the same weights, He and PyTorch-default initialization (log scale).` }],
    claims: [
      { claim: "σ′(a) ≤ 0.25 in every layer (\"scaling: <1 (actually <0.25)\")", holds: maxSigma <= 0.25 },
      { claim: `with sigmoids the first layer's update is minimal: first/last gradient norm < 1e-2 for every seed`, holds: sigmoidRatios.every((r) => r < 1e-2) },
      { claim: "with ReLU (He init) the first layer's update remains large: first/last > 0.1 for every seed", holds: reluRatios.every((r) => r > 0.1) },
    ],
    data: { depth, width: 64, batch: 32, seeds, layers: nets, sigmoidRatios, reluRatios },
  };
}

/** 001's vanishing gradients: per-layer gradient norm, sigmoid vs ReLU (line plot, log y). */
export const vanishingGradients: Experiment = {
  name: "vanishing-gradients",
  deck: "001 Introduction to ML week 6: Optimization, Regularization",
  slides: ["Vanishing gradients problem", "Vanishing gradients problem: ReLU solves it"],
  title: "Per-layer gradient norm of a deep sigmoid net and a ReLU net with the same weights",
  fullRunTime: "1.1 s CPU, 5.2 s wall (2-core AMD EPYC VM shared by eight jobs, load average ~18: an idle machine needs about the CPU time)",
  run: runVanishingGradients,
};
