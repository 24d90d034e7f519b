/**
 * The base of every layer and model: a module owns named parameters (trained
 * variables), named buffers (state that is saved but not trained, e.g. batch
 * norm's running statistics) and named child modules, in registration order.
 * Names join with dots exactly as PyTorch's do (`features.3.bias`,
 * `layer1.0.bn1.running_mean`), so a state dict maps one to one onto a
 * PyTorch/torchvision checkpoint.
 *
 * Shapes: every module reports `outputShape(inputShape)` and the
 * multiply-accumulates `macs(inputShape)` of one forward pass, from shapes
 * alone — this is what `nnref summary` walks.
 */
import { Tensor, shapeString, type Shape } from "../tensor.js";
import { Variable } from "../autograd/variable.js";

/** A trainable tensor: a leaf variable that requires a gradient. */
export class Parameter extends Variable {
  constructor(value: Tensor) {
    super(value, true, null);
  }
}

/** Base class of layers and models. */
export abstract class Module {
  /** True in training mode (dropout active, batch norm uses batch statistics). */
  training = true;
  private readonly paramsByName = new Map<string, Parameter | null>();
  private readonly buffersByName = new Map<string, Tensor | null>();
  private readonly childrenByName = new Map<string, Module>();

  /** The forward pass. */
  abstract forward(x: Variable): Variable;

  /** The output shape for an input of `inputShape` (batch dimension included). */
  abstract outputShape(inputShape: Shape): Shape;

  /** Multiply-accumulates of one forward pass on `inputShape` (conv and linear layers count; default: the sum over children). */
  macs(inputShape: Shape): number {
    let total = 0;
    let shape = inputShape;
    for (const child of this.childrenByName.values()) {
      total += child.macs(shape);
      shape = child.outputShape(shape);
    }
    return total;
  }

  /** A short description for summaries, e.g. `Conv2d(3, 64, kernel=3, stride=1, padding=1)`. */
  describe(): string {
    return this.constructor.name;
  }

  /** Registers (or replaces) a parameter under `name`; null registers an absent one (e.g. bias=false). */
  protected registerParameter(name: string, value: Tensor | null): Parameter | null {
    const p = value === null ? null : new Parameter(value);
    this.paramsByName.set(name, p);
    return p;
  }

  /** Registers (or replaces) a buffer under `name`. */
  protected registerBuffer(name: string, value: Tensor | null): void {
    this.buffersByName.set(name, value);
  }

  /** Registers a child module under `name` and returns it. */
  protected registerModule<M extends Module>(name: string, module: M): M {
    this.childrenByName.set(name, module);
    return module;
  }

  /** The buffer called `name` (own, not a child's). */
  protected buffer(name: string): Tensor | null {
    const b = this.buffersByName.get(name);
    if (b === undefined) throw new Error(`${this.constructor.name}: no buffer called ${name}`);
    return b;
  }

  /** Replaces the value of own buffer `name` (e.g. updated running statistics). */
  protected setBuffer(name: string, value: Tensor): void {
    if (!this.buffersByName.has(name)) throw new Error(`${this.constructor.name}: no buffer called ${name}`);
    this.buffersByName.set(name, value);
  }

  /** Direct children, in registration order. */
  namedChildren(): Array<[string, Module]> {
    return [...this.childrenByName.entries()];
  }

  /** This module and all descendants, with dotted names ("" for this one). */
  namedModules(prefix = ""): Array<[string, Module]> {
    const out: Array<[string, Module]> = [[prefix, this]];
    for (const [name, child] of this.childrenByName) out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  /** Every parameter with its dotted name, children after own. */
  namedParameters(prefix = ""): Array<[string, Parameter]> {
    const out: Array<[string, Parameter]> = [];
    for (const [name, p] of this.paramsByName) if (p) out.push([prefix ? `${prefix}.${name}` : name, p]);
    for (const [name, child] of this.childrenByName) out.push(...child.namedParameters(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  /** Every parameter (what an optimizer updates). */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Every buffer with its dotted name. */
  namedBuffers(prefix = ""): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    for (const [name, b] of this.buffersByName) if (b) out.push([prefix ? `${prefix}.${name}` : name, b]);
    for (const [name, child] of this.childrenByName) out.push(...child.namedBuffers(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  /** Number of trainable scalars. */
  parameterCount(): number {
    return this.parameters().reduce((n, p) => n + p.value.size, 0);
  }

  /** Sets training mode on this module and every descendant. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  /** Sets evaluation mode (`train(false)`). */
  eval(): this {
    return this.train(false);
  }

  /** Clears every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /**
   * Parameters and buffers by dotted name (the tensors themselves, not
   * copies), in PyTorch's order: each module's own parameters, then its own
   * buffers, then its children's entries.
   */
  stateDict(prefix = ""): Map<string, Tensor> {
    const sd = new Map<string, Tensor>();
    const full = (name: string) => (prefix ? `${prefix}.${name}` : name);
    for (const [name, p] of this.paramsByName) if (p) sd.set(full(name), p.value);
    for (const [name, b] of this.buffersByName) if (b) sd.set(full(name), b);
    for (const [name, child] of this.childrenByName) for (const [k, t] of child.stateDict(full(name))) sd.set(k, t);
    return sd;
  }

  /**
   * Copies values from `state` into this module's parameters and buffers.
   * Strict by default: every name must be present on both sides with the same
   * shape; the error lists what is missing, unexpected or mis-shaped.
   * dtypes are converted to the module's.
   */
  loadStateDict(state: Map<string, Tensor> | Record<string, Tensor>, strict = true): void {
    const entries = state instanceof Map ? state : new Map(Object.entries(state));
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !entries.has(k));
    const unexpected = [...entries.keys()].filter((k) => !own.has(k));
    const misshaped: string[] = [];
    for (const [k, t] of own) {
      const s = entries.get(k);
      if (s !== undefined && !(s instanceof Tensor)) misshaped.push(`${k}: expected a Tensor, got ${Object.prototype.toString.call(s)}`);
      else if (s && (s.rank !== t.rank || s.shape.some((d, i) => d !== t.shape[i]))) misshaped.push(`${k}: expected ${shapeString(t.shape)}, got ${shapeString(s.shape)}`);
    }
    if (misshaped.length > 0 || (strict && (missing.length > 0 || unexpected.length > 0))) {
      const parts = [];
      if (missing.length) parts.push(`missing ${missing.join(", ")}`);
      if (unexpected.length) parts.push(`unexpected ${unexpected.join(", ")}`);
      if (misshaped.length) parts.push(`wrong shape ${misshaped.join("; ")}`);
      throw new Error(`loadStateDict: ${parts.join("; ")}`);
    }
    for (const [k, t] of own) {
      const s = entries.get(k);
      if (s) {
        t.data.set(s.dtype === t.dtype ? s.data : s.astype(t.dtype).data);
        t.markModified();
      }
    }
  }

  /** Runs the forward pass (same as `forward`). */
  call(x: Variable): Variable {
    return this.forward(x);
  }

  /**
   * Follows the data through this module's leaves in execution order, as
   * `forward` would, but with a `tracer` value instead of a tensor (e.g. a
   * shape: `nnref summary` walks models this way). Default: a module without
   * children is a leaf (`tracer.leaf`); otherwise its children run one after
   * the other, as in Sequential. A module whose forward branches (residual
   * blocks, Inception, squeeze-and-excitation) overrides this to trace each
   * branch from the value they share and `tracer.join` the results.
   */
  trace<T>(input: T, tracer: Tracer<T>, name = ""): T {
    if (this.childrenByName.size === 0) return tracer.leaf(name, this, input);
    let value = input;
    for (const [childName, child] of this.childrenByName) value = child.trace(value, tracer, name ? `${name}.${childName}` : childName);
    return value;
  }
}

/** What `Module.trace` does at a leaf and where branches meet. */
export interface Tracer<T> {
  /** The leaf `module`, named `name` (dotted, as in the state dict), applied to `input`. */
  leaf(name: string, module: Module, input: T): T;
  /**
   * Branch outputs combined by an op that is no module, inside module `name`:
   * "add" (a residual sum of equal shapes), "concat" (along channels, dim 1)
   * or "scale" (inputs[0] [N, C, H, W] scaled per channel by inputs[1] [N, C]).
   */
  join(name: string, kind: "add" | "concat" | "scale", inputs: T[]): T;
}
