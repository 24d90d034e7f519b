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
});
