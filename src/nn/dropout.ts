/**
 * Dropout (001, "Dropout block", after Srivastava et al. 2014): in training
 * every unit is kept with probability q and zeroed otherwise,
 *
 *   r_j ~ Bernoulli(q),   ỹ = r ⊙ y,
 *
 * so each sample runs through its own "decimated" net.
 *
 * A bare number `p` is PyTorch's: the probability of DROPPING a unit
 * (q = 1 − p). The lecture's p in Bernoulli(p) is the probability of KEEPING
 * one. To leave no doubt, name it: `new Dropout({ keepProbability: 0.8 }, rng)`
 * (the slide's p) or `new Dropout({ dropProbability: 0.2 }, rng)` (PyTorch's
 * p) — the same layer. `new Dropout(0.5, rng)` is the same either way.
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
import { describeValue } from "../errors.js";
import type { Tensor, Shape } from "../tensor.js";
import type { Random } from "../random.js";
import { dropoutMask, type DropoutConvention } from "../ops/dropout.js";
import * as F from "../autograd/functional.js";
import type { Variable } from "../autograd/variable.js";
import { Module } from "./module.js";

/** Options of Dropout. Give at most one probability: `p` (the first argument), `dropProbability` or `keepProbability`. */
export interface DropoutOptions {
  /** "inverted" (default, PyTorch) or "lecture" (001: scale by the keep probability at test time). */
  convention?: DropoutConvention;
  /** The probability of zeroing a unit: PyTorch's p (default 0.5). */
  dropProbability?: number;
  /** The probability of keeping a unit: 001's p in "r_j ~ Bernoulli(p)"; = 1 − dropProbability. */
  keepProbability?: number;
}

/** The drop probability from the three ways of giving it, and the name it was given by (for describe()). */
function dropProbabilityOf(p: number | DropoutOptions | undefined, options: DropoutOptions): { drop: number; given: string } {
  const named = typeof p === "object" && p !== null ? { ...p, ...options } : options;
  const given: Array<[string, unknown]> = [];
  if (typeof p !== "object" || p === null) if (p !== undefined) given.push(["p", p]);
  if (named.dropProbability !== undefined) given.push(["dropProbability", named.dropProbability]);
  if (named.keepProbability !== undefined) given.push(["keepProbability", named.keepProbability]);
  if (given.length > 1) throw new RangeError(`Dropout: give one of p, dropProbability and keepProbability, got ${given.map(([k, v]) => `${k} ${describeValue(v)}`).join(" and ")}`);
  const [name, value] = given[0] ?? ["p", 0.5];
  const what = name === "keepProbability" ? "a keep probability" : "a drop probability";
  if (typeof value !== "number" || !(value >= 0 && value <= 1)) throw new RangeError(`Dropout: ${name}: expected ${what} in [0, 1], got ${describeValue(value)}`);
  return { drop: name === "keepProbability" ? 1 - value : value, given: name === "p" ? "" : `${name}=${value}` };
}

/**
 * Dropout: any shape → same shape; zeroes each element with the drop
 * probability in training. `new Dropout(p, rng)` (PyTorch's p, the drop
 * probability), `new Dropout({ keepProbability, convention }, rng)` or
 * `new Dropout({ dropProbability }, rng)`.
 */
export class Dropout extends Module {
  /** The drop probability (PyTorch's p). */
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

  /** How the probability was given ("keepProbability=0.8"), or "" for a bare p. */
  private readonly given: string;

  constructor(p: number | DropoutOptions | undefined, rng: Random, options: DropoutOptions = {}) {
    super();
    const { drop, given } = dropProbabilityOf(p, options);
    const { convention = "inverted" } = typeof p === "object" && p !== null ? { ...p, ...options } : options;
    if (convention !== "inverted" && convention !== "lecture") throw new RangeError(`Dropout: convention: expected "inverted" or "lecture", got ${describeValue(convention)}`);
    if (!rng || typeof rng.fork !== "function") throw new TypeError(`Dropout: rng: expected a Random, got ${String(rng)}`);
    this.p = drop;
    this.given = given;
    this.convention = convention;
    this.rng = rng.fork();
  }

  /** The probability of zeroing a unit in training (= p, PyTorch's). */
  get dropProbability(): number {
    return this.p;
  }

  /** The probability of keeping a unit in training (001's p in Bernoulli(p)); = 1 − p. */
  get keepProbability(): number {
    return 1 - this.p;
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
    return `Dropout(${this.given || `p=${this.p}`}${this.convention === "lecture" ? ', convention="lecture"' : ""})`;
  }
}
