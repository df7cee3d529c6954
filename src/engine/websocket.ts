import { decodePacket, encodePacket, type Packet } from "./packet.ts";
import {
  DETACHED,
  type Transport,
  type TransportListener,
  type WsConnection,
  type WsHandlers,
} from "./transport.ts";

/** Close code for a frame larger than maxPayload (RFC 6455 "message too big"). */
export const CLOSE_TOO_BIG = 1009;

/**
 * The WebSocket transport: one Engine.IO packet per frame. It is built before the runtime
 * opens the socket, so frames that arrive before a session binds are held, not lost.
 */
export class WebSocketTransport implements Transport {
  readonly name = "websocket";
  #listener: TransportListener = DETACHED;
  #connection: WsConnection | undefined;
  #closed = false;
  #onOpen: ((transport: WebSocketTransport) => void) | undefined;

  /** The callbacks to give the runtime adapter for this connection. */
  readonly handlers: WsHandlers;

  constructor(maxPayload: number, onOpen: (transport: WebSocketTransport) => void) {
    this.#onOpen = onOpen;
    this.handlers = {
      onOpen: (connection) => {
        this.#connection = connection;
        const open = this.#onOpen;
        this.#onOpen = undefined;
        open?.(this);
      },
      onMessage: (data) => this.#onFrame(data, maxPayload),
      onClose: () => this.#onPeerClose(),
      onDrain: () => this.#listener.onDrain(),
    };
  }

  get writable(): boolean {
    return this.#connection !== undefined && !this.#closed;
  }

  get bufferedAmount(): number {
    return this.#connection?.bufferedAmount ?? 0;
  }

  bind(listener: TransportListener): void {
    this.#listener = listener;
  }

  send(packets: readonly Packet[]): void {
    const connection = this.#connection;
    if (!connection || this.#closed) return;
    for (const packet of packets) connection.send(encodePacket(packet));
  }

  /** Sends one pre-encoded frame. */
  sendFrame(frame: string | Uint8Array): void {
    if (this.#connection && !this.#closed) this.#connection.send(frame);
  }

  close(done?: () => void, code?: number): void {
    if (!this.#closed) {
      this.#closed = true;
      try {
        this.#connection?.close(code);
      } catch {
        // already closed by the runtime
      }
    }
    done?.();
  }

  discard(): void {
    this.#listener = DETACHED;
  }

  #onFrame(data: string | Uint8Array, maxPayload: number): void {
    if (this.#closed) return;
    if (exceeds(data, maxPayload)) {
      this.close(undefined, CLOSE_TOO_BIG);
      this.#listener.onClose("transport error", "message too big");
      return;
    }
    const decoded = decodePacket(data);
    if (!decoded.ok) {
      this.#listener.onClose("parse error", decoded.error);
      return;
    }
    if (decoded.value.type === "close") {
      this.close();
      this.#listener.onClose("transport close");
      return;
    }
    this.#listener.onPacket(decoded.value);
  }

  #onPeerClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#listener.onClose("transport close");
  }
}

const encoder = new TextEncoder();

/** Whether a frame is larger than `limit` bytes (text counted as UTF-8, cheaply when clear). */
function exceeds(data: string | Uint8Array, limit: number): boolean {
  if (typeof data !== "string") return data.byteLength > limit;
  if (data.length > limit) return true;
  if (data.length * 3 <= limit) return false;
  return encoder.encode(data).byteLength > limit;
}
