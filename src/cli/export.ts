/**
 * `nnref export MODEL --weights FILE --onnx OUT.onnx [--input C,H,W] [--variant V] [--classes K]`
 *
 * Builds a zoo model (src/models/), loads its weights from a safetensors
 * file (nnref's own `model.safetensors` or a PyTorch state dict with the
 * same names), and writes it as an ONNX model (exportOnnx,
 * src/onnx/export.ts) for ONNX Runtime, PyTorch or any other ONNX reader.
 * Argument parsing and printing only.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { buildModel, models, modelNames, ShapeOnlyRandom, type ImageSize } from "../models/index.js";
import { decodeSafetensors } from "../io/safetensors.js";
import { exportOnnx } from "../onnx/export.js";
import { commandOptions, parseCommand } from "./command_line.js";

const USAGE = `usage: nnref export MODEL --weights FILE --onnx OUT.onnx [--input C,H,W] [--variant V] [--classes K]

Writes a model of the zoo with its trained weights as an ONNX file (opset 13,
batch dimension symbolic): Conv, Gemm, BatchNormalization (running
statistics), pooling, LRN and the residual/Inception/SE joins, each weight an
initializer under its state-dict name. Dropout is left out (inference graph).

  --weights FILE   a safetensors state dict (nnref's model.safetensors, or
                   PyTorch's with torchvision names); every tensor must fit
  --onnx OUT       the .onnx file to write
  --input C,H,W    input image size (default: the model's published size)
  --variant V      model variant (as for nnref summary)
  --classes K      classes of the last layer (default: as the weights say —
                   1000, or 10 for mlp and lenet5)

Models: ${modelNames().join(", ")}`;

function parseInput(text: string): ImageSize {
  const parts = text.split(/[,x×]/).map((p) => Number(p.trim()));
  if (parts.length !== 3 || parts.some((n) => !Number.isInteger(n) || n < 1)) throw new RangeError(`--input: expected C,H,W (e.g. 3,224,224), got ${JSON.stringify(text)}`);
  return [parts[0], parts[1], parts[2]];
}

/** Runs \`nnref export\` with \`argv\` (after the command name); returns the exit status. */
export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand("export", USAGE, argv, commandOptions(["weights", "onnx", "input", "variant", "classes"]));
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
  if (positionals.length !== 1 || values.weights === undefined || values.onnx === undefined) {
    console.error(`nnref export: expected one MODEL, --weights FILE and --onnx OUT.onnx\n\n${USAGE}`);
    return 2;
  }
  const name = positionals[0];
  const entry = models[name];
  if (!entry) {
    console.error(`nnref export: unknown model ${JSON.stringify(name)}; expected one of ${modelNames().join(", ")}`);
    return 2;
  }
  let inputSize: ImageSize, numClasses: number | undefined;
  try {
    inputSize = values.input === undefined ? entry.inputSize : parseInput(values.input);
    numClasses = values.classes === undefined ? undefined : Number(values.classes);
    if (numClasses !== undefined && (!Number.isInteger(numClasses) || numClasses < 1)) throw new RangeError(`--classes: expected a positive integer, got ${JSON.stringify(values.classes)}`);
  } catch (err) {
    console.error(`nnref export: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  const { tensors } = decodeSafetensors(new Uint8Array(readFileSync(values.weights)), values.weights);
  // The weights replace every parameter, so the initial values need no real random draws.
  let model = buildModel(name, new ShapeOnlyRandom(), { inputSize, variant: values.variant, numClasses });
  if (numClasses === undefined) {
    // The classes as the weights say: the rows of the last rank-2 weight (the classifier).
    const head = [...model.stateDict()].filter(([, t]) => t.rank === 2).pop();
    const rows = head ? tensors.get(head[0])?.shape : undefined;
    if (head && rows && rows.length === 2 && rows[0] !== head[1].shape[0]) {
      numClasses = rows[0];
      model = buildModel(name, new ShapeOnlyRandom(), { inputSize, variant: values.variant, numClasses });
    }
  }
  try {
    model.loadStateDict(tensors);
  } catch (err) {
    throw new Error(`${values.weights}: does not fit ${name}${numClasses ? ` with ${numClasses} classes` : ""}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const bytes = exportOnnx(model.eval(), [1, ...inputSize]);
  writeFileSync(values.onnx, bytes);
  console.log(`${values.onnx}: ${name} as ONNX (opset 13), ${model.parameterCount().toLocaleString("en-US")} parameters, input [batch, ${inputSize.join(", ")}], ${(bytes.length / 1e6).toFixed(1)} MB`);
  return 0;
}
