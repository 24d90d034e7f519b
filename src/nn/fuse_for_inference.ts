/**
 * The inference pass: a copy of a model (in eval mode) in which every
 * Conv2d → BatchNorm2d (→ ReLU) run of a Sequential becomes one FusedConv2d
 * (./fused_conv.ts: batch norm folded into the weights, bias and ReLU in the
 * convolution kernel's epilogue), and every other Conv2d (→ ReLU) too.
 * The original model is untouched: fused layers are new modules with new
 * parameters; the layers left as they are (Linear, pooling, …) are shared
 * with the original, not copied.
 *
 * Containers this file does not know (ResNet's blocks, NamedSequential, in
 * src/models/) are handled by `rule`: a function that returns the fused form
 * of a module it knows, or null; it receives `fuseChain` and `fuse` to
 * recurse. src/models/fuse_model.ts's `fuseModelForInference` is the pass
 * with the zoo's rules.
 */
import type { Module } from "./module.js";
import { Sequential } from "./sequential.js";
import { Conv2d } from "./conv.js";
import { BatchNorm2d } from "./batch_norm.js";
import { ReLU } from "./activations.js";
import { FusedConv2d } from "./fused_conv.js";

/** A named run of modules, as in a Sequential or a NamedSequential. */
export type NamedModules = Array<[string, Module]>;

/** What a fusion rule may call: fuse a run of modules, or one module. */
export interface FusionTools {
  fuseChain(modules: NamedModules): NamedModules;
  fuse(module: Module): Module;
}

/** Returns the fused form of `module`, or null when the rule does not know it. */
export type FusionRule = (module: Module, tools: FusionTools) => Module | null;

/**
 * `modules` with each Conv2d → BatchNorm2d → ReLU, Conv2d → BatchNorm2d and
 * Conv2d → ReLU run (and each lone Conv2d) replaced by one FusedConv2d named
 * after the conv; every other module through `fuse`.
 */
export function fuseConvRuns(modules: NamedModules, fuse: (m: Module) => Module): NamedModules {
  const out: NamedModules = [];
  for (let i = 0; i < modules.length; i++) {
    const [name, m] = modules[i];
    if (!(m instanceof Conv2d)) {
      out.push([name, fuse(m)]);
      continue;
    }
    let batchNorm: BatchNorm2d | undefined;
    const next = modules[i + 1]?.[1];
    if (next instanceof BatchNorm2d && next.numFeatures === m.outChannels) {
      batchNorm = next;
      i++;
    }
    const relu = modules[i + 1]?.[1] instanceof ReLU;
    if (relu) i++;
    out.push([name, new FusedConv2d(m, { batchNorm, activation: relu ? "relu" : "none" })]);
  }
  return out;
}

/** Throws unless `model` and every module in it are in eval mode. */
export function expectEvalMode(what: string, model: Module): void {
  const training = model.namedModules().find(([, m]) => m.training);
  if (training) {
    const where = training[0] ? ` (${training[0]} is)` : "";
    throw new Error(`${what}: expected a model in eval mode, got one in training mode${where}; call model.eval() first (folding batch norm uses its running statistics)`);
  }
}

/**
 * The model for inference (see the file comment): model (eval mode) → a new
 * module computing the same function within float32 rounding, input and
 * output shapes unchanged. `rule` fuses the containers this floor does not
 * know. Throws when the model is in training mode.
 */
export function fuseForInference(model: Module, rule: FusionRule = () => null): Module {
  expectEvalMode("fuseForInference", model);
  const tools: FusionTools = {
    fuseChain: (modules) => fuseConvRuns(modules, tools.fuse),
    fuse(m) {
      const ruled = rule(m, tools);
      if (ruled) return ruled;
      if (m instanceof Sequential) return new Sequential(...tools.fuseChain(m.namedChildren()).map(([, c]) => c)).eval();
      if (m instanceof Conv2d) return tools.fuseChain([["conv", m]])[0][1];
      return m;
    },
  };
  return tools.fuse(model);
}
