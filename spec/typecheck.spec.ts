// The whole project (src, spec, bench, scripts) type-checks under strict
// TypeScript: a type error fails the suite like any other failed test.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));

test("tsc -p tsconfig.json reports no type errors", () => {
  const tsc = fileURLToPath(new URL("../node_modules/typescript/bin/tsc", import.meta.url));
  const r = spawnSync(process.execPath, [tsc, "-p", "tsconfig.json", "--noEmit"], { cwd: root, encoding: "utf8" });
  assert.is(r.status, 0, `tsc found errors:\n${r.stdout}${r.stderr}`);
});

test.run();
