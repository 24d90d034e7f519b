/**
 * `nnref export` and `nnref run`: a zoo model with weights from a safetensors
 * file written as ONNX (checked in ONNX Runtime against the model itself),
 * then run by nnref on .npy and .safetensors inputs; bad arguments and files
 * give exit statuses and messages naming them. In-process through the CLI's
 * main, with console output captured.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.js";
import { getBackend, setBackend } from "../../src/backend/dispatch.js";
import { Random } from "../../src/random.js";
import { randn, type Tensor } from "../../src/tensor.js";
import { Variable } from "../../src/autograd/variable.js";
import { noGrad } from "../../src/autograd/apply.js";
import { buildModel } from "../../src/models/index.js";
import { encodeSafetensors } from "../../src/io/safetensors.js";
import { relativeError, runOrt } from "../onnx/onnx_graph.js";

const dir = mkdtempSync(join(tmpdir(), "nnref-onnx-cli-"));

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const log = console.log, error = console.error;
  const backend = getBackend(); // --backend sets the process-wide backend: restored for the specs that follow
  console.log = (...a: unknown[]) => void out.push(a.join(" "));
  console.error = (...a: unknown[]) => void err.push(a.join(" "));
  try {
    const code = await main(args);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
    setBackend(backend);
  }
}

/** A version 1.0 .npy file of float32 `t` (the format written out by hand, as numpy.save lays it). */
function npyBytes(t: Tensor): Uint8Array {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${t.shape.join(", ")}${t.rank === 1 ? "," : ""}), }`;
  const header = dict + " ".repeat((64 - ((10 + dict.length + 1) % 64)) % 64) + "\n";
  const out = new Uint8Array(10 + header.length + 4 * t.size);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(Float32Array.from(t.data).buffer), 10 + header.length);
  return out;
}

const rng = new Random(21);
const lenet = buildModel("lenet5", rng, { numClasses: 7 }).eval();
const weights = join(dir, "lenet5.safetensors");
writeFileSync(weights, encodeSafetensors(lenet.stateDict()));
const image = randn([1, 28, 28], rng);
const logits = noGrad(() => lenet.forward(new Variable(image.reshape([1, 1, 28, 28])))).value;
const onnxFile = join(dir, "lenet5.onnx");

test("export: writes the model with its weights (classes taken from the weights); ONNX Runtime gives the model's logits", async () => {
  const { code, out } = await cli("export", "lenet5", "--weights", weights, "--onnx", onnxFile);
  assert.is(code, 0);
  assert.match(out, /lenet5\.onnx: lenet5 as ONNX \(opset 13\), 44,\d{3} parameters, input \[batch, 1, 28, 28\]/);
  const ort = (await runOrt(new Uint8Array(readFileSync(onnxFile)), { input: image.reshape([1, 1, 28, 28]) })).output;
  assert.equal([...ort.shape], [1, 7]);
  assert.ok(relativeError(ort, logits) <= 1e-4);
});

test("run --json on a .npy input without the batch dimension: shapes and the top classes of the model's own logits", async () => {
  const input = join(dir, "image.npy");
  writeFileSync(input, npyBytes(image));
  const { code, out } = await cli("run", onnxFile, "--input", input, "--json", "--top", "3", "--backend", "js");
  assert.is(code, 0);
  const j = JSON.parse(out.split("\n").pop()!);
  assert.is(j.opset, 13);
  assert.is(j.backend, "js");
  assert.equal(j.input, { name: "input", shape: [1, 1, 28, 28] });
  assert.is(j.outputs[0].name, "output");
  assert.equal(j.outputs[0].shape, [1, 7]);
  const order = [...logits.data].map((v, i) => [v, i]).sort((a, b) => b[0] - a[0]).slice(0, 3);
  assert.equal(j.outputs[0].top[0].map((t: { index: number }) => t.index), order.map(([, i]) => i));
  j.outputs[0].top[0].forEach((t: { value: number }, r: number) => assert.ok(Math.abs(t.value - order[r][0]) <= 1e-5 * (1 + Math.abs(order[r][0]))));
});

test("run on a .safetensors input prints the output shape and the top values per row", async () => {
  const input = join(dir, "batch.safetensors");
  const batch = randn([2, 1, 28, 28], rng);
  writeFileSync(input, encodeSafetensors({ input: batch }));
  const { code, out } = await cli("run", onnxFile, "--input", input);
  assert.is(code, 0);
  assert.match(out, /opset 13, 12 nodes, backend (js|wasm); input input \[2, 1, 28, 28\]\noutput output \[2, 7\]\n  row 0: \d: -?\d/);
  assert.match(out, /\n  row 1: (\d: -?[\d.e-]+ {2}){4}\d: -?[\d.e-]+$/);
});

test("bad arguments and files: exit 2 with usage, or 1 with a message naming the file", async () => {
  assert.is((await cli("run", onnxFile)).code, 2);
  assert.is((await cli("export", "lenet5", "--onnx", join(dir, "x.onnx"))).code, 2);
  assert.is((await cli("export", "nosuchnet", "--weights", weights, "--onnx", join(dir, "x.onnx"))).code, 2);
  const txt = join(dir, "input.txt");
  writeFileSync(txt, "1 2 3");
  const wrongKind = await cli("run", onnxFile, "--input", txt);
  assert.is(wrongKind.code, 1);
  assert.match(wrongKind.err, /input\.txt: expected a \.npy or \.safetensors file/);
  const garbage = join(dir, "garbage.onnx");
  writeFileSync(garbage, new Uint8Array([0x3a, 0x05, 1, 2]));
  const bad = await cli("run", garbage, "--input", txt);
  assert.is(bad.code, 1);
  assert.match(bad.err, /^nnref run: .*garbage\.onnx: model\.graph: declared length 5 runs past the end/);
  const mismatch = await cli("export", "mlp", "--weights", weights, "--onnx", join(dir, "mlp.onnx"));
  assert.is(mismatch.code, 1);
  assert.match(mismatch.err, /lenet5\.safetensors: does not fit mlp.*loadStateDict: missing/);
  assert.not.ok(existsSync(join(dir, "mlp.onnx")));
});

test.run();
