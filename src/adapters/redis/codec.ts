/**
 * The two encodings of the classic Redis adapter protocol: MessagePack (broadcasts and the
 * broadcast-with-ack request and acks) and JSON text (everything else). A receiver tells them
 * apart by the first byte: `{` is JSON. MessagePack follows what notepack.io (the Node
 * adapter's codec) writes: binary values as `bin`, map keys holding `undefined` or a function
 * left out, `undefined` elsewhere as nil, objects with `toJSON` written as what it returns,
 * dates as MessagePack timestamps.
 * @module
 */
import { decode, encode, ExtensionCodec } from "@msgpack/msgpack";
import { fail, ok, type Result } from "../../_internal/result.ts";

const OPEN_BRACE = 0x7b;

/** The legacy notepack extension 0: `d4 00 00` is undefined, other payloads are bytes. */
const legacy = new ExtensionCodec();
legacy.register({
  type: 0,
  encode: () => null,
  decode: (data) => data.length === 1 && data[0] === 0 ? undefined : data.slice(),
});

/**
 * Encodes a value as MessagePack the way notepack.io does (see the module doc).
 *
 * @example
 * ```ts
 * import { encodeMsgpack } from "./codec.ts";
 * encodeMsgpack({ a: 1, b: undefined }); // Uint8Array [0x81, 0xa1, 0x61, 0x01]
 * ```
 */
export function encodeMsgpack(value: unknown): Uint8Array {
  return encode(normalize(value, 0), { ignoreUndefined: true, extensionCodec: legacy });
}

/**
 * Decodes MessagePack bytes; `bin` values come back as `Uint8Array`s over a private copy of
 * the message (never over the Redis client's buffers), nil as null.
 *
 * @example
 * ```ts
 * import { decodeMsgpack } from "./codec.ts";
 * decodeMsgpack(new Uint8Array([0x91, 0x01])); // { ok: true, value: [1] }
 * ```
 */
export function decodeMsgpack(bytes: Uint8Array): Result<unknown> {
  try {
    // a private copy, so that decoded bin values never point into the client's buffer pool
    return ok(decode(bytes.slice(), { extensionCodec: legacy }));
  } catch (error) {
    return fail(`invalid MessagePack: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Decodes a message of either encoding: JSON when it starts with `{`, MessagePack otherwise.
 *
 * @example
 * ```ts
 * import { decodeMessage } from "./codec.ts";
 * decodeMessage(new TextEncoder().encode('{"type":1}')); // { ok: true, value: { type: 1 } }
 * ```
 */
export function decodeMessage(bytes: Uint8Array): Result<unknown> {
  if (bytes.length === 0) return fail("empty message");
  if (bytes[0] !== OPEN_BRACE) return decodeMsgpack(bytes);
  try {
    return ok(JSON.parse(new TextDecoder().decode(bytes)));
  } catch (error) {
    return fail(`invalid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Prepares a value for @msgpack/msgpack so that the bytes match notepack.io's. */
function normalize(value: unknown, depth: number): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (depth > 100) throw new RangeError("data nested too deeply (or cyclic) for MessagePack");
  if (Array.isArray(value)) {
    return value.map((item) => typeof item === "function" ? undefined : normalize(item, depth + 1));
  }
  if (value instanceof Date) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return normalize(toJSON.call(value), depth + 1);
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (item === undefined || typeof item === "function") continue;
    result[key] = normalize(item, depth + 1);
  }
  return result;
}
