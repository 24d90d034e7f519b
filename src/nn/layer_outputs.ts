/**
 * What each layer of a chain makes of one input: the forward pass of a
 * `Sequential`, layer by layer, keeping every intermediate output — the
 * "activations of a chosen image layer by layer" that a student inspects
 * (000, "Convolution Neural Networks": each layer's feature maps; 003's
 * pictures of what the filters of each layer respond to).
 */
import type { Tensor } from "../tensor.js";
import { Variable } from "../autograd/variable.js";
import { noGrad } from "../autograd/apply.js";
import type { Sequential } from "./sequential.js";

/** One layer's output in `layerOutputs`. */
export interface LayerOutput {
  /** The layer's name in the chain ("0", "1", …; PyTorch's nn.Sequential names). */
  readonly name: string;
  /** The layer's description, e.g. `Conv2d(1, 6, kernel=5, stride=1, padding=0)`. */
  readonly layer: string;
  /** The layer's output, e.g. [N, 6, 24, 24] after LeNet-5's first convolution. */
  readonly output: Tensor;
}

/**
 * Runs `model` on `input` ([N, …], what `model.forward` takes) one layer at a
 * time, without recording gradients and in the model's current mode (call
 * `model.eval()` first for test-time behaviour), and returns every layer's
 * output in order. The last entry's output is `model.forward(input)`'s value.
 */
export function layerOutputs(model: Sequential, input: Tensor | Variable): LayerOutput[] {
  const outputs: LayerOutput[] = [];
  noGrad(() => {
    let h = input instanceof Variable ? input : new Variable(input);
    for (let i = 0; i < model.length; i++) {
      const layer = model.at(i);
      h = layer.forward(h);
      outputs.push({ name: String(i), layer: layer.describe(), output: h.value });
    }
  });
  return outputs;
}
