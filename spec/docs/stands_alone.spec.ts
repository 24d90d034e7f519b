// The repository stands alone: no source, spec, script or page cites a file
// outside it (the lecture decks are cited by deck number, course name and
// slide title; the vectors format is specified in docs/vectors/format.md).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** Every text file under `dir` (no node_modules, no dist, no dot folders). */
function textFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist" || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...textFiles(path));
    else if (/\.(ts|mjs|js|md|json|txt)$/.test(name) && !name.endsWith(".generated.ts")) out.push(path);
  }
  return out;
}

// Spelled in pieces so that this file does not match itself.
const OUTSIDE = new RegExp(["shared" + "/", "\\bseeds" + "/", "\\bVECTORS" + "\\.md\\b", "/work" + "/"].join("|"), "g");

test("no file in src/, spec/, docs/, scripts/, bench/ or the top-level docs points outside the repository", () => {
  const files = [...["src", "spec", "docs", "scripts", "bench", "assembly"].flatMap((d) => textFiles(join(root, d))), join(root, "README.md"), join(root, "package.json")];
  assert.ok(files.length > 100, `${files.length} files`);
  const problems: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(OUTSIDE)) {
      const line = text.slice(0, m.index).split("\n").length;
      problems.push(`${file.slice(root.length)}:${line}: "${m[0]}"`);
    }
  }
  assert.equal(problems, []);
});

test.run();
