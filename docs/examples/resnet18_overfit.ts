/**
 * A training step of ResNet-18 (full width, 11.2 M parameters with 10
 * classes) at batch 8 on 3×64×64 inputs, repeated 20 times on one fixed
 * batch: the loss must fall — overfitting one batch is the smallest honest
 * test that backward is wired through every block. Too slow for the spec
 * suite (about a second per step here), so it is this example; the suite
 * runs the same test on narrower networks (spec/models/overfit.spec.ts).
 *
 *   node --import tsx docs/examples/resnet18_overfit.ts
 *
 * Prints the loss and the time of every step, and the backend (wasm when
 * the kernels load). Exit status 1 if the loss did not fall below half its
 * first value.
 */
import { Adam, F, Random, Tensor, Variable, getBackend, randn, resnet18 } from "../../src/index.js";

const BATCH = 8, STEPS = 20;
const rng = new Random(2024);
const model = resnet18(rng, { numClasses: 10, inputSize: [3, 64, 64] }).train();

// Gaussian noise plus an offset per image and channel; labels 0…7.
const x = randn([BATCH, 3, 64, 64], rng);
for (let i = 0; i < BATCH * 3; i++) {
  const offset = 2 * rng.normal();
  for (let k = 0; k < 64 * 64; k++) x.data[i * 64 * 64 + k] += offset;
}
const input = new Variable(x);
const target = new Tensor(Int32Array.from({ length: BATCH }, (_, i) => i % 10), [BATCH]);

const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
console.log(`ResNet-18, ${model.parameterCount().toLocaleString("en")} parameters, batch ${BATCH} × 3×64×64, backend ${getBackend()}`);
const losses: number[] = [];
const times: number[] = [];
for (let step = 1; step <= STEPS; step++) {
  const t0 = performance.now();
  model.zeroGrad();
  const loss = F.crossEntropy(model.forward(input), target);
  loss.backward();
  optimizer.step();
  times.push(performance.now() - t0);
  losses.push(loss.value.data[0]);
  console.log(`step ${String(step).padStart(2)}  loss ${losses[step - 1].toFixed(4)}  ${times[step - 1].toFixed(0)} ms`);
}
const sorted = [...times].sort((a, b) => a - b);
console.log(`loss ${losses[0].toFixed(4)} → ${losses[STEPS - 1].toFixed(4)}; median step ${sorted[STEPS >> 1].toFixed(0)} ms (forward + backward + Adam)`);
process.exitCode = losses[STEPS - 1] < 0.5 * losses[0] ? 0 : 1;
