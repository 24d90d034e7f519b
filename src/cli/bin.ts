#!/usr/bin/env node
// The `nnref` executable: runs the CLI (./main.ts) with the process's arguments.
import { main } from "./main.js";

// `nnref summary --list | head` closes the pipe early: that ends output, it is not an error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  // A failed command may leave a file-system call stuck on a hung mount (nnref train's
  // --out check gives up on it after 10 s); it must not keep the process alive.
  if (code !== 0) setTimeout(() => process.exit(code), 1000).unref();
});
