/**
 * The playground's training worker: owns the data, the network and the
 * trainer, so the page never blocks. Everything it computes is a call into
 * nnref — `recipeTrainer` and `Trainer.step` (what `nnref train` runs),
 * `layerOutputs`, `evaluateClassifier`, `encodeClassifier` / `decodeClassifier`,
 * `loadOnnx` / `OnnxModule` (an .onnx classifier is evaluated, not trained);
 * this file only schedules the steps and packs the results into messages
 * (./protocol.ts).
 *
 * Training runs in slices of ~SLICE_MS, each followed by a zero-delay timer,
 * so a "pause" or "predict" message is handled between slices.
 *
 * Kernel threads: where the page is cross-origin isolated the worker asks
 * for two (`setThreads(2)`, which starts one more Web Worker over the
 * kernels' shared memory) once the first training step is done, or
 * THREADS_AFTER_MS after the data is in if no step comes first: starting a
 * worker takes CPU the first step should have (on a busy 2-core machine it
 * delayed the first step by hundreds of ms). The steps run on one thread
 * until the second is ready, with the same bits either way. Why two and no more: the issue's target is two
 * threads, the playground's networks are small (a batch of 64, LeNet-5's 6
 * and 16 filters) so more parts would each get too little work, and a
 * device reporting one core (navigator.hardwareConcurrency) gets one.
 */
import { bundleStartMs, dataFiles } from "./data_handoff.js";
import {
  FASHION_MNIST_CLASSES,
  OnnxModule,
  Random,
  SGD,
  Trainer,
  computeStandardization,
  countCorrect,
  decodeClassifier,
  encodeClassifier,
  epochBatches,
  evaluateClassifier,
  getBackend,
  getThreads,
  lectureMomentum,
  layerOutputs,
  loadOnnx,
  makeBatch,
  makeDataset,
  recipeTrainer,
  setThreads,
  softmax,
  trainTestFromIdx,
  threadsUnavailableReason,
  type Batch,
  type ClassifierArchitecture,
  type Module,
  type Sequential,
  type Standardization,
  type Tensor,
  type TrainTestData,
} from "../../src/index.js";
import type { PlainTensor, Reply, Request, Settings, StepPoint } from "./protocol.js";

const scriptStartMs = performance.now();
const SLICE_MS = 60;
const FILTER_EVERY_MS = 400;
const THREADS_AFTER_MS = 1000;

interface WorkerScope {
  postMessage(message: Reply, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<Request>) => void) | null;
  crossOriginIsolated?: boolean;
  navigator: { hardwareConcurrency?: number };
}
const scope = self as unknown as WorkerScope;

let data: TrainTestData | null = null;
let settings: Settings | null = null;
let trainer: Trainer | null = null;
let batches: Iterator<Batch> | null = null;
let stepInEpoch = 0;
let epochRunning = { loss: 0, correct: 0, count: 0 };
let totalSteps = 0;
let training = false;
let stepsLeft = -1;
let stepSeconds = 0;
let stepImages = 0;
let lastFilters = 0;
/** Numbers the chains of training slices: a slice of an older chain (scheduled before a pause) stops. */
let chain = 0;
/** The page's number for the current network (see protocol.ts). */
let run = 0;
/** A loaded .onnx classifier: the current network when not null (evaluated only; `trainer` is then null). */
let onnxNetwork: { model: OnnxModule; standardization: Standardization } | null = null;
/** Whether the two threads were asked for (after the first step, by a timer, or by the page's choice). */
let threadsAsked = false;
/** A configure request that came before the data: carried out as soon as the data is in. */
let pendingConfigure: { settings: Settings; run: number } | null = null;

function post(message: Reply, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

function plain(t: Tensor): PlainTensor {
  return { shape: [...t.shape], data: Float32Array.from(t.data) };
}

function need<T>(value: T | null, what: string): T {
  if (value === null) throw new Error(`the playground has no ${what} yet`);
  return value;
}

function architectureOf(s: Settings): ClassifierArchitecture {
  return { model: s.model, batchNorm: s.batchNorm, dropout: s.dropout };
}

function describeArchitecture(s: Settings): string {
  const extras = [s.batchNorm ? "batch norm" : "", s.dropout > 0 ? `dropout ${s.dropout}` : ""].filter(Boolean);
  return `${s.model === "mlp" ? "MLP 784-128-10" : "LeNet-5"}${extras.length ? ` with ${extras.join(" and ")}` : ""}`;
}

function resetProgress(): void {
  training = false;
  batches = null;
  stepInEpoch = 0;
  epochRunning = { loss: 0, correct: 0, count: 0 };
  totalSteps = 0;
  stepSeconds = 0;
  stepImages = 0;
}

function announce(t: Trainer, s: Settings): void {
  const model = t.model as Sequential;
  const layers = Array.from({ length: model.length }, (_, i) => `${i}: ${model.at(i).describe()}`);
  post({ type: "configured", run, parameters: model.parameterCount(), layers, architecture: describeArchitecture(s), standardization: t.standardization, trainable: true });
  postFilters();
}

function configure(s: Settings, runNumber: number): void {
  const d = need(data, "data");
  resetProgress();
  run = runNumber;
  settings = s;
  onnxNetwork = null;
  trainer = recipeTrainer(d, { model: s.model, batchSize: s.batchSize, lr: s.lr, momentum: s.momentum, momentumForm: s.momentumForm, batchNorm: s.batchNorm, dropout: s.dropout, seed: s.seed });
  announce(trainer, s);
}

function nextBatch(t: Trainer): Batch {
  if (batches === null) {
    batches = epochBatches(t.data.train, { batchSize: t.batchSize, standardization: t.standardization, rng: t.rng });
    stepInEpoch = 0;
    epochRunning = { loss: 0, correct: 0, count: 0 };
  }
  const next = batches.next();
  if (next.done) throw new Error("the epoch ran out of batches early");
  return next.value;
}

function finishEpoch(t: Trainer): void {
  batches = null;
  t.epoch += 1;
  const test = t.evaluate(t.data.test);
  post({
    type: "epoch",
    run,
    epoch: t.epoch,
    step: totalSteps,
    trainLoss: epochRunning.loss / epochRunning.count,
    trainAccuracy: epochRunning.correct / epochRunning.count,
    testLoss: test.loss,
    testAccuracy: test.accuracy,
  });
}

/** One training step (batch, forward, loss, backward, update) as `Trainer.runEpoch` does it; returns the plotted point. */
function trainStep(t: Trainer): StepPoint {
  const started = performance.now();
  const batch = nextBatch(t);
  const { loss, logits } = t.step(batch);
  const images = batch.indices.length;
  const correct = countCorrect(logits.value, batch.target);
  stepSeconds += (performance.now() - started) / 1000;
  stepImages += images;
  if (!Number.isFinite(loss)) throw new Error(`training diverged: loss ${loss} at step ${totalSteps + 1} (try a smaller learning rate, then Reset)`);
  totalSteps += 1;
  stepInEpoch += 1;
  epochRunning.loss += loss * images;
  epochRunning.correct += correct;
  epochRunning.count += images;
  const point = { step: totalSteps, epoch: t.epoch + 1, loss, accuracy: correct / images };
  if (stepInEpoch === t.batchesPerEpoch) finishEpoch(t);
  return point;
}

function trainSlice(myChain: number): void {
  if (!training || trainer === null || myChain !== chain) return;
  const t = trainer;
  const start = performance.now();
  const points: StepPoint[] = [];
  try {
    while (stepsLeft !== 0 && performance.now() - start < SLICE_MS) {
      points.push(trainStep(t));
      if (stepsLeft > 0) stepsLeft -= 1;
      if (totalSteps === 1) break; // the first step is shown at once
    }
  } catch (err) {
    training = false;
    post({ type: "progress", run, points, totalSteps, epoch: t.epoch, imagesPerSecond: stepImages / stepSeconds, training });
    throw err;
  }
  if (stepsLeft === 0) training = false;
  post({ type: "progress", run, points, totalSteps, epoch: t.epoch, imagesPerSecond: stepImages / stepSeconds, training });
  askForThreads();
  if (!training || performance.now() - lastFilters > FILTER_EVERY_MS) postFilters();
  if (training) setTimeout(guarded(trainSlice), 0, myChain);
}

/** The first layer's weights: LeNet-5's conv filters [6, 1, 5, 5] or the MLP's rows [128, 784]. */
function postFilters(): void {
  if (trainer === null) return;
  lastFilters = performance.now();
  const first = trainer.model.namedParameters().find(([name, p]) => name.endsWith("weight") && p.value.rank >= 2);
  if (first) {
    const filters = plain(first[1].value);
    post({ type: "filters", run, filters }, [filters.data.buffer]);
  }
}

/** The network the views show: the trainer's, or a loaded ONNX classifier's. */
function currentNetwork(): { model: Module; standardization: Standardization } {
  if (onnxNetwork !== null) return onnxNetwork;
  const t = need(trainer, "network");
  return { model: t.model, standardization: t.standardization };
}

/** Class probabilities of one 28×28 image under the current network. */
function classify(pixels: Uint8Array): Float32Array {
  const { model, standardization } = currentNetwork();
  const one = makeDataset(pixels, Uint8Array.of(0), { height: 28, width: 28, classes: 10 });
  return evaluateClassifier(model, one, { standardization, outputs: true }).probabilities;
}

function inspect(index: number): void {
  const d = need(data, "data").test;
  if (!Number.isInteger(index) || index < 0 || index >= d.count) throw new RangeError(`test image ${index}: expected 0 … ${d.count - 1}`);
  if (onnxNetwork !== null) {
    // An ONNX graph's intermediate values are not layers of a Sequential: only its answer is shown.
    post({ type: "inspection", index, layers: [], probabilities: classify(d.images.slice(index * 784, (index + 1) * 784)) });
    return;
  }
  const t = need(trainer, "network");
  const model = t.model as Sequential;
  const wasTraining = model.training;
  model.eval();
  try {
    const outputs = layerOutputs(model, makeBatch(d, Int32Array.of(index), t.standardization).input);
    const probabilities = Float32Array.from(softmax(outputs[outputs.length - 1].output, 1).data);
    const layers = outputs.map((o) => ({ name: o.name, layer: o.layer, output: plain(o.output) }));
    post({ type: "inspection", index, layers, probabilities }, layers.map((l) => l.output.data.buffer));
  } finally {
    model.train(wasTraining);
  }
}

function evaluate(): void {
  const { model, standardization } = currentNetwork();
  const r = evaluateClassifier(model, need(data, "data").test, { standardization, outputs: true });
  post({ type: "evaluation", confusion: r.confusion, predictions: r.predictions, accuracy: r.accuracy }, [r.confusion.buffer, r.predictions.buffer]);
}

function predict(pixels: Uint8Array): void {
  if (pixels.length !== 28 * 28) throw new RangeError(`predict: expected 784 pixels (28×28), got ${pixels.length}`);
  const probabilities = classify(pixels);
  post({ type: "prediction", probabilities }, [probabilities.buffer]);
}

/** Training and saving need an nnref network: an ONNX graph's weights are constants. */
function needTrainer(action: string): Trainer {
  if (onnxNetwork !== null) throw new Error(`the loaded ONNX model is evaluated, not ${action} (its weights are constants of the graph): Reset builds a network to train`);
  return need(trainer, "network");
}

function save(): void {
  const t = needTrainer("saved");
  const s = need(settings, "settings");
  const bytes = encodeClassifier(t.model as Sequential, architectureOf(s), t.standardization, {
    source: "nnref playground",
    settings: JSON.stringify(s),
    steps: String(totalSteps),
  });
  post({ type: "saved", bytes, name: `nnref-${s.model}${s.batchNorm ? "-bn" : ""}-step${totalSteps}.safetensors` }, [bytes.buffer]);
}

/** A model file replaces the network; training can go on from its weights with the current optimizer settings. */
function load(bytes: Uint8Array, name: string, runNumber: number): void {
  if (name.toLowerCase().endsWith(".onnx")) return loadOnnxClassifier(bytes, name, runNumber);
  const d = need(data, "data");
  const base = need(settings, "settings");
  const decoded = decodeClassifier(bytes, name);
  const a = decoded.architecture;
  const s: Settings = { ...base, model: a.model, batchNorm: a.batchNorm, dropout: a.dropout };
  resetProgress();
  run = runNumber;
  onnxNetwork = null;
  const rule = s.momentumForm === "lecture" ? lectureMomentum(s.momentum) : { momentum: s.momentum };
  const optimizer = new SGD(decoded.model.parameters(), { lr: s.lr, ...rule });
  const standardization = decoded.standardization ?? computeStandardization(d.train);
  decoded.model.train();
  trainer = new Trainer(decoded.model, optimizer, d, { batchSize: s.batchSize, rng: new Random(s.seed).fork(), standardization });
  settings = s;
  post({ type: "loaded", run, name, settings: s, architecture: describeArchitecture(s), standardizationFromFile: decoded.standardization !== null, onnx: false });
  announce(trainer, s);
}

/**
 * An .onnx classifier of [N, 1, 28, 28] images replaces the network for the
 * views (test-set evaluation, the drawn image's and a test image's
 * prediction); its inputs are standardized with the training set's
 * statistics (an ONNX file records none), as for a model file without them.
 */
function loadOnnxClassifier(bytes: Uint8Array, name: string, runNumber: number): void {
  const d = need(data, "data");
  const base = need(settings, "settings");
  const model = new OnnxModule(loadOnnx(bytes, { file: name }));
  const input = model.onnx.inputs[0];
  const [, c, h, w] = input.shape ?? [];
  if (input.shape?.length !== 4 || c !== 1 || h !== 28 || w !== 28 || input.elemType !== "FLOAT") {
    throw new Error(`${name}: expected a classifier of 28×28 gray images (FLOAT input [N, 1, 28, 28]), got input ${JSON.stringify(input.name)} ${input.elemType} [${input.shape?.join(", ") ?? "unknown"}]`);
  }
  resetProgress();
  run = runNumber;
  trainer = null;
  const standardization = computeStandardization(d.train);
  onnxNetwork = { model, standardization };
  const architecture = `ONNX graph (opset ${model.onnx.opset}, ${model.onnx.nodes.length} nodes)`;
  const parameters = model.onnx.proto.graph!.initializer.reduce((n, t) => n + t.dims.reduce((a, b) => a * Number(b), 1), 0);
  const layers = model.onnx.nodes.map(({ node, label }, i) => `${i}: ${node.op_type} ${label}`);
  post({ type: "loaded", run, name, settings: base, architecture, standardizationFromFile: false, onnx: true });
  post({ type: "configured", run, parameters, layers, architecture, standardization, trainable: false });
}

/**
 * Runs the kernels on `requested` threads where possible (fewer on a device
 * reporting fewer cores) and tells the page how many it got and why not
 * more. A pool that fails to start leaves one thread: the page shows why.
 */
async function useThreads(requested: number): Promise<void> {
  const cores = scope.navigator.hardwareConcurrency ?? 1;
  const count = Math.max(1, Math.min(requested, cores));
  let reason: string | null = count < requested ? `this device reports ${cores} core${cores === 1 ? "" : "s"} (navigator.hardwareConcurrency)` : null;
  try {
    const got = await setThreads(count);
    if (got < count) reason = threadsUnavailableReason() ?? `setThreads(${count}) kept ${got}`;
  } catch (err) {
    reason = err instanceof Error ? err.message : String(err);
  }
  post({ type: "threads", threads: getThreads(), requested, reason });
}

/** Asks for two threads, once (see the file's comment for when). */
function askForThreads(): void {
  if (threadsAsked) return;
  threadsAsked = true;
  void useThreads(2);
}

function handle(request: Request): void {
  switch (request.type) {
    case "configure":
      if (data === null) {
        pendingConfigure = { settings: request.settings, run: request.run };
        return;
      }
      return configure(request.settings, request.run);
    case "train":
      needTrainer("trained");
      stepsLeft = request.steps ?? -1;
      if (!training) {
        training = true;
        chain += 1;
        setTimeout(guarded(trainSlice), 0, chain);
      }
      return;
    case "pause":
      training = false;
      return;
    case "inspect":
      return inspect(request.index);
    case "evaluate":
      return evaluate();
    case "predict":
      return predict(request.pixels);
    case "save":
      return save();
    case "load":
      return load(request.bytes, request.name, request.run);
    case "threads":
      if (request.count !== 1 && request.count !== 2) throw new RangeError(`threads: expected 1 or 2, got ${String(request.count)}`);
      threadsAsked = true;
      void useThreads(request.count);
      return;
    case "data":
      return; // ./data_handoff.ts takes it
  }
}

function guarded<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  return (...args) => {
    try {
      fn(...args);
    } catch (err) {
      post({ type: "error", message: err instanceof Error ? err.message : String(err) });
    }
  };
}

scope.onmessage = guarded((event: MessageEvent<Request>) => handle(event.data));

/** Waits for the files the page hands over (./data_handoff.ts), then checks and parses them. */
async function start(): Promise<void> {
  const began = performance.now();
  data = await trainTestFromIdx(await dataFiles, "embedded Fashion-MNIST subset");
  const test = data.test;
  post({
    type: "ready",
    backend: getBackend(),
    crossOriginIsolated: scope.crossOriginIsolated === true,
    trainCount: data.train.count,
    testCount: test.count,
    testImages: test.images.slice(),
    testLabels: test.labels.slice(),
    classNames: FASHION_MNIST_CLASSES,
    dataSource: data.source,
    dataMs: performance.now() - began,
    workerTimeOrigin: performance.timeOrigin,
    bundleStartMs,
    scriptStartMs,
  });
  if (pendingConfigure !== null) guarded(configure)(pendingConfigure.settings, pendingConfigure.run);
  setTimeout(askForThreads, THREADS_AFTER_MS);
}

start().catch((err) => post({ type: "error", message: `loading the embedded data failed: ${err instanceof Error ? err.message : String(err)}` }));
