/**
 * Measures the sizes issue 10 bounds: lines per source file and lines per
 * function, over src/, assembly/, scripts/ and bench/ (generated files and
 * specs excluded). A "function" is any function declaration, method,
 * accessor, constructor, function expression or arrow function with a block
 * body; its length runs from the line of its first token to the line of its
 * closing brace.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

export interface FunctionSize {
  file: string;
  name: string;
  line: number;
  lines: number;
}

/** Source files the bounds apply to: .ts/.mjs under the given roots, minus generated code. */
export function sourceFiles(repo: string, roots: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name === "dist" || entry.name.startsWith(".")) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|mjs)$/.test(entry.name) && !/\.generated\.ts$/.test(entry.name) && !/\.d\.ts$/.test(entry.name)) out.push(relative(repo, path));
    }
  };
  for (const root of roots) walk(join(repo, root));
  return out.sort();
}

/** Number of lines of a text file (a final newline does not start a line). */
export function lineCount(text: string): number {
  if (text.length === 0) return 0;
  const n = text.split("\n").length;
  return text.endsWith("\n") ? n - 1 : n;
}

function functionName(node: ts.Node, source: ts.SourceFile): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name) return named.name.getText(source);
  if (ts.isConstructorDeclaration(node)) return "constructor";
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText(source);
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText(source);
  if (parent && ts.isPropertyDeclaration(parent)) return parent.name.getText(source);
  return "(anonymous)";
}

/** Every function in one file with its length in lines. */
export function functionSizes(file: string, text: string): FunctionSize[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith(".mjs") ? ts.ScriptKind.JS : ts.ScriptKind.TS);
  const out: FunctionSize[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && (node as ts.FunctionLikeDeclaration).body && ts.isBlock((node as ts.FunctionLikeDeclaration).body!)) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      out.push({ file, name: functionName(node, source), line: start + 1, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** Reads and measures all files under the roots. */
export function measure(repo: string, roots: readonly string[]): { files: { file: string; lines: number }[]; functions: FunctionSize[] } {
  const files: { file: string; lines: number }[] = [];
  const functions: FunctionSize[] = [];
  for (const file of sourceFiles(repo, roots)) {
    const text = readFileSync(join(repo, file), "utf8");
    files.push({ file, lines: lineCount(text) });
    functions.push(...functionSizes(file, text));
  }
  return { files, functions };
}
