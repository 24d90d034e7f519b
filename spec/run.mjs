#!/usr/bin/env node
// Runs the uvu suite (TypeScript through tsx), one process per spec file,
// as many at a time as the machine has cores (NNREF_SPEC_JOBS overrides),
// and closes with one plain line `tests: N passed, M failed, S skipped`,
// which CI reads. Exit status is non-zero when anything failed or a file
// could not run.
//
//   node spec/run.mjs              every spec/**/*.spec.ts
//   node spec/run.mjs spec/ops     one folder
//   node spec/run.mjs spec conv    files whose path matches a pattern
//
// A process per file also keeps files from sharing global state (the active
// backend, the no-grad depth). Each file's output is printed whole when it
// finishes, so parallel files never interleave. The longest files start
// first: their durations from the last run are kept in
// node_modules/.cache/nnref-spec-times.json (without it, larger files first).
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const uvuBin = join(root, "node_modules/uvu/bin.js");
const timesFile = join(root, "node_modules/.cache/nnref-spec-times.json");
const dir = process.argv[2] ?? "spec";
const pattern = new RegExp(process.argv[3] ? `${process.argv[3]}.*\\.spec\\.ts$` : "\\.spec\\.ts$", "i");
const jobs = Math.max(1, Number(process.env.NNREF_SPEC_JOBS) || availableParallelism());

/** Every spec file under `folder` whose path matches the pattern (as uvu matches it). */
function specFiles(folder) {
  const found = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) found.push(...specFiles(path));
    else if (pattern.test(relative(dir, path))) found.push(path);
  }
  return found;
}

function readTimes() {
  try {
    return JSON.parse(readFileSync(timesFile, "utf8"));
  } catch {
    return {};
  }
}

// uvu sets FORCE_COLOR=1 for its specs unless told --no-color, and child
// processes that specs start would then print ANSI colours; NO_COLOR and
// removing FORCE_COLOR keep every layer plain.
const env = { ...process.env, NO_COLOR: "1" };
delete env.FORCE_COLOR;

/** Runs one spec file in its own uvu process; resolves with its counts and output. */
function runFile(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const rel = relative(root, file);
    // uvu takes a folder and a pattern: the file's folder and its exact name.
    const name = file.split(/[\\/]/).pop().replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const child = spawn(process.execPath, ["--import", "tsx", uvuBin, join(file, ".."), `^${name}$`, "--no-color"], {
      cwd: root,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (out += chunk));
    child.on("close", (code) => {
      const num = (label) => {
        const m = out.match(new RegExp(`${label}:\\s+(\\d+)`));
        return m ? Number(m[1]) : null;
      };
      const total = num("Total");
      const passed = num("Passed");
      const skipped = num("Skipped") ?? 0;
      const finished = total !== null && passed !== null;
      // A file that did not finish counts as one failure, so it cannot pass unseen.
      const failed = finished ? total - passed - skipped : 1;
      resolve({ rel, out, code, passed: passed ?? 0, failed: failed > 0 || code !== 0 ? Math.max(failed, 1) : 0, skipped, seconds: (Date.now() - started) / 1000 });
    });
  });
}

const times = readTimes();
const files = specFiles(dir).sort((a, b) => {
  const ta = times[relative(root, a)] ?? statSync(a).size / 1e4;
  const tb = times[relative(root, b)] ?? statSync(b).size / 1e4;
  return tb - ta;
});
if (files.length === 0) {
  console.log(`No spec files under ${dir} match ${pattern}.`);
  console.log("tests: 0 passed, 1 failed");
  process.exit(1);
}

const results = [];
let next = 0;
async function worker() {
  while (next < files.length) {
    const result = await runFile(files[next++]);
    results.push(result);
    process.stdout.write(`${result.rel} (${result.seconds.toFixed(1)} s)\n${result.out.trim()}\n\n`);
  }
}
const started = Date.now();
await Promise.all(Array.from({ length: Math.min(jobs, files.length) }, worker));

const sum = (key) => results.reduce((s, r) => s + r[key], 0);
const failedFiles = results.filter((r) => r.failed > 0);
for (const r of results) times[r.rel] = r.seconds;
try {
  mkdirSync(join(timesFile, ".."), { recursive: true });
  writeFileSync(timesFile, JSON.stringify(times, null, 1));
} catch {
  // The cache only orders the next run; a read-only node_modules is fine.
}
console.log(`${files.length} files, ${jobs} at a time, ${((Date.now() - started) / 1000).toFixed(1)} s`);
if (failedFiles.length > 0) console.log(`failed in: ${failedFiles.map((r) => r.rel).join(", ")}`);
console.log(`tests: ${sum("passed")} passed, ${sum("failed")} failed, ${sum("skipped")} skipped`);
process.exit(failedFiles.length > 0 ? 1 : 0);
