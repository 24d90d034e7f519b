/**
 * ResNet-18/34/50/101/152 (000, "He et al. 2015 – ResNet"; 003, skip
 * connections) and SE-ResNet-50 (000, "Squeeze-and-Excitation Networks").
 *
 * torchvision's layout and names: `conv1` (7×7/2, 64) → `bn1` → `relu` →
 * `maxpool` (3×3/2, pad 1) → `layer1` … `layer4` (stages of blocks at 64,
 * 128, 256, 512 planes; every stage after the first halves the resolution in
 * its first block) → `avgpool` (global) → `fc`. Parameter counts equal
 * torchvision's: ResNet-18 11,689,512; ResNet-50 25,557,032; ResNet-152
 * 60,192,808.
 *
 * Initialization: convolutions He-normal (fan-in; torchvision uses fan-out),
 * batch norm γ = 1, β = 0, the FC layer PyTorch's default.
 */
import type { Random } from "../random.js";
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, type Module } from "../nn/index.js";
import { BasicBlock, Bottleneck, type ResNetVariant } from "./resnet_blocks.js";
import { NamedSequential } from "./named_sequential.js";
import { chooseVariant, commonOptions, scaled, type ModelOptions } from "./options.js";

/** Blocks per stage of each depth (He et al., Table 1). */
export const resnetDepths = {
  resnet18: { block: "basic", layers: [2, 2, 2, 2] },
  resnet34: { block: "basic", layers: [3, 4, 6, 3] },
  resnet50: { block: "bottleneck", layers: [3, 4, 6, 3] },
  resnet101: { block: "bottleneck", layers: [3, 4, 23, 3] },
  resnet152: { block: "bottleneck", layers: [3, 8, 36, 3] },
} as const;

/** The variants a ResNet builder accepts (first = default). */
export const resnetVariants: readonly ResNetVariant[] = ["torchvision", "original"];

/** Options of the ResNet builders: the zoo's plus the SE reduction ratio. */
export interface ResNetOptions extends ModelOptions {
  /** Put a squeeze-and-excitation block (this reduction ratio) in every block (SE-ResNet; default none). */
  seReduction?: number;
}

/**
 * ResNet of `depth`: input [N, 3, H, W] (224×224 as published; any H, W ≥ 32)
 * → class scores [N, numClasses]. `variant` "torchvision" (default) or
 * "original" places a bottleneck's stride (see ./resnet_blocks.ts).
 */
export function resnet(depth: keyof typeof resnetDepths, rng: Random, options: ResNetOptions = {}): NamedSequential {
  const { numClasses, inputSize, width, dtype, variant: v } = commonOptions(depth, options, { inputSize: [3, 224, 224] });
  const variant = chooseVariant(depth, v, resnetVariants);
  const { block, layers } = resnetDepths[depth];
  const Block = block === "basic" ? BasicBlock : Bottleneck;
  const stem = scaled(64, width);
  let channels = stem;
  const stage = (planes: number, blocks: number, stride: number): Sequential => {
    const list: Module[] = [];
    for (let i = 0; i < blocks; i++) {
      list.push(new Block(channels, planes, rng, { stride: i === 0 ? stride : 1, variant, seReduction: options.seReduction, dtype }));
      channels = planes * Block.expansion;
    }
    return new Sequential(...list);
  };
  const stages: Array<[string, Module]> = [64, 128, 256, 512].map((planes, i) => [`layer${i + 1}`, stage(scaled(planes, width), layers[i], i === 0 ? 1 : 2)]);
  return new NamedSequential([
    ["conv1", new Conv2d(inputSize[0], stem, 7, rng, { stride: 2, padding: 3, bias: false, init: "he", dtype })],
    ["bn1", new BatchNorm2d(stem, { dtype })],
    ["relu", new ReLU()],
    ["maxpool", new MaxPool2d(3, { stride: 2, padding: 1 })],
    ...stages,
    ["avgpool", new AdaptiveAvgPool2d(1)],
    ["flatten", new Flatten()],
    ["fc", new Linear(channels, numClasses, rng, { dtype })],
  ]);
}

/** ResNet-18: basic blocks [2, 2, 2, 2]. */
export const resnet18 = (rng: Random, options: ResNetOptions = {}): NamedSequential => resnet("resnet18", rng, options);
/** ResNet-34: basic blocks [3, 4, 6, 3]. */
export const resnet34 = (rng: Random, options: ResNetOptions = {}): NamedSequential => resnet("resnet34", rng, options);
/** ResNet-50: bottleneck blocks [3, 4, 6, 3]. */
export const resnet50 = (rng: Random, options: ResNetOptions = {}): NamedSequential => resnet("resnet50", rng, options);
/** ResNet-101: bottleneck blocks [3, 4, 23, 3]. */
export const resnet101 = (rng: Random, options: ResNetOptions = {}): NamedSequential => resnet("resnet101", rng, options);
/** ResNet-152: bottleneck blocks [3, 8, 36, 3]. */
export const resnet152 = (rng: Random, options: ResNetOptions = {}): NamedSequential => resnet("resnet152", rng, options);

/**
 * SE-ResNet-50 (Hu et al.): ResNet-50 with a squeeze-and-excitation block
 * (reduction 16) on the residual path of every bottleneck, after bn3 and
 * before the sum (`layer1.0.se.fc1.weight` …). 28,088,024 parameters, like
 * timm's `seresnet50`. Hu et al.'s released SE-ResNet-50 puts the stride on
 * the first 1×1 convolution (`variant: "original"`).
 */
export const seResnet50 = (rng: Random, options: ResNetOptions = {}): NamedSequential => resnet("resnet50", rng, { seReduction: 16, ...options });
