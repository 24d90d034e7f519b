// fetchIdxFiles / fetchIdxDataset over real HTTP (a local server): the same data as read from disk, whether the
// server sends the .gz bytes or decodes them itself (Content-Encoding: gzip); a failed request and a corrupt file
// get errors naming the URL.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type Server } from "node:http";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { IDX_FILE_NAMES, decodeIdx, fetchIdxDataset, fetchIdxFiles, parseIdx, type IdxFileRole } from "../../src/data/index.js";

const EMBEDDED = fileURLToPath(new URL("../../src/data/embedded/", import.meta.url));
const ROLES = Object.keys(IDX_FILE_NAMES) as IdxFileRole[];
const gzipped = (role: IdxFileRole) => readFileSync(`${EMBEDDED}${IDX_FILE_NAMES[role]}.gz`);

/** Serves /plain/<name>.gz as stored, /encoded/<name>.gz inflated with Content-Encoding: gzip, /corrupt/ with a damaged train-images file. */
function serve(): Promise<{ server: Server; base: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? "");
    const [, mode, name] = (req.url ?? "").split("/");
    const role = ROLES.find((r) => `${IDX_FILE_NAMES[r]}.gz` === name);
    if (role === undefined) {
      res.writeHead(404).end();
      return;
    }
    let body = gzipped(role);
    if (mode === "encoded") {
      body = gzipSync(gzipped(role)); // the wire carries the .gz gzipped again; fetch undoes that layer
      res.writeHead(200, { "content-encoding": "gzip", "content-length": body.length });
    } else {
      if (mode === "corrupt" && role === "trainImages") {
        body = Buffer.from(body);
        body.fill(0x55, 100, 400);
      }
      res.writeHead(200, { "content-length": body.length });
    }
    res.end(body);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => {
    const address = server.address() as { port: number };
    resolve({ server, base: `http://127.0.0.1:${address.port}/`, requests });
  }));
}

test("the four files arrive inflated, byte for byte what decodeIdx makes of the files on disk", async () => {
  const { server, base } = await serve();
  try {
    const files = await fetchIdxFiles(`${base}plain/`);
    for (const role of ROLES) {
      const fromDisk = await decodeIdx(new Uint8Array(gzipped(role)), role);
      const fetched = parseIdx(files[role], role);
      assert.equal(fetched.dims, fromDisk.dims, role);
      assert.ok(Buffer.from(fetched.data.buffer, fetched.data.byteOffset, fetched.data.byteLength).equals(Buffer.from(fromDisk.data.buffer, fromDisk.data.byteOffset, fromDisk.data.byteLength)), `${role}: bytes differ`);
    }
  } finally {
    server.close();
  }
});

test("a server that sends the .gz with Content-Encoding: gzip gives the same data (fetch already removed the outer layer)", async () => {
  const { server, base } = await serve();
  try {
    const plain = await fetchIdxDataset(`${base}plain/`, "plain");
    // The wire carries gzip(.gz); fetch undoes the Content-Encoding layer and the .gz inside is still inflated here.
    const encoded = await fetchIdxDataset(`${base}encoded/`, "encoded");
    assert.is(encoded.train.count, plain.train.count);
    assert.ok(Buffer.from(encoded.train.images).equals(Buffer.from(plain.train.images)));
    assert.ok(Buffer.from(encoded.test.labels).equals(Buffer.from(plain.test.labels)));
  } finally {
    server.close();
  }
});

test("a caller's fetch function is used for every request (a page hands back requests it started earlier)", async () => {
  const { server, base } = await serve();
  try {
    const asked: string[] = [];
    await fetchIdxFiles(`${base}plain`, (url) => {
      asked.push(url.pathname);
      return fetch(url);
    });
    assert.equal(asked.sort(), ROLES.map((r) => `/plain/${IDX_FILE_NAMES[r]}.gz`).sort());
  } finally {
    server.close();
  }
});

test("a missing file and a corrupt file get errors naming the URL", async () => {
  const { server, base } = await serve();
  try {
    const missing = await fetchIdxFiles(`${base}none/x/`).then(() => "no error", (e: Error) => e.message);
    assert.match(missing, /none\/x\/[a-z0-9-]+\.gz: HTTP 404/);
    const corrupt = await fetchIdxFiles(`${base}corrupt/`).then(() => "no error", (e: Error) => e.message);
    assert.match(corrupt, /^http:\/\/127\.0\.0\.1:\d+\/corrupt\/train-images-idx3-ubyte\.gz: is not a valid gzip stream/);
  } finally {
    server.close();
  }
});

test.run();
