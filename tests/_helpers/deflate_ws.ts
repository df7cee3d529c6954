/**
 * A WebSocket client over raw TCP that offers permessage-deflate (RFC 7692) and shows what the
 * server did with each frame: whether it was compressed (RSV1), and its inflated payload. It
 * sends well-formed compressed frames, corrupt ones and decompression bombs. Every wait is
 * bounded.
 */
import { constants, deflateRawSync, inflateRawSync } from "node:zlib";
import {
  headEnd,
  parseFrame,
  RawTcp,
  statusOf,
  upgradeRequest,
  wsFrame,
} from "../hardening/_raw_tcp.ts";

const latin1 = new TextDecoder("latin1");
const utf8 = new TextDecoder();
const encoder = new TextEncoder();
/** The tail RFC 7692 strips from each compressed message (and the reader appends back). */
const TAIL = new Uint8Array([0x00, 0x00, 0xff, 0xff]);

/**
 * The offer: the server must not keep its compression context between messages, so each
 * frame inflates on its own.
 */
export const DEFLATE_OFFER =
  "permessage-deflate; server_no_context_takeover; client_max_window_bits";

/** One message from the server. */
export interface DeflateFrame {
  /** 1 text, 2 binary, 8 close, 9 ping. */
  readonly opcode: number;
  /** Whether the server compressed it (RSV1). */
  readonly compressed: boolean;
  /** The payload, inflated if it was compressed. */
  readonly payload: Uint8Array;
  /** Its payload's size on the wire. */
  readonly wireSize: number;
}

/** Compresses a message as a permessage-deflate sender does (the sync-flush tail removed). */
export function deflateMessage(data: string | Uint8Array): Uint8Array {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  const out = deflateRawSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH });
  return new Uint8Array(out.subarray(0, out.byteLength - TAIL.byteLength));
}

/** A raw WebSocket that offered permessage-deflate. */
export class DeflateWs {
  private constructor(
    readonly tcp: RawTcp,
    /** The `Sec-WebSocket-Extensions` of the 101 answer, or null. */
    readonly extensions: string | null,
  ) {}

  /** Whether the server accepted permessage-deflate. */
  get negotiated(): boolean {
    return this.extensions?.toLowerCase().includes("permessage-deflate") ?? false;
  }

  /** Opens `path` with the deflate offer; throws unless the answer is 101. */
  static async open(port: number, path: string, offer = DEFLATE_OFFER): Promise<DeflateWs> {
    const tcp = await RawTcp.open(port);
    await tcp.write(upgradeRequest(port, path, `Sec-WebSocket-Extensions: ${offer}\r\n`));
    const done = await tcp.until((bytes) => headEnd(bytes) >= 0);
    const head = tcp.peek();
    const end = headEnd(head);
    if (!done || statusOf(head) !== 101) {
      tcp.reset();
      throw new Error(`upgrade of ${path} answered ${statusOf(head) ?? "nothing"}`);
    }
    const text = latin1.decode(head.subarray(0, end));
    const match = /^sec-websocket-extensions:\s*(.*)$/im.exec(text);
    tcp.take(end);
    return new DeflateWs(tcp, match ? match[1].trim() : null);
  }

  /** Sends a text message, compressed when `compress` (the extension must be negotiated). */
  send(text: string, compress = false): Promise<boolean> {
    return this.tcp.write(
      compress ? wsFrame(1, deflateMessage(text), { rsv: 4 }) : wsFrame(1, text),
    );
  }

  /** Sends a frame whose RSV1 says "compressed", with whatever payload is given. */
  sendCompressedBytes(payload: Uint8Array, opcode = 1): Promise<boolean> {
    return this.tcp.write(wsFrame(opcode, payload, { rsv: 4 }));
  }

  /** The next frame; undefined when the connection ended or `ms` passed. */
  async next(ms = 3000): Promise<DeflateFrame | undefined> {
    let parsed: ReturnType<typeof parseFrame>;
    await this.tcp.until((bytes) => (parsed = parseFrame(bytes)) !== undefined, ms);
    if (!parsed) return undefined;
    const compressed = (this.tcp.peek()[0] & 0x40) !== 0;
    this.tcp.take(parsed.size);
    const { opcode, payload } = parsed.frame;
    return {
      opcode,
      compressed,
      payload: compressed ? inflate(payload) : payload,
      wireSize: payload.byteLength,
    };
  }

  /** The next text or binary message, skipping pings; undefined if none came. */
  async message(ms = 3000): Promise<DeflateFrame | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const frame = await this.next(Math.max(0, deadline - Date.now()));
      if (!frame || frame.opcode === 8) return undefined;
      if (frame.opcode === 1 || frame.opcode === 2) return frame;
    }
  }

  /** The close code the server sent before the connection ended, if any (bounded wait). */
  async closeCode(ms = 3000): Promise<number | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const frame = await this.next(Math.max(0, deadline - Date.now()));
      if (!frame) return undefined;
      if (frame.opcode === 8) {
        return frame.payload.length >= 2 ? (frame.payload[0] << 8) | frame.payload[1] : 1005;
      }
    }
  }

  /** Drops the connection. */
  close(): void {
    this.tcp.reset();
  }
}

/** The text of a frame's payload. */
export function textOf(frame: DeflateFrame | undefined): string | undefined {
  return frame && utf8.decode(frame.payload);
}

function inflate(payload: Uint8Array): Uint8Array {
  const input = new Uint8Array(payload.byteLength + TAIL.byteLength);
  input.set(payload);
  input.set(TAIL, payload.byteLength);
  return new Uint8Array(inflateRawSync(input, { finishFlush: constants.Z_SYNC_FLUSH }));
}
