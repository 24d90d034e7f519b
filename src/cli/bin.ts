#!/usr/bin/env node
// The `nnref` executable: runs the CLI (./main.ts) with the process's arguments.
import { main } from "./main.js";

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
