/**
 * `nnref train MODEL [options]` — trains LeNet-5 or the MLP on Fashion-MNIST
 * (the embedded subset unless --data names an IDX directory) with the
 * library's recipe (src/train/recipe.ts), printing progress, and writes a
 * checkpoint, the model's state dict and an SVG of the learning curves into
 * --out. Argument parsing and printing only: the training is the library's
 * `recipeTrainer`, `Trainer.run`, `checkpointTrainer`, `encodeModel` and
 * `learningCurvesSvg`.
 */
import { writeFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { getBackend, isWasmAvailable, setBackend } from "../backend/dispatch.js";
import { loadKernelsSync } from "../backend/load.js";
import { getThreads, MAX_THREADS, setThreads } from "../backend/threads.js";
import { firstImages, type TrainTestData } from "../data/dataset.js";
import { loadEmbeddedDataset, loadIdxDirectory } from "../data/node_files.js";
import { RECIPE_DEFAULTS, TRAINABLE_MODELS, recipeTrainer } from "../train/recipe.js";
import { checkpointTrainer, decodeCheckpoint, encodeModel, resumeTrainer } from "../train/checkpoint.js";
import { learningCurvesSvg } from "../train/plot.js";
import { formatEpoch, formatStep } from "../train/progress.js";
import type { StepProgress } from "../train/train.js";
import { parseCommandLine } from "./command_line.js";

const DEFAULT_EPOCHS = 5;

const USAGE = `usage: nnref train MODEL [options]

Trains MODEL (${Object.keys(TRAINABLE_MODELS).join(", ")}) on Fashion-MNIST with minibatch SGD and
momentum, reporting loss, accuracy and top-5 error on the training and test
sets after every epoch.

  --data DIR           an MNIST-style IDX directory (train-images-idx3-ubyte[.gz], …);
                       default: the embedded subset (5,800 training, 1,000 test images)
  --epochs N           train until N epochs are done in all (default ${DEFAULT_EPOCHS})
  --batch B            minibatch size (default ${RECIPE_DEFAULTS.batchSize})
  --lr X               SGD step size (default ${RECIPE_DEFAULTS.lr})
  --momentum X         SGD momentum, PyTorch's form, no dampening (default ${RECIPE_DEFAULTS.momentum})
  --weight-decay X     L2 weight decay (default ${RECIPE_DEFAULTS.weightDecay})
  --seed S             seeds the initial weights and the data order (default ${RECIPE_DEFAULTS.seed})
  --augment            random horizontal flips and random crops with 2 pixels of zero padding
  --train-size N       use only the first N training images
  --test-size N        use only the first N test images
  --backend js|wasm    reference ops or the WebAssembly kernels (default: wasm where it loads)
  --threads N          threads the wasm kernels may use, 1 … ${MAX_THREADS} (default 1); the results
                       are the same bits for any N
  --out DIR            where to write checkpoint.safetensors, model.safetensors and
                       curves.svg (default runs/MODEL-SEED)
  --resume FILE        continue from a checkpoint written by an earlier run (its
                       batch, lr, momentum, weight decay, seed and augmentation
                       are used unless given again)
  --json               end the output with one line of JSON (testAccuracy, testLoss,
                       imagesPerSecond, seconds, epochs, …)

Exit status: 0 after training, 1 on an error (bad data, diverged training), 2 for bad arguments.`;

/** The options a run was made with, stored in its checkpoint for --resume. */
interface RunOptions {
  batchSize: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  seed: number;
  augment: boolean;
}

class UsageError extends Error {}

function number(name: string, text: string | undefined, check: (x: number) => boolean, expected: string): number | undefined {
  if (text === undefined) return undefined;
  const x = Number(text);
  if (text.trim() === "" || !Number.isFinite(x) || !check(x)) throw new UsageError(`--${name}: expected ${expected}, got ${JSON.stringify(text)}`);
  return x;
}

const isPositiveInt = (x: number) => Number.isInteger(x) && x >= 1;

/** Runs `nnref train` with `argv` (after the command name); returns the exit status. */
export async function run(argv: string[]): Promise<number> {
  const started = performance.now();
  const parsed = parseCommandLine("train", USAGE, {
    args: argv,
    allowPositionals: true,
    options: {
      data: { type: "string" },
      epochs: { type: "string" },
      batch: { type: "string" },
      lr: { type: "string" },
      momentum: { type: "string" },
      "weight-decay": { type: "string" },
      seed: { type: "string" },
      augment: { type: "boolean" },
      "train-size": { type: "string" },
      "test-size": { type: "string" },
      backend: { type: "string" },
      threads: { type: "string" },
      out: { type: "string" },
      resume: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (typeof parsed === "number") return parsed;
  const values: Record<string, string | boolean | undefined> = parsed.values;
  const positionals: string[] = parsed.positionals;

  let model: string;
  let given: Partial<RunOptions>;
  let epochs: number;
  let trainSize: number | undefined;
  let testSize: number | undefined;
  let threads: number | undefined;
  try {
    if (positionals.length !== 1) throw new UsageError(`expected one MODEL (${Object.keys(TRAINABLE_MODELS).join(" or ")}), got ${positionals.length === 0 ? "none" : positionals.join(" ")}`);
    model = positionals[0];
    if (!TRAINABLE_MODELS[model]) throw new UsageError(`unknown model ${JSON.stringify(model)}: expected ${Object.keys(TRAINABLE_MODELS).join(" or ")}`);
    const str = (k: string) => values[k] as string | undefined;
    epochs = number("epochs", str("epochs"), isPositiveInt, "a positive integer") ?? DEFAULT_EPOCHS;
    given = {
      batchSize: number("batch", str("batch"), isPositiveInt, "a positive integer"),
      lr: number("lr", str("lr"), (x) => x > 0, "a positive number"),
      momentum: number("momentum", str("momentum"), (x) => x >= 0 && x < 1, "a number in [0, 1)"),
      weightDecay: number("weight-decay", str("weight-decay"), (x) => x >= 0, "a number ≥ 0"),
      seed: number("seed", str("seed"), (x) => Number.isInteger(x), "an integer"),
      augment: values.augment as boolean | undefined,
    };
    trainSize = number("train-size", str("train-size"), isPositiveInt, "a positive integer");
    testSize = number("test-size", str("test-size"), isPositiveInt, "a positive integer");
    threads = number("threads", str("threads"), (x) => Number.isInteger(x) && x >= 1 && x <= MAX_THREADS, `an integer from 1 to ${MAX_THREADS}`);
    const backend = str("backend");
    if (backend !== undefined && backend !== "js" && backend !== "wasm") throw new UsageError(`--backend: expected js or wasm, got ${JSON.stringify(backend)}`);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`nnref train: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }

  // The backend: wasm wherever the kernels load, unless --backend says otherwise.
  const wasmLoaded = loadKernelsSync();
  const backend = (values.backend as "js" | "wasm" | undefined) ?? (wasmLoaded ? "wasm" : "js");
  if (backend === "wasm" && !isWasmAvailable()) throw new Error("--backend wasm: the WebAssembly kernels did not load here (no WebAssembly SIMD?)");
  setBackend(backend);
  if (threads !== undefined && threads > 1 && wasmLoaded && (await setThreads(threads)) !== threads) {
    console.error(`nnref train: --threads ${threads}: shared memory or worker threads are unavailable here; running on 1 thread`);
  }

  // A checkpoint to resume from supplies the run's options unless they are given again.
  let resumeBytes: Uint8Array | undefined;
  let saved: Partial<RunOptions> = {};
  const resumePath = values.resume as string | undefined;
  if (resumePath !== undefined) {
    resumeBytes = new Uint8Array(await readFile(resumePath));
    const meta = decodeCheckpoint(resumeBytes, resumePath).metadata;
    if (meta.model !== undefined && meta.model !== model) throw new Error(`${resumePath}: is a checkpoint of ${meta.model}, not ${model}`);
    if (meta.options) saved = JSON.parse(meta.options) as Partial<RunOptions>;
  }
  const defaults: RunOptions = { ...RECIPE_DEFAULTS, augment: false };
  const options = { ...defaults } as RunOptions;
  for (const key of Object.keys(defaults) as Array<keyof RunOptions>) {
    const v = given[key] ?? saved[key];
    if (v !== undefined) (options as unknown as Record<string, unknown>)[key] = v;
  }

  let data: TrainTestData = values.data === undefined ? await loadEmbeddedDataset() : await loadIdxDirectory(values.data as string);
  if (trainSize !== undefined || testSize !== undefined) {
    data = {
      train: trainSize !== undefined ? firstImages(data.train, trainSize) : data.train,
      test: testSize !== undefined ? firstImages(data.test, testSize) : data.test,
      source: `${data.source} (first ${trainSize ?? data.train.count} training, ${testSize ?? data.test.count} test images)`,
    };
  }

  const trainer = recipeTrainer(data, {
    model,
    batchSize: options.batchSize,
    lr: options.lr,
    momentum: options.momentum,
    weightDecay: options.weightDecay,
    seed: options.seed,
    augmentation: options.augment ? { flip: true, cropPadding: 2 } : null,
  });
  if (resumeBytes) {
    resumeTrainer(trainer, resumeBytes, resumePath);
    if (trainer.epoch >= epochs) throw new Error(`${resumePath}: already trained ${trainer.epoch} epochs; ask for more with --epochs (e.g. --epochs ${trainer.epoch + 1})`);
  }
  const out = (values.out as string | undefined) ?? join("runs", `${model}-${options.seed}`);
  await mkdir(out, { recursive: true });
  const info = { model, options: JSON.stringify(options), data: data.source };

  const json = values.json as boolean;
  const tty = Boolean(process.stdout.isTTY) && !json;
  const params = trainer.model.parameterCount().toLocaleString("en-US");
  console.log(`training ${model} (${params} parameters) on ${data.source}: ${data.train.count} training / ${data.test.count} test images`);
  console.log(`batch ${options.batchSize}, SGD lr ${options.lr} momentum ${options.momentum} weight decay ${options.weightDecay}${options.augment ? ", augmented" : ""}, seed ${options.seed}, backend ${getBackend()}${getThreads() > 1 ? ` (${getThreads()} threads)` : ""}${resumeBytes ? `, resuming after epoch ${trainer.epoch}` : ""}`);

  let lastDraw = 0;
  const onStep = (p: StepProgress) => {
    if (!tty) return;
    const t = performance.now();
    if (t - lastDraw < 100 && p.step < p.batches) return;
    lastDraw = t;
    process.stdout.write(`\r${formatStep(p, epochs)}\x1b[K`);
  };
  const checkpointPath = join(out, "checkpoint.safetensors");
  const reports = trainer.run(epochs, {
    onStep,
    onEpoch: (r) => {
      if (tty) process.stdout.write("\r\x1b[K");
      console.log(formatEpoch(r, epochs, trainer.topK));
      // A checkpoint after every epoch: an interrupted run resumes from the last one.
      // (written synchronously: the training loop does not yield to the event loop between epochs)
      writeFileSync(checkpointPath, checkpointTrainer(trainer, info));
    },
  });
  await writeFile(join(out, "model.safetensors"), encodeModel(trainer.model, { model }));
  const plotPath = join(out, "curves.svg");
  await writeFile(plotPath, learningCurvesSvg(trainer.history, `${model} on ${data.source}, seed ${options.seed}`));

  const last = trainer.history[trainer.history.length - 1];
  const trainSeconds = reports.reduce((s, r) => s + r.trainSeconds, 0);
  const trainedImages = reports.reduce((s, r) => s + r.train.count, 0);
  const imagesPerSecond = trainedImages / trainSeconds;
  const seconds = (performance.now() - started) / 1000;
  console.log(`wrote ${checkpointPath}, ${join(out, "model.safetensors")} and ${plotPath}`);
  console.log(`test accuracy ${last.test.accuracy.toFixed(4)} | ${Math.round(imagesPerSecond)} images/s | ${seconds.toFixed(1)} s`);
  if (json) {
    console.log(JSON.stringify({
      model,
      testAccuracy: last.test.accuracy,
      testLoss: last.test.loss,
      testTopKError: last.test.topKError,
      trainAccuracy: last.train.accuracy,
      trainLoss: last.train.loss,
      topK: trainer.topK,
      imagesPerSecond,
      seconds,
      trainSeconds,
      epochs: trainer.epoch,
      backend: getBackend(),
      threads: getThreads(),
      data: data.source,
      trainImages: data.train.count,
      testImages: data.test.count,
      ...options,
      checkpoint: checkpointPath,
      plot: plotPath,
      history: trainer.history,
    }));
  }
  return 0;
}
