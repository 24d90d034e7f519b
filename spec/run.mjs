#!/usr/bin/env node
// Runs the uvu suite (TypeScript through tsx) and closes with one plain line
// `tests: N passed, M failed, S skipped`, which CI reads. Exit status is
// non-zero when anything failed or the suite could not run.
//
//   node spec/run.mjs              every spec/**/*.spec.ts
//   node spec/run.mjs spec/ops     one folder
//   node spec/run.mjs spec conv    files whose path matches a pattern
import { spawn } from "node:child_process";

import { fileURLToPath } from "node:url";
const uvuBin = fileURLToPath(new URL("../node_modules/uvu/bin.js", import.meta.url));
const dir = process.argv[2] ?? "spec";
const pattern = process.argv[3] ? `${process.argv[3]}.*\\.spec\\.ts$` : "\\.spec\\.ts$";

// uvu sets FORCE_COLOR=1 for its specs unless told --no-color, and child
// processes that specs start would then print ANSI colours; NO_COLOR and
// removing FORCE_COLOR keep every layer plain.
const env = { ...process.env, NO_COLOR: "1" };
delete env.FORCE_COLOR;
const child = spawn(process.execPath, ["--import", "tsx", uvuBin, dir, pattern, "--no-color"], {
  env,
  stdio: ["ignore", "pipe", "inherit"],
});
let out = "";
child.stdout.on("data", (chunk) => {
  out += chunk;
  process.stdout.write(chunk);
});
child.on("close", (code) => {
  const num = (label) => {
    const m = out.match(new RegExp(`${label}:\\s+(\\d+)`));
    return m ? Number(m[1]) : null;
  };
  const total = num("Total");
  const passed = num("Passed");
  const skipped = num("Skipped") ?? 0;
  if (total === null || passed === null) {
    console.log(`\nThe suite did not finish (uvu exit ${code}).`);
    console.log("tests: 0 passed, 1 failed");
    process.exit(1);
  }
  const failed = total - passed - skipped;
  console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(failed > 0 || code !== 0 ? 1 : 0);
});
