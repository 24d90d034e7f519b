/**
 * VGG-16 and VGG-19 (000, "VGG-Net 2014": "used 3×3 convolution kernels";
 * Simonyan & Zisserman, configurations D and E): stacks of 3×3 convolutions
 * (stride 1, padding 1) with ReLU, each stack closed by a 2×2 max pool, then
 * the fully connected head of ./fully_connected_head.ts.
 *
 * Exactly torchvision's `vgg16` / `vgg19` (no batch norm): `features.N` (conv,
 * ReLU and pool layers numbered in order), `avgpool` (adaptive average pool
 * to 7×7 — the identity at 224×224), `classifier.0/3/6` (the FC layers).
 * 138,357,544 and 143,667,240 parameters.
 *
 * Initialization: convolutions He-normal as torchvision (which takes the
 * fan-out, we the fan-in) — with PyTorch's default the signal fades through
 * 13 plain layers and the network barely trains; FC layers PyTorch's default.
 */
import type { Random } from "../random.js";
import { AdaptiveAvgPool2d, Conv2d, Flatten, MaxPool2d, ReLU, Sequential, type Module } from "../nn/index.js";
import { fullyConnectedHead } from "./fully_connected_head.js";
import { NamedSequential } from "./named_sequential.js";
import { commonOptions, scaled, type ModelOptions } from "./options.js";

/** Channels of each conv layer; "M" is a 2×2 max pool (torchvision's cfgs "D" and "E"). */
export const vggConfigs = {
  vgg16: [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
  vgg19: [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
} as const satisfies Record<string, ReadonlyArray<number | "M">>;

/** Options of VGG: the zoo's, plus the adaptive pool's output size. */
export interface VggOptions extends ModelOptions {
  /** Output size of `avgpool` (default 7, torchvision's; FC6 sees 512·s·s features). */
  poolSize?: number;
}

/**
 * VGG of `config`: input [N, 3, H, W] (224×224 as published; any H, W ≥ 32)
 * → class scores [N, numClasses].
 */
export function vgg(config: keyof typeof vggConfigs, rng: Random, options: VggOptions = {}): NamedSequential {
  const { numClasses, inputSize, width, hidden, dtype } = commonOptions(config, options, { inputSize: [3, 224, 224] });
  const poolSize = options.poolSize ?? 7;
  if (!Number.isInteger(poolSize) || poolSize < 1) throw new RangeError(`${config}: poolSize: expected a positive integer, got ${JSON.stringify(poolSize)}`);
  const layers: Module[] = [];
  let channels = inputSize[0];
  for (const entry of vggConfigs[config]) {
    if (entry === "M") {
      layers.push(new MaxPool2d(2, { stride: 2 }));
    } else {
      const out = scaled(entry, width);
      layers.push(new Conv2d(channels, out, 3, rng, { padding: 1, init: "he", dtype }), new ReLU());
      channels = out;
    }
  }
  return new NamedSequential([
    ["features", new Sequential(...layers)],
    ["avgpool", new AdaptiveAvgPool2d(poolSize)],
    ["flatten", new Flatten()],
    ["classifier", fullyConnectedHead(channels * poolSize * poolSize, hidden, numClasses, rng, dtype)],
  ]);
}

/** VGG-16 (configuration D): 13 conv + 3 FC layers. */
export const vgg16 = (rng: Random, options: VggOptions = {}): NamedSequential => vgg("vgg16", rng, options);
/** VGG-19 (configuration E): 16 conv + 3 FC layers. */
export const vgg19 = (rng: Random, options: VggOptions = {}): NamedSequential => vgg("vgg19", rng, options);
