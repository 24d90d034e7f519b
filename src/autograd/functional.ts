/**
 * The ops as functions of variables, named as in PyTorch's
 * torch.nn.functional: `F.conv2d(x, w, b, { stride: 2 })`. Each is one line:
 * it applies the op by name (./apply.ts); the semantics, validation and
 * gradients are the op's (src/ops/).
 */
import type { Tensor } from "../tensor.js";
import { apply, applyOp, type Operand } from "./apply.js";
import type { Variable } from "./variable.js";

type Pair = number | [number, number];
type Reduction = "mean" | "sum" | "none";

/** y = x Wᵀ + b. x [*, in], weight [out, in], bias [out] → [*, out]. */
export const linear = (x: Operand, weight: Operand, bias?: Operand): Variable => apply("linear", { input: x, weight, bias });
/** max(0, x), any shape. */
export const relu = (x: Operand): Variable => apply("relu", { input: x });
/** max(0, x) + slope·min(0, x). */
export const leakyRelu = (x: Operand, negativeSlope = 0.01): Variable => apply("leaky_relu", { input: x }, { negative_slope: negativeSlope });
/** σ(x) = 1/(1 + e^(−x)). */
export const sigmoid = (x: Operand): Variable => apply("sigmoid", { input: x });
/** tanh(x). */
export const tanh = (x: Operand): Variable => apply("tanh", { input: x });
/** softmax along `dim`. */
export const softmax = (x: Operand, dim: number): Variable => apply("softmax", { input: x }, { dim });
/** log-softmax along `dim`. */
export const logSoftmax = (x: Operand, dim: number): Variable => apply("log_softmax", { input: x }, { dim });

/** Convolution (cross-correlation): input [N, Cin, H, W], weight [Cout, Cin/groups, kh, kw], bias [Cout]. */
export const conv2d = (x: Operand, weight: Operand, bias?: Operand, attrs: { stride?: Pair; padding?: Pair | "same" | "valid"; dilation?: Pair; groups?: number } = {}): Variable =>
  apply("conv2d", { input: x, weight, bias }, attrs);
/**
 * conv2d with its epilogue (inference): act(conv2d(x, weight, bias) + residual), act "none" or "relu".
 * input [N, Cin, H, W], weight [Cout, Cin/groups, kh, kw], bias [Cout], residual [N, Cout, Hout, Wout].
 */
export const conv2dFused = (x: Operand, weight: Operand, bias?: Operand, residual?: Operand, attrs: { stride?: Pair; padding?: Pair | "same" | "valid"; dilation?: Pair; groups?: number; activation?: "none" | "relu" } = {}): Variable =>
  apply("conv2d_fused", { input: x, weight, bias, residual }, attrs);
/** 1-D convolution (004): input [N, Cin, L], weight [Cout, Cin/groups, k], bias [Cout]. */
export const conv1d = (x: Operand, weight: Operand, bias?: Operand, attrs: { stride?: number; padding?: number | "same" | "valid"; dilation?: number; groups?: number } = {}): Variable =>
  apply("conv1d", { input: x, weight, bias }, attrs);
/** 2-D correlation of one image with one kernel (000, 004): g(i, j) = Σ f(i + k, j + l) h(k, l). input [H, W], kernel [kh, kw]. */
export const correlate2d = (x: Operand, kernel: Operand, padding: number | "valid" | "same" = "valid"): Variable => apply("correlate2d", { input: x, kernel }, { padding });
/** 2-D convolution of one image with one kernel (the kernel flipped): g(i, j) = Σ f(i − k, j − l) h(k, l). */
export const convolve2d = (x: Operand, kernel: Operand, padding: number | "valid" | "same" = "valid"): Variable => apply("convolve2d", { input: x, kernel }, { padding });
/** Transposed convolution: input [N, Cin, H, W], weight [Cin, Cout/groups, kh, kw], bias [Cout]. */
export const convTranspose2d = (x: Operand, weight: Operand, bias?: Operand, attrs: { stride?: Pair; padding?: Pair; output_padding?: Pair; dilation?: Pair; groups?: number } = {}): Variable =>
  apply("conv_transpose2d", { input: x, weight, bias }, attrs);
/** Max pooling over kh×kw windows of [N, C, H, W]. */
export const maxPool2d = (x: Operand, attrs: { kernel_size: Pair; stride?: Pair; padding?: Pair; dilation?: Pair; ceil_mode?: boolean }): Variable => apply("max_pool2d", { input: x }, attrs);
/** Max pooling that also returns each maximum's flat index in its H×W plane (int32 tensor, no gradient), for `maxUnpool2d`. */
export function maxPool2dWithIndices(x: Operand, attrs: { kernel_size: Pair; stride?: Pair; padding?: Pair; dilation?: Pair; ceil_mode?: boolean }): { output: Variable; indices: Tensor } {
  const out = applyOp("max_pool2d", { input: x }, { ...attrs, return_indices: true });
  return { output: out.output, indices: out.indices.value };
}
/** Max unpooling (000's segmentation "unpooling"): each value back at the index its max pool recorded; zeros elsewhere. */
export const maxUnpool2d = (x: Operand, indices: Tensor, attrs: { kernel_size: Pair; stride?: Pair; padding?: Pair; output_size?: number[] }): Variable => apply("max_unpool2d", { input: x, indices }, attrs);
/** Sum pooling (004) over kh×kw windows of [N, C, H, W]. */
export const sumPool2d = (x: Operand, attrs: { kernel_size: Pair; stride?: Pair; padding?: Pair; ceil_mode?: boolean }): Variable => apply("sum_pool2d", { input: x }, attrs);
/** Average pooling over kh×kw windows of [N, C, H, W]. */
export const avgPool2d = (x: Operand, attrs: { kernel_size: Pair; stride?: Pair; padding?: Pair; ceil_mode?: boolean; count_include_pad?: boolean }): Variable => apply("avg_pool2d", { input: x }, attrs);
/** Average pooling to a fixed output size (global average pooling for 1). */
export const adaptiveAvgPool2d = (x: Operand, outputSize: Pair): Variable => apply("adaptive_avg_pool2d", { input: x }, { output_size: outputSize });
/** Local response normalization across channels (AlexNet's NORM). */
export const localResponseNorm = (x: Operand, attrs: { size: number; alpha?: number; beta?: number; k?: number }): Variable => apply("local_response_norm", { input: x }, attrs);
/** Bilinear upsampling of [N, C, H, W] to `size`. */
export const interpolateBilinear = (x: Operand, size: [number, number], alignCorners = false): Variable => apply("interpolate_bilinear", { input: x }, { size, align_corners: alignCorners });

/**
 * Batch normalization. Returns the normalized output and the updated running
 * statistics (tensors, not variables: they carry no gradient).
 */
export function batchNorm(x: Operand, runningMean: Tensor | undefined, runningVar: Tensor | undefined, weight: Operand | undefined, bias: Operand | undefined, attrs: { training: boolean; momentum?: number; eps?: number }): { output: Variable; runningMean?: Tensor; runningVar?: Tensor } {
  const out = applyOp("batch_norm", { input: x, running_mean: runningMean, running_var: runningVar, weight, bias }, attrs);
  return { output: out.output, runningMean: out.running_mean?.value, runningVar: out.running_var?.value };
}

/** Mean squared error. */
export const mseLoss = (input: Operand, target: Operand, reduction: Reduction = "mean"): Variable => apply("mse_loss", { input, target }, { reduction });
/** Binary cross-entropy of probabilities. */
export const binaryCrossEntropy = (input: Operand, target: Operand, reduction: Reduction = "mean"): Variable => apply("binary_cross_entropy", { input, target }, { reduction });
/** Binary cross-entropy of logits (the stable formula). */
export const binaryCrossEntropyWithLogits = (input: Operand, target: Operand, reduction: Reduction = "mean"): Variable => apply("binary_cross_entropy_with_logits", { input, target }, { reduction });
/** Cross-entropy of logits [N, C] against class indices (int32) [N], or class probabilities (one-hot or soft, float [N, C]). */
export const crossEntropy = (logits: Operand, target: Operand, attrs: { reduction?: Reduction; ignore_index?: number; label_smoothing?: number } = {}): Variable => apply("cross_entropy", { input: logits, target }, attrs);
/** Negative log-likelihood of log-probabilities [N, C] against class indices [N]. */
export const nllLoss = (logProbs: Operand, target: Operand, attrs: { reduction?: Reduction; ignore_index?: number } = {}): Variable => apply("nll_loss", { input: logProbs, target }, attrs);

/** a + b (same shapes). */
export const add = (a: Operand, b: Operand): Variable => apply("add", { a, b });
/** a ⊙ b (same shapes). */
export const mul = (a: Operand, b: Operand): Variable => apply("mul", { a, b });
/** c · x. */
export const mulScalar = (x: Operand, value: number): Variable => apply("mul_scalar", { input: x }, { value });
/** input [N, C, …] scaled per (n, c) by scale [N, C] (squeeze-and-excitation). */
export const scaleChannels = (x: Operand, scale: Operand): Variable => apply("scale_channels", { input: x, scale });
/** a and b joined along `dim`. */
export const concat = (a: Operand, b: Operand, dim: number): Variable => apply("concat", { a, b }, { dim });
/** The same values under another shape (one entry may be −1). */
export const reshape = (x: Operand, shape: number[]): Variable => apply("reshape", { input: x }, { shape });
/** [N, …] → [N, rest]. */
export const flatten = (x: Operand): Variable => reshape(x, [x.shape[0], -1]);
/** Σ of all elements → scalar. */
export const sum = (x: Operand): Variable => apply("sum", { input: x });
/** Mean of all elements → scalar. */
export const mean = (x: Operand): Variable => apply("mean", { input: x });
/** x ⊙ mask, scaled by the dropout convention (mask from `dropoutMask`). */
export const dropout = (x: Operand, mask: Tensor, p: number, convention: "inverted" | "lecture" = "inverted"): Variable => apply("dropout", { input: x, mask }, { p, convention });
/** Test-time dropout: x ("inverted") or (1 − p)·x ("lecture"). */
export const dropoutEval = (x: Operand, p: number, convention: "inverted" | "lecture" = "inverted"): Variable => apply("dropout", { input: x }, { p, convention, training: false });
