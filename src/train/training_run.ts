/**
 * A whole training run of the recipe (./recipe.ts) on files, as `nnref train`
 * makes it: the options merged with those of a checkpoint to resume from
 * (./checkpoint.ts `mergeRunOptions`), the output folder prepared before any
 * time is spent, Fashion-MNIST loaded (the embedded subset or an IDX
 * directory, optionally its first images only), the trainer built from the
 * recipe — from a model-only weights file or a checkpoint when asked — then
 * trained with a checkpoint written after every epoch (002, "Tensorflow:
 * Checkpointing"), and the model's state dict and the learning curves
 * written at the end. Node-only (it reads and writes files).
 */
import { join } from "node:path";
import { firstImages, type TrainTestData } from "../data/dataset.js";
import { loadEmbeddedDataset, loadIdxDirectory } from "../data/node_files.js";
import { FileSystemError, prepareOutputDirectory, readFileBytes, writeFileBytes, writeFileBytesSync } from "../io/file_system.js";
import { decodeSafetensors } from "../io/safetensors.js";
import { recipeTrainer } from "./recipe.js";
import { checkpointTrainer, encodeModel, mergeRunOptions, readResumeInfo, resumeTrainer, type ResumeInfo, type RunOptions } from "./checkpoint.js";
import { loadModelWeights, standardizationFromMetadata } from "./model_weights.js";
import { learningCurvesSvg } from "./plot.js";
import type { EpochReport, TrainCallbacks, Trainer } from "./train.js";

/** What to run: the model, the epochs, the options given (the rest from a resumed checkpoint or the defaults) and the files. */
export interface TrainingRunRequest {
  /** A key of TRAINABLE_MODELS ("lenet5", "mlp"). */
  readonly model: string;
  /** Train until this many epochs are done in all. */
  readonly epochs: number;
  /** The options given; each one missing comes from the checkpoint resumed, else the default. */
  readonly given: Partial<RunOptions>;
  /** An MNIST-style IDX directory (default: the embedded subset). */
  readonly data?: string;
  /** Use only the first N training images. */
  readonly trainSize?: number;
  /** Use only the first N test images. */
  readonly testSize?: number;
  /** The output folder (default runs/MODEL-SEED). */
  readonly out?: string;
  /** A checkpoint of an earlier run to continue. */
  readonly resume?: string;
  /** A model-only weights file to start from (excludes `resume`). */
  readonly weights?: string;
}

/** A run ready to train: its merged options, data, trainer and output files. */
export interface TrainingRun {
  readonly model: string;
  readonly epochs: number;
  readonly options: RunOptions;
  readonly data: TrainTestData;
  readonly trainer: Trainer;
  /** Resumed from a checkpoint (the trainer's epoch is the checkpoint's). */
  readonly resumed: boolean;
  /** The weights file the run started from, if any. */
  readonly weights?: string;
  readonly checkpointPath: string;
  readonly modelPath: string;
  readonly plotPath: string;
  /** Metadata strings written into every checkpoint (model, options, data, standardization_from). */
  readonly info: Record<string, string>;
}

/** What a finished run measured. */
export interface TrainingRunResult {
  /** The reports of the epochs trained in this run (not those of a resumed checkpoint). */
  readonly reports: EpochReport[];
  /** Seconds of training steps in this run. */
  readonly trainSeconds: number;
  /** Training images per second of trainSeconds. */
  readonly imagesPerSecond: number;
}

/** The training and test sets: the embedded subset or the IDX directory `dir`, cut to their first images when asked. */
async function loadRunData(dir: string | undefined, classes: number, trainSize: number | undefined, testSize: number | undefined): Promise<TrainTestData> {
  const data = dir === undefined ? await loadEmbeddedDataset({ classes }) : await loadIdxDirectory(dir, dir, { classes });
  if (trainSize === undefined && testSize === undefined) return data;
  return {
    train: trainSize !== undefined ? firstImages(data.train, trainSize) : data.train,
    test: testSize !== undefined ? firstImages(data.test, testSize) : data.test,
    source: `${data.source} (first ${trainSize ?? data.train.count} training, ${testSize ?? data.test.count} test images)`,
  };
}

/** The recipe's trainer for `options`, started from the weights file or the checkpoint when given. */
async function buildRunTrainer(request: TrainingRunRequest, options: RunOptions, data: TrainTestData, resume: { bytes: Uint8Array; info: ResumeInfo } | undefined) {
  const { model, weights: weightsPath, resume: resumePath } = request;
  // A model-only file to start from: its weights, and the standardization they were trained with.
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
    standardization: resume?.info.standardization ?? fileStandardization,
  });
  if (weightsBytes) {
    if (weightsMeta?.model !== undefined && weightsMeta.model !== model) throw new Error(`${weightsPath}: holds weights of ${weightsMeta.model}, not ${model}`);
    loadModelWeights(trainer.model, weightsBytes, { file: weightsPath });
  }
  if (resume) {
    resumeTrainer(trainer, resume.bytes, resumePath);
    if (trainer.epoch >= request.epochs) throw new Error(`${resumePath}: already trained ${trainer.epoch} epochs; ask for more with --epochs (e.g. --epochs ${trainer.epoch + 1})`);
  }
  return { trainer, fromWeights: Boolean(fileStandardization || resume?.info.standardization) };
}

/**
 * Everything before the first step: the checkpoint to resume read and its
 * options merged, the output folder created and test-written (so a folder
 * that cannot take the results fails at once), the data loaded and the
 * trainer built. Throws on a bad file, a model mismatch or an exhausted run.
 */
export async function prepareTrainingRun(request: TrainingRunRequest): Promise<TrainingRun> {
  const { model, epochs } = request;
  let resume: { bytes: Uint8Array; info: ResumeInfo } | undefined;
  if (request.resume !== undefined) {
    const bytes = await readFileBytes(request.resume);
    resume = { bytes, info: readResumeInfo(bytes, request.resume, model) };
  }
  const options = mergeRunOptions(request.given, resume?.info.options);

  // The output folder must take the results before any time is spent: created, written to, within seconds.
  const out = request.out ?? join("runs", `${model}-${options.seed}`);
  await prepareOutputDirectory(out, { files: ["checkpoint.safetensors", "model.safetensors", "curves.svg"] }).catch((err: unknown) => {
    throw err instanceof FileSystemError ? new Error(`--out: ${err.message}`) : err;
  });

  const data = await loadRunData(request.data, options.classes, request.trainSize, request.testSize);
  const { trainer, fromWeights } = await buildRunTrainer(request, options, data, resume);
  const info: Record<string, string> = { model, options: JSON.stringify(options), data: data.source };
  if (fromWeights) info.standardization_from = "weights";
  return {
    model, epochs, options, data, trainer, info,
    resumed: resume !== undefined,
    weights: request.weights,
    checkpointPath: join(out, "checkpoint.safetensors"),
    modelPath: join(out, "model.safetensors"),
    plotPath: join(out, "curves.svg"),
  };
}

/**
 * Trains `run` until its epochs are done, writing a checkpoint after every
 * epoch (after `callbacks.onEpoch`), then the model's state dict and the SVG
 * of the learning curves.
 */
export async function runTraining(run: TrainingRun, callbacks: TrainCallbacks = {}): Promise<TrainingRunResult> {
  const { trainer, model, options, data } = run;
  const reports = trainer.run(run.epochs, {
    onStep: callbacks.onStep,
    onEpoch: (r) => {
      callbacks.onEpoch?.(r);
      // A checkpoint after every epoch: an interrupted run resumes from the last one.
      // (written synchronously: the training loop does not yield to the event loop between epochs)
      writeFileBytesSync(run.checkpointPath, checkpointTrainer(trainer, run.info));
    },
  });
  await writeFileBytes(run.modelPath, encodeModel(trainer.model, { model, standardization: JSON.stringify(trainer.standardization) }));
  await writeFileBytes(run.plotPath, learningCurvesSvg(trainer.history, `${model} on ${data.source}, seed ${options.seed}`));
  const trainSeconds = reports.reduce((s, r) => s + r.trainSeconds, 0);
  const trainedImages = reports.reduce((s, r) => s + r.train.count, 0);
  return { reports, trainSeconds, imagesPerSecond: trainedImages / trainSeconds };
}
