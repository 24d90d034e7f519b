/**
 * The playground page: reads the controls, talks to the training worker
 * (./worker.ts, messages in ./protocol.ts) and draws what it sends. No
 * training happens here, so the page stays responsive.
 *
 * For the browser test (scripts/test_browser.mjs), `window.playground`
 * exposes the page's state (the plotted steps, the latest replies, the
 * timings in ms since navigation: worker created, data inflated in the page, its bundle and script
 * started, data ready, network built, Train clicked, first step) and
 * `send`, to post a request such as { type: "train", steps: 100 }.
 */
import { drawChart, smooth, type Series } from "./charts.js";
import { drawingPad } from "./drawing_pad.js";
import { drawActivations, drawConfusion, drawFilters, drawProbabilities, drawThumbnails, paintTile } from "./pictures.js";
import type { Reply, Request, Settings, StepPoint } from "./protocol.js";

type ReplyOf<T extends Reply["type"]> = Extract<Reply, { type: T }>;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const mainStarted = performance.now();

const state = {
  ready: null as ReplyOf<"ready"> | null,
  /** The worker's latest report of its kernel threads (null until its first choice settles). */
  threads: null as ReplyOf<"threads"> | null,
  configured: null as ReplyOf<"configured"> | null,
  points: [] as StepPoint[],
  epochs: [] as ReplyOf<"epoch">[],
  evaluation: null as ReplyOf<"evaluation"> | null,
  inspection: null as ReplyOf<"inspection"> | null,
  prediction: null as Float32Array | null,
  loaded: null as ReplyOf<"loaded"> | null,
  training: false,
  imagesPerSecond: 0,
  testIndex: 0,
  /** The current network's number: replies about an older network are dropped. */
  run: 0,
  errors: [] as string[],
  timings: { mainStarted, dataInflated: NaN, workerCreated: NaN, workerBundle: NaN, workerStarted: NaN, ready: NaN, configured: NaN, trainClicked: NaN, firstStep: NaN },
};
/** The worker index.html's first script started, with the messages and errors it sent before this script ran. */
const early = (window as unknown as { playgroundWorker?: EarlyStart }).playgroundWorker;
const worker = early?.worker ?? new Worker("worker.js");
state.timings.workerCreated = early?.createdMs ?? performance.now();
const send = (request: Request, transfer: Transferable[] = []) => worker.postMessage(request, transfer);
(window as unknown as { playground: unknown }).playground = { state, send };

/** What index.html's first script started before this one ran: the worker, with what it sent since (data.js hands it the data). */
interface EarlyStart {
  worker: Worker;
  early: Array<MessageEvent<Reply> | ErrorEvent>;
  createdMs: number;
  dataInflatedMs?: number;
}

function message(text: string, isError = false): void {
  const el = $("message");
  el.textContent = text;
  el.className = isError ? "message error" : "message";
}

function readSettings(): Settings {
  const form = $<HTMLFormElement>("settings");
  const field = (name: string) => form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
  const num = (name: string, lo: number, hi: number, label: string) => {
    const v = Number(field(name).value);
    if (field(name).value.trim() === "" || !Number.isFinite(v) || v < lo || v > hi) throw new RangeError(`${label}: expected a number from ${lo} to ${hi}, got "${field(name).value}"`);
    return v;
  };
  return {
    model: field("model").value as Settings["model"],
    batchNorm: (field("batchNorm") as HTMLInputElement).checked,
    dropout: num("dropout", 0, 0.9, "Dropout p"),
    lr: num("lr", 1e-6, 10, "Learning rate"),
    momentum: num("momentum", 0, 0.999, "Momentum"),
    momentumForm: field("momentumForm").value as Settings["momentumForm"],
    batchSize: num("batchSize", 1, 5800, "Batch size"),
    seed: Math.trunc(num("seed", -1e9, 1e9, "Seed")),
  };
}

function writeSettings(s: Settings): void {
  const form = $<HTMLFormElement>("settings");
  const set = (name: string, value: string) => ((form.elements.namedItem(name) as HTMLInputElement).value = value);
  set("model", s.model);
  (form.elements.namedItem("batchNorm") as HTMLInputElement).checked = s.batchNorm;
  set("dropout", String(s.dropout));
}

function configure(): void {
  try {
    const settings = readSettings();
    setTraining(false);
    state.points = [];
    state.epochs = [];
    state.run += 1;
    send({ type: "configure", settings, run: state.run });
    message("");
  } catch (err) {
    message((err as Error).message, true);
  }
}

function setTraining(on: boolean): void {
  state.training = on;
  $("train").textContent = on ? "Pause" : "Train";
}

/** "2 threads", or "1 thread (why not more)", or "threads: starting" before the worker's first report. */
function describeThreads(t: ReplyOf<"threads"> | null): string {
  if (!t) return "threads: starting";
  const count = `${t.threads} thread${t.threads === 1 ? "" : "s"}`;
  return t.reason === null ? count : `${count} (${t.reason})`;
}

function showStatus(): void {
  const r = state.ready;
  if (!r) return;
  const isolated = r.crossOriginIsolated ? "cross-origin isolated" : "not cross-origin isolated";
  $("status").textContent = `backend ${r.backend} · ${describeThreads(state.threads)} · ${isolated} · ${r.dataSource}: ${r.trainCount} training / ${r.testCount} test images`;
}

let chartsPending = false;
function redrawCharts(): void {
  if (chartsPending) return;
  chartsPending = true;
  requestAnimationFrame(() => {
    chartsPending = false;
    const loss = state.points.map((p) => ({ x: p.step, y: p.loss }));
    const acc = state.points.map((p) => ({ x: p.step, y: p.accuracy }));
    const window = Math.max(5, Math.round(state.points.length / 40));
    const testLoss = state.epochs.map((e) => ({ x: e.step, y: e.testLoss }));
    const testAcc = state.epochs.map((e) => ({ x: e.step, y: e.testAccuracy }));
    const lossSeries: Series[] = [
      { label: "training loss (per step)", color: "#2f6fd0", points: loss, faint: true },
      { label: "training loss (average)", color: "#2f6fd0", points: smooth(loss, window) },
      { label: "test loss (per epoch)", color: "#d0452f", points: testLoss, dots: true },
    ];
    const accSeries: Series[] = [
      { label: "training accuracy (per step)", color: "#2f6fd0", points: acc, faint: true },
      { label: "training accuracy (average)", color: "#2f6fd0", points: smooth(acc, window) },
      { label: "test accuracy (per epoch)", color: "#d0452f", points: testAcc, dots: true },
    ];
    const lossMax = Math.min(3, Math.max(0.5, ...smooth(loss, window).map((p) => p.y), ...testLoss.map((p) => p.y)) * 1.1);
    const width = Math.max(320, $("curves").clientWidth - 30);
    for (const id of ["loss-chart", "accuracy-chart"]) if ($<HTMLCanvasElement>(id).width !== width) $<HTMLCanvasElement>(id).width = width;
    drawChart($<HTMLCanvasElement>("loss-chart"), "cross-entropy loss", lossSeries, [0, lossMax]);
    drawChart($<HTMLCanvasElement>("accuracy-chart"), "accuracy", accSeries, [0, 1]);
  });
}

function showStats(): void {
  const last = state.points[state.points.length - 1];
  const epoch = state.epochs[state.epochs.length - 1];
  if (!last) {
    $("stats").textContent = "Not trained yet.";
    return;
  }
  const test = epoch ? ` · after epoch ${epoch.epoch}: test accuracy ${(100 * epoch.testAccuracy).toFixed(1)} %` : "";
  $("stats").textContent = `step ${last.step} (epoch ${last.epoch}) · loss ${last.loss.toFixed(3)} · ${Math.round(state.imagesPerSecond).toLocaleString("en-US")} images/s${test}`;
}

function showTestImage(): void {
  const r = state.ready;
  if (!r) return;
  const ctx = $<HTMLCanvasElement>("test-image").getContext("2d")!;
  paintTile(ctx, r.testImages, state.testIndex * 784, 28, 28, 0, 0, 3, [0, 255]);
  ($("test-index") as HTMLInputElement).value = String(state.testIndex);
}

function chooseTestImage(index: number): void {
  const r = state.ready;
  if (!r) return;
  state.testIndex = ((Math.trunc(index) % r.testCount) + r.testCount) % r.testCount;
  showTestImage();
  if (state.configured) send({ type: "inspect", index: state.testIndex });
}

/** Asks for the views of the current network: activations, the drawn image's prediction and (`evaluate`) the test set's confusion matrix. */
function refreshViews(evaluate = true): void {
  if (evaluate) send({ type: "evaluate" });
  send({ type: "inspect", index: state.testIndex });
  if (padHasInk) send({ type: "predict", pixels: pad.pixels() });
}

function clearEvaluation(): void {
  state.evaluation = null;
  for (const id of ["confusion-canvas", "mistakes-canvas"]) {
    const canvas = $<HTMLCanvasElement>(id);
    canvas.width = canvas.height = 1;
  }
  $("accuracy").textContent = "Press Train: the test set is classified after every epoch and whenever training pauses.";
  $("mistakes-caption").textContent = "";
}

function showEvaluation(e: ReplyOf<"evaluation">): void {
  const r = state.ready!;
  drawConfusion($<HTMLCanvasElement>("confusion-canvas"), e.confusion, r.classNames);
  $("accuracy").textContent = `Accuracy on the ${r.testCount} test images: ${(100 * e.accuracy).toFixed(1)} %. Rows: the true class; columns: the network's answer.`;
  const wrong: number[] = [];
  for (let i = 0; i < e.predictions.length; i++) if (e.predictions[i] !== r.testLabels[i]) wrong.push(i);
  const shown = wrong.slice(0, 24);
  const captions = shown.map((i) => `${r.classNames[e.predictions[i]]}\n(is ${r.classNames[r.testLabels[i]]})`);
  const columns = Math.max(2, Math.floor(($("mistakes").clientWidth - 28) / 96));
  drawThumbnails($<HTMLCanvasElement>("mistakes-canvas"), r.testImages, shown, captions, columns);
  $("mistakes-caption").textContent = `${wrong.length} of ${r.testCount} test images are misclassified${wrong.length > shown.length ? `; the first ${shown.length}` : ""}: the network's answer in red, the true class below.`;
}

function showInspection(m: ReplyOf<"inspection">): void {
  const r = state.ready!;
  drawActivations($("layer-outputs"), m.layers);
  let best = 0;
  for (let i = 1; i < m.probabilities.length; i++) if (m.probabilities[i] > m.probabilities[best]) best = i;
  const truth = r.classNames[r.testLabels[m.index]];
  $("test-caption").textContent = `true class: ${truth} · network: ${r.classNames[best]} (${(100 * m.probabilities[best]).toFixed(1)} %)`;
}

function download(bytes: Uint8Array, name: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: "application/octet-stream" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

const handlers: { [T in Reply["type"]]: (reply: ReplyOf<T>) => void } = {
  ready(r) {
    state.ready = r;
    state.timings.ready = performance.now();
    state.timings.dataInflated = early?.dataInflatedMs ?? Number.NaN;
    state.timings.workerBundle = r.workerTimeOrigin + r.bundleStartMs - performance.timeOrigin;
    state.timings.workerStarted = r.workerTimeOrigin + r.scriptStartMs - performance.timeOrigin;
    showStatus();
    showTestImage();
  },
  configured(c) {
    if (c.run !== state.run) return;
    state.configured = c;
    if (Number.isNaN(state.timings.configured)) state.timings.configured = performance.now();
    for (const id of ["train", "reset", "save"]) ($(id) as HTMLButtonElement).disabled = false;
    if (!c.trainable) {
      // A loaded ONNX graph is evaluated only; its weights are not a layer's filters.
      for (const id of ["train", "save"]) ($(id) as HTMLButtonElement).disabled = true;
      const filters = $<HTMLCanvasElement>("filters-canvas");
      filters.width = filters.height = 1;
      $("filters-caption").textContent = "An ONNX graph: its weights are constants of the graph, not shown here.";
    }
    $("layers").textContent = `${c.architecture}, ${c.parameters.toLocaleString("en-US")} parameters; inputs standardized with mean ${c.standardization.mean.toFixed(4)}, std ${c.standardization.std.toFixed(4)}\n${c.layers.join("\n")}`;
    redrawCharts();
    showStats();
    // A fresh network is evaluated on the test set after its first epoch or pause (so a first step is not kept waiting);
    // a loaded one at once.
    const fresh = state.loaded === null || state.loaded.run !== c.run;
    if (fresh) clearEvaluation();
    refreshViews(!fresh);
  },
  progress(p) {
    if (p.run !== state.run) return;
    if (p.points.length > 0 && Number.isNaN(state.timings.firstStep)) state.timings.firstStep = performance.now();
    state.points.push(...p.points);
    state.imagesPerSecond = p.imagesPerSecond;
    if (!p.training && state.training) {
      setTraining(false);
      refreshViews();
    }
    showStats();
    redrawCharts();
  },
  epoch(e) {
    if (e.run !== state.run) return;
    state.epochs.push(e);
    showStats();
    redrawCharts();
    refreshViews();
  },
  filters(f) {
    if (f.run !== state.run) return;
    $("filters-caption").textContent = `${drawFilters($<HTMLCanvasElement>("filters-canvas"), f.filters)}.`;
  },
  inspection(m) {
    state.inspection = m;
    showInspection(m);
  },
  evaluation(e) {
    state.evaluation = e;
    showEvaluation(e);
  },
  prediction(p) {
    state.prediction = p.probabilities;
    drawProbabilities($("pad-probabilities"), p.probabilities, state.ready!.classNames);
  },
  saved(s) {
    download(s.bytes, s.name);
    message(`Saved ${s.name} (${(s.bytes.length / 1024).toFixed(0)} KB): load it here again, or in PyTorch with safetensors' load_file.`);
  },
  loaded(l) {
    state.run = l.run;
    state.loaded = l;
    state.points = [];
    state.epochs = [];
    writeSettings(l.settings);
    setTraining(false);
    if (l.onnx) {
      message(`Loaded ${l.name}: ${l.architecture}, evaluated with nnref's ops; inputs standardized with the training set's statistics (an ONNX file records none). It is not trained here: Reset builds a network to train.`);
      return;
    }
    message(`Loaded ${l.name}: ${l.architecture}; inputs standardized with ${l.standardizationFromFile ? "the statistics stored in the file" : "the training set's statistics (the file has none)"}. Train goes on from its weights.`);
  },
  threads(t) {
    state.threads = t;
    const select = $<HTMLSelectElement>("threads");
    select.value = String(t.threads);
    // Two threads cannot run here (not cross-origin isolated, one core, …): the choice is 1, and the status says why.
    if (t.requested > t.threads) select.disabled = true;
    showStatus();
  },
  error(e) {
    state.errors.push(e.message);
    setTraining(false);
    message(e.message, true);
  },
};

worker.onmessage = (event: MessageEvent<Reply>) => {
  const reply = event.data;
  (handlers[reply.type] as (r: Reply) => void)(reply);
};
worker.onerror = (event) => message(`the training worker failed: ${event.message}`, true);

let padHasInk = false;
const pad = drawingPad($<HTMLCanvasElement>("pad"), (pixels) => {
  padHasInk = true;
  if (state.configured) send({ type: "predict", pixels });
});

$("clear").addEventListener("click", () => {
  pad.clear();
  padHasInk = false;
  $("pad-probabilities").replaceChildren();
});
$("train").addEventListener("click", () => {
  if (state.training) {
    send({ type: "pause" });
    setTraining(false);
  } else {
    if (Number.isNaN(state.timings.trainClicked)) state.timings.trainClicked = performance.now();
    send({ type: "train" });
    setTraining(true);
  }
});
$("reset").addEventListener("click", configure);
$("threads").addEventListener("change", () => send({ type: "threads", count: Number($<HTMLSelectElement>("threads").value) }));
$("settings").addEventListener("change", configure);
$("save").addEventListener("click", () => send({ type: "save" }));
$("load").addEventListener("change", async () => {
  const input = $<HTMLInputElement>("load");
  const file = input.files?.[0];
  input.value = "";
  if (!file) return;
  const bytes = new Uint8Array(await file.arrayBuffer());
  send({ type: "load", bytes, name: file.name, run: state.run + 1 }, [bytes.buffer]);
});
$("previous").addEventListener("click", () => chooseTestImage(state.testIndex - 1));
$("next").addEventListener("click", () => chooseTestImage(state.testIndex + 1));
$("random").addEventListener("click", () => chooseTestImage(Math.floor(Math.random() * (state.ready?.testCount ?? 1))));
$("test-index").addEventListener("change", () => chooseTestImage(Number(($("test-index") as HTMLInputElement).value)));
window.addEventListener("resize", redrawCharts);
redrawCharts();
configure(); // the worker builds the network as soon as its data is in
for (const event of early?.early.splice(0) ?? []) {
  if (event instanceof ErrorEvent) worker.onerror(event);
  else worker.onmessage(event);
}
