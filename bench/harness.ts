/**
 * Shared benchmark machinery: warm-up by time, measurement with tinybench,
 * TF.js's WASM backend set up the same way for every benchmark, and the
 * run-in-several-processes wrapper (one process now and then runs a workload
 * at half speed for its whole life, so a number is the median over
 * processes). Benchmarks print; they never assert.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Bench } from "tinybench";
import { loadKernelsSync } from "../src/backend/load.js";
import { setBackend } from "../src/backend/dispatch.js";
import { setThreads } from "../src/backend/threads.js";
import { resnet18, vgg16 } from "../src/models/index.js";
import type { Module } from "../src/nn/module.js";
import type { Random } from "../src/random.js";

/**
 * The command line every benchmark reads: `option("--name")` is the value
 * after it; `--only a,b` picks groups (or models), `wanted(group)` says
 * whether one is picked; `--threads N` runs nnref's kernels on N threads
 * (TF.js stays on one: its pool is off in Node).
 */
export function benchOptions(args = process.argv.slice(2)) {
  const option = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const only = option("--only");
  const wanted = (group: string): boolean => only === undefined || only.split(",").includes(group);
  /** --plain: nnref's parameters stay plain arrays, copied into the kernels' arena on every call (the before of resident tensors). */
  const plain = args.includes("--plain");
  return { args, option, only, wanted, threads: Number(option("--threads") ?? 1), plain };
}

/**
 * A benchmark script's main part. In a `--child` process: measures and
 * prints the rows as JSON for the parent, and returns undefined. Otherwise:
 * prints `heading(processes)`, runs `script` in `--processes` (default 3)
 * fresh processes with `--only` and `passOn`, and returns the medians.
 */
export async function childOrMedians(
  options: ReturnType<typeof benchOptions>, script: string, measure: () => Promise<Row[]>, passOn: string[], heading: (processes: number) => string,
): Promise<Row[] | undefined> {
  if (options.args.includes("--child")) {
    console.log("ROWS " + JSON.stringify(await measure()));
    return undefined;
  }
  const processes = Number(options.option("--processes") ?? 3);
  console.log(heading(processes));
  return medianOverProcesses(script, [...(options.only ? ["--only", options.only] : []), ...passOn], processes);
}

/** Runs `fn` in windows of 100 ms until at least `minMs` passed and the rate stopped rising (or `maxMs`). */
export function warmUp(fn: () => void, minMs = 300, maxMs = 4000): void {
  const start = performance.now();
  let best = 0, flat = 0;
  for (;;) {
    let reps = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 100) { fn(); reps++; }
    const rate = reps / (performance.now() - t0);
    // V8 compiles wasm with a baseline tier first and optimizes in the background:
    // keep going while the rate still rises by more than 2%.
    if (rate > best * 1.02) { best = rate; flat = 0; } else flat++;
    const elapsed = performance.now() - start;
    if ((elapsed >= minMs && flat >= 2) || elapsed >= maxMs) return;
  }
}

/** Median time of one call of `fn` in milliseconds, after a warm-up, measured by tinybench for `timeMs`. */
export function medianMs(name: string, fn: () => void, timeMs = 700): number {
  warmUp(fn);
  const bench = new Bench({ time: timeMs, warmup: false });
  bench.add(name, fn);
  const [task] = bench.runSync();
  const result = task.result as unknown as { latency?: { p50: number } };
  if (!result.latency) throw new Error(`benchmark ${name} did not complete`);
  return result.latency.p50;
}

/** GFLOP/s of `flops` floating-point operations done in `ms` milliseconds. */
export function gflops(flops: number, ms: number): number {
  return flops / (ms * 1e6);
}

/** Loads nnref's wasm kernels, puts them on `threads` threads and makes "wasm" the backend; throws when either is unavailable. */
export async function startWasmKernels(threads: number): Promise<void> {
  if (!loadKernelsSync()) throw new Error("the nnref wasm kernels did not load (WebAssembly SIMD missing?)");
  if ((await setThreads(threads)) !== threads) throw new Error(`--threads ${threads}: threads are unavailable here`);
  setBackend("wasm");
}

/** The zoo networks the inference benchmarks run (models.ts, layers.ts), by name. */
export const INFERENCE_NETWORKS: ReadonlyArray<[string, (rng: Random) => Module]> = [["resnet18", resnet18], ["vgg16", vgg16]];

/**
 * TF.js with its WASM backend (SIMD, one thread in Node), ready to use. The
 * module names are variables so that the root package type-checks bench/
 * without bench's own node_modules (TF.js is typed `any` here).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function tfjsWasm(): Promise<any> {
  const core = "@tensorflow/tfjs", wasm = "@tensorflow/tfjs-backend-wasm";
  const tf = await import(core);
  await import(wasm);
  await tf.setBackend("wasm");
  await tf.ready();
  if (tf.getBackend() !== "wasm") throw new Error("TF.js: the wasm backend did not load");
  return tf;
}

/** One measured row: a label and numbers by column name. */
export interface Row {
  label: string;
  values: Record<string, number>;
  note?: string;
}

/**
 * When called with `--child`, returns false (the caller measures and prints
 * its rows as JSON). Otherwise runs `script` in `processes` fresh processes
 * with `--child`, and returns the rows with every value replaced by its
 * median over the processes.
 */
export function medianOverProcesses(script: string, args: string[], processes: number): Row[] {
  const runs: Row[][] = [];
  for (let p = 0; p < processes; p++) {
    const child = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(script), "--child", ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      maxBuffer: 1 << 24,
    });
    if (child.status !== 0) throw new Error(`benchmark process ${p + 1} failed (exit ${child.status})`);
    const line = child.stdout.split("\n").find((l) => l.startsWith("ROWS "));
    if (!line) throw new Error(`benchmark process ${p + 1} printed no rows`);
    runs.push(JSON.parse(line.slice(5)) as Row[]);
    process.stderr.write(`  process ${p + 1}/${processes} done\n`);
  }
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  return runs[0].map((row, i) => ({
    label: row.label,
    note: row.note,
    values: Object.fromEntries(Object.keys(row.values).map((k) => [k, median(runs.map((r) => r[i].values[k]))])),
  }));
}

/** Prints rows as an aligned table with the given columns (values with one decimal, ratios with two). */
export function printTable(title: string, columns: string[], rows: Row[]): void {
  console.log(`\n${title}`);
  const cells = rows.map((r) => [r.label, ...columns.map((c) => {
    const v = r.values[c];
    if (v === undefined || Number.isNaN(v)) return "–";
    return c.startsWith("×") ? `${v.toFixed(2)}×` : v.toFixed(1);
  }), r.note ?? ""]);
  const header = ["", ...columns, ""];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (cs: string[]) => cs.map((c, i) => (i === 0 || i === cs.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd();
  console.log(line(header));
  for (const c of cells) console.log(line(c));
}
