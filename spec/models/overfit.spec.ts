/**
 * Overfitting one fixed batch, per architecture family: the smallest honest
 * test that backward is wired through every block (a layer whose gradient
 * never arrives, or arrives wrong, stops the loss from falling). Each test
 * also checks that after the first backward every parameter tensor has a
 * gradient with a non-zero entry.
 *
 * Reduced so the file stays fast (the full networks' structure, fewer
 * channels and pixels): LeNet-5 as published (1×28×28); AlexNet at width ¼,
 * 3×67×67, FC 256; VGG-16 at width ⅛, 3×32×32, avgpool to 1×1, FC 256;
 * ResNet-18 at width ¼, 3×32×32; SE-ResNet-50 at width ⅛ (original stride
 * placement), 3×32×32; GoogLeNet at width ⅛, 3×32×32. 10 classes, batch 8,
 * Adam (lr 1e-3), 20 steps, on the wasm backend when it loads. The full-size
 * ResNet-18 step (batch 8, 3×64×64) is docs/examples/resnet18_overfit.ts.
 *
 * The batch: Gaussian noise plus an offset per image and channel (so the
 * eight images differ in more than noise statistics that pooling averages
 * away), labels 0…7.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Tensor, randn } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { Variable } from "../../src/autograd/variable.js";
import { noGrad } from "../../src/autograd/apply.js";
import * as F from "../../src/autograd/functional.js";
import { Adam } from "../../src/optim/adam.js";
import { buildModel, type ImageSize } from "../../src/models/index.js";
import type { VggOptions } from "../../src/models/vgg.js";
import { withFastestBackend } from "./helpers.js";

const BATCH = 8;
const STEPS = 20;

function fixedBatch(inputSize: ImageSize, rng: Random): { x: Variable; target: Tensor } {
  const [c, h, w] = inputSize;
  const x = randn([BATCH, c, h, w], rng);
  const plane = h * w;
  for (let i = 0; i < BATCH * c; i++) {
    const offset = 2 * rng.normal();
    for (let k = 0; k < plane; k++) x.data[i * plane + k] += offset;
  }
  return { x: new Variable(x), target: new Tensor(Int32Array.from({ length: BATCH }, (_, i) => i % 10), [BATCH]) };
}

interface Run {
  /** Training-mode loss at each step (before that step's update). */
  losses: number[];
  /** Eval-mode loss before the first and after the last step. */
  evalBefore: number;
  evalAfter: number;
}

function overfit(name: string, options: VggOptions & { inputSize: ImageSize }, lr = 1e-3): Run {
  return withFastestBackend((backend) => {
    const rng = new Random(2024);
    const model = buildModel(name, rng, { numClasses: 10, ...options });
    const { x, target } = fixedBatch(options.inputSize, rng);
    const evalLoss = () => noGrad(() => F.crossEntropy(model.eval().forward(x), target).value.data[0]);
    const evalBefore = evalLoss();
    model.train();
    const optimizer = new Adam(model.parameters(), { lr });
    const losses: number[] = [];
    const t0 = performance.now();
    for (let step = 0; step < STEPS; step++) {
      model.zeroGrad();
      const loss = F.crossEntropy(model.forward(x), target);
      loss.backward();
      if (step === 0) {
        for (const [pname, p] of model.namedParameters()) {
          assert.ok(p.grad !== null, `${name}: ${pname} got no gradient`);
          assert.ok(p.grad!.data.some((g) => g !== 0), `${name}: ${pname}'s gradient is all zero`);
        }
      }
      optimizer.step();
      losses.push(loss.value.data[0]);
    }
    const evalAfter = evalLoss();
    const ms = (performance.now() - t0) / STEPS;
    console.log(`  ${name}: ${model.parameterCount()} params, ${ms.toFixed(0)} ms/step on ${backend}; train loss ${losses[0].toFixed(3)} → ${losses[STEPS - 1].toFixed(3)}, eval ${evalBefore.toFixed(3)} → ${evalAfter.toFixed(3)}`);
    for (const l of losses) assert.ok(Number.isFinite(l), `${name}: loss became ${l}`);
    return { losses, evalBefore, evalAfter };
  });
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

test("LeNet-5 overfits one batch", () => {
  const run = overfit("lenet5", { inputSize: [1, 28, 28] });
  assert.ok(run.losses[STEPS - 1] < 0.6 * run.losses[0], `loss ${run.losses[0]} → ${run.losses[STEPS - 1]}`);
  assert.ok(run.evalAfter < 0.6 * run.evalBefore);
});

// AlexNet and VGG have dropout and no batch norm: their training losses are
// noisy (a fresh mask each step), so the comparison is in eval mode (no
// dropout), before and after the 20 steps.
test("AlexNet (small input) overfits one batch", () => {
  const run = overfit("alexnet", { inputSize: [3, 67, 67], width: 0.25, hidden: 256 }, 3e-3);
  assert.ok(run.evalAfter < 0.85 * run.evalBefore, `eval loss ${run.evalBefore} → ${run.evalAfter}`);
  assert.ok(mean(run.losses.slice(-5)) < mean(run.losses.slice(0, 5)));
});

test("VGG-16 (small) overfits one batch", () => {
  const run = overfit("vgg16", { inputSize: [3, 32, 32], width: 0.125, hidden: 256, poolSize: 1 });
  assert.ok(run.evalAfter < 0.85 * run.evalBefore, `eval loss ${run.evalBefore} → ${run.evalAfter}`);
  assert.ok(mean(run.losses.slice(-5)) < mean(run.losses.slice(0, 5)));
});

// With batch norm, eval mode uses running statistics that 20 steps have not
// settled; the training-mode loss (batch statistics) is the one that falls.
test("ResNet-18 (small) overfits one batch", () => {
  const run = overfit("resnet18", { inputSize: [3, 32, 32], width: 0.25 });
  assert.ok(run.losses[STEPS - 1] < 0.2 * run.losses[0], `loss ${run.losses[0]} → ${run.losses[STEPS - 1]}`);
});

test("SE-ResNet-50 (small, original variant) overfits one batch", () => {
  const run = overfit("se-resnet50", { inputSize: [3, 32, 32], width: 0.125, variant: "original" });
  assert.ok(run.losses[STEPS - 1] < 0.2 * run.losses[0], `loss ${run.losses[0]} → ${run.losses[STEPS - 1]}`);
});

test("GoogLeNet (small) overfits one batch", () => {
  const run = overfit("googlenet", { inputSize: [3, 32, 32], width: 0.125 });
  assert.ok(mean(run.losses.slice(-3)) < 0.5 * mean(run.losses.slice(0, 3)), `loss ${run.losses.map((l) => l.toFixed(2)).join(" ")}`);
});

test.run();
