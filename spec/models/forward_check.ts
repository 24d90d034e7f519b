/**
 * The forward-pass check that forward.spec.ts and forward_deep.spec.ts run
 * for each model of the zoo (see there).
 */
import * as assert from "uvu/assert";
import { randn } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { Variable } from "../../src/autograd/variable.js";
import { noGrad } from "../../src/autograd/apply.js";
import { models, ShapeOnlyRandom, summarize, type ImageSize } from "../../src/models/index.js";
import { allFinite, fillWeights, recordLeafOutputs, withFastestBackend } from "./helpers.js";

/** Without the wasm kernels: 64×64 inputs (AlexNet 67×67) instead of the published ImageNet sizes. */
function reducedInput(name: string, published: ImageSize): ImageSize {
  if (published[1] <= 32) return published;
  return name === "alexnet" ? [3, 67, 67] : [3, 64, 64];
}

/**
 * Builds model `name` at its published input size (on the wasm backend),
 * fills its weights, runs one image forward in eval mode and checks: output
 * [1, classes], finite, not all zero; every leaf's actual output shape, in
 * execution order, equals the summary's row for it. Prints the timing.
 */
export function checkForward(name: string): void {
  withFastestBackend((backend) => {
    const entry = models[name];
    const inputSize = backend === "wasm" ? entry.inputSize : reducedInput(name, entry.inputSize);
    const tBuild = performance.now();
    const model = entry.build(new ShapeOnlyRandom(), { inputSize }).eval();
    fillWeights(model, 12345);
    const x = new Variable(randn([1, ...inputSize], new Random(7)));
    const t0 = performance.now();
    const { result: y, outputs } = recordLeafOutputs(model, () => noGrad(() => model.forward(x)));
    const ms = performance.now() - t0;
    const classes = name === "mlp" || name === "lenet5" ? 10 : 1000;
    assert.equal([...y.shape], [1, classes]);
    assert.ok(allFinite(y.value), `${name}: non-finite output`);
    assert.ok(y.value.data.some((v) => v !== 0), `${name}: all-zero output`);
    const predicted = summarize(model, [1, ...inputSize]).layers.filter((r) => !["add", "concat", "scale"].includes(r.layer));
    assert.equal(outputs.map(([n]) => n), predicted.map((r) => r.name), `${name}: leaf order`);
    assert.equal(outputs.map(([, s]) => s), predicted.map((r) => r.outputShape), `${name}: leaf shapes`);
    console.log(`  ${name}: forward [1, ${inputSize.join(", ")}] on ${backend} in ${ms.toFixed(0)} ms (build and fill ${(t0 - tBuild).toFixed(0)} ms)`);
  });
}
