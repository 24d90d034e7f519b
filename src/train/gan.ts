/**
 * Generative adversarial networks (000, "Estimating data distributions:
 * Generative Adversarial Networks"). A generator G maps noise z ∈ ℝˡ to the
 * data space so that its distribution p_G approaches p_data; a discriminator
 * D tells real data from generated. "The Discriminator is trained for k₁
 * iterations, so that it learns to properly discriminate between real and
 * generated images. The Generator is trained for k₂ iterations, so that it
 * learns to fool the Discriminator", alternately, on the joint objective
 *
 *   min_G max_D V(D, G) = E_{x∼p_data}[log D(x)] + E_{z∼p_z}[log(1 − D(G(z)))].
 *
 * Here D returns a LOGIT ℓ (any shape per example, e.g. [B, 1]) and
 * D(x) = σ(ℓ); the logarithms are computed from the logits by the stable
 * binary_cross_entropy_with_logits op: log D(x) = −bce(ℓ, 1) and
 * log(1 − D(x)) = −bce(ℓ, 0), each averaged over the minibatch (the
 * expectations' estimates). One discriminator iteration ascends V̂ in D's
 * parameters — it minimizes −V̂ = bce(ℓ_real, 1) + bce(ℓ_fake, 0), with G(z)
 * computed without a graph (G does not change). One generator iteration,
 * with D's parameters frozen (src/nn/freeze.ts: no gradient computed or
 * applied to them), minimizes
 *
 *   "minimax"         (the slide's objective): E_z[log(1 − D(G(z)))] = −bce(ℓ_fake, 0)
 *   "non-saturating"  (NOT the slide's objective; Goodfellow et al. 2014's
 *                     practical alternative): −E_z[log D(G(z))] = bce(ℓ_fake, 1).
 *
 * Both push D(G(z)) up, but early in training, when D rejects the fakes
 * (D(G(z)) ≈ 0), log(1 − D) is flat and the minimax generator gets almost no
 * gradient; −log D is steep there. The default is the slide's "minimax".
 *
 * Noise z ∼ N(0, I) and real minibatches are drawn from the `Random` given,
 * so one seed gives one training run.
 */
import { full, randn, Tensor, type FloatDType, type Shape } from "../tensor.js";
import type { Random } from "../random.js";
import { Variable } from "../autograd/variable.js";
import { noGrad } from "../autograd/apply.js";
import * as F from "../autograd/functional.js";
import type { Module } from "../nn/module.js";
import { trainableParameters } from "../nn/freeze.js";
import type { Optimizer } from "../optim/optimizer.js";
import { Adam } from "../optim/adam.js";
import { selectRows } from "../data/rows.js";
import { DivergenceError } from "./train.js";

/** The generator's objective: the slide's, or the non-saturating alternative. */
export type GeneratorLoss = "minimax" | "non-saturating";

/** Draws a minibatch of real examples [B, …]. */
export type RealSampler = (batchSize: number, rng: Random) => Tensor;

/** Options of `trainGan`. */
export interface GanOptions {
  /** G: noise z [B, latentDim] → examples [B, …]. */
  generator: Module;
  /** D: examples [B, …] → logits ℓ (D(x) = σ(ℓ)), e.g. [B, 1]. */
  discriminator: Module;
  /** Real minibatches: a function, or a tensor of real examples [N, …] to draw rows from (uniformly, with replacement). */
  real: RealSampler | Tensor;
  /** l, the dimension of z ∼ N(0, I). */
  latentDim: number;
  /** Outer iterations (each: k₁ discriminator steps, then k₂ generator steps). */
  iterations: number;
  batchSize: number;
  /** k₁: discriminator steps per iteration (default 1). */
  k1?: number;
  /** k₂: generator steps per iteration (default 1). */
  k2?: number;
  /** Default "minimax" (the slide's). */
  generatorLoss?: GeneratorLoss;
  rng: Random;
  /** Default Adam(lr 1e-3, betas [0.5, 0.999]) over G's trainable parameters. */
  generatorOptimizer?: Optimizer;
  /** Default Adam(lr 1e-3, betas [0.5, 0.999]) over D's trainable parameters. */
  discriminatorOptimizer?: Optimizer;
  /** dtype of the noise (default: the generator's first parameter's). */
  dtype?: FloatDType;
  /** After every iteration. */
  onIteration?(report: GanIteration): void;
}

/** What one iteration measured (its last discriminator and generator steps). */
export interface GanIteration {
  /** 1-based. */
  iteration: number;
  /** V̂(D, G) = mean log D(x) + mean log(1 − D(G(z))) at the last discriminator step (before its update). */
  value: number;
  /** −V̂: what the discriminator minimized. */
  discriminatorLoss: number;
  /** The generator's objective at its last step (before its update). */
  generatorLoss: number;
  /** Mean D(x) over the real minibatch of the last discriminator step. */
  realScore: number;
  /** Mean D(G(z)) over the fake minibatch of the last discriminator step. */
  fakeScore: number;
}

/** A sampler drawing `batchSize` rows of `data` [N, …] uniformly with replacement. */
export function rowSampler(data: Tensor): RealSampler {
  if (data.rank < 1 || data.shape[0] < 1) throw new RangeError(`rowSampler: expected a tensor of examples [N, …] with N ≥ 1, got shape [${data.shape.join(", ")}]`);
  return (batchSize, rng) => selectRows(data, Int32Array.from({ length: batchSize }, () => rng.int(data.shape[0])));
}

/** z ∼ N(0, I): [batchSize, latentDim]. */
export function sampleNoise(batchSize: number, latentDim: number, rng: Random, dtype: FloatDType = "float32"): Tensor {
  return randn([batchSize, latentDim], rng, { dtype });
}

/** Mean of σ(ℓ) over all logits. */
function meanProbability(logits: Tensor): number {
  let s = 0;
  for (let q = 0; q < logits.size; q++) {
    const l = logits.data[q];
    s += l >= 0 ? 1 / (1 + Math.exp(-l)) : Math.exp(l) / (1 + Math.exp(l));
  }
  return s / logits.size;
}

const constant = (shape: Shape, value: number, dtype: FloatDType): Tensor => full(shape, value, dtype);

function positiveInteger(name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw new RangeError(`trainGan: ${name}: expected an integer ≥ 1, got ${String(v)}`);
  return v;
}

/**
 * Alternating GAN training as on 000's slides; see the file comment.
 * Returns one report per iteration.
 */
export function trainGan(options: GanOptions): GanIteration[] {
  const { generator: G, discriminator: D, rng, generatorLoss = "minimax" } = options;
  const latentDim = positiveInteger("latentDim", options.latentDim);
  const iterations = positiveInteger("iterations", options.iterations);
  const batchSize = positiveInteger("batchSize", options.batchSize);
  const k1 = positiveInteger("k1", options.k1 ?? 1);
  const k2 = positiveInteger("k2", options.k2 ?? 1);
  if (generatorLoss !== "minimax" && generatorLoss !== "non-saturating") throw new RangeError(`trainGan: generatorLoss: expected "minimax" or "non-saturating", got ${JSON.stringify(generatorLoss)}`);
  const sampleReal: RealSampler = options.real instanceof Tensor ? rowSampler(options.real) : options.real;
  if (typeof sampleReal !== "function") throw new TypeError(`trainGan: real: expected a tensor of examples or a sampler function, got ${String(options.real)}`);
  const gParams = trainableParameters(G), dParams = trainableParameters(D);
  const dtype = options.dtype ?? (gParams[0]?.dtype ?? "float32");
  const optG = options.generatorOptimizer ?? new Adam(gParams, { lr: 1e-3, betas: [0.5, 0.999] });
  const optD = options.discriminatorOptimizer ?? new Adam(dParams, { lr: 1e-3, betas: [0.5, 0.999] });
  G.train();
  D.train();

  const reports: GanIteration[] = [];
  for (let iteration = 1; iteration <= iterations; iteration++) {
    let value = NaN, realScore = NaN, fakeScore = NaN, gLoss = NaN;
    // k₁ discriminator iterations: ascend V̂ in D's parameters, G fixed.
    for (let s = 0; s < k1; s++) {
      const real = sampleReal(batchSize, rng);
      const fake = noGrad(() => G.forward(new Variable(sampleNoise(batchSize, latentDim, rng, dtype))).value);
      optD.zeroGrad();
      const realLogits = D.forward(new Variable(real));
      const fakeLogits = D.forward(new Variable(fake));
      // −V̂ = −mean log D(x) − mean log(1 − D(G(z))) = bce(ℓ_real, 1) + bce(ℓ_fake, 0)
      const negLogD = F.binaryCrossEntropyWithLogits(realLogits, constant(realLogits.shape, 1, realLogits.dtype));
      const negLog1mD = F.binaryCrossEntropyWithLogits(fakeLogits, constant(fakeLogits.shape, 0, fakeLogits.dtype));
      const loss = F.add(negLogD, negLog1mD);
      value = -loss.value.data[0];
      if (!Number.isFinite(value)) throw new DivergenceError(iteration, s + 1, -value);
      realScore = meanProbability(realLogits.value);
      fakeScore = meanProbability(fakeLogits.value);
      loss.backward();
      optD.step();
    }
    // k₂ generator iterations: descend in G's parameters, D held fixed (frozen, so it gets no gradient).
    for (const p of dParams) p.requiresGrad = false;
    try {
      for (let s = 0; s < k2; s++) {
        optG.zeroGrad();
        const fakeLogits = D.forward(G.forward(new Variable(sampleNoise(batchSize, latentDim, rng, dtype))));
        const loss = generatorLoss === "minimax"
          ? F.mulScalar(F.binaryCrossEntropyWithLogits(fakeLogits, constant(fakeLogits.shape, 0, fakeLogits.dtype)), -1) // E[log(1 − D(G(z)))]
          : F.binaryCrossEntropyWithLogits(fakeLogits, constant(fakeLogits.shape, 1, fakeLogits.dtype)); // −E[log D(G(z))]
        gLoss = loss.value.data[0];
        if (!Number.isFinite(gLoss)) throw new DivergenceError(iteration, s + 1, gLoss);
        loss.backward();
        optG.step();
      }
    } finally {
      for (const p of dParams) p.requiresGrad = true;
    }
    const report: GanIteration = { iteration, value, discriminatorLoss: -value, generatorLoss: gLoss, realScore, fakeScore };
    reports.push(report);
    options.onIteration?.(report);
  }
  return reports;
}

/** `count` generated examples G(z), z ∼ N(0, I), without a graph (eval mode). */
export function generateSamples(generator: Module, count: number, latentDim: number, rng: Random, dtype: FloatDType = "float32"): Tensor {
  const wasTraining = generator.training;
  generator.eval();
  try {
    return noGrad(() => generator.forward(new Variable(sampleNoise(count, latentDim, rng, dtype))).value);
  } finally {
    generator.train(wasTraining);
  }
}
