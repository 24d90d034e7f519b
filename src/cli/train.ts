/**
 * `nnref train MODEL [options]` — trains LeNet-5 or the MLP on Fashion-MNIST
 * (the embedded subset unless --data names an IDX directory) with the
 * library's recipe (src/train/recipe.ts), printing progress, and writes a
 * checkpoint, the model's state dict and an SVG of the learning curves into
 * --out. Argument parsing and printing only: the training is the library's
 * `recipeTrainer`, `Trainer.run`, `checkpointTrainer`, `encodeModel` and
 * `learningCurvesSvg`. `--weights` starts from a model-only file
 * (`loadModelWeights`) instead of a fresh initialisation.
 */
import { join } from "node:path";
import { getBackend, isWasmAvailable, setBackend } from "../backend/dispatch.js";
import { loadKernelsSync } from "../backend/load.js";
import { getThreads, MAX_THREADS, setThreads } from "../backend/threads.js";
import { firstImages, type TrainTestData } from "../data/dataset.js";
import { loadEmbeddedDataset, loadIdxDirectory } from "../data/node_files.js";
import { RECIPE_CONVENTIONS, RECIPE_DEFAULTS, TRAINABLE_MODELS, recipeTrainer } from "../train/recipe.js";
import { checkpointTrainer, decodeCheckpoint, encodeModel, resumeTrainer } from "../train/checkpoint.js";
import { learningCurvesSvg } from "../train/plot.js";
import { FileSystemError, prepareOutputDirectory, readFileBytes, writeFileBytes, writeFileBytesSync } from "../io/file_system.js";
import { loadModelWeights, standardizationFromMetadata } from "../train/model_weights.js";
import { decodeSafetensors } from "../io/safetensors.js";
import { formatEpoch, formatStep } from "../train/progress.js";
import type { StepProgress } from "../train/train.js";
import type { Standardization } from "../data/standardize.js";
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
  --momentum X         SGD momentum μ (default ${RECIPE_DEFAULTS.momentum})
  --momentum-form F    pytorch (default): V ← μV + ∇, the first V = ∇, W ← W − εV;
                       lecture (001 "(S)GD + momentum"): V ← μV + (1 − μ)∇ from V₀ = 0.
                       At one --lr the lecture's steps are (1 − μ) times PyTorch's:
                       multiply --lr by 1/(1 − μ) for the same effective step
  --weight-decay X     L2 weight decay: adds X·W to the gradient. X is 2λ in the
                       lecture's notation: the penalty λΣW² has gradient 2λW (default ${RECIPE_DEFAULTS.weightDecay})
  --weight-decay-on S  all (default, PyTorch's weight_decay): every parameter decays;
                       weights: the connection weights only, not biases or batch-norm
                       parameters (the lecture's λΣW² over connection weights)
  --seed S             seeds the initial weights and the data order (default ${RECIPE_DEFAULTS.seed})
  --augment            random horizontal flips and random crops with 2 pixels of zero padding
  --classes N          the model's number of classes (default ${RECIPE_DEFAULTS.classes}); a label outside
                       0 … N−1 is an error naming the file, the index and the label
  --train-size N       use only the first N training images
  --test-size N        use only the first N test images
  --backend js|wasm    reference ops or the WebAssembly kernels (default: wasm where it loads)
  --threads N          threads the wasm kernels may use, 1 … ${MAX_THREADS} (default 1); the results
                       are the same bits for any N
  --out DIR            where to write checkpoint.safetensors, model.safetensors and
                       curves.svg (default runs/MODEL-SEED); created and test-written
                       before training, so a folder that cannot take them fails at once
  --resume FILE        continue from a checkpoint written by an earlier run (its
                       batch, lr, momentum, weight decay, seed, augmentation and classes
                       are used unless given again)
  --weights FILE       start from the weights of a model-only file (model.safetensors
                       of an earlier run, or a PyTorch state dict with the same
                       names): fine-tuning, with a fresh optimizer and epoch 1; its
                       input standardization is kept when its metadata has one
  --json               end the output with one line of JSON (testAccuracy, testLoss,
                       imagesPerSecond, seconds, epochs, …)

Exit status: 0 after training, 1 on an error (bad data, diverged training), 2 for bad arguments.`;

/** The options a run was made with, stored in its checkpoint for --resume. */
interface RunOptions {
  batchSize: number;
  lr: number;
  momentum: number;
  momentumForm: "pytorch" | "lecture";
  weightDecay: number;
  weightDecayOn: "all" | "weights";
  seed: number;
  augment: boolean;
  classes: number;
}

class UsageError extends Error {}

function number(name: string, text: string | undefined, check: (x: number) => boolean, expected: string): number | undefined {
  if (text === undefined) return undefined;
  const x = Number(text);
  if (text.trim() === "" || !Number.isFinite(x) || !check(x)) throw new UsageError(`--${name}: expected ${expected}, got ${JSON.stringify(text)}`);
  return x;
}

const isPositiveInt = (x: number) => Number.isInteger(x) && x >= 1;

function choice<T extends string>(name: string, text: string | undefined, allowed: readonly T[]): T | undefined {
  if (text === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(text)) throw new UsageError(`--${name}: expected ${allowed.join(" or ")}, got ${JSON.stringify(text)}`);
  return text as T;
}

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
      "momentum-form": { type: "string" },
      "weight-decay-on": { type: "string" },
      seed: { type: "string" },
      augment: { type: "boolean" },
      classes: { type: "string" },
      "train-size": { type: "string" },
      "test-size": { type: "string" },
      backend: { type: "string" },
      threads: { type: "string" },
      out: { type: "string" },
      resume: { type: "string" },
      weights: { type: "string" },
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
      momentumForm: choice("momentum-form", str("momentum-form"), ["pytorch", "lecture"] as const),
      weightDecayOn: choice("weight-decay-on", str("weight-decay-on"), ["all", "weights"] as const),
      seed: number("seed", str("seed"), (x) => Number.isInteger(x), "an integer"),
      augment: values.augment as boolean | undefined,
      classes: number("classes", str("classes"), isPositiveInt, "a positive integer"),
    };
    trainSize = number("train-size", str("train-size"), isPositiveInt, "a positive integer");
    testSize = number("test-size", str("test-size"), isPositiveInt, "a positive integer");
    if (values.resume !== undefined && values.weights !== undefined) throw new UsageError("--resume and --weights exclude each other: --resume continues a run from its checkpoint, --weights starts a new run from a model's weights");
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
  let savedStandardization: Standardization | undefined;
  const resumePath = values.resume as string | undefined;
  if (resumePath !== undefined) {
    resumeBytes = await readFileBytes(resumePath);
    const checkpoint = decodeCheckpoint(resumeBytes, resumePath);
    const meta = checkpoint.metadata;
    // A run started from --weights standardized with the weights' statistics, not its data's: keep them.
    if (meta.standardization_from === "weights") savedStandardization = checkpoint.state.standardization;
    if (meta.model !== undefined && meta.model !== model) throw new Error(`${resumePath}: is a checkpoint of ${meta.model}, not ${model}`);
    if (meta.options) saved = JSON.parse(meta.options) as Partial<RunOptions>;
  }
  const defaults: RunOptions = { ...RECIPE_DEFAULTS, ...RECIPE_CONVENTIONS, augment: false };
  const options = { ...defaults } as RunOptions;
  for (const key of Object.keys(defaults) as Array<keyof RunOptions>) {
    const v = given[key] ?? saved[key];
    if (v !== undefined) (options as unknown as Record<string, unknown>)[key] = v;
  }

  // --out must take the results before any time is spent: created, written to, within seconds.
  const out = (values.out as string | undefined) ?? join("runs", `${model}-${options.seed}`);
  await prepareOutputDirectory(out, { files: ["checkpoint.safetensors", "model.safetensors", "curves.svg"] }).catch((err: unknown) => {
    throw err instanceof FileSystemError ? new Error(`--out: ${err.message}`) : err;
  });

  const classes = { classes: options.classes };
  let data: TrainTestData = values.data === undefined ? await loadEmbeddedDataset(classes) : await loadIdxDirectory(values.data as string, values.data as string, classes);
  if (trainSize !== undefined || testSize !== undefined) {
    data = {
      train: trainSize !== undefined ? firstImages(data.train, trainSize) : data.train,
      test: testSize !== undefined ? firstImages(data.test, testSize) : data.test,
      source: `${data.source} (first ${trainSize ?? data.train.count} training, ${testSize ?? data.test.count} test images)`,
    };
  }

  // A model-only file to start from: its weights, and the standardization they were trained with.
  const weightsPath = values.weights as string | undefined;
  const weightsBytes = weightsPath === undefined ? undefined : await readFileBytes(weightsPath);
  const weightsMeta = weightsBytes === undefined ? undefined : decodeSafetensors(weightsBytes, weightsPath).metadata;
  const fileStandardization = weightsMeta ? standardizationFromMetadata(weightsMeta, weightsPath) ?? undefined : undefined;
  const trainer = recipeTrainer(data, {
    model,
    batchSize: options.batchSize,
    lr: options.lr,
    momentum: options.momentum,
    weightDecay: options.weightDecay,
    momentumForm: options.momentumForm,
    weightDecayOn: options.weightDecayOn,
    seed: options.seed,
    augmentation: options.augment ? { flip: true, cropPadding: 2 } : null,
    classes: options.classes,
    standardization: savedStandardization ?? fileStandardization,
  });
  if (weightsBytes) {
    if (weightsMeta?.model !== undefined && weightsMeta.model !== model) throw new Error(`${weightsPath}: holds weights of ${weightsMeta.model}, not ${model}`);
    loadModelWeights(trainer.model, weightsBytes, { file: weightsPath });
  }
  if (resumeBytes) {
    resumeTrainer(trainer, resumeBytes, resumePath);
    if (trainer.epoch >= epochs) throw new Error(`${resumePath}: already trained ${trainer.epoch} epochs; ask for more with --epochs (e.g. --epochs ${trainer.epoch + 1})`);
  }
  const info: Record<string, string> = { model, options: JSON.stringify(options), data: data.source };
  if (fileStandardization || savedStandardization) info.standardization_from = "weights";

  const json = values.json as boolean;
  const tty = Boolean(process.stdout.isTTY) && !json;
  const params = trainer.model.parameterCount().toLocaleString("en-US");
  console.log(`training ${model} (${params} parameters) on ${data.source}: ${data.train.count} training / ${data.test.count} test images`);
  console.log(`batch ${options.batchSize}, SGD lr ${options.lr} momentum ${options.momentum} (${options.momentumForm}'s form) weight decay ${options.weightDecay}${options.weightDecayOn === "weights" ? " on the weights only" : ""}${options.augment ? ", augmented" : ""}, seed ${options.seed}, backend ${getBackend()}${getThreads() > 1 ? ` (${getThreads()} threads)` : ""}${resumeBytes ? `, resuming after epoch ${trainer.epoch}` : ""}${weightsPath ? `, starting from the weights in ${weightsPath}` : ""}`);

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
      writeFileBytesSync(checkpointPath, checkpointTrainer(trainer, info));
    },
  });
  await writeFileBytes(join(out, "model.safetensors"), encodeModel(trainer.model, { model, standardization: JSON.stringify(trainer.standardization) }));
  const plotPath = join(out, "curves.svg");
  await writeFileBytes(plotPath, learningCurvesSvg(trainer.history, `${model} on ${data.source}, seed ${options.seed}`));

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
