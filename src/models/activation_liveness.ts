/**
 * Which activations a network's forward pass must hold at once, from its
 * structure alone (no tensor is computed): `Module.trace` walks the layers
 * in execution order with shapes, every leaf and every join ("add",
 * "concat", "scale") becomes one op, and an activation is live from the op
 * that makes it through the last op that reads it (a block's input stays
 * live through the residual sum that reads it again; the network's input
 * and its output count too).
 *
 * "The two largest live activations" (issue 11's memory target) is then the
 * largest sum of two activations live at the same op, over all ops: e.g. in
 * ResNet-50's first stage the block input [1, 256, 56, 56], kept for the
 * sum, and the output of conv3 [1, 256, 56, 56] beside it. The largest live
 * set is the largest sum of all activations live at one op (the least any
 * schedule of these ops must hold); the sum of all activations is what a
 * forward that frees nothing until it ends holds. bench/peak_memory.ts
 * prints these beside the measured peak; float32 activations (4 bytes each).
 */
import { shapeString, sizeOf, type Shape } from "../tensor.js";
import type { Module, Tracer } from "../nn/module.js";

/** One activation: the value an op made, its shape and bytes (float32). */
interface Activation {
  readonly id: number;
  readonly name: string;
  readonly shape: Shape;
  readonly bytes: number;
}

/** The liveness summary of one network at one input shape. */
export interface ActivationLiveness {
  /** Ops traced (leaves and joins). */
  readonly ops: number;
  /** Bytes of every activation the ops make (not the input): what a forward that frees nothing holds at its end. */
  readonly allBytes: number;
  /** Bytes of the largest single activation (input included). */
  readonly largestBytes: number;
  /** The largest sum of two activations live at one op, and where. */
  readonly twoLargestBytes: number;
  readonly twoLargest: string;
  /** The largest sum of all activations live at one op (input included), and at which op. */
  readonly largestLiveSetBytes: number;
  readonly largestLiveSetAt: string;
}

/**
 * Traces `model` from `inputShape` ([N, C, H, W] or whatever the model
 * takes) and measures what is live at each op (see the file comment).
 * Throws what the model's `outputShape` throws for a shape it does not take.
 */
export function activationLiveness(model: Module, inputShape: Shape): ActivationLiveness {
  const values: Activation[] = [];
  const ops: Array<{ name: string; inputs: number[]; output: number }> = [];
  const make = (name: string, shape: Shape): Activation => {
    const a = { id: values.length, name, shape, bytes: sizeOf(shape) * 4 };
    values.push(a);
    return a;
  };
  const tracer: Tracer<Activation> = {
    leaf(name, module, input) {
      const out = make(name, module.outputShape(input.shape));
      ops.push({ name, inputs: [input.id], output: out.id });
      return out;
    },
    join(name, kind, inputs) {
      const shape = kind === "concat" ? inputs[0].shape.map((d, i) => (i === 1 ? inputs.reduce((c, x) => c + x.shape[1], 0) : d)) : inputs[0].shape;
      const out = make(`${name}(${kind})`, shape);
      ops.push({ name: out.name, inputs: inputs.map((x) => x.id), output: out.id });
      return out;
    },
  };
  const input = make("input", inputShape);
  const output = model.trace(input, tracer);
  const born = new Array<number>(values.length).fill(-1);
  const lastUse = new Array<number>(values.length).fill(-1);
  ops.forEach((op, i) => {
    born[op.output] = i;
    for (const v of op.inputs) lastUse[v] = Math.max(lastUse[v], i);
  });
  lastUse[output.id] = ops.length;
  let two = 0, twoAt = "", set = 0, setAt = "";
  for (let i = 0; i < ops.length; i++) {
    const live = values.filter((v) => born[v.id] <= i && Math.max(lastUse[v.id], born[v.id]) >= i).sort((a, b) => b.bytes - a.bytes);
    const pair = live.length > 1 ? live[0].bytes + live[1].bytes : live[0].bytes;
    if (pair > two) {
      two = pair;
      twoAt = `at ${ops[i].name}: ${live.slice(0, 2).map((v) => `${v.name} ${shapeString(v.shape)}`).join(" + ")}`;
    }
    const total = live.reduce((s, v) => s + v.bytes, 0);
    if (total > set) {
      set = total;
      setAt = `${ops[i].name} (${live.length} activations)`;
    }
  }
  const allBytes = values.slice(1).reduce((s, v) => s + v.bytes, 0);
  const largestBytes = values.reduce((m, v) => Math.max(m, v.bytes), 0);
  return { ops: ops.length, allBytes, largestBytes, twoLargestBytes: two, twoLargest: twoAt, largestLiveSetBytes: set, largestLiveSetAt: setAt };
}
