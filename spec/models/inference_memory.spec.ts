// Peak kernel memory of inference (src/nn/intermediates.ts): under noGrad in
// a tidy scope a small ResNet's forward holds its weights, the arena's call
// block and the activations live at once — not all of its activations, which
// is what it held before containers freed their dead intermediates; nothing
// the caller holds is freed (its input, a kept tensor, a module's returned
// input, every layer's output of layerOutputs); resident results equal plain
// ones bit for bit; training (graph on) is untouched; the safety net never
// releases a block twice; evaluateClassifier stays flat inside a scope.
// Also activationLiveness (src/models/activation_liveness.ts) on a model
// counted by hand.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { fromArray, randn, type Tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { finalizedResidentCount, keep, tidy } from "../../src/tensor_lifetime.js";
import { loadKernelsSync } from "../../src/backend/load.js";
import { setBackend } from "../../src/backend/dispatch.js";
import { kernelMemoryStats, resetKernelMemoryPeak, toResident } from "../../src/backend/resident.js";
import { noGrad } from "../../src/autograd/apply.js";
import { Variable } from "../../src/autograd/variable.js";
import * as F from "../../src/autograd/functional.js";
import { Conv2d, Flatten, Linear, Module, ReLU, Residual, Sequential, layerOutputs } from "../../src/nn/index.js";
import { makeParametersResident } from "../../src/nn/resident_parameters.js";
import { activationLiveness, fuseModelForInference, resnet } from "../../src/models/index.js";
import { makeDataset } from "../../src/data/dataset.js";
import { evaluateClassifier } from "../../src/train/evaluate.js";
import { sameBits } from "../support/assertions.js";

assert.ok(loadKernelsSync(), "the kernels load");
setBackend("wasm");
const stats = () => kernelMemoryStats()!;

/** A tiny ResNet-50 (bottleneck blocks [3, 4, 6, 3], width 1/8) for 3×32×32 images, eval mode, 10 classes. */
function tinyResnet50(seed = 1) {
  return resnet("resnet50", new Random(seed), { inputSize: [3, 32, 32], width: 0.125, numClasses: 10 }).eval();
}

test("activationLiveness counts a residual chain by hand", () => {
  // Residual(ReLU → ReLU) on [1, 2, 3, 3] (72 bytes each): ops relu, relu, add.
  // op 0: input (kept for the sum) + a; op 1: input + a + b; op 2: input + b + sum.
  const l = activationLiveness(new Residual(new Sequential(new ReLU(), new ReLU())), [1, 2, 3, 3]);
  assert.is(l.ops, 3);
  assert.is(l.allBytes, 3 * 72, "three activations made (the input not counted)");
  assert.is(l.largestBytes, 72);
  assert.is(l.twoLargestBytes, 2 * 72);
  assert.is(l.largestLiveSetBytes, 3 * 72);
  assert.match(l.largestLiveSetAt, /^body\.1 \(3 activations\)$/);
});

test("a small ResNet's peak under noGrad: weights + call block + the live set, far below all its activations", () => {
  const model = tinyResnet50();
  makeParametersResident(model);
  const x = new Variable(randn([1, 3, 32, 32], new Random(2)));
  const l = activationLiveness(model, [1, 3, 32, 32]);
  tidy(() => noGrad(() => model.forward(x)).value.data[0]); // sizes the arena's call block
  const before = stats().liveBytes; // weights + the call block
  resetKernelMemoryPeak();
  tidy(() => noGrad(() => model.forward(x)).value.data[0]);
  const above = stats().peakLiveBytes - before;
  // The containers hold their input until their child returns (a stage's input
  // while its blocks run, a block's input while its last ReLU runs): two
  // activations beyond the live set; 64 bytes of rounding per live block.
  const bound = l.largestLiveSetBytes + 2 * l.largestBytes + 64 * 16;
  assert.ok(above <= bound, `peak above weights and call block ${above} B, bound ${bound} B (live set ${l.largestLiveSetBytes}, largest ${l.largestBytes})`);
  assert.ok(bound * 4 < l.allBytes, `the bound ${bound} B is far below all activations ${l.allBytes} B (what the forward held before)`);
  assert.is(stats().liveBytes, before, "the scope freed the rest");
});

test("resident results with intermediates freed equal plain results bit for bit (as built and fused)", () => {
  const model = tinyResnet50(3);
  const fused = fuseModelForInference(model);
  const x = new Variable(randn([2, 3, 32, 32], new Random(4)));
  const plain = noGrad(() => model.forward(x)).value.data.slice();
  const plainFused = noGrad(() => fused.forward(x)).value.data.slice();
  makeParametersResident(model);
  makeParametersResident(fused);
  const resident = tidy(() => Float32Array.from(noGrad(() => model.forward(x)).value.data));
  const residentFused = tidy(() => Float32Array.from(noGrad(() => fused.forward(x)).value.data));
  assert.ok(sameBits(resident, plain), "as built");
  assert.ok(sameBits(residentFused, plainFused), "fused");
});

/** Returns its input as it is. */
class Same extends Module {
  forward(x: Variable): Variable { return x; }
  outputShape(s: number[]): number[] { return s; }
}

/** Returns a tensor it made and kept (past every scope), ignoring its input. */
class Keeper extends Module {
  made: Tensor | null = null;
  forward(x: Variable): Variable {
    this.made = keep(toResident(randn(x.shape, new Random(5))));
    return new Variable(this.made);
  }
  outputShape(s: number[]): number[] { return s; }
}

test("nothing the caller holds is freed: its input, a module's returned input, a kept tensor, the output", () => {
  const keeper = new Keeper();
  const net = new Sequential(new Same(), new ReLU(), new Same(), keeper, new ReLU(), new Flatten(), new Linear(8, 2, new Random(6)));
  makeParametersResident(net);
  tidy(() => {
    const x = new Variable(toResident(randn([1, 8], new Random(7))));
    const y = noGrad(() => net.forward(x));
    assert.ok(x.value.resident && !x.value.disposed, "the caller's input");
    assert.is(x.value.data.length, 8);
    assert.ok(!keeper.made!.disposed, "the kept tensor a module returned");
    assert.is(y.value.data.length, 2);
  });
  assert.ok(!keeper.made!.disposed, "kept past the scope");
  keeper.made!.dispose();
});

test("layerOutputs inside a scope: every layer's output stays readable", () => {
  const model = new Sequential(new Conv2d(1, 2, 3, new Random(8), { padding: 1 }), new ReLU(), new Sequential(new ReLU(), new Flatten()), new Linear(32, 3, new Random(9)));
  makeParametersResident(model);
  tidy(() => {
    const outs = layerOutputs(model, randn([1, 1, 4, 4], new Random(10)));
    assert.equal(outs.map((o) => o.output.data.length), [32, 32, 32, 3]);
    assert.ok(outs.every((o) => !o.output.disposed));
  });
});

test("training (graph on) inside a scope frees nothing early: gradients equal the plain run's", () => {
  const model = tinyResnet50(11).train();
  const x = new Variable(randn([2, 3, 32, 32], new Random(12)));
  const target = fromArray([1, 7], [2], "int32");
  const grads = () => model.parameters().map((p) => p.grad!.data.slice());
  const step = () => {
    model.zeroGrad();
    F.crossEntropy(model.forward(x), target).backward();
  };
  step();
  const plain = grads();
  makeParametersResident(model);
  const resident = tidy(() => {
    step();
    return grads(); // plain copies: the scope frees the resident gradients
  });
  assert.ok(plain.every((g, i) => sameBits(g, resident[i])), "every gradient bit-identical");
});

test("the safety net never releases a freed intermediate again", async () => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const model = tinyResnet50(13);
  makeParametersResident(model);
  const x = new Variable(randn([1, 3, 32, 32], new Random(14)));
  const collect = async () => {
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  await collect(); // what earlier tests dropped goes first
  const finalized = finalizedResidentCount();
  const live = stats().liveBytes;
  for (let i = 0; i < 3; i++) tidy(() => noGrad(() => model.forward(x)).value.data[0]);
  await collect();
  assert.is(finalizedResidentCount(), finalized, "every intermediate was disposed (none left to the net, none released twice)");
  assert.is(stats().liveBytes, live);
});

test("evaluateClassifier inside a caller's scope: one batch's activations at a time, memory flat over calls", () => {
  const rng = new Random(15);
  const images = Uint8Array.from({ length: 12 * 64 }, () => Math.floor(rng.uniform() * 256));
  const data = makeDataset(images, Uint8Array.from({ length: 12 }, (_, i) => i % 3), { height: 8, width: 8, classes: 3 });
  const model = new Sequential(new Conv2d(1, 4, 3, new Random(16), { padding: 1 }), new ReLU(), new Flatten(), new Linear(256, 3, new Random(17)));
  const options = { standardization: { mean: 100, std: 50 }, batchSize: 4, outputs: true } as const;
  const plain = evaluateClassifier(model, data, options);
  makeParametersResident(model);
  tidy(() => {
    const live = stats().liveBytes;
    for (let call = 0; call < 3; call++) {
      const e = evaluateClassifier(model, data, options);
      assert.is(stats().liveBytes, live, `live bytes after call ${call + 1}`);
      assert.is(e.loss, plain.loss);
      assert.ok(sameBits(e.probabilities, plain.probabilities), "the same probabilities as plain");
    }
  });
});

test.run();
