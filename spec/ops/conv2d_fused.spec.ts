// conv2d_fused's reference (src/ops/conv2d_fused.ts): exactly conv2d, then
// add, then relu (the registered ops, one after the other), and a backward
// that passes gradcheck over its random cases (residual and ReLU included).
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { Random } from "../../src/random.js";
import { conv2dFusedOp } from "../../src/ops/conv2d_fused.js";
import { findOp } from "../../src/ops/registry.js";
import { checkGradientsProperty, fcParams } from "../support/properties.js";

test("conv2d_fused is registered, and equals conv2d → add → relu run as separate ops (the same bits, float32 and float64)", () => {
  assert.is(findOp("conv2d_fused"), conv2dFusedOp);
  const conv = findOp("conv2d")!, add = findOp("add")!, relu = findOp("relu")!;
  let withResidual = 0, withRelu = 0;
  fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.constantFrom("float32", "float64"), (seed, dtype) => {
    const { inputs, attrs } = conv2dFusedOp.sample(new Random(seed), dtype as "float32" | "float64");
    const { residual, ...convInputs } = inputs;
    let want = conv.forward(convInputs, conv.attrs({ ...attrs })).outputs.output;
    if (residual) {
      withResidual++;
      want = add.forward({ a: want, b: residual }, add.attrs({})).outputs.output;
    }
    if (attrs.activation === "relu") {
      withRelu++;
      want = relu.forward({ input: want }, {}).outputs.output;
    }
    const got = conv2dFusedOp.forward(inputs, attrs).outputs.output;
    assert.equal(got.shape, want.shape);
    assert.equal(Array.from(got.data), Array.from(want.data), `seed ${seed}`);
  }), fcParams(40));
  assert.ok(withResidual >= 10 && withRelu >= 5, `cases with a residual ${withResidual}, with ReLU ${withRelu}`);
});

test("conv2d_fused: gradcheck over its random cases (input, weight, bias, residual)", () => {
  checkGradientsProperty(conv2dFusedOp, 20);
});

test.run();
