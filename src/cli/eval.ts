/**
 * `nnref eval MODEL --weights FILE [--data DIR] [--json] [--out DIR]` —
 * evaluates a model of the zoo with weights from a model-only file on the
 * test set of Fashion-MNIST (the embedded subset unless --data names an IDX
 * directory): test loss, accuracy, top-k error, the confusion matrix and each
 * class's accuracy. Argument parsing and printing only: the work is the
 * library's `buildModelFromWeights`, `evaluateClassifier`,
 * `formatConfusionMatrix`, `formatPerClassAccuracy` and `confusionMatrixSvg`.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { getBackend } from "../backend/dispatch.js";
import { firstImages } from "../data/dataset.js";
import { loadEmbeddedDataset, loadIdxDirectory } from "../data/node_files.js";
import { computeStandardization } from "../data/standardize.js";
import { modelNames } from "../models/index.js";
import { evaluateClassifier, type ClassifierEvaluation } from "../train/evaluate.js";
import { MAX_SVG_CLASSES, confusionMatrixSvg, formatConfusionMatrix, formatPerClassAccuracy } from "../train/confusion_matrix.js";
import { commandOptions, parseCommand } from "./command_line.js";
import {
  UsageError, WEIGHTS_OPTIONS, chooseBackend, isPositiveInt, loadWeightsArgs, numberFlag, parseOrUsage, parseWeightsArgs,
  resolveClassNames, resolveStandardization, weightsUsage, type WeightsArgs,
} from "./weights_options.js";

const USAGE = `usage: nnref eval MODEL --weights FILE [options]

Evaluates MODEL (${modelNames().join(", ")}) with the weights in FILE on a test set:
test loss (mean cross-entropy), accuracy, top-k error, the confusion matrix
(rows: true class, columns: predicted) and each class's accuracy.

${weightsUsage("the data's number of classes")}
  --data DIR           an MNIST-style IDX directory (t10k-images-idx3-ubyte[.gz], …);
                       default: the embedded Fashion-MNIST subset (1,000 test images)
  --test-size N        use only the first N test images
  --batch B            images per forward pass (default 1000; does not change the result)
  --top-k K            k of the top-k error (default 5)
  --out DIR            also write DIR/confusion.svg
  --json               end the output with one line of JSON (testAccuracy, testLoss,
                       testTopKError, perClassAccuracy, confusion, …)

Exit status: 0 after evaluating, 1 on an error (a file that does not fit the model,
bad data), 2 for bad arguments.`;

/** The checked arguments of one `nnref eval`. */
interface EvalArgs {
  model: string;
  weights: WeightsArgs;
  testSize?: number;
  batch: number;
  topK: number;
}

/** Checks the positionals and flags; throws UsageError. */
function parseEvalArgs(positionals: string[], values: Record<string, string | boolean | undefined>): EvalArgs {
  if (positionals.length !== 1) throw new UsageError(`expected one MODEL, got ${positionals.length === 0 ? "none" : positionals.join(" ")}`);
  const model = positionals[0];
  if (!modelNames().includes(model)) throw new UsageError(`unknown model ${JSON.stringify(model)}: expected one of ${modelNames().join(", ")}`);
  return {
    model,
    weights: parseWeightsArgs(values),
    testSize: numberFlag("test-size", values["test-size"] as string | undefined, isPositiveInt, "a positive integer"),
    batch: numberFlag("batch", values.batch as string | undefined, isPositiveInt, "a positive integer") ?? 1000,
    topK: numberFlag("top-k", values["top-k"] as string | undefined, isPositiveInt, "a positive integer") ?? 5,
  };
}

/** The results as text: the metrics line, the confusion matrix (up to 30 classes) and the per-class accuracy. */
function printEvaluation(e: ClassifierEvaluation, names: string[] | undefined): void {
  console.log(`test loss ${e.loss.toFixed(4)} | accuracy ${e.accuracy.toFixed(4)} | top-${e.topK} error ${e.topKError.toFixed(4)}`);
  console.log("");
  if (e.classes <= 30) console.log(`confusion matrix (rows: true class, columns: predicted)\n${formatConfusionMatrix(e, names)}\n`);
  else console.log(`confusion matrix of ${e.classes} classes: too wide for text (in --json${e.classes <= MAX_SVG_CLASSES ? " and --out" : ""})\n`);
  console.log(`per-class accuracy\n${formatPerClassAccuracy(e, names)}`);
}

/** Runs `nnref eval` with `argv` (after the command name); returns the exit status. */
export async function run(argv: string[]): Promise<number> {
  const started = performance.now();
  const parsed = parseCommand("eval", USAGE, argv, commandOptions([...WEIGHTS_OPTIONS, "data", "test-size", "batch", "top-k", "out"], ["json"]));
  if (typeof parsed === "number") return parsed;
  const values: Record<string, string | boolean | undefined> = parsed.values;
  const a = parseOrUsage("eval", USAGE, () => parseEvalArgs(parsed.positionals, values));
  if (typeof a === "number") return a;
  const { model, weights: args } = a;
  chooseBackend(args.backend);

  const data = values.data === undefined ? await loadEmbeddedDataset() : await loadIdxDirectory(values.data as string);
  const test = a.testSize === undefined ? data.test : firstImages(data.test, a.testSize);
  const classes = args.classes ?? Math.max(data.train.classes, data.test.classes);
  const inputSize = [test.channels, test.height, test.width] as const;
  const { module, info } = await loadWeightsArgs(model, args, inputSize, classes);
  const fromData = computeStandardization(data.train);
  const { standardization, source } = resolveStandardization(args, info, `this data's training set gives --mean ${fromData.mean.toFixed(4)} --std ${fromData.std.toFixed(4)}`);
  const names = resolveClassNames(args, classes, inputSize);

  const params = module.parameterCount().toLocaleString("en-US");
  console.log(`evaluating ${model} (${params} parameters) with ${args.weights}${info.kind === "checkpoint" ? " (a training checkpoint: its optimizer state is ignored)" : ""} on ${data.source}: ${test.count} test images, backend ${getBackend()}`);
  console.log(`inputs standardized by mean ${standardization.mean.toFixed(4)}, std ${standardization.std.toFixed(4)} (from ${source})`);
  const e = evaluateClassifier(module, test, { standardization, topK: a.topK, batchSize: a.batch });
  printEvaluation(e, names);

  let svgPath: string | undefined;
  if (values.out !== undefined && classes <= MAX_SVG_CLASSES) {
    await mkdir(values.out as string, { recursive: true });
    svgPath = join(values.out as string, "confusion.svg");
    await writeFile(svgPath, confusionMatrixSvg(e, names, `${model} on ${data.source}: accuracy ${e.accuracy.toFixed(4)} (${test.count} test images)`));
    console.log(`wrote ${svgPath}`);
  } else if (values.out !== undefined) {
    console.log(`no confusion.svg: ${classes} classes are more than the ${MAX_SVG_CLASSES} drawn`);
  }
  if (values.json) {
    const rows = Array.from({ length: classes }, (_, t) => Array.from(e.confusion.subarray(t * classes, (t + 1) * classes)));
    console.log(JSON.stringify({
      model,
      weights: args.weights,
      testAccuracy: e.accuracy,
      testLoss: e.loss,
      testTopKError: e.topKError,
      topK: e.topK,
      testImages: e.count,
      classes,
      classNames: names ?? null,
      perClassAccuracy: e.perClassAccuracy.map((x) => (Number.isNaN(x) ? null : x)),
      classCounts: e.classCounts,
      confusion: rows,
      standardization,
      standardizationFrom: source,
      backend: getBackend(),
      data: data.source,
      seconds: (performance.now() - started) / 1000,
      ...(svgPath ? { confusionSvg: svgPath } : {}),
    }));
  }
  return 0;
}
