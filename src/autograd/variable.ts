/**
 * Reverse-mode automatic differentiation on a computational graph
 * (000, "Implementing neural networks": automatic differentiation on a
 * computational graph — gradients for any leaf, and along some paths only).
 *
 * A `Variable` wraps a Tensor. Applying an op (see ./apply.ts) to variables of
 * which at least one requires a gradient records a `Node`: which op ran, its
 * attributes, the cache its backward needs, and its inputs. `backward()`
 * walks the nodes in reverse topological order (an iterative sort: no
 * recursion, so deep graphs cannot overflow the stack) and calls each op's
 * own hand-derived backward — the graph never derives a gradient itself; it
 * only adds up the contributions that arrive at a variable.
 *
 * Accumulation: leaf gradients ADD UP across backward calls (as in PyTorch);
 * call `zeroGrad()` (or the optimizer's) between steps.
 *
 * Freeing: as in PyTorch, `backward()` frees the caches of the nodes it ran
 * through (what each op saved for its backward beyond its inputs — max-pool
 * indices, batch norm's normalized input, log-softmax outputs — is released;
 * the variables themselves live as long as the caller holds the root), and a
 * second `backward()` through any of those nodes throws a GraphFreedError
 * before it touches a gradient — it would otherwise silently add the same
 * gradients again. `backward({ retainGraph: true })` keeps the caches, so the
 * graph may be backpropagated again (its gradients then add up, as above).
 * Freeing disposes what the nodes saved that lives in the wasm kernels'
 * memory (resident tensors, src/tensor_lifetime.ts).
 */
import { Tensor, allocate, type FloatArray, type FloatDType, type Shape } from "../tensor.js";
import type { OpDef } from "../ops/op.js";

/** One recorded op application. */
export interface Node {
  /** The op that ran (reference or kernel — the same interface). */
  readonly op: OpDef;
  /** Its validated attributes. */
  readonly attrs: unknown;
  /** What its forward left for its backward; undefined once a backward without retainGraph freed it (see `freed`). */
  cache: unknown;
  /** Set by a backward without retainGraph: the cache is gone and a second backward through this node throws. */
  freed: boolean;
  /** Input variables by argument name (absent optional inputs are missing). */
  readonly inputs: Readonly<Record<string, Variable>>;
  /** Output variables by output name. */
  readonly outputs: Readonly<Record<string, Variable>>;
}

/** Options of `Variable.backward`. */
export interface BackwardOptions {
  /** Keep the graph's caches so that it can be backpropagated again (PyTorch's retain_graph; default false). */
  retainGraph?: boolean;
}

/** A second backward through a graph whose caches the first backward freed (PyTorch's "Trying to backward through the graph a second time"). */
export class GraphFreedError extends Error {
  constructor(op: string) {
    super(`backward: trying to backward through the graph a second time: op ${op}'s saved values were freed by the previous backward; ` +
      "call the first backward as backward({ retainGraph: true }) (or backward(upstream, { retainGraph: true })) to backpropagate a graph more than once, or run the forward again");
    this.name = "GraphFreedError";
  }
}

/** A tensor in the graph: its value, and (after backward) its gradient. */
export class Variable {
  /** The value. */
  value: Tensor;
  /** dL/d(this) after `backward()`, for leaves that require it (and variables that `retainGrad()`); else null. */
  grad: Tensor | null = null;
  /** Whether gradients flow to (or through) this variable (see the `requiresGrad` accessors). */
  private requiresGradFlag: boolean;
  /** The node that produced this variable; null for a leaf. */
  readonly node: Node | null;
  /** Whether a non-leaf keeps its gradient in `.grad` (see `retainGrad`). */
  keepsGrad = false;

  /** A leaf (no node) or, when `node` is given, an op's output. */
  constructor(value: Tensor, requiresGrad = false, node: Node | null = null) {
    this.value = value;
    this.requiresGradFlag = requiresGrad;
    this.node = node;
  }

  /** Whether gradients flow to (or through) this variable. */
  get requiresGrad(): boolean { return this.requiresGradFlag; }

  /**
   * Freezes (false) or unfreezes (true) a LEAF, e.g. a parameter during
   * fine-tuning (004, "Fine-tuning freezes the first layers"; src/nn/freeze.ts).
   * Ops applied afterwards record no node unless another input requires a
   * gradient, and backward gives a frozen leaf none — so an optimizer, which
   * skips parameters without a gradient, leaves it unchanged. An op's output
   * cannot change its flag (it follows from its inputs, as in PyTorch).
   */
  set requiresGrad(value: boolean) {
    if (typeof value !== "boolean") throw new TypeError(`requiresGrad: expected true or false, got ${String(value)}`);
    if (this.node !== null) throw new Error("requiresGrad: only a leaf variable's flag can be changed (this one is an op's output; use detach() to cut it from the graph)");
    this.requiresGradFlag = value;
  }

  get shape(): Shape { return this.value.shape; }
  get dtype(): FloatDType { return this.value.dtype as FloatDType; }
  /** True for variables created by the user (not by an op). */
  get isLeaf(): boolean { return this.node === null; }

  /** The same value cut from the graph: no gradient flows back through it. */
  detach(): Variable {
    return new Variable(this.value, false, null);
  }

  /** Keep this non-leaf variable's gradient in `.grad` after backward (leaves always keep theirs). */
  retainGrad(): this {
    this.keepsGrad = true;
    return this;
  }

  /** Sets `.grad` to null. */
  zeroGrad(): void {
    this.grad = null;
  }

  /**
   * Backpropagates from this variable. Without `upstream` the variable must be
   * a scalar (shape [] or one element) and dL/dL = 1 is used; otherwise
   * `upstream` is dL/d(this), of this variable's shape.
   *
   * The caches of the nodes it runs through are freed afterwards, and a
   * second backward through them throws GraphFreedError, unless
   * `options.retainGraph` is true: `backward({ retainGraph: true })` or
   * `backward(upstream, { retainGraph: true })`.
   */
  backward(upstream?: Tensor | BackwardOptions, options: BackwardOptions = {}): void {
    if (upstream !== undefined && !(upstream instanceof Tensor)) {
      options = upstream;
      upstream = undefined;
    }
    if (typeof options !== "object" || options === null) throw new TypeError(`backward: expected options { retainGraph?: boolean }, got ${String(options)}`);
    const retainGraph = options.retainGraph ?? false;
    if (typeof retainGraph !== "boolean") throw new TypeError(`backward: retainGraph: expected true or false, got ${String(retainGraph)}`);
    if (!this.requiresGrad) throw new Error("backward: this variable does not require a gradient (no input of its graph requires one, or it was computed under noGrad)");
    let seed: Tensor;
    if (upstream === undefined) {
      if (this.value.size !== 1) throw new Error(`backward: expected a scalar to start from (or an explicit upstream gradient), got shape [${this.shape.join(", ")}]`);
      seed = new Tensor(allocate(this.dtype, 1).fill(1), this.shape);
    } else {
      if (upstream.size !== this.value.size || upstream.rank !== this.value.rank || upstream.shape.some((d, i) => d !== this.shape[i])) {
        throw new Error(`backward: expected upstream of shape [${this.shape.join(", ")}], got [${upstream.shape.join(", ")}]`);
      }
      if (upstream.dtype !== this.value.dtype) throw new Error(`backward: expected an upstream of dtype ${this.value.dtype} (the variable's), got ${upstream.dtype}`);
      seed = upstream;
    }
    backpropagate(this, seed, retainGraph);
  }
}

/** A copy of `a` with `b` added elementwise (gradients that meet at one variable). */
function addInto(a: Tensor | undefined, b: Tensor): Tensor {
  if (a === undefined) return b;
  const out = allocate(a.dtype as FloatDType, a.size) as FloatArray;
  const x = a.data, y = b.data;
  for (let i = 0; i < out.length; i++) out[i] = x[i] + y[i];
  return new Tensor(out, a.shape);
}

/**
 * Disposes the resident tensors (src/backend/resident.ts) that `node`'s op
 * saved for its backward beyond its inputs and outputs — what freeing the
 * graph releases (a plain array is left to the garbage collector). Looks at
 * the cache itself and one level into it (an object or array of tensors).
 * A saved view of an input (a reshape) shares the input's block: disposing
 * the view drops only its own hold, so the input's values stay.
 */
function disposeSavedTensors(node: Node): void {
  const cache = node.cache;
  if (cache === null || typeof cache !== "object") return;
  const candidates: unknown[] = cache instanceof Tensor ? [cache] : Array.isArray(cache) ? cache : Object.values(cache);
  let exempt: Set<Tensor> | null = null;
  for (const t of candidates) {
    if (!(t instanceof Tensor) || !t.resident) continue;
    exempt ??= new Set([...Object.values(node.inputs), ...Object.values(node.outputs)].map((v) => v.value));
    if (!exempt.has(t)) t.dispose("when backward freed the graph that saved it");
  }
}

/** Nodes reachable from `root`, ordered so that every node comes after all nodes that consume its outputs. */
function reverseTopologicalOrder(root: Variable): Node[] {
  const order: Node[] = [];
  const visited = new Set<Node>();
  if (!root.node) return order;
  // Iterative post-order DFS: (node, next input index) frames.
  const stack: Array<{ node: Node; inputs: Variable[]; next: number }> = [];
  const push = (node: Node) => {
    visited.add(node);
    stack.push({ node, inputs: Object.values(node.inputs), next: 0 });
  };
  push(root.node);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (frame.next < frame.inputs.length) {
      const v = frame.inputs[frame.next++];
      if (v.node && v.requiresGrad && !visited.has(v.node)) push(v.node);
    } else {
      order.push(frame.node);
      stack.pop();
    }
  }
  return order.reverse();
}

function backpropagate(root: Variable, seed: Tensor, retainGraph: boolean): void {
  const pending = new Map<Variable, Tensor>();
  pending.set(root, seed);
  if (root.node === null) {
    root.grad = addInto(root.grad ?? undefined, seed);
    return;
  }
  const order = reverseTopologicalOrder(root);
  // Refuse before any gradient changes: a half-applied second backward would leave the leaves inconsistent.
  for (const node of order) if (node.freed) throw new GraphFreedError(node.op.name);
  for (const node of order) {
    const upstream: Record<string, Tensor> = {};
    let any = false;
    for (const name of node.op.differentiableOutputs) {
      const out = node.outputs[name];
      const g = out ? pending.get(out) : undefined;
      if (g) {
        upstream[name] = g;
        any = true;
        pending.delete(out);
        if (out.keepsGrad) out.grad = addInto(out.grad ?? undefined, g);
      } else if (out) {
        upstream[name] = new Tensor(allocate(out.dtype, out.value.size), out.shape);
      }
    }
    if (!any) continue;
    if (!node.op.backward) throw new Error(`backward: op ${node.op.name} has no backward`);
    const needed = new Set<string>();
    for (const [name, input] of Object.entries(node.inputs)) if (input.requiresGrad && node.op.grads.includes(name)) needed.add(name);
    const grads = node.op.backward(upstream, node.cache, node.attrs, needed);
    if (!retainGraph) {
      disposeSavedTensors(node);
      node.cache = undefined;
      node.freed = true;
    }
    for (const [name, input] of Object.entries(node.inputs)) {
      if (!input.requiresGrad || !node.op.grads.includes(name)) continue;
      const g = grads[name];
      if (!g) throw new Error(`backward: op ${node.op.name} returned no gradient for ${name}`);
      if (input.node === null) {
        input.grad = addInto(input.grad ?? undefined, g);
      } else {
        pending.set(input, addInto(pending.get(input), g));
      }
    }
  }
}
