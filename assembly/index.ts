// The kernels module: every export the JS side (src/backend/wasm.ts) calls.
// Kernels take byte offsets into this module's memory; they allocate nothing:
// the JS side lays out inputs, outputs and scratch in an arena above heapBase().
export { MR, NR, KC, MC, NC, packA, packB, microkernel, gemmPacked, sgemm, sgemmScratchBytes, scaleC } from "./gemm";
export { convK } from "./conv_geometry";
export { im2colPanel, col2imPanel, im2colRowsPanel } from "./conv_panels";
export { conv2dForward, conv2dForwardScratchBytes } from "./conv_forward";
export { conv2dForwardFused } from "./conv_forward";
export { conv2dForwardPacked, conv2dForwardPackedScratchBytes, conv2dPackWeights, conv2dPackedWeightsBytes } from "./conv_forward";
export { conv2dBackwardInput, conv2dBackwardInputScratchBytes } from "./conv_input_grad";
export { conv2dBackwardWeight, conv2dBackwardWeightColumns, conv2dBackwardWeightScratchBytes } from "./conv_weight_grad";
export { channelSums } from "./reduce";
export { reluForward, reluBackward } from "./elementwise";
export { maxPool2dForward, maxPool2dBackward } from "./pool";
export { sgdStep } from "./sgd";
export { MAX_THREADS, setThreadIndex } from "./thread_local";

/** Version of the kernels' calling conventions (bumped when an export changes). */
export function kernelsVersion(): i32 {
  return 3;
}

/** First byte the JS side may use: everything below holds the module's static data. */
export function heapBase(): usize {
  return __heap_base;
}
export { batchNormStats, batchNormForward, batchNormBackward } from "./batch_norm";
export { addForward, mulForward } from "./arith";
export { globalAvgPoolForward, globalAvgPoolBackward } from "./pool";
export { adamStep } from "./adam";
export { exactExpF64, exactExpPairF64, softmaxRowStats, softmaxForward, logSoftmaxForward, softmaxBackward, logSoftmaxBackward, crossEntropyLosses, crossEntropyBackward } from "./softmax";
