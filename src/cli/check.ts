/**
 * `nnref check FILE [--backend js|wasm] [--dtype float32|float64] [--verbose]`
 *
 * Runs every case of a test-vectors file against the library (checkVectors in
 * src/check/vectors.ts), prints a line saying what ran (file, cases, backend,
 * dtype), one line per failing case naming every failing output and gradient
 * (with its count of failing elements) and the worst element, and closes with
 * `N passed, M failed`. `--verbose` adds the passing cases and, under each
 * case, one line per output and gradient. Exit status 0 only when nothing
 * failed; 1 when a case failed or the file cannot be read; 2 for bad
 * arguments or a file with no cases.
 */
import { readFile } from "node:fs/promises";
import { checkVectors, formatCaseDetails, formatCaseResult } from "../check/vectors.js";
import { readVectors } from "../io/vectors.js";
import { isWasmAvailable, kernelOpNames, type BackendName } from "../backend/dispatch.js";
import { loadKernelsSync } from "../backend/load.js";
import type { FloatDType } from "../tensor.js";
import { commandOptions, parseCommand } from "./command_line.js";

const USAGE = `usage: nnref check FILE [--backend js|wasm] [--dtype float32|float64] [--verbose]

Checks every case of an nnref-vectors file (see docs/vectors/README.md):
forward outputs, and gradients where the case gives them.

  --backend js|wasm          run on the reference ops (js) or the wasm kernels
                             where they exist (default: wasm where the kernels
                             load, as in the library)
  --dtype float32|float64    compute dtype (default float32, the format's own;
                             float64 runs the float64 reference)
  --verbose                  also print the passing cases, and under every case
                             one line per output and gradient: how many of its
                             elements fail and its worst element

Prints one line per failing case: every failing output and gradient with its
count of failing elements, and the case's worst element. Closes with
"N passed, M failed". Exit status: 0 when nothing failed, 1 otherwise, 2 for
bad arguments or a file with no cases.`;

/** Runs `nnref check` with `argv` (after the command name); returns the exit status. */
export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand("check", USAGE, argv, commandOptions(["backend", "dtype"], ["verbose"]));
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) {
    console.error(`nnref check: expected one FILE, got ${positionals.length === 0 ? "none" : positionals.join(" ")}\n\n${USAGE}`);
    return 2;
  }
  const backend = values.backend;
  if (backend !== undefined && backend !== "js" && backend !== "wasm") {
    console.error(`nnref check: --backend: expected js or wasm, got ${JSON.stringify(backend)}`);
    return 2;
  }
  const dtype = values.dtype ?? "float32";
  if (dtype !== "float32" && dtype !== "float64") {
    console.error(`nnref check: --dtype: expected float32 or float64, got ${JSON.stringify(dtype)}`);
    return 2;
  }
  const file = positionals[0];

  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : err instanceof Error ? err.message : String(err);
    console.error(`nnref check: cannot read ${file}: ${why}`);
    return 1;
  }
  let vectors;
  try {
    vectors = readVectors(text, { dtype: dtype as FloatDType });
  } catch (err) {
    console.error(`nnref check: ${file}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  if (vectors.cases.length === 0) {
    console.error(`nnref check: ${file}: no cases (its "cases" array is empty), so nothing was checked`);
    return 2;
  }
  // The library's default backend: the wasm kernels where they load, else the reference.
  if (backend !== "js") loadKernelsSync();
  if (backend === "wasm" && !isWasmAvailable()) {
    console.error("nnref check: --backend wasm: the wasm backend is not available here (WebAssembly SIMD not supported or the kernels did not load)");
    return 1;
  }
  const report = checkVectors(vectors, { dtype: dtype as FloatDType, ...(backend ? { backend: backend as BackendName } : {}) });
  const kernels = report.backend === "wasm" ? ` (kernels: ${kernelOpNames().join(", ")}; reference ops otherwise)` : "";
  console.log(`${file}: ${vectors.cases.length} cases, backend ${report.backend}${kernels}, dtype ${dtype}`);
  for (const r of report.results) {
    if (!r.passed || values.verbose) console.log(formatCaseResult(r));
    if (values.verbose) for (const line of formatCaseDetails(r)) console.log(line);
  }
  console.log(`${report.passed} passed, ${report.failed} failed`);
  return report.failed === 0 ? 0 : 1;
}
