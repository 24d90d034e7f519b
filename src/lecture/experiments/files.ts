/**
 * Node-only: the files of the course companion — an experiment's figures
 * written to a folder, full-run records stored in docs/lectures/results/, and
 * the pages of docs/lectures/ regenerated from them (./pages.ts).
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { join, relative } from "node:path";
import type { Experiment, ExperimentOptions, ExperimentResult } from "./experiment.js";
import { EXPERIMENTS } from "./index.js";
import { experimentRecord, lecturePages, type ExperimentRecord, type ExperimentSource } from "./pages.js";

/** Where the pages, records and figures live, relative to the repository root. */
export const LECTURE_DOCS = { pages: "docs/lectures", results: "docs/lectures/results", figures: "docs/lectures/figures" } as const;

/** Writes every figure of `result` into `dir` (created if missing); returns the paths written. */
export async function writeExperimentFigures(result: ExperimentResult, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const f of result.figures) {
    const path = join(dir, f.file);
    await writeFile(path, f.data);
    paths.push(path);
  }
  return paths;
}

/** This machine's CPU model, for records ("" when unknown). */
export function cpuModel(): string {
  return cpus()[0]?.model.trim() ?? "";
}

/**
 * Stores a run as the experiment's full-run record under `root`:
 * docs/lectures/results/NAME.json and the figures in
 * docs/lectures/figures/NAME/. Returns the record.
 */
export async function recordExperiment(root: string, experiment: Experiment, result: ExperimentResult, options: ExperimentOptions, seconds: number): Promise<ExperimentRecord> {
  const record = experimentRecord(experiment, result, options, seconds, cpuModel(), loadavg()[0]);
  await writeExperimentFigures(result, join(root, LECTURE_DOCS.figures, experiment.name));
  await mkdir(join(root, LECTURE_DOCS.results), { recursive: true });
  await writeFile(join(root, LECTURE_DOCS.results, `${experiment.name}.json`), `${JSON.stringify(record, null, 1)}\n`);
  return record;
}

/** The stored records under `root`, in EXPERIMENTS order (records of unknown names last, by name). */
export async function readExperimentRecords(root: string): Promise<ExperimentRecord[]> {
  const dir = join(root, LECTURE_DOCS.results);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((f) => f.endsWith(".json")).sort();
  } catch {
    return [];
  }
  const records: ExperimentRecord[] = [];
  for (const f of names) {
    const path = join(dir, f);
    let record: ExperimentRecord;
    try {
      record = JSON.parse(await readFile(path, "utf8")) as ExperimentRecord;
    } catch (err) {
      throw new Error(`${path}: expected an experiment record (JSON), got: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (typeof record.name !== "string" || !Array.isArray(record.rows) || !Array.isArray(record.claims)) throw new Error(`${path}: expected an experiment record with name, rows and claims`);
    records.push(record);
  }
  const order = (name: string) => {
    const i = EXPERIMENTS.findIndex((e) => e.name === name);
    return i < 0 ? EXPERIMENTS.length : i;
  };
  return records.sort((a, b) => order(a.name) - order(b.name) || a.name.localeCompare(b.name));
}

/** The experiments of EXPERIMENTS that have no stored record under `root`. */
export async function experimentsWithoutRecords(root: string): Promise<string[]> {
  const have = new Set((await readExperimentRecords(root)).map((r) => r.name));
  return EXPERIMENTS.map((e) => e.name).filter((n) => !have.has(n));
}

async function filesUnder(dir: string, suffix: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path, suffix)));
    else if (entry.name.endsWith(suffix)) out.push(path);
  }
  return out.sort();
}

/** For each experiment name: its file under src/lecture/experiments/, the exported constant, and the specs importing that file. */
export async function findExperimentSources(root: string): Promise<Record<string, ExperimentSource>> {
  const sources: Record<string, ExperimentSource> = {};
  const specs = await Promise.all((await filesUnder(join(root, "spec"), ".spec.ts")).map(async (p) => ({ path: relative(root, p), text: await readFile(p, "utf8") })));
  for (const path of await filesUnder(join(root, "src/lecture/experiments"), ".ts")) {
    const text = await readFile(path, "utf8");
    const exported = text.match(/export const (\w+)\s*:\s*Experiment\s*=\s*\{[\s\S]*?\bname:\s*"([^"]+)"/);
    if (!exported) continue;
    const file = relative(root, path);
    const module = `experiments/${file.split("/").pop()!.replace(/\.ts$/, ".js")}`;
    const fullRunTime = EXPERIMENTS.find((e) => e.name === exported[2])?.fullRunTime;
    sources[exported[2]] = { file, exportName: exported[1], specs: specs.filter((s) => s.text.includes(module)).map((s) => s.path), ...(fullRunTime ? { fullRunTime } : {}) };
  }
  return sources;
}

/** The pages of docs/lectures/ as they should be, from the stored records under `root`: file name → markdown. */
export async function expectedLecturePages(root: string): Promise<Map<string, string>> {
  return lecturePages(await readExperimentRecords(root), await findExperimentSources(root));
}

/** Regenerates docs/lectures/*.md under `root` from the stored records; returns the paths written. */
export async function writeLecturePages(root: string): Promise<string[]> {
  const pages = await expectedLecturePages(root);
  await mkdir(join(root, LECTURE_DOCS.pages), { recursive: true });
  const written: string[] = [];
  for (const [file, text] of pages) {
    const path = join(root, LECTURE_DOCS.pages, file);
    await writeFile(path, text);
    written.push(path);
  }
  return written;
}
