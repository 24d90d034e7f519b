/**
 * The layers (src/nn/): modules built on the autograd functional API.
 * Every layer has forward, outputShape, macs and describe; parameters and
 * buffers use PyTorch's state dict names.
 */
export * from "./module.js";
export * from "./sequential.js";
export * from "./intermediates.js";
export * from "./init.js";
export * from "./shapes.js";
export * from "./linear.js";
export * from "./conv.js";
export * from "./conv_transpose.js";
export * from "./pool.js";
export * from "./batch_norm.js";
export * from "./dropout.js";
export * from "./local_response_norm.js";
export * from "./activations.js";
export * from "./flatten.js";
export * from "./residual.js";
export * from "./freeze.js";
export * from "./ensemble.js";
export * from "./layer_outputs.js";
export * from "./fused_conv.js";
export * from "./fuse_for_inference.js";
