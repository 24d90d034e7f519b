/**
 * Peak memory of one piece of work, for specs that bound it: on Linux the
 * kernel's resident-set high-water mark (VmHWM), reset before the work
 * through /proc/self/clear_refs, so the peak of that work alone is read;
 * elsewhere the growth of process.resourceUsage().maxRSS (which can only
 * under-count, after an earlier, higher peak). Run it in a fresh process
 * (the specs spawn one), after `global.gc()` where exposed.
 */
import { readFileSync, writeFileSync } from "node:fs";

function linuxStatus(field: string): number | undefined {
  try {
    const m = readFileSync("/proc/self/status", "utf8").match(new RegExp(`${field}:\\s+(\\d+) kB`));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function resetHighWaterMark(): boolean {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

/** Runs `work` and returns how far its peak resident memory rose above the resident memory before it, in bytes, and how it was measured. */
export async function peakGrowth(work: () => Promise<unknown>): Promise<{ bytes: number; how: string }> {
  (globalThis as { gc?: () => void }).gc?.();
  const precise = resetHighWaterMark() && linuxStatus("VmHWM") !== undefined;
  const before = precise ? linuxStatus("VmRSS")! : process.resourceUsage().maxRSS * 1024;
  await work();
  const peak = precise ? linuxStatus("VmHWM")! : process.resourceUsage().maxRSS * 1024;
  return { bytes: peak - before, how: precise ? "VmHWM − VmRSS before (Linux)" : "maxRSS growth (may under-count)" };
}
