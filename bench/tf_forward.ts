/**
 * An nnref module graph (ResNet-18, VGG-16 and their parts) translated into
 * a TensorFlow.js forward function with the same weights, the way tf.layers
 * builds these networks: a convolution with a bias carries it (and a
 * following ReLU) fused in one kernel (VGG); ResNet's convolutions have no
 * bias and are followed by separate batch norm (eval mode: running
 * statistics) and ReLU ops, as in nnref. Layouts are each framework's own:
 * nnref NCHW, TF.js NHWC (weights are converted once, when translating).
 * Used by bench/models.ts (Node) and bench/browser_worker.ts (a browser);
 * browser-safe (TF.js is passed in, typed `any`).
 */
import type { Tensor } from "../src/tensor.js";
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, type Module } from "../src/nn/index.js";
import { BasicBlock, NamedSequential } from "../src/models/index.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type TF = any;

/** The nnref module graph translated into a TF.js forward function (NHWC) with the same weights. */
export function tfForward(tf: TF, model: Module): (x: TF) => TF {
  const nhwcFilter = (t: Tensor) => tf.transpose(tf.tensor4d(t.data as Float32Array, t.shape as [number, number, number, number]), [2, 3, 1, 0]); // OIHW → HWIO
  const vec = (t: Tensor) => tf.tensor1d(t.data as Float32Array);
  const keep: TF[] = [];
  const held = <T>(t: T): T => { keep.push(t); return t; };

  /** `modules` applied in order; a Conv2d with bias directly followed by ReLU becomes one fused op. */
  const chain = (modules: Module[]): Array<(x: TF) => TF> => {
    const fns: Array<(x: TF) => TF> = [];
    for (let i = 0; i < modules.length; i++) {
      const m = modules[i];
      const next = modules[i + 1];
      if (m instanceof Conv2d) {
        const filter = held(nhwcFilter(m.weight.value));
        const bias = m.bias ? held(vec(m.bias.value)) : undefined;
        const pad = m.padding === "same" ? "same" : m.padding[0];
        const fuseRelu = bias !== undefined && next instanceof ReLU;
        if (fuseRelu) i++;
        fns.push((x) => tf.fused.conv2d({ x, filter, strides: m.stride, pad, bias, activation: fuseRelu ? "relu" : "linear" }));
      } else if (m instanceof BatchNorm2d) {
        const [mean, variance, gamma, beta] = [held(vec(m.runningMean)), held(vec(m.runningVar)), held(vec(m.weight!.value)), held(vec(m.bias!.value))];
        fns.push((x) => tf.batchNorm(x, mean, variance, beta, gamma, m.eps));
      } else if (m instanceof ReLU) {
        fns.push((x) => tf.relu(x));
      } else if (m instanceof MaxPool2d) {
        fns.push((x) => tf.maxPool(x, m.kernelSize, m.stride, m.padding[0]));
      } else if (m instanceof AdaptiveAvgPool2d) {
        const [oh, ow] = m.outputSize;
        fns.push((x) => {
          const [, h, w] = x.shape;
          if (oh === h && ow === w) return x;
          if (oh === 1 && ow === 1) return tf.mean(x, [1, 2], true);
          throw new Error(`bench: adaptive pool ${h}×${w} → ${oh}×${ow} not translated`);
        });
      } else if (m instanceof Flatten) {
        // NHWC → NCHW order first, so the FC weights (trained on NCHW flattening) line up.
        fns.push((x) => tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [x.shape[0], -1]));
      } else if (m instanceof Linear) {
        const w = held(tf.transpose(tf.tensor2d(m.weight.value.data as Float32Array, m.weight.value.shape as [number, number])));
        const b = m.bias ? held(vec(m.bias.value)) : undefined;
        const fuseRelu = next instanceof ReLU;
        if (fuseRelu) i++;
        fns.push((x) => tf.fused.matMul({ a: x, b: w, bias: b, activation: fuseRelu ? "relu" : "linear" }));
      } else if (m instanceof BasicBlock) {
        const [c1, b1, , c2, b2] = m.namedChildren().map(([, c]) => c);
        const main = chain([c1, b1, new ReLU(), c2, b2]);
        const down = m.downsample ? chain(m.downsample.namedChildren().map(([, c]) => c)) : [];
        fns.push((x) => tf.relu(tf.add(main.reduce((h, f) => f(h), x), down.reduce((h, f) => f(h), x))));
      } else if (m instanceof Sequential || m instanceof NamedSequential) {
        const inner = chain(m.namedChildren().map(([, c]) => c));
        fns.push((x) => inner.reduce((h, f) => f(h), x));
      } else if (m.describe().startsWith("Dropout")) {
        continue; // eval mode: identity
      } else {
        throw new Error(`bench: no TF.js translation for ${m.describe()}`);
      }
    }
    return fns;
  };
  const fns = chain([model]);
  return (x) => fns.reduce((h, f) => f(h), x);
}
