import { gzipSync, deflateSync, deflateRawSync, crc32 as zlibCrc32 } from "node:zlib";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { crc32 } from "../../src/io/crc32.js";
import { InflateError, inflateBounded } from "../../src/io/inflate.js";
import { rejectsWith } from "../support/assertions.js";

const text = new TextEncoder().encode("nnref ".repeat(1000));

test("crc32: the check value of '123456789' is 0xCBF43926 (the standard's test vector)", () => {
  assert.is(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  assert.is(crc32(new Uint8Array(0)), 0);
});

test("crc32: continues over pieces, and agrees with node:zlib on random bytes", () => {
  const bytes = new Uint8Array(4097).map((_, i) => (i * 7919 + 13) & 0xff);
  assert.is(crc32(bytes.subarray(1000), crc32(bytes.subarray(0, 1000))), crc32(bytes));
  if (typeof zlibCrc32 === "function") assert.is(crc32(bytes), zlibCrc32(bytes));
});

test("inflateBounded: gzip, zlib and raw deflate round-trip node:zlib's output", async () => {
  for (const [format, packed] of [["gzip", gzipSync(text)], ["deflate", deflateSync(text)], ["deflate-raw", deflateRawSync(text)]] as const) {
    const out = await inflateBounded(new Uint8Array(packed), format, text.length, "x.bin");
    assert.equal(out, text, format);
  }
});

test("inflateBounded: output one byte past the bound is refused with the file's name", async () => {
  const packed = new Uint8Array(gzipSync(text));
  try {
    await inflateBounded(packed, "gzip", text.length - 1, "bomb.gz");
    assert.unreachable("should refuse");
  } catch (err) {
    assert.instance(err, InflateError);
    assert.match((err as Error).message, /^bomb\.gz: inflates to more than the 5999 bytes/);
  }
});

test("inflateBounded: a 100 MB bomb is stopped at a 1 MB bound without inflating it all", async () => {
  const bomb = new Uint8Array(gzipSync(new Uint8Array(100 * 1024 * 1024)));
  const before = process.memoryUsage().arrayBuffers;
  await rejectsWith(() => inflateBounded(bomb, "gzip", 1 << 20, "bomb.gz"), /more than the 1048576 bytes/);
  assert.ok(process.memoryUsage().arrayBuffers - before < 32 * 1024 * 1024, "held far less than the inflated size");
});

test("inflateBounded: corrupt and truncated streams are clear errors", async () => {
  const packed = new Uint8Array(gzipSync(text));
  await rejectsWith(() => inflateBounded(packed.subarray(0, packed.length - 10), "gzip", 1e9, "cut.gz"), /^cut\.gz: is not a valid gzip stream/);
  const garbage = packed.slice();
  garbage[20] ^= 0xff;
  garbage[21] ^= 0xff;
  await rejectsWith(() => inflateBounded(garbage, "gzip", 1e9, "bad.gz"), /bad\.gz/);
});

test.run();
