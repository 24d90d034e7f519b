/**
 * 001, "Vanishing gradients problem" and "Vanishing gradients problem: ReLU
 * solves it": backpropagating through a layer multiplies the gradient signal
 * by the activation's derivative g′(a). For the sigmoid, σ′(a) = σ(a)(1 − σ(a))
 * ≤ 0.25 ("scaling: <1 (actually <0.25)"), so after ten layers "updates in
 * the first layers get minimal"; for ReLU, g′(a) ∈ {0, 1} ("Scaling: {0,1}"),
 * so "updates in the first layers can remain large".
 *
 * Two deep nets with the SAME weights, differing only in the activation:
 *
 *   x [32, 64] → (Linear 64→64, g) × 10 → Linear 64→1 → ŷ,   L = mean (ŷ − t)²
 *
 * One backward pass; printed per hidden layer l: ‖∂L/∂W_l‖ (the Frobenius
 * norm of the weight gradient, what SGD's update is made of) and the mean of
 * g′(a) over the layer's units and samples (σ′ for the sigmoid, the fraction
 * of active units for ReLU).
 *
 * The weights are drawn with He initialization, N(0, 2/fan_in), which keeps
 * the ReLU net's gradients roughly at one scale through the layers; the
 * sigmoid net gets exactly the same weights. With PyTorch's default
 * U(±1/√fan_in) the weights are ~2.4× smaller and then the ReLU net's
 * gradients shrink with depth too: ReLU removes the σ′ ≤ ¼ factor, it does
 * not make any weight scale work. The example prints that case's first/last
 * ratios as well.
 *
 * The computation is the library's (src/lecture/experiments/vanishing_gradients.ts,
 * also `nnref lecture vanishing-gradients`, which draws the figure); this
 * example prints it as a table.
 *
 * Measured while writing this (seeds 1–8, He init): first-layer/last-layer
 * gradient norm 1e-5 … 1e-3 for the sigmoid net, 0.15 … 2.4 for the ReLU net.
 *
 *   node --import tsx docs/examples/vanishing_gradients.ts
 */
import { fileURLToPath } from "node:url";
import { firstOverLast, layerGradients, type LayerGradient, type VanishingOptions } from "../../src/lecture/experiments/vanishing_gradients.js";

export { firstOverLast, layerGradients, type Activation, type LayerGradient, type VanishingOptions } from "../../src/lecture/experiments/vanishing_gradients.js";

/** Prints the per-layer table for both activations (He init) and the first/last ratios for PyTorch's default init. */
export function main(options: VanishingOptions = {}): { sigmoid: LayerGradient[]; relu: LayerGradient[] } {
  const { depth = 10, width = 64, batch = 32, init = "he", seed = 1 } = options;
  const settings = { depth, width, batch, init, seed };
  const sigmoid = layerGradients("sigmoid", settings);
  const relu = layerGradients("relu", settings);
  console.log(`001: vanishing gradients — ${depth} hidden layers of ${width} units, batch ${batch}, the same ${init} weights (seed ${seed}), one backward of an MSE loss`);
  console.log("");
  console.log("layer | ‖∂L/∂W‖ sigmoid | mean σ′ (max)   | ‖∂L/∂W‖ ReLU | active units");
  for (let l = 0; l < depth; l++) {
    const s = sigmoid[l], r = relu[l];
    console.log(
      [
        String(l + 1).padStart(5),
        s.weightGradNorm.toExponential(2).padStart(15),
        `${s.meanDerivative.toFixed(3)} (${s.maxDerivative.toFixed(3)})`.padEnd(15),
        r.weightGradNorm.toExponential(2).padStart(12),
        `${(100 * r.meanDerivative).toFixed(0)}%`,
      ].join(" | "),
    );
  }
  console.log("");
  console.log(`slide: σ′ ≤ 0.25 — nnref's largest σ′ over all layers: ${Math.max(...sigmoid.map((s) => s.maxDerivative)).toFixed(4)}`);
  console.log(`first-layer / last-layer gradient norm: sigmoid ${firstOverLast(sigmoid).toExponential(2)}, ReLU ${firstOverLast(relu).toExponential(2)}`);
  const defaults = { ...settings, init: "pytorch" as const };
  console.log(
    `with PyTorch's default init U(±1/√fan_in) instead: sigmoid ${firstOverLast(layerGradients("sigmoid", defaults)).toExponential(2)}, ` +
      `ReLU ${firstOverLast(layerGradients("relu", defaults)).toExponential(2)} (ReLU needs a weight scale that keeps the signal, e.g. He's)`,
  );
  return { sigmoid, relu };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
