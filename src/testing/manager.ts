import type { HandshakeInfo } from "../engine/handshake_info.ts";
import type { EngineServer } from "../engine/server.ts";
import type { PacketDecoder, SocketCodec } from "../parser/codec.ts";
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
  readonly #codec: SocketCodec;
  readonly #decoder: PacketDecoder;
  readonly #sockets = new Map<string, TestSocket>();
  readonly #defaults: Required<TestSocketOptions>;

  constructor(
    engine: EngineServer,
    info: HandshakeInfo,
    codec: SocketCodec,
    defaults: Required<TestSocketOptions>,
  ) {
    this.#defaults = defaults;
    this.#codec = codec;
    this.#decoder = codec.createDecoder({
      // what the server sends is trusted: no tighter limits than the codec's own
      maxAttachments: Number.MAX_SAFE_INTEGER,
      maxDepth: 10_000,
    }, {
      packet: (packet) => this.#sockets.get(packet.nsp)?._onpacket(packet),
      error: (reason) => {
        // the server sent something its own codec refuses: a bug worth a loud failure
        this.#connection.close("parse error");
        rethrowUnhandled(new Error(`the test client could not decode a packet: ${reason}`));
      },
    });
    this.#connection = new EngineConnection(engine, info, {
      onMessage: (data) => this.#decoder.add(data),
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
    for (const frame of this.#codec.encode(packet)) this.#connection.send(frame);
  }

  #onClose(reason: ConnectionCloseReason): void {
    this.#decoder.destroy();
    for (const socket of this.#sockets.values()) socket._onclose(reason);
  }
}
