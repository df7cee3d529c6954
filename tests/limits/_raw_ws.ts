/**
 * A WebSocket client written by hand over node:net, for tests that need what no WebSocket API
 * offers: to stop reading (so the server's send buffer fills, as with a stalled mobile
 * client), and to see the HTTP status of a refused upgrade. It does the opening handshake,
 * parses the server's (unmasked) frames while reading, and sends masked text frames.
 * Every wait is bounded; `closeRawClients` destroys whatever a test left open.
 */
import { connect, type Socket } from "node:net";
import { withTimeout } from "../_helpers/wait.ts";

/** How long one wait may take (below bun's 5 s per test). */
const WAIT_MS = 3000;

const live = new Set<RawWsClient>();

/** An HTTP response read off a raw socket: status line, headers, body. */
export interface RawHttpResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** One hand-driven WebSocket connection to 127.0.0.1. */
export class RawWsClient {
  readonly socket: Socket;
  /** Resolves once the TCP connection is gone. */
  readonly closed: Promise<void>;
  #buffer = new Uint8Array(0);
  #wake: (() => void) | undefined;
  #ended = false;
  /** Text frames received and not yet taken. */
  #texts: string[] = [];
  #upgraded = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    live.add(this);
    socket.on("data", (chunk: Uint8Array) => {
      const next = new Uint8Array(this.#buffer.byteLength + chunk.byteLength);
      next.set(this.#buffer);
      next.set(chunk, this.#buffer.byteLength);
      this.#buffer = next;
      if (this.#upgraded) this.#parseFrames();
      this.#wake?.();
    });
    socket.on("error", () => {});
    this.closed = new Promise((resolve) => {
      socket.once("close", () => {
        this.#ended = true;
        live.delete(this);
        this.#wake?.();
        resolve();
      });
    });
  }

  /** Whether the server closed the connection. */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Sends a WebSocket upgrade request for `path` to `port`; resolves with the client once the
   * response headers arrived (`response.status` 101 when upgraded).
   */
  static async open(
    port: number,
    path: string,
  ): Promise<{ client: RawWsClient; response: RawHttpResponse }> {
    const socket = connect({ host: "127.0.0.1", port });
    const client = new RawWsClient(socket);
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once("connect", () => resolve());
        socket.once("error", reject);
      }),
      WAIT_MS,
      `TCP connect to ${port}`,
    );
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomKey()}\r\n` +
        "Sec-WebSocket-Version: 13\r\n\r\n",
    );
    const response = await client.#readResponse();
    if (response.status === 101) {
      client.#upgraded = true;
      client.#parseFrames();
    }
    return { client, response };
  }

  /** Opens an Engine.IO WebSocket session on `path` and reads its OPEN packet. */
  static async session(port: number, path: string): Promise<{ client: RawWsClient; sid: string }> {
    const { client, response } = await RawWsClient.open(port, `${path}?EIO=4&transport=websocket`);
    if (response.status !== 101) {
      client.destroy();
      throw new Error(`upgrade refused: HTTP ${response.status} ${response.body}`);
    }
    const open = await client.text();
    if (!open.startsWith("0{")) throw new Error(`expected an OPEN packet, got ${open}`);
    return { client, sid: JSON.parse(open.slice(1)).sid };
  }

  /** Sends one masked text frame. */
  send(text: string): void {
    const payload = new TextEncoder().encode(text);
    const length = payload.byteLength;
    const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
    const frame = new Uint8Array(header + 4 + length);
    frame[0] = 0x81; // FIN, text
    if (length < 126) frame[1] = 0x80 | length;
    else if (length < 65536) {
      frame[1] = 0x80 | 126;
      new DataView(frame.buffer).setUint16(2, length);
    } else {
      frame[1] = 0x80 | 127;
      new DataView(frame.buffer).setBigUint64(2, BigInt(length));
    }
    const mask = [0x12, 0x34, 0x56, 0x78];
    frame.set(mask, header);
    for (let i = 0; i < length; i++) frame[header + 4 + i] = payload[i] ^ mask[i % 4];
    this.socket.write(frame);
  }

  /** The next text frame (waits, bounded). */
  async text(ms = WAIT_MS): Promise<string> {
    const deadline = Date.now() + ms;
    while (this.#texts.length === 0) {
      if (this.#ended) throw new Error("connection closed while waiting for a frame");
      if (Date.now() > deadline) throw new Error(`no text frame within ${ms} ms`);
      await this.#next(deadline - Date.now());
    }
    return this.#texts.shift()!;
  }

  /** Text frames received so far and not taken. */
  get pendingTexts(): number {
    return this.#texts.length;
  }

  /** Stops reading from the socket: the kernel buffers fill, then the server's. */
  stopReading(): void {
    this.socket.pause();
  }

  /** Reads again (frames that arrive are parsed and counted). */
  resumeReading(): void {
    this.socket.resume();
  }

  /** Destroys the TCP connection and waits (bounded) for it to close. */
  async close(): Promise<void> {
    this.destroy();
    await withTimeout(this.closed, WAIT_MS, "raw socket to close").catch(() => {});
  }

  /** Destroys the TCP connection at once. */
  destroy(): void {
    this.socket.destroy();
  }

  #next(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(1, ms));
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = undefined;
        done();
      };
    });
  }

  async #readResponse(): Promise<RawHttpResponse> {
    const deadline = Date.now() + WAIT_MS;
    const latin1 = new TextDecoder("latin1");
    for (;;) {
      const text = latin1.decode(this.#buffer);
      const end = text.indexOf("\r\n\r\n");
      if (end !== -1) {
        const [statusLine, ...lines] = text.slice(0, end).split("\r\n");
        const headers: Record<string, string> = {};
        for (const line of lines) {
          const colon = line.indexOf(":");
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        const status = Number(statusLine.split(" ")[1]);
        if (status === 101) {
          this.#buffer = this.#buffer.slice(end + 4);
          return { status, headers, body: "" };
        }
        const length = Number(headers["content-length"] ?? NaN);
        const body = text.slice(end + 4);
        if (Number.isFinite(length) ? body.length >= length : this.#ended) {
          return { status, headers, body: Number.isFinite(length) ? body.slice(0, length) : body };
        }
      }
      if (this.#ended && end === -1) throw new Error("connection closed before a response");
      if (Date.now() > deadline) throw new Error("no HTTP response in time");
      await this.#next(deadline - Date.now());
    }
  }

  #parseFrames(): void {
    const decoder = new TextDecoder();
    let offset = 0;
    const buffer = this.#buffer;
    for (;;) {
      if (buffer.byteLength - offset < 2) break;
      const opcode = buffer[offset] & 0x0f;
      let length = buffer[offset + 1] & 0x7f;
      let header = 2;
      const view = new DataView(buffer.buffer, buffer.byteOffset + offset);
      if (length === 126) {
        if (buffer.byteLength - offset < 4) break;
        length = view.getUint16(2);
        header = 4;
      } else if (length === 127) {
        if (buffer.byteLength - offset < 10) break;
        length = Number(view.getBigUint64(2));
        header = 10;
      }
      if (buffer.byteLength - offset < header + length) break;
      if (opcode === 1) {
        this.#texts.push(
          decoder.decode(buffer.subarray(offset + header, offset + header + length)),
        );
      }
      offset += header + length;
    }
    if (offset > 0) this.#buffer = buffer.slice(offset);
  }
}

/** A Sec-WebSocket-Key: 16 random bytes in base64. */
function randomKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

/** Destroys every raw client still open (for `after` hooks). */
export async function closeRawClients(): Promise<void> {
  await Promise.all([...live].map((client) => client.close()));
}
