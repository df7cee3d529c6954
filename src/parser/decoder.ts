/**
 * The stateful Socket.IO v5 decoder of one connection: text frames become packets, and a
 * binary packet waits for its attachments, which arrive as the next binary frames.
 * @module
 */
import { fail, ok, type Result } from "../_internal/result.ts";
import { fillPlaceholders } from "./data_walk.ts";
import { type DecodedText, readText, type TextLimits } from "./decode_text.ts";
import type { SocketPacket } from "./packet.ts";

/** Default of `maxAttachments`: binary attachments one packet may announce, as the reference. */
export const DEFAULT_MAX_ATTACHMENTS = 10;
/** Default of `maxDepth`: nesting levels of a packet's data. */
export const DEFAULT_MAX_DEPTH = 1000;

/**
 * Limits of a {@linkcode SocketPacketDecoder}.
 *
 * @example
 * ```ts
 * import { type DecoderOptions, SocketPacketDecoder } from "./decoder.ts";
 * const options: DecoderOptions = { maxAttachments: 4, maxDepth: 16 };
 * const decoder = new SocketPacketDecoder(options);
 * ```
 */
export interface DecoderOptions {
  /** Most binary attachments one packet may announce. Default 10, as the reference. */
  maxAttachments?: number;
  /**
   * Deepest nesting of arrays and objects in a packet's JSON text (the event arguments array
   * is level 1; a binary placeholder object counts as a level). Default 1000.
   */
  maxDepth?: number;
}

/**
 * Decodes the Socket.IO packets of one connection, frame by frame. Never throws on peer
 * input: every refusal is a `{ ok: false, error }` with the reason, after which the decoder
 * is idle again (the session is expected to close). A binary packet (BINARY_EVENT,
 * BINARY_ACK) comes back as EVENT or ACK, with each attachment as a Uint8Array where its
 * placeholder was.
 *
 * @example
 * ```ts
 * import { SocketPacketDecoder } from "./decoder.ts";
 *
 * const decoder = new SocketPacketDecoder();
 * decoder.add('2["message",1]');
 * // { ok: true, value: { type: 2, nsp: "/", data: ["message", 1] } }
 * decoder.add('51-["file",{"_placeholder":true,"num":0}]');
 * // { ok: true, value: undefined }: waiting for one attachment
 * decoder.add(new Uint8Array([1, 2]));
 * // { ok: true, value: { type: 2, nsp: "/", data: ["file", Uint8Array [1, 2]] } }
 * decoder.add("9").ok; // false: unknown packet type
 * ```
 */
export class SocketPacketDecoder {
  readonly #limits: TextLimits;
  #pending: DecodedText | undefined;
  /** Attachments of `#pending` received so far; made for a binary packet only. */
  #received: Uint8Array[] | undefined;

  /**
   * Creates a decoder. The limits are trusted, not checked again: they were checked where
   * the user gave them (src/options/), before any decoder is built.
   */
  constructor(options: DecoderOptions = {}) {
    const { maxAttachments = DEFAULT_MAX_ATTACHMENTS, maxDepth = DEFAULT_MAX_DEPTH } = options;
    // options that name both limits are used as they are: a server shares one object
    this.#limits = options.maxAttachments === maxAttachments && options.maxDepth === maxDepth
      ? options as TextLimits
      : { maxAttachments, maxDepth };
  }

  /**
   * Adds one frame. Returns the decoded packet, `undefined` while a binary packet is
   * waiting for more attachments, or why the frame was refused.
   */
  add(frame: string | Uint8Array): Result<SocketPacket | undefined> {
    const taken = this.take(frame);
    return typeof taken === "string" ? fail(taken) : ok(taken);
  }

  /**
   * `add` without the result wrapper (a frame's hot path): the decoded packet, `undefined`
   * while a binary packet waits for more attachments, or why the frame was refused (a string).
   */
  take(frame: string | Uint8Array): SocketPacket | undefined | string {
    if (typeof frame === "string") {
      if (this.#pending !== undefined) {
        this.reset();
        return "got plaintext data when reconstructing a packet";
      }
      const decoded = readText(frame, this.#limits);
      if (typeof decoded === "string") return decoded;
      if (decoded.attachments === 0) return decoded.packet;
      this.#pending = decoded;
      return undefined;
    }
    if (!(frame instanceof Uint8Array)) {
      this.reset();
      return "unsupported frame: expected a string or a Uint8Array";
    }
    const pending = this.#pending;
    if (pending === undefined) return "got binary data when not reconstructing a packet";
    const received = this.#received ??= [];
    received.push(frame);
    if (received.length < pending.attachments) return undefined;
    if (pending.slots !== undefined) fillPlaceholders(pending.slots, received);
    this.reset();
    return pending.packet;
  }

  /** Drops a half-received binary packet. */
  reset(): void {
    this.#pending = undefined;
    this.#received = undefined;
  }
}
