/**
 * Decoding the text frame of a Socket.IO v5 packet:
 * `<type>[<attachments>-][<nsp>,][<id>][<json>]`.
 * @module
 */
import { fail, ok, type Result } from "../_internal/result.ts";
import { type PlaceholderSlots, walkData } from "./data_walk.ts";
import { invalidJson, mayHaveProtoKey, nestingExceeds } from "./json_text.ts";
import type { SocketPacket, SocketPacketType } from "./packet.ts";
import { ackIdError, dataError } from "./validate.ts";

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const DASH = 0x2d;
const SLASH = 0x2f;
const BINARY_EVENT = 5;
const BINARY_ACK = 6;
/** Digits in the largest safe integer (2^53 - 1). */
const MAX_ID_DIGITS = 16;

/**
 * Limits applied to a text frame.
 *
 * @example
 * ```ts
 * import type { TextLimits } from "./decode_text.ts";
 * const limits: TextLimits = { maxAttachments: 10, maxDepth: 32 };
 * ```
 */
export interface TextLimits {
  /** Most binary attachments a packet may announce. */
  readonly maxAttachments: number;
  /** Deepest nesting of arrays and objects in the data. */
  readonly maxDepth: number;
}

/**
 * A decoded text frame.
 *
 * @example
 * ```ts
 * import { decodeText } from "./decode_text.ts";
 * const decoded = decodeText('51-["f",{"_placeholder":true,"num":0}]', {
 *   maxAttachments: 10,
 *   maxDepth: 32,
 * });
 * if (decoded.ok) decoded.value.attachments; // 1: one binary frame to wait for
 * ```
 */
export interface DecodedText {
  /** The packet; BINARY_EVENT and BINARY_ACK come back as EVENT and ACK. */
  readonly packet: SocketPacket;
  /** The attachments still to come as binary frames (0 for a text-only packet). */
  readonly attachments: number;
  /** Where those attachments go in `packet.data`, for a binary packet. */
  readonly slots: PlaceholderSlots | undefined;
}

/**
 * Decodes and validates one text frame. Never throws: malformed header, bad ack id,
 * invalid or too deeply nested JSON, data not fitting the type, `__proto__` keys and bad
 * placeholders are all returned as failures.
 *
 * @example
 * ```ts
 * import { decodeText } from "./decode_text.ts";
 * const limits = { maxAttachments: 10, maxDepth: 32 };
 * decodeText('2/chat,12["hello",1]', limits);
 * // ok: { packet: { type: 2, nsp: "/chat", id: 12, data: ["hello", 1] }, attachments: 0, ... }
 * decodeText('2abc["x"]', limits).ok; // false: invalid JSON payload
 * ```
 */
export function decodeText(text: string, limits: TextLimits): Result<DecodedText> {
  const decoded = readText(text, limits);
  return typeof decoded === "string" ? fail(decoded) : ok(decoded);
}

/**
 * `decodeText` without the result wrapper (a frame's hot path): the decoded frame, or why it
 * was refused.
 *
 * @example
 * ```ts
 * import { readText } from "./decode_text.ts";
 * readText('2["hello"]', { maxAttachments: 10, maxDepth: 32 }); // { packet: { type: 2, ... }, ... }
 * readText("9", { maxAttachments: 10, maxDepth: 32 }); // 'unknown packet type "9"'
 * ```
 */
export function readText(text: string, limits: TextLimits): DecodedText | string {
  const length = text.length;
  if (length === 0) return "empty packet";
  const wireType = text.charCodeAt(0) - DIGIT_0;
  if (wireType < 0 || wireType > BINARY_ACK) {
    return `unknown packet type ${JSON.stringify(text[0])}`;
  }
  const binary = wireType === BINARY_EVENT || wireType === BINARY_ACK;
  const type = (binary ? wireType - 3 : wireType) as SocketPacketType;
  let i = 1;

  let attachments = 0;
  if (binary) {
    while (i < length && isDigit(text.charCodeAt(i))) i++;
    if (i === 1 || text.charCodeAt(i) !== DASH) {
      return 'Illegal attachments: expected a count followed by "-"';
    }
    const count = i - 1 > MAX_ID_DIGITS ? Infinity : Number(text.slice(1, i));
    if (count < 1) return "Illegal attachments: a binary packet has at least one";
    if (count > limits.maxAttachments) {
      return `too many attachments (more than ${limits.maxAttachments})`;
    }
    attachments = count;
    i++;
  }

  let nsp = "/";
  if (text.charCodeAt(i) === SLASH) {
    const comma = text.indexOf(",", i);
    const end = comma < 0 ? length : comma;
    nsp = text.slice(i, end);
    i = comma < 0 ? length : comma + 1;
  }

  let id: number | undefined;
  const idStart = i;
  let digits = 0;
  for (let code = text.charCodeAt(i); isDigit(code); code = text.charCodeAt(++i)) {
    // above 2^53 the sum is inexact but stays above it: refused below all the same
    digits = digits * 10 + (code - DIGIT_0);
  }
  if (i > idStart) {
    id = i - idStart > MAX_ID_DIGITS ? Infinity : digits;
    if (!Number.isSafeInteger(id)) return "invalid ack id: not a safe integer";
  }
  const idError = ackIdError(type, id);
  if (idError !== undefined) return idError;

  let data: unknown;
  let checkProto = false;
  if (i < length) {
    const json = text.slice(i);
    if (nestingExceeds(json, limits.maxDepth)) {
      return `packet data nested too deep (limit: ${limits.maxDepth} levels)`;
    }
    try {
      data = JSON.parse(json);
    } catch (error) {
      return invalidJson(error);
    }
    checkProto = mayHaveProtoKey(json);
  }
  const shapeError = dataError(type, data);
  if (shapeError !== undefined) return shapeError;

  let slots: PlaceholderSlots | undefined;
  if (binary || checkProto) {
    const walked = walkData(data, attachments, checkProto);
    if (!walked.ok) return walked.error;
    if (binary) slots = walked.value;
  }

  const packet: SocketPacket = { type, nsp };
  if (data !== undefined) packet.data = data;
  if (id !== undefined) packet.id = id;
  return { packet, attachments, slots };
}

function isDigit(code: number): boolean {
  return code >= DIGIT_0 && code <= DIGIT_9;
}
