/**
 * Kernel workers on Node: worker_threads Workers for the pool of ./threads.ts.
 *
 * A worker's code is the pool's program (a source string) run with
 * `eval: true`, so the pool works the same from dist/ and from src/ under tsx
 * (workers do not inherit `--import tsx`); its start message is the Worker's
 * `workerData`. The workers are unref'd: they never keep a Node process alive.
 */
import type { KernelWorker, StartWorker, WorkerStart } from "./kernel_worker.js";

/** A Node worker_threads Worker, as much of it as the pool uses. */
interface NodeWorker extends KernelWorker {
  unref(): void;
  terminate(): Promise<number>;
  once(event: "message" | "error" | "exit", listener: (value: unknown) => void): void;
}

type NodeWorkerClass = new (source: string, options: { eval: true; execArgv: string[]; workerData: WorkerStart }) => NodeWorker;

/**
 * Loads node:worker_threads and returns the pool's way to start a worker on
 * Node. The program is wrapped so that it is valid as a script and as a
 * module (a worker may inherit --input-type=module).
 */
export async function startNodeWorker(): Promise<StartWorker> {
  const spec = "node:worker_threads";
  const { Worker } = (await import(spec)) as { Worker: NodeWorkerClass };
  return (program, start) => {
    const source = `import("node:worker_threads").then(({ parentPort, workerData }) => {\n${program}\nrunKernelWorker(workerData, () => parentPort.postMessage("ready"));\n});`;
    const worker = new Worker(source, { eval: true, execArgv: [], workerData: start });
    worker.unref();
    const ready = new Promise<void>((resolve, reject) => {
      worker.once("message", () => resolve());
      worker.once("error", (e) => reject(e));
    });
    return { worker, ready };
  };
}
