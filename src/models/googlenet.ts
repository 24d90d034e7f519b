/**
 * GoogLeNet, Inception v1 (000, "GoogLeNet / InceptionNet v1"; Szegedy et al.
 * 2014, Table 1): a stem of convolutions, nine Inception modules (./inception.ts)
 * in three groups separated by max pools, global average pooling, dropout and
 * one FC layer. The lecture's point: 22 layers but far fewer parameters than
 * VGG-16 ("27× less": 5 M against 138 M in the paper's count).
 *
 * Layout and names are torchvision's `googlenet(aux_logits=False)`
 * (`conv1.conv.weight`, `inception3a.branch2.1.bn.weight`, `fc.bias`;
 * 6,624,904 parameters). Where this differs from torchvision / the paper:
 * - no auxiliary classifiers (`aux1`, `aux2`): they only add training losses;
 *   torchvision drops them too when it is not training them;
 * - no input transform (torchvision's `transform_input` re-normalizes inputs
 *   for weights ported from TensorFlow): normalize the data yourself;
 * - variant "torchvision" (default) keeps torchvision's 3×3 convolution in
 *   branch 3; variant "paper" uses the paper's 5×5 (7,005,832 parameters);
 * - both have batch norm after every convolution as torchvision does; the
 *   2014 paper had none (it came with Inception v2).
 * Dropout 0.2 before the FC layer as torchvision (the paper used 0.4).
 */
import type { Random } from "../random.js";
import { AdaptiveAvgPool2d, Dropout, Flatten, Linear, MaxPool2d, type Module } from "../nn/index.js";
import { BasicConv2d, Inception, type InceptionChannels } from "./inception.js";
import { NamedSequential } from "./named_sequential.js";
import { chooseVariant, commonOptions, scaled, type ModelOptions } from "./options.js";

/** The nine Inception modules: [ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, poolProj] (Table 1 of the paper). */
const inceptionTable: Record<string, [number, number, number, number, number, number]> = {
  inception3a: [64, 96, 128, 16, 32, 32],
  inception3b: [128, 128, 192, 32, 96, 64],
  inception4a: [192, 96, 208, 16, 48, 64],
  inception4b: [160, 112, 224, 24, 64, 64],
  inception4c: [128, 128, 256, 24, 64, 64],
  inception4d: [112, 144, 288, 32, 64, 64],
  inception4e: [256, 160, 320, 32, 128, 128],
  inception5a: [256, 160, 320, 32, 128, 128],
  inception5b: [384, 192, 384, 48, 128, 128],
};

/** GoogLeNet: input [N, 3, 224, 224] (any H, W ≥ 32) → class scores [N, numClasses]. */
export function googlenet(rng: Random, options: ModelOptions = {}): NamedSequential {
  const { numClasses, inputSize, width, dtype, variant: v } = commonOptions("googlenet", options, { inputSize: [3, 224, 224] });
  const variant = chooseVariant("googlenet", v, ["torchvision", "paper"] as const);
  const c = (n: number) => scaled(n, width);
  const pool = (k: number) => new MaxPool2d(k, { stride: 2, ceilMode: true });
  let channels = c(192);
  const inception = (name: string): [string, Module] => {
    const [ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, poolProj] = inceptionTable[name].map(c);
    const channelsOf: InceptionChannels = { ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, poolProj };
    const module = new Inception(channels, channelsOf, rng, { kernel3: variant === "paper" ? 5 : 3, dtype });
    channels = module.outChannels;
    return [name, module];
  };
  return new NamedSequential([
    ["conv1", new BasicConv2d(inputSize[0], c(64), 7, rng, { stride: 2, padding: 3, dtype })],
    ["maxpool1", pool(3)],
    ["conv2", new BasicConv2d(c(64), c(64), 1, rng, { dtype })],
    ["conv3", new BasicConv2d(c(64), c(192), 3, rng, { padding: 1, dtype })],
    ["maxpool2", pool(3)],
    inception("inception3a"),
    inception("inception3b"),
    ["maxpool3", pool(3)],
    inception("inception4a"),
    inception("inception4b"),
    inception("inception4c"),
    inception("inception4d"),
    inception("inception4e"),
    ["maxpool4", pool(2)],
    inception("inception5a"),
    inception("inception5b"),
    ["avgpool", new AdaptiveAvgPool2d(1)],
    ["flatten", new Flatten()],
    ["dropout", new Dropout(0.2, rng)],
    ["fc", new Linear(channels, numClasses, rng, { dtype })],
  ]);
}
