#!/usr/bin/env node
// A small static file server for the built playground (no dependency):
// binds 127.0.0.1 only, serves GET and HEAD from one folder with the right
// MIME types (application/wasm included), refuses any path outside the
// folder, and sends COOP/COEP headers so the page is cross-origin isolated
// (what shared wasm memory, and so wasm threads, need in a browser);
// --no-isolation leaves them out, to see the page as a host without them
// serves it (one kernel thread).
//
//   node scripts/serve_playground.mjs [--port N] [--dir DIR] [--no-isolation]
// (`npm run playground` builds first; default port 8080, DIR docs/playground/dist.)
import { createServer } from "node:http";
import { createReadStream, statSync } from "node:fs";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** Content types by file extension. */
export const MIME_TYPES = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".gz": "application/gzip",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".safetensors": "application/octet-stream",
};

/** Headers on every response: cross-origin isolation, no sniffing, no caching of a dev build. */
export const SECURITY_HEADERS = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
  "X-Content-Type-Options": "nosniff",
  "Cache-Control": "no-cache",
};

/** The two headers that make a page cross-origin isolated (left out with `isolated: false`). */
const ISOLATION_HEADERS = ["Cross-Origin-Opener-Policy", "Cross-Origin-Embedder-Policy"];

/** The file under `root` that `urlPath` names, or null when it lies outside `root` or is malformed. */
export function resolveInside(root, urlPath) {
  let path;
  try {
    path = decodeURIComponent(urlPath.split("?")[0].split("#")[0]);
  } catch {
    return null;
  }
  if (path.includes("\0") || !path.startsWith("/")) return null;
  const full = resolve(root, `.${path}`);
  return full === root || full.startsWith(root + sep) ? full : null;
}

/**
 * Starts serving `dir` on 127.0.0.1:`port` (0: any free port); resolves to
 * { server, url }. `isolated: false` leaves out COOP/COEP: the page is then
 * not cross-origin isolated.
 */
export function startServer({ dir, port = 8080, isolated = true }) {
  const root = resolve(dir);
  const headers = Object.fromEntries(Object.entries(SECURITY_HEADERS).filter(([name]) => isolated || !ISOLATION_HEADERS.includes(name)));
  const server = createServer((req, res) => {
    const reply = (status, text) => {
      res.writeHead(status, { ...headers, "Content-Type": "text/plain; charset=utf-8" });
      res.end(req.method === "HEAD" ? undefined : `${status} ${text}\n`);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return reply(405, "method not allowed: GET or HEAD only");
    let file = resolveInside(root, req.url ?? "/");
    if (file === null) return reply(403, "forbidden: outside the served folder");
    let stat;
    try {
      stat = statSync(file);
      if (stat.isDirectory()) {
        file = join(file, "index.html");
        stat = statSync(file);
      }
    } catch {
      return reply(404, "not found");
    }
    if (!stat.isFile()) return reply(404, "not found");
    res.writeHead(200, {
      ...headers,
      "Content-Type": MIME_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream",
      "Content-Length": stat.size,
    });
    if (req.method === "HEAD") return res.end();
    createReadStream(file).on("error", () => res.destroy()).pipe(res);
  });
  return new Promise((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const { port: actual } = server.address();
      resolvePromise({ server, url: `http://127.0.0.1:${actual}/` });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : fallback;
  };
  const dir = arg("dir", fileURLToPath(new URL("../docs/playground/dist/", import.meta.url)));
  const port = Number(arg("port", process.env.PORT ?? "8080"));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve-playground: --port: expected 0 … 65535, got ${arg("port", process.env.PORT)}`);
    process.exit(2);
  }
  try {
    statSync(join(dir, "index.html"));
  } catch {
    console.error(`serve-playground: ${dir} has no index.html — build it first with \`npm run build:playground\``);
    process.exit(1);
  }
  const isolated = !process.argv.includes("--no-isolation");
  startServer({ dir, port, isolated }).then(
    ({ url }) => console.log(`playground: ${url}  (serving ${dir} on 127.0.0.1 only${isolated ? "" : ", not cross-origin isolated: one kernel thread"}; Ctrl-C stops)`),
    (err) => {
      console.error(`serve-playground: ${err.code === "EADDRINUSE" ? `port ${port} is in use; try --port 0 for any free port` : err.message}`);
      process.exit(1);
    },
  );
}
