// Weights packed once for inference (src/backend/kernels/conv2d_packed.ts,
// kernel export conv2dForwardPacked): conv2d_fused with a registered packed
// weight gives the same bits as with a plain copy of the weight (packed per
// call) and the reference's values within float32 rounding, on random shapes
// with groups, strides and padding, on 1 and 2 threads; the kernel really
// reads the panels (changing them changes the output); FusedConv2d packs once,
// repacks when its weight tensor is replaced and frees the block.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { Tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { loadKernelsSync } from "../../src/backend/load.js";
import { setThreads, threadsSupported } from "../../src/backend/threads.js";
import { setBackend } from "../../src/backend/dispatch.js";
import { convParts, setParallelThreshold } from "../../src/backend/parallel_kernels.js";
import { requireKernels } from "../../src/backend/wasm.js";
import { kernelMemoryStats } from "../../src/backend/resident.js";
import { conv2dFusedKernelOp } from "../../src/backend/kernels/conv2d_fused.js";
import { packConvWeights, packedConvWeightsOf } from "../../src/backend/kernels/conv2d_packed.js";
import { conv2dFusedAttrs, conv2dFusedOp } from "../../src/ops/conv2d_fused.js";
import { convGeometry } from "../../src/ops/conv_geometry.js";
import { noGrad } from "../../src/autograd/apply.js";
import { Variable } from "../../src/autograd/variable.js";
import { Conv2d, FusedConv2d } from "../../src/nn/index.js";
import { SGD } from "../../src/optim/sgd.js";
import * as F from "../../src/autograd/functional.js";
import { fcParams } from "../support/properties.js";
import { firstDifferentBits, fusedCaseArbitrary, makeFusedCase, uniform } from "../support/fused_conv_cases.js";

assert.ok(loadKernelsSync(), "the wasm kernels load on Node 20 (WebAssembly SIMD)");
setBackend("wasm");

const packedCase = fusedCaseArbitrary([1, 1, 2, 3]);
const makeCase = makeFusedCase;

/** The fused kernel's output for `inputs` with the weight swapped for a plain copy (no packed form: packed per call). */
function unpackedOutput(inputs: ReturnType<typeof makeCase> & object, attrs = inputs.attrs): Float32Array {
  const w = inputs.inputs.weight;
  const copy = new Tensor((w.data as Float32Array).slice(), w.shape);
  return conv2dFusedKernelOp.forward({ ...inputs.inputs, weight: copy }, attrs).outputs.output.data as Float32Array;
}

test("conv2d_fused with weights packed once = packed per call (the same bits) = the reference within float32 rounding (random shapes, groups, strides, padding)", () => {
  let ran = 0;
  fc.assert(fc.property(packedCase, (c) => {
    const made = makeCase(c);
    if (!made) return;
    ran++;
    const { attrs, inputs } = made;
    const packed = packConvWeights(inputs.weight, c.groups);
    try {
      assert.ok(packedConvWeightsOf(inputs.weight, c.groups) >= 0, "the weight has a packed form");
      const once = conv2dFusedKernelOp.forward(inputs, attrs).outputs.output.data as Float32Array;
      const perCall = unpackedOutput(made);
      const at = firstDifferentBits(once, perCall);
      assert.is(at, -1, `element ${at}: packed once ${once[at]}, packed per call ${perCall[at]}; ${JSON.stringify(c)}`);
      const reference = conv2dFusedOp.forward(inputs, attrs).outputs.output.data;
      for (let i = 0; i < reference.length; i++) {
        if (!(Math.abs(once[i] - reference[i]) <= 1e-5 * (1 + Math.abs(reference[i])))) assert.unreachable(`element ${i}: kernel ${once[i]}, reference ${reference[i]}; ${JSON.stringify(c)}`);
      }
    } finally {
      packed.free();
    }
    assert.is(packedConvWeightsOf(inputs.weight, c.groups), -1, "freed: no packed form any more");
  }), fcParams(50));
  assert.ok(ran >= 35, `at least 35 of 50 cases had an output (${ran})`);
});

test("the packed kernel reads the panels: changing the panels changes the output; a write the library counts (markModified) makes the panels stale, a silent one through data is not seen", () => {
  const rng = new Random(5);
  const input = new Tensor(uniform(2 * 6 * 7, rng), [1, 2, 6, 7]);
  const weight = new Tensor(uniform(12 * 2 * 9, rng), [12, 2, 3, 3]);
  const attrs = conv2dFusedAttrs({ padding: 1 });
  const packed = packConvWeights(weight, 1);
  try {
    const before = (conv2dFusedKernelOp.forward({ input, weight }, attrs).outputs.output.data as Float32Array).slice();
    (weight.data as Float32Array).fill(0); // uncounted, as PyTorch's .data: the panels still hold the old values
    const stale = conv2dFusedKernelOp.forward({ input, weight }, attrs).outputs.output.data as Float32Array;
    assert.is(firstDifferentBits(before, stale), -1);
    requireKernels().arena.f32.fill(0, packed.pointer() / 4, (packed.pointer() + packed.bytes()) / 4);
    const zeroed = conv2dFusedKernelOp.forward({ input, weight }, attrs).outputs.output.data as Float32Array;
    assert.ok(zeroed.every((v) => v === 0) && before.some((v) => v !== 0), "zero panels give a zero output");
    (weight.data as Float32Array).set(uniform(weight.size, new Random(6)));
    weight.markModified();
    assert.is(packedConvWeightsOf(weight, 1), -1, "stale panels are not offered");
    const fresh = conv2dFusedKernelOp.forward({ input, weight }, attrs).outputs.output.data as Float32Array;
    const unpacked = new Tensor((weight.data as Float32Array).slice(), weight.shape); // a tensor with no packed form: packed per call
    const want = conv2dFusedKernelOp.forward({ input, weight: unpacked }, attrs).outputs.output.data as Float32Array;
    assert.is(firstDifferentBits(want, fresh), -1, "after markModified the op computes with the current values");
  } finally {
    packed.free();
  }
});

test("FusedConv2d sees an optimizer step and loadStateDict on its weight: it packs the current values again", () => {
  const rng = new Random(11);
  const conv = new Conv2d(4, 8, 3, rng, { padding: 1 });
  const layer = new FusedConv2d(conv);
  layer.eval();
  const x = new Variable(new Tensor(uniform(4 * 6 * 6, rng), [1, 4, 6, 6]));
  const attrs = conv2dFusedAttrs({ padding: 1 });
  // The kernel op on a copy of the weight (no packed form: packed per call) gives the packed path's bits.
  const expected = () => {
    const w = layer.weight.value;
    return conv2dFusedKernelOp.forward({ input: x.value, weight: new Tensor((w.data as Float32Array).slice(), w.shape), bias: layer.bias.value }, attrs).outputs.output.data as Float32Array;
  };
  const run = () => noGrad(() => layer.forward(x)).value.data as Float32Array;
  assert.is(firstDifferentBits(expected(), run()), -1, "as built");
  assert.ok(layer.packedWeightBytes() > 0, "packed");

  // An SGD step in place (the gradient computed in eval mode).
  const loss = F.sum(layer.forward(x));
  loss.backward();
  const before = run().slice();
  new SGD(layer.parameters(), { lr: 0.5 }).step();
  const stepped = run();
  assert.ok(firstDifferentBits(before, stepped) >= 0, "the step changed the output");
  assert.is(firstDifferentBits(expected(), stepped), -1, "the forward used the stepped weight");

  // loadStateDict writes the weight in place.
  const state = layer.stateDict();
  const negated = new Map([...state].map(([k, t]) => [k, new Tensor((t.data as Float32Array).map((v) => -v), t.shape)] as const));
  layer.loadStateDict(negated);
  assert.is(firstDifferentBits(expected(), run()), -1, "the forward used the loaded weight");
  layer.releasePackedWeights();
});

test("packed weights give the same bits on 1 and 2 threads (N = 1 cut by filters, N = 2 by images)", async () => {
  assert.ok(threadsSupported());
  const previous = setParallelThreshold(0);
  let split = 0;
  try {
    await fc.assert(fc.asyncProperty(packedCase, async (c) => {
      const made = makeCase(c);
      if (!made) return;
      const { attrs, geom, inputs } = made;
      await setThreads(1);
      const one = unpackedOutput(made);
      await setThreads(2); // the kernels move to a shared memory: pack there
      const packed = packConvWeights(inputs.weight, c.groups);
      try {
        if (convParts(geom, "conv2dForwardPacked").parts === 2) split++;
        const two = conv2dFusedKernelOp.forward(inputs, attrs).outputs.output.data as Float32Array;
        const at = firstDifferentBits(one, two);
        assert.is(at, -1, `element ${at}: ${one[at]} packed per call on 1 thread, ${two[at]} packed once on 2; ${JSON.stringify(c)}`);
      } finally {
        packed.free();
      }
    }), fcParams(30));
  } finally {
    setParallelThreshold(previous);
    await setThreads(1);
  }
  assert.ok(split >= 15, `at least 15 of 30 cases ran in two parts (${split})`);
});

test("weights too large for L2 (the blocked im2col path: A blocks, several column blocks, K blocks) give the bits of the unblocked path (two parts of half the filters) and the reference's values", async () => {
  // 456 filters × K = 256·9 = 2304: 4.2 MB of packed weights (> BLOCKED_MIN_A_BYTES, 4 MB), 114 A panels (> 8: not
  // direct), 11·11 = 121 pixels > the 112 columns a 1 MB column block holds at this K. Cut by filters on 2 threads,
  // each part has 2.1 MB of weights: the unblocked path.
  const rng = new Random(13);
  const input = new Tensor(uniform(256 * 11 * 11, rng), [1, 256, 11, 11]);
  const weight = new Tensor(uniform(456 * 256 * 9, rng), [456, 256, 3, 3]);
  const bias = new Tensor(uniform(456, rng), [456]);
  const residual = new Tensor(uniform(456 * 11 * 11, rng), [1, 456, 11, 11]);
  const attrs = conv2dFusedAttrs({ padding: 1, activation: "relu" });
  const inputs = { input, weight, bias, residual };
  const previous = setParallelThreshold(0);
  try {
    await setThreads(1);
    const blocked = conv2dFusedKernelOp.forward(inputs, attrs).outputs.output.data as Float32Array;
    await setThreads(2);
    const { geom } = convGeometry("conv2d", input, weight, bias, attrs);
    assert.equal(convParts(geom, "conv2dForwardFused"), { parts: 2, byFilters: true });
    const halves = conv2dFusedKernelOp.forward(inputs, attrs).outputs.output.data as Float32Array;
    const at = firstDifferentBits(blocked, halves);
    assert.is(at, -1, `element ${at}: blocked ${blocked[at]}, unblocked halves ${halves[at]}`);
    const reference = conv2dFusedOp.forward(inputs, attrs).outputs.output.data;
    for (let i = 0; i < reference.length; i++) assert.ok(Math.abs(blocked[i] - reference[i]) <= 1e-4 * (1 + Math.abs(reference[i])), `element ${i}: ${blocked[i]} vs ${reference[i]}`);
  } finally {
    setParallelThreshold(previous);
    await setThreads(1);
  }
});

test("FusedConv2d packs its weight once on the wasm backend, packs again when the weight tensor is replaced, and frees the block", () => {
  const rng = new Random(9);
  const conv = new Conv2d(8, 20, 3, rng, { padding: 1, stride: 2 });
  const layer = new FusedConv2d(conv, { activation: "relu" });
  const x = new Variable(new Tensor(uniform(8 * 9 * 9, rng), [1, 8, 9, 9]));
  const live = () => kernelMemoryStats()!.residentBytes;
  const start = live();
  assert.is(layer.packedWeightBytes(), 0, "nothing packed before the first forward");
  const first = noGrad(() => layer.forward(x)).value.data as Float32Array;
  const bytes = layer.packedWeightBytes();
  assert.is(bytes, 20 * 8 * 9 * 4, "20 filters (a multiple of MR = 4) of 72 floats");
  assert.ok(live() - start >= bytes, "the block is in the kernels' memory");
  noGrad(() => layer.forward(x));
  assert.is(live() - start, bytes, "a second forward packs nothing new");
  const reference = noGrad(() => conv.forward(x)).value.data;
  for (let i = 0; i < first.length; i++) assert.ok(Math.abs(first[i] - Math.max(0, reference[i])) <= 1e-5 * (1 + Math.abs(reference[i])), `element ${i}`);

  const old = layer.weight.value;
  layer.weight.value = new Tensor((old.data as Float32Array).map((v) => -v), old.shape);
  assert.is(packedConvWeightsOf(old, 1) >= 0, true, "the old weight is still packed until the next forward");
  const negated = noGrad(() => layer.forward(x)).value.data as Float32Array;
  assert.is(packedConvWeightsOf(old, 1), -1, "the old block was freed");
  assert.ok(packedConvWeightsOf(layer.weight.value, 1) >= 0, "the new weight is packed");
  assert.is(live() - start, bytes, "one block, not two");
  const attrs = conv2dFusedAttrs({ padding: 1, stride: 2, activation: "relu" });
  const want = conv2dFusedOp.forward({ input: x.value, weight: layer.weight.value, bias: layer.bias.value }, attrs).outputs.output.data;
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(negated[i] - want[i]) <= 1e-5 * (1 + Math.abs(want[i])), `negated, element ${i}: ${negated[i]} vs ${want[i]}`);
  assert.ok(negated.some((v, i) => v !== first[i]), "the replaced weight is what the forward used");

  layer.releasePackedWeights();
  assert.is(layer.packedWeightBytes(), 0);
  assert.is(live(), start, "released: the kernels' memory holds what it held before");
});

test("packConvWeights refuses a weight that is not float32 of rank 4, and groups that do not divide Cout", () => {
  assert.throws(() => packConvWeights(new Tensor(new Float64Array(4 * 9), [4, 1, 3, 3]), 1), /packConvWeights: expected a float32 weight/);
  assert.throws(() => packConvWeights(new Tensor(new Float32Array(4 * 9), [4, 9]), 1), /rank 2/);
  assert.throws(() => packConvWeights(new Tensor(new Float32Array(4 * 9), [4, 1, 3, 3]), 3), /packConvWeights: expected groups dividing Cout = 4, got 3/);
});

test.run();
