// The kernels on two threads: setThreads/getThreads, and the same bits for
// 1 and 2 threads — SGEMM, conv2d forward and both conv2d gradients — on
// random shapes, each split over both threads (the split threshold lowered
// to 0 so that small shapes are cut too; `sgemmParts`/`convParts` confirm
// every case really ran in two parts). Also: one thread where
// SharedArrayBuffer is missing, and a Node process with a pool exits by
// itself (the workers are unref'd).
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as fc from "fast-check";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { sgemm } from "../../src/backend/sgemm.js";
import { loadKernelsSync } from "../../src/backend/load.js";
import { getThreads, setThreads, threadsSupported, MAX_THREADS } from "../../src/backend/threads.js";
import { convParts, convWeightParts, setParallelThreshold, sgemmParts } from "../../src/backend/parallel_kernels.js";
import { conv2dKernelOp } from "../../src/backend/kernels/conv2d.js";
import { conv2dAttrs, convGeometry } from "../../src/ops/conv_geometry.js";
import { Tensor } from "../../src/tensor.js";
import { Random } from "../../src/random.js";
import { fcParams } from "../support/properties.js";

assert.ok(loadKernelsSync(), "the wasm kernels load on Node 20 (WebAssembly SIMD)");
assert.ok(threadsSupported(), "Node 20 has SharedArrayBuffer and worker_threads");

/** Whether two float32 arrays hold the same bits (NaN payloads and −0 included). */
function sameBits(a: Float32Array, b: Float32Array): number {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  if (x.length !== y.length) return 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

function uniform(n: number, rng: Random): Float32Array {
  return new Float32Array(n).map(() => rng.uniformIn(-1, 1));
}

test("setThreads refuses counts that are not integers in 1 … MAX_THREADS, naming itself and the value", async () => {
  for (const bad of [0, -1, 1.5, MAX_THREADS + 1, Number.NaN]) {
    let message = "";
    try {
      await setThreads(bad);
    } catch (e) {
      assert.instance(e, RangeError);
      message = (e as Error).message;
    }
    assert.match(message, `setThreads: expected an integer from 1 to ${MAX_THREADS}, got ${String(bad)}`);
  }
  assert.is(getThreads(), 1);
});

test("without SharedArrayBuffer (a page that is not cross-origin isolated) setThreads stays on one thread and the kernels still run", async () => {
  const global = globalThis as { SharedArrayBuffer?: unknown };
  const saved = global.SharedArrayBuffer;
  delete global.SharedArrayBuffer;
  try {
    assert.not.ok(threadsSupported());
    assert.is(await setThreads(2), 1);
    assert.is(getThreads(), 1);
    const n = 64, x = new Float32Array(n * n).fill(1), c = new Float32Array(n * n);
    sgemm(false, false, n, n, n, 1, x, n, x, n, 0, c, n);
    assert.is(c[n * n - 1], n);
  } finally {
    global.SharedArrayBuffer = saved;
  }
  assert.ok(threadsSupported());
});

test("setThreads(2) runs on two threads; setThreads(1) returns to one", async () => {
  assert.is(await setThreads(2), 2);
  assert.is(getThreads(), 2);
  assert.is(await setThreads(1), 1);
  assert.is(getThreads(), 1);
});

const sgemmCase = fc.record({
  m: fc.integer({ min: 1, max: 70 }), n: fc.integer({ min: 1, max: 90 }), k: fc.integer({ min: 0, max: 300 }),
  transA: fc.boolean(), transB: fc.boolean(),
  alpha: fc.constantFrom(1, -0.75, 0), beta: fc.constantFrom(0, 1, 0.5),
  pad: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

test("sgemm gives the same bits on 1 and 2 threads (random shapes, both cuts, transposes, α, β, leading dimensions)", async () => {
  const previous = setParallelThreshold(0);
  let split = 0;
  try {
    await fc.assert(fc.asyncProperty(sgemmCase, async (c) => {
      const rng = new Random(c.seed);
      const lda = Math.max(1, c.transA ? c.m : c.k) + c.pad[0], ldb = Math.max(1, c.transB ? c.k : c.n) + c.pad[1], ldc = c.n + c.pad[2];
      const a = uniform((c.transA ? c.k : c.m) * lda, rng), b = uniform((c.transB ? c.n : c.k) * ldb, rng);
      const c1 = uniform(c.m * ldc, rng), c2 = c1.slice();
      await setThreads(1);
      sgemm(c.transA, c.transB, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, c1, ldc);
      await setThreads(2);
      const { parts, byColumns } = sgemmParts(c.m, c.n, c.k);
      if (parts === 2) split++;
      sgemm(c.transA, c.transB, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, c2, ldc);
      const at = sameBits(c1, c2);
      assert.is(at, -1, `first different element ${at} (${c1[at]} on 1 thread, ${c2[at]} on 2); ${JSON.stringify(c)}, ${parts} parts by ${byColumns ? "columns" : "rows"}`);
    }), fcParams(150));
  } finally {
    setParallelThreshold(previous);
    await setThreads(1);
  }
  assert.ok(split >= 100, `at least 100 of 150 cases ran in two parts (${split})`);
});

const convCase = fc.record({
  N: fc.integer({ min: 1, max: 5 }), groups: fc.constantFrom(1, 1, 2), CinG: fc.integer({ min: 1, max: 4 }), CoutG: fc.integer({ min: 1, max: 12 }),
  H: fc.integer({ min: 1, max: 14 }), W: fc.integer({ min: 1, max: 20 }), kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }),
  stride: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  padding: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
  dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  bias: fc.boolean(), seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

test("conv2d forward, ∂L/∂input and ∂L/∂weight give the same bits on 1 and 2 threads (random attributes; N = 1 cuts the forward by filters)", async () => {
  const previous = setParallelThreshold(0);
  let ran = 0, weightSplit = 0, byFilters = 0;
  try {
    await fc.assert(fc.asyncProperty(convCase, async (c) => {
      const attrs = conv2dAttrs({ stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups });
      for (let t = 0; t < 2; t++) {
        if ([c.H, c.W][t] + 2 * c.padding[t] - c.dilation[t] * ([c.kh, c.kw][t] - 1) - 1 < 0) return;
      }
      ran++;
      const rng = new Random(c.seed);
      const Cin = c.CinG * c.groups, Cout = c.CoutG * c.groups;
      const input = new Tensor(uniform(c.N * Cin * c.H * c.W, rng), [c.N, Cin, c.H, c.W]);
      const weight = new Tensor(uniform(Cout * c.CinG * c.kh * c.kw, rng), [Cout, c.CinG, c.kh, c.kw]);
      const bias = c.bias ? new Tensor(uniform(Cout, rng), [Cout]) : undefined;
      const inputs = { input, weight, ...(bias ? { bias } : {}) };
      const { geom } = convGeometry("conv2d", input, weight, bias, attrs);
      const run = () => {
        const fwd = conv2dKernelOp.forward(inputs, attrs);
        const dz = new Tensor(uniform(fwd.outputs.output.size, new Random(c.seed + 1)), fwd.outputs.output.shape);
        const grads = conv2dKernelOp.backward!({ output: dz }, fwd.cache, attrs);
        return { z: fwd.outputs.output.data as Float32Array, da: grads.input.data as Float32Array, dw: grads.weight.data as Float32Array };
      };
      await setThreads(1);
      const one = run();
      await setThreads(2);
      const forward = convParts(geom, "conv2dForward"), inputGrad = convParts(geom, "conv2dBackwardInput");
      if (geom.N >= 2) {
        assert.equal([forward.parts, inputGrad.parts], [2, 2], "forward and input gradient run in two parts (by images)");
      } else if (geom.groups === 1 && geom.Cout > 4) {
        byFilters++;
        assert.equal([forward.parts, forward.byFilters], [2, true], "a forward of one image runs in two parts by filters");
      }
      if (geom.Cin / geom.groups * geom.kh * geom.kw > 8) {
        weightSplit++;
        assert.is(convWeightParts(geom), 2, "the weight gradient runs in two parts (K > NR)");
      }
      const two = run();
      for (const key of ["z", "da", "dw"] as const) {
        const at = sameBits(one[key], two[key]);
        assert.is(at, -1, `${key}: first different element ${at} (${one[key][at]} on 1 thread, ${two[key][at]} on 2); ${JSON.stringify(c)}`);
      }
    }), fcParams(80));
  } finally {
    setParallelThreshold(previous);
    await setThreads(1);
  }
  assert.ok(ran >= 40, `at least 40 of 80 cases had an output (${ran})`);
  assert.ok(weightSplit >= 20, `at least 20 cases cut the weight gradient (${weightSplit})`);
  assert.ok(byFilters >= 5, `at least 5 cases cut a one-image forward by filters (${byFilters})`);
});

test("a one-image forward with many filters: a part may take the kernel's other path (direct ≤ 8 A panels, im2col panels above) — the same bits", async () => {
  const previous = setParallelThreshold(0);
  let switched = 0;
  try {
    await fc.assert(fc.asyncProperty(fc.record({
      Cin: fc.integer({ min: 1, max: 6 }), Cout: fc.integer({ min: 33, max: 72 }), H: fc.integer({ min: 3, max: 12 }), W: fc.integer({ min: 3, max: 20 }),
      k: fc.integer({ min: 1, max: 3 }), padding: fc.integer({ min: 0, max: 1 }), strideH: fc.integer({ min: 1, max: 2 }),
      bias: fc.boolean(), seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    }), async (c) => {
      const attrs = conv2dAttrs({ stride: [c.strideH, 1], padding: c.padding });
      const rng = new Random(c.seed);
      const input = new Tensor(uniform(c.Cin * c.H * c.W, rng), [1, c.Cin, c.H, c.W]);
      const weight = new Tensor(uniform(c.Cout * c.Cin * c.k * c.k, rng), [c.Cout, c.Cin, c.k, c.k]);
      const inputs = { input, weight, ...(c.bias ? { bias: new Tensor(uniform(c.Cout, rng), [c.Cout]) } : {}) };
      await setThreads(1);
      const one = conv2dKernelOp.forward(inputs, attrs).outputs.output.data as Float32Array;
      await setThreads(2);
      // More than 8 panels of MR = 4 filters in all, at most 8 in a part: the whole call and the parts take different paths.
      if (c.Cout > 32 && Math.ceil(c.Cout / 8) * 4 <= 32) switched++;
      const two = conv2dKernelOp.forward(inputs, attrs).outputs.output.data as Float32Array;
      const at = sameBits(one, two);
      assert.is(at, -1, `first different element ${at} (${one[at]} on 1 thread, ${two[at]} on 2); ${JSON.stringify(c)}`);
    }), fcParams(40));
  } finally {
    setParallelThreshold(previous);
    await setThreads(1);
  }
  assert.ok(switched >= 10, `at least 10 cases switch paths between the whole call and its parts (${switched})`);
});

test("a Node process that started a pool exits by itself (the workers are unref'd)", () => {
  const threads = fileURLToPath(new URL("../../src/backend/threads.ts", import.meta.url));
  const load = fileURLToPath(new URL("../../src/backend/load.ts", import.meta.url));
  const sgemmFile = fileURLToPath(new URL("../../src/backend/sgemm.ts", import.meta.url));
  const program = [
    `import { loadKernelsSync } from ${JSON.stringify(load)};`,
    `import { setThreads } from ${JSON.stringify(threads)};`,
    `import { sgemm } from ${JSON.stringify(sgemmFile)};`,
    "loadKernelsSync();",
    "const n = 256, x = new Float32Array(n * n).fill(1), c = new Float32Array(n * n);",
    "console.log(await setThreads(2));",
    "sgemm(false, false, n, n, n, 1, x, n, x, n, 0, c, n);",
    "console.log(c[0], c[n * n - 1]);",
  ].join("\n");
  const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", program], { timeout: 60_000, encoding: "utf8" });
  assert.is(child.error, undefined, `the child process ended within 60 s (${String(child.error)})`);
  assert.is(child.status, 0, child.stderr);
  assert.is(child.stdout.trim(), "2\n256 256");
});

test.run();
