// Run by idx_memory.spec.ts in a fresh process: loads each IDX directory named on the command
// line and prints one JSON line per directory: the error message (or "loaded") and the peak
// memory growth while loading it (spec/support/peak_memory.ts).
import { loadIdxDirectory } from "../../src/data/node_files.js";
import { peakGrowth } from "../support/peak_memory.js";

const [warmup, ...dirs] = process.argv.slice(2);
await loadIdxDirectory(warmup); // compiles the code paths and starts DecompressionStream once
for (const dir of dirs) {
  let message = "loaded";
  const started = performance.now();
  const { bytes, how } = await peakGrowth(async () => {
    try {
      await loadIdxDirectory(dir);
    } catch (err) {
      message = `${(err as Error).name}: ${(err as Error).message}`;
    }
  });
  console.log(JSON.stringify({ dir, message, peakBytes: bytes, how, ms: performance.now() - started }));
}
