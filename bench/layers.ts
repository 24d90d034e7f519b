/**
 * Layer by layer: every distinct convolution, max pool and linear layer of
 * ResNet-18 and VGG-16 at batch 1, 224×224, as the fused inference model
 * (`fuseModelForInference`) calls it — nnref's FusedConv2d (batch norm
 * folded, bias, ReLU and the residual add in the kernel's epilogue),
 * MaxPool2d and Linear modules, weights resident, each call in a tidy scope —
 * beside TensorFlow.js (WASM backend, XNNPACK, one thread in Node) running
 * the same shape in NHWC: tf.fused.conv2d with bias and the same activation
 * (TF.js has no residual in its fused conv: that add is extra work nnref
 * does and TF.js does not, here), tf.maxPool, tf.fused.matMul.
 * Prints per layer: ms per call, GFLOP/s, × TF.js (> 1: nnref faster), how
 * often the network calls it, and its share of the network's summed layer
 * time (count × ms) on each side — the profile of where a forward's time
 * goes. Medians over several fresh processes.
 *
 *   cd bench && npm ci && npm run layers                    # 3 processes, both models
 *   npm run layers -- --processes 1 --only resnet18         # quick look
 *   npm run layers -- --threads 2                           # nnref's kernels on 2 threads
 */
import os from "node:os";
import { INFERENCE_NETWORKS, benchOptions, childOrMedians, gflops, medianMs, printTable, startWasmKernels, tfjsWasm, type Row } from "./harness.js";
import { toResident } from "../src/backend/resident.js";
import { noGrad } from "../src/autograd/apply.js";
import { keep, tidy } from "../src/tensor_lifetime.js";
import { makeParametersResident } from "../src/nn/resident_parameters.js";
import { Variable } from "../src/autograd/variable.js";
import { randn, type Shape, type Tensor } from "../src/tensor.js";
import { Random } from "../src/random.js";
import { FusedConv2d, Linear, MaxPool2d, type Module } from "../src/nn/index.js";
import { fuseModelForInference } from "../src/models/index.js";

const options = benchOptions();
const { threads, wanted } = options;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type TF = any;

/** One distinct layer call of a network: the module, its input shape, whether a residual is added, how often the network makes it. */
interface LayerCall {
  key: string;
  module: Module;
  input: Shape;
  residual: boolean;
  count: number;
}

/**
 * The layer calls one forward of `model` makes (FusedConv2d, MaxPool2d,
 * Linear), recorded by wrapping those modules' forward methods for one
 * forward of a zero image, distinct calls counted.
 */
function recordCalls(model: Module): LayerCall[] {
  const calls = new Map<string, LayerCall>();
  const record = (module: Module, input: Shape, residual: boolean) => {
    const key = `${module.describe()} ${input.join("×")}${residual ? " +res" : ""}`;
    const seen = calls.get(key);
    if (seen) seen.count++;
    else calls.set(key, { key, module, input: [...input], residual, count: 1 });
  };
  const wrapped: Array<[Module, string]> = [];
  for (const [, m] of model.namedModules()) {
    if (m instanceof FusedConv2d) {
      const forward = m.forward.bind(m), withResidual = m.forwardWithResidual.bind(m);
      m.forward = (x) => { record(m, x.shape, false); return forward(x); };
      m.forwardWithResidual = (x, r) => { record(m, x.shape, true); return withResidual(x, r); };
      wrapped.push([m, "forward"], [m, "forwardWithResidual"]);
    } else if (m instanceof MaxPool2d || m instanceof Linear) {
      const forward = m.forward.bind(m);
      m.forward = (x) => { record(m, x.shape, false); return forward(x); };
      wrapped.push([m, "forward"]);
    }
  }
  noGrad(() => model.forward(new Variable(randn([1, 3, 224, 224], new Random(2)))));
  for (const [m, method] of wrapped) delete (m as unknown as Record<string, unknown>)[method];
  return [...calls.values()];
}

/** A short label: "conv 64→128 3×3/2 56² +res relu", "maxpool 3×3/2 112²", "linear 25088→4096 relu". */
function labelOf(call: LayerCall): string {
  const m = call.module;
  if (m instanceof FusedConv2d) {
    const [cout, cinG, kh, kw] = m.weight.value.shape;
    return `conv ${cinG * m.source.groups}→${cout} ${kh}×${kw}/${m.source.stride[0]} ${call.input[2]}²${call.residual ? " +res" : ""}${m.activation === "relu" ? " relu" : ""}`;
  }
  if (m instanceof MaxPool2d) return `maxpool ${m.kernelSize[0]}×${m.kernelSize[1]}/${m.stride[0]} ${call.input[2]}²`;
  const lin = m as Linear;
  return `linear ${lin.weight.value.shape[1]}→${lin.weight.value.shape[0]}`;
}

/** NCHW → NHWC data of a TF.js tensor of `shape` (random values; only the time matters). */
function tfInput(tf: TF, shape: Shape): TF {
  if (shape.length === 2) return tf.randomNormal(shape, 0, 1, "float32", 3);
  const [n, c, h, w] = shape;
  return tf.randomNormal([n, h, w, c], 0, 1, "float32", 3);
}

/** The TF.js call of the same shape as `call`, with the same weights (layouts converted once). */
function tfLayer(tf: TF, call: LayerCall): { run: () => void; dispose: () => void } {
  const m = call.module;
  const x = tfInput(tf, call.input);
  const held: TF[] = [x];
  const keepTf = <T>(t: T): T => { held.push(t); return t; };
  let run: () => void;
  if (m instanceof FusedConv2d) {
    const w = m.weight.value;
    const filter = keepTf(tf.transpose(tf.tensor4d(w.data as Float32Array, w.shape as [number, number, number, number]), [2, 3, 1, 0])); // OIHW → HWIO
    const bias = keepTf(tf.tensor1d(m.bias.value.data as Float32Array));
    const p = m.source.padding;
    const pad = p === "same" ? "same" : p[0];
    const activation = m.activation === "relu" ? "relu" : "linear";
    run = () => tf.fused.conv2d({ x, filter, strides: m.source.stride, pad, bias, activation }).dispose();
  } else if (m instanceof MaxPool2d) {
    run = () => tf.maxPool(x, m.kernelSize, m.stride, m.padding[0]).dispose();
  } else {
    const lin = m as Linear;
    const w = keepTf(tf.transpose(tf.tensor2d(lin.weight.value.data as Float32Array, lin.weight.value.shape as [number, number])));
    const b = lin.bias ? keepTf(tf.tensor1d(lin.bias.value.data as Float32Array)) : undefined;
    run = () => tf.fused.matMul({ a: x, b: w, bias: b }).dispose();
  }
  return { run, dispose: () => held.forEach((t) => t.dispose()) };
}

/** Medians of one layer call on both sides: nnref's module (resident input and weights, tidy scope) and TF.js. */
function measureLayer(tf: TF, call: LayerCall, rng: Random, model: string): Row {
  const x = new Variable(keep(toResident(randn(call.input, rng))));
  const outShape = call.module.outputShape(call.input);
  const r = call.residual ? new Variable(keep(toResident(randn(outShape, rng)))) : null;
  const m = call.module;
  const ours = medianMs(call.key, () => {
    tidy(() => { noGrad(() => (r ? (m as FusedConv2d).forwardWithResidual(x, r) : m.forward(x))); });
  });
  (x.value as Tensor).dispose();
  r?.value.dispose();
  const theirs = tfLayer(tf, call);
  const tfMs = medianMs(`tf ${call.key}`, theirs.run);
  theirs.dispose();
  const flops = 2 * m.macs(call.input);
  return {
    label: `${model} ${labelOf(call)}`,
    values: { count: call.count, "nnref ms": ours, "TF.js ms": tfMs, "nnref GFLOP/s": gflops(flops, ours), "TF.js GFLOP/s": gflops(flops, tfMs), "× TF.js": tfMs / ours },
  };
}

async function measure(): Promise<Row[]> {
  await startWasmKernels(threads);
  const tf = await tfjsWasm();
  const rows: Row[] = [];
  for (const [name, build] of INFERENCE_NETWORKS) {
    if (!wanted(name)) continue;
    const rng = new Random(1);
    const fused = fuseModelForInference(build(rng).eval());
    makeParametersResident(fused);
    for (const call of recordCalls(fused)) rows.push(measureLayer(tf, call, rng, name));
  }
  return rows;
}

/** Adds each row's share of its network's summed layer time (count × ms), nnref's and TF.js's. */
function withShares(rows: Row[]): Row[] {
  const total = (model: string, column: string) =>
    rows.filter((r) => r.label.startsWith(model + " ")).reduce((s, r) => s + r.values.count * r.values[column], 0);
  return rows.map((r) => {
    const model = r.label.split(" ")[0];
    const share = (column: string) => (100 * r.values.count * r.values[column]) / total(model, column);
    return { ...r, values: { ...r.values, "nnref %": share("nnref ms"), "TF.js %": share("TF.js ms") } };
  });
}

/** Per network: the summed layer time (count × ms) on both sides and its ratio. */
function totals(rows: Row[]): Row[] {
  const models = [...new Set(rows.map((r) => r.label.split(" ")[0]))];
  return models.map((model) => {
    const mine = rows.filter((r) => r.label.startsWith(model + " "));
    const sum = (column: string) => mine.reduce((s, r) => s + r.values.count * r.values[column], 0);
    return { label: `${model} Σ count × ms`, values: { "nnref ms": sum("nnref ms"), "TF.js ms": sum("TF.js ms"), "× TF.js": sum("TF.js ms") / sum("nnref ms") } };
  });
}

const rows = await childOrMedians(options, import.meta.url, measure, ["--threads", String(threads)], (processes) =>
  `nnref layers (${threads} thread${threads > 1 ? "s" : ""}) vs TF.js WASM (one thread), batch 1, 224×224, median over ${processes} process(es); ` +
  `Node ${process.version}, ${os.cpus()[0]?.model ?? "unknown CPU"}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
if (rows) {
  const columns = ["count", "nnref ms", "TF.js ms", "nnref GFLOP/s", "TF.js GFLOP/s", "× TF.js", "nnref %", "TF.js %"];
  printTable("layers of the fused inference models (× TF.js > 1: nnref faster; % = count × ms / the network's sum)", columns, withShares(rows));
  printTable("sum over the layers (without batch norm-free glue: adds, global pool, flatten)", ["nnref ms", "TF.js ms", "× TF.js"], totals(rows));
  console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
}
