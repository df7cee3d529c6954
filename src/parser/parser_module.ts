/**
 * A socket.io-parser-shaped module (`{ Encoder, Decoder }`, e.g. socket.io-msgpack-parser) as
 * a {@linkcode SocketCodec}. Its decoder reads peer input with code we do not control, so
 * everything it throws or emits is caught and checked (`untrusted_packet.ts`).
 * @module
 */
import { fail, type Result } from "../_internal/result.ts";
import { isBinary, toUint8Array } from "./binary.ts";
import type { DecodedSink, Frames, PacketDecoder, SocketCodec } from "./codec.ts";
import { DEFAULT_MAX_DEPTH } from "./decoder.ts";
import { msgpackFrameError } from "./msgpack_frame.ts";
import type { SocketPacket } from "./packet.ts";
import { checkUntrustedPacket } from "./untrusted_packet.ts";

/**
 * The encoder of a socket.io-parser-shaped module: `encode` returns the frames of one packet,
 * an array of strings and binary values (Buffer, Uint8Array, ArrayBuffer).
 *
 * @example
 * ```ts
 * import type { ParserEncoder } from "./parser_module.ts";
 * const encoder: ParserEncoder = { encode: (packet) => [JSON.stringify(packet)] };
 * ```
 */
export interface ParserEncoder {
  /** Encodes one packet (`{ type, nsp, data?, id? }`) into its frames. */
  encode(packet: SocketPacket): unknown;
}

/**
 * The decoder of a socket.io-parser-shaped module, one per connection: `add` takes each
 * message (a string, or a Buffer where the runtime has Buffer), and the decoder emits
 * `"decoded"` with each packet it completes. It may throw on bad input.
 *
 * @example
 * ```ts
 * import type { ParserDecoder } from "./parser_module.ts";
 * let listener: (packet: unknown) => void = () => {};
 * const decoder: ParserDecoder = {
 *   add: (frame) => listener(JSON.parse(String(frame))),
 *   on: (_event, decoded) => listener = decoded,
 * };
 * ```
 */
export interface ParserDecoder {
  /** Takes one message; emits `"decoded"` for each completed packet; may throw. */
  add(frame: string | Uint8Array): void;
  /** Listens to the decoded packets. */
  on(event: "decoded", listener: (packet: unknown) => void): unknown;
  /** Stops listening (optional). */
  off?(event: "decoded", listener: (packet: unknown) => void): unknown;
  /** Releases a half-decoded packet (optional). */
  destroy?(): void;
}

/**
 * The `parser` option: an object shaped like the socket.io-parser module, `{ Encoder,
 * Decoder }`, as socket.io's own `parser` option takes it. One encoder serves the server; each
 * connection gets its own decoder.
 *
 * @example
 * ```ts ignore
 * import * as msgpackParser from "socket.io-msgpack-parser";
 * import { createServer, type SocketIoParser } from "@sio/gateway";
 * const parser: SocketIoParser = msgpackParser;
 * const io = createServer({ parser });
 * ```
 */
export interface SocketIoParser {
  /** Builds the server's encoder. */
  // deno-lint-ignore no-explicit-any
  Encoder: new (...args: any[]) => ParserEncoder;
  /** Builds a connection's decoder. */
  // deno-lint-ignore no-explicit-any
  Decoder: new (...args: any[]) => ParserDecoder;
}

type BufferClass = {
  from(buffer: ArrayBufferLike, byteOffset: number, length: number): Uint8Array;
  isBuffer(value: unknown): boolean;
};

/** Node's Buffer where the runtime has it (Node, Deno, Bun): parsers written for Node need it. */
const NodeBuffer = (globalThis as { Buffer?: BufferClass }).Buffer;

/**
 * Wraps a socket.io-parser-shaped module as the server's codec. The encoder is built here,
 * once; a decoder per connection. What the module's decoder throws or emits never escapes:
 * a throw, or a packet {@linkcode checkUntrustedPacket} refuses, is reported to the sink
 * (the connection closes with "parse error"), and nothing more is reported for that decoder.
 * Frames the encoder returns must be strings or binary; anything else throws on `encode`, as
 * data the built-in encoder cannot write does. A parser whose encoder writes MessagePack (a
 * probe packet is encoded here, once) gets each binary frame's msgpack framing checked before
 * its decoder sees it (`msgpackFrameError`): lengths that a frame announces but does not hold
 * would make a decoder allocate and fill them (notepack.io does, for ext types).
 *
 * @example
 * ```ts ignore
 * import * as msgpackParser from "socket.io-msgpack-parser";
 * import { parserCodec } from "./parser_module.ts";
 * const codec = parserCodec(msgpackParser);
 * codec.encode({ type: 2, nsp: "/", data: ["hi"] }); // [Uint8Array [0x83, …]]
 * ```
 */
export function parserCodec(parser: SocketIoParser): SocketCodec {
  const encoder = new parser.Encoder();
  const msgpack = writesMsgpack(encoder);
  return {
    encode: (packet) => framesOf(encoder.encode(packet)),
    createDecoder: (limits, sink) =>
      decoderOf(new parser.Decoder(), limits.maxDepth ?? DEFAULT_MAX_DEPTH, msgpack, sink),
  };
}

/** Whether the encoder writes a packet as one binary frame holding one msgpack map. */
function writesMsgpack(encoder: ParserEncoder): boolean {
  let frames: Frames;
  try {
    frames = framesOf(encoder.encode({ type: 2, nsp: "/", data: ["probe", 1] }));
  } catch {
    return false;
  }
  const frame = frames[0];
  if (frames.length !== 1 || !(frame instanceof Uint8Array)) return false;
  const head = frame[0];
  const map = (head >= 0x80 && head <= 0x8f) || head === 0xde || head === 0xdf;
  return map && msgpackFrameError(frame, 8) === undefined;
}

function framesOf(encoded: unknown): Frames {
  if (!Array.isArray(encoded)) return [frameOf(encoded)];
  for (let i = 0; i < encoded.length; i++) {
    if (typeof encoded[i] !== "string" && !(encoded[i] instanceof Uint8Array)) {
      return encoded.map(frameOf);
    }
  }
  return encoded;
}

function frameOf(frame: unknown): string | Uint8Array {
  if (typeof frame === "string") return frame;
  if (isBinary(frame)) return toUint8Array(frame);
  throw new TypeError(
    `parser: Encoder#encode must return an array of strings and binary values, got a frame of type ${typeof frame}`,
  );
}

function decoderOf(
  decoder: ParserDecoder,
  maxDepth: number,
  msgpack: boolean,
  sink: DecodedSink,
): PacketDecoder {
  let stopped = false;
  let adding = false;
  /** Packets emitted during `add`: handed on once `add` returned, outside its try. */
  const emitted: unknown[] = [];
  const take = (value: unknown): void => {
    let checked: Result<SocketPacket>;
    try {
      checked = checkUntrustedPacket(value, maxDepth);
    } catch (error) {
      // a getter of the decoder's object threw
      checked = fail(`decoded packet could not be read: ${messageOf(error)}`);
    }
    if (checked.ok) sink.packet(checked.value);
    else refuse(checked.error);
  };
  const listener = (packet: unknown): void => {
    if (stopped) return;
    if (adding) emitted.push(packet);
    else take(packet);
  };
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    emitted.length = 0;
    try {
      decoder.off?.("decoded", listener);
      decoder.destroy?.();
    } catch {
      // the decoder is dropped either way
    }
  };
  const refuse = (reason: string): void => {
    stop();
    sink.error(reason);
  };
  decoder.on("decoded", listener);
  return {
    add(frame) {
      if (stopped) return;
      if (msgpack && typeof frame !== "string") {
        // the packet map holds the data: one more level than maxDepth counts
        const framing = msgpackFrameError(frame, maxDepth + 1);
        if (framing !== undefined) {
          refuse(framing);
          return;
        }
      }
      adding = true;
      let thrown: { error: unknown } | undefined;
      try {
        decoder.add(typeof frame === "string" ? frame : asNodeBuffer(frame));
      } catch (error) {
        thrown = { error };
      }
      adding = false;
      if (thrown !== undefined) {
        refuse(`the parser refused the message: ${messageOf(thrown.error)}`);
        return;
      }
      for (let i = 0; i < emitted.length && !stopped; i++) take(emitted[i]);
      emitted.length = 0;
    },
    destroy: stop,
  };
}

function asNodeBuffer(bytes: Uint8Array): Uint8Array {
  if (NodeBuffer === undefined || NodeBuffer.isBuffer(bytes)) return bytes;
  return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function messageOf(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return "unknown error";
  }
}
