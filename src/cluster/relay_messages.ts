/**
 * The messages nodes exchange over Redis to serve each other's sessions, and their encoding:
 * a JSON header, a newline, then the body's raw bytes (a request or response body, or one
 * WebSocket frame), so binary frames cross without base64. Every message names the request
 * (`i`, a number the forwarding node picks); those sent to the owner name the forwarding node
 * (`f`), where the answers go.
 * @module
 */
import { fail, ok, type Result } from "../_internal/result.ts";
import type { HeaderList } from "../http/relay.ts";

/** From the node that took a request to the node that owns its session. */
export type ToOwner =
  /** An HTTP request (a poll, a POST, or a WebSocket upgrade) of the owner's session. */
  | {
    t: "q";
    i: number;
    f: string;
    /** method, URL, headers, the client's address as the taking node saw it */
    m: string;
    u: string;
    h: HeaderList;
    a: string;
  }
  /** The client of request `i` went away (a parked poll is aborted). */
  | { t: "x"; i: number; f: string }
  /** The WebSocket the owner accepted for request `i` has opened. */
  | { t: "o"; i: number; f: string }
  /** A frame from the client on that WebSocket (`b`: binary). */
  | { t: "m"; i: number; f: string; b?: 1 }
  /** That WebSocket closed. */
  | { t: "c"; i: number; f: string };

/** From the owner back to the node that took the request. */
export type ToTaker =
  /** The answer to request `i`; `u`: the owner accepted it as a WebSocket, upgrade it. */
  | { t: "r"; i: number; s: number; h: HeaderList; u?: 1 }
  /** A frame for the client on WebSocket `i` (`b`: binary, `z`: compress it). */
  | { t: "w"; i: number; b?: 1; z?: 1 }
  /** Close WebSocket `i` (with code `k`). */
  | { t: "k"; i: number; k?: number };

/** Any relay message. */
export type RelayMessage = ToOwner | ToTaker;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const NEWLINE = 10;
const EMPTY = new Uint8Array(0);

/** Encodes a message with its body (text is sent as UTF-8). */
export function encodeRelayMessage(
  header: RelayMessage,
  body: string | Uint8Array = EMPTY,
): Uint8Array {
  // JSON.stringify escapes newlines, so the first one ends the header
  const head = encoder.encode(JSON.stringify(header) + "\n");
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  const message = new Uint8Array(head.byteLength + bytes.byteLength);
  message.set(head);
  message.set(bytes, head.byteLength);
  return message;
}

/** A decoded message: its header and its body bytes. */
export interface DecodedRelayMessage {
  readonly header: RelayMessage;
  readonly body: Uint8Array;
}

const TYPES = new Set(["q", "x", "o", "m", "c", "r", "w", "k"]);

/** Decodes a message; anything malformed is refused, never thrown. */
export function decodeRelayMessage(message: Uint8Array): Result<DecodedRelayMessage> {
  const end = message.indexOf(NEWLINE);
  if (end < 0) return fail("no header");
  let header: unknown;
  try {
    header = JSON.parse(decoder.decode(message.subarray(0, end)));
  } catch {
    return fail("header is not JSON");
  }
  const fields = header as Record<string, unknown>;
  if (typeof header !== "object" || header === null || !TYPES.has(fields.t as string)) {
    return fail("unknown message type");
  }
  if (!Number.isSafeInteger(fields.i)) return fail("no request number");
  const toOwner = "qxomc".includes(fields.t as string);
  if (toOwner && typeof fields.f !== "string") return fail("no forwarding node");
  if (fields.t === "q" && !isRequest(fields)) return fail("malformed request");
  if (fields.t === "r" && !(Number.isSafeInteger(fields.s) && isHeaderList(fields.h))) {
    return fail("malformed response");
  }
  return ok({ header: header as RelayMessage, body: message.subarray(end + 1) });
}

/** A body as text (request bodies and text frames are UTF-8). */
export function bodyText(body: Uint8Array): string {
  return decoder.decode(body);
}

function isRequest(fields: Record<string, unknown>): boolean {
  return typeof fields.m === "string" && typeof fields.u === "string" &&
    typeof fields.a === "string" && isHeaderList(fields.h);
}

function isHeaderList(value: unknown): value is HeaderList {
  return Array.isArray(value) &&
    value.every((pair) =>
      Array.isArray(pair) && pair.length === 2 && typeof pair[0] === "string" &&
      typeof pair[1] === "string"
    );
}
