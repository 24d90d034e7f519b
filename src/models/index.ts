/**
 * The model zoo: every architecture of the lectures by name, with the input
 * it was published for. `buildModel("resnet50", rng, { variant: "original" })`.
 *
 * Each builder takes a `Random` (weights are drawn from it, so the same seed
 * gives the same network) and `ModelOptions` (numClasses, inputSize, variant,
 * width, hidden, dtype; see ./options.ts).
 */
import type { Random } from "../random.js";
import type { Module } from "../nn/module.js";
import type { ImageSize, ModelOptions } from "./options.js";
import { lenet5 } from "./lenet5.js";
import { mlp } from "./mlp.js";
import { alexnet } from "./alexnet.js";
import { zfnet } from "./zfnet.js";
import { vgg16, vgg19 } from "./vgg.js";
import { googlenet } from "./googlenet.js";
import { resnet18, resnet34, resnet50, resnet101, resnet152, resnetVariants, seResnet50 } from "./resnet.js";

export type { ImageSize, ModelOptions } from "./options.js";
export * from "./named_sequential.js";
export * from "./shape_only_random.js";
export * from "./fully_connected_head.js";
export * from "./lenet5.js";
export * from "./mlp.js";
export * from "./alexnet.js";
export * from "./zfnet.js";
export * from "./vgg.js";
export * from "./inception.js";
export * from "./googlenet.js";
export * from "./squeeze_excitation.js";
export * from "./resnet_blocks.js";
export * from "./resnet.js";
export * from "./fused_residual_block.js";
export * from "./fuse_model.js";
export * from "./summary.js";
export * from "./activation_liveness.js";
export * from "./transfer.js";
export * from "./autoencoder.js";
export * from "./segmentation.js";

/** A zoo entry. */
export interface ModelEntry {
  /** One line about the model and where the lectures discuss it. */
  description: string;
  /** [C, H, W] of the input it was published for. */
  inputSize: ImageSize;
  /** Accepted `variant` values (first = default); empty when there are none. */
  variants: readonly string[];
  /** Builds the model. */
  build(rng: Random, options?: ModelOptions): Module;
}

const imagenet: ImageSize = [3, 224, 224];

/** Every model of the zoo by name. */
export const models: Readonly<Record<string, ModelEntry>> = {
  mlp: { description: "MLP 784-128-10 (000, 002, 003)", inputSize: [1, 28, 28], variants: [], build: mlp },
  lenet5: { description: "LeNet-5, [CONV-POOL-CONV-POOL-FC-FC] (000, 001)", inputSize: [1, 28, 28], variants: [], build: lenet5 },
  alexnet: { description: "AlexNet as 000 lists it (one tower, no groups)", inputSize: [3, 227, 227], variants: [], build: alexnet },
  zfnet: { description: "ZFNet (000: AlexNet with CONV1 7×7/2, CONV3-5 512/1024/512)", inputSize: imagenet, variants: [], build: zfnet },
  vgg16: { description: "VGG-16, configuration D (000)", inputSize: imagenet, variants: [], build: vgg16 },
  vgg19: { description: "VGG-19, configuration E (000)", inputSize: imagenet, variants: [], build: vgg19 },
  googlenet: { description: "GoogLeNet / Inception v1 (000), torchvision layout, no aux classifiers", inputSize: imagenet, variants: ["torchvision", "paper"], build: googlenet },
  resnet18: { description: "ResNet-18, basic blocks (000)", inputSize: imagenet, variants: resnetVariants, build: resnet18 },
  resnet34: { description: "ResNet-34, basic blocks (000)", inputSize: imagenet, variants: resnetVariants, build: resnet34 },
  resnet50: { description: "ResNet-50, bottleneck blocks (000; 004's 50-layer network)", inputSize: imagenet, variants: resnetVariants, build: resnet50 },
  resnet101: { description: "ResNet-101, bottleneck blocks (000)", inputSize: imagenet, variants: resnetVariants, build: resnet101 },
  resnet152: { description: "ResNet-152, bottleneck blocks (000)", inputSize: imagenet, variants: resnetVariants, build: resnet152 },
  "se-resnet50": { description: "SE-ResNet-50: squeeze-and-excitation in every bottleneck (000, SENet)", inputSize: imagenet, variants: resnetVariants, build: seResnet50 },
};

/** The names of the zoo's models. */
export function modelNames(): string[] {
  return Object.keys(models);
}

/** Builds the model called `name` (an error lists the known names). */
export function buildModel(name: string, rng: Random, options: ModelOptions = {}): Module {
  const entry = models[name];
  if (!entry) throw new RangeError(`buildModel: unknown model ${JSON.stringify(name)}; expected one of ${modelNames().join(", ")}`);
  return entry.build(rng, options);
}
export type { RegularizerOptions } from "./options.js";
