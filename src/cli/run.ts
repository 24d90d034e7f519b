/**
 * `nnref run MODEL.onnx --input FILE [--top K] [--backend js|wasm] [--json]`
 *
 * Evaluates an ONNX model with nnref's ops (loadOnnx, src/onnx/graph.ts) on
 * an input read from a .npy or .safetensors file, and prints each output's
 * shape and its largest values per batch row. Argument parsing and printing
 * only.
 */
import { readFileSync } from "node:fs";
import { loadOnnx } from "../onnx/graph.js";
import { readModelInput } from "../onnx/input_file.js";
import { topValues } from "../onnx/top_values.js";
import { setBackend, getBackend, type BackendName } from "../backend/dispatch.js";
import { loadKernelsSync } from "../backend/load.js";
import { shapeString } from "../tensor.js";
import { parseCommandLine } from "./command_line.js";

const USAGE = `usage: nnref run MODEL.onnx --input FILE [--top K] [--backend js|wasm] [--json]

Evaluates an ONNX model (opsets 7–17; the ops of image classifiers such as
torchvision's ResNet, VGG, GoogLeNet and AlexNet) with nnref's reference ops
or kernels, and prints each output's shape and its K largest values per
batch row (for logits: the top-K classes).

  --input FILE     the input tensor: FILE.npy (numpy.save) or FILE.safetensors
                   (the tensor named like the model's input, or the only one);
                   a missing batch dimension is added
  --top K          values to print per row (default 5)
  --backend B      js (reference ops) or wasm (kernels; the default where they load)
  --json           print one JSON object: {model, opset, backend, input: {name, shape},
                   outputs: [{name, shape, top: [[{index, value}, …] per row]}]}`;

/** Runs \`nnref run\` with \`argv\` (after the command name); returns the exit status. */
export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandLine("run", USAGE, {
    args: argv,
    allowPositionals: true,
    options: {
      input: { type: "string" },
      top: { type: "string", default: "5" },
      backend: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
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
  const file = positionals[0];
  const model = loadOnnx(new Uint8Array(readFileSync(file)), { file });
  const x = readModelInput(new Uint8Array(readFileSync(values.input)), values.input, model);
  const outputs = model.run(x);
  const rows = model.outputs.map((o) => ({ name: o.name, shape: [...outputs[o.name].shape], top: topValues(outputs[o.name], k) }));
  if (values.json) {
    console.log(JSON.stringify({ model: file, opset: model.opset, backend: getBackend(), input: { name: model.inputs[0].name, shape: [...x.shape] }, outputs: rows }));
    return 0;
  }
  console.log(`${file}: opset ${model.opset}, ${model.nodes.length} nodes, backend ${getBackend()}; input ${model.inputs[0].name} ${shapeString(x.shape)}`);
  for (const o of rows) {
    console.log(`output ${o.name} ${shapeString(o.shape)}`);
    o.top.forEach((row, r) => console.log(`  row ${r}: ${row.map((t) => `${t.index}: ${t.value.toPrecision(6)}`).join("  ")}`));
  }
  return 0;
}
