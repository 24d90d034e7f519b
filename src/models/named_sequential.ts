/**
 * A chain of modules with names of their own, applied in order: PyTorch's
 * `nn.Sequential(OrderedDict(...))`, or a torchvision model whose forward is
 * a straight line (`conv1 → bn1 → relu → maxpool → layer1 … → fc`). Parameter
 * names read `conv1.weight`, `layer1.0.bn2.running_var`, `classifier.6.bias`.
 */
import type { Shape } from "../tensor.js";
import type { Variable } from "../autograd/variable.js";
import { Module } from "../nn/module.js";
import { forwardChain } from "../nn/intermediates.js";

/** y = f_k(… f_2(f_1(x))) with named stages: input → output of the last stage. */
export class NamedSequential extends Module {
  private readonly stages: Array<[string, Module]>;

  /** `stages` in execution order, each [name, module]; names must be distinct and dot-free. */
  constructor(stages: Array<[string, Module]>) {
    super();
    const seen = new Set<string>();
    for (const [name, module] of stages) {
      if (!name || name.includes(".") || seen.has(name)) throw new RangeError(`NamedSequential: expected distinct, non-empty names without dots, got ${JSON.stringify(name)}`);
      if (!(module instanceof Module)) throw new TypeError(`NamedSequential: ${name}: expected a Module, got ${String(module)}`);
      seen.add(name);
      this.registerModule(name, module);
    }
    this.stages = stages;
  }

  /** The stage called `name`. */
  get(name: string): Module {
    const stage = this.stages.find(([n]) => n === name);
    if (!stage) throw new RangeError(`NamedSequential.get: no stage called ${JSON.stringify(name)} (have ${this.stages.map(([n]) => n).join(", ")})`);
    return stage[1];
  }

  /** x → the last stage's output; under noGrad each intermediate is freed once the next stage has returned (src/nn/intermediates.ts). */
  forward(x: Variable): Variable {
    return forwardChain(this.stages.map(([, stage]) => stage), x);
  }

  outputShape(inputShape: Shape): Shape {
    return this.stages.reduce((s, [, stage]) => stage.outputShape(s), inputShape);
  }
}
