/**
 * socket.io's `serveClient`: `<path>/socket.io(.msgpack|.esm)(.min).js(.map)` from the
 * `socket.io-client` package installed next to the application (socket.io ships its own copy;
 * sio-gateway does not). When that package cannot be found, nothing is served.
 * @module
 */
import { createReadStream, existsSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pipeline } from "node:stream";
import { createBrotliCompress, createDeflate, createGzip } from "node:zlib";
import { corsPolicy } from "../http/cors_policy.ts";
import type { CorsOptions } from "../http/types.ts";

/** Where the bundle lives and its version (the ETag). */
interface Bundle {
  readonly dir: string;
  readonly version: string;
}

let cached: Bundle | null | undefined;

function findBundle(): Bundle | null {
  if (cached !== undefined) return cached;
  cached = null;
  const bases = [join(process.cwd(), "noop.js"), import.meta.url];
  for (const base of bases) {
    try {
      const require = createRequire(base);
      const manifest = require.resolve("socket.io-client/package.json");
      const dir = join(manifest, "..", "dist");
      if (!existsSync(join(dir, "socket.io.js"))) continue;
      const version = (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
      cached = { dir, version };
      break;
    } catch {
      // not resolvable from there
    }
  }
  return cached;
}

/** The request matcher of the client files under `path` (no trailing slash). */
export function clientPathRegex(path: string): RegExp {
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(
    "^" + escaped + "/socket\\.io(\\.msgpack|\\.esm)?(\\.min)?\\.js(\\.map)?(?:\\?|$)",
  );
}

/** Serves one client file; false when no bundle is installed (the request goes on). */
export async function serveClientFile(
  path: string,
  cors: CorsOptions | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const bundle = findBundle();
  if (!bundle) return false;
  const filename = (req.url ?? "").slice(path.length + 1).replace(/\?.*$/, "");
  const isMap = filename.endsWith(".map");
  if (cors) await applyCors(cors, req, res);
  const etag = `"${bundle.version}"`;
  const given = req.headers["if-none-match"];
  if (given === etag || given === "W/" + etag) {
    res.writeHead(304);
    res.end();
    return true;
  }
  res.setHeader("Cache-Control", "public, max-age=0");
  res.setHeader("Content-Type", `application/${isMap ? "json" : "javascript"}; charset=utf-8`);
  res.setHeader("ETag", etag);
  const stream = createReadStream(join(bundle.dir, filename));
  const encoding = pickEncoding(req.headers["accept-encoding"]);
  const done = (error: unknown) => error && res.end();
  if (encoding === "br") {
    res.writeHead(200, { "content-encoding": "br" });
    pipeline(stream, createBrotliCompress(), res, done);
  } else if (encoding === "gzip") {
    res.writeHead(200, { "content-encoding": "gzip" });
    pipeline(stream, createGzip(), res, done);
  } else if (encoding === "deflate") {
    res.writeHead(200, { "content-encoding": "deflate" });
    pipeline(stream, createDeflate(), res, done);
  } else {
    res.writeHead(200);
    pipeline(stream, res, done);
  }
  return true;
}

function pickEncoding(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(",")) {
    const [name, ...params] = part.trim().split(";");
    const q = params.find((p) => p.trim().startsWith("q="));
    if (q && Number(q.trim().slice(2)) === 0) continue;
    if (name === "br" || name === "gzip" || name === "deflate") return name;
  }
  return undefined;
}

/** The endpoint's own CORS headers on the bundle too (the one CORS policy of http/). */
async function applyCors(cors: CorsOptions, req: IncomingMessage, res: ServerResponse) {
  const verdict = await corsPolicy(cors).verdict(req.headers.origin ?? null);
  for (const [name, value] of verdict.headers) res.setHeader(name, value);
}
