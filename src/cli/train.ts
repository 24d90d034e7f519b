/**
 * `nnref train MODEL [options]` — trains LeNet-5 or the MLP on Fashion-MNIST
 * (the embedded subset unless --data names an IDX directory) with the
 * library's recipe (src/train/recipe.ts), printing progress, and writes a
 * checkpoint, the model's state dict and an SVG of the learning curves into
 * --out. Argument parsing and printing only: the run is the library's
 * `prepareTrainingRun` and `runTraining` (src/train/training_run.ts).
 * `--weights` starts from a model-only file instead of a fresh initialisation.
 */
import { getBackend } from "../backend/dispatch.js";
import { getThreads, MAX_THREADS, setThreads } from "../backend/threads.js";
import { RECIPE_DEFAULTS, TRAINABLE_MODELS } from "../train/recipe.js";
import type { RunOptions } from "../train/checkpoint.js";
import { prepareTrainingRun, runTraining, type TrainingRun, type TrainingRunRequest, type TrainingRunResult } from "../train/training_run.js";
import { formatEpoch, formatStep } from "../train/progress.js";
import type { StepProgress } from "../train/train.js";
import { commandOptions, parseCommand } from "./command_line.js";
import { chooseBackend, isPositiveInt, numberFlag as number, parseOrUsage, UsageError } from "./weights_options.js";

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

function choice<T extends string>(name: string, text: string | undefined, allowed: readonly T[]): T | undefined {
  if (text === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(text)) throw new UsageError(`--${name}: expected ${allowed.join(" or ")}, got ${JSON.stringify(text)}`);
  return text as T;
}

/** The arguments of `nnref train`, checked: the run to make, and the backend and threads to make it on. */
interface TrainArgs {
  request: TrainingRunRequest;
  backend?: "js" | "wasm";
  threads?: number;
}

/** Checks the arguments; throws UsageError. */
function parseTrainArgs(positionals: string[], values: Record<string, string | boolean | undefined>): TrainArgs {
  if (positionals.length !== 1) throw new UsageError(`expected one MODEL (${Object.keys(TRAINABLE_MODELS).join(" or ")}), got ${positionals.length === 0 ? "none" : positionals.join(" ")}`);
  const model = positionals[0];
  if (!TRAINABLE_MODELS[model]) throw new UsageError(`unknown model ${JSON.stringify(model)}: expected ${Object.keys(TRAINABLE_MODELS).join(" or ")}`);
  const str = (k: string) => values[k] as string | undefined;
  const epochs = number("epochs", str("epochs"), isPositiveInt, "a positive integer") ?? DEFAULT_EPOCHS;
  const given: Partial<RunOptions> = {
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
  const trainSize = number("train-size", str("train-size"), isPositiveInt, "a positive integer");
  const testSize = number("test-size", str("test-size"), isPositiveInt, "a positive integer");
  if (values.resume !== undefined && values.weights !== undefined) throw new UsageError("--resume and --weights exclude each other: --resume continues a run from its checkpoint, --weights starts a new run from a model's weights");
  const threads = number("threads", str("threads"), (x) => Number.isInteger(x) && x >= 1 && x <= MAX_THREADS, `an integer from 1 to ${MAX_THREADS}`);
  const backend = str("backend");
  if (backend !== undefined && backend !== "js" && backend !== "wasm") throw new UsageError(`--backend: expected js or wasm, got ${JSON.stringify(backend)}`);
  const request = { model, epochs, given, data: str("data"), trainSize, testSize, out: str("out"), resume: str("resume"), weights: str("weights") };
  return { request, backend, threads };
}

/** The two lines that open a run: the model and data, then the options and backend. */
function printRunHeader(run: TrainingRun): void {
  const { model, options, data, trainer } = run;
  const params = trainer.model.parameterCount().toLocaleString("en-US");
  console.log(`training ${model} (${params} parameters) on ${data.source}: ${data.train.count} training / ${data.test.count} test images`);
  console.log(`batch ${options.batchSize}, SGD lr ${options.lr} momentum ${options.momentum} (${options.momentumForm}'s form) weight decay ${options.weightDecay}${options.weightDecayOn === "weights" ? " on the weights only" : ""}${options.augment ? ", augmented" : ""}, seed ${options.seed}, backend ${getBackend()}${getThreads() > 1 ? ` (${getThreads()} threads)` : ""}${run.resumed ? `, resuming after epoch ${trainer.epoch}` : ""}${run.weights ? `, starting from the weights in ${run.weights}` : ""}`);
}

/** The closing lines, and with --json one line of JSON. */
function printRunResult(run: TrainingRun, result: TrainingRunResult, seconds: number, json: boolean): void {
  const { trainer, data, options } = run;
  const last = trainer.history[trainer.history.length - 1];
  console.log(`wrote ${run.checkpointPath}, ${run.modelPath} and ${run.plotPath}`);
  console.log(`test accuracy ${last.test.accuracy.toFixed(4)} | ${Math.round(result.imagesPerSecond)} images/s | ${seconds.toFixed(1)} s`);
  if (!json) return;
  console.log(JSON.stringify({
    model: run.model,
    testAccuracy: last.test.accuracy,
    testLoss: last.test.loss,
    testTopKError: last.test.topKError,
    trainAccuracy: last.train.accuracy,
    trainLoss: last.train.loss,
    topK: trainer.topK,
    imagesPerSecond: result.imagesPerSecond,
    seconds,
    trainSeconds: result.trainSeconds,
    epochs: trainer.epoch,
    backend: getBackend(),
    threads: getThreads(),
    data: data.source,
    trainImages: data.train.count,
    testImages: data.test.count,
    ...options,
    checkpoint: run.checkpointPath,
    plot: run.plotPath,
    history: trainer.history,
  }));
}

/** Progress on a terminal: the step line redrawn at most every 100 ms (and at an epoch's last step), each epoch's line kept. */
function progressPrinter(run: TrainingRun, tty: boolean) {
  let lastDraw = 0;
  return {
    onStep(p: StepProgress): void {
      if (!tty) return;
      const t = performance.now();
      if (t - lastDraw < 100 && p.step < p.batches) return;
      lastDraw = t;
      process.stdout.write(`\r${formatStep(p, run.epochs)}\x1b[K`);
    },
    onEpoch(r: Parameters<typeof formatEpoch>[0]): void {
      if (tty) process.stdout.write("\r\x1b[K");
      console.log(formatEpoch(r, run.epochs, run.trainer.topK));
    },
  };
}

/** Runs `nnref train` with `argv` (after the command name); returns the exit status. */
export async function run(argv: string[]): Promise<number> {
  const started = performance.now();
  const parsed = parseCommand("train", USAGE, argv, {
    ...commandOptions(["data", "epochs", "batch", "lr", "momentum", "weight-decay", "momentum-form", "weight-decay-on", "seed", "classes", "train-size", "test-size", "backend", "threads", "out", "resume", "weights"], ["json"]),
    augment: { type: "boolean" },
  });
  if (typeof parsed === "number") return parsed;
  const values: Record<string, string | boolean | undefined> = parsed.values;
  const args = parseOrUsage("train", USAGE, () => parseTrainArgs(parsed.positionals, values));
  if (typeof args === "number") return args;

  // The backend: wasm wherever the kernels load, unless --backend says otherwise.
  const wasmLoaded = chooseBackend(args.backend);
  if (args.threads !== undefined && args.threads > 1 && wasmLoaded && (await setThreads(args.threads)) !== args.threads) {
    console.error(`nnref train: --threads ${args.threads}: shared memory or worker threads are unavailable here; running on 1 thread`);
  }

  const training = await prepareTrainingRun(args.request);
  printRunHeader(training);
  const json = values.json as boolean;
  const result = await runTraining(training, progressPrinter(training, Boolean(process.stdout.isTTY) && !json));
  printRunResult(training, result, (performance.now() - started) / 1000, json);
  return 0;
}
