/**
 * The codec the Socket.IO layer works with: packets to frames, and one decoder per connection
 * that reports packets and refusals. The built-in text protocol (with binary attachments) is
 * the default; a socket.io-parser-shaped module the user gives becomes another one
 * (`parser_module.ts`).
 * @module
 */
import { type DecoderOptions, SocketPacketDecoder } from "./decoder.ts";
import { encodeSocketPacket } from "./encoder.ts";
import type { SocketPacket } from "./packet.ts";

/**
 * The frames of one encoded packet, written in order as Engine.IO messages.
 *
 * @example
 * ```ts
 * import type { Frames } from "./codec.ts";
 * const frames: Frames = ['51-["file",{"_placeholder":true,"num":0}]', new Uint8Array([1])];
 * ```
 */
export type Frames = readonly (string | Uint8Array)[];

/**
 * Where a decoder reports: each decoded packet (already validated), or why the input was
 * refused (the connection is expected to close).
 *
 * @example
 * ```ts
 * import type { DecodedSink } from "./codec.ts";
 * const sink: DecodedSink = {
 *   packet: (packet) => console.log(packet.type, packet.nsp),
 *   error: (reason) => console.warn(reason),
 * };
 * ```
 */
export interface DecodedSink {
  /** A decoded, validated packet. */
  packet(packet: SocketPacket): void;
  /** The input was refused; nothing more is reported after `destroy()`. */
  error(reason: string): void;
}

/**
 * The decoder of one connection. `add` never throws on peer input: refusals go to the sink.
 *
 * @example
 * ```ts
 * import { BUILTIN_CODEC } from "./codec.ts";
 * const decoder = BUILTIN_CODEC.createDecoder({}, {
 *   packet: (packet) => console.log(packet.data),
 *   error: (reason) => console.warn(reason),
 * });
 * decoder.add('2["hello"]'); // logs ["hello"]
 * decoder.destroy();
 * ```
 */
export interface PacketDecoder {
  /** Adds one Engine.IO message. */
  add(frame: string | Uint8Array): void;
  /** Drops any half-received packet; the sink hears nothing more. */
  destroy(): void;
}

/**
 * Packets to frames and frames to packets. `encode` throws on data it cannot write (a
 * programmer error, as `JSON.stringify` does); one codec serves every connection of a server,
 * so a broadcast is encoded once.
 *
 * @example
 * ```ts
 * import { BUILTIN_CODEC } from "./codec.ts";
 * BUILTIN_CODEC.encode({ type: 2, nsp: "/", data: ["hello", 1] }); // ['2["hello",1]']
 * ```
 */
export interface SocketCodec {
  /** Encodes one packet into the frames to write. */
  encode(packet: SocketPacket): Frames;
  /** A decoder for one connection, with the server's limits, reporting to `sink`. */
  createDecoder(limits: DecoderOptions, sink: DecodedSink): PacketDecoder;
}

/**
 * The built-in Socket.IO v5 codec: text frames plus binary attachments, as socket.io-parser.
 *
 * @example
 * ```ts
 * import { BUILTIN_CODEC } from "./codec.ts";
 * const frames = BUILTIN_CODEC.encode({ type: 2, nsp: "/chat", data: ["bytes", new Uint8Array([1])] });
 * // ['51-/chat,["bytes",{"_placeholder":true,"num":0}]', Uint8Array [1]]
 * ```
 */
export const BUILTIN_CODEC: SocketCodec = {
  encode: encodeSocketPacket,
  createDecoder(limits: DecoderOptions, sink: DecodedSink): PacketDecoder {
    return new BuiltinDecoder(new SocketPacketDecoder(limits), sink);
  },
};

/** The built-in codec's decoder of one connection (a class: one small object per connection). */
class BuiltinDecoder implements PacketDecoder {
  #destroyed = false;

  constructor(private readonly decoder: SocketPacketDecoder, private readonly sink: DecodedSink) {}

  add(frame: string | Uint8Array): void {
    if (this.#destroyed) return;
    const decoded = this.decoder.take(frame);
    if (typeof decoded === "string") this.sink.error(decoded);
    else if (decoded !== undefined) this.sink.packet(decoded);
  }

  destroy(): void {
    this.#destroyed = true;
    this.decoder.reset();
  }
}
