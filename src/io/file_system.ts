/**
 * Node-only file-system helpers whose errors always name the path: reading
 * and writing whole files, creating a directory, and checking before a long
 * run that its output directory can be written (`prepareOutputDirectory`).
 *
 * Node's own messages often leave the path out ("EISDIR: illegal operation
 * on a directory, read"), and its recursive mkdir spins forever at 100 % CPU
 * on a path like /proc/x: mkdir("/proc/x") answers ENOENT, which it takes
 * for a missing parent; it creates the parent ("/proc": EEXIST, fine) and
 * retries the child, forever (the same loop hits a dangling symbolic link).
 * `makeDirectory` walks the path itself and tries each missing directory
 * once, so such a path is an error, never a loop.
 */
import { writeFileSync } from "node:fs";
import { access, constants, lstat, mkdir, readFile, stat, unlink, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";

/** A file-system call failed; the message starts with the path. */
export class FileSystemError extends Error {
  constructor(readonly path: string, readonly code: string | undefined, detail: string) {
    super(`${path}: ${detail}`);
    this.name = "FileSystemError";
  }
}

const REASONS: Record<string, string> = {
  ENOENT: "no such file or directory",
  EISDIR: "it is a directory",
  ENOTDIR: "a part of the path is not a directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on device",
  EEXIST: "already exists",
};

/** `err` (from node:fs) as a FileSystemError: "PATH: cannot ACTION: reason (CODE)". */
export function fileSystemError(path: string, action: string, err: unknown): FileSystemError {
  if (err instanceof FileSystemError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const reason = (code && REASONS[code]) ?? (err instanceof Error ? err.message : String(err));
  return new FileSystemError(path, code, `cannot ${action}: ${reason}${code ? ` (${code})` : ""}`);
}

/** The bytes of the file at `path` as a plain Uint8Array (not a Buffer); errors name the path. */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  try {
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (err) {
    throw fileSystemError(path, "read", err);
  }
}

/** Writes `data` to `path` (replacing it); errors name the path. */
export async function writeFileBytes(path: string, data: Uint8Array | string): Promise<void> {
  try {
    await writeFile(path, data);
  } catch (err) {
    throw fileSystemError(path, "write", err);
  }
}

/** `writeFileBytes`, synchronously (e.g. a checkpoint inside a loop that does not yield). */
export function writeFileBytesSync(path: string, data: Uint8Array | string): void {
  try {
    writeFileSync(path, data);
  } catch (err) {
    throw fileSystemError(path, "write", err);
  }
}

async function statOrUndefined(path: string): Promise<import("node:fs").Stats | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined; // not there (ENOTDIR: a file on the way, found by the walk up)
    throw fileSystemError(path, "look up", err);
  }
}

/**
 * Creates the directory `path` and any missing parents (like `mkdir -p`),
 * each with one mkdir call: a path that cannot hold a new directory (under
 * /proc, below a dangling symbolic link, below a file) is an error naming
 * it, never a retry loop. An existing directory is fine.
 */
export async function makeDirectory(path: string): Promise<void> {
  const missing: string[] = [];
  for (let p = resolve(path); ; p = dirname(p)) {
    const s = await statOrUndefined(p);
    if (s !== undefined) {
      if (!s.isDirectory()) throw new FileSystemError(p, "ENOTDIR", `cannot create directory ${path} inside it: it is not a directory`);
      break;
    }
    missing.push(p);
    if (dirname(p) === p) break; // a missing root: mkdir says why
  }
  for (const dir of missing.reverse()) {
    try {
      await mkdir(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EEXIST" && (await statOrUndefined(dir))?.isDirectory()) continue; // made meanwhile by someone else
      if (code === "EEXIST") throw new FileSystemError(dir, code, "cannot create directory: something that is not a directory is there (a dangling symbolic link?)");
      if (code === "ENOENT") throw new FileSystemError(dir, code, `cannot create directory: its parent ${dirname(dir)} exists but refuses it (ENOENT; a virtual file system such as /proc?)`);
      throw fileSystemError(dir, "create directory", err);
    }
  }
}

/** Resolves as `promise` does, or rejects with `onTimeout()` after `ms` milliseconds. */
export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Options of `prepareOutputDirectory`. */
export interface OutputDirectoryOptions {
  /** Names of the files the run will write there: each must be writable if it exists (default none). */
  readonly files?: readonly string[];
  /** How long the checks may take in all before failing (default 10,000 ms: a hung network mount). */
  readonly timeoutMs?: number;
}

/**
 * Makes sure a run can write its results into `dir` before it starts:
 * creates `dir` (`makeDirectory`), writes and removes a probe file there,
 * and checks that each of `files` that already exists is a regular file it
 * may overwrite. Fails with one FileSystemError naming the path, within
 * `timeoutMs`.
 */
export async function prepareOutputDirectory(dir: string, options: OutputDirectoryOptions = {}): Promise<void> {
  const { files = [], timeoutMs = 10_000 } = options;
  const checks = async () => {
    await makeDirectory(dir);
    const probe = join(dir, `.nnref-write-probe-${process.pid}-${Date.now()}`);
    try {
      await writeFile(probe, "nnref checks that it can write here\n", { flag: "wx" });
    } catch (err) {
      throw fileSystemError(dir, "write files in this directory", err);
    }
    await unlink(probe).catch((err: unknown) => { throw fileSystemError(probe, "remove the probe file", err); });
    for (const name of files) {
      const path = join(dir, name);
      const s = await lstat(path).catch(() => undefined);
      if (s === undefined) continue;
      if (!s.isFile()) throw new FileSystemError(path, undefined, "cannot write the run's results there: it exists and is not a regular file");
      await access(path, constants.W_OK).catch((err: unknown) => { throw fileSystemError(path, "overwrite", err); });
    }
  };
  await withTimeout(checks(), timeoutMs, () => new FileSystemError(dir, "ETIMEDOUT", `cannot write: no answer from the file system within ${timeoutMs / 1000} s (a hung network mount?)`));
}
