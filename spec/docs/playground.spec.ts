// The playground's build and its static server, without a browser (the
// browser run is `npm run test:browser`, scripts/test_browser.mjs).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request, type IncomingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const serverModule = new URL("../../scripts/serve_playground.mjs", import.meta.url).href;

interface Served {
  server: { close(): void; address(): { address: string; port: number } };
  url: string;
}

/** A raw request: the path is sent as given, not normalized as a URL would be. */
function get(url: string, path: string, method = "GET"): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("the static server: MIME types (wasm too), COOP/COEP, 127.0.0.1 only, paths outside the folder refused", async () => {
  const base = mkdtempSync(join(tmpdir(), "nnref-serve-"));
  const dir = join(base, "site");
  mkdirSync(join(dir, "sub"), { recursive: true });
  writeFileSync(join(dir, "index.html"), "<!doctype html><title>t</title>");
  writeFileSync(join(dir, "k.wasm"), new Uint8Array([0, 97, 115, 109]));
  writeFileSync(join(dir, "sub", "x.js"), "1");
  writeFileSync(join(base, "secret.txt"), "SECRET-CONTENT");
  const { startServer } = (await import(serverModule)) as { startServer(o: { dir: string; port: number }): Promise<Served> };
  const { server, url } = await startServer({ dir, port: 0 });
  try {
    assert.is(server.address().address, "127.0.0.1");
    const index = await get(url, "/");
    assert.is(index.status, 200);
    assert.is(index.headers["content-type"], "text/html; charset=utf-8");
    assert.is(index.headers["cross-origin-opener-policy"], "same-origin");
    assert.is(index.headers["cross-origin-embedder-policy"], "require-corp");
    assert.is((await get(url, "/k.wasm")).headers["content-type"], "application/wasm");
    assert.is((await get(url, "/sub/x.js?v=1")).headers["content-type"], "text/javascript; charset=utf-8");
    for (const path of ["/../secret.txt", "/%2e%2e/secret.txt", "/sub/..%2f..%2fsecret.txt", "/..%5csecret.txt"]) {
      const r = await get(url, path);
      assert.ok(r.status === 403 || r.status === 404, `${path}: status ${r.status}`);
      assert.not.match(r.body, /SECRET-CONTENT/, path);
    }
    assert.is((await get(url, "/../secret.txt")).status, 403);
    assert.is((await get(url, "/missing.js")).status, 404);
    assert.is((await get(url, "/", "POST")).status, 405);
  } finally {
    server.close();
    rmSync(base, { recursive: true, force: true });
  }
});

test("the static server with isolated: false leaves out COOP/COEP only", async () => {
  const dir = mkdtempSync(join(tmpdir(), "nnref-serve-"));
  writeFileSync(join(dir, "index.html"), "<!doctype html><title>t</title>");
  const { startServer } = (await import(serverModule)) as { startServer(o: { dir: string; port: number; isolated?: boolean }): Promise<Served> };
  const { server, url } = await startServer({ dir, port: 0, isolated: false });
  try {
    const index = await get(url, "/");
    assert.is(index.status, 200);
    assert.is(index.headers["cross-origin-opener-policy"], undefined);
    assert.is(index.headers["cross-origin-embedder-policy"], undefined);
    assert.is(index.headers["x-content-type-options"], "nosniff");
    assert.is((await get(url, "/missing.js")).headers["cross-origin-embedder-policy"], undefined);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("build-playground: bundles the page and the worker, copies the data, prints the size budget", () => {
  const out = mkdtempSync(join(tmpdir(), "nnref-playground-"));
  try {
    const r = spawnSync(process.execPath, [join(root, "scripts/build_playground.mjs"), "--out", out], { cwd: root, encoding: "utf8" });
    assert.is(r.status, 0, r.stderr);
    for (const file of ["index.html", "style.css", "main.js", "worker.js", "data/train-images-idx3-ubyte.gz", "data/t10k-labels-idx1-ubyte.gz"]) assert.ok(existsSync(join(out, file)), file);
    assert.match(r.stdout, /budget: page JavaScript [\d.]+ KB gzipped.*\(budget ≤ 150 KB\): met/);
    assert.match(readFileSync(join(out, "index.html"), "utf8"), /<script src="main.js"/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test.run();
