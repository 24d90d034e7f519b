/**
 * Pooling layers (000, "Max pooling"; 001, "Pooling layer"; 004: max, average
 * and sum pooling): each output is the max (or mean) of a kh×kw window of one
 * channel. No parameters.
 */
import type { Shape } from "../tensor.js";
import * as F from "../autograd/functional.js";
import type { Variable } from "../autograd/variable.js";
import { Module } from "./module.js";
import { expectImageBatch, pair, pooledShape, type Pair } from "./shapes.js";

/** Options of MaxPool2d (PyTorch's names and defaults). */
export interface MaxPool2dOptions {
  /** Step between windows (default: the kernel size, i.e. non-overlapping). */
  stride?: Pair;
  /** Implicit −∞ border, at most half the kernel (default 0). */
  padding?: Pair;
  /** Spacing between window taps (default 1). */
  dilation?: Pair;
  /** Round the output size up instead of down (default false). */
  ceilMode?: boolean;
}

function show(p: [number, number]): string {
  return p[0] === p[1] ? String(p[0]) : `[${p[0]}, ${p[1]}]`;
}

/** MaxPool2d(k): input [N, C, H, W] → [N, C, Hout, Wout], the max of each window. */
export class MaxPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly ceilMode: boolean;

  constructor(kernelSize: Pair, options: MaxPool2dOptions = {}) {
    super();
    this.kernelSize = pair("MaxPool2d", "kernelSize", kernelSize, 1);
    this.stride = pair("MaxPool2d", "stride", options.stride ?? this.kernelSize, 1);
    this.padding = pair("MaxPool2d", "padding", options.padding ?? 0, 0);
    this.dilation = pair("MaxPool2d", "dilation", options.dilation ?? 1, 1);
    this.ceilMode = options.ceilMode ?? false;
  }

  forward(x: Variable): Variable {
    this.outputShape(x.shape);
    return F.maxPool2d(x, { kernel_size: this.kernelSize, stride: this.stride, padding: this.padding, dilation: this.dilation, ceil_mode: this.ceilMode });
  }

  outputShape(inputShape: Shape): Shape {
    return pooledShape("MaxPool2d", inputShape, this.kernelSize, this.stride, this.padding, this.dilation, this.ceilMode);
  }

  override macs(): number {
    return 0;
  }

  override describe(): string {
    const parts = [`kernel=${show(this.kernelSize)}`, `stride=${show(this.stride)}`];
    if (this.padding[0] || this.padding[1]) parts.push(`padding=${show(this.padding)}`);
    if (this.dilation[0] !== 1 || this.dilation[1] !== 1) parts.push(`dilation=${show(this.dilation)}`);
    if (this.ceilMode) parts.push("ceilMode=true");
    return `MaxPool2d(${parts.join(", ")})`;
  }
}

/** Options of AvgPool2d (PyTorch's names and defaults). */
export interface AvgPool2dOptions {
  /** Step between windows (default: the kernel size). */
  stride?: Pair;
  /** Implicit zero border, at most half the kernel (default 0). */
  padding?: Pair;
  /** Round the output size up instead of down (default false). */
  ceilMode?: boolean;
  /** Count padded zeros in the divisor (default true). */
  countIncludePad?: boolean;
}

/** AvgPool2d(k): input [N, C, H, W] → [N, C, Hout, Wout], the mean of each window. */
export class AvgPool2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(kernelSize: Pair, options: AvgPool2dOptions = {}) {
    super();
    this.kernelSize = pair("AvgPool2d", "kernelSize", kernelSize, 1);
    this.stride = pair("AvgPool2d", "stride", options.stride ?? this.kernelSize, 1);
    this.padding = pair("AvgPool2d", "padding", options.padding ?? 0, 0);
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
  }

  forward(x: Variable): Variable {
    this.outputShape(x.shape);
    return F.avgPool2d(x, { kernel_size: this.kernelSize, stride: this.stride, padding: this.padding, ceil_mode: this.ceilMode, count_include_pad: this.countIncludePad });
  }

  outputShape(inputShape: Shape): Shape {
    return pooledShape("AvgPool2d", inputShape, this.kernelSize, this.stride, this.padding, [1, 1], this.ceilMode);
  }

  override macs(): number {
    return 0;
  }

  override describe(): string {
    const parts = [`kernel=${show(this.kernelSize)}`, `stride=${show(this.stride)}`];
    if (this.padding[0] || this.padding[1]) parts.push(`padding=${show(this.padding)}`);
    if (this.ceilMode) parts.push("ceilMode=true");
    if (!this.countIncludePad) parts.push("countIncludePad=false");
    return `AvgPool2d(${parts.join(", ")})`;
  }
}

/**
 * AdaptiveAvgPool2d(outputSize): input [N, C, H, W] → [N, C, oh, ow]; output
 * cell (i, j) averages rows ⌊i·H/oh⌋ … ⌈(i+1)·H/oh⌉ − 1 (and likewise columns).
 * outputSize 1 is global average pooling (ResNet's head).
 */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: [number, number];

  constructor(outputSize: Pair) {
    super();
    this.outputSize = pair("AdaptiveAvgPool2d", "outputSize", outputSize, 1);
  }

  forward(x: Variable): Variable {
    this.outputShape(x.shape);
    return F.adaptiveAvgPool2d(x, this.outputSize);
  }

  outputShape(inputShape: Shape): Shape {
    expectImageBatch("AdaptiveAvgPool2d", inputShape);
    const [n, c, h, w] = inputShape;
    if (h < 1 || w < 1) throw new RangeError(`AdaptiveAvgPool2d: expected a non-empty image, got [${inputShape.join(", ")}]`);
    return [n, c, this.outputSize[0], this.outputSize[1]];
  }

  override macs(): number {
    return 0;
  }

  override describe(): string {
    return `AdaptiveAvgPool2d(${show(this.outputSize)})`;
  }
}
