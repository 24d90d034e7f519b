/**
 * The input tensor of `nnref run` from a file's bytes: a .npy array (what
 * `numpy.save` writes) or a .safetensors file (the tensor named like the
 * model's input, or its only tensor). The tensor is fitted to the model's
 * declared input: a missing batch dimension is added, float64 becomes
 * float32 for a FLOAT input.
 *
 * A PNG or PGM image (`readImageInput`) becomes the input of a model
 * declared [N, C, H, W] (C = 1 or 3, H and W fixed) as follows:
 *   1. decoded to 8 bits (`decodeImage`: PNG of any colour type and depth, PGM P2/P5);
 *   2. `imageToInput` (src/data/image_input.ts) to C·H·W bytes the way
 *      Fashion-MNIST's pictures were made: alpha composited over white,
 *      BT.601 luma for C = 1 (RGB for C = 3), inverted when the border is
 *      light (polarity "auto"; or "invert" / "keep"), padded with the border's
 *      mean to the aspect W:H (never cropped), resized by area averaging
 *      (shrinking) or bilinear interpolation (growing), rounded to 0 … 255;
 *   3. standardized as the training images were, x = (v/255 − mean)/std,
 *      with the mean and std the caller gives (an ONNX file does not record
 *      them), into a float32 tensor [1, C, H, W].
 */
import { Tensor, shapeString } from "../tensor.js";
import { decodeNpy } from "../io/npy.js";
import { decodeSafetensors } from "../io/safetensors.js";
import { decodeImage } from "../io/image_file.js";
import { imageToInput, type Polarity } from "../data/image_input.js";
import { standardizationTable, type Standardization } from "../data/standardize.js";
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
  if (isImageFile(file)) throw new InputFileError(file, "is an image: readImageInput reads it (with the model's standardization)");
  throw new InputFileError(file, "expected a .npy or .safetensors file, or a .png or .pgm image (by its extension)");
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

/** Options of `readImageInput`. */
export interface ImageInputFileOptions {
  /** x = (v/255 − mean)/std for each 8-bit value v: the standardization the model was trained with. */
  readonly standardization: Standardization;
  /** Light-background pictures: inverted "auto" (default: when the border is light), always ("invert") or never ("keep"). */
  readonly polarity?: Polarity;
}

/** True when `file` names a PNG or PGM image by its extension (.png, .pgm). */
export function isImageFile(file: string): boolean {
  return /\.(png|pgm)$/i.test(file);
}

/**
 * Reads the PNG or PGM image in `bytes` as the input [1, C, H, W] of
 * `model`, whose one input must be a FLOAT tensor declared [N, C, H, W]
 * with C = 1 or 3 and H, W fixed (see the file comment for the steps).
 * Returns the tensor and whether the picture was inverted. Throws
 * InputFileError or ImageDecodeError naming the file.
 */
export async function readImageInput(bytes: Uint8Array, file: string, model: OnnxModel, options: ImageInputFileOptions): Promise<{ input: Tensor; inverted: boolean }> {
  if (model.inputs.length !== 1) throw new InputFileError(file, `the model has ${model.inputs.length} inputs (${model.inputs.map((v) => v.name).join(", ")}); nnref run feeds models with one input`);
  const info = model.inputs[0];
  const dims = info.shape ?? [];
  const [, c, h, w] = dims;
  if (dims.length !== 4 || (c !== 1 && c !== 3) || typeof h !== "number" || typeof w !== "number" || info.elemType !== "FLOAT") {
    throw new InputFileError(file, `an image feeds a model whose input is FLOAT [N, C, H, W] with C = 1 or 3 and fixed H, W; the model's input ${JSON.stringify(info.name)} is ${info.elemType} ${info.shape ? `[${info.shape.join(", ")}]` : "of unknown shape"}`);
  }
  const table = standardizationTable(options.standardization);
  const image = await decodeImage(bytes, file);
  const { pixels, inverted } = imageToInput(image, { inputSize: [c, h, w], polarity: options.polarity });
  const data = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) data[i] = table[pixels[i]];
  return { input: new Tensor(data, [1, c, h, w]), inverted };
}
