/**
 * 001, "Why should this work?" (committees), "Bootstrapped AGGregatING
 * (BAGGING)" and the dropout slides ("Decimated nets: distinct classifiers",
 * "Test time: Deterministic approximation").
 *
 * Part 1 — committees (now in the library: src/train/committee.ts
 * `runCommittees`, printed here). M predictors y_m(x) = h(x) + ε_m(x) of a target h:
 *
 *   E_AV  = (1/M) Σ_m E_x[ε_m(x)²]                 average error of the members
 *   E_COM = E_x[{(1/M) Σ_m ε_m(x)}²]               error of the committee's mean
 *         = E_AV / M + (1/M²) Σ_{m≠j} E_x[ε_m ε_j]  (expanding the square)
 *
 * so with uncorrelated errors, E_x[ε_m ε_j] = 0, the slide's E_COM = E_AV / M.
 * The regression problem: h(x) = sin(2πx) on [0, 1], 20 noisy samples
 * t = h(x) + N(0, 0.3²) per training set, M = 10 small MLPs
 * (1 → 16 → 16 → 1, tanh, full-batch Adam, long enough to fit the noise), E_x
 * taken on 201 evenly spaced points against the noise-free h. Two committees:
 * - independent sets: member m trained on its own 20 samples — its error is
 *   mostly its own noise, so the errors are nearly uncorrelated;
 * - bagging: one set of 20 samples, member m trained on a bootstrap resample
 *   of it (20 draws with replacement) — the members share most of their data,
 *   so their errors correlate and E_COM stays well above E_AV / M.
 * Printed: E_AV, E_COM, E_AV / M, the mean correlation of the members'
 * errors, and the cross-term of the expansion (which makes the identity exact).
 *
 * Part 2 — dropout. A net trained with dropout is a committee of "decimated"
 * nets that share weights. At test time 001 offers the deterministic
 * approximation — scale the weights by the keep probability, i.e. the
 * "lecture" convention of nnref's Dropout — or, "expensive but more correct",
 * the Monte-Carlo average of the predictions of k sampled nets. The problem:
 * three overlapping Gaussian classes in 2-D, an MLP 2 → 128 → 128 → 3 with
 * ReLU and dropout (drop 0.5) after each hidden layer, trained with Adam on
 * 600 points; tested on 3,000. Printed for k = 1 … 100: the error rate and
 * mean negative log-likelihood of the k-net average, and how often its class
 * agrees with the weight-scaled net's.
 *
 *   node --import tsx docs/examples/committee.ts
 */
import { fileURLToPath } from "node:url";
import { Adam, Dropout, F, Linear, Random, ReLU, Sequential, Tensor, Variable, noGrad, runCommittees } from "../../src/index.js";

// ───────────────────────────── Part 1: committees ─────────────────────────────
// The committee experiment is a library function (src/train/committee.ts, with the `Ensemble` module of
// src/nn/ensemble.ts); `nnref lecture committees` runs it with its figure. Re-exported for the callers here.
export { committeeErrors, runCommittees, type CommitteeOptions, type CommitteeResult } from "../../src/index.js";

const NOISE = 0.3;

// ───────────────────────────── Part 2: dropout ─────────────────────────────

/** Settings of the dropout experiment. */
export interface DropoutAveragingOptions {
  /** Training points (default 600). */
  trainSize?: number;
  /** Test points (default 3000). */
  testSize?: number;
  /** Adam epochs over minibatches of 50 (default 60). */
  epochs?: number;
  /** The k values to report, ascending (default 1, 2, 5, 10, 20, 50, 100). */
  ks?: readonly number[];
  /** Seed (default 11). */
  seed?: number;
}

/** Test results of one way of predicting. */
export interface PredictionScore {
  /** Fraction of test points classified wrongly. */
  error: number;
  /** Mean −log p(true class). */
  nll: number;
}

/** The deterministic net and the k-net averages. */
export interface DropoutAveragingResult {
  /** Weight scaling (eval mode, the lecture convention). */
  scaled: PredictionScore;
  /** Per k: the Monte-Carlo average of k dropout nets' class probabilities, and the fraction of points where its class equals the scaled net's. */
  monteCarlo: Array<PredictionScore & { k: number; agreement: number }>;
}

const CLASSES = 3;

/** n points of three Gaussian classes (std 1) centred on a circle of radius 1.5; x [n, 2] float32, labels [n] int32. */
function blobs(n: number, rng: Random): { x: Tensor; y: Tensor } {
  const x = new Float32Array(2 * n);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % CLASSES;
    const angle = (2 * Math.PI * c) / CLASSES;
    x[2 * i] = 1.5 * Math.cos(angle) + rng.normal();
    x[2 * i + 1] = 1.5 * Math.sin(angle) + rng.normal();
    y[i] = c;
  }
  return { x: new Tensor(x, [n, 2]), y: new Tensor(y, [n]) };
}

/** Error rate and NLL of class probabilities [n, C] against labels. */
function score(probs: Float64Array, labels: Int32Array): PredictionScore {
  let wrong = 0, nll = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let c = 1; c < CLASSES; c++) if (probs[i * CLASSES + c] > probs[i * CLASSES + best]) best = c;
    if (best !== labels[i]) wrong++;
    nll -= Math.log(Math.max(probs[i * CLASSES + labels[i]], 1e-300));
  }
  return { error: wrong / labels.length, nll: nll / labels.length };
}

/** Trains the dropout net and compares weight scaling with Monte-Carlo averages over k nets. */
export function runDropoutAveraging(options: DropoutAveragingOptions = {}): DropoutAveragingResult {
  const { trainSize = 600, testSize = 3000, epochs = 60, ks = [1, 2, 5, 10, 20, 50, 100], seed = 11 } = options;
  const rng = new Random(seed);
  const train = blobs(trainSize, rng);
  const test = blobs(testSize, rng);
  const model = new Sequential(
    new Linear(2, 128, rng), new ReLU(), new Dropout(0.5, rng, { convention: "lecture" }),
    new Linear(128, 128, rng), new ReLU(), new Dropout(0.5, rng, { convention: "lecture" }),
    new Linear(128, CLASSES, rng),
  );
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  const batch = 50;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = rng.permutation(trainSize);
    for (let start = 0; start < trainSize; start += batch) {
      const idx = order.subarray(start, Math.min(start + batch, trainSize));
      const xb = new Float32Array(2 * idx.length);
      const yb = new Int32Array(idx.length);
      idx.forEach((i, r) => {
        xb[2 * r] = train.x.data[2 * i];
        xb[2 * r + 1] = train.x.data[2 * i + 1];
        yb[r] = train.y.data[i];
      });
      optimizer.zeroGrad();
      F.crossEntropy(model.forward(new Variable(new Tensor(xb, [idx.length, 2]))), new Tensor(yb, [idx.length])).backward();
      optimizer.step();
    }
  }

  const labels = test.y.data as Int32Array;
  const probabilities = (): Float64Array => noGrad(() => Float64Array.from(F.softmax(model.forward(new Variable(test.x)), 1).value.data));
  const argmax = (p: Float64Array, i: number) => {
    let best = 0;
    for (let c = 1; c < CLASSES; c++) if (p[i * CLASSES + c] > p[i * CLASSES + best]) best = c;
    return best;
  };

  model.eval();
  const scaledProbs = probabilities();
  const scaled = score(scaledProbs, labels);

  // Monte Carlo: the running mean of the class probabilities of k nets, each with fresh dropout masks.
  model.train();
  const sum = new Float64Array(testSize * CLASSES);
  const monteCarlo: DropoutAveragingResult["monteCarlo"] = [];
  for (let k = 1; k <= ks[ks.length - 1]; k++) {
    const p = probabilities();
    for (let i = 0; i < sum.length; i++) sum[i] += p[i];
    if (!ks.includes(k)) continue;
    const mean = sum.map((v) => v / k);
    let agree = 0;
    for (let i = 0; i < testSize; i++) if (argmax(mean, i) === argmax(scaledProbs, i)) agree++;
    monteCarlo.push({ k, ...score(mean, labels), agreement: agree / testSize });
  }
  model.eval();
  return { scaled, monteCarlo };
}

// ───────────────────────────── printing ─────────────────────────────

/** Runs both parts and prints them beside the lecture's claims. */
export function main(): { committees: ReturnType<typeof runCommittees>; dropout: DropoutAveragingResult } {
  const t0 = performance.now();
  const committees = runCommittees();
  console.log("001: committees — E_COM = E_AV / M when the members' errors are uncorrelated");
  console.log(`h(x) = sin 2πx on [0, 1], 20 samples with noise σ = ${NOISE} per training set, members 1→16→16→1 tanh (full-batch Adam)`);
  console.log("");
  console.log("committee (M = 10)             | E_AV    | E_COM   | E_AV / M | mean corr(ε_m, ε_j) | E_AV/M + cross-term");
  for (const [name, r] of [["independent training sets", committees.independent], ["bagging (bootstrap of one set)", committees.bagging]] as const) {
    console.log(
      [
        name.padEnd(30),
        r.eAV.toFixed(4).padEnd(7),
        r.eCOM.toFixed(4).padEnd(7),
        (r.eAV / r.M).toFixed(4).padEnd(8),
        r.meanCorrelation.toFixed(3).padEnd(19),
        (r.eAV / r.M + r.crossTerm).toFixed(4),
      ].join(" | "),
    );
  }
  console.log("E_COM ≤ E_AV always (the square of a mean is at most the mean of squares); it reaches E_AV / M only as the correlation → 0.");

  const dropout = runDropoutAveraging();
  console.log("");
  console.log("001: dropout — weight scaling (\"deterministic approximation\") vs the Monte-Carlo average of k dropout nets");
  console.log("3 Gaussian classes in 2-D, MLP 2→128→128→3 ReLU, dropout 0.5 after each hidden layer (lecture convention), 600 training / 3000 test points");
  console.log("");
  console.log(`weight scaling: error ${(100 * dropout.scaled.error).toFixed(2)}%, NLL ${dropout.scaled.nll.toFixed(4)}`);
  console.log("    k | MC error | MC NLL | same class as weight scaling");
  for (const r of dropout.monteCarlo) {
    console.log(`${String(r.k).padStart(5)} | ${`${(100 * r.error).toFixed(2)}%`.padStart(8)} | ${r.nll.toFixed(4)} | ${(100 * r.agreement).toFixed(1)}%`);
  }
  console.log("001: \"As k → ∞, this Monte-Carlo model average gets close to the true model average\"; weight scaling approximates that average.");
  console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { committees, dropout };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
