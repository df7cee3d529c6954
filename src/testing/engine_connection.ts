import type { HandshakeInfo } from "../engine/handshake_info.ts";
import { MemoryTransport } from "./memory_transport.ts";
import { decodePacket, encodePacket, type Packet, type PacketData } from "../engine/packet.ts";
import type { EngineServer } from "../engine/server.ts";

/** Why an in-memory Engine.IO connection ended, from the client's side. */
export type ConnectionCloseReason = "io client disconnect" | "transport close" | "parse error";

/** What an {@linkcode EngineConnection} tells its owner. */
export interface ConnectionHandlers {
  /** A message from the server: text, or bytes for a binary attachment. */
  onMessage(data: PacketData): void;
  /** The connection ended; nothing more arrives. */
  onClose(reason: ConnectionCloseReason): void;
}

/**
 * The client side of one in-memory Engine.IO connection. The session is opened with
 * `EngineServer.open`, the call the HTTP layer makes after a handshake, so the server runs
 * exactly as for a real client. Messages written before the OPEN packet arrives wait for it,
 * as a real client's would, and every PING is answered with a PONG, so the server's
 * heartbeat keeps an idle test connection alive.
 */
export class EngineConnection {
  readonly #transport: MemoryTransport;
  readonly #handlers: ConnectionHandlers;
  readonly #sessionId: string;
  #opened = false;
  #closed = false;
  #outbox: PacketData[] = [];

  constructor(engine: EngineServer, info: HandshakeInfo, handlers: ConnectionHandlers) {
    this.#handlers = handlers;
    this.#transport = new MemoryTransport({
      onFrame: (frame) => this.#onFrame(frame),
      onClose: () => this.#end("transport close"),
    }, engine.options.maxHttpBufferSize);
    this.#sessionId = engine.open(this.#transport, info).id;
  }

  /** The Engine.IO session id (`sid`). */
  get id(): string {
    return this.#sessionId;
  }

  /** Whether the connection is still open. */
  get open(): boolean {
    return !this.#closed;
  }

  /** Sends a message (a Socket.IO frame) to the server. */
  send(data: PacketData): void {
    if (this.#closed) return;
    if (!this.#opened) {
      this.#outbox.push(data);
      return;
    }
    this.#write({ type: "message", data });
  }

  /** Closes the connection; the server sees "transport close". */
  close(reason: ConnectionCloseReason = "io client disconnect"): void {
    if (this.#closed) return;
    this.#transport.peerClose();
    this.#end(reason);
  }

  #write(packet: Packet): void {
    this.#transport.receive(encodePacket(packet));
  }

  #onFrame(frame: PacketData): void {
    if (this.#closed) return;
    const decoded = decodePacket(frame);
    if (!decoded.ok) {
      this.close("parse error");
      return;
    }
    const packet = decoded.value;
    switch (packet.type) {
      case "open": {
        this.#opened = true;
        const outbox = this.#outbox;
        this.#outbox = [];
        for (const data of outbox) this.#write({ type: "message", data });
        return;
      }
      case "ping":
        this.#write(
          packet.data === undefined ? { type: "pong" } : { type: "pong", data: packet.data },
        );
        return;
      case "message":
        this.#handlers.onMessage(packet.data ?? "");
        return;
      case "close":
        this.#end("transport close");
        return;
      default:
        return;
    }
  }

  #end(reason: ConnectionCloseReason): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#outbox = [];
    this.#handlers.onClose(reason);
  }
}

/** Resolves once what was written before the call has been delivered (microtasks only). */
export function delivered(): Promise<void> {
  return new Promise((resolve) => queueMicrotask(resolve));
}
