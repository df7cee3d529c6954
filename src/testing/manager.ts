import type { HandshakeInfo } from "../engine/handshake_info.ts";
import type { PacketData } from "../engine/packet.ts";
import type { EngineServer } from "../engine/server.ts";
import { SocketPacketDecoder } from "../parser/decoder.ts";
import { encodeSocketPacket } from "../parser/encoder.ts";
import type { SocketPacket } from "../parser/packet.ts";
import type { DefaultEventsMap, EventsMap } from "../server/events.ts";
import { type ConnectionCloseReason, delivered, EngineConnection } from "./engine_connection.ts";
import type { TestClient } from "./test_client.ts";
import { rethrowUnhandled, type SocketCarrier, TestSocket } from "./test_socket.ts";
import type { TestSocketOptions } from "./types.ts";

/**
 * The implementation of `TestManager`: Socket.IO packets over one in-memory Engine.IO
 * connection, encoded and decoded with the server's own codec (binary attachments included),
 * and routed to the socket of their namespace.
 */
export class MemoryManager implements SocketCarrier {
  readonly #connection: EngineConnection;
  readonly #decoder = new SocketPacketDecoder({
    // what the server sends is trusted: no tighter limits than the codec's own
    maxAttachments: Number.MAX_SAFE_INTEGER,
    maxDepth: 10_000,
  });
  readonly #sockets = new Map<string, TestSocket>();
  readonly #defaults: Required<TestSocketOptions>;

  constructor(engine: EngineServer, info: HandshakeInfo, defaults: Required<TestSocketOptions>) {
    this.#defaults = defaults;
    this.#connection = new EngineConnection(engine, info, {
      onMessage: (data) => this.#onMessage(data),
      onClose: (reason) => this.#onClose(reason),
    });
  }

  get id(): string {
    return this.#connection.id;
  }

  get open(): boolean {
    return this.#connection.open;
  }

  socket<L extends EventsMap = DefaultEventsMap, E extends EventsMap = DefaultEventsMap>(
    namespace: string,
    options: TestSocketOptions = {},
  ): TestClient<L, E> {
    const name = namespace.startsWith("/") ? namespace : "/" + namespace;
    let socket = this.#sockets.get(name);
    if (socket) {
      socket.configure(options);
    } else {
      socket = new TestSocket(this, name, {
        auth: options.auth ?? {},
        timeout: options.timeout ?? this.#defaults.timeout,
      });
      this.#sockets.set(name, socket);
    }
    return socket as unknown as TestClient<L, E>;
  }

  close(): Promise<void> {
    this.#connection.close();
    return delivered();
  }

  write(packet: SocketPacket): void {
    for (const frame of encodeSocketPacket(packet)) this.#connection.send(frame);
  }

  #onMessage(data: PacketData): void {
    const decoded = this.#decoder.add(data);
    if (!decoded.ok) {
      // the server sent something our own codec refuses: a bug worth a loud failure
      this.#connection.close("parse error");
      rethrowUnhandled(new Error(`the test client could not decode a packet: ${decoded.error}`));
      return;
    }
    const packet = decoded.value;
    if (packet) this.#sockets.get(packet.nsp)?._onpacket(packet);
  }

  #onClose(reason: ConnectionCloseReason): void {
    this.#decoder.reset();
    for (const socket of this.#sockets.values()) socket._onclose(reason);
  }
}
