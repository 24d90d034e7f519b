import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { gunzipSync, gzipSync } from "node:zlib";
import { mkdtempSync, mkdirSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeIdx } from "../../src/data/idx.js";
import { gzipBomb } from "../support/gzip_bomb.js";

// Malformed IDX directories loaded in a fresh process that reports each one's peak memory
// (issue 9: under 2× the declared data size or 64 MB, whichever is larger).
const MB = 1e6;
const root = mkdtempSync(join(tmpdir(), "nnref-idx-memory-"));

/** The header of a uint8 images file of `count` 28×28 images. */
function imagesHeader(count: number): Uint8Array {
  return encodeIdx({ type: "uint8", dims: [count, 28, 28], data: new Uint8Array(count * 784) }).subarray(0, 16);
}

/** A directory whose train images file is `name` with `bytes`; the three other files are small and valid. */
function directory(dirName: string, name: string, bytes: Uint8Array): string {
  const dir = join(root, dirName);
  mkdirSync(dir);
  const labels = encodeIdx({ type: "uint8", dims: [2], data: new Uint8Array([1, 0]) });
  const images = encodeIdx({ type: "uint8", dims: [2, 28, 28], data: new Uint8Array(2 * 784) });
  writeFileSync(join(dir, "train-labels-idx1-ubyte"), labels);
  writeFileSync(join(dir, "t10k-images-idx3-ubyte"), images);
  writeFileSync(join(dir, "t10k-labels-idx1-ubyte"), labels);
  writeFileSync(join(dir, name), bytes);
  return dir;
}

test("malformed IDX directories fail with the file's name and peak memory under max(2 × declared, 64 MB)", () => {
  const warm = directory("warm", "train-images-idx3-ubyte.gz", gzipSync(encodeIdx({ type: "uint8", dims: [2, 28, 28], data: new Uint8Array(2 * 784) })));
  const smallBomb = gzipBomb(imagesHeader(1000), 64);
  assert.is(gunzipSync(smallBomb).length, 64 * 2 ** 20, "the bomb is a valid gzip stream of 64 MiB (node:zlib agrees)");
  const cases = [
    // 784,016 bytes declared, 64 MiB inside: stop at the declared size.
    { dir: directory("bomb", "train-images-idx3-ubyte.gz", smallBomb), declared: 1000 * 784, expect: /train-images-idx3-ubyte\.gz: inflates to more than the 784016 bytes its header declares/ },
    // 65535³ bytes declared in a few dozen bytes of gzip: refused before any allocation.
    { dir: directory("huge", "train-images-idx3-ubyte.gz", gzipSync(encodeIdx({ type: "uint8", dims: [1, 1, 1], data: new Uint8Array(1) }).map((b, i) => (i >= 4 && i < 16 && (i % 4 === 2 || i % 4 === 3) ? 0xff : b)))), declared: 65535 ** 3, expect: /train-images-idx3-ubyte\.gz: its header declares 281462092005375 bytes .* more than \d+ bytes of gzip can inflate to/ },
    // A plain file of 200 MB (sparse) whose header declares ten images: refused from the header and the file size.
    { dir: directory("long", "train-images-idx3-ubyte", imagesHeader(10)), declared: 10 * 784, expect: /train-images-idx3-ubyte: expected 7840 bytes of uint8 data for dims \[10, 28, 28\], got 199999984 \(trailing bytes\)/ },
    // 39.2 MB declared, 100 MiB inside: the one case allowed past 64 MB (2 × 39.2 MB).
    { dir: directory("big-bomb", "train-images-idx3-ubyte.gz", gzipBomb(imagesHeader(50_000), 100)), declared: 50_000 * 784, expect: /inflates to more than the 39200016 bytes its header declares/ },
  ];
  truncateSync(join(root, "long", "train-images-idx3-ubyte"), 200 * MB);
  const child = fileURLToPath(new URL("./idx_memory_child.ts", import.meta.url));
  const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", child, warm, ...cases.map((c) => c.dir)], { encoding: "utf8", timeout: 60_000 });
  assert.is(r.status, 0, r.stderr);
  const reports = r.stdout.trim().split("\n").map((line) => JSON.parse(line));
  assert.is(reports.length, cases.length);
  cases.forEach((c, i) => {
    const { message, peakBytes, how, ms } = reports[i];
    assert.match(message, c.expect, `${c.dir}: ${message}`);
    assert.match(message, /^IdxError: /);
    const limit = Math.max(2 * c.declared, 64 * MB);
    assert.ok(peakBytes < limit, `${c.dir}: peak memory grew by ${(peakBytes / MB).toFixed(1)} MB (${how}), limit ${(limit / MB).toFixed(1)} MB; ${ms.toFixed(0)} ms`);
  });
});

test.after(() => {
  rmSync(root, { recursive: true });
});

test.run();
