#!/usr/bin/env node
// The playground in a real browser: Debian's Chromium (headless, driven by
// playwright-core; no browser is downloaded) against the built page served by
// scripts/serve_playground.mjs. Checks that the page loads, that the worker
// runs on the wasm backend with two kernel threads (the page is cross-origin
// isolated), that 100 training steps lower the loss, that LeNet-5 trains to
// the same losses and test predictions on 1 and 2 threads, that a drawn shape
// gets probabilities summing to 1, that a model.safetensors from
// `nnref train` loads and evaluates to the accuracy Node computed, that
// "Save model" downloads a file that reads back, that the same model exported
// to ONNX (`exportOnnx`) loads and evaluates to the same accuracy while a
// malformed .onnx gets an error naming it, and writes a screenshot; then that
// the page served without COOP/COEP (a second server) runs and trains on one
// thread and says why. Any console error, page error or failed request fails
// the run. Prints the budgets it measures (time to the first training step;
// the worker's training speed against `nnref train` in Node, measured one
// after the other in this run), LeNet-5's speed on 1 and 2 threads, and
// closes with `browser: N passed, M failed`.
//
//   node scripts/test_browser.mjs [--out DIR]     (default runs/browser; the build must exist:
//   npm run test:browser builds first)            CHROMIUM=/path overrides /usr/bin/chromium
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startServer } from "./serve_playground.mjs";

const root = fileURLToPath(new URL("../", import.meta.url));
const outFlag = process.argv.indexOf("--out");
const out = outFlag >= 0 ? process.argv[outFlag + 1] : join(root, "runs/browser");
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const TIMEOUT_MS = 30_000;
/** Waits for training runs: minutes on a machine shared with other jobs. */
const TRAINING_TIMEOUT_MS = 180_000;
/** LeNet-5 steps trained on each thread count for the 1-vs-2-threads check. */
const LENET_STEPS = 30;

let passed = 0;
let failed = 0;
function check(name, ok, detail = "") {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${detail ? ` — ${detail}` : ""}`);
}
function finish() {
  console.log(`browser: ${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

mkdirSync(out, { recursive: true });
const dist = join(root, "docs/playground/dist");
if (!existsSync(join(dist, "worker.js"))) {
  check("the playground is built", false, `${dist} has no worker.js: run npm run build:playground`);
  finish();
}
if (!existsSync(chromiumPath)) {
  check("chromium is installed", false, `${chromiumPath} not found (apt-get install -y chromium)`);
  finish();
}

// Node's side first, before the browser starts: `nnref train mlp` for the same
// epochs and batch the worker will run, its images/s and its model file.
// It runs again right after the worker's run, and the two Node rates are averaged.
const EPOCHS = 5;
const nodeRun = join(out, "node-mlp");
const nodeTrain = (dir) =>
  JSON.parse(
    execFileSync(process.execPath, [join(root, "dist/cli/bin.js"), "train", "mlp", "--epochs", String(EPOCHS), "--json", "--out", dir], { encoding: "utf8" })
      .trim()
      .split("\n")
      .pop(),
  );
const nodeJson = nodeTrain(nodeRun);
const { chromium } = await import("playwright-core");
const { buildModelFromWeights, decodeClassifier, exportOnnx } = await import("../dist/index.js");

const { server, url } = await startServer({ dir: dist, port: 0 });
const { server: plainServer, url: plainUrl } = await startServer({ dir: dist, port: 0, isolated: false });
const profile = mkdtempSync(join(tmpdir(), "nnref-chromium-"));
const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, headless: true, args: FLAGS, acceptDownloads: true, viewport: { width: 1280, height: 900 } });
const problems = [];
/** Records every console error, page error, worker error and failed request of `page`; returns helpers to read and await its state. */
function watch(page, label) {
  page.setDefaultTimeout(TIMEOUT_MS);
  page.on("console", (m) => m.type() === "error" && problems.push(`${label}console error: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`${label}page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`${label}request failed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
  page.on("worker", (w) => w.on("console", (m) => m.type() === "error" && problems.push(`${label}worker console error: ${m.text()}`)));
  const state = (expr) => page.evaluate(`(() => { const s = window.playground.state; return ${expr}; })()`);
  const waitFor = (expr, timeout = TIMEOUT_MS) => page.waitForFunction(`(() => { const s = window.playground && window.playground.state; return !!s && (${expr}); })()`, null, { polling: "raf", timeout });
  return { state, waitFor };
}
try {
  const page = context.pages()[0] ?? (await context.newPage());
  const { state, waitFor } = watch(page, "");

  // 1. The page loads, the data arrives, a network is built.
  const response = await page.goto(url);
  check("page loads (HTTP 200, cross-origin isolated)", response?.status() === 200 && (await page.evaluate("crossOriginIsolated")) === true, `status ${response?.status()}`);
  // Train is pressed from inside the page the moment it is enabled (a student's click, without the driver's latency).
  await page.evaluate(`new Promise((done) => {
    const button = document.querySelector("#train");
    const tick = () => (button.disabled ? requestAnimationFrame(tick) : (button.click(), done()));
    tick();
  })`);
  await waitFor("s.points.length > 0");
  await page.click("#train");
  const t = await state("s.timings");
  const ready = await state("s.ready && { backend: s.ready.backend, isolated: s.ready.crossOriginIsolated, dataMs: s.ready.dataMs, trainCount: s.ready.trainCount }");
  check('getBackend() is "wasm" in the worker', ready.backend === "wasm", `backend ${ready.backend}, the worker's own script waited ${ready.dataMs.toFixed(0)} ms more for the data`);
  await waitFor("s.threads !== null");
  const threads = await state("({ ...s.threads, status: document.querySelector('#status').textContent, control: document.querySelector('#threads').value })");
  check("the worker runs the kernels on 2 threads (cross-origin isolated) and the page says so", threads.threads === 2 && threads.reason === null && / 2 threads · cross-origin isolated/.test(threads.status) && threads.control === "2", `${threads.threads} threads (requested ${threads.requested}${threads.reason ? `: ${threads.reason}` : ""}); status "${threads.status.slice(0, 60)}…"`);

  // 2. 100 training steps lower the loss (a fresh MLP, default settings).
  await page.evaluate("document.querySelector('#reset').click()");
  await waitFor("s.points.length === 0 && !s.training");
  await page.evaluate("window.playground.send({ type: 'train', steps: 100 })");
  await waitFor("s.points.length >= 100");
  const losses = await state("s.points.map((p) => p.loss)");
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const first = mean(losses.slice(0, 10));
  const last = mean(losses.slice(90, 100));
  check("100 training steps lower the loss", losses.length === 100 && last < 0.75 * first, `mean loss of steps 1–10 ${first.toFixed(3)}, of steps 91–100 ${last.toFixed(3)}`);

  // 3. Drawing a shape gives a prediction whose probabilities sum to 1.
  await page.evaluate("window.playground.state.prediction = null");
  const pad = await page.locator("#pad").boundingBox();
  const at = (fx, fy) => [pad.x + fx * pad.width, pad.y + fy * pad.height];
  await page.mouse.move(...at(0.35, 0.15));
  await page.mouse.down();
  for (const [fx, fy] of [[0.35, 0.9], [0.45, 0.9], [0.5, 0.3], [0.55, 0.9], [0.65, 0.9], [0.65, 0.15], [0.35, 0.15]]) await page.mouse.move(...at(fx, fy), { steps: 8 });
  await page.mouse.up();
  await waitFor("s.prediction !== null");
  const probabilities = await state("Array.from(s.prediction)");
  const sum = probabilities.reduce((a, b) => a + b, 0);
  const bars = await page.locator("#pad-probabilities .prob").count();
  const best = await page.locator("#pad-probabilities .prob.best .prob-name").textContent();
  check("a drawn shape yields a prediction with probabilities summing to 1", probabilities.length === 10 && Math.abs(sum - 1) < 1e-5 && probabilities.every((p) => p >= 0 && p <= 1) && bars === 10, `Σp = ${sum.toFixed(6)}, prediction "${best}" for a drawn pair of trousers`);

  // 4. The worker's training speed, 3 epochs of the MLP at batch 64 (nnref train's defaults), against Node's.
  await page.evaluate("document.querySelector('#reset').click()");
  await waitFor("s.points.length === 0 && !s.training");
  await page.evaluate(`window.playground.send({ type: 'train', steps: ${EPOCHS * Math.ceil(ready.trainCount / 64)} })`);
  await waitFor(`s.epochs.length >= ${EPOCHS} && !s.training`, TRAINING_TIMEOUT_MS);
  const workerRate = await state("s.imagesPerSecond");
  const nodeRates = [nodeJson.imagesPerSecond, nodeTrain(`${nodeRun}-again`).imagesPerSecond];

  // 5. nnref train's model.safetensors loads and evaluates to Node's test accuracy.
  await page.evaluate("window.playground.state.evaluation = null");
  await page.setInputFiles("#load", join(nodeRun, "model.safetensors"));
  await waitFor("s.loaded !== null && s.evaluation !== null");
  const loaded = await state("({ name: s.loaded.name, architecture: s.loaded.architecture, accuracy: s.evaluation.accuracy })");
  check("loading nnref train's model.safetensors works and evaluates as in Node", Math.abs(loaded.accuracy - nodeJson.testAccuracy) < 1e-9, `${loaded.architecture}: test accuracy ${loaded.accuracy} in the page, ${nodeJson.testAccuracy} in Node`);

  // 6. Save model downloads a file that reads back in Node.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#save")]);
  const savedPath = join(out, download.suggestedFilename());
  await download.saveAs(savedPath);
  const saved = decodeClassifier(new Uint8Array(readFileSync(savedPath)), savedPath);
  check("Save model downloads a .safetensors that reads back", saved.architecture.model === "mlp" && saved.standardization !== null, `${download.suggestedFilename()}, ${statSync(savedPath).size} bytes`);

  // 7. The same trained MLP exported to ONNX (exportOnnx) loads and evaluates to the same test accuracy with nnref's
  //    ONNX evaluator (inputs standardized with the training set's statistics, as nnref train did); a malformed .onnx
  //    is refused with an error naming the file.
  const onnx = join(out, "model.onnx");
  const { model: trained } = buildModelFromWeights("mlp", new Uint8Array(readFileSync(join(nodeRun, "model.safetensors"))), { file: "model.safetensors" });
  writeFileSync(onnx, exportOnnx(trained.eval(), [1, 1, 28, 28]));
  await page.evaluate("window.playground.state.evaluation = null");
  await page.setInputFiles("#load", onnx);
  await waitFor("s.loaded !== null && s.loaded.onnx && s.evaluation !== null");
  const fromOnnx = await state("({ architecture: s.loaded.architecture, accuracy: s.evaluation.accuracy, trainDisabled: document.querySelector('#train').disabled })");
  check("an .onnx classifier made by exportOnnx loads and evaluates to the accuracy of its weights", Math.abs(fromOnnx.accuracy - nodeJson.testAccuracy) < 1e-9 && fromOnnx.trainDisabled, `${fromOnnx.architecture}: test accuracy ${fromOnnx.accuracy} in the page, ${nodeJson.testAccuracy} in Node; Train ${fromOnnx.trainDisabled ? "disabled" : "enabled"}`);
  const broken = join(out, "broken.onnx");
  writeFileSync(broken, new Uint8Array([0x3a, 0x05, 1, 2]));
  const errorsBefore = await state("s.errors.length");
  await page.setInputFiles("#load", broken);
  await waitFor(`s.errors.length > ${errorsBefore}`);
  const brokenMessage = await page.locator("#message").textContent();
  // The expected error is taken off the list, so the final check still fails on any other.
  await page.evaluate(`window.playground.state.errors.splice(${errorsBefore}, 1)`);
  check("a malformed .onnx gets an error naming the file", /broken\.onnx: .*declared length 5 runs past the end/.test(brokenMessage ?? ""), brokenMessage ?? "");

  // 8. A screenshot of the page after training, with a test image inspected.
  await page.evaluate("document.querySelector('#reset').click()");
  await waitFor("s.points.length === 0 && !s.training");
  await page.selectOption("select[name=model]", "lenet5");
  await waitFor("s.configured && /LeNet/.test(s.configured.architecture)");
  await page.evaluate("window.playground.send({ type: 'train', steps: 182 })");
  await waitFor("s.epochs.length >= 2 && !s.training", TRAINING_TIMEOUT_MS);
  await page.fill("#test-index", "12");
  await page.dispatchEvent("#test-index", "change");
  await waitFor("s.inspection && s.inspection.index === 12 && s.evaluation");
  await page.waitForTimeout(300);
  const shot = join(out, "playground.png");
  await page.screenshot({ path: shot, fullPage: true });
  check("a screenshot is written", statSync(shot).size > 10_000, shot);

  // 9. LeNet-5 (batch 64, seed 0) trains to the same losses and test predictions on 1 and 2 threads; its speed on each.
  const lenet = {};
  for (const count of [1, 2]) {
    await page.selectOption("#threads", String(count));
    await waitFor(`s.threads.threads === ${count}`);
    await page.evaluate("document.querySelector('#reset').click()");
    await waitFor("s.points.length === 0 && !s.training && s.configured && /LeNet/.test(s.configured.architecture)");
    await page.evaluate(`window.playground.state.evaluation = null; window.playground.send({ type: 'train', steps: ${LENET_STEPS} })`);
    await waitFor(`s.points.length >= ${LENET_STEPS}`, TRAINING_TIMEOUT_MS);
    await page.evaluate("window.playground.send({ type: 'evaluate' })");
    await waitFor("s.evaluation !== null");
    lenet[count] = await state("({ losses: s.points.map((p) => p.loss), predictions: Array.from(s.evaluation.predictions), rate: s.imagesPerSecond, threads: s.threads.threads })");
  }
  const sameLosses = lenet[1].losses.length === LENET_STEPS && lenet[1].losses.every((x, i) => Object.is(x, lenet[2].losses[i]));
  const samePredictions = lenet[1].predictions.length > 0 && lenet[1].predictions.length === lenet[2].predictions.length && lenet[1].predictions.every((x, i) => x === lenet[2].predictions[i]);
  check(`LeNet-5 trains to the same losses and test predictions on 1 and 2 threads (${LENET_STEPS} steps, seed 0)`, sameLosses && samePredictions && lenet[2].threads === 2, `losses ${sameLosses ? "identical" : "differ"} (last ${lenet[1].losses.at(-1)} and ${lenet[2].losses.at(-1)}), ${lenet[1].predictions.length} test predictions ${samePredictions ? "identical" : "differ"}`);

  // 10. Served without COOP/COEP the page is not cross-origin isolated: one thread, said why, and it trains.
  const plainPage = await context.newPage();
  const plain = watch(plainPage, "not isolated: ");
  await plainPage.goto(plainUrl);
  await plain.waitFor("s.threads !== null && s.configured !== null");
  await plainPage.evaluate("window.playground.send({ type: 'train', steps: 5 })");
  await plain.waitFor("s.points.length >= 5", TRAINING_TIMEOUT_MS);
  const single = await plain.state("({ ...s.threads, isolated: crossOriginIsolated, status: document.querySelector('#status').textContent, disabled: document.querySelector('#threads').disabled })");
  check("served without COOP/COEP the page trains on 1 thread and says why", !single.isolated && single.threads === 1 && /cross-origin isolated/.test(single.reason ?? "") && / 1 thread \(.*cross-origin isolated/.test(single.status) && single.disabled, `${single.threads} thread: ${single.reason}`);
  const plainErrors = await plain.state("s.errors");
  await plainPage.close();

  const errors = [...(await state("s.errors")), ...plainErrors];
  check("no console error, page error, failed request or worker error", problems.length === 0 && errors.length === 0, [...problems, ...errors].join("; ") || "none");

  const firstStep = t.firstStep;
  const ms = (x) => `${x.toFixed(0)} ms`;
  console.log(`budget: time to first training step ${ms(firstStep)} from navigation (budget ≤ 1000 ms): ${firstStep <= 1000 ? "met" : "NOT met"} — worker created at ${ms(t.workerCreated)}, page script running at ${ms(t.mainStarted)}, worker bundle at ${ms(t.workerBundle)}, worker script (nnref loaded) at ${ms(t.workerStarted)}, data inflated in the page at ${ms(t.dataInflated)}, parsed in the worker at ${ms(t.ready)}, network built at ${ms(t.configured)}, Train pressed at ${ms(t.trainClicked)}; load average ${loadavg()[0].toFixed(1)}`);
  const nodeRate = (nodeRates[0] + nodeRates[1]) / 2;
  const ratio = workerRate / nodeRate;
  console.log(`budget: worker training speed ${Math.round(workerRate)} images/s, nnref train in Node ${nodeRates.map(Math.round).join(" and ")} images/s (before and after): ${(100 * ratio).toFixed(0)} % (budget ≥ 80 %): ${ratio >= 0.8 ? "met" : "NOT met"} (MLP, batch 64, ${EPOCHS} epochs each, one after the other on a possibly busy machine; load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores)`);
  console.log(`threads: LeNet-5 in the worker (batch 64, ${LENET_STEPS} steps from a fresh network) ${Math.round(lenet[1].rate)} images/s on 1 thread, ${Math.round(lenet[2].rate)} on 2: ${(lenet[2].rate / lenet[1].rate).toFixed(2)}× (printed, not asserted; load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores)`);
} catch (err) {
  check("the browser run completed", false, `${err instanceof Error ? err.message : String(err)}${problems.length ? `; ${problems.join("; ")}` : ""}`);
} finally {
  await context.close().catch(() => undefined);
  server.close();
  plainServer.close();
  rmSync(profile, { recursive: true, force: true });
}
finish();
