/**
 * A minimal WebSocket client for the bench, on the runtime's own `WebSocket`, speaking either
 * Engine.IO v4 + Socket.IO v5 (default namespace) or raw echo frames. The hot path reads only
 * the first characters of a frame: the ack id of `43<id>[...]`, never the JSON behind it.
 *
 * Raw mode mirrors the Socket.IO frames so both cost the same bytes: the request
 * `42<id>["message-with-ack",...]` comes back unchanged and its id is read at offset 2;
 * a binary echo carries its id in its first 4 bytes; text frames sent with a leading "B" are
 * broadcast by the raw servers to every other socket.
 */
import type { Protocol } from "./trial.ts";

/** An open connection (namespace "/" joined, in Socket.IO mode). */
export interface BenchConn {
  /** Sends a text frame (a whole Engine.IO packet in Socket.IO mode). */
  sendText(text: string): void;
  /** Sends a binary frame. */
  sendBinary(bytes: Uint8Array): void;
  /** Closes the WebSocket. */
  close(): void;
  /** Whether the socket is still open. */
  readonly open: boolean;
}

/** What the scenario wants to hear about. */
export interface ConnHandlers {
  /** An ack (Socket.IO ACK / BINARY_ACK completed, or a raw echo) with its id. */
  ack?(id: number): void;
  /** Any other text message: `42[...]` (a Socket.IO EVENT, or a raw broadcast frame). */
  event?(text: string): void;
  /** The connection closed (by either side). */
  closed?(): void;
}

/** The WebSocket URL of a server for a protocol. */
export function wsUrl(port: number, protocol: Protocol): string {
  return protocol === "sio"
    ? `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`
    : `ws://127.0.0.1:${port}/`;
}

/** Reads the decimal integer at `from` in `text` (stops at the first non-digit). */
export function readInt(text: string, from: number): number {
  let value = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    value = value * 10 + c;
  }
  return value;
}

const DIGIT_0 = 48;
const CH_2 = 50;
const CH_3 = 51;
const CH_4 = 52;
const CH_6 = 54;
const CH_1 = 49;

/**
 * Opens a connection; resolves once it can carry requests (Socket.IO: after the CONNECT reply
 * of namespace "/"; raw: once open). Rejects on error, close or `timeoutMs`.
 */
export function openConn(
  url: string,
  protocol: Protocol,
  handlers: ConnHandlers,
  timeoutMs = 10_000,
): Promise<BenchConn> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    let ready = false;
    let binaryAckId = -1;
    const conn: BenchConn = {
      sendText: (text) => ws.send(text),
      sendBinary: (bytes) => ws.send(bytes),
      close: () => {
        try {
          ws.close();
        } catch {
          // already closing
        }
      },
      get open() {
        return ws.readyState === 1;
      },
    };
    const timer = setTimeout(() => fail(new Error(`connect timeout ${url}`)), timeoutMs);
    const fail = (error: Error) => {
      if (ready) return;
      ready = true;
      clearTimeout(timer);
      conn.close();
      reject(error);
    };
    const succeed = () => {
      if (ready) return;
      ready = true;
      clearTimeout(timer);
      resolve(conn);
    };
    ws.onerror = () => fail(new Error(`websocket error ${url}`));
    ws.onclose = () => {
      fail(new Error(`closed before ready ${url}`));
      handlers.closed?.();
    };
    if (protocol === "raw") {
      ws.onopen = succeed;
      ws.onmessage = (message: MessageEvent) => {
        const data = message.data;
        if (typeof data === "string") {
          const c = data.charCodeAt(2) - DIGIT_0;
          if (c >= 0 && c <= 9) handlers.ack?.(readInt(data, 2));
          else handlers.event?.(data);
        } else {
          handlers.ack?.(new DataView(data as ArrayBuffer).getUint32(0));
        }
      };
      return;
    }
    ws.onmessage = (message: MessageEvent) => {
      const data = message.data;
      if (typeof data !== "string") {
        // The attachment of a BINARY_ACK (the bench's acks carry exactly one).
        if (binaryAckId >= 0) {
          const id = binaryAckId;
          binaryAckId = -1;
          handlers.ack?.(id);
        }
        return;
      }
      const engineType = data.charCodeAt(0);
      if (engineType === CH_4) {
        const type = data.charCodeAt(1);
        if (type === CH_3) handlers.ack?.(readInt(data, 2));
        else if (type === CH_2) handlers.event?.(data);
        else if (type === CH_6) binaryAckId = readInt(data, data.indexOf("-") + 1);
        else if (type === DIGIT_0) succeed();
        else if (type === CH_4) fail(new Error(`connect error ${data}`));
        else if (type === CH_1) conn.close();
      } else if (engineType === CH_2) {
        ws.send("3" + data.slice(1)); // PING → PONG
      } else if (engineType === DIGIT_0) {
        ws.send("40"); // OPEN → CONNECT to "/"
      } else if (engineType === CH_1) {
        conn.close();
      }
    };
  });
}

/** Opens `count` connections (or clients), at most `concurrency` handshakes at a time. */
export async function openMany<T>(
  count: number,
  concurrency: number,
  open: (index: number) => Promise<T>,
): Promise<T[]> {
  const conns: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      conns[index] = await open(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return conns;
}
