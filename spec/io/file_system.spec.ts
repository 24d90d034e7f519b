import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSystemError, makeDirectory, prepareOutputDirectory, readFileBytes, withTimeout, writeFileBytesSync } from "../../src/io/file_system.js";
import { rejectsWith } from "../support/assertions.js";

const root = mkdtempSync(join(tmpdir(), "nnref-fs-"));

test("makeDirectory: creates missing parents, accepts an existing directory", async () => {
  const deep = join(root, "a", "b", "c");
  await makeDirectory(deep);
  assert.ok(statSync(deep).isDirectory());
  await makeDirectory(deep);
});

test("makeDirectory: /proc/x and a dangling symbolic link fail at once naming the path (Node's recursive mkdir loops on both)", async () => {
  const started = performance.now();
  const err = await rejectsWith(() => makeDirectory("/proc/x/y"), /^\/proc\/x: cannot create directory: its parent \/proc exists but refuses it/);
  assert.instance(err, FileSystemError);
  symlinkSync(join(root, "nowhere"), join(root, "dangling"));
  await rejectsWith(() => makeDirectory(join(root, "dangling", "out")), /dangling: cannot create directory: something that is not a directory is there \(a dangling symbolic link\?\)/);
  writeFileSync(join(root, "file"), "x");
  await rejectsWith(() => makeDirectory(join(root, "file", "out")), /file: .*not a directory/);
  assert.ok(performance.now() - started < 2000, "no retry loop");
});

test("prepareOutputDirectory: writes and removes a probe; refuses a folder it cannot write and result names that are not files", async () => {
  const out = join(root, "run");
  await prepareOutputDirectory(out, { files: ["checkpoint.safetensors"] });
  assert.equal(readdirSync(out), [], "the probe file is gone");
  await rejectsWith(() => prepareOutputDirectory("/proc/self"), /^\/proc\/self: cannot write files in this directory: /);
  mkdirSync(join(out, "checkpoint.safetensors"));
  await rejectsWith(() => prepareOutputDirectory(out, { files: ["checkpoint.safetensors"] }), /run\/checkpoint\.safetensors: cannot write the run's results there: it exists and is not a regular file/);
});

test("withTimeout: a call that never answers is given up after the time, with the error it names", async () => {
  const started = performance.now();
  await rejectsWith(() => withTimeout(new Promise(() => undefined), 50, () => new FileSystemError("/mnt/hung", "ETIMEDOUT", "no answer")), /^\/mnt\/hung: no answer$/);
  assert.ok(performance.now() - started < 1000);
  assert.is(await withTimeout(Promise.resolve(7), 50, () => new Error("never")), 7);
});

test("reading and writing name the path (Node says \"EISDIR: illegal operation on a directory, read\")", async () => {
  await rejectsWith(() => readFileBytes(root), new RegExp(`^${root}: cannot read: it is a directory \\(EISDIR\\)$`));
  await rejectsWith(() => readFileBytes(join(root, "missing")), /missing: cannot read: no such file or directory \(ENOENT\)$/);
  assert.throws(() => writeFileBytesSync(join(root, "a"), "x"), (e: Error) => e instanceof FileSystemError && /a: cannot write: it is a directory \(EISDIR\)$/.test(e.message));
  const bytes = await readFileBytes(join(root, "file"));
  assert.is(bytes.constructor, Uint8Array);
  assert.ok(existsSync(join(root, "file")));
});

test.after(() => {
  rmSync(root, { recursive: true });
});

test.run();
