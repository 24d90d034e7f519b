/**
 * `nnref lecture [NAME] [--quick] [--out DIR] [--json] [--seed S]`
 * `nnref lecture NAME --record` · `nnref lecture --docs`
 *
 * The course companion: with no NAME, lists the experiments by deck and
 * slide; with NAME, runs that experiment (src/lecture/experiments/), prints
 * the lecture's numbers beside nnref's and the claims, and writes its
 * figures. `--record` stores a run as the experiment's full-run record in
 * docs/lectures/, `--docs` regenerates docs/lectures/*.md from the records.
 * Argument parsing and printing only.
 */
import { join } from "node:path";
import { loadavg } from "node:os";
import { EXPERIMENTS, findExperiment } from "../lecture/experiments/index.js";
import { experimentRecord, formatValue } from "../lecture/experiments/pages.js";
import { cpuModel, experimentsWithoutRecords, recordExperiment, writeExperimentFigures, writeLecturePages } from "../lecture/experiments/files.js";
import { setBackend } from "../backend/dispatch.js";
import { loadKernelsSync } from "../backend/load.js";
import { parseCommandLine } from "./command_line.js";

const USAGE = `usage: nnref lecture                      list the experiments by deck and slide
       nnref lecture NAME [--quick] [--out DIR] [--json] [--seed S]
       nnref lecture NAME --record [--root DIR]   run in full, store in docs/lectures/
       nnref lecture --docs [--root DIR]           regenerate docs/lectures/*.md

Runs one lecture experiment: prints a table (quantity, the lecture's value,
nnref's value, note) and the slide's claims (holds / does not hold), and
writes the figures (SVG, PNG) into --out.

  --quick      small sizes that finish in seconds (the spec suite's); the claims must still hold
  --out DIR    where the figures go (default runs/lecture/NAME)
  --json       end with one JSON line: the record (rows, claims, figures, data, seconds)
  --seed S     seed of every random draw (default 1)
  --record     store the run as NAME's record: docs/lectures/results/NAME.json and
               docs/lectures/figures/NAME/ under --root (default: the current folder),
               then regenerate the pages
  --docs       regenerate docs/lectures/000.md … 004.md and README.md from the records`;

function listing(): string {
  const lines: string[] = [];
  let deck = "";
  const width = Math.max(...EXPERIMENTS.map((e) => e.name.length));
  for (const e of EXPERIMENTS) {
    if (e.deck !== deck) {
      deck = e.deck;
      lines.push(lines.length ? "" : "", deck);
    }
    lines.push(`  ${e.name.padEnd(width)}  ${e.slides.map((s) => `"${s}"`).join(", ")}: ${e.title}`);
  }
  return lines.join("\n").trimStart();
}

function table(rows: Array<{ quantity: string; lecture: string; nnref: string; note: string }>): string {
  const head = { quantity: "quantity", lecture: "lecture", nnref: "nnref", note: "note" };
  const all = [head, ...rows];
  const w = (k: "quantity" | "lecture" | "nnref") => Math.max(...all.map((r) => r[k].length));
  return all.map((r) => `${r.quantity.padEnd(w("quantity"))}  ${r.lecture.padStart(w("lecture"))}  ${r.nnref.padStart(w("nnref"))}  ${r.note}`.trimEnd()).join("\n");
}

function parseSeed(text: string | undefined): number {
  if (text === undefined) return 1;
  if (!/^-?\d+$/.test(text.trim())) throw new RangeError(`--seed: expected an integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** Runs `nnref lecture` with `argv` (after the command name); returns the exit status. */
export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandLine("lecture", USAGE, {
    args: argv,
    allowPositionals: true,
    options: {
      quick: { type: "boolean", default: false },
      out: { type: "string" },
      json: { type: "boolean", default: false },
      seed: { type: "string" },
      record: { type: "boolean", default: false },
      docs: { type: "boolean", default: false },
      root: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
  const root = values.root ?? process.cwd();
  if (values.docs && positionals.length === 0) {
    for (const path of await writeLecturePages(root)) console.log(`wrote ${path}`);
    const missing = await experimentsWithoutRecords(root);
    if (missing.length) console.log(`no record yet (run nnref lecture NAME --record): ${missing.join(", ")}`);
    return 0;
  }
  if (positionals.length === 0) {
    console.log(listing());
    return 0;
  }
  if (positionals.length > 1) {
    console.error(`nnref lecture: expected one NAME, got ${positionals.join(" ")}\n\n${USAGE}`);
    return 2;
  }
  const experiment = findExperiment(positionals[0]);
  if (!experiment) {
    console.error(`nnref lecture: unknown experiment ${JSON.stringify(positionals[0])}; the experiments are:\n\n${listing()}`);
    return 2;
  }
  if (values.record && values.quick) {
    console.error("nnref lecture: --record stores a full run; drop --quick");
    return 2;
  }
  let seed: number;
  try {
    seed = parseSeed(values.seed);
  } catch (err) {
    console.error(`nnref lecture: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  const options = { quick: values.quick, seed };
  if (loadKernelsSync()) setBackend("wasm"); // the fast backend when it loads, as nnref train
  const started = performance.now();
  const result = await experiment.run(options);
  const seconds = (performance.now() - started) / 1000;
  console.log(`${experiment.deck} — ${experiment.slides.map((s) => `"${s}"`).join(", ")}`);
  console.log(`${experiment.title}${options.quick ? " (quick)" : ""}, seed ${seed}: ${seconds.toFixed(1)} s\n`);
  console.log(table(result.rows.map((r) => ({ quantity: r.quantity, lecture: formatValue(r.lecture), nnref: formatValue(r.nnref), note: r.note ?? "" }))));
  console.log("");
  for (const c of result.claims) console.log(`${c.holds ? "holds         " : "does not hold "} ${c.claim}`);
  if (values.record) {
    await recordExperiment(root, experiment, result, options, seconds);
    console.log(`\nrecorded in ${join(root, "docs/lectures/results", `${experiment.name}.json`)}`);
    await writeLecturePages(root);
  } else if (result.figures.length) {
    const paths = await writeExperimentFigures(result, values.out ?? join("runs", "lecture", experiment.name));
    console.log("");
    for (const [i, p] of paths.entries()) console.log(`wrote ${p}: ${result.figures[i].caption}`);
  }
  if (values.json) console.log(JSON.stringify(experimentRecord(experiment, result, options, seconds, cpuModel(), loadavg()[0])));
  return 0;
}
