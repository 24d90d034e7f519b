// The README's library example must run as printed (so it cannot rot):
// extract the ```ts block, point its import at src/, run it, read its output.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, writeFileSync, rmSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

test("the README's TypeScript example runs and its gradcheck is below 1e-6", () => {
  const readme = readFileSync(`${root}README.md`, "utf8");
  const match = readme.match(/```ts\n([\s\S]*?)```/);
  assert.ok(match, "README has a ```ts block");
  const code = match![1].replace(/from "nnref"/g, 'from "./src/index.js"');
  const file = `${root}.readme-example-${process.pid}.ts`;
  writeFileSync(file, code);
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
    delete env.FORCE_COLOR;
    const out = execFileSync(process.execPath, ["--import", "tsx", file], { cwd: root, encoding: "utf8", env });
    const error = Number(out.trim().split("\n").pop());
    assert.ok(Number.isFinite(error) && error < 1e-6, `printed ${JSON.stringify(out)}`);
  } finally {
    rmSync(file, { force: true });
  }
});

test.run();
