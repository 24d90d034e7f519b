// Resident tensors (src/backend/resident.ts): float32 values in the kernels'
// memory. Every op gives the same bits on resident inputs as on plain ones;
// `data` stays correct across a memory grow; a call's arena never overwrites
// a resident block; optimizers update resident parameters in place; tensors
// made before setThreads(2) moved the kernels stay correct.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { Tensor, randn } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { loadKernelsSync } from "../../src/backend/load.js";
import { getBackend, setBackend, type BackendName } from "../../src/backend/dispatch.js";
import { requireKernels } from "../../src/backend/wasm.js";
import { kernelMemoryStats, residentPointer, residentZeros, toResident } from "../../src/backend/resident.js";
import { sgemm } from "../../src/backend/sgemm.js";
import { referenceOps } from "../../src/ops/registry.js";
import type { Tensors } from "../../src/ops/op.js";
import { Variable } from "../../src/autograd/variable.js";
import { SGD } from "../../src/optim/sgd.js";
import { Adam } from "../../src/optim/adam.js";
import { setThreads, stopPool, threadsSupported } from "../../src/backend/threads.js";
import { fcParams } from "../support/properties.js";
import { tidy } from "../../src/tensor_lifetime.js";
import { sameBits } from "../support/assertions.js";

assert.ok(loadKernelsSync(), "the kernels load");


/** The float32 tensors of `inputs` as resident copies (the others as they are). */
function residentInputs(inputs: Tensors): Tensors {
  const out: Tensors = {};
  for (const [k, t] of Object.entries(inputs)) out[k] = t.dtype === "float32" ? toResident(t) : t;
  return out;
}

function withBackend<T>(name: BackendName, fn: () => T): T {
  const previous = getBackend();
  setBackend(name);
  try {
    return fn();
  } finally {
    setBackend(previous);
  }
}

test("toResident copies a float32 tensor into the kernels' memory; float64 and int32 are refused", () => {
  const t = new Tensor(new Float32Array([1, -2, 3.5, NaN, 0, -0]), [2, 3]);
  const r = toResident(t);
  assert.ok(r.resident && !t.resident);
  assert.is(r.dtype, "float32");
  assert.equal(r.shape, [2, 3]);
  assert.ok(sameBits(r.data, t.data));
  const ptr = residentPointer(r);
  assert.is(ptr % 64, 0);
  assert.ok(ptr >= requireKernels().arena.base);
  assert.is(r.data.buffer, requireKernels().arena.memory.buffer, "data is a view of the kernels' memory");
  assert.is(toResident(r), r, "already resident: the same tensor");
  assert.is(residentPointer(t), -1);
  assert.throws(() => toResident(new Tensor(new Float64Array(2), [2])), /toResident: expected a float32 tensor \(float64 and int32 are never resident\), got float64 \[2\]/);
  assert.throws(() => toResident(new Tensor(new Int32Array(2), [2])), /got int32 \[2\]/);
  r.dispose();
});

test("data of a resident tensor is correct after the memory grows (the old view is detached, writes still land)", () => {
  const { arena } = requireKernels();
  const values = randn([3, 5], new Random(1));
  const r = toResident(values);
  const before = r.data;
  const grows = arena.grows;
  const big = arena.heap.alloc(arena.byteLength); // forces a grow
  assert.ok(arena.grows > grows, "the memory grew");
  assert.is(before.length, 0, "the view taken before the grow is detached");
  assert.ok(sameBits(r.data, values.data), "a new view with the same values");
  r.data[7] = 42;
  const big2 = arena.heap.alloc(arena.byteLength);
  assert.is(r.data[7], 42, "a write through data reached the block");
  arena.heap.free(big);
  arena.heap.free(big2);
  r.dispose();
});

test("a call's arena layout never overwrites a resident block", () => {
  const rng = new Random(2);
  const kept = [toResident(randn([1000], rng)), residentZeros([77]), toResident(randn([5, 5], rng))];
  const copies = kept.map((t) => t.clone());
  for (const n of [8, 64, 200, 30]) {
    const a = new Float32Array(n * n).fill(1), c = new Float32Array(n * n);
    sgemm(false, false, n, n, n, 1, a, n, a, n, 0, c, n);
    assert.is(c[n * n - 1], n);
  }
  kept.forEach((t, i) => assert.ok(sameBits(t.data, copies[i].data), `resident tensor ${i} unchanged`));
  for (const t of kept) t.dispose();
});

test("property: every reference op gives the same bits on resident float32 inputs as on plain ones (forward and backward, js backend)", () => {
  const ops = [...referenceOps.values()];
  const before = kernelMemoryStats()!.residentBytes;
  withBackend("js", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: ops.length - 1 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (which, seed) => {
        const op = ops[which];
        const rng = new Random(seed);
        const { inputs, attrs } = op.sample(rng, "float32");
        // In a scope: the resident inputs and every view an op makes of them (reshape; conv1d's 4-D views) are freed at its end.
        tidy(() => {
          const plain = op.forward(inputs, attrs);
          const res = op.forward(residentInputs(inputs), attrs);
          for (const name of Object.keys(plain.outputs)) assert.ok(sameBits(res.outputs[name].data, plain.outputs[name].data), `${op.name}: output ${name}`);
          if (op.backward && op.grads.length > 0) {
            const upstream: Tensors = {};
            for (const name of op.differentiableOutputs) if (plain.outputs[name]) upstream[name] = randn(plain.outputs[name].shape, rng, { dtype: plain.outputs[name].dtype as "float32" });
            const g = op.backward(upstream, plain.cache, attrs);
            const gr = op.backward(residentInputs(upstream), res.cache, attrs);
            for (const name of Object.keys(g)) assert.ok(sameBits(gr[name].data, g[name].data), `${op.name}: gradient of ${name}`);
          }
        });
        assert.is(kernelMemoryStats()!.residentBytes, before, `${op.name}: every resident tensor of the case was freed`);
      }),
      fcParams(ops.length * 3),
    );
  });
});

/** Three steps of `make(params)` on two float32 parameters, plain or resident; returns the parameters. */
function optimize(resident: boolean, make: (params: Variable[]) => { step(): void }): Variable[] {
  const rng = new Random(3);
  const values = [randn([40, 30], rng), randn([30], rng)];
  const params = values.map((v) => new Variable(resident ? toResident(v) : v, true));
  const opt = make(params);
  for (let s = 0; s < 3; s++) {
    params.forEach((p, i) => { p.grad = randn(p.shape, new Random(100 * s + i)); });
    opt.step();
  }
  return params;
}

test("SGD (wasm backend, momentum) and Adam update resident parameters in place, bit-equal to plain ones", () => {
  withBackend("wasm", () => {
    for (const [name, make] of [
      ["SGD", (ps: Variable[]) => new SGD(ps, { lr: 0.1, momentum: 0.9, weightDecay: 1e-3 })],
      ["Adam", (ps: Variable[]) => new Adam(ps, { lr: 0.01 })],
    ] as const) {
      const plain = optimize(false, make);
      const resident = optimize(true, make);
      resident.forEach((p, i) => {
        assert.ok(p.value.resident, `${name}: the parameter is still resident`);
        assert.ok(sameBits(p.value.data, plain[i].value.data), `${name}: parameter ${i} equal to the plain run`);
      });
      for (const p of resident) p.value.dispose();
    }
  });
});

test("after setThreads(2) moves the kernels, earlier resident tensors keep their values and are copied in like plain ones", async () => {
  if (!threadsSupported()) return;
  const rng = new Random(4);
  const values = randn([64, 48], rng);
  const r = toResident(values);
  const oldHeap = requireKernels().arena.heap;
  const ptr = residentPointer(r);
  try {
    assert.is(await setThreads(2), 2);
    assert.is.not(requireKernels().arena.heap, oldHeap, "the kernels moved to a shared memory");
    assert.is(residentPointer(r), -1, "not in the kernels' memory any more");
    assert.is(oldHeap.sizeOf(ptr), 64 * 48 * 4, "its block is still allocated in the old memory");
    assert.ok(sameBits(r.data, values.data), "the values are intact");
    const moved = toResident(r);
    assert.ok(residentPointer(moved) >= 0 && sameBits(moved.data, values.data), "toResident copies it into the new memory");
    moved.dispose();
    r.dispose();
    assert.is(oldHeap.sizeOf(ptr), undefined, "disposing freed its block in the memory it lives in");
  } finally {
    await setThreads(1);
    await stopPool();
  }
});

test.run();
