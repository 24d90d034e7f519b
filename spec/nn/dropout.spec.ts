import { test } from "uvu";
import * as assert from "uvu/assert";
import { Tensor, ones, randn } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { Variable } from "../../src/autograd/variable.js";
import { Dropout } from "../../src/nn/dropout.js";
import { Sequential } from "../../src/nn/sequential.js";
import { Linear } from "../../src/nn/linear.js";

/** Σ of all elements. */
const total = (t: Tensor) => { let s = 0; for (const x of t.data) s += x; return s; };
const big = () => new Variable(ones([100, 100], "float64"), true);

test("inverted (default), p = 0.3: about 70% kept, kept units scaled by 1/0.7, the rest 0", () => {
  const d = new Dropout(0.3, new Random(1));
  const y = d.forward(big());
  const mask = d.lastMask!;
  let kept = 0;
  for (let i = 0; i < y.value.size; i++) {
    if (mask.data[i] === 1) { kept++; assert.is(y.value.data[i], 1 / 0.7); }
    else { assert.is(mask.data[i], 0); assert.is(y.value.data[i], 0); }
  }
  // Binomial(10000, 0.7): standard deviation 0.0046; allow 4σ.
  assert.ok(Math.abs(kept / 10000 - 0.7) < 0.02, `kept fraction ${kept / 10000}`);
});

test("inverted eval is the identity (the same variable)", () => {
  const d = new Dropout(0.3, new Random(1)).eval();
  const x = big();
  assert.is(d.forward(x), x);
});

// 001: training ỹ = r ⊙ y (no scaling); test time: "the weights are scaled as W = pW", p the keep probability.
test('lecture convention, p = 0.3: training keeps units unscaled; eval multiplies by the keep probability 0.7', () => {
  const d = new Dropout(0.3, new Random(2), { convention: "lecture" });
  const y = d.forward(big());
  for (let i = 0; i < y.value.size; i++) assert.is(y.value.data[i], d.lastMask!.data[i]);
  d.eval();
  const x = new Variable(randn([3, 4], new Random(3), { dtype: "float64" }));
  const e = d.forward(x);
  for (let i = 0; i < 12; i++) assert.ok(Math.abs(e.value.data[i] - 0.7 * x.value.data[i]) < 1e-15);
  assert.is(d.describe(), 'Dropout(p=0.3, convention="lecture")');
});

test("the expected training output equals the eval output under both conventions", () => {
  for (const convention of ["inverted", "lecture"] as const) {
    const d = new Dropout(0.4, new Random(4), { convention });
    let sum = 0;
    const runs = 50;
    for (let r = 0; r < runs; r++) sum += total(d.forward(big()).value);
    const trainMean = sum / (runs * 10000);
    d.eval();
    const evalMean = total(d.forward(big()).value) / 10000;
    assert.ok(Math.abs(trainMean - evalMean) < 0.01, `${convention}: ${trainMean} vs ${evalMean}`);
  }
});

test("the gradient flows through kept units only, with the same scale", () => {
  const d = new Dropout(0.5, new Random(5));
  const x = new Variable(randn([4, 5], new Random(6), { dtype: "float64" }), true);
  d.forward(x).backward(ones([4, 5], "float64"));
  for (let i = 0; i < 20; i++) assert.is(x.grad!.data[i], d.lastMask!.data[i] * 2);
});

test("masks come from the layer's own seeded generator: same seed → same masks; each call a new mask", () => {
  const a = new Dropout(0.5, new Random(9));
  const shared = new Random(9);
  const b = new Dropout(0.5, shared);
  shared.uniform(); // drawing from the constructor's generator later does not change b's masks
  const ma1 = [...(a.forward(big()), a.lastMask!.data)];
  const mb1 = [...(b.forward(big()), b.lastMask!.data)];
  assert.equal(mb1, ma1);
  const ma2 = [...(a.forward(big()), a.lastMask!.data)];
  assert.not.equal(ma2, ma1);
  // resuming from a saved generator state repeats the masks
  const c = new Dropout(0.5, new Random(0));
  c.rng.setState(a.rng.state());
  const ma3 = [...(a.forward(big()), a.lastMask!.data)];
  const mc3 = [...(c.forward(big()), c.lastMask!.data)];
  assert.equal(mc3, ma3);
});

test("p = 0 keeps everything; p = 1 drops everything (inverted output 0, as PyTorch)", () => {
  const keep = new Dropout(0, new Random(1)).forward(big());
  assert.ok(keep.value.data.every((v) => v === 1));
  const drop = new Dropout(1, new Random(1)).forward(big());
  assert.ok(drop.value.data.every((v) => v === 0));
});

test("train/eval switches reach dropout inside a Sequential; no parameters, no state", () => {
  const rng = new Random(7);
  const net = new Sequential(new Linear(3, 3, rng), new Dropout(0.5, rng));
  assert.equal([...net.stateDict().keys()], ["0.weight", "0.bias"]);
  net.eval();
  const x = new Variable(randn([2, 3], rng));
  assert.equal([...net.forward(x).value.data], [...net.forward(x).value.data], "deterministic in eval");
  assert.equal(new Dropout(0.5, rng).outputShape([2, 7]), [2, 7]);
});

test("bad arguments are refused", () => {
  assert.throws(() => new Dropout(1.5, new Random(0)), /Dropout: p: expected a drop probability in \[0, 1\], got 1.5/);
  assert.throws(() => new Dropout(0.5, undefined as never), /Dropout: rng: expected a Random/);
  assert.throws(() => new Dropout(0.5, new Random(0), { convention: "scaled" as never }), /Dropout: convention: expected "inverted" or "lecture"/);
  const x = new Variable(new Tensor(new Float32Array(4), [2, 2]));
  assert.equal(new Dropout(undefined, new Random(0)).forward(x).shape, [2, 2], "p defaults to 0.5");
});

test("named probabilities: { keepProbability: 0.7 } (001's Bernoulli(p)) and { dropProbability: 0.3 } are the layer new Dropout(0.3) is", () => {
  const byP = new Dropout(0.3, new Random(7), { convention: "lecture" });
  const byKeep = new Dropout({ keepProbability: 0.7, convention: "lecture" }, new Random(7));
  const byDrop = new Dropout({ dropProbability: 0.3 }, new Random(7), { convention: "lecture" });
  const byKeepOption = new Dropout(undefined, new Random(7), { keepProbability: 0.7, convention: "lecture" });
  for (const d of [byKeep, byDrop, byKeepOption]) {
    assert.ok(Math.abs(d.p - 0.3) < 1e-15);
    assert.ok(Math.abs(d.keepProbability - 0.7) < 1e-15);
    assert.ok(Math.abs(d.dropProbability - 0.3) < 1e-15);
    assert.is(d.convention, "lecture");
  }
  // The same seed draws the same masks: about 70% of the units are kept, as the keep probability says.
  const masks = [byP, byKeep, byDrop].map((d) => (d.forward(big()), d.lastMask!));
  assert.equal([...masks[1].data], [...masks[0].data]);
  assert.equal([...masks[2].data], [...masks[0].data]);
  const kept = total(masks[1]) / 10000;
  assert.ok(Math.abs(kept - 0.7) < 0.02, `kept fraction ${kept}`);
  assert.is(byKeep.describe(), 'Dropout(keepProbability=0.7, convention="lecture")');
  assert.is(new Dropout({ dropProbability: 0.2 }, new Random(0)).describe(), "Dropout(dropProbability=0.2)");
  assert.is(new Dropout(0.2, new Random(0)).describe(), "Dropout(p=0.2)");
});

test("named probabilities: two at once, or out of [0, 1], are clear errors", () => {
  assert.throws(() => new Dropout({ keepProbability: 0.8, dropProbability: 0.2 }, new Random(0)), /^Dropout: give one of p, dropProbability and keepProbability, got dropProbability 0.2 and keepProbability 0.8$/);
  assert.throws(() => new Dropout(0.2, new Random(0), { keepProbability: 0.8 }), /give one of p, dropProbability and keepProbability, got p 0.2 and keepProbability 0.8/);
  assert.throws(() => new Dropout({ keepProbability: 1.2 }, new Random(0)), /^Dropout: keepProbability: expected a keep probability in \[0, 1\], got 1.2$/);
  assert.throws(() => new Dropout({ dropProbability: -0.1 }, new Random(0)), /^Dropout: dropProbability: expected a drop probability in \[0, 1\], got -0.1$/);
});

test.run();
