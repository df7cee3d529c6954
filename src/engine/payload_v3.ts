/**
 * Engine.IO v3 long-polling payloads (`allowEIO3`). Text payloads are `<length>:<packet>`
 * records, the length in UTF-16 code units, binary as `b4<base64>`; an empty payload is
 * `0:`. A client that takes binary (no `b64=1`) gets a binary payload when a packet is
 * binary: per record a marker byte (0 text, 1 binary), the length as one byte per decimal
 * digit, 255, then the packet (text as UTF-8, its length in bytes; binary with its type byte).
 * @module
 */
import { fail, ok, type Result } from "../_internal/result.ts";
import type { Packet } from "./packet.ts";
import { decodePacketV3, encodePacketAsTextV3 } from "./packet_v3.ts";

/** Most decimal digits a record length may have (lengths are bounded by maxHttpBufferSize). */
const MAX_LENGTH_DIGITS = 16;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Encodes packets as one v3 polling payload: binary when `supportsBinary` and a packet is
 * binary, text otherwise.
 *
 * @example
 * ```ts
 * import { encodePayloadV3 } from "./payload_v3.ts";
 * encodePayloadV3([{ type: "message", data: "hé" }, { type: "ping" }], true); // "3:4hé1:2"
 * encodePayloadV3([], false); // "0:"
 * ```
 */
export function encodePayloadV3(
  packets: readonly Packet[],
  supportsBinary: boolean,
): string | Uint8Array<ArrayBuffer> {
  if (supportsBinary && packets.some((p) => p.data instanceof Uint8Array)) {
    return encodeBinaryPayload(packets);
  }
  if (packets.length === 0) return "0:";
  let out = "";
  for (const packet of packets) {
    const text = encodePacketAsTextV3(packet);
    out += text.length + ":" + text;
  }
  return out;
}

/**
 * Decodes a v3 polling payload (a POST body): text, or bytes for a binary payload. Any
 * malformed record refuses the whole payload. Never throws.
 *
 * @example
 * ```ts
 * import { decodePayloadV3 } from "./payload_v3.ts";
 * decodePayloadV3("2:4a1:2"); // ok: [{ type: "message", data: "a" }, { type: "ping" }]
 * decodePayloadV3("5:4a"); // { ok: false, error: "record shorter than its length" }
 * ```
 */
export function decodePayloadV3(body: string | Uint8Array): Result<Packet[]> {
  return typeof body === "string" ? decodeTextPayload(body) : decodeBinaryPayload(body);
}

function decodeTextPayload(body: string): Result<Packet[]> {
  if (body.length === 0) return fail("empty payload");
  const packets: Packet[] = [];
  let i = 0;
  while (i < body.length) {
    const colon = body.indexOf(":", i);
    if (colon < 0) return fail("record without a length");
    const length = parseLength(body.slice(i, colon));
    if (length === undefined) return fail("invalid record length");
    const start = colon + 1;
    if (start + length > body.length) return fail("record shorter than its length");
    if (length > 0) {
      const decoded = decodePacketV3(body.slice(start, start + length));
      if (!decoded.ok) return fail(decoded.error);
      packets.push(decoded.value);
    }
    i = start + length;
  }
  return ok(packets);
}

function decodeBinaryPayload(body: Uint8Array): Result<Packet[]> {
  if (body.byteLength === 0) return fail("empty payload");
  const packets: Packet[] = [];
  let i = 0;
  while (i < body.byteLength) {
    const marker = body[i++];
    if (marker !== 0 && marker !== 1) return fail("invalid record marker");
    let length = 0;
    let digits = 0;
    for (;;) {
      if (i >= body.byteLength) return fail("record without a length");
      const byte = body[i++];
      if (byte === 255) break;
      if (byte > 9 || ++digits > MAX_LENGTH_DIGITS) return fail("invalid record length");
      length = length * 10 + byte;
    }
    if (digits === 0) return fail("invalid record length");
    if (i + length > body.byteLength) return fail("record shorter than its length");
    const record = body.subarray(i, i + length);
    i += length;
    const decoded = decodePacketV3(marker === 0 ? decoder.decode(record) : record);
    if (!decoded.ok) return fail(decoded.error);
    packets.push(decoded.value);
  }
  return ok(packets);
}

function encodeBinaryPayload(packets: readonly Packet[]): Uint8Array<ArrayBuffer> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for (const packet of packets) {
    const { data } = packet;
    const binary = data instanceof Uint8Array;
    const body = binary ? data : encoder.encode(encodePacketAsTextV3(packet));
    const length = binary ? data.byteLength + 1 : body.byteLength;
    const digits = String(length);
    const header = new Uint8Array(digits.length + (binary ? 3 : 2));
    header[0] = binary ? 1 : 0;
    for (let d = 0; d < digits.length; d++) header[d + 1] = digits.charCodeAt(d) - 48;
    header[digits.length + 1] = 255;
    if (binary) header[digits.length + 2] = 4; // the message type byte
    parts.push(header, body);
    size += header.byteLength + body.byteLength;
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** A record length: decimal digits only, at most MAX_LENGTH_DIGITS of them. */
function parseLength(text: string): number | undefined {
  if (text.length === 0 || text.length > MAX_LENGTH_DIGITS) return undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return Number(text);
}
