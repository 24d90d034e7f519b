/**
 * A residual connection (000, "ResNet"; 001, "Residual networks"): the body
 * learns F(x) and the block outputs
 *
 *   y = F(x) + x              (identity shortcut), or
 *   y = F(x) + shortcut(x)    (projection, e.g. a 1×1 conv with stride when
 *                               the shape changes).
 *
 * No activation after the sum — add one yourself (ResNet puts a ReLU there).
 * Children are registered as `body` and `shortcut`.
 */
import { shapeString, type Shape } from "../tensor.js";
import * as F from "../autograd/functional.js";
import type { Variable } from "../autograd/variable.js";
import { Module, type Tracer } from "./module.js";
import { intermediatesMark, releaseIntermediate } from "./intermediates.js";

/** Residual(body, shortcut = null): x → body(x) + (shortcut ? shortcut(x) : x); same output shape as body. */
export class Residual extends Module {
  readonly body: Module;
  readonly shortcut: Module | null;

  constructor(body: Module, shortcut: Module | null = null) {
    super();
    if (!(body instanceof Module)) throw new TypeError(`Residual: body: expected a Module, got ${String(body)}`);
    if (shortcut !== null && !(shortcut instanceof Module)) throw new TypeError(`Residual: shortcut: expected a Module or null, got ${String(shortcut)}`);
    this.body = this.registerModule("body", body);
    this.shortcut = shortcut === null ? null : this.registerModule("shortcut", shortcut);
  }

  /** x → body(x) + shortcut(x); under noGrad the two branch outputs are freed once added (./intermediates.ts). */
  forward(x: Variable): Variable {
    this.outputShape(x.shape);
    const mark = intermediatesMark();
    const skip = this.shortcut ? this.shortcut.forward(x) : x;
    const main = this.body.forward(x);
    const y = F.add(main, skip);
    releaseIntermediate(main, y, mark);
    releaseIntermediate(skip, y, mark);
    return y;
  }

  outputShape(inputShape: Shape): Shape {
    const main = this.body.outputShape(inputShape);
    const skip = this.shortcut ? this.shortcut.outputShape(inputShape) : inputShape;
    if (main.length !== skip.length || main.some((d, i) => d !== skip[i])) {
      throw new RangeError(`Residual: the body gives ${shapeString(main)} but the ${this.shortcut ? "shortcut" : "identity shortcut"} gives ${shapeString(skip)} for input ${shapeString(inputShape)}`);
    }
    return main;
  }

  /** The body's MACs plus the shortcut's (the addition itself is not counted). */
  override macs(inputShape: Shape): number {
    return this.body.macs(inputShape) + (this.shortcut ? this.shortcut.macs(inputShape) : 0);
  }

  /** Traces the body and the shortcut (or the identity) from the same input, then joins them with "add". */
  override trace<T>(input: T, tracer: Tracer<T>, name = ""): T {
    const child = (c: string) => (name ? `${name}.${c}` : c);
    const main = this.body.trace(input, tracer, child("body"));
    const skip = this.shortcut ? this.shortcut.trace(input, tracer, child("shortcut")) : input;
    return tracer.join(name, "add", [main, skip]);
  }

  override describe(): string {
    return this.shortcut ? "Residual(body, shortcut)" : "Residual(body, identity)";
  }
}
