import { test } from "uvu";
import * as assert from "uvu/assert";
import { gzipSync } from "node:zlib";
import { mkdtemp, writeFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { IdxError, decodeIdx, encodeIdx, gunzipIdx, isGzip, parseIdx, type IdxArray } from "../../src/data/idx.js";
import { gzipBomb } from "../support/gzip_bomb.js";
import { rejectsWith } from "../support/assertions.js";
import { datasetFromIdx } from "../../src/data/dataset.js";
import { loadIdxDirectory } from "../../src/data/node_files.js";

// A 2×2×3 uint8 IDX file written out byte by byte from the format description.
const HAND_MADE = new Uint8Array([
  0x00, 0x00, 0x08, 0x03, // magic: zero, zero, type uint8, rank 3
  0x00, 0x00, 0x00, 0x02, // 2 images
  0x00, 0x00, 0x00, 0x02, // height 2
  0x00, 0x00, 0x00, 0x03, // width 3
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 255,
]);

test("parses a hand-made uint8 file", () => {
  const a = parseIdx(HAND_MADE, "hand.idx");
  assert.is(a.type, "uint8");
  assert.equal([...a.dims], [2, 2, 3]);
  assert.equal([...a.data], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 255]);
});

test("reads the wider types big-endian", () => {
  const int16 = parseIdx(new Uint8Array([0, 0, 0x0b, 1, 0, 0, 0, 2, 0x01, 0x02, 0xff, 0xfe]));
  assert.equal([...int16.data], [258, -2]);
  const int32 = parseIdx(new Uint8Array([0, 0, 0x0c, 1, 0, 0, 0, 1, 0x00, 0x01, 0x00, 0x00]));
  assert.equal([...int32.data], [65536]);
  const f32 = parseIdx(new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 1, 0x3f, 0xc0, 0x00, 0x00])); // 1.5
  assert.equal([...f32.data], [1.5]);
  const f64 = parseIdx(new Uint8Array([0, 0, 0x0e, 1, 0, 0, 0, 1, 0xc0, 0x04, 0, 0, 0, 0, 0, 0])); // -2.5
  assert.equal([...f64.data], [-2.5]);
  const i8 = parseIdx(new Uint8Array([0, 0, 0x09, 1, 0, 0, 0, 2, 0x7f, 0x80]));
  assert.equal([...i8.data], [127, -128]);
});

test("any Uint8Array view parses: a Buffer from readFileSync and a subarray at an odd offset", async () => {
  const int8 = encodeIdx({ type: "int8", dims: [3], data: new Int8Array([-1, 2, -128]) });
  const dir = await mkdtemp(join(tmpdir(), "nnref-idx-"));
  try {
    await writeFile(join(dir, "i8.idx"), int8);
    const buffer = readFileSync(join(dir, "i8.idx"));
    assert.equal([...(await decodeIdx(buffer, "i8.idx")).data], [-1, 2, -128]);
    const big = new Uint8Array(int8.length + 3);
    big.set(int8, 3);
    assert.equal([...parseIdx(big.subarray(3), "odd").data], [-1, 2, -128]);
    const u8 = parseIdx(Buffer.concat([Buffer.alloc(1), Buffer.from(HAND_MADE)]).subarray(1), "u8");
    assert.is(u8.data.constructor, Uint8Array, "a plain Uint8Array view, not a Buffer (whose slice() is no copy)");
    assert.equal([...u8.data], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 255]);
    const gz = gzipSync(int8);
    const framed = Buffer.concat([Buffer.from([9, 9, 9]), gz, Buffer.from([7, 7])]);
    assert.equal([...(await decodeIdx(framed.subarray(3, 3 + gz.length), "framed.gz")).data], [-1, 2, -128], "a gzip stream inside a larger Buffer");
  } finally {
    await rm(dir, { recursive: true });
  }
});

test("encodeIdx writes the hand-made bytes and round-trips every type", () => {
  assert.equal([...encodeIdx({ type: "uint8", dims: [2, 2, 3], data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 255]) })], [...HAND_MADE]);
  const cases: IdxArray[] = [
    { type: "int8", dims: [3], data: new Int8Array([-1, 0, 5]) },
    { type: "int16", dims: [2, 2], data: new Int16Array([-300, 7, 32767, -32768]) },
    { type: "int32", dims: [1, 2], data: new Int32Array([-70000, 2 ** 31 - 1]) },
    { type: "float32", dims: [2], data: new Float32Array([0.1, -3e20]) },
    { type: "float64", dims: [2], data: new Float64Array([Math.PI, -1e-300]) },
  ];
  for (const c of cases) {
    const back = parseIdx(encodeIdx(c));
    assert.is(back.type, c.type);
    assert.equal([...back.dims], [...c.dims]);
    assert.equal([...back.data], [...c.data]);
  }
});

test("gzipped files are detected and gunzipped (bytes from node:zlib, an independent compressor)", async () => {
  const gz = new Uint8Array(gzipSync(HAND_MADE));
  assert.ok(isGzip(gz));
  assert.not.ok(isGzip(HAND_MADE));
  assert.equal([...(await gunzipIdx(gz))], [...HAND_MADE]);
  const a = await decodeIdx(gz, "hand.idx.gz");
  assert.equal([...a.dims], [2, 2, 3]);
  assert.is(a.data[11], 255);
  assert.equal([...(await decodeIdx(HAND_MADE)).data], [...a.data]);
});

test("bad files get errors that name the file and what was expected", async () => {
  assert.throws(() => parseIdx(new Uint8Array([0, 0, 8]), "a.idx"), /a\.idx: expected an IDX header of at least 4 bytes, got 3 bytes/);
  assert.throws(() => parseIdx(new Uint8Array([1, 0, 8, 1, 0, 0, 0, 0]), "b.idx"), /b\.idx: expected the IDX magic number 00 00 <type> <rank>, got 01 00 08 01/);
  assert.throws(() => parseIdx(new Uint8Array([0, 0, 0x0a, 1, 0, 0, 0, 0]), "c.idx"), /c\.idx: expected an IDX type code 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E, got 0x0A/);
  assert.throws(() => parseIdx(new Uint8Array([0, 0, 8, 0]), "d.idx"), /d\.idx: expected at least one dimension, got rank 0/);
  assert.throws(() => parseIdx(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 2]), "e.idx"), /e\.idx: expected a header of 16 bytes for rank 3, got only 8 bytes \(truncated\)/);
  assert.throws(() => parseIdx(HAND_MADE.subarray(0, HAND_MADE.length - 1), "f.idx"), /f\.idx: expected 12 bytes of uint8 data for dims \[2, 2, 3\], got 11 \(truncated\)/);
  const extra = new Uint8Array([...HAND_MADE, 0]);
  assert.throws(() => parseIdx(extra, "g.idx"), /g\.idx: expected 12 bytes of uint8 data for dims \[2, 2, 3\], got 13 \(trailing bytes\)/);
  // A header that claims 4 billion × 4 billion images must fail on the size check, not allocate.
  assert.throws(() => parseIdx(new Uint8Array([0, 0, 8, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2]), "huge.idx"), /huge\.idx: expected 18446744\d+ bytes .* got 2 \(truncated\)/);
  assert.throws(() => parseIdx(new Uint8Array(gzipSync(HAND_MADE)), "h.gz"), /h\.gz: expected the IDX magic number .*\(a gzip stream: use decodeIdx, which gunzips\)/);
  const gz = new Uint8Array(gzipSync(HAND_MADE));
  await rejects(decodeIdx(gz.subarray(0, gz.length - 10), "cut.gz"), /cut\.gz: is not a valid gzip stream/);
});

async function rejects(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await p;
  } catch (err) {
    assert.match((err as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected a rejection matching ${pattern}`);
}

const labels3 = encodeIdx({ type: "uint8", dims: [3], data: new Uint8Array([0, 1, 2]) });
const images2 = HAND_MADE;

test("datasets check images against labels", async () => {
  const labels2 = encodeIdx({ type: "uint8", dims: [2], data: new Uint8Array([1, 0]) });
  const d = await datasetFromIdx(images2, labels2);
  assert.equal([d.count, d.channels, d.height, d.width, d.classes], [2, 1, 2, 3, 2]);
  await rejects(datasetFromIdx(images2, labels3, { images: "imgs", labels: "labs" }), /labs: expected 2 labels \(one per image in imgs\), got 3/);
  const floatImages = encodeIdx({ type: "float32", dims: [2, 1, 1], data: new Float32Array(2) });
  await rejects(datasetFromIdx(floatImages, labels2, { images: "f.idx" }), /f\.idx: expected uint8 pixels \(type code 0x08\), got float32/);
  const rank2Labels = encodeIdx({ type: "uint8", dims: [2, 1], data: new Uint8Array(2) });
  await rejects(datasetFromIdx(images2, rank2Labels, { labels: "l.idx" }), /l\.idx: expected labels of rank 1 \[count\], got dims \[2, 1\]/);
  const rank2Images = encodeIdx({ type: "uint8", dims: [2, 6], data: new Uint8Array(12) });
  await rejects(datasetFromIdx(rank2Images, labels2, { images: "i.idx" }), /i\.idx: expected images of rank 3 \[count, height, width\] or 4/);
});

test("a gzipped file that inflates past the size its header declares stops there, with the file's name", async () => {
  const bomb = gzipBomb(HAND_MADE.subarray(0, 16), 2); // declares 12 bytes of data, holds 2 MiB
  const err = await rejectsWith(() => decodeIdx(bomb, "bomb.gz"), /^bomb\.gz: inflates to more than the 28 bytes its header declares \(uint8 \[2, 2, 3\]\); stopped there/);
  assert.instance(err, IdxError);
  await rejectsWith(() => decodeIdx(new Uint8Array(gzipSync(new Uint8Array([0, 0, 8, 1, 0xff, 0xff, 0xff, 0xff]))), "big.gz"), /^big\.gz: its header declares 4294967295 bytes of uint8 data for dims \[4294967295\], more than \d+ bytes of gzip can inflate to/);
  await rejectsWith(() => decodeIdx(new Uint8Array(gzipSync(new Uint8Array([1, 2, 3, 4, 5]))), "magic.gz"), /^magic\.gz: expected the IDX magic number/);
});

test("labels are checked against the model's classes when given: file, index and value named", async () => {
  const labels = encodeIdx({ type: "uint8", dims: [2], data: new Uint8Array([1, 200]) });
  assert.is((await datasetFromIdx(images2, labels)).classes, 201, "without classes: the largest label + 1, as before");
  await rejects(datasetFromIdx(images2, labels, { labels: "labs.idx" }, { classes: 10 }), /^labs\.idx: label 200 at index 1 is not one of the model's 10 classes \(expected 0 … 9\)$/);
  assert.is((await datasetFromIdx(images2, labels, {}, { classes: 201 })).classes, 201);
  const ok = encodeIdx({ type: "uint8", dims: [2], data: new Uint8Array([1, 0]) });
  assert.is((await datasetFromIdx(images2, ok, {}, { classes: 10 })).classes, 10, "the model's classes, not the largest label + 1");
});

test("loadIdxDirectory reads the four standard names, .gz or not, and names what is missing", async () => {
  const dir = await mkdtemp(join(tmpdir(), "nnref-idx-"));
  try {
    const labels2 = encodeIdx({ type: "uint8", dims: [2], data: new Uint8Array([1, 0]) });
    await writeFile(join(dir, "train-images-idx3-ubyte"), images2);
    await writeFile(join(dir, "train-labels-idx1-ubyte.gz"), gzipSync(labels2));
    await writeFile(join(dir, "t10k-images-idx3-ubyte.gz"), gzipSync(images2));
    await rejects(loadIdxDirectory(dir), /expected t10k-labels-idx1-ubyte or t10k-labels-idx1-ubyte\.gz \(an MNIST-style IDX directory\), found neither/);
    await writeFile(join(dir, "t10k-labels-idx1-ubyte"), labels3);
    await rejects(loadIdxDirectory(dir), /t10k-labels-idx1-ubyte: expected 2 labels \(one per image in .*t10k-images-idx3-ubyte\.gz\), got 3/);
    await writeFile(join(dir, "t10k-labels-idx1-ubyte"), labels2);
    const data = await loadIdxDirectory(dir);
    assert.is(data.train.count, 2);
    assert.equal([...data.test.labels], [1, 0]);
  } finally {
    await rm(dir, { recursive: true });
  }
});

test.run();
