/**
 * 001, "(S)GD with adaptable stepsize" and "(S)GD + momentum", on the
 * ill-conditioned least-squares problem of ./least_squares.ts (loss curves of
 * the excess L(w) − L*, which is known exactly).
 *
 * Part 1 — step-size schedules with noisy minibatch gradients (B = 10): a
 * constant ε, ε_t = c/t (t in epochs; the slide's "reduce size over time"),
 * a step schedule (÷10 every third of the run, PyTorch's StepLR) and
 * reduce-on-plateau (÷10 when the epoch's mean minibatch loss stops
 * improving; AlexNet's recipe), all from the same ε₀, weights and batch order.
 * A constant ε stalls at a noise floor that grows with ε; every schedule that
 * shrinks ε gets below it.
 *
 * Part 2 — the two forms of momentum, with exact (full-batch) gradients:
 *
 *   lecture (001):  V ← μV + (1 − μ)∇L,  W ← W − εV       (V₀ = 0)
 *   PyTorch:        B ← μB + ∇L,         W ← W − ε′B      (B₁ = ∇L)
 *
 * By induction V_t = (1 − μ)B_t, so the two are the same algorithm exactly
 * when ε′ = (1 − μ)ε — the "equal effective step". Moving a learning rate from
 * one form to the other without that factor makes PyTorch's steps 1/(1 − μ) =
 * 10× larger; here that diverges. Plain gradient descent at ε′ is drawn for
 * reference: momentum reaches a lower loss in the same iterations.
 */
import { Random } from "../../random.js";
import { Tensor } from "../../tensor.js";
import { Linear } from "../../nn/linear.js";
import { Variable } from "../../autograd/variable.js";
import * as F from "../../autograd/functional.js";
import { SGD, lectureMomentum } from "../../optim/sgd.js";
import { InverseTimeLR, ReduceLROnPlateau, StepLR } from "../../optim/schedules.js";
import { linePlotSvg } from "../../train/charts.js";
import { excessLoss, makeProblem, type Problem } from "./least_squares.js";
import type { Experiment, ExperimentOptions, ExperimentResult } from "./experiment.js";

/** The step-size schedules of part 1. */
export type ScheduleName = "constant" | "inverse-time" | "step" | "plateau";

/** The momentum runs of part 2. */
export type MomentumRun = "lecture" | "pytorch-equal" | "pytorch-same-lr" | "plain";

/** A curve: the excess loss L(w) − L* after each epoch (part 1) or iteration (part 2); Infinity once diverged. */
export type Curve = number[];

function linearModel(p: Problem, seed: number): Linear {
  const model = new Linear(p.d, 1, new Random(seed), { bias: false, dtype: "float64" });
  model.weight.value.data.fill(0);
  return model;
}

/** Copies the rows `rows` of the problem into one minibatch. */
function minibatch(p: Problem, rows: Int32Array): { x: Tensor; y: Tensor } {
  const xb = new Float64Array(rows.length * p.d), yb = new Float64Array(rows.length);
  rows.forEach((i, r) => {
    xb.set(p.X.data.subarray(i * p.d, (i + 1) * p.d), r * p.d);
    yb[r] = p.y.data[i];
  });
  return { x: new Tensor(xb, [rows.length, p.d]), y: new Tensor(yb, [rows.length, 1]) };
}

/**
 * Minibatch SGD (batch `batch`) from w = 0 with step ε₀ under `schedule`, for
 * `epochs` epochs; the excess loss after each epoch (index 0: before training).
 * The same `seed` gives every schedule the same batch order.
 */
export function scheduleCurve(p: Problem, schedule: ScheduleName, options: { lr: number; epochs: number; batch: number; seed: number }): Curve {
  const { lr, epochs, batch, seed } = options;
  const model = linearModel(p, seed);
  const optimizer = new SGD(model.parameters(), { lr });
  const inverse = schedule === "inverse-time" ? new InverseTimeLR(optimizer, lr) : null;
  const step = schedule === "step" ? new StepLR(optimizer, Math.max(1, Math.round(epochs / 3)), 0.1) : null;
  const plateau = schedule === "plateau" ? new ReduceLROnPlateau(optimizer, { patience: 1, factor: 0.1, threshold: 1e-3 }) : null;
  const rng = new Random(seed);
  const w = model.weight.value.data;
  const curve = [excessLoss(p, w)];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = rng.permutation(p.N);
    let sum = 0;
    for (let start = 0; start < p.N; start += batch) {
      const { x, y } = minibatch(p, order.subarray(start, Math.min(p.N, start + batch)));
      optimizer.zeroGrad();
      const loss = F.mseLoss(model.forward(new Variable(x)), y);
      sum += loss.value.data[0] * x.shape[0];
      loss.backward();
      optimizer.step();
    }
    inverse?.step();
    step?.step();
    plateau?.step(sum / p.N);
    const excess = excessLoss(p, w);
    curve.push(Number.isFinite(excess) ? excess : Infinity);
  }
  return curve;
}

/** Full-batch gradient descent with one of part 2's momentum runs; the excess loss after each iteration (index 0: at w = 0). */
export function momentumCurve(p: Problem, run: MomentumRun, options: { lr: number; mu: number; iterations: number; seed: number }): Curve {
  const { lr, mu, iterations, seed } = options;
  const model = linearModel(p, seed);
  const effective = (1 - mu) * lr;
  const optimizer =
    run === "lecture" ? new SGD(model.parameters(), { lr, ...lectureMomentum(mu) })
    : run === "pytorch-equal" ? new SGD(model.parameters(), { lr: effective, momentum: mu })
    : run === "pytorch-same-lr" ? new SGD(model.parameters(), { lr, momentum: mu })
    : new SGD(model.parameters(), { lr: effective });
  const w = model.weight.value.data;
  const x = new Variable(p.X);
  const curve = [excessLoss(p, w)];
  for (let it = 1; it <= iterations; it++) {
    optimizer.zeroGrad();
    F.mseLoss(model.forward(x), p.y).backward();
    optimizer.step();
    const excess = excessLoss(p, w);
    if (!Number.isFinite(excess) || excess > 1e12 * curve[0]) {
      curve.push(Infinity);
      break;
    }
    curve.push(excess);
  }
  return curve;
}

const SCHEDULE_LABELS: Record<ScheduleName, string> = { constant: "constant ε", "inverse-time": "ε_t = c/t", step: "step: ÷10 every third", plateau: "reduce on plateau (÷10)" };
const MOMENTUM_LABELS: Record<MomentumRun, string> = {
  lecture: "lecture: V ← μV + (1−μ)∇, ε",
  "pytorch-equal": "PyTorch: B ← μB + ∇, ε′ = (1−μ)ε",
  "pytorch-same-lr": "PyTorch with the lecture's ε (10× the step)",
  plain: "plain GD, ε′ = (1−μ)ε",
};

const points = (curve: Curve) => curve.map((v, i) => [i, v] as [number, number]).filter(([, v]) => Number.isFinite(v));

/** Runs both parts. Quick: 12 epochs and 150 iterations; full: 40 epochs and 600 iterations. */
export async function runStepSizes(options: ExperimentOptions): Promise<ExperimentResult> {
  const p = makeProblem(1000, 10, options.seed + 4);
  const epochs = options.quick ? 12 : 40, iterations = options.quick ? 150 : 600;
  const lr = 0.005, mu = 0.9, momentumLr = 0.05;
  const schedules = {} as Record<ScheduleName, Curve>;
  for (const name of ["constant", "inverse-time", "step", "plateau"] as const) schedules[name] = scheduleCurve(p, name, { lr, epochs, batch: 10, seed: options.seed });
  const momentum = {} as Record<MomentumRun, Curve>;
  for (const run of ["lecture", "pytorch-equal", "pytorch-same-lr", "plain"] as const) momentum[run] = momentumCurve(p, run, { lr: momentumLr, mu, iterations, seed: options.seed });

  const last = (c: Curve) => c[c.length - 1];
  const constantFloor = last(schedules.constant);
  // Compared while the excess is above float64's floor (1e-12 of the start): below it both curves are rounding noise.
  const formGap = Math.max(0, ...momentum.lecture.map((v, i) => (v > 1e-12 * momentum.lecture[0] ? Math.abs(v - momentum["pytorch-equal"][i]) / v : 0)));
  const diverged = !Number.isFinite(last(momentum["pytorch-same-lr"]));
  const schedulesSvg = linePlotSvg({
    title: `Step-size schedules, minibatch SGD (B = 10), ε₀ = ${lr} (001, "(S)GD with adaptable stepsize")`,
    x: { label: "epoch" },
    y: { label: "excess loss L(w) − L*", log: true },
    series: (Object.keys(schedules) as ScheduleName[]).map((n) => ({ label: SCHEDULE_LABELS[n], points: points(schedules[n]) })),
  });
  const momentumSvg = linePlotSvg({
    title: `Momentum, lecture form vs PyTorch's, μ = ${mu}, full-batch (001, "(S)GD + momentum")`,
    x: { label: "iteration" },
    y: { label: "excess loss L(w) − L*", log: true },
    markers: false,
    series: (Object.keys(momentum) as MomentumRun[]).map((r, i) => ({ label: MOMENTUM_LABELS[r], points: points(momentum[r]), dash: i === 1 ? "4 4" : undefined })),
  });
  const fmt = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(3)) : "diverged");
  return {
    rows: [
      ...(Object.keys(schedules) as ScheduleName[]).map((n) => ({ quantity: `excess loss after ${epochs} epochs, ${SCHEDULE_LABELS[n]}`, lecture: null, nnref: fmt(last(schedules[n])), note: n === "constant" ? "the noise floor of a constant ε" : "the slide gives no number; it says to reduce ε over time" })),
      { quantity: "largest relative gap, lecture form (ε) vs PyTorch form (ε′ = (1−μ)ε)", lecture: 0, nnref: Number(formGap.toPrecision(2)), note: "V_t = (1 − μ)B_t exactly; the gap is float64 rounding (compared while the excess is above 1e-12 of its start)" },
      { quantity: `PyTorch form with the lecture's ε = ${momentumLr} (effective step ${Number((momentumLr / (1 - mu)).toPrecision(6))})`, lecture: null, nnref: diverged ? "diverged" : fmt(last(momentum["pytorch-same-lr"])), note: "the trap of copying ε between the two forms" },
      { quantity: `excess loss after ${iterations} iterations: momentum vs plain GD at ε′ = ${Number(((1 - mu) * momentumLr).toPrecision(6))}`, lecture: null, nnref: `${fmt(last(momentum.lecture))} vs ${fmt(last(momentum.plain))}` },
    ],
    figures: [
      { file: "step-size-schedules.svg", kind: "svg", data: schedulesSvg, caption: `Excess loss per epoch of minibatch SGD on an ill-conditioned least-squares problem (curvature ratio ≈ 100), four step-size schedules from ε₀ = ${lr}, the same batch order.` },
      { file: "momentum-forms.svg", kind: "svg", data: momentumSvg, caption: `Full-batch gradient descent with momentum μ = ${mu}: the lecture's form at ε = ${momentumLr} and PyTorch's at ε′ = (1 − μ)ε coincide; PyTorch's at ε diverges.` },
    ],
    claims: [
      ...(["inverse-time", "step", "plateau"] as const).map((n) => ({ claim: `reducing the step size over time (${SCHEDULE_LABELS[n]}) gets below a constant ε's noise floor`, holds: last(schedules[n]) < constantFloor / 2 })),
      { claim: "the lecture's momentum at ε equals PyTorch's at ε′ = (1 − μ)ε (relative gap < 1e-9)", holds: formGap < 1e-9 },
      { claim: "PyTorch's form at the lecture's ε takes 10× larger steps and diverges here", holds: diverged },
      { claim: "momentum reaches a lower loss than plain gradient descent at the same effective step", holds: last(momentum.lecture) < last(momentum.plain) / 10 },
    ],
    data: { problem: { N: p.N, d: p.d, seed: options.seed + 4 }, lr, mu, momentumLr, epochs, iterations, schedules: mapInfinite(schedules), momentum: mapInfinite(momentum) },
  };
}

/** JSON has no Infinity: diverged points become null. */
function mapInfinite<K extends string>(curves: Record<K, Curve>): Record<K, Array<number | null>> {
  const out = {} as Record<K, Array<number | null>>;
  for (const k of Object.keys(curves) as K[]) out[k] = curves[k].map((v) => (Number.isFinite(v) ? v : null));
  return out;
}

/** 001's step sizes: schedules and the two momentum forms (loss curves). */
export const stepSizes: Experiment = {
  name: "step-sizes",
  deck: "001 Introduction to ML week 6: Optimization, Regularization",
  slides: ["(S)GD with adaptable stepsize", "(S)GD + momentum"],
  title: "Constant ε, c/t, step and plateau schedules; momentum in the lecture's form and PyTorch's at equal effective step",
  fullRunTime: "1.1 s CPU, 5.8 s wall (2-core AMD EPYC VM shared by eight jobs, load average ~18: an idle machine needs about the CPU time)",
  run: runStepSizes,
};
