// The floors of docs/architecture.md, checked against the imports of src/:
// a file imports from its own folder, from the first floor's files (when it is
// one of them) or from lower floors; no file imports upward and the import
// graph has no cycle. assembly/ imports nothing from src/.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { sourceFiles } from "../support/code_size.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** The floors table of docs/architecture.md: floor number → paths (a folder ends in "/"). */
function floorsTable(): Map<string, number> {
  const text = readFileSync(join(root, "docs/architecture.md"), "utf8");
  const floors = new Map<string, number>();
  for (const m of text.matchAll(/^\| (\d+) \| ([^|]+) \|$/gm)) {
    for (const path of m[2].trim().split(/\s+/)) floors.set(path, Number(m[1]));
  }
  return floors;
}

/** The floor entry (path as written in the table) a file belongs to, or undefined. */
function entryOf(file: string, floors: Map<string, number>): string | undefined {
  if (floors.has(file)) return file;
  let best: string | undefined;
  for (const path of floors.keys()) if (path.endsWith("/") && file.startsWith(path) && (!best || path.length > best.length)) best = path;
  return best;
}

/** Relative imports of a TypeScript file, resolved to repository paths (".js" → ".ts"). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+["'](\.{1,2}\/[^"']+)["']/g)) {
    out.push(relative(root, normalize(join(root, dirname(file), m[1]))).replace(/\.js$/, ".ts"));
  }
  for (const m of text.matchAll(/\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g)) {
    out.push(relative(root, normalize(join(root, dirname(file), m[1]))).replace(/\.js$/, ".ts"));
  }
  return out;
}

const floors = floorsTable();
const files = sourceFiles(root, ["src"]).filter((f) => f.endsWith(".ts"));

test("the floors table names every file and folder of src/", () => {
  assert.ok(floors.size >= 15, `${floors.size} entries read from docs/architecture.md`);
  const unplaced = files.filter((f) => entryOf(f, floors) === undefined);
  assert.equal(unplaced, []);
});

/** What is wrong with `file` importing `targets` (repository paths), by the floors table; [] when nothing. */
function floorViolations(file: string, targets: readonly string[]): string[] {
  const wrong: string[] = [];
  const from = entryOf(file, floors);
  if (from === undefined) return [`${file} is on no floor`];
  for (const target of targets) {
    const to = entryOf(target, floors);
    if (to === undefined) { wrong.push(`${file} imports ${target}, which no floor holds`); continue; }
    if (to === from) continue;
    const [a, b] = [floors.get(from)!, floors.get(to)!];
    if (b < a || (a === 1 && b === 1)) continue;
    wrong.push(`${file} (floor ${a}) imports ${target} (floor ${b})`);
  }
  return wrong;
}

test("the floor check catches an upward import and a sibling import, and passes a downward one", () => {
  assert.equal(floorViolations("src/ops/example.ts", ["src/nn/module.ts"]), ["src/ops/example.ts (floor 2) imports src/nn/module.ts (floor 5)"]);
  assert.equal(floorViolations("src/nn/example.ts", ["src/io/npy.ts"]), ["src/nn/example.ts (floor 5) imports src/io/npy.ts (floor 5)"]);
  assert.equal(floorViolations("src/nn/example.ts", ["src/ops/conv2d.ts", "src/nn/module.ts", "src/tensor.ts"]), []);
  assert.equal(floorViolations("src/tensor.ts", ["src/random.ts"]), []);
});

test("no file imports from a higher floor or from a sibling folder of its own floor", () => {
  assert.equal(files.flatMap((file) => floorViolations(file, importsOf(file))), []);
});

test("the import graph of src/ has no cycle", () => {
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => t.startsWith("src/"))]));
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (file: string, path: string[]): void => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "open") { cycles.push([...path.slice(path.indexOf(file)), file].join(" → ")); return; }
    state.set(file, "open");
    for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
    state.set(file, "done");
  };
  for (const file of files) visit(file, []);
  assert.equal(cycles, []);
});

test("assembly/ imports nothing from src/", () => {
  const wrong = sourceFiles(root, ["assembly"]).filter((f) => importsOf(f).some((t) => !t.startsWith("assembly/")));
  assert.equal(wrong, []);
});

test.run();
