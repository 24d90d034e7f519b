/**
 * `nnref run MODEL.onnx --input FILE [--top K] [--backend js|wasm] [--json]`
 *
 * Evaluates an ONNX model with nnref's ops (loadOnnx, src/onnx/graph.ts) on
 * an input read from a .npy or .safetensors file or a PNG/PGM image
 * (readImageInput: the steps are documented in src/onnx/input_file.ts), and prints each output's
 * shape and its largest values per batch row. Argument parsing and printing
 * only.
 */
import { readFileSync } from "node:fs";
import { loadOnnx } from "../onnx/graph.js";
import { isImageFile, readImageInput, readModelInput } from "../onnx/input_file.js";
import type { Polarity } from "../data/image_input.js";
import { topValues } from "../onnx/top_values.js";
import { setBackend, getBackend, type BackendName } from "../backend/dispatch.js";
import { loadKernelsSync } from "../backend/load.js";
import { shapeString } from "../tensor.js";
import { commandOptions, parseCommand } from "./command_line.js";

const USAGE = `usage: nnref run MODEL.onnx --input FILE [--mean X --std Y] [--polarity P] [--top K] [--backend js|wasm] [--json]

Evaluates an ONNX model (opsets 7–17; the ops of image classifiers such as
torchvision's ResNet, VGG, GoogLeNet and AlexNet) with nnref's reference ops
or kernels, and prints each output's shape and its K largest values per
batch row (for logits: the top-K classes).

  --input FILE     the input tensor: FILE.npy (numpy.save) or FILE.safetensors
                   (the tensor named like the model's input, or the only one);
                   a missing batch dimension is added; or an image FILE.png / FILE.pgm
                   for a model whose input is [N, C, H, W] (C = 1 or 3, H and W fixed):
                   made the way Fashion-MNIST's images were (alpha over white; gray
                   by BT.601 luma for C = 1; inverted when its border is light; padded,
                   never cropped, to the aspect W:H with the border's mean; resized
                   by area averaging or bilinear interpolation; rounded to 8 bits),
                   then standardized, x = (pixel/255 − X)/Y, into [1, C, H, W]
  --mean X --std Y required with an image: the standardization the model was trained
                   with (nnref train's is in its model.safetensors metadata
                   "standardization"; --mean 0 --std 1 gives pixel/255)
  --polarity P     auto (default), invert or keep: light-background images
  --top K          values to print per row (default 5)
  --backend B      js (reference ops) or wasm (kernels; the default where they load)
  --json           print one JSON object: {model, opset, backend, input: {name, shape},
                   outputs: [{name, shape, top: [[{index, value}, …] per row]}]};
                   for an image, input also has {mean, std, inverted}`;

/** Runs \`nnref run\` with \`argv\` (after the command name); returns the exit status. */
export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand("run", USAGE, argv, { ...commandOptions(["input", "mean", "std", "polarity", "backend"], ["json"]), top: { type: "string", default: "5" } });
  if (typeof parsed === "number") return parsed;
  const { values, positionals } = parsed;
  if (positionals.length !== 1 || values.input === undefined) {
    console.error(`nnref run: expected one MODEL.onnx and --input FILE\n\n${USAGE}`);
    return 2;
  }
  const k = Number(values.top);
  if (!/^\d+$/.test(values.top!) || k < 1) {
    console.error(`nnref run: --top: expected a positive integer, got ${JSON.stringify(values.top)}`);
    return 2;
  }
  loadKernelsSync(); // the kernels become the default backend where they load
  if (values.backend !== undefined) {
    if (values.backend !== "js" && values.backend !== "wasm") {
      console.error(`nnref run: --backend: expected js or wasm, got ${JSON.stringify(values.backend)}`);
      return 2;
    }
    setBackend(values.backend as BackendName);
  }
  const image = imageOptions(values.input, values);
  if (typeof image === "string") {
    console.error(`nnref run: ${image}`);
    return 2;
  }
  const file = positionals[0];
  const model = loadOnnx(new Uint8Array(readFileSync(file)), { file });
  const bytes = new Uint8Array(readFileSync(values.input));
  const fromImage = image ? await readImageInput(bytes, values.input, model, image) : null;
  const x = fromImage ? fromImage.input : readModelInput(bytes, values.input, model);
  const imageInfo = image && fromImage ? { ...image.standardization, inverted: fromImage.inverted } : null;
  const inputInfo = { name: model.inputs[0].name, shape: [...x.shape], ...imageInfo };
  const outputs = model.run(x);
  const rows = model.outputs.map((o) => ({ name: o.name, shape: [...outputs[o.name].shape], top: topValues(outputs[o.name], k) }));
  if (values.json) {
    console.log(JSON.stringify({ model: file, opset: model.opset, backend: getBackend(), input: inputInfo, outputs: rows }));
    return 0;
  }
  console.log(`${file}: opset ${model.opset}, ${model.nodes.length} nodes, backend ${getBackend()}; input ${model.inputs[0].name} ${shapeString(x.shape)}`);
  if (imageInfo) console.log(`${values.input}: (pixel/255 − ${imageInfo.mean})/${imageInfo.std}${imageInfo.inverted ? ", inverted (light background)" : ""}`);
  for (const o of rows) {
    console.log(`output ${o.name} ${shapeString(o.shape)}`);
    o.top.forEach((row, r) => console.log(`  row ${r}: ${row.map((t) => `${t.index}: ${t.value.toPrecision(6)}`).join("  ")}`));
  }
  return 0;
}

/** For an image `input`: the standardization and polarity from the flags; null for a tensor file; the message of what is wrong. */
function imageOptions(input: string, values: { mean?: string; std?: string; polarity?: string }): { standardization: { mean: number; std: number }; polarity: Polarity } | null | string {
  if (!isImageFile(input)) {
    const extra = values.mean ?? values.std ?? values.polarity;
    return extra === undefined ? null : "--mean, --std and --polarity apply to an image input (.png or .pgm) only";
  }
  if (values.mean === undefined || values.std === undefined) {
    return "an image input needs --mean X --std Y, the standardization the model was trained with (an ONNX file does not record it; --mean 0 --std 1 gives pixel/255)";
  }
  const mean = Number(values.mean);
  const std = Number(values.std);
  if (values.mean.trim() === "" || !Number.isFinite(mean)) return `--mean: expected a finite number, got ${JSON.stringify(values.mean)}`;
  if (values.std.trim() === "" || !Number.isFinite(std) || !(std > 0)) return `--std: expected a finite number > 0, got ${JSON.stringify(values.std)}`;
  const polarity = values.polarity ?? "auto";
  if (polarity !== "auto" && polarity !== "invert" && polarity !== "keep") return `--polarity: expected auto, invert or keep, got ${JSON.stringify(polarity)}`;
  return { standardization: { mean, std }, polarity };
}
