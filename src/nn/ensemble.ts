/**
 * A committee of networks (001, "Why should this work?" (committees) and
 * "Bootstrapped AGGregatING (BAGGING)"): M members y_m(x) with the same input
 * and output shapes; the committee predicts their mean
 *
 *   y_COM(x) = (1/M) Σ_m y_m(x).
 *
 * With errors ε_m = y_m − h against a target h, the committee's squared
 * error E_COM = E[((1/M) Σ_m ε_m)²] is at most the members' average E_AV and
 * reaches E_AV / M when the errors are uncorrelated (src/train/committee.ts
 * measures both). Children are registered as "0", "1", … like Sequential.
 * For class probabilities, average softmax outputs: put a Softmax at the end
 * of each member (averaging logits is a different committee).
 */
import { shapeString, type Shape } from "../tensor.js";
import * as F from "../autograd/functional.js";
import type { Variable } from "../autograd/variable.js";
import { Module, type Tracer } from "./module.js";

/** Ensemble(m_1, …, m_M): x [N, …] → (1/M) Σ_m m_m(x), the members' common output shape. */
export class Ensemble extends Module {
  readonly members: readonly Module[];

  constructor(...members: Module[]) {
    super();
    if (members.length === 0) throw new RangeError("Ensemble: expected at least one member, got none");
    members.forEach((m, i) => {
      if (!(m instanceof Module)) throw new TypeError(`Ensemble: member ${i}: expected a Module, got ${String(m)}`);
      this.registerModule(String(i), m);
    });
    this.members = members;
  }

  /** The mean of the members' outputs; the gradient reaches every member scaled by 1/M. */
  forward(x: Variable): Variable {
    this.outputShape(x.shape);
    let total = this.members[0].forward(x);
    for (let m = 1; m < this.members.length; m++) total = F.add(total, this.members[m].forward(x));
    return this.members.length === 1 ? total : F.mulScalar(total, 1 / this.members.length);
  }

  /** The members' output shape; an error naming the first member that differs. */
  outputShape(inputShape: Shape): Shape {
    const first = this.members[0].outputShape(inputShape);
    this.members.forEach((m, i) => {
      const s = m.outputShape(inputShape);
      if (s.length !== first.length || s.some((d, k) => d !== first[k])) {
        throw new RangeError(`Ensemble: member ${i} gives ${shapeString(s)} but member 0 gives ${shapeString(first)} for input ${shapeString(inputShape)}`);
      }
    });
    return first;
  }

  /** The sum of the members' MACs (the averaging itself is not counted). */
  override macs(inputShape: Shape): number {
    return this.members.reduce((s, m) => s + m.macs(inputShape), 0);
  }

  /** Traces every member from the same input and joins them with "add" (the mean). */
  override trace<T>(input: T, tracer: Tracer<T>, name = ""): T {
    const outs = this.members.map((m, i) => m.trace(input, tracer, name ? `${name}.${i}` : String(i)));
    return outs.length === 1 ? outs[0] : tracer.join(name, "add", outs);
  }

  override describe(): string {
    return `Ensemble(${this.members.length} members, mean of outputs)`;
  }
}
