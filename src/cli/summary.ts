/**
 * `nnref summary MODEL [--input C,H,W] [--variant V] [--batch N] [--classes K] [--json]`
 *
 * Builds a model of the zoo (src/models/index.ts) and prints its summary
 * (summarize/formatSummary in src/models/summary.ts): one row per layer with
 * output shape, parameters, multiply-accumulates and activations, then the
 * totals. `--json` prints the same as one JSON object. Argument parsing and
 * printing only.
 */
import { buildModel, formatSummary, models, modelNames, ShapeOnlyRandom, summarize, type ImageSize } from "../models/index.js";
import { commandOptions, parseCommand } from "./command_line.js";

const USAGE = `usage: nnref summary MODEL [--input C,H,W] [--variant V] [--batch N] [--classes K] [--json]

Prints a model's layers (output shape, parameters, multiply-accumulates,
activations) and totals (parameters, MACs, forward activation memory, the
memory training needs at 32-bit, the receptive field of the last conv layer),
computed by walking the module graph with shape inference.

  --input C,H,W   input image size (default: the size the model was published for)
  --variant V     model variant, e.g. resnet50 --variant original (stride on the 1×1 conv)
  --batch N       batch size (default 1)
  --classes K     classes of the last layer (default 1000; 10 for mlp and lenet5)
  --json          print one JSON object: {model, variant, inputShape, outputShape,
                  layers: [...], totals: {params, macs, ...}, receptiveField, notes}
  --list          list the models

Models: ${modelNames().join(", ")}`;

function positiveInt(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(n) || n < 1) throw new RangeError(`${flag}: expected a positive integer, got ${JSON.stringify(text)}`);
  return n;
}

/** "3,224,224" → [3, 224, 224]. */
function parseInput(text: string): ImageSize {
  const parts = text.split(/[,x×]/).map((p) => p.trim());
  if (parts.length !== 3) throw new RangeError(`--input: expected C,H,W (e.g. 3,224,224), got ${JSON.stringify(text)}`);
  const [c, h, w] = parts.map((p) => positiveInt("--input", p));
  return [c, h, w];
}

/** Runs `nnref summary` with `argv` (after the command name); returns the exit status. */
export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand("summary", USAGE, argv, commandOptions(["input", "variant", "batch", "classes"], ["json", "list"]));
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
  if (values.list) {
    const width = Math.max(...modelNames().map((n) => n.length));
    const sizeWidth = Math.max(...Object.values(models).map((e) => e.inputSize.join("×").length));
    for (const [name, entry] of Object.entries(models)) {
      const variants = entry.variants.length ? ` (variants: ${entry.variants.join(", ")})` : "";
      console.log(`${name.padEnd(width)}  ${entry.inputSize.join("×").padEnd(sizeWidth)}  ${entry.description}${variants}`);
    }
    return 0;
  }
  if (positionals.length !== 1) {
    console.error(`nnref summary: expected one MODEL, got ${positionals.length === 0 ? "none" : positionals.join(" ")}\n\n${USAGE}`);
    return 2;
  }
  const name = positionals[0];
  const entry = models[name];
  if (!entry) {
    console.error(`nnref summary: unknown model ${JSON.stringify(name)}; expected one of ${modelNames().join(", ")}`);
    return 2;
  }
  let inputSize: ImageSize, batch: number, numClasses: number | undefined;
  try {
    inputSize = values.input === undefined ? entry.inputSize : parseInput(values.input);
    batch = values.batch === undefined ? 1 : positiveInt("--batch", values.batch);
    numClasses = values.classes === undefined ? undefined : positiveInt("--classes", values.classes);
  } catch (err) {
    console.error(`nnref summary: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  // Weights are irrelevant to a summary: build with constant "random" numbers (fast, same structure).
  const model = buildModel(name, new ShapeOnlyRandom(), { inputSize, variant: values.variant, numClasses });
  const summary = summarize(model, [batch, ...inputSize]);
  const variant = values.variant ?? entry.variants[0] ?? null;
  if (values.json) {
    console.log(JSON.stringify({ model: name, variant, ...summary }));
  } else {
    console.log(formatSummary(summary, variant ? `${name} (${variant})` : name));
  }
  return 0;
}
