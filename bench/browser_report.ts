/**
 * The tables of bench/browser.ts: per round and the medians over rounds,
 * nnref and TF.js at 1 and 2 threads side by side with their ratios; which
 * thread counts each job really ran on; and whether the networks computed
 * the same outputs (nnref against TF.js, 1 against 2 threads, fused against
 * as built).
 */
import { printTable, type Row } from "./harness.js";
import type { JobResult, Measured } from "./browser_worker.js";
import { WITH_COPIES, YARDSTICK_N } from "./conv_runs.js";

/** One round's answers by job: key `${group} ${library} ${threads}`. */
export type Results = Map<string, JobResult>;

const GROUPS = ["kernels", "resnet18", "vgg16"] as const;
const COLUMNS = ["nnref 1t", "nnref 2t", "× 2t/1t", "TF.js 1t", "TF.js 2t", "× TF 2t/1t", "× TF.js 1t", "× TF.js 2t"];

function find(results: Results, group: string, library: string, threads: number, label: string): Measured | undefined {
  return results.get(`${group} ${library} ${threads}`)?.rows.find((r) => r.label === label);
}

/** How much faster `a` is than `b` (GFLOP/s: a / b; ms: b / a); NaN when either is missing. */
function faster(a: Measured | undefined, b: Measured | undefined): number {
  if (!a || !b) return NaN;
  return a.unit === "ms" ? b.value / a.value : a.value / b.value;
}

/** A note for jobs that did not get the threads they asked for. */
function threadNote(results: Results, group: string): string {
  const short = [...results].filter(([key, r]) => key.startsWith(`${group} `) && r.why).map(([key, r]) => `${key.split(" ").slice(1).join(" ")}t ran on ${r.threads}`);
  return short.length ? `(${short.join(", ")})` : "";
}

function rowsOf(results: Results, group: string): Row[] {
  const labels = [...new Set([...results].filter(([key]) => key.startsWith(`${group} nnref`)).flatMap(([, r]) => r.rows.map((m) => m.label)))];
  return labels.map((label) => {
    const base = label.replace(/ fused$/, "").replace(WITH_COPIES, "");
    const n1 = find(results, group, "nnref", 1, label), n2 = find(results, group, "nnref", 2, label);
    const t1 = find(results, group, "tfjs", 1, base), t2 = find(results, group, "tfjs", 2, base);
    return {
      label,
      values: {
        "nnref 1t": n1?.value ?? NaN, "nnref 2t": n2?.value ?? NaN, "× 2t/1t": faster(n2, n1),
        "TF.js 1t": t1?.value ?? NaN, "TF.js 2t": t2?.value ?? NaN, "× TF 2t/1t": faster(t2, t1),
        "× TF.js 1t": faster(n1, t1), "× TF.js 2t": faster(n2, t2),
      },
      note: threadNote(results, group),
    };
  });
}

function printTables(title: string, results: Results): void {
  for (const group of GROUPS) {
    const rows = rowsOf(results, group);
    if (rows.length === 0) continue;
    const what = group === "kernels" ? `kernels, GFLOP/s; conv2d on resident tensors, and "${WITH_COPIES.trim()}" on plain ones` : `${group} forward, batch 1, ms`;
    printTable(`${title}: ${what} (× columns: how many times faster; × TF.js > 1: nnref faster)`, COLUMNS, rows);
  }
  printConvCeiling(title, results);
}

/**
 * Each conv2d forward against the SGEMM ceiling of the same job: nnref's
 * square SGEMM (n = YARDSTICK_N) runs at the microkernel's mul+add ceiling,
 * and a convolution does that GEMM's multiply-adds and more, so
 * "SGEMM / TF.js" is about the most any conv built on the same SIMD
 * instructions could be ahead of TF.js's (docs/benchmarks.md).
 */
function printConvCeiling(title: string, results: Results): void {
  const sgemm = (threads: number) => find(results, "kernels", "nnref", threads, `sgemm n=${YARDSTICK_N}`);
  const labels = (results.get("kernels nnref 1")?.rows ?? []).map((m) => m.label).filter((l) => l.startsWith("conv2d fwd") && !l.endsWith(WITH_COPIES));
  if (labels.length === 0 || !sgemm(1)) return;
  const rows = labels.map((label) => {
    const values: Record<string, number> = {};
    for (const t of [1, 2]) {
      const tf = find(results, "kernels", "tfjs", t, label);
      values[`nnref ${t}t`] = find(results, "kernels", "nnref", t, label)?.value ?? NaN;
      values[`TF.js ${t}t`] = tf?.value ?? NaN;
      values[`SGEMM ${t}t`] = sgemm(t)?.value ?? NaN;
      values[`× TF.js ${t}t`] = faster(find(results, "kernels", "nnref", t, label), tf);
      values[`× TF.js at SGEMM speed ${t}t`] = faster(sgemm(t), tf);
    }
    return { label, values };
  });
  const columns = [1, 2].flatMap((t) => [`nnref ${t}t`, `TF.js ${t}t`, `SGEMM ${t}t`, `× TF.js ${t}t`, `× TF.js at SGEMM speed ${t}t`]);
  printTable(`${title}: conv2d forward against nnref's SGEMM n=${YARDSTICK_N} of the same job, GFLOP/s (× at SGEMM speed: how far ahead of TF.js a conv running at the GEMM ceiling would be)`, columns, rows);
}

/** Prints one round's tables, with the load average around it. */
export function printRound(round: number, results: Results, loadNote: string): void {
  printTables(`round ${round} (${loadNote})`, results);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Prints the tables of the medians over rounds (each number its median; ratios of the medians). */
export function printSummary(rounds: Results[]): void {
  const merged: Results = new Map();
  for (const [key, first] of rounds[0]) {
    const all = rounds.map((r) => r.get(key)).filter((r): r is JobResult => r !== undefined);
    merged.set(key, {
      ...first,
      why: all.find((r) => r.why)?.why,
      threads: Math.min(...all.map((r) => r.threads)),
      rows: first.rows.map((m) => ({ ...m, value: median(all.map((r) => r.rows.find((x) => x.label === m.label)?.value ?? NaN).filter((v) => !Number.isNaN(v))) })),
    });
  }
  printTables(`median over ${rounds.length} rounds`, merged);
}

/** max |a − b| / max |b|, and whether a and b are the same bits. */
function compare(a: number[] | undefined, b: number[] | undefined): string {
  if (!a || !b || a.length !== b.length) return "not compared (missing)";
  let diff = 0, scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return a.every((x, i) => Object.is(x, b[i])) ? "bit-identical" : `max |Δ| / max |y| = ${(diff / scale).toExponential(1)}`;
}

/** Prints the thread counts every job reported (and why one fell short), and the output cross-checks of round 1. */
export function printThreadsAndOutputs(rounds: Results[]): void {
  console.log("\nthreads in effect, as each job's worker reported them:");
  const configs = new Map<string, string[]>();
  for (const results of rounds) {
    for (const [key, r] of results) {
      const [, library, threads] = key.split(" ");
      const name = `${library === "tfjs" ? "TF.js" : "nnref"} ${threads}t`;
      configs.set(name, [...(configs.get(name) ?? []), `${r.detail}${r.why ? ` — fewer than asked: ${r.why}` : ""}`]);
    }
  }
  for (const [name, details] of configs) {
    const distinct = [...new Set(details)];
    console.log(`  ${name}: ${distinct.join("; ")} (${details.length} job${details.length > 1 ? "s" : ""})`);
  }
  const first = rounds[0];
  for (const group of ["resnet18", "vgg16"]) {
    const output = (library: string, threads: number, fused = false): number[] | undefined =>
      first.get(`${group} ${library} ${threads}`)?.rows.find((m) => m.label.endsWith(" fused") === fused)?.output;
    if (!output("nnref", 1) && !output("tfjs", 1)) continue;
    console.log(`${group} outputs (round 1): nnref vs TF.js at 1 thread ${compare(output("nnref", 1), output("tfjs", 1))}, at 2 threads ${compare(output("nnref", 2), output("tfjs", 2))}; ` +
      `nnref 2t vs 1t ${compare(output("nnref", 2), output("nnref", 1))} (fused: ${compare(output("nnref", 2, true), output("nnref", 1, true))}); ` +
      `nnref fused vs as built ${compare(output("nnref", 1, true), output("nnref", 1))}; TF.js 2t vs 1t ${compare(output("tfjs", 2), output("tfjs", 1))}`);
  }
}
