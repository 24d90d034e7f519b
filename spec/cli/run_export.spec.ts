/**
 * `nnref export` and `nnref run`: a zoo model with weights from a safetensors
 * file written as ONNX (checked in ONNX Runtime against the model itself),
 * then run by nnref on .npy and .safetensors inputs and on PNG/PGM images; bad arguments and files
 * give exit statuses and messages naming them. In-process through the CLI's
 * main, with console output captured.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.js";
import { runCommand, type CommandOutput } from "../support/cli.js";
import { getBackend, setBackend } from "../../src/backend/dispatch.js";
import { Random } from "../../src/random.js";
import { Tensor, randn } from "../../src/tensor.js";
import { Variable } from "../../src/autograd/variable.js";
import { noGrad } from "../../src/autograd/apply.js";
import { buildModel } from "../../src/models/index.js";
import { exportOnnx } from "../../src/onnx/export.js";
import { encodeSafetensors } from "../../src/io/safetensors.js";
import { encodePng } from "../../src/io/png_encode.js";
import { relativeError, runOrt } from "../onnx/onnx_graph.js";

const dir = mkdtempSync(join(tmpdir(), "nnref-onnx-cli-"));

async function cli(...args: string[]): Promise<CommandOutput> {
  const backend = getBackend(); // --backend sets the process-wide backend: restored for the specs that follow
  try {
    return await runCommand(main, args);
  } finally {
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

/** The top-3 classes and logits of `lenet` on one 28×28 picture standardized (p/255 − mean)/std here, by hand. */
function expectedTop(pixels: Uint8Array, mean: number, std: number): Array<[number, number]> {
  const x = new Tensor(Float32Array.from(pixels, (p) => (p / 255 - mean) / std), [1, 1, 28, 28]);
  const z = noGrad(() => lenet.forward(new Variable(x))).value;
  return [...z.data].map((v, i): [number, number] => [v, i]).sort((a, b) => b[0] - a[0]).slice(0, 3);
}

function assertTop(j: { outputs: Array<{ top: Array<Array<{ index: number; value: number }>> }> }, want: Array<[number, number]>): void {
  assert.equal(j.outputs[0].top[0].map((t) => t.index), want.map(([, i]) => i));
  j.outputs[0].top[0].forEach((t, r) => assert.ok(Math.abs(t.value - want[r][0]) <= 1e-5 * (1 + Math.abs(want[r][0])), `logit ${t.value} vs ${want[r][0]}`));
}

// A light shape on a black ground, as Fashion-MNIST's pictures are: a 28×28 gray image feeds the model unchanged.
const picture = Uint8Array.from({ length: 28 * 28 }, (_, i) => {
  const y = Math.floor(i / 28), x = i % 28;
  return y < 2 || y > 25 || x < 2 || x > 25 ? 0 : (x * 7 + y * 3) % 256;
});

test("run on a 28×28 gray PNG: the pixels standardized with --mean/--std are the input; --json reports them", async () => {
  const input = join(dir, "shape.png");
  writeFileSync(input, await encodePng(picture, 28, 28));
  const { code, out } = await cli("run", onnxFile, "--input", input, "--mean", "0.2", "--std", "0.5", "--json", "--top", "3", "--backend", "js");
  assert.is(code, 0);
  const j = JSON.parse(out.split("\n").pop()!);
  assert.equal(j.input, { name: "input", shape: [1, 1, 28, 28], mean: 0.2, std: 0.5, inverted: false });
  assertTop(j, expectedTop(picture, 0.2, 0.5));
});

test("run on a 56×56 dark-on-light PGM: inverted (its border is light) and shrunk by area averaging to the model's 28×28", async () => {
  // Each pixel of the picture repeated 2×2 and stored as 255 − p: averaging 2×2 blocks and inverting gives the picture back exactly.
  const big = new Uint8Array(56 * 56);
  for (let y = 0; y < 56; y++) for (let x = 0; x < 56; x++) big[y * 56 + x] = 255 - picture[(y >> 1) * 28 + (x >> 1)];
  const header = new TextEncoder().encode("P5\n56 56\n255\n");
  const input = join(dir, "negative.pgm");
  writeFileSync(input, Buffer.concat([header, big]));
  const text = await cli("run", onnxFile, "--input", input, "--mean", "0", "--std", "1", "--backend", "js");
  assert.is(text.code, 0);
  assert.match(text.out, /input input \[1, 1, 28, 28\]\n.*negative\.pgm: \(pixel\/255 − 0\)\/1, inverted \(light background\)\n/);
  const { out } = await cli("run", onnxFile, "--input", input, "--mean", "0", "--std", "1", "--json", "--top", "3", "--backend", "js");
  const j = JSON.parse(out.split("\n").pop()!);
  assert.is(j.input.inverted, true);
  assertTop(j, expectedTop(picture, 0, 1));
  const kept = JSON.parse((await cli("run", onnxFile, "--input", input, "--mean", "0", "--std", "1", "--polarity", "keep", "--json", "--backend", "js")).out.split("\n").pop()!);
  assert.is(kept.input.inverted, false);
});

test("image input errors: no standardization or a bad one (exit 2), image flags on a tensor file (exit 2), an undecodable image and a model that takes no image (exit 1, naming the file)", async () => {
  const input = join(dir, "shape.png");
  const missing = await cli("run", onnxFile, "--input", input);
  assert.is(missing.code, 2);
  assert.match(missing.err, /nnref run: an image input needs --mean X --std Y, the standardization the model was trained with/);
  assert.match((await cli("run", onnxFile, "--input", input, "--mean", "0", "--std", "0")).err, /--std: expected a finite number > 0, got "0"/);
  assert.match((await cli("run", onnxFile, "--input", input, "--mean", "0", "--std", "1", "--polarity", "dark")).err, /--polarity: expected auto, invert or keep, got "dark"/);
  const npy = join(dir, "image.npy");
  const onTensor = await cli("run", onnxFile, "--input", npy, "--mean", "0", "--std", "1");
  assert.is(onTensor.code, 2);
  assert.match(onTensor.err, /--mean, --std and --polarity apply to an image input \(\.png or \.pgm\) only/);
  const jpeg = join(dir, "photo.png");
  writeFileSync(jpeg, new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0]));
  const undecodable = await cli("run", onnxFile, "--input", jpeg, "--mean", "0", "--std", "1");
  assert.is(undecodable.code, 1);
  assert.match(undecodable.err, /photo\.png: expected a PNG or PGM \(P2\/P5\) image, got a JPEG/);
  const vectorModel = join(dir, "vector.onnx");
  writeFileSync(vectorModel, exportOnnx(buildModel("mlp", new Random(3), { hidden: 4 }).eval(), [1, 784]));
  const noImage = await cli("run", vectorModel, "--input", input, "--mean", "0", "--std", "1");
  assert.is(noImage.code, 1);
  assert.match(noImage.err, /shape\.png: an image feeds a model whose input is FLOAT \[N, C, H, W\] with C = 1 or 3 and fixed H, W; the model's input "input" is FLOAT \[batch, 784\]/);
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
