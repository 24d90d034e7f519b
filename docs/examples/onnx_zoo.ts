/**
 * The zoo at full size through ONNX: each model (random weights, batch-norm
 * statistics made non-trivial) is exported with `exportOnnx`, run in ONNX
 * Runtime (onnxruntime-node, a devDependency) and re-imported with
 * `loadOnnx`, on one 3×224×224 input (AlexNet 3×227×227). Printed per model:
 * file size, the time of each step, and the largest difference from nnref's
 * own forward pass relative to the largest logit. The spec suite checks the
 * same at reduced size (spec/onnx/export.spec.ts); this is the full-size
 * check, too slow for the suite.
 *
 *   node --import tsx docs/examples/onnx_zoo.ts [resnet18 vgg16 …]
 *
 * Times are wall clock on a shared 2-core machine: read them as rough.
 * What it printed when written (AMD EPYC VM, busy): see docs/onnx.md, "Measured".
 */
import * as ort from "onnxruntime-node";
import { buildModel, exportOnnx, loadOnnx, models, noGrad, Random, randn, Variable, getBackend, type Tensor } from "../../src/index.js";

function relativeError(a: ArrayLike<number>, b: Tensor): number {
  let diff = 0, scale = 0;
  for (let i = 0; i < b.size; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b.data[i]));
    scale = Math.max(scale, Math.abs(b.data[i]));
  }
  return diff / (scale || 1);
}

const names = process.argv.slice(2).length ? process.argv.slice(2) : ["alexnet", "vgg16", "googlenet", "resnet18", "resnet50"];
console.log(`backend ${getBackend()}`);
console.log("model       MB     nnref s  export s  ORT s   loadOnnx s  ORT rel.err  loadOnnx rel.err");
for (const name of names) {
  const rng = new Random(0);
  const model = buildModel(name, rng).eval();
  for (const [key, t] of model.stateDict()) {
    if (key.endsWith("running_mean")) t.data.set(randn(t.shape, rng, { std: 0.1 }).data);
    if (key.endsWith("running_var")) for (let i = 0; i < t.size; i++) t.data[i] = 0.5 + rng.uniform();
  }
  const shape = [1, ...models[name].inputSize];
  const x = randn(shape, rng);
  let t = performance.now();
  const expected = noGrad(() => model.forward(new Variable(x))).value;
  const tForward = (performance.now() - t) / 1000;
  t = performance.now();
  const bytes = exportOnnx(model, shape);
  const tExport = (performance.now() - t) / 1000;
  t = performance.now();
  const session = await ort.InferenceSession.create(bytes);
  const ortOut = (await session.run({ input: new ort.Tensor("float32", x.data as Float32Array, shape) })).output.data as Float32Array;
  const tOrt = (performance.now() - t) / 1000;
  t = performance.now();
  const back = loadOnnx(bytes, { file: `${name}.onnx` }).forward(x);
  const tLoad = (performance.now() - t) / 1000;
  console.log(
    `${name.padEnd(10)} ${(bytes.length / 1e6).toFixed(1).padStart(6)}  ${tForward.toFixed(2).padStart(7)}  ${tExport.toFixed(2).padStart(8)}  ${tOrt.toFixed(2).padStart(5)}  ${tLoad.toFixed(2).padStart(10)}  ${relativeError(ortOut, expected).toExponential(1).padStart(11)}  ${relativeError(back.data, expected).toExponential(1).padStart(16)}`,
  );
  await session.release();
}
