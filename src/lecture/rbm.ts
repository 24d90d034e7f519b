/**
 * Restricted Boltzmann machines and deep belief nets, written out as on 004's
 * slides "Deep neural networks: Unsupervised Pretraining — Deep Belief
 * Networks (Hinton et al. 2006)", with the slide's symbols: visible units
 * x_j (j = 1 … D), hidden units h_i (i = 1 … H), weights W_ij, visible
 * biases b_j, hidden biases c_i. Binary units, plain loops, no autograd.
 *
 *   P(x, h) ∝ exp(hᵀWx + bᵀx + cᵀh)                     (energy E(x, h) = −hᵀWx − bᵀx − cᵀh)
 *   P(h|x) = Π_i P(h_i|x),  P(h_i = 1|x) = sigmoid(c_i + Σ_j W_ij x_j)
 *   P(x|h) = Π_j P(x_j|h),  P(x_j = 1|h) = sigmoid(b_j + Σ_i W_ij h_i)
 *
 * "RBM trained by approximate stochastic gradient descent": the gradient of
 * the log-likelihood of a sample x,
 *
 *   ∂ log P(x)/∂W_ij = E_{P(h|x)}[h_i x_j] − E_{P(x′,h)}[h_i x′_j]
 *   ∂ log P(x)/∂b_j  = x_j − E_{P(x′)}[x′_j]
 *   ∂ log P(x)/∂c_i  = P(h_i = 1|x) − E_{P(x′)}[P(h_i = 1|x′)],
 *
 * has a second ("negative") term over all 2^D states, which contrastive
 * divergence CD-k (Hinton 2002) replaces by one sample x⁽ᵏ⁾ from a Gibbs
 * chain of k steps started at the data: h⁽⁰⁾ ~ P(h|x⁽⁰⁾), x⁽¹⁾ ~ P(x|h⁽⁰⁾),
 * h⁽¹⁾ ~ P(h|x⁽¹⁾), … x⁽ᵏ⁾. (This approximation is the algorithm the slide
 * names; the formulas above are the standard ones, not printed on it.) As in
 * Hinton's practical guide, the statistics use the probabilities P(h|x)
 * rather than sampled h, which lowers the variance without changing the
 * expectation.
 *
 * Greedy layer-wise pretraining ("Step 1: Construct an RBM with an input and
 * hidden layer and train to find W⁽¹⁾. Step 2: Stack another hidden layer on
 * top of the RBM to form a new RBM. Fix W⁽¹⁾. Assume h⁽¹⁾ as input. Train to
 * find W⁽²⁾. Step 3: Continue …"): `deepBeliefNet`. "The RBM parameters
 * correspond to the parameters of the feed-forward multi-layer neural
 * network": `unrollDeepBeliefNet` copies each W and c into Linear(D, H) +
 * Sigmoid — exactly P(h_i = 1|x) — for supervised fine-tuning.
 *
 * All randomness comes from the `Random` passed in; parameters and
 * arithmetic are float64.
 */
import { Tensor, type FloatDType } from "../tensor.js";
import { Random } from "../random.js";
import { Linear, Sequential, Sigmoid, type Module } from "../nn/index.js";
import { rowBatches, selectRows } from "../data/rows.js";

/** sigmoid(z) = 1/(1 + e^(−z)), without overflow for large |z|. */
function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** log(1 + e^a), without overflow. */
function softplus(a: number): number {
  return a > 0 ? a + Math.log1p(Math.exp(-a)) : Math.log1p(Math.exp(a));
}

/** Checks x [N, size] with values in [0, 1]; returns N and the data. */
function unitRows(where: string, x: Tensor, size: number, what: string): { n: number; data: ArrayLike<number> } {
  if (!(x instanceof Tensor) || x.dtype === "int32") throw new TypeError(`${where}: expected a float tensor [N, ${size}] of ${what}, got ${x instanceof Tensor ? x.dtype : String(x)}`);
  if (x.rank !== 2 || x.shape[1] !== size) throw new RangeError(`${where}: expected [N, ${size}] (${what}), got [${x.shape.join(", ")}]`);
  const d = x.data;
  for (let k = 0; k < d.length; k++) {
    if (!(d[k] >= 0 && d[k] <= 1)) throw new RangeError(`${where}: expected ${what} in [0, 1], got ${d[k]} at row ${Math.floor(k / size)}, column ${k % size}`);
  }
  return { n: x.shape[0], data: d };
}

/** The CD-k estimate of ∂(mean log P(x))/∂θ over a minibatch: the direction of ASCENT. */
export interface CdGradient {
  /** ∂/∂W_ij [H, D]. */
  dW: Tensor;
  /** ∂/∂b_j [D]. */
  db: Tensor;
  /** ∂/∂c_i [H]. */
  dc: Tensor;
  /** The chain's last visible sample x⁽ᵏ⁾ [N, D] (the "fantasy" data). */
  xk: Tensor;
}

/** Options of the RBM's initialization. */
export interface RbmOptions {
  /** W_ij ~ N(0, std²) (default 0.01, Hinton's guide); b = c = 0. */
  std?: number;
}

/** A binary restricted Boltzmann machine with D visible and H hidden units. */
export class RBM {
  /** W [H, D]: W_ij couples hidden unit i and visible unit j (the layout of a Linear(D, H) weight). */
  readonly W: Tensor;
  /** Visible biases b [D]. */
  readonly b: Tensor;
  /** Hidden biases c [H]. */
  readonly c: Tensor;

  constructor(readonly visible: number, readonly hidden: number, rng: Random, options: RbmOptions = {}) {
    const { std = 0.01 } = options;
    if (!Number.isInteger(visible) || visible < 1 || !Number.isInteger(hidden) || hidden < 1) {
      throw new RangeError(`RBM: expected positive integer unit counts, got visible=${visible}, hidden=${hidden}`);
    }
    if (typeof std !== "number" || !(std >= 0) || !Number.isFinite(std)) throw new RangeError(`RBM: std: expected a finite number ≥ 0, got ${String(std)}`);
    const w = new Float64Array(hidden * visible);
    for (let k = 0; k < w.length; k++) w[k] = std * rng.normal();
    this.W = new Tensor(w, [hidden, visible]);
    this.b = new Tensor(new Float64Array(visible), [visible]);
    this.c = new Tensor(new Float64Array(hidden), [hidden]);
  }

  /** P(h_i = 1|x) = sigmoid(c_i + Σ_j W_ij x_j), for each row of x [N, D] → [N, H]. */
  hiddenProbabilities(x: Tensor): Tensor {
    const { n, data } = unitRows("RBM.hiddenProbabilities", x, this.visible, "visible states");
    const D = this.visible, H = this.hidden, W = this.W.data, c = this.c.data;
    const p = new Float64Array(n * H);
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < H; i++) {
        let a = c[i];
        for (let j = 0; j < D; j++) a += W[i * D + j] * data[r * D + j];
        p[r * H + i] = sigmoid(a);
      }
    }
    return new Tensor(p, [n, H]);
  }

  /** P(x_j = 1|h) = sigmoid(b_j + Σ_i W_ij h_i), for each row of h [N, H] → [N, D]. */
  visibleProbabilities(h: Tensor): Tensor {
    const { n, data } = unitRows("RBM.visibleProbabilities", h, this.hidden, "hidden states");
    const D = this.visible, H = this.hidden, W = this.W.data, b = this.b.data;
    const p = new Float64Array(n * D);
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < D; j++) p[r * D + j] = b[j];
      for (let i = 0; i < H; i++) {
        const hi = data[r * H + i];
        if (hi === 0) continue;
        for (let j = 0; j < D; j++) p[r * D + j] += W[i * D + j] * hi;
      }
      for (let j = 0; j < D; j++) p[r * D + j] = sigmoid(p[r * D + j]);
    }
    return new Tensor(p, [n, D]);
  }

  /** E(x, h) = −hᵀWx − bᵀx − cᵀh for each row pair: x [N, D], h [N, H] → Float64Array [N]. */
  energy(x: Tensor, h: Tensor): Float64Array {
    const xs = unitRows("RBM.energy", x, this.visible, "visible states");
    const hs = unitRows("RBM.energy", h, this.hidden, "hidden states");
    if (xs.n !== hs.n) throw new RangeError(`RBM.energy: expected as many hidden rows as visible rows (${xs.n}), got ${hs.n}`);
    const D = this.visible, H = this.hidden, W = this.W.data, b = this.b.data, c = this.c.data;
    const e = new Float64Array(xs.n);
    for (let r = 0; r < xs.n; r++) {
      let s = 0;
      for (let j = 0; j < D; j++) s += b[j] * xs.data[r * D + j];
      for (let i = 0; i < H; i++) {
        let wx = c[i];
        for (let j = 0; j < D; j++) wx += W[i * D + j] * xs.data[r * D + j];
        s += hs.data[r * H + i] * wx;
      }
      e[r] = -s;
    }
    return e;
  }

  /**
   * Free energy F(x) = −log Σ_h e^(−E(x, h)) = −bᵀx − Σ_i log(1 + e^(c_i + Σ_j W_ij x_j)),
   * so P(x) = e^(−F(x)) / Z. x [N, D] → Float64Array [N].
   */
  freeEnergy(x: Tensor): Float64Array {
    const { n, data } = unitRows("RBM.freeEnergy", x, this.visible, "visible states");
    const D = this.visible, H = this.hidden, W = this.W.data, b = this.b.data, c = this.c.data;
    const f = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let j = 0; j < D; j++) s += b[j] * data[r * D + j];
      for (let i = 0; i < H; i++) {
        let a = c[i];
        for (let j = 0; j < D; j++) a += W[i * D + j] * data[r * D + j];
        s += softplus(a);
      }
      f[r] = -s;
    }
    return f;
  }

  /**
   * The CD-k gradient estimate on the minibatch x⁽⁰⁾ [N, D] (k ≥ 1 Gibbs
   * steps, samples drawn from `rng`), averaged over the rows:
   *   dW_ij = ⟨P(h_i = 1|x⁽⁰⁾) x⁽⁰⁾_j⟩ − ⟨P(h_i = 1|x⁽ᵏ⁾) x⁽ᵏ⁾_j⟩
   *   db_j  = ⟨x⁽⁰⁾_j⟩ − ⟨x⁽ᵏ⁾_j⟩
   *   dc_i  = ⟨P(h_i = 1|x⁽⁰⁾)⟩ − ⟨P(h_i = 1|x⁽ᵏ⁾)⟩
   */
  contrastiveDivergence(x0: Tensor, k: number, rng: Random): CdGradient {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`RBM.contrastiveDivergence: k: expected an integer ≥ 1 (Gibbs steps), got ${String(k)}`);
    const ph0 = this.hiddenProbabilities(x0); // positive phase
    let h = sampleBernoulli(ph0, rng);
    let xk = x0;
    let phk = ph0;
    for (let step = 1; step <= k; step++) {
      xk = sampleBernoulli(this.visibleProbabilities(h), rng);
      phk = this.hiddenProbabilities(xk);
      if (step < k) h = sampleBernoulli(phk, rng);
    }
    const n = x0.shape[0], D = this.visible, H = this.hidden;
    const x0d = x0.data, xkd = xk.data, p0 = ph0.data, pk = phk.data;
    const dW = new Float64Array(H * D), db = new Float64Array(D), dc = new Float64Array(H);
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < H; i++) {
        const a = p0[r * H + i], z = pk[r * H + i];
        dc[i] += a - z;
        for (let j = 0; j < D; j++) dW[i * D + j] += a * x0d[r * D + j] - z * xkd[r * D + j];
      }
      for (let j = 0; j < D; j++) db[j] += x0d[r * D + j] - xkd[r * D + j];
    }
    for (let q = 0; q < dW.length; q++) dW[q] /= n;
    for (let j = 0; j < D; j++) db[j] /= n;
    for (let i = 0; i < H; i++) dc[i] /= n;
    return { dW: new Tensor(dW, [H, D]), db: new Tensor(db, [D]), dc: new Tensor(dc, [H]), xk };
  }

  /** θ ← θ + ε·∇̂ (gradient ascent on the log-likelihood with the CD-k estimate ∇̂). Returns the estimate. */
  cdStep(x0: Tensor, options: { k?: number; lr: number; rng: Random }): CdGradient {
    const { k = 1, lr, rng } = options;
    if (typeof lr !== "number" || !(lr >= 0) || !Number.isFinite(lr)) throw new RangeError(`RBM.cdStep: lr: expected a finite number ≥ 0, got ${String(lr)}`);
    const g = this.contrastiveDivergence(x0, k, rng);
    for (const [param, grad] of [[this.W, g.dW], [this.b, g.db], [this.c, g.dc]] as const) {
      for (let q = 0; q < param.size; q++) param.data[q] += lr * grad.data[q];
    }
    return g;
  }

  /**
   * The mean-field reconstruction x̂ = P(x = 1|h = P(h = 1|x)) of each row:
   * x [N, D] → [N, D] (deterministic).
   */
  reconstruct(x: Tensor): Tensor {
    return this.visibleProbabilities(this.hiddenProbabilities(x));
  }

  /** Mean squared reconstruction error, mean over rows and units of (x − x̂)², x̂ from `reconstruct`. */
  reconstructionError(x: Tensor): number {
    const xHat = this.reconstruct(x);
    let s = 0;
    for (let q = 0; q < x.size; q++) s += (x.data[q] - xHat.data[q]) ** 2;
    return s / x.size;
  }

  /** Linear(D, H) holding W and c: followed by a Sigmoid it computes P(h = 1|x). */
  toLinear(dtype: FloatDType = "float32"): Linear {
    const layer = new Linear(this.visible, this.hidden, new Random(0), { dtype }); // initial values overwritten below
    layer.weight.value.data.set(this.W.data);
    layer.bias!.value.data.set(this.c.data);
    return layer;
  }
}

/** A binary sample of probabilities p (any shape): 1 where a uniform draw from `rng` is below p. float64. */
export function sampleBernoulli(p: Tensor, rng: Random): Tensor {
  const out = new Float64Array(p.size);
  for (let q = 0; q < p.size; q++) out[q] = rng.uniform() < p.data[q] ? 1 : 0;
  return new Tensor(out, p.shape);
}

/** Options of `trainRBM`. */
export interface TrainRbmOptions {
  epochs: number;
  batchSize: number;
  /** Gibbs steps of CD-k (default 1). */
  k?: number;
  /** Step size ε (default 0.1). */
  lr?: number;
  /** The order of the rows and every Gibbs sample. */
  rng: Random;
  /** After each epoch: the reconstruction error on x. */
  onEpoch?(epoch: number, reconstructionError: number): void;
}

/** Trains `rbm` on x [N, D] (values in [0, 1]) with CD-k minibatches; returns the reconstruction error after each epoch. */
export function trainRBM(rbm: RBM, x: Tensor, options: TrainRbmOptions): number[] {
  const { epochs, batchSize, k = 1, lr = 0.1, rng } = options;
  if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`trainRBM: epochs: expected an integer ≥ 0, got ${String(epochs)}`);
  unitRows("trainRBM", x, rbm.visible, "visible data");
  const history: number[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (const rows of rowBatches(x.shape[0], batchSize, rng)) rbm.cdStep(selectRows(x, rows), { k, lr, rng });
    history.push(rbm.reconstructionError(x));
    options.onEpoch?.(epoch, history[epoch - 1]);
  }
  return history;
}

/** Options of `deepBeliefNet`: `hidden` sizes and the training of each RBM. */
export interface DeepBeliefNetOptions extends TrainRbmOptions {
  /** H₁, H₂, … of the stacked RBMs. */
  hidden: readonly number[];
  /** Called after each RBM is trained (0-based layer, its reconstruction errors). */
  onLayer?(layer: number, history: number[]): void;
}

/**
 * Greedy layer-wise pretraining of a deep belief net (004): RBM 1 (D → H₁)
 * trained on x; then, with W⁽¹⁾ fixed, RBM 2 (H₁ → H₂) trained on
 * h⁽¹⁾ = P(h = 1|x) (the mean-field activations), and so on. x [N, D] in
 * [0, 1]. Returns the RBMs and each one's reconstruction errors.
 */
export function deepBeliefNet(x: Tensor, options: DeepBeliefNetOptions): { rbms: RBM[]; histories: number[][] } {
  const { hidden, rng } = options;
  if (!Array.isArray(hidden) || hidden.length < 1 || hidden.some((h) => !Number.isInteger(h) || h < 1)) {
    throw new RangeError(`deepBeliefNet: hidden: expected at least one positive integer size, got ${JSON.stringify(hidden)}`);
  }
  if (x.rank !== 2) throw new RangeError(`deepBeliefNet: x: expected [N, D] rows of visible data, got [${x.shape.join(", ")}]`);
  const rbms: RBM[] = [];
  const histories: number[][] = [];
  let input = x;
  hidden.forEach((h, layer) => {
    const rbm = new RBM(input.shape[1], h, rng);
    const history = trainRBM(rbm, input, options);
    options.onLayer?.(layer, history);
    rbms.push(rbm);
    histories.push(history);
    if (layer + 1 < hidden.length) input = rbm.hiddenProbabilities(input); // "Assume h⁽¹⁾ as input"
  });
  return { rbms, histories };
}

/**
 * The feed-forward network whose parameters are the RBMs' (004: "The RBM
 * parameters correspond to the parameters of the feed-forward multi-layer
 * neural network"): Linear(D, H₁) Sigmoid Linear(H₁, H₂) Sigmoid …, each
 * Linear holding W and c of one RBM, so layer k outputs P(h⁽ᵏ⁾ = 1|h⁽ᵏ⁻¹⁾).
 * With `numClasses`, a new Linear(H_last, numClasses) drawn from `rng` is
 * appended for supervised fine-tuning (its logits go to cross-entropy).
 */
export function unrollDeepBeliefNet(rbms: readonly RBM[], options: { numClasses?: number; rng?: Random; dtype?: FloatDType } = {}): Sequential {
  const { numClasses, rng, dtype = "float32" } = options;
  if (!Array.isArray(rbms) || rbms.length < 1 || rbms.some((r) => !(r instanceof RBM))) throw new TypeError("unrollDeepBeliefNet: expected a non-empty array of RBMs");
  rbms.forEach((r, k) => {
    if (k > 0 && r.visible !== rbms[k - 1].hidden) throw new RangeError(`unrollDeepBeliefNet: RBM ${k} has ${r.visible} visible units, expected ${rbms[k - 1].hidden} (the hidden units of RBM ${k - 1})`);
  });
  const layers: Module[] = [];
  for (const r of rbms) layers.push(r.toLinear(dtype), new Sigmoid());
  if (numClasses !== undefined) {
    if (!Number.isInteger(numClasses) || numClasses < 1) throw new RangeError(`unrollDeepBeliefNet: numClasses: expected a positive integer, got ${String(numClasses)}`);
    if (!rng) throw new RangeError("unrollDeepBeliefNet: a classifier layer (numClasses) needs an rng");
    layers.push(new Linear(rbms[rbms.length - 1].hidden, numClasses, rng, { dtype }));
  }
  return new Sequential(...layers);
}
