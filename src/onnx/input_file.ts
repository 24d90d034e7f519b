/**
 * The input tensor of `nnref run` from a file's bytes: a .npy array (what
 * `numpy.save` writes) or a .safetensors file (the tensor named like the
 * model's input, or its only tensor). The tensor is fitted to the model's
 * declared input: a missing batch dimension is added, float64 becomes
 * float32 for a FLOAT input.
 */
import { Tensor, shapeString } from "../tensor.js";
import { decodeNpy } from "../io/npy.js";
import { decodeSafetensors } from "../io/safetensors.js";
import type { OnnxModel } from "./graph.js";

/** Thrown for an input file that does not fit the model; the message names the file. */
export class InputFileError extends Error {
  constructor(readonly file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = "InputFileError";
  }
}

/** The tensor stored in `bytes` (.npy or .safetensors, by the name `file`), before fitting. */
function readTensor(bytes: Uint8Array, file: string, inputName: string): Tensor {
  const lower = file.toLowerCase();
  if (lower.endsWith(".npy")) return decodeNpy(bytes, file);
  if (lower.endsWith(".safetensors")) {
    const { tensors } = decodeSafetensors(bytes, file);
    const named = tensors.get(inputName);
    if (named) return named;
    if (tensors.size === 1) return [...tensors.values()][0];
    throw new InputFileError(file, `holds ${tensors.size} tensors (${[...tensors.keys()].slice(0, 5).join(", ")}${tensors.size > 5 ? ", …" : ""}) and none is called ${JSON.stringify(inputName)}, the model's input`);
  }
  throw new InputFileError(file, "expected a .npy or .safetensors file (by its extension)");
}

/**
 * Reads the input of `model` (a single-input model) from the bytes of
 * `file` and fits it to the declared input (see the file comment).
 * Throws InputFileError, NpyError or SafetensorsError naming the file.
 */
export function readModelInput(bytes: Uint8Array, file: string, model: OnnxModel): Tensor {
  if (model.inputs.length !== 1) throw new InputFileError(file, `the model has ${model.inputs.length} inputs (${model.inputs.map((v) => v.name).join(", ")}); nnref run feeds models with one input`);
  const info = model.inputs[0];
  let t = readTensor(bytes, file, info.name);
  if (info.shape && t.rank === info.shape.length - 1) t = t.reshape([1, ...t.shape]);
  if (info.shape && t.rank !== info.shape.length) throw new InputFileError(file, `holds a tensor of shape ${shapeString(t.shape)}; the model's input ${JSON.stringify(info.name)} is [${info.shape.join(", ")}]`);
  if (info.elemType === "FLOAT" && t.dtype !== "float32") t = t.astype("float32");
  return t;
}
