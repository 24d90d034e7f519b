/**
 * Dropout (001, "Dropout block", after Srivastava et al. 2014): in training
 * every unit is kept with probability q and zeroed otherwise,
 *
 *   r_j ~ Bernoulli(q),   ỹ = r ⊙ y,
 *
 * so each sample runs through its own "decimated" net.
 *
 * `p` here is PyTorch's: the probability of DROPPING a unit (q = 1 − p). The
 * lecture's p is the probability of keeping one; `new Dropout(0.5)` is the
 * same either way.
 *
 * Two conventions for making training and test agree in expectation:
 * - "inverted" (the default, PyTorch's): scale the kept units by 1/q during
 *   training; evaluation is then the identity. This is the default because a
 *   model in eval mode is just its weights (no test-time rescaling to forget)
 *   and it matches PyTorch checkpoints exactly.
 * - "lecture" (001, "Test time: deterministic approximation"): no scaling in
 *   training; at test time "the weights are scaled as W = pW", i.e. the
 *   outputs are multiplied by the keep probability q = 1 − p.
 */
import { describe as describeValue } from "../ops/errors.js";
import type { Tensor, Shape } from "../tensor.js";
import type { Random } from "../random.js";
import { dropoutMask, type DropoutConvention } from "../ops/dropout.js";
import * as F from "../autograd/functional.js";
import type { Variable } from "../autograd/variable.js";
import { Module } from "./module.js";

/** Options of Dropout. */
export interface DropoutOptions {
  /** "inverted" (default, PyTorch) or "lecture" (001: scale by the keep probability at test time). */
  convention?: DropoutConvention;
}

/** Dropout(p): any shape → same shape; zeroes each element with probability p in training. */
export class Dropout extends Module {
  readonly p: number;
  readonly convention: DropoutConvention;
  /**
   * The layer's own generator (forked from the one given to the constructor),
   * from which every training-mode mask is drawn. Save `rng.state()` to resume
   * with the same masks.
   */
  readonly rng: Random;
  /** The keep-mask of the last training-mode forward (1 kept, 0 dropped), for inspection; null before any. */
  lastMask: Tensor | null = null;

  constructor(p = 0.5, rng: Random, options: DropoutOptions = {}) {
    super();
    const { convention = "inverted" } = options;
    if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new RangeError(`Dropout: p: expected a drop probability in [0, 1], got ${describeValue(p)}`);
    if (convention !== "inverted" && convention !== "lecture") throw new RangeError(`Dropout: convention: expected "inverted" or "lecture", got ${describeValue(convention)}`);
    if (!rng || typeof rng.fork !== "function") throw new TypeError(`Dropout: rng: expected a Random, got ${String(rng)}`);
    this.p = p;
    this.convention = convention;
    this.rng = rng.fork();
  }

  /** Training: a fresh keep-mask r from the layer's generator, y = x ⊙ r (· 1/(1 − p) when inverted). Eval: y = x (inverted) or (1 − p)·x (lecture). */
  forward(x: Variable): Variable {
    if (this.training) {
      const mask = dropoutMask(x.shape, this.p, this.rng, x.dtype);
      this.lastMask = mask;
      return F.dropout(x, mask, this.p, this.convention);
    }
    if (this.convention === "inverted") return x;
    return F.dropoutEval(x, this.p, this.convention);
  }

  outputShape(inputShape: Shape): Shape {
    return inputShape;
  }

  override macs(): number {
    return 0;
  }

  override describe(): string {
    return `Dropout(p=${this.p}${this.convention === "lecture" ? ', convention="lecture"' : ""})`;
  }
}
