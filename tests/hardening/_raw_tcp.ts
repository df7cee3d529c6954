/**
 * Raw TCP clients (node:net) for hostile tests: hand-written HTTP requests, a WebSocket
 * handshake done by hand, and WebSocket frames built byte by byte, so that a test can send
 * what no well-behaved client sends (half frames, garbage, lying lengths, dribbled headers).
 * Every wait is bounded.
 */
import { connect, type Socket } from "node:net";
import { withTimeout } from "../_helpers/wait.ts";

const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");

/** One raw TCP connection to 127.0.0.1 with its received bytes buffered. */
export class RawTcp {
  readonly socket: Socket;
  /** Resolves once the connection is closed (by either side, or by an error). */
  readonly closed: Promise<void>;
  #chunks: Uint8Array[] = [];
  #size = 0;
  #waiters: (() => void)[] = [];
  #ended = false;
  /** Whether the peer closed or reset the connection. */
  get ended(): boolean {
    return this.#ended;
  }

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Uint8Array) => {
      this.#chunks.push(new Uint8Array(chunk));
      this.#size += chunk.byteLength;
      this.#wake();
    });
    socket.on("error", () => {});
    this.closed = new Promise((resolve) => {
      socket.once("close", () => {
        this.#ended = true;
        this.#wake();
        resolve();
      });
    });
  }

  /** Connects to 127.0.0.1:port (3 s at most). */
  static async open(port: number): Promise<RawTcp> {
    const socket = connect({ host: "127.0.0.1", port });
    const tcp = new RawTcp(socket);
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once("connect", () => resolve());
        socket.once("error", reject);
      }),
      3000,
      `TCP connect to ${port}`,
    );
    return tcp;
  }

  /** Bytes received and not yet taken. */
  get buffered(): number {
    return this.#size;
  }

  /** Writes bytes or latin1 text; resolves once handed to the OS (false if the socket is gone). */
  write(data: string | Uint8Array): Promise<boolean> {
    if (this.socket.destroyed || !this.socket.writable) return Promise.resolve(false);
    const bytes = typeof data === "string" ? latin1Bytes(data) : data;
    return new Promise((resolve) => {
      try {
        this.socket.write(bytes, (error) => resolve(!error));
      } catch {
        resolve(false);
      }
    });
  }

  /** All received bytes so far, without consuming them. */
  peek(): Uint8Array {
    if (this.#chunks.length !== 1) {
      const all = new Uint8Array(this.#size);
      let offset = 0;
      for (const chunk of this.#chunks) {
        all.set(chunk, offset);
        offset += chunk.byteLength;
      }
      this.#chunks = [all];
    }
    return this.#chunks[0] ?? new Uint8Array(0);
  }

  /** Drops the first `count` received bytes. */
  take(count: number): Uint8Array {
    const all = this.peek();
    const taken = all.slice(0, count);
    const rest = all.subarray(count);
    this.#chunks = rest.byteLength > 0 ? [rest] : [];
    this.#size = rest.byteLength;
    return taken;
  }

  /** Waits until `predicate(received bytes)` holds or the connection ends; false on timeout. */
  async until(predicate: (bytes: Uint8Array) => boolean, ms = 3000): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!predicate(this.peek())) {
      if (this.#ended) return predicate(this.peek());
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }

  /** Waits (bounded) for the connection to close; true if it did. */
  async waitClosed(ms = 3000): Promise<boolean> {
    return await withTimeout(this.closed.then(() => true), ms, "TCP close").catch(() => false);
  }

  /** Closes gracefully (FIN). */
  end(): void {
    this.socket.end();
  }

  /** Drops the connection at once: a TCP reset where the runtime offers one, else destroy. */
  reset(): void {
    const socket = this.socket as Socket & { resetAndDestroy?: () => void };
    try {
      if (typeof socket.resetAndDestroy === "function") socket.resetAndDestroy();
      else socket.destroy();
    } catch {
      socket.destroy();
    }
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter();
  }
}

/** Text as latin1 bytes (one byte per char code, for HTTP heads). */
export function latin1Bytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  return bytes;
}

/** Index just past the "\r\n\r\n" ending an HTTP head, or -1. */
export function headEnd(bytes: Uint8Array): number {
  for (let i = 3; i < bytes.length; i++) {
    if (bytes[i] === 10 && bytes[i - 1] === 13 && bytes[i - 2] === 10 && bytes[i - 3] === 13) {
      return i + 1;
    }
  }
  return -1;
}

/** The status code of an HTTP response head in `bytes`, or undefined. */
export function statusOf(bytes: Uint8Array): number | undefined {
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(latin1.decode(bytes.subarray(0, 64)));
  return match ? Number(match[1]) : undefined;
}

/** A WebSocket upgrade request head for `path` (no body). */
export function upgradeRequest(port: number, path: string, extraHeaders = ""): string {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
    `Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n` +
    `Sec-WebSocket-Version: 13\r\n${extraHeaders}\r\n`;
}

/** Options of one hand-built WebSocket frame. */
export interface FrameOptions {
  /** FIN bit (default true). */
  fin?: boolean;
  /** RSV1-3 bits as a 3-bit number (default 0). */
  rsv?: number;
  /** Mask the payload, as a client must (default true). */
  mask?: boolean;
  /** Announce this payload length instead of the real one (a lying frame). */
  announce?: number;
}

/** Builds one WebSocket frame; text payloads are UTF-8. */
export function wsFrame(
  opcode: number,
  payload: string | Uint8Array = new Uint8Array(0),
  options: FrameOptions = {},
): Uint8Array {
  const { fin = true, rsv = 0, mask = true } = options;
  const body = typeof payload === "string" ? encoder.encode(payload) : payload;
  const length = options.announce ?? body.byteLength;
  const head: number[] = [(fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f)];
  const maskBit = mask ? 0x80 : 0;
  if (length < 126) head.push(maskBit | length);
  else if (length < 65536) head.push(maskBit | 126, length >> 8, length & 0xff);
  else {
    head.push(maskBit | 127);
    const high = Math.floor(length / 2 ** 32);
    const low = length >>> 0;
    head.push(high >>> 24, (high >> 16) & 0xff, (high >> 8) & 0xff, high & 0xff);
    head.push(low >>> 24, (low >> 16) & 0xff, (low >> 8) & 0xff, low & 0xff);
  }
  const key = [0x12, 0x34, 0x56, 0x78];
  if (mask) head.push(...key);
  const frame = new Uint8Array(head.length + body.byteLength);
  frame.set(head);
  for (let i = 0; i < body.byteLength; i++) {
    frame[head.length + i] = mask ? body[i] ^ key[i & 3] : body[i];
  }
  return frame;
}

/** One frame the server sent. */
export interface ServerFrame {
  opcode: number;
  payload: Uint8Array;
}

/** Parses the first complete (unmasked) server frame, or undefined if more bytes are needed. */
export function parseFrame(bytes: Uint8Array): { frame: ServerFrame; size: number } | undefined {
  if (bytes.length < 2) return undefined;
  const opcode = bytes[0] & 0x0f;
  let length = bytes[1] & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (bytes.length < 4) return undefined;
    length = (bytes[2] << 8) | bytes[3];
    offset = 4;
  } else if (length === 127) {
    if (bytes.length < 10) return undefined;
    length = 0;
    for (let i = 2; i < 10; i++) length = length * 256 + bytes[i];
    offset = 10;
  }
  if (bytes[1] & 0x80) offset += 4; // a masked server frame (a protocol error, read anyway)
  if (bytes.length < offset + length) return undefined;
  return {
    frame: { opcode, payload: bytes.slice(offset, offset + length) },
    size: offset + length,
  };
}

/** The close code of a close frame's payload, or undefined. */
export function closeCode(frame: ServerFrame): number | undefined {
  return frame.payload.length >= 2 ? (frame.payload[0] << 8) | frame.payload[1] : undefined;
}

/** A WebSocket spoken over raw TCP, after a hand-made upgrade. */
export class RawWs {
  private constructor(readonly tcp: RawTcp) {}

  /** Opens a TCP connection and upgrades `path`; throws unless the answer is 101. */
  static async open(port: number, path: string): Promise<RawWs> {
    const tcp = await RawTcp.open(port);
    await tcp.write(upgradeRequest(port, path));
    const done = await tcp.until((bytes) => headEnd(bytes) >= 0);
    const head = tcp.peek();
    const status = statusOf(head);
    if (!done || status !== 101) {
      tcp.reset();
      throw new Error(`upgrade of ${path} answered ${status ?? "nothing"}`);
    }
    tcp.take(headEnd(head));
    return new RawWs(tcp);
  }

  /** Sends a masked text frame. */
  sendText(text: string): Promise<boolean> {
    return this.tcp.write(wsFrame(1, text));
  }

  /** Sends a masked binary frame. */
  sendBinary(bytes: Uint8Array): Promise<boolean> {
    return this.tcp.write(wsFrame(2, bytes));
  }

  /** The next frame from the server; undefined when the connection ended or `ms` passed. */
  async next(ms = 3000): Promise<ServerFrame | undefined> {
    let parsed: { frame: ServerFrame; size: number } | undefined;
    await this.tcp.until((bytes) => (parsed = parseFrame(bytes)) !== undefined, ms);
    if (!parsed) return undefined;
    this.tcp.take(parsed.size);
    return parsed.frame;
  }

  /** The next text frame's text, skipping pings (opcode 9); undefined if none came. */
  async nextText(ms = 3000): Promise<string | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const frame = await this.next(Math.max(0, deadline - Date.now()));
      if (!frame) return undefined;
      if (frame.opcode === 1) return new TextDecoder().decode(frame.payload);
      if (frame.opcode === 8) return undefined;
    }
  }

  /**
   * Reads frames until a close frame (returns its code, or 1005 without one) or the end of the
   * connection (returns "ended"); undefined if neither happened within `ms`.
   */
  async closeOutcome(ms = 3000): Promise<number | "ended" | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      const frame = await this.next(left);
      if (frame) {
        if (frame.opcode === 8) return closeCode(frame) ?? 1005;
        continue;
      }
      if (this.tcp.ended) return "ended";
      return undefined;
    }
  }

  /** Drops the connection. */
  reset(): void {
    this.tcp.reset();
  }
}

/**
 * Opens an Engine.IO WebSocket session on `/socket.io/` over raw TCP and joins a namespace;
 * returns the socket once the CONNECT reply arrived, and, when `greeting` (the fixture greets
 * "/" and "/custom" with an "auth" event), once that event arrived too.
 */
export async function rawSocketIoWs(
  port: number,
  { nsp = "/", greeting = true }: { nsp?: string; greeting?: boolean } = {},
): Promise<RawWs> {
  const ws = await RawWs.open(port, "/socket.io/?EIO=4&transport=websocket");
  const open = await ws.nextText();
  if (!open?.startsWith("0{")) throw new Error(`expected an OPEN packet, got ${open}`);
  await ws.sendText(nsp === "/" ? "40" : `40${nsp},`);
  const reply = await ws.nextText();
  if (!reply?.startsWith("40")) throw new Error(`expected a CONNECT reply, got ${reply}`);
  if (greeting) {
    const auth = await ws.nextText();
    if (!auth?.includes('"auth"')) throw new Error(`expected the auth event, got ${auth}`);
  }
  return ws;
}
