// How long resident tensors live (src/tensor_lifetime.ts): dispose, tidy
// scopes (nested, returned values kept, errors), the autograd graph freeing
// what its nodes saved, no leak over many training steps (the allocator's live
// bytes, a count), and the FinalizationRegistry safety net.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Tensor, TensorDisposedError, fromArray, randn } from "../src/tensor.js";
import { finalizedResidentCount, keep, tidy, tidyDepth } from "../src/tensor_lifetime.js";
import { Random } from "../src/random.js";
import { loadKernelsSync } from "../src/backend/load.js";
import { kernelMemoryStats, residentZeros, toResident } from "../src/backend/resident.js";
import { Variable, type Node } from "../src/autograd/variable.js";
import * as F from "../src/autograd/functional.js";
import { findOp } from "../src/ops/registry.js";
import type { OpDef } from "../src/ops/op.js";
import { SGD } from "../src/optim/sgd.js";

assert.ok(loadKernelsSync(), "the kernels load");
const live = (): number => kernelMemoryStats()!.residentBytes;

test("dispose frees a resident tensor's block; reading it afterwards throws an error naming it", () => {
  const before = live();
  const t = toResident(fromArray([1, 2, 3, 4, 5, 6], [2, 3]));
  assert.is(live(), before + 64);
  t.dispose();
  assert.is(live(), before);
  assert.ok(t.disposed);
  assert.throws(() => t.data, (e: unknown) => e instanceof TensorDisposedError && /^Tensor\(float32 \[2, 3\]\) was disposed \(by dispose\(\)\)/.test((e as Error).message));
  assert.equal(t.shape, [2, 3], "shape and size stay readable");
  t.dispose(); // a second dispose does nothing
  assert.is(live(), before);
  const plain = fromArray([1, 2], [2]);
  plain.dispose();
  assert.throws(() => plain.data, /Tensor\(float32 \[2\]\) was disposed/);
});

test("a reshape shares the block: it is freed when both are disposed", () => {
  const before = live();
  const t = toResident(fromArray([1, 2, 3, 4], [2, 2]));
  const v = t.reshape([4]);
  assert.ok(v.resident);
  v.data[3] = 9;
  assert.is(t.data[3], 9, "a view: writes are shared");
  t.dispose();
  assert.equal([...v.data], [1, 2, 3, 9], "the view still reads the values");
  assert.is(live(), before + 64);
  v.dispose();
  assert.is(live(), before);
});

test("tidy disposes the resident tensors made inside, except those reachable from its result", () => {
  const before = live();
  let inner: Tensor | null = null;
  const out = tidy(() => {
    assert.is(tidyDepth(), 1);
    inner = residentZeros([10]);
    const kept = residentZeros([20]);
    const inVariable = new Variable(residentZeros([5]));
    return { list: [kept], v: inVariable, n: 3 };
  });
  assert.is(tidyDepth(), 0);
  assert.throws(() => inner!.data, /was disposed \(at the end of the tidy scope that created it\)/);
  assert.is(out.list[0].data.length, 20);
  assert.is(out.v.value.data.length, 5);
  assert.is(live(), before + 128 + 64, "the two returned blocks (80 bytes → 128, 20 bytes → 64) remain");
  out.list[0].dispose();
  out.v.value.dispose();
  assert.is(live(), before);
});

test("nested tidy: a tensor returned by the inner scope belongs to the outer one; keep() exempts a tensor from every open scope", () => {
  const before = live();
  let fromInner: Tensor | null = null;
  let kept: Tensor | null = null;
  tidy(() => {
    fromInner = tidy(() => residentZeros([3]));
    assert.ok(!fromInner.disposed, "alive after the inner scope");
    kept = keep(tidy(() => residentZeros([4])));
    return 0;
  });
  assert.ok(fromInner!.disposed, "disposed at the end of the outer scope");
  assert.ok(!kept!.disposed);
  kept!.dispose();
  assert.is(live(), before);
});

test("tidy disposes on a throw and refuses a Promise; plain tensors are untouched", () => {
  const before = live();
  let t: Tensor | null = null;
  assert.throws(() => tidy(() => { t = residentZeros([8]); throw new Error("boom"); }), /boom/);
  assert.ok(t!.disposed);
  assert.throws(() => tidy(() => Promise.resolve(residentZeros([2]))), /tidy: fn returned a Promise/);
  const plain = tidy(() => [randn([3], new Random(1)), fromArray([1], [1])]);
  assert.ok(!plain[0].disposed && plain[0].data.length === 3);
  assert.throws(() => tidy(42 as unknown as () => void), /tidy: expected a function, got \[object Number\]/);
  assert.is(tidyDepth(), 0);
  assert.is(live(), before);
});

test("a backward that frees the graph disposes the resident tensors its nodes saved (not their inputs or outputs); retainGraph keeps them", () => {
  // An op that saves a resident tensor of its own for backward (as a kernel op may).
  const identity = findOp("mul_scalar")!;
  const saving: OpDef = {
    ...identity,
    forward(inputs, attrs) {
      const r = identity.forward(inputs, attrs);
      return { outputs: r.outputs, cache: { inner: r.cache, saved: residentZeros([16]), input: inputs.input } };
    },
    backward(upstream, cache, attrs) {
      return identity.backward!(upstream, (cache as { inner: unknown }).inner, attrs);
    },
  };
  for (const retainGraph of [false, true]) {
    const x = new Variable(toResident(fromArray([1, 2, 3], [3])), true);
    const attrs = saving.attrs({ value: 2 });
    const { outputs, cache } = saving.forward({ input: x.value }, attrs);
    const node: Node = { op: saving, attrs, cache, freed: false, inputs: { input: x }, outputs: {} };
    const y = new Variable(outputs.output, true, node);
    (node as { outputs: Record<string, Variable> }).outputs = { output: y };
    const saved = (cache as { saved: Tensor }).saved;
    F.sum(y).backward({ retainGraph });
    assert.is(saved.disposed, !retainGraph, `retainGraph ${retainGraph}: the saved tensor`);
    assert.ok(!x.value.disposed, "the input stays");
    assert.equal([...x.grad!.data], [2, 2, 2]);
    if (retainGraph) saved.dispose();
    x.value.dispose();
  }
});

test("no leak: 50 training steps in tidy scopes leave the allocator's live bytes where they started", () => {
  const rng = new Random(5);
  const w = new Variable(toResident(randn([8, 4], rng, { std: 0.3 })), true);
  const b = new Variable(toResident(randn([8], rng, { std: 0.1 })), true);
  const opt = new SGD([w, b], { lr: 0.05, momentum: 0.9 });
  const x = randn([16, 4], rng);
  const target = fromArray(Array.from({ length: 16 }, (_, i) => i % 8), [16], "int32");
  const counts: number[] = [];
  const losses: number[] = [];
  for (let step = 0; step < 50; step++) {
    losses.push(tidy(() => {
      const loss = F.crossEntropy(F.relu(F.linear(toResident(x), w, b)), target);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      return loss.value.data[0];
    }));
    counts.push(live());
  }
  assert.ok(counts.every((c) => c === counts[0]), `live bytes per step: ${[...new Set(counts)].join(", ")}`);
  assert.ok(losses[49] < losses[0], `the loss fell: ${losses[0]} → ${losses[49]}`);
  assert.ok(w.value.resident, "the parameter stayed resident");
  w.value.dispose();
  b.value.dispose();
});

test("safety net: resident tensors collected without dispose give their blocks back", async () => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const collect = async (rounds: number) => {
    for (let i = 0; i < rounds; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  await collect(3); // what earlier tests dropped goes first
  const before = live();
  const finalized = finalizedResidentCount();
  (() => { for (let i = 0; i < 20; i++) residentZeros([1000]); })();
  assert.is(live(), before + 20 * 4032);
  for (let i = 0; i < 50 && live() !== before; i++) await collect(1);
  assert.is(live(), before);
  assert.is(finalizedResidentCount(), finalized + 20);
});

test.run();
