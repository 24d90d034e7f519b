/**
 * docs/lectures/ is generated from the stored full-run records: regenerating
 * the pages from docs/lectures/results/ must give exactly the files in the
 * repository (run `npm run lecture:docs` after changing a record or an
 * experiment's file or spec), every experiment of EXPERIMENTS must have a
 * record, every record's figures must exist, and the lecture map and the docs
 * index link to the pages.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { EXPERIMENTS } from "../../src/lecture/experiments/index.js";
import { expectedLecturePages, experimentsWithoutRecords, findExperimentSources, readExperimentRecords } from "../../src/lecture/experiments/files.js";
import { formatValue, lecturePages } from "../../src/lecture/experiments/pages.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

test("every experiment in EXPERIMENTS has a stored full-run record, and each record's figures exist", async () => {
  assert.equal(await experimentsWithoutRecords(root), [], "run: nnref lecture NAME --record");
  for (const r of await readExperimentRecords(root)) {
    assert.not.ok(r.options.quick, `${r.name}: the stored record is a full run, not --quick`);
    for (const f of r.figures) assert.ok(existsSync(join(root, "docs/lectures/figures", r.name, f.file)), `${r.name}: figure ${f.file}`);
  }
});

test("the pages in docs/lectures/ are what the generator makes from the records (not stale, not edited by hand)", async () => {
  const pages = await expectedLecturePages(root);
  assert.equal([...pages.keys()].sort(), ["000.md", "001.md", "002.md", "003.md", "004.md", "README.md"]);
  const stale = [...pages].filter(([file, text]) => {
    const path = join(root, "docs/lectures", file);
    return !existsSync(path) || readFileSync(path, "utf8") !== text;
  }).map(([file]) => file);
  assert.equal(stale, [], "regenerate with: npm run lecture:docs");
});

test("every experiment's page section names its file, its spec and its command; the map and the docs index link the pages", async () => {
  const sources = await findExperimentSources(root);
  for (const e of EXPERIMENTS) {
    assert.ok(sources[e.name], `${e.name}: its file under src/lecture/experiments/`);
    assert.ok(sources[e.name].specs.length > 0, `${e.name}: a spec imports it`);
  }
  const pages = await expectedLecturePages(root);
  const all = [...pages.values()].join("\n");
  for (const e of EXPERIMENTS) assert.ok(all.includes(`\`nnref lecture ${e.name}\``), e.name);
  assert.match(readFileSync(join(root, "docs/lecture-map.md"), "utf8"), /\]\(lectures\/README\.md\)/);
  assert.match(readFileSync(join(root, "docs/README.md"), "utf8"), /\]\(lectures\/README\.md\)/);
});

test("lecturePages: a record on its deck's page with the table and claims; formatValue", () => {
  const record = {
    name: "demo", deck: "002 Computer Vision", slides: ["A slide"], title: "a demo", options: { quick: false, seed: 1 }, seconds: 1.5, cpu: "CPU X", loadAverage: 3.2,
    rows: [{ quantity: "q|1", lecture: 17, nnref: 17.000001, note: "n" }], claims: [{ claim: "c", holds: false }], figures: [{ file: "f.svg", kind: "svg" as const, caption: "cap" }], data: {},
  };
  const pages = lecturePages([record], { demo: { file: "src/x.ts", exportName: "demo", specs: ["spec/x.spec.ts"] } });
  const page = pages.get("002.md")!;
  assert.ok(page.includes('## "A slide": a demo'));
  assert.ok(page.includes("| q\\|1 | 17 | 17 | n |"));
  assert.ok(page.includes("- ✗ does not hold: c"));
  assert.ok(page.includes("![cap](figures/demo/f.svg)"));
  assert.ok(page.includes("`src/x.ts` `demo`") && page.includes("`spec/x.spec.ts`") && page.includes("1.5 s wall clock on CPU X, load average 3.2"));
  assert.ok(pages.get("000.md")!.includes("No experiment of this deck yet."));
  assert.equal([formatValue(null), formatValue("1.00000024"), formatValue(25557032), formatValue(0.123456789), formatValue(9.663377e-13)], ["–", "1.00000024", "25,557,032", "0.123457", "9.66338e-13"]);
});

test.run();
