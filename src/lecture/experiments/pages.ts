/**
 * The course companion's pages (docs/lectures/000.md … 004.md), generated
 * from the stored results of full runs (docs/lectures/results/NAME.json):
 * per deck, each experiment with its slides, the function, the spec, the
 * command, the figures, the lecture's numbers beside nnref's and the claims.
 * Pure: the caller reads the records and finds the source and spec files
 * (./files.ts does both for Node).
 */
import type { Claim, ComparisonRow, Experiment, ExperimentOptions, ExperimentResult } from "./experiment.js";

/** The five decks, by number, as the pages title them. */
export const DECKS: ReadonlyArray<readonly [string, string]> = [
  ["000", "Machine Learning 15: Neural Networks and Deep Learning"],
  ["001", "Introduction to ML week 6: Optimization, Regularization"],
  ["002", "Computer Vision: Deep Learning Lab, day 3"],
  ["003", "Deep Learning Crash Course (EPFL)"],
  ["004", "CSCE 421 Lecture 9: Deep neural networks"],
];

/** What `nnref lecture NAME --json` prints and docs/lectures/results/NAME.json stores: the result without figure bytes. */
export interface ExperimentRecord {
  name: string;
  deck: string;
  slides: string[];
  title: string;
  options: ExperimentOptions;
  /** Wall-clock seconds of the run. */
  seconds: number;
  /** The CPU it ran on (os.cpus()[0].model), or "" when unknown. */
  cpu: string;
  /** The machine's 1-minute load average when the run ended (a wall time on a busy machine is longer), or null when unknown. */
  loadAverage: number | null;
  rows: ComparisonRow[];
  claims: Claim[];
  figures: Array<{ file: string; kind: "svg" | "png"; caption: string }>;
  data: Record<string, unknown>;
}

/** Where an experiment lives in the repository: its file, the exported constant, and the specs that import it. */
export interface ExperimentSource {
  file: string;
  exportName: string;
  specs: string[];
  /** The experiment's documented full-run time (`Experiment.fullRunTime`), when known. */
  fullRunTime?: string;
}

/** The record of one run of `experiment` (figures without their bytes). */
export function experimentRecord(experiment: Experiment, result: ExperimentResult, options: ExperimentOptions, seconds: number, cpu = "", loadAverage: number | null = null): ExperimentRecord {
  return {
    name: experiment.name,
    deck: experiment.deck,
    slides: [...experiment.slides],
    title: experiment.title,
    options: { quick: options.quick, seed: options.seed },
    seconds: Number(seconds.toFixed(1)),
    cpu,
    loadAverage: loadAverage === null ? null : Number(loadAverage.toFixed(1)),
    rows: result.rows,
    claims: result.claims,
    figures: result.figures.map(({ file, kind, caption }) => ({ file, kind, caption })),
    data: result.data,
  };
}

/** A table value: integers with thousands separators, other numbers with 6 significant digits, strings as they are (for more digits), null as "–". */
export function formatValue(v: number | string | null): string {
  if (v === null) return "–";
  if (typeof v === "string") return v;
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return v.toLocaleString("en-US");
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e15)) return Number(v.toPrecision(6)).toExponential();
  return String(Number(v.toPrecision(6)));
}

function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function experimentSection(r: ExperimentRecord, source: ExperimentSource | undefined): string[] {
  const lines = [`## ${r.slides.map((s) => `"${s}"`).join(", ")}: ${r.title}`, ""];
  const load = r.loadAverage === null || r.loadAverage === undefined ? "" : `, load average ${r.loadAverage}`;
  const run = `\`nnref lecture ${r.name}\`, seed ${r.options.seed}${r.options.quick ? " (**quick** sizes)" : ""}; \`--quick\` runs the spec's sizes`;
  lines.push(`- Command: ${run}`);
  lines.push(`- Recorded run: ${r.seconds} s wall clock${r.cpu ? ` on ${r.cpu}` : ""}${load}${source?.fullRunTime ? `; documented full-run time ${source.fullRunTime}` : ""}`);
  lines.push(`- Function: ${source ? `\`${source.file}\` \`${source.exportName}\`` : "(source file not found)"}`);
  lines.push(`- Spec: ${source && source.specs.length ? source.specs.map((s) => `\`${s}\``).join(", ") : "none"}`);
  lines.push("");
  // A PNG grid with a labelled SVG of the same name is shown through the SVG and linked.
  const stem = (file: string) => file.replace(/\.(png|svg)$/, "");
  const svgStems = new Set(r.figures.filter((f) => f.kind === "svg").map((f) => stem(f.file)));
  for (const f of r.figures) {
    if (f.kind === "png" && svgStems.has(stem(f.file))) continue;
    const png = r.figures.find((g) => g.kind === "png" && f.kind === "svg" && stem(g.file) === stem(f.file));
    lines.push(`![${cell(f.caption)}](figures/${r.name}/${f.file})`, "", `*${f.caption}*${png ? ` ([PNG](figures/${r.name}/${png.file}): ${png.caption})` : ""}`, "");
  }
  lines.push("| quantity | lecture | nnref | note |", "|---|---:|---:|---|");
  for (const row of r.rows) lines.push(`| ${cell(row.quantity)} | ${cell(formatValue(row.lecture))} | ${cell(formatValue(row.nnref))} | ${cell(row.note ?? "")} |`);
  lines.push("");
  for (const c of r.claims) lines.push(`- ${c.holds ? "✓ holds" : "✗ does not hold"}: ${c.claim}`);
  lines.push("");
  return lines;
}

/**
 * The markdown pages by file name ("000.md" … "004.md", and "README.md"
 * indexing them), from `records` (one per experiment) and where each
 * experiment's code and specs live. Experiments appear on the page of their
 * deck (the first three characters of `deck`), in the order of `records`.
 */
export function lecturePages(records: readonly ExperimentRecord[], sources: Readonly<Record<string, ExperimentSource>>): Map<string, string> {
  const pages = new Map<string, string>();
  const notice = "<!-- Generated by `npm run lecture:docs` (nnref lecture --docs) from docs/lectures/results/*.json. Do not edit by hand. -->";
  const index = [notice, "", "# The lectures' experiments", "", "Every experiment of the course companion, run in full and recorded in `docs/lectures/results/`; `nnref lecture` lists them and `nnref lecture NAME` reruns one.", ""];
  for (const [number, deckTitle] of DECKS) {
    const mine = records.filter((r) => r.deck.startsWith(number));
    const lines = [notice, "", `# ${number} — ${deckTitle}`, ""];
    if (mine.length === 0) lines.push("No experiment of this deck yet.", "");
    else {
      lines.push("| slides | experiment | claims held |", "|---|---|---|");
      for (const r of mine) lines.push(`| ${cell(r.slides.join("; "))} | \`${r.name}\`: ${cell(r.title)} | ${r.claims.filter((c) => c.holds).length} of ${r.claims.length} |`);
      lines.push("");
      for (const r of mine) lines.push(...experimentSection(r, sources[r.name]));
    }
    pages.set(`${number}.md`, lines.join("\n").replace(/\n+$/, "\n"));
    index.push(`- [${number} — ${deckTitle}](${number}.md): ${mine.length ? mine.map((r) => `\`${r.name}\``).join(", ") : "none yet"}`);
  }
  pages.set("README.md", `${index.join("\n")}\n`);
  return pages;
}
