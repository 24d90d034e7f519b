// The kernel ops with resident tensors (src/backend/kernel_operands.ts): every
// kernel op gives the same bits with resident operands inside a tidy scope
// (results resident) as with plain ones outside (results copied out), also
// across a memory grow; a conv → relu → max_pool → linear chain passes
// pointers (its calls lay out no input regions); training steps in tidy
// scopes are bit-identical to plain ones and leave the allocator's live
// bytes flat; SGD updates resident parameters in place on the kernel.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Tensor, randn, fromArray } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { tidy } from "../../src/tensor_lifetime.js";
import { loadKernelsSync } from "../../src/backend/load.js";
import { kernelOpNames, resolveOp, setBackend } from "../../src/backend/dispatch.js";
import { requireKernels } from "../../src/backend/wasm.js";
import { kernelMemoryStats, residentPointer, toResident } from "../../src/backend/resident.js";
import { findOp } from "../../src/ops/registry.js";
import type { Tensors } from "../../src/ops/op.js";
import { Variable } from "../../src/autograd/variable.js";
import * as F from "../../src/autograd/functional.js";
import { SGD } from "../../src/optim/sgd.js";
import { makeParametersResident } from "../../src/nn/resident_parameters.js";
import { lenet5 } from "../../src/models/lenet5.js";
import type { Module } from "../../src/nn/module.js";
import { sameBits } from "../support/assertions.js";

assert.ok(loadKernelsSync(), "the kernels load");
setBackend("wasm");
const live = (): number => kernelMemoryStats()!.residentBytes;


function residentCopies(ts: Tensors): Tensors {
  return Object.fromEntries(Object.entries(ts).map(([k, t]) => [k, t.dtype === "float32" ? toResident(t) : t]));
}

/** Forces the kernels' memory to grow (a block as large as the memory, freed at once). */
function forceGrow(): void {
  const { arena } = requireKernels();
  const grows = arena.grows;
  arena.heap.free(arena.heap.alloc(arena.byteLength));
  assert.ok(arena.grows > grows);
}

for (const name of kernelOpNames()) {
  test(`${name}: resident operands in a scope give resident results with the same bits as plain ones (forward, backward, across a memory grow)`, () => {
    const reference = findOp(name)!;
    const kernel = resolveOp(name)!;
    const before = live();
    for (let seed = 0; seed < 12; seed++) {
      const rng = new Random(500 + seed);
      const { inputs, attrs } = reference.sample(rng, "float32");
      const a = reference.attrs(attrs as Record<string, unknown>);
      const plain = kernel.forward(inputs, a);
      const upstream: Tensors = {};
      for (const out of reference.differentiableOutputs) upstream[out] = randn(plain.outputs[out].shape, rng);
      const plainGrads = kernel.backward ? kernel.backward(upstream, plain.cache, a) : {};
      tidy(() => {
        const res = kernel.forward(residentCopies(inputs), a);
        for (const [out, t] of Object.entries(plain.outputs)) {
          assert.ok(sameBits(res.outputs[out].data, t.data), `${name} seed ${seed}: output ${out}`);
          if (t.dtype === "float32") assert.ok(residentPointer(res.outputs[out]) >= 0, `${name}: output ${out} is resident`);
        }
        if (seed % 3 === 0) forceGrow();
        if (!kernel.backward) return;
        const grads = kernel.backward(residentCopies(upstream), res.cache, a);
        for (const [input, g] of Object.entries(plainGrads)) {
          assert.ok(sameBits(grads[input].data, g.data), `${name} seed ${seed}: gradient of ${input}`);
        }
      });
      assert.is(live(), before, `${name} seed ${seed}: the scope freed every resident tensor`);
    }
  });
}

test("a conv → relu → max_pool → flatten → linear chain in a scope passes pointers: no call lays out an input region", () => {
  const rng = new Random(7);
  const x = toResident(randn([2, 3, 12, 12], rng));
  const w1 = toResident(randn([8, 3, 3, 3], rng, { std: 0.3 })), b1 = toResident(randn([8], rng));
  const w2 = toResident(randn([10, 8 * 5 * 5], rng, { std: 0.1 })), b2 = toResident(randn([10], rng));
  const chain = () => F.linear(F.flatten(F.maxPool2d(F.relu(F.conv2d(x, w1, b1)), { kernel_size: 2 })), w2, b2).value;
  const want = chain(); // outside a scope: plain results, copied out
  const { arena } = requireKernels();
  const layout = arena.layout.bind(arena);
  const laidOut: number[][] = [];
  arena.layout = (sizes: readonly number[]) => { laidOut.push([...sizes]); return layout(sizes); };
  try {
    const got = tidy(() => {
      const y = chain();
      assert.ok(y.resident);
      return y.clone();
    });
    assert.ok(sameBits(got.data, want.data), "the same bits as the plain chain");
  } finally {
    arena.layout = layout;
  }
  // relu and max_pool lay out nothing for their input or output; the conv and linear calls only geometry and scratch.
  const reluCall = laidOut.find((s) => s.length === 2);
  assert.equal(reluCall, [0, 0], "relu: input and output in place");
  for (const t of [x, w1, b1, w2, b2]) t.dispose();
});

/** `steps` SGD steps of LeNet-5 (batch 8, 28×28); resident: parameters and activations in the kernels' memory. */
function train(resident: boolean, steps: number, counts: number[] = []): Module {
  const rng = new Random(11);
  const model = lenet5(new Random(3));
  if (resident) makeParametersResident(model);
  const opt = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const x = randn([8, 1, 28, 28], rng);
  const target = fromArray([0, 1, 2, 3, 4, 5, 6, 7], [8], "int32");
  const step = () => {
    const loss = F.crossEntropy(model.forward(new Variable(x)), target);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    return loss.value.data[0];
  };
  for (let s = 0; s < steps; s++) {
    if (resident) tidy(step);
    else step();
    counts.push(live());
  }
  return model;
}

test("training in tidy scopes with resident parameters gives the same bits as plain training, and live bytes stay flat", () => {
  const counts: number[] = [];
  const plain = train(false, 6);
  const resident = train(true, 6, counts);
  const p = plain.parameters(), r = resident.parameters();
  r.forEach((param, i) => {
    assert.ok(residentPointer(param.value) >= 0, `parameter ${i} is resident`);
    assert.ok(sameBits(param.value.data, p[i].value.data), `parameter ${i}: the same bits`);
  });
  assert.ok(counts.slice(1).every((c) => c === counts[1]), `live bytes after each step: ${counts.join(", ")}`);
});

test("SGD on resident parameters, gradients and buffers runs the kernel in place (no layout)", () => {
  const w = new Variable(toResident(randn([100], new Random(1))), true);
  const opt = new SGD([w], { lr: 0.1, momentum: 0.9 });
  const ptr = residentPointer(w.value);
  const { arena } = requireKernels();
  const layout = arena.layout.bind(arena);
  let layouts = 0;
  arena.layout = (sizes: readonly number[]) => { layouts++; return layout(sizes); };
  try {
    for (let s = 0; s < 3; s++) {
      tidy(() => {
        w.grad = toResident(randn([100], new Random(10 + s)));
        opt.step();
      });
    }
  } finally {
    arena.layout = layout;
  }
  assert.is(layouts, 0, "no arena layout: the kernel ran on the blocks");
  assert.is(residentPointer(w.value), ptr, "updated in place");
  w.value.dispose();
});

test.run();
