/**
 * `nnref predict MODEL --weights FILE IMAGE… [--top K] [--json]` — the most
 * probable classes of each image (PNG or PGM) under a model of the zoo with
 * weights from a model-only file. Argument parsing and printing only: the
 * work is the library's `decodeImage`, `imageToInput` (the resizing and
 * polarity rules are documented there) and `predictClasses`.
 */
import { readFile } from "node:fs/promises";
import { decodeImage } from "../io/image_file.js";
import { imageToInput, type Polarity } from "../data/image_input.js";
import { models, modelNames, type ImageSize } from "../models/index.js";
import { predictClasses } from "../train/predict.js";
import { commandOptions, parseCommand } from "./command_line.js";
import {
  UsageError, WEIGHTS_OPTIONS, chooseBackend, isPositiveInt, loadWeightsArgs, numberFlag, parseWeightsArgs,
  resolveClassNames, resolveStandardization, weightsUsage, type WeightsArgs,
} from "./weights_options.js";

const USAGE = `usage: nnref predict MODEL --weights FILE IMAGE… [options]

Prints the K most probable classes of each IMAGE (PNG: gray, gray+alpha, RGB,
RGBA or palette, any bit depth, interlaced or not; PGM: P2 or P5) under MODEL
(${modelNames().join(", ")}) with the weights in FILE.

Each image becomes the model's input as Fashion-MNIST's images were made:
transparent pixels composited over white; gray by ITU-R BT.601 luma
(0.299 R + 0.587 G + 0.114 B) for a 1-channel model; inverted when its border
is light (Fashion-MNIST is light on black; see --polarity); padded (never
cropped) to the input's aspect ratio with its border's mean; resized by area
averaging (shrinking) or bilinear interpolation (growing); rounded to 8 bits
and standardized like the training images.

${weightsUsage("10")}
  --input C,H,W        the model's input (default: 1,28,28 for mlp and lenet5, else the
                       size the model was published for)
  --polarity auto|invert|keep
                       invert light-background images (auto, default), always, never
  --top K              classes per image (default 3)
  --json               end the output with one line of JSON: {model, images: [{file,
                       top: [{class, name, probability}], inverted}]}

Exit status: 0 after predicting, 1 on an error (an unreadable image names the
file; weights that do not fit the model), 2 for bad arguments.`;

function parseInput(text: string): ImageSize {
  const parts = text.split(/[,x×]/).map((p) => Number(p.trim()));
  if (parts.length !== 3 || !parts.every(isPositiveInt)) throw new UsageError(`--input: expected C,H,W (e.g. 1,28,28), got ${JSON.stringify(text)}`);
  return [parts[0], parts[1], parts[2]];
}

/** Runs `nnref predict` with `argv` (after the command name); returns the exit status. */
export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand("predict", USAGE, argv, commandOptions([...WEIGHTS_OPTIONS, "input", "polarity", "top"], ["json"]));
  if (typeof parsed === "number") return parsed;
  const values: Record<string, string | boolean | undefined> = parsed.values;
  let model: string;
  let args: WeightsArgs;
  let files: string[];
  let inputSize: ImageSize;
  let top: number;
  let polarity: Polarity;
  try {
    [model, ...files] = parsed.positionals;
    if (model === undefined) throw new UsageError("expected MODEL and at least one IMAGE, got neither");
    if (!modelNames().includes(model)) throw new UsageError(`unknown model ${JSON.stringify(model)}: expected one of ${modelNames().join(", ")}`);
    if (files.length === 0) throw new UsageError("expected at least one IMAGE after MODEL");
    args = parseWeightsArgs(values);
    const mnist = model === "mlp" || model === "lenet5";
    inputSize = values.input !== undefined ? parseInput(values.input as string) : mnist ? [1, 28, 28] : models[model].inputSize;
    if (inputSize[0] !== 1 && inputSize[0] !== 3) throw new UsageError(`--input: expected 1 (gray) or 3 (RGB) channels, got ${inputSize[0]}`);
    top = numberFlag("top", values.top as string | undefined, isPositiveInt, "a positive integer") ?? 3;
    polarity = (values.polarity as Polarity | undefined) ?? "auto";
    if (!["auto", "invert", "keep"].includes(polarity)) throw new UsageError(`--polarity: expected auto, invert or keep, got ${JSON.stringify(polarity)}`);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`nnref predict: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  chooseBackend(args.backend);
  const classes = args.classes ?? 10;
  const { module, info } = await loadWeightsArgs(model, args, inputSize, classes);
  const { standardization } = resolveStandardization(args, info, "Fashion-MNIST's training set: --mean 0.2860 --std 0.3530");
  const names = resolveClassNames(args, classes, inputSize);

  // Every image is read and checked before the model runs, so a bad one fails fast with its name.
  const inputs: Array<{ file: string; pixels: Uint8Array; inverted: boolean }> = [];
  for (const file of files) {
    const image = await decodeImage(new Uint8Array(await readFile(file)), file);
    inputs.push({ file, ...imageToInput(image, { inputSize, polarity }) });
  }
  const predictions = predictClasses(module, inputs.map((i) => i.pixels), { inputSize, standardization, topK: top, classNames: names });
  predictions.forEach((list, n) => {
    const text = list.map((c) => `${c.name} ${(100 * c.probability).toFixed(1)}%`).join(", ");
    console.log(`${inputs[n].file}: ${text}${inputs[n].inverted ? " (inverted: light background)" : ""}`);
  });
  if (values.json) {
    console.log(JSON.stringify({
      model,
      weights: args.weights,
      inputSize,
      standardization,
      images: predictions.map((list, n) => ({
        file: inputs[n].file,
        inverted: inputs[n].inverted,
        top: list.map((c) => ({ class: c.index, name: c.name, probability: c.probability })),
      })),
    }));
  }
  return 0;
}
