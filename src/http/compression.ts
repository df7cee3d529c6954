/**
 * The compression of long-polling responses (`httpCompression`): which coding a request
 * accepts, and the compression itself. node:zlib, which Deno, Bun and Node all provide, is the
 * one code path: on small bodies (most polls) its one-shot calls are several times faster than
 * a `CompressionStream` on Deno and Node, and as fast on Bun.
 * @module
 */
import { deflate, deflateSync, gzip, gzipSync } from "node:zlib";
import { DEFAULT_COMPRESSION_THRESHOLD } from "../engine/options.ts";
import type { HttpOptions } from "./types.ts";

/** The content codings a response may be compressed with, in order of preference. */
export type ContentCoding = "gzip" | "deflate";

/**
 * Bodies up to this size are compressed synchronously (well under a millisecond), larger ones
 * on the runtime's thread pool, so a megabyte payload does not hold up the event loop.
 */
const SYNC_LIMIT = 64 * 1024;

/**
 * The size from which polling responses are compressed, or undefined when `httpCompression`
 * is off (the options are resolved already; unresolved ones read with the same defaults).
 */
export function compressionThreshold(option: HttpOptions["httpCompression"]): number | undefined {
  if (option === false) return undefined;
  if (option === true || option === undefined) return DEFAULT_COMPRESSION_THRESHOLD;
  return option.threshold ?? DEFAULT_COMPRESSION_THRESHOLD;
}

/**
 * The coding to answer a request with, from its `Accept-Encoding`: gzip or deflate, whichever
 * has the higher q-value (a `*` entry stands for both), gzip on a tie as in the reference;
 * undefined when neither is acceptable. A q-value that does not parse counts as 0.
 */
export function negotiateCoding(acceptEncoding: string | null): ContentCoding | undefined {
  if (acceptEncoding === null) return undefined;
  let gzipQ: number | undefined;
  let deflateQ: number | undefined;
  let anyQ: number | undefined;
  for (const entry of acceptEncoding.split(",")) {
    const semicolon = entry.indexOf(";");
    const coding = (semicolon < 0 ? entry : entry.slice(0, semicolon)).trim().toLowerCase();
    if (coding !== "gzip" && coding !== "x-gzip" && coding !== "deflate" && coding !== "*") {
      continue;
    }
    const q = semicolon < 0 ? 1 : qValue(entry.slice(semicolon + 1));
    if (coding === "deflate") deflateQ = q;
    else if (coding === "*") anyQ = q;
    else gzipQ = Math.max(gzipQ ?? 0, q);
  }
  const forGzip = gzipQ ?? anyQ ?? 0;
  const forDeflate = deflateQ ?? anyQ ?? 0;
  if (forGzip <= 0 && forDeflate <= 0) return undefined;
  return forGzip >= forDeflate ? "gzip" : "deflate";
}

/** The q parameter of an Accept-Encoding entry's parameters (`q=0.5`), 1 when it has none. */
function qValue(parameters: string): number {
  for (const parameter of parameters.split(";")) {
    const equals = parameter.indexOf("=");
    if (equals < 0 || parameter.slice(0, equals).trim().toLowerCase() !== "q") continue;
    const text = parameter.slice(equals + 1).trim();
    return /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(text) ? Number(text) : 0;
  }
  return 1;
}

/** Compressed bytes (node:zlib's Buffers, which never share their memory). */
type Compressed = Uint8Array<ArrayBuffer>;

/** Compresses `body` with `coding` (zlib's default level). */
export function compressBody(body: Uint8Array, coding: ContentCoding): Promise<Compressed> {
  if (body.byteLength <= SYNC_LIMIT) {
    try {
      return Promise.resolve(
        (coding === "gzip" ? gzipSync(body) : deflateSync(body)) as Compressed,
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, result: Uint8Array) =>
      error ? reject(error) : resolve(result as Compressed);
    if (coding === "gzip") gzip(body, done);
    else deflate(body, done);
  });
}
