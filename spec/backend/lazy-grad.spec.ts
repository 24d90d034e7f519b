// conv2d's and linear's kernel ops compute the input gradient when it is
// first read. A late read must still give the gradient of
// the backward call: here the weight and the upstream are overwritten in
// place (as an optimizer and a reused buffer would) before the read.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { loadKernelsSync } from "../../src/backend/load.js";
import { conv2dKernelOp, linearKernelOp } from "../../src/backend/kernel-ops.js";
import { conv2dOp } from "../../src/ops/conv2d.js";
import { linearOp } from "../../src/ops/linear.js";
import type { OpDef } from "../../src/ops/op.js";

assert.ok(loadKernelsSync());

const rng = new Random(21);
const randomF32 = (shape: readonly number[]) => new Tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)).map(() => rng.uniformIn(-1, 1)), shape);

function lateRead(kernel: OpDef, reference: OpDef, inputs: Record<string, Tensor>, attrsRaw: Record<string, unknown>, name: string): void {
  const attrs = reference.attrs(attrsRaw);
  const r = reference.forward(inputs, attrs);
  const dy = randomF32(r.outputs.output.shape);
  const expected = reference.backward!({ output: dy }, r.cache, attrs);
  const k = kernel.forward(inputs, attrs);
  const grads = kernel.backward!({ output: dy }, k.cache, attrs);
  assert.equal(Object.keys(grads).sort(), Object.keys(expected).sort(), `${name}: the same gradient names (input enumerable)`);
  inputs.weight.data.fill(7); // an optimizer's in-place update
  dy.data.fill(-3); // a caller reusing the upstream's buffer
  const got = grads.input.data, want = expected.input.data;
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  assert.ok(worst < 1e-5, `${name}: input gradient read after the weight and upstream changed: max |Δ| ${worst}`);
  assert.is(grads.input, grads.input, `${name}: computed once, then kept`);
}

test("conv2d kernel: the input gradient read late equals the reference's at the time of the backward", () => {
  lateRead(conv2dKernelOp, conv2dOp, { input: randomF32([2, 3, 9, 8]), weight: randomF32([4, 3, 3, 3]), bias: randomF32([4]) }, { padding: 1 }, "conv2d");
});

test("linear kernel: the input gradient read late equals the reference's at the time of the backward", () => {
  lateRead(linearKernelOp, linearOp, { input: randomF32([5, 7]), weight: randomF32([3, 7]), bias: randomF32([3]) }, {}, "linear");
});

test.run();
