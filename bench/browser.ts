/**
 * nnref against TensorFlow.js's WASM backend in a real browser, each at 1
 * and at 2 threads: SGEMM (n = 64 … 1024), conv2d forward (the four shapes
 * of bench/kernels.ts), ResNet-18 and VGG-16 forward (batch 1, 224×224,
 * eval; nnref as built and fused). In Node, TF.js's thread pool is off
 * (bench/kernels.ts runs it on one thread); its threaded build needs a
 * cross-origin isolated browser context, which this provides.
 *
 * How: bundles bench/browser_worker.ts (nnref, its wasm kernels, the cases)
 * as worker.js and TF.js as tfjs.js with esbuild, copies TF.js's .wasm files,
 * serves them with COOP/COEP (scripts/serve_playground.mjs's server) and
 * drives Debian's Chromium headless through playwright-core. Every job (one
 * library, one thread count, one group of cases) runs in a fresh Web Worker
 * (./browser_worker.ts says why). Jobs are interleaved (nnref 1t, TF.js 1t,
 * nnref 2t, TF.js 2t, reversed in the next round) and the whole set is
 * repeated (--rounds, default 2): each round's table is printed, with the
 * load average, then the medians over rounds. Benchmarks print; they never
 * assert. Every wait has a time limit: a missing or stuck browser fails the
 * run with a message, never hangs it.
 *
 *   cd bench && npm ci && npm run browser                 # everything, 2 rounds (tens of minutes on 2 busy cores)
 *   npm run browser -- --quick                            # smoke run: tiny sizes, short timings, seconds
 *   npm run browser -- --only kernels,resnet18 --rounds 3 # groups: kernels, resnet18, vgg16
 *   npm run browser -- --tfjs-stock                       # TF.js's pool as it comes (see below)
 *   CHROMIUM=/path/to/chrome npm run browser              # default /usr/bin/chromium
 *
 * TF.js 4.22 caps its WASM thread pool at navigator.hardwareConcurrency / 2
 * (1 thread on a 2-core machine, whatever setThreadsCount asks): its 2-thread
 * jobs tell it the machine has 4 cores (in that worker only, and say so) so
 * that its pool really gets 2 threads; --tfjs-stock leaves it as it comes.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Server } from "node:http";
import { build, type Plugin } from "esbuild";
import { chromium, type Browser, type Page } from "playwright-core";
import { benchOptions } from "./harness.js";
import type { Job, JobResult } from "./browser_worker.js";
import { printRound, printSummary, printThreadsAndOutputs, type Results } from "./browser_report.js";

const options = benchOptions();
const quick = options.args.includes("--quick");
const tfjsStock = options.args.includes("--tfjs-stock");
const rounds = Number(options.option("--rounds") ?? 2);
const groups = (["kernels", "resnet18", "vgg16"] as const).filter((g) => options.wanted(g) && !(quick && g === "vgg16"));
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
/** Limits of the waits: starting the browser and loading the page; one job (a VGG-16 job is minutes on a busy machine). */
const START_TIMEOUT_MS = 60_000;
const JOB_TIMEOUT_MS = Number(options.option("--timeout") ?? (quick ? 180 : 1500)) * 1000;
/** The order of the jobs in a round (reversed in every second round, so a slow spell hits both libraries). */
const CONFIGS: Array<[Job["library"], number]> = [["nnref", 1], ["tfjs", 1], ["nnref", 2], ["tfjs", 2]];

const benchDir = fileURLToPath(new URL(".", import.meta.url));
const tfjsWasmDir = join(benchDir, "node_modules/@tensorflow/tfjs-backend-wasm/dist");
const TFJS_WASM_FILES = ["tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm", "tfjs-backend-wasm-threaded-simd.wasm"];

/** The page: `runJob(job)` starts a fresh worker, resolves to its answer and terminates it; `stopJob()` ends a stuck one. */
const PAGE = `<!doctype html>
<meta charset="utf-8"><title>nnref vs TF.js WASM (bench/browser.ts)</title>
<p>Driven by bench/browser.ts: each job runs in its own Web Worker.</p>
<script>
let current = null;
function stopJob() { if (current) current.terminate(); current = null; }
function runJob(job) {
  return new Promise((resolve, reject) => {
    const worker = new Worker("worker.js", { name: job.library + " " + job.threads + "t " + job.group });
    current = worker;
    const end = (settle, value) => { stopJob(); settle(value); };
    worker.onmessage = (e) => e.data.type === "result" ? end(resolve, e.data.result) : end(reject, new Error(e.data.message));
    worker.onerror = (e) => { e.preventDefault(); end(reject, new Error("worker error: " + e.message + " (" + e.filename + ":" + e.lineno + ")")); };
    worker.postMessage(job);
  });
}
</script>
`;

/** harness.ts imports node:child_process and node:url for its process runner, which the worker never calls: stubs that throw. */
const nodeStubs: Plugin = {
  name: "node-stubs",
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: "node-stub" }));
    b.onLoad({ filter: /.*/, namespace: "node-stub" }, (args) => ({
      loader: "js",
      contents: `const unavailable = () => { throw new Error("${args.path} is not available in a browser"); };\nexport const spawnSync = unavailable, fileURLToPath = unavailable;\n`,
    }));
  },
};

/** Builds the page into `out`: index.html, worker.js (nnref + the cases), tfjs.js (TF.js as the global nnrefBenchTfjs), tfjs/*.wasm. */
async function buildPage(out: string): Promise<void> {
  const common = { bundle: true, format: "iife", target: "es2022", platform: "browser", logLevel: "warning" } as const;
  await build({ ...common, entryPoints: { worker: join(benchDir, "browser_worker.ts") }, outdir: out, plugins: [nodeStubs] });
  await build({
    ...common,
    stdin: { contents: `export * as tf from "@tensorflow/tfjs";\nexport * as wasm from "@tensorflow/tfjs-backend-wasm";\n`, resolveDir: benchDir, loader: "js" },
    outfile: join(out, "tfjs.js"),
    globalName: "nnrefBenchTfjs",
  });
  mkdirSync(join(out, "tfjs"));
  for (const file of TFJS_WASM_FILES) copyFileSync(join(tfjsWasmDir, file), join(out, "tfjs", file));
  writeFileSync(join(out, "index.html"), PAGE);
}

/** Resolves `promise`, or rejects after `ms` with a message naming `what`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer after ${ms / 1000} s`)), ms); });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

function cpuModel(): string {
  try {
    const line = execFileSync("lscpu", { encoding: "utf8" }).split("\n").find((l) => l.startsWith("Model name"));
    if (line) return line.split(":")[1].trim();
  } catch { /* no lscpu: Node's name below */ }
  return cpus()[0]?.model ?? "unknown CPU";
}

const load = (): string => loadavg().map((x) => x.toFixed(2)).join(" ");

function fail(message: string): never {
  console.error(`browser bench: ${message}`);
  process.exit(1);
}

if (!existsSync(chromiumPath)) fail(`${chromiumPath} not found: install Chromium (apt-get install -y chromium) or set CHROMIUM=/path/to/chrome`);
if (!existsSync(join(tfjsWasmDir, TFJS_WASM_FILES[2]))) fail(`${tfjsWasmDir} has no ${TFJS_WASM_FILES[2]}: run npm ci in bench/ first`);
if (!Number.isInteger(rounds) || rounds < 1) fail(`--rounds: expected an integer ≥ 1, got ${options.option("--rounds")}`);
if (groups.length === 0) fail(`--only: expected some of kernels, resnet18, vgg16${quick ? " (vgg16 is left out of --quick)" : ""}, got ${options.only}`);

const out = mkdtempSync(join(tmpdir(), "nnref-browser-bench-"));
let server: Server | undefined;
let browser: Browser | undefined;
let failures = 0;
try {
  await buildPage(out);
  // scripts/ is plain JavaScript without types: imported by a path in a variable, typed here.
  const serverModule = join(benchDir, "../scripts/serve_playground.mjs");
  const { startServer } = (await import(serverModule)) as { startServer(o: { dir: string; port: number }): Promise<{ server: Server; url: string }> };
  const served = await startServer({ dir: out, port: 0 });
  server = served.server;
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: FLAGS, timeout: START_TIMEOUT_MS });
  const page: Page = await browser.newPage();
  page.setDefaultTimeout(START_TIMEOUT_MS);
  page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  page.on("worker", (w) => w.on("console", (m) => (m.type() === "error" || m.type() === "warning") && console.error(`worker ${m.type()}: ${m.text()}`)));
  await page.goto(served.url, { timeout: START_TIMEOUT_MS });
  const info = (await page.evaluate("({ isolated: crossOriginIsolated, agent: navigator.userAgent, cores: navigator.hardwareConcurrency })")) as { isolated: boolean; agent: string; cores: number };
  console.log(`nnref vs TF.js ${"4.22"} WASM in the browser, 1 and 2 threads${quick ? " (--quick: tiny sizes, short timings; not a measurement)" : ""}`);
  console.log(`Chromium ${browser.version()} headless (${info.agent}); cross-origin isolated: ${info.isolated}; navigator.hardwareConcurrency ${info.cores}`);
  console.log(`CPU: ${cpuModel()}, ${cpus().length} logical cores; Node ${process.version}; load average (1, 5, 15 min) at start: ${load()}`);
  console.log("Numbers are noisy: the machine is shared with other jobs; compare ratios within a round, and see the load beside each.");
  console.log(tfjsStock
    ? "TF.js as it comes (--tfjs-stock): its pool is capped at navigator.hardwareConcurrency / 2 threads."
    : `TF.js caps its pool at navigator.hardwareConcurrency / 2 = ${Math.floor(info.cores / 2)}: its jobs asking for more threads see hardwareConcurrency = 2 × that many (--tfjs-stock: not).`);
  if (!info.isolated) console.log("WARNING: the page is not cross-origin isolated: neither library can use threads (COOP/COEP headers missing?)");

  const results: Results[] = [];
  for (let round = 0; round < rounds; round++) {
    const before = load();
    const byJob: Results = new Map();
    const order = round % 2 === 0 ? CONFIGS : [...CONFIGS].reverse();
    for (const group of groups) {
      for (const [library, threads] of order) {
        const job: Job = { library, threads, group, quick, tfjsStock };
        const name = `round ${round + 1} ${group} ${library === "tfjs" ? "TF.js" : "nnref"} ${threads}t`;
        const t0 = performance.now();
        try {
          const result = await within(page.evaluate(`runJob(${JSON.stringify(job)})`) as Promise<JobResult>, JOB_TIMEOUT_MS, name);
          byJob.set(`${group} ${library} ${threads}`, result);
          console.error(`  ${name}: ${((performance.now() - t0) / 1000).toFixed(0)} s, ${result.detail}${result.why ? ` — NOT ${threads} threads: ${result.why}` : ""}; load ${load()}`);
        } catch (err) {
          failures++;
          console.error(`  ${name}: FAILED — ${err instanceof Error ? err.message : String(err)}`);
          if (err instanceof Error && /no answer after/.test(err.message)) {
            await within(page.evaluate("stopJob()"), 10_000, "stopping the stuck worker").catch(() => undefined);
            throw err;
          }
        }
      }
    }
    results.push(byJob);
    printRound(round + 1, byJob, `load average before ${before}, after ${load()}`);
  }
  printThreadsAndOutputs(results);
  if (rounds > 1) printSummary(results);
} catch (err) {
  failures++;
  console.error(`browser bench: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  await browser?.close().catch(() => undefined);
  server?.close();
  rmSync(out, { recursive: true, force: true });
}
console.log(`load average at the end: ${load()}`);
if (failures > 0) {
  console.error(`browser bench: FAILED (${failures} problem${failures > 1 ? "s" : ""}, see above)`);
  process.exit(1);
}
