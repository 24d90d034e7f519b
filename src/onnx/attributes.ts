/**
 * A node's ONNX attributes, read by name with the op's default and checked
 * against the declared type; errors name the node and the attribute.
 */
import type { Tensor } from "../tensor.js";
import { ONNX_ATTR, type AttributeProto } from "../io/onnx/schema.js";
import { tensorFromProto } from "../io/onnx/tensor_proto.js";

/** Thrown while checking or evaluating a node; the message names the file, the node and its op type. */
export class OnnxNodeError extends Error {
  /** The node's name (or "#index" when it has none). */
  readonly node: string;
  constructor(file: string, node: string, opType: string, detail: string) {
    super(`${file}: node ${node} (${opType}): ${detail}`);
    this.name = "OnnxNodeError";
    this.node = node;
  }
}

/** The attributes of one node. */
export class NodeAttributes {
  private readonly byName = new Map<string, AttributeProto>();

  /** `label` names the node in errors, e.g. `"conv1" (Conv)`. */
  constructor(
    attributes: readonly AttributeProto[],
    private readonly fail: (detail: string) => never,
    private readonly file: string,
  ) {
    for (const a of attributes) this.byName.set(a.name ?? "", a);
  }

  /** Whether the attribute is present. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  private get(name: string, type: number, typeName: string): AttributeProto | undefined {
    const a = this.byName.get(name);
    if (a === undefined) return undefined;
    if (a.type !== undefined && a.type !== 0 && a.type !== type) this.fail(`attribute ${name}: expected type ${typeName}, got type ${a.type}`);
    return a;
  }

  /** An INT attribute. */
  int(name: string, fallback: number): number {
    const a = this.get(name, ONNX_ATTR.INT, "INT");
    return a === undefined ? fallback : (a.i ?? 0);
  }

  /** A FLOAT attribute. */
  float(name: string, fallback: number): number {
    const a = this.get(name, ONNX_ATTR.FLOAT, "FLOAT");
    return a === undefined ? fallback : (a.f ?? 0);
  }

  /** A STRING attribute (UTF-8). */
  string(name: string, fallback: string): string {
    const a = this.get(name, ONNX_ATTR.STRING, "STRING");
    return a === undefined ? fallback : new TextDecoder().decode(a.s ?? new Uint8Array(0));
  }

  /** An INTS attribute. */
  ints(name: string, fallback: number[] | undefined): number[] | undefined {
    const a = this.get(name, ONNX_ATTR.INTS, "INTS");
    return a === undefined ? fallback : [...a.ints];
  }

  /** A FLOATS attribute. */
  floats(name: string, fallback: number[] | undefined): number[] | undefined {
    const a = this.get(name, ONNX_ATTR.FLOATS, "FLOATS");
    return a === undefined ? fallback : [...a.floats];
  }

  /** A TENSOR attribute as an nnref tensor. */
  tensor(name: string): Tensor | undefined {
    const a = this.get(name, ONNX_ATTR.TENSOR, "TENSOR");
    if (a === undefined) return undefined;
    if (!a.t) this.fail(`attribute ${name}: the tensor is missing`);
    return tensorFromProto(a.t, this.file, `attribute ${name}`);
  }

  /** Throws the node's error with `detail` (a bound function: pass it around as is). */
  readonly error = (detail: string): never => this.fail(detail);
}
