/**
 * nnref — the public API. Everything a program can do, the CLI does through
 * these exports too.
 */
export * from "./tensor.js";
export { tidy, keep, tidyDepth, finalizedResidentCount } from "./tensor_lifetime.js";
export * from "./random.js";
export * from "./errors.js";
/** @deprecated The old name of `describeValue` (kept so the public API keeps every name). */
export { describeValue as describe } from "./errors.js";
export type * from "./ops/op.js";
export * from "./ops/registry.js";
export * from "./ops/activations.js";
export * from "./ops/linear.js";
export * from "./ops/losses.js";
export * from "./ops/class_losses.js";
export * from "./ops/sgd_step.js";
export * from "./ops/dropout.js";
export * from "./ops/arith.js";
export * from "./ops/gemm.js";
export * from "./ops/conv_geometry.js";
export * from "./ops/conv2d.js";
export * from "./ops/conv2d_fused.js";
export * from "./ops/im2col.js";
export * from "./ops/conv_transpose2d.js";
export * from "./ops/conv1d.js";
export * from "./shapes.js";
export { distinctValues, type SizePair, type SizePairLike } from "./ops/pool_window.js";
export * from "./ops/max_pool2d.js";
export * from "./ops/avg_pool2d.js";
export * from "./ops/max_unpool2d.js";
export * from "./ops/filters.js";
export * from "./ops/norm.js";
export * from "./ops/interpolate.js";
export * from "./ops/transpose.js";
export * from "./ops/kl_sparsity.js";
export * from "./backend/dispatch.js";
export { sgemm } from "./backend/sgemm.js";
export { loadKernels, loadKernelsSync } from "./backend/load.js";
export { kernelsUnavailableReason } from "./backend/load.js";
export { simdSupported } from "./backend/wasm.js";
export { toResident, residentZeros, residentPointer, kernelMemoryStats } from "./backend/resident.js";
export { resetKernelMemoryPeak } from "./backend/resident.js";
export { makeParametersResident } from "./nn/resident_parameters.js";
export { getThreads, setThreads, stopPool, threadsSupported, MAX_THREADS } from "./backend/threads.js";
export { threadsUnavailableReason } from "./backend/threads.js";
export * from "./io/vectors.js";
export * from "./check/vectors.js";
export * from "./check/gradcheck.js";
export * from "./autograd/index.js";
export * from "./nn/index.js";
export * from "./optim/index.js";
export * from "./models/index.js";
export * from "./data/index.js";
export * from "./io/safetensors.js";
export * from "./io/png_encode.js";
export * from "./io/pgm.js";
export * from "./io/npy.js";
export { ProtobufError } from "./io/protobuf.js";
export { decodeOnnx, encodeOnnx } from "./io/onnx/model_file.js";
export { OnnxError } from "./io/onnx/tensor_proto.js";
export type { ModelProto } from "./io/onnx/schema.js";
export { loadOnnx, OnnxModel, type LoadOnnxOptions, type OnnxValueInfo } from "./onnx/graph.js";
export { OnnxModule } from "./onnx/onnx_module.js";
export { OnnxNodeError } from "./onnx/attributes.js";
export { exportOnnx } from "./onnx/export.js";
export { supportedOnnxOps } from "./onnx/op_table.js";
export { topValues, type TopValue } from "./onnx/top_values.js";
export { readModelInput, InputFileError, readImageInput, isImageFile, type ImageInputFileOptions } from "./onnx/input_file.js";
export * from "./io/raster_image.js";
export * from "./io/png_decode.js";
export * from "./io/image_file.js";
export * from "./train/index.js";
export * as lecture from "./lecture/index.js";

// The default backend: "wasm" when the kernels load synchronously here (Node,
// workers), else "js" until `await loadKernels()` (see src/backend/load.ts).
import { loadKernelsSync as loadKernelsAtImport } from "./backend/load.js";
loadKernelsAtImport();
