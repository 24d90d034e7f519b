/**
 * `loadOnnx(bytes)` — nnref as a reference evaluator of ONNX graphs. The
 * model is decoded (src/io/onnx/), then checked as a whole before anything
 * runs: the opset is within 7–17, every op type is supported (one error
 * lists all unsupported ones with their nodes), every initializer decodes
 * with a size that matches its dims and its declared input shape, and the
 * nodes form a graph without cycles whose every input is defined. `run`
 * then evaluates the nodes in topological order with nnref's ops on the
 * active backend, freeing each value after its last use.
 *
 * This lives at the models/ floor (src/onnx/): an evaluator is a network
 * built from the autograd functions and the nn-level semantics, like a zoo
 * model; the file format itself is src/io/onnx/.
 */
import { Tensor, shapeString } from "../tensor.js";
import { decodeOnnx, encodeOnnx, opsetVersion } from "../io/onnx/model_file.js";
import { OnnxError, tensorFromProto } from "../io/onnx/tensor_proto.js";
import { ONNX_DTYPE_NAMES, type ModelProto, type NodeProto, type ValueInfoProto } from "../io/onnx/schema.js";
import { NodeAttributes, OnnxNodeError } from "./attributes.js";
import { ONNX_OPSETS, onnxOps } from "./op_table.js";

/** A graph input or output: its name, ONNX element type and declared shape (a string for a symbolic dimension). */
export interface OnnxValueInfo {
  name: string;
  elemType: string;
  shape: Array<number | string> | null;
}

/** Options of `loadOnnx`. */
export interface LoadOnnxOptions {
  /** The file name used in error messages (default "ONNX data"). */
  file?: string;
}

function valueInfo(v: ValueInfoProto): OnnxValueInfo {
  const t = v.type?.tensor_type;
  return {
    name: v.name ?? "",
    elemType: ONNX_DTYPE_NAMES[t?.elem_type ?? 0] ?? String(t?.elem_type),
    shape: t?.shape ? t.shape.dim.map((d) => d.dim_value ?? d.dim_param ?? "?") : null,
  };
}

function nodeLabel(node: NodeProto, index: number): string {
  return node.name ? JSON.stringify(node.name) : `#${index}`;
}

/** An ONNX model ready to run. */
export class OnnxModel {
  /** The default-domain opset the model imports. */
  readonly opset: number;
  /** The graph inputs a caller feeds (initializers excluded). */
  readonly inputs: OnnxValueInfo[];
  /** The graph outputs `run` returns. */
  readonly outputs: OnnxValueInfo[];
  /** The nodes in the order they run. */
  readonly nodes: ReadonlyArray<{ node: NodeProto; label: string }>;
  private readonly initializers = new Map<string, Tensor>();

  constructor(
    /** The decoded model (what `toOnnx` writes back). */
    readonly proto: ModelProto,
    /** The file name in errors. */
    readonly file: string,
  ) {
    const graph = proto.graph!;
    const opset = opsetVersion(proto)!;
    if (opset < ONNX_OPSETS.min || opset > ONNX_OPSETS.max) throw new OnnxError(file, `imports ONNX opset ${opset}; nnref evaluates opsets ${ONNX_OPSETS.min}–${ONNX_OPSETS.max}`);
    this.opset = opset;
    this.checkOps(graph.node);
    const declared = new Map(graph.input.map((v) => [v.name ?? "", valueInfo(v)]));
    for (const init of graph.initializer) {
      const name = init.name ?? "";
      const t = tensorFromProto(init, file, `initializer ${JSON.stringify(name)}`);
      const d = declared.get(name);
      if (d?.shape && (d.shape.length !== t.rank || d.shape.some((s, i) => typeof s === "number" && s !== t.shape[i]))) {
        throw new OnnxError(file, `initializer ${JSON.stringify(name)} has shape ${shapeString(t.shape)}, but the graph input of that name declares [${d.shape.join(", ")}]`);
      }
      this.initializers.set(name, t);
    }
    this.inputs = graph.input.filter((v) => !this.initializers.has(v.name ?? "")).map(valueInfo);
    this.outputs = graph.output.map(valueInfo);
    this.nodes = this.sortNodes(graph.node);
  }

  /** One error naming every unsupported op type and its nodes. */
  private checkOps(nodes: readonly NodeProto[]): void {
    const unsupported = new Map<string, string[]>();
    nodes.forEach((node, i) => {
      const domain = node.domain ?? "";
      const type = domain === "" || domain === "ai.onnx" ? (node.op_type ?? "") : `${domain}.${node.op_type}`;
      if (type in onnxOps) return;
      if (!unsupported.has(type)) unsupported.set(type, []);
      unsupported.get(type)!.push(nodeLabel(node, i));
    });
    if (unsupported.size === 0) return;
    const list = [...unsupported].map(([type, names]) => `${type} (node${names.length > 1 ? "s" : ""} ${names.slice(0, 5).join(", ")}${names.length > 5 ? ", …" : ""})`);
    throw new OnnxError(this.file, `${unsupported.size} unsupported op type${unsupported.size > 1 ? "s" : ""}: ${list.join("; ")}. nnref evaluates: ${Object.keys(onnxOps).sort().join(", ")}`);
  }

  /** Kahn's topological sort (iterative): undefined inputs and cycles are errors naming the node. */
  private sortNodes(nodes: readonly NodeProto[]): Array<{ node: NodeProto; label: string }> {
    const producer = new Map<string, number>();
    nodes.forEach((node, i) => {
      for (const out of node.output) {
        if (out === "") continue;
        if (producer.has(out) || this.initializers.has(out)) throw new OnnxError(this.file, `node ${nodeLabel(node, i)} (${node.op_type}) writes value ${JSON.stringify(out)}, which ${this.initializers.has(out) ? "is an initializer" : `node ${nodeLabel(nodes[producer.get(out)!], producer.get(out)!)} also writes`}`);
        producer.set(out, i);
      }
    });
    const graphInputs = new Set(this.inputs.map((v) => v.name));
    const waiting = nodes.map(() => 0);
    const consumers = nodes.map(() => [] as number[]);
    nodes.forEach((node, i) => {
      for (const name of node.input) {
        if (name === "" || graphInputs.has(name) || this.initializers.has(name)) continue;
        const p = producer.get(name);
        if (p === undefined) throw new OnnxError(this.file, `node ${nodeLabel(node, i)} (${node.op_type}) reads value ${JSON.stringify(name)}, which no graph input, initializer or node defines`);
        waiting[i]++;
        consumers[p].push(i);
      }
    });
    const ready = nodes.flatMap((_, i) => (waiting[i] === 0 ? [i] : []));
    const order: number[] = [];
    while (ready.length > 0) {
      const i = ready.shift()!;
      order.push(i);
      for (const c of consumers[i]) if (--waiting[c] === 0) ready.push(c);
    }
    if (order.length < nodes.length) {
      const stuck = nodes.flatMap((node, i) => (waiting[i] > 0 ? [`${nodeLabel(node, i)} (${node.op_type})`] : []));
      throw new OnnxError(this.file, `the graph has a cycle: nodes ${stuck.slice(0, 8).join(", ")}${stuck.length > 8 ? ", …" : ""} wait on each other's outputs`);
    }
    for (const out of this.proto.graph!.output) {
      const name = out.name ?? "";
      if (!producer.has(name) && !graphInputs.has(name) && !this.initializers.has(name)) throw new OnnxError(this.file, `graph output ${JSON.stringify(name)} is not produced by any node`);
    }
    return order.map((i) => ({ node: nodes[i], label: nodeLabel(nodes[i], i) }));
  }

  /** Checks a fed tensor against the declared input. */
  private checkFeed(info: OnnxValueInfo, t: Tensor | undefined): Tensor {
    if (!(t instanceof Tensor)) throw new OnnxError(this.file, `input ${JSON.stringify(info.name)}: expected a Tensor, got ${t === undefined ? "nothing" : Object.prototype.toString.call(t)}`);
    const expected = info.elemType === "FLOAT" ? "float32" : info.elemType === "DOUBLE" ? "float64" : "int32";
    if (t.dtype !== expected) throw new OnnxError(this.file, `input ${JSON.stringify(info.name)}: expected ${info.elemType} (${expected}), got ${t.dtype}`);
    if (info.shape && (info.shape.length !== t.rank || info.shape.some((d, i) => typeof d === "number" && d > 0 && d !== t.shape[i]))) {
      throw new OnnxError(this.file, `input ${JSON.stringify(info.name)}: expected shape [${info.shape.join(", ")}], got ${shapeString(t.shape)}`);
    }
    return t;
  }

  /**
   * Evaluates the graph. `feeds` maps input names to tensors; a single
   * tensor feeds the only input. Returns the graph outputs by name.
   */
  run(feeds: Record<string, Tensor> | Tensor): Record<string, Tensor> {
    if (feeds instanceof Tensor) {
      if (this.inputs.length !== 1) throw new OnnxError(this.file, `has ${this.inputs.length} inputs (${this.inputs.map((v) => v.name).join(", ")}): pass them by name`);
      feeds = { [this.inputs[0].name]: feeds };
    }
    const values = new Map<string, Tensor>(this.initializers);
    for (const info of this.inputs) values.set(info.name, this.checkFeed(info, feeds[info.name]));
    const lastUse = new Map<string, number>();
    this.nodes.forEach(({ node }, k) => node.input.forEach((name) => lastUse.set(name, k)));
    const keep = new Set([...this.outputs.map((v) => v.name), ...this.initializers.keys()]);
    this.nodes.forEach(({ node, label }, k) => {
      const outs = this.runNode(node, label, node.input.map((name) => (name === "" ? undefined : values.get(name))));
      node.output.forEach((name, i) => {
        if (name !== "" && outs[i]) values.set(name, outs[i]);
      });
      for (const name of node.input) if (lastUse.get(name) === k && !keep.has(name)) values.delete(name);
    });
    const result: Record<string, Tensor> = {};
    for (const out of this.outputs) result[out.name] = values.get(out.name)!;
    return result;
  }

  /** Runs one node; any error is reported with the node's name and op type. */
  private runNode(node: NodeProto, label: string, inputs: Array<Tensor | undefined>): Tensor[] {
    const type = node.op_type ?? "";
    const fail = (detail: string): never => {
      throw new OnnxNodeError(this.file, label, type, detail);
    };
    try {
      const attrs = new NodeAttributes(node.attribute, fail, this.file);
      const outs = onnxOps[type](inputs, attrs, this.opset, node.output.filter((o) => o !== "").length);
      if (outs.length < node.output.length && node.output.slice(outs.length).some((o) => o !== "")) fail(`gives ${outs.length} outputs, the node asks for ${node.output.length}`);
      return outs;
    } catch (err) {
      if (err instanceof OnnxNodeError) throw err;
      return fail(err instanceof Error ? err.message : String(err));
    }
  }

  /** Evaluates a single-input, single-output model: input tensor → output tensor. */
  forward(x: Tensor): Tensor {
    const outs = this.run(x);
    if (this.outputs.length !== 1) throw new OnnxError(this.file, `has ${this.outputs.length} outputs; use run() to get them by name`);
    return outs[this.outputs[0].name];
  }

  /** The model as .onnx bytes again (the decoded model, re-encoded). */
  toOnnx(): Uint8Array {
    return encodeOnnx(this.proto);
  }
}

/**
 * Loads an ONNX model from the bytes of a .onnx file and checks it (see the
 * file comment). Throws ProtobufError for malformed bytes, OnnxError for an
 * invalid or unsupported model, both naming `options.file`.
 */
export function loadOnnx(bytes: Uint8Array, options: LoadOnnxOptions = {}): OnnxModel {
  const file = options.file ?? "ONNX data";
  return new OnnxModel(decodeOnnx(bytes, file), file);
}
