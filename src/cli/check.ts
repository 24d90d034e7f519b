/** `nnref check` — not built yet (see the open issues). */
export async function run(_argv: string[]): Promise<number> {
  console.error("nnref check: not built yet");
  return 1;
}
