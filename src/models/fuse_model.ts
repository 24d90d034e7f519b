/**
 * `fuseModelForInference`: src/nn/fuse_for_inference.ts's pass with the
 * zoo's containers — NamedSequential (its stages' Conv2d → BatchNorm2d
 * (→ ReLU) runs fuse across stage boundaries, e.g. ResNet's conv1, bn1,
 * relu) and ResNet's BasicBlock / Bottleneck (`fusedForInference`: the
 * residual add and ReLU in the last convolution's epilogue).
 */
import { fuseForInference, type FusionRule, type Module } from "../nn/index.js";
import { NamedSequential } from "./named_sequential.js";
import { BasicBlock, Bottleneck } from "./resnet_blocks.js";

/** The zoo's fusion rule: NamedSequential stages and ResNet blocks. */
const zooRule: FusionRule = (m, tools) => {
  if (m instanceof NamedSequential) return new NamedSequential(tools.fuseChain(m.namedChildren())).eval();
  if (m instanceof BasicBlock || m instanceof Bottleneck) return m.fusedForInference();
  return null;
};

/**
 * The model for inference: model (eval mode, e.g. `resnet18(rng).eval()`,
 * `vgg16(rng).eval()`) → a new module computing the same function within
 * float32 rounding, with batch norm folded into the convolutions and bias,
 * ReLU and residual adds in the convolution kernels' epilogue. Same input
 * and output shapes; the original is untouched (unfused layers are shared).
 * Throws when the model is in training mode.
 */
export function fuseModelForInference(model: Module): Module {
  return fuseForInference(model, zooRule);
}
