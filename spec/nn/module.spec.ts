import { test } from "uvu";
import * as assert from "uvu/assert";
import { Tensor, randn, zeros } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { Sequential } from "../../src/nn/sequential.js";
import { Linear } from "../../src/nn/linear.js";
import { Conv2d } from "../../src/nn/conv.js";
import { ConvTranspose2d } from "../../src/nn/conv_transpose.js";
import { BatchNorm1d, BatchNorm2d } from "../../src/nn/batch_norm.js";
import { Dropout } from "../../src/nn/dropout.js";
import { ReLU } from "../../src/nn/activations.js";
import { MaxPool2d } from "../../src/nn/pool.js";
import { Flatten } from "../../src/nn/flatten.js";
import { Residual } from "../../src/nn/residual.js";

/** A small conv net with every kind of state: conv, batch norm, linear, dropout. */
function smallNet(seed: number) {
  const rng = new Random(seed);
  return new Sequential(
    new Conv2d(3, 4, 3, rng, { padding: 1 }),
    new BatchNorm2d(4),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Dropout(0.5, rng),
    new Linear(4 * 2 * 2, 3, rng),
  );
}

test("state dict names and order follow PyTorch: own parameters, own buffers, then children", () => {
  const net = smallNet(0);
  assert.equal([...net.stateDict().keys()], [
    "0.weight", "0.bias",
    "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked",
    "6.weight", "6.bias",
  ]);
  const nbt = net.stateDict().get("1.num_batches_tracked")!;
  assert.is(nbt.dtype, "int32");
  assert.equal(nbt.shape, []);
  assert.equal(net.namedParameters().map(([n]) => n), ["0.weight", "0.bias", "1.weight", "1.bias", "6.weight", "6.bias"]);
  assert.equal(net.namedBuffers().map(([n]) => n), ["1.running_mean", "1.running_var", "1.num_batches_tracked"]);
});

test("nested modules: Residual children are body/shortcut", () => {
  const rng = new Random(1);
  const block = new Residual(new Sequential(new Conv2d(2, 2, 3, rng, { padding: 1, bias: false }), new BatchNorm2d(2)), new Conv2d(2, 2, 1, rng));
  assert.equal([...block.stateDict().keys()], [
    "body.0.weight", "body.1.weight", "body.1.bias", "body.1.running_mean", "body.1.running_var", "body.1.num_batches_tracked",
    "shortcut.weight", "shortcut.bias",
  ]);
});

test("parameter counts by hand", () => {
  const rng = new Random(2);
  assert.is(new Conv2d(3, 8, 3, rng).parameterCount(), 8 * 3 * 9 + 8);
  assert.is(new Conv2d(4, 6, [1, 3], rng, { groups: 2, bias: false }).parameterCount(), 6 * 2 * 3);
  assert.is(new ConvTranspose2d(4, 6, 2, rng, { groups: 2 }).parameterCount(), 4 * 3 * 4 + 6);
  assert.is(new Linear(10, 5, rng).parameterCount(), 55);
  assert.is(new BatchNorm2d(7).parameterCount(), 14);
  assert.is(new BatchNorm1d(7, { affine: false }).parameterCount(), 0);
  assert.is(smallNet(0).parameterCount(), (4 * 27 + 4) + 8 + (16 * 3 + 3));
});

test("loadStateDict round trip: a second net takes the first one's values exactly, as copies", () => {
  const a = smallNet(10);
  const b = smallNet(11);
  a.stateDict().get("1.running_mean")!.data.set([1, 2, 3, 4]);
  a.stateDict().get("1.num_batches_tracked")!.data[0] = 17;
  assert.not.equal([...b.stateDict().get("0.weight")!.data], [...a.stateDict().get("0.weight")!.data]);
  b.loadStateDict(a.stateDict());
  for (const [k, t] of a.stateDict()) {
    assert.equal([...b.stateDict().get(k)!.data], [...t.data], k);
    assert.ok(b.stateDict().get(k) !== t, `${k} is copied, not shared`);
  }
  assert.is((b.at(1) as BatchNorm2d).numBatchesTracked, 17);
  // a plain object works too, and float64 values are converted to the module's float32
  const c = smallNet(12);
  const obj: Record<string, Tensor> = {};
  for (const [k, t] of a.stateDict()) obj[k] = t.dtype === "int32" ? t : t.astype("float64");
  c.loadStateDict(obj);
  assert.is(c.stateDict().get("0.weight")!.dtype, "float32");
  assert.equal([...c.stateDict().get("0.weight")!.data], [...a.stateDict().get("0.weight")!.data]);
});

test("loadStateDict errors list missing, unexpected and mis-shaped entries", () => {
  const net = smallNet(0);
  const sd = new Map(net.stateDict());
  sd.delete("1.running_var");
  sd.set("7.weight", zeros([2]));
  assert.throws(() => net.loadStateDict(sd), /loadStateDict: missing 1\.running_var; unexpected 7\.weight/);
  const wrong = new Map(net.stateDict());
  wrong.set("6.weight", zeros([3, 15]));
  assert.throws(() => net.loadStateDict(wrong), /wrong shape 6\.weight: expected \[3, 16\], got \[3, 15\]/);
  const notTensor = new Map(net.stateDict()) as Map<string, unknown>;
  notTensor.set("0.bias", [1, 2, 3, 4]);
  assert.throws(() => net.loadStateDict(notTensor as Map<string, Tensor>), /0\.bias: expected a Tensor, got \[object Array\]/);
  // non-strict: missing and unexpected are tolerated, shapes are still checked
  const before = [...net.stateDict().get("1.running_var")!.data];
  net.loadStateDict(sd, false);
  assert.equal([...net.stateDict().get("1.running_var")!.data], before);
  assert.throws(() => net.loadStateDict(wrong, false), /wrong shape/);
});

test("seeded initialization: same seed → identical weights; another seed → different", () => {
  const a = smallNet(123).stateDict();
  const b = smallNet(123).stateDict();
  const c = smallNet(124).stateDict();
  for (const [k, t] of a) assert.equal([...b.get(k)!.data], [...t.data], k);
  assert.not.equal([...c.get("0.weight")!.data], [...a.get("0.weight")!.data]);
  assert.not.equal([...c.get("6.weight")!.data], [...a.get("6.weight")!.data]);
});

// PyTorch's default: U(−1/√fan_in, 1/√fan_in) for weight and bias.
test("default init stays within PyTorch's bound 1/√fan_in and uses most of it", () => {
  const rng = new Random(3);
  const conv = new Conv2d(6, 16, 5, rng);
  const bound = 1 / Math.sqrt(6 * 25);
  const w = [...conv.weight.value.data];
  assert.ok(w.every((v) => Math.abs(v) <= bound), "within the bound");
  assert.ok(Math.max(...w.map(Math.abs)) > 0.95 * bound, "fills the interval");
  assert.ok([...conv.bias!.value.data].every((v) => Math.abs(v) <= bound));
  const t = new ConvTranspose2d(6, 4, 3, rng); // fan_in of [Cin, Cout, kh, kw] is Cout·kh·kw
  const tb = 1 / Math.sqrt(4 * 9);
  assert.ok([...t.weight.value.data].every((v) => Math.abs(v) <= tb) && Math.max(...[...t.weight.value.data].map(Math.abs)) > 0.9 * tb);
  const he = new Conv2d(8, 8, 3, rng, { init: "he", bias: true });
  assert.ok([...he.bias!.value.data].every((v) => v === 0), "non-PyTorch rules start biases at 0");
});

test("train()/eval() reach every descendant; float64 parameters on request", () => {
  const net = smallNet(0);
  net.eval();
  assert.ok(net.namedModules().every(([, m]) => !m.training));
  net.train();
  assert.ok(net.namedModules().every(([, m]) => m.training));
  const d = new Conv2d(1, 1, 1, new Random(0), { dtype: "float64" });
  assert.is(d.weight.value.dtype, "float64");
  assert.is(new BatchNorm2d(2, { dtype: "float64" }).runningVar.dtype, "float64");
});

test("zeroGrad clears the gradients of every parameter", () => {
  const net = smallNet(0);
  for (const p of net.parameters()) p.grad = randn(p.shape, new Random(0));
  net.zeroGrad();
  assert.ok(net.parameters().every((p) => p.grad === null));
});

test.run();
