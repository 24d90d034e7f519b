/**
 * 004, "Deep neural networks: Challenges": "Example: 50-layer neural network
 * — 26 million weight parameters, 16 million activations in the forward pass
 * — 168MB memory (assuming 32-bit float)", i.e. (26 M + 16 M) × 4 bytes.
 * 004 does not name the network; ResNet-50 is the 50-layer one with 26 M
 * weights. nnref's summary (src/models/summary.ts) counts every tensor a
 * layer produces (conv, batch norm, ReLU, sums, pools: 37.6 M); a framework
 * that runs batch norm and ReLU in place keeps one tensor per convolution
 * plus each block's sum, which is about the lecture's 16 M.
 */
import { resnet50 } from "../../models/resnet.js";
import { ShapeOnlyRandom } from "../../models/shape_only_random.js";
import { summarize } from "../../models/summary.js";
import type { Experiment, ExperimentOptions, ExperimentResult } from "./experiment.js";

/** ResNet-50's weights and activations on one 3×224×224 image, counted by nnref's summary. */
export function resnet50Memory(): { weights: number; activationsEveryOutput: number; activationsConvAndSums: number; byKind: Record<string, number>; trainingBytes: number } {
  const s = summarize(resnet50(new ShapeOnlyRandom()), [1, 3, 224, 224]);
  const byKind: Record<string, number> = {};
  for (const row of s.layers) {
    const kind = row.layer.split("(")[0];
    byKind[kind] = (byKind[kind] ?? 0) + row.activations;
  }
  return {
    weights: s.totals.params,
    activationsEveryOutput: s.totals.activations,
    activationsConvAndSums: (byKind.Conv2d ?? 0) + (byKind.add ?? 0),
    byKind,
    trainingBytes: s.totals.trainingBytes,
  };
}

async function run(_options: ExperimentOptions): Promise<ExperimentResult> {
  const m = resnet50Memory();
  const mb = (values: number) => Number(((values * 4) / 1e6).toFixed(1));
  const million = (n: number) => Number((n / 1e6).toFixed(2));
  return {
    rows: [
      { quantity: "weights (M)", lecture: 26, nnref: million(m.weights), note: `${m.weights} parameters` },
      { quantity: "activations, one per conv output plus each block's sum (M)", lecture: 16, nnref: million(m.activationsConvAndSums), note: "batch norm and ReLU in place" },
      { quantity: "activations, every layer's output (M)", lecture: null, nnref: million(m.activationsEveryOutput), note: "what nnref's graph keeps: each output is its own tensor" },
      { quantity: "weights + activations at 32-bit (MB)", lecture: 168, nnref: mb(m.weights + m.activationsConvAndSums), note: `every output counted: ${mb(m.weights + m.activationsEveryOutput)} MB` },
      { quantity: "training at 32-bit, batch 1 (MB)", lecture: null, nnref: Number((m.trainingBytes / 1e6).toFixed(1)), note: "weights, gradients, momentum and the activations kept for backward" },
    ],
    figures: [],
    claims: [
      { claim: "the 50-layer network has about 26 M weights (ResNet-50: within 3 %)", holds: Math.abs(m.weights / 26e6 - 1) < 0.03 },
      { claim: "about 16 M activations in the forward pass (conv outputs plus block sums: within 5 %)", holds: Math.abs(m.activationsConvAndSums / 16e6 - 1) < 0.05 },
      { claim: "(weights + activations) × 4 bytes ≈ 168 MB (within 3 %)", holds: Math.abs(((m.weights + m.activationsConvAndSums) * 4) / 168e6 - 1) < 0.03 },
    ],
    data: m,
  };
}

/** 004's ResNet-50 memory example against nnref's counts. */
export const resnet50MemoryExperiment: Experiment = {
  name: "resnet50-memory",
  deck: "004 CSCE 421 Lecture 9: Deep neural networks",
  slides: ["Deep neural networks: Challenges"],
  title: "26 M weights, 16 M activations, 168 MB against ResNet-50's counted numbers",
  fullRunTime: "~0.3 s CPU (shape inference only)",
  run,
};
