// The house rules of issue 10, counted: no source file over 500 lines, no
// function over 80 lines (generated code and specs aside), and one file-name
// case (snake_case) for the code under src/ and assembly/.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fileURLToPath } from "node:url";
import { functionSizes, lineCount, measure, sourceFiles } from "../support/code_size.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const ROOTS = ["src", "assembly", "scripts", "bench", "docs"];
const MAX_FILE_LINES = 500;
const MAX_FUNCTION_LINES = 80;
const measured = measure(root, ROOTS);

test("the measurer counts lines of files and of every kind of function", () => {
  assert.is(lineCount(""), 0);
  assert.is(lineCount("a\nb\n"), 2);
  assert.is(lineCount("a\nb"), 2);
  const text = [
    "export function outer(x: number): number {", // 1
    "  const inner = (y: number) => {", // 2
    "    return y + 1;", // 3
    "  };", // 4
    "  return inner(x);", // 5
    "}", // 6
    "class C {", // 7
    "  method(): void {", // 8
    "  }", // 9
    "  constructor() {}", // 10
    "}", // 11
    "const short = (z: number) => z * 2;", // 12: expression body, not a block: not counted
  ].join("\n");
  const sizes = functionSizes("example.ts", text).map((f) => `${f.name}@${f.line}:${f.lines}`);
  assert.equal(sizes, ["outer@1:6", "inner@2:3", "method@8:2", "constructor@10:1"]);
});

test(`no source file has more than ${MAX_FILE_LINES} lines`, () => {
  const { files } = measured;
  assert.ok(files.length > 150, `${files.length} files measured`);
  const over = files.filter((f) => f.lines > MAX_FILE_LINES).map((f) => `${f.file}: ${f.lines} lines`);
  assert.equal(over, []);
});

test(`no function has more than ${MAX_FUNCTION_LINES} lines`, () => {
  const { functions } = measured;
  assert.ok(functions.length > 1000, `${functions.length} functions measured`);
  const over = functions.filter((f) => f.lines > MAX_FUNCTION_LINES).map((f) => `${f.file}:${f.line} ${f.name}: ${f.lines} lines`);
  assert.equal(over, []);
});

test("file names under src/ and assembly/ are snake_case", () => {
  const names = sourceFiles(root, ["src", "assembly"]).filter((file) => /-/.test(file.split("/").pop()!));
  assert.equal(names, []);
});

test.run();
