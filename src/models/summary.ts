/**
 * `summarize(model, inputShape)`: a model's layers, parameters,
 * multiply-accumulates and memory — what `nnref summary` prints — computed by
 * walking the real module graph with shape inference (`Module.trace`): every
 * leaf layer in execution order reports its own output shape, parameters and
 * MACs; branches (residual sums, Inception's concatenation, squeeze-and-
 * excitation's channel scaling) appear where they join. Nothing is typed in.
 *
 * What is counted (all per forward pass on `inputShape`, batch included):
 * - params: the model's trainable scalars (`parameterCount()`); a row shows
 *   a layer's parameters at its first use only (a ReLU module applied three
 *   times appears three times).
 * - MACs: multiply-accumulates of the conv and linear layers (each layer's
 *   `macs`): N·Cout·Hout·Wout·(Cin/groups)·kh·kw and rows·in·out. Pooling,
 *   normalization, activations and sums are not counted.
 * - activations: elements of every row's output (each layer's result and
 *   each join's), not the input.
 * - training memory at 32-bit: 4 bytes × (3 × params — weights, their
 *   gradients and one momentum buffer — plus the activations kept for
 *   backward: the input and every row's output, since nnref's graph keeps each
 *   op's inputs alive until backward). Not counted: the ops' own caches
 *   (batch norm's normalized input, max pool's arg-max indices, dropout
 *   masks), the activation gradients that exist during backward, and the
 *   intermediate tensors of a concatenation of more than two branches.
 * - receptive field of the last conv layer (in execution order): the input
 *   window one of its outputs sees, along the path of convolutions and pools
 *   that gives the largest window where branches join (001, "Pooling Layer:
 *   Receptive Field Size"), computed by ../shapes.ts.
 */
import { shapeString, sizeOf, type Shape } from "../tensor.js";
import { AdaptiveAvgPool2d, AvgPool2d, Conv2d, ConvTranspose2d, Flatten, Linear, MaxPool2d, type Module, type Tracer } from "../nn/index.js";
import { receptiveField, type ReceptiveFieldLayer } from "../shapes.js";

/** Bytes per value in the memory columns: 32-bit floats. */
export const BYTES_PER_VALUE = 4;

/** One row: a leaf layer applied once, or the join of branches. */
export interface SummaryRow {
  /** Dotted module name as in the state dict (`layer1.0.conv1`); for a join, the name of the block that joins. */
  name: string;
  /** The layer's `describe()`, or "add" / "concat" / "scale" for a join. */
  layer: string;
  /** Output shape, batch included. */
  outputShape: number[];
  /** Parameters of this layer (0 when the same module appeared in an earlier row). */
  params: number;
  /** Multiply-accumulates of this layer on its input. */
  macs: number;
  /** Elements of the output. */
  activations: number;
}

/** The receptive field of one output unit of a layer, per dimension [height, width], in input pixels. */
export interface ReceptiveFieldSummary {
  /** The layer (the last Conv2d in execution order). */
  layer: string;
  /** Window size. */
  size: [number, number];
  /** Distance between the windows of neighbouring units (the product of the strides). */
  jump: [number, number];
  /** Centre of the first unit's window (input pixel coordinates; negative when it reaches into the padding). */
  start: [number, number];
  /** True when global pooling lies on a path into the layer (squeeze-and-excitation), so each unit also sees the whole image. */
  global: boolean;
}

/** Everything `nnref summary` prints. */
export interface ModelSummary {
  /** Input shape, batch included. */
  inputShape: number[];
  /** Output shape, batch included. */
  outputShape: number[];
  /** One row per leaf application and per join, in execution order. */
  layers: SummaryRow[];
  totals: {
    /** Trainable scalars. */
    params: number;
    /** Multiply-accumulates of conv and linear layers. */
    macs: number;
    /** Elements of all rows' outputs. */
    activations: number;
    /** `activations` × 4 bytes. */
    activationBytes: number;
    /** params × 4 bytes. */
    weightBytes: number;
    /** Elements kept for backward: the input plus every row's output. */
    activationsKeptForBackward: number;
    /** 4 bytes × (3·params + activationsKeptForBackward): weights, gradients, momentum and kept activations. */
    trainingBytes: number;
  };
  /** Receptive field of the last conv layer; null when the model has none or a layer on the way has no fixed window. */
  receptiveField: ReceptiveFieldSummary | null;
  /** Remarks, e.g. parameters that the traced forward pass never uses. */
  notes: string[];
}

/** What flows through the trace: the shape, and the convolutions and pools met on the way. */
interface Flow {
  shape: Shape;
  /** The spatial layers on the path with the largest receptive field so far; null once an unsupported layer was met. */
  path: ReceptiveFieldLayer[] | null;
  /** A global pooling lies on some path to here. */
  global: boolean;
}

/** The spatial step of a leaf on an input of `shape`: "identity" for layers that keep each position, "global", or null if unsupported. */
function spatialStep(module: Module, shape: Shape, out: Shape): ReceptiveFieldLayer | "identity" | "global" | null {
  if (module instanceof Conv2d) {
    const padding: [number, number] = module.padding === "same"
      ? [0, 1].map((i) => Math.floor((module.dilation[i] * (module.kernelSize[i] - 1)) / 2)) as [number, number]
      : module.padding;
    return { kernel: module.kernelSize, stride: module.stride, padding, dilation: module.dilation };
  }
  if (module instanceof MaxPool2d) return { kernel: module.kernelSize, stride: module.stride, padding: module.padding, dilation: module.dilation };
  if (module instanceof AvgPool2d) return { kernel: module.kernelSize, stride: module.stride, padding: module.padding, dilation: [1, 1] };
  if (module instanceof AdaptiveAvgPool2d) {
    const [h, w] = [shape[2], shape[3]];
    const [oh, ow] = module.outputSize;
    if (oh === h && ow === w) return "identity";
    if (oh === 1 && ow === 1) return "global";
    // Windows of equal size when the output divides the input; otherwise they vary.
    if (h % oh === 0 && w % ow === 0) return { kernel: [h / oh, w / ow], stride: [h / oh, w / ow], padding: [0, 0], dilation: [1, 1] };
    return null;
  }
  if (module instanceof Linear || module instanceof Flatten) return out.length === 4 ? "identity" : "global";
  if (module instanceof ConvTranspose2d) return null;
  // Other leaves (activations, normalization, dropout) keep every position where it is.
  const same = out.length === shape.length && out.length === 4 && out[2] === shape[2] && out[3] === shape[3];
  return same ? "identity" : null;
}

/** Size, jump and start of the units after the layers of `path` (a 1×1 field for an empty path). */
function fieldAfter(path: ReceptiveFieldLayer[]): { size: [number, number]; jump: [number, number]; start: [number, number] } {
  const fields = receptiveField(path);
  return fields.length === 0 ? { size: [1, 1], jump: [1, 1], start: [0, 0] } : fields[fields.length - 1];
}

/** The larger of two receptive-field paths (sum of the window's height and width). */
function widerPath(a: ReceptiveFieldLayer[] | null, b: ReceptiveFieldLayer[] | null): ReceptiveFieldLayer[] | null {
  if (a === null || b === null) return null;
  const size = (p: ReceptiveFieldLayer[]) => {
    const rf = fieldAfter(p);
    return rf.size[0] + rf.size[1];
  };
  return size(b) > size(a) ? b : a;
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * The summary of `model` on an input of `inputShape` (batch included, e.g.
 * [1, 3, 224, 224]). Throws if a layer rejects its input shape (with that
 * layer's message) or if the traced output disagrees with the model's
 * `outputShape` (a module whose forward branches but does not override
 * `trace`).
 */
export function summarize(model: Module, inputShape: Shape): ModelSummary {
  const rows: SummaryRow[] = [];
  const seen = new Set<Module>();
  let lastConv: { name: string; path: ReceptiveFieldLayer[] | null; global: boolean } | null = null;

  const tracer: Tracer<Flow> = {
    leaf(name, module, input) {
      let shape: Shape;
      try {
        shape = module.outputShape(input.shape);
      } catch (err) {
        throw new Error(`${name || "model"} (${module.describe()}): ${err instanceof Error ? err.message : String(err)}`);
      }
      const params = seen.has(module) ? 0 : module.namedParameters().reduce((n, [, p]) => n + p.value.size, 0);
      seen.add(module);
      rows.push({ name, layer: module.describe(), outputShape: [...shape], params, macs: module.macs(input.shape), activations: sizeOf(shape) });
      const step = spatialStep(module, input.shape, shape);
      let flow: Flow;
      if (step === "identity") flow = { shape, path: input.path, global: input.global };
      else if (step === "global") flow = { shape, path: input.path, global: true };
      else if (step === null) flow = { shape, path: null, global: input.global };
      else flow = { shape, path: input.path === null ? null : [...input.path, step], global: input.global };
      if (module instanceof Conv2d) lastConv = { name, path: flow.path, global: flow.global };
      return flow;
    },
    join(name, kind, inputs) {
      const shapes = inputs.map((f) => f.shape);
      let shape: Shape;
      if (kind === "add") {
        if (!shapes.every((s) => sameShape(s, shapes[0]))) throw new Error(`${name}: add of different shapes ${shapes.map(shapeString).join(", ")}`);
        shape = shapes[0];
      } else if (kind === "concat") {
        const rest = (s: Shape) => [s[0], ...s.slice(2)];
        if (!shapes.every((s) => s.length === shapes[0].length && sameShape(rest(s), rest(shapes[0])))) throw new Error(`${name}: concat of ${shapes.map(shapeString).join(", ")} along channels`);
        shape = [shapes[0][0], shapes.reduce((c, s) => c + s[1], 0), ...shapes[0].slice(2)];
      } else {
        const [x, s] = shapes;
        if (shapes.length !== 2 || !sameShape(s, x.slice(0, 2))) throw new Error(`${name}: scale of ${shapeString(x)} by ${shapeString(s)} (expected [N, C])`);
        shape = x;
      }
      rows.push({ name, layer: kind, outputShape: [...shape], params: 0, macs: 0, activations: sizeOf(shape) });
      // Scaling keeps positions: the gate's path (through global pooling) only adds globality.
      const candidates = kind === "scale" ? [inputs[0]] : inputs;
      const path = candidates.map((f) => f.path).reduce(widerPath);
      return { shape, path, global: inputs.some((f) => f.global) };
    },
  };

  const out = model.trace<Flow>({ shape: [...inputShape], path: [], global: false }, tracer);
  const expected = model.outputShape(inputShape);
  if (!sameShape(out.shape, expected)) {
    throw new Error(`summarize: the trace ends in ${shapeString(out.shape)} but the model's outputShape is ${shapeString(expected)}: some module with branches does not override Module.trace`);
  }

  const params = model.parameterCount();
  const macs = rows.reduce((s, r) => s + r.macs, 0);
  const activations = rows.reduce((s, r) => s + r.activations, 0);
  const kept = sizeOf(inputShape) + activations;
  const notes: string[] = [];
  const traced = rows.reduce((s, r) => s + r.params, 0);
  if (traced !== params) notes.push(`${params - traced} parameters belong to modules the forward pass does not use`);

  let receptiveField: ReceptiveFieldSummary | null = null;
  const conv = lastConv as { name: string; path: ReceptiveFieldLayer[] | null; global: boolean } | null;
  if (conv && conv.path) {
    const rf = fieldAfter(conv.path);
    receptiveField = { layer: conv.name, size: rf.size, jump: rf.jump, start: rf.start, global: conv.global };
  } else if (conv) {
    notes.push(`no receptive field: a layer before ${conv.name} has no fixed window`);
  }

  return {
    inputShape: [...inputShape],
    outputShape: [...out.shape],
    layers: rows,
    totals: {
      params,
      macs,
      activations,
      activationBytes: activations * BYTES_PER_VALUE,
      weightBytes: params * BYTES_PER_VALUE,
      activationsKeptForBackward: kept,
      trainingBytes: (3 * params + kept) * BYTES_PER_VALUE,
    },
    receptiveField,
    notes,
  };
}

/** 1234567 → "1,234,567". */
export function groupDigits(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Bytes in MB (10⁶ bytes) with one decimal, e.g. "168.0 MB". */
export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Bytes as "812 B", "3.4 kB" or "1.2 MB" (powers of 10). */
function compactBytes(bytes: number): string {
  if (bytes < 1e3) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** The summary as a readable table with totals, for a terminal. */
export function formatSummary(summary: ModelSummary, title = "model"): string {
  const header = ["layer", "type", "output shape", "params", "MACs", "activations", "memory"];
  const body = summary.layers.map((r) => [r.name || "(model)", r.layer, shapeString(r.outputShape), groupDigits(r.params), groupDigits(r.macs), groupDigits(r.activations), compactBytes(r.activations * BYTES_PER_VALUE)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const numeric = [false, false, false, true, true, true, true];
  const line = (cells: string[]) => cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
  const rule = widths.map((w) => "─".repeat(w)).join("  ");
  const t = summary.totals;
  const rf = summary.receptiveField;
  const rfText = rf
    ? `${rf.size[0]}×${rf.size[1]} pixels at layer ${rf.layer} (jump ${rf.jump[0]}×${rf.jump[1]})${rf.global ? "; through global pooling (squeeze-and-excitation) each unit also sees the whole image" : ""}`
    : "none";
  const totals: Array<[string, string]> = [
    ["input", shapeString(summary.inputShape)],
    ["output", shapeString(summary.outputShape)],
    ["parameters", groupDigits(t.params)],
    ["multiply-accumulates", `${groupDigits(t.macs)} (conv and linear layers)`],
    ["forward activations", `${groupDigits(t.activations)} values = ${megabytes(t.activationBytes)} at 32-bit (every row's output)`],
    ["weights", megabytes(t.weightBytes)],
    ["training memory", `${megabytes(t.trainingBytes)} = 4 B × (weights + gradients + momentum: 3 × ${groupDigits(t.params)}, + ${groupDigits(t.activationsKeptForBackward)} activations kept for backward: input and every output)`],
    ["receptive field", `${rfText}`],
  ];
  const labelWidth = Math.max(...totals.map(([k]) => k.length));
  return [
    `${title}: summary for input ${shapeString(summary.inputShape)}`,
    "",
    line(header),
    rule,
    ...body.map(line),
    rule,
    ...totals.map(([k, v]) => `${k.padEnd(labelWidth)}  ${v}`),
    ...summary.notes.map((n) => `note: ${n}`),
  ].join("\n");
}
