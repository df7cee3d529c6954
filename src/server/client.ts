import { getLogger } from "../_internal/log.ts";
import { whenClosed } from "../engine/drain.ts";
import type { EngineCloseReason, EngineSocket, SessionReader } from "../engine/engine_socket.ts";
import type { PacketData } from "../engine/packet.ts";
import { EngineSession } from "../engine/session.ts";
import { type TopicMember, type TopicReachable, topicReachable } from "../engine/native_topics.ts";
import { DRAIN_LOW_WATER } from "../engine/transport.ts";
import type { Frames, PacketDecoder, SocketCodec } from "../parser/codec.ts";
import { type SocketPacket, SocketPacketType } from "../parser/packet.ts";
import type { ResolvedRateLimit, ResolvedSlowConsumer } from "./limits.ts";
import { type SocketRequest, socketRequest } from "./request.ts";
import type { SocketServer } from "./server.ts";
import type { AnyServerSocket } from "./socket.ts";
import type { BroadcastFlags, DisconnectReason } from "./types.ts";
import { parseV2Connect } from "./v2_clients.ts";
import {
  ClientDecoderSink,
  ConnectDeadline,
  connectDeadlines,
  decoderLimits,
} from "./connection_resources.ts";
import {
  type ClientSockets,
  socketCount,
  socketIn,
  socketList,
  withoutSocket,
  withSocket,
} from "./client_sockets.ts";

const log = getLogger("server");

/** Bound on the rounds of waiting for a connection's sockets to be idle at once. */
const MAX_IDLE_ROUNDS = 1000;

/** Resolves after a turn of the event loop (I/O that was ready has been handed over). */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * One Engine.IO connection seen by Socket.IO: decodes its messages, multiplexes namespaces
 * over it, and closes it if it joins none within `connectTimeout`.
 */
export class Client implements SessionReader {
  readonly #server: SocketServer;
  readonly #codec: SocketCodec;
  readonly #decoder: PacketDecoder;
  #sockets: ClientSockets;
  /** Namespaces whose CONNECT is under way; made on the first CONNECT. */
  #connecting: Set<string> | undefined;
  /** Closes the connection if it joins no namespace within `connectTimeout`. */
  #connectDeadline: ConnectDeadline | undefined;
  #closeReason: DisconnectReason | undefined;
  /** The limit on each socket's incoming events, if any. */
  readonly rateLimit: ResolvedRateLimit | undefined;
  readonly #slow: ResolvedSlowConsumer;
  /** `slowConsumer.maxBufferedBytes`, read on every write. */
  readonly #highWater: number;
  /** A write found the connection above `#highWater`; cleared by the next "drain". */
  #pressured = false;
  /** Listens to "drain" only while `#pressured` (the session emits it after most writes). */
  #drainListener: (() => void) | undefined;
  /** Packets dropped since the connection went above `#highWater`. */
  #dropped = 0;
  /** The "dropping packets" warning was logged since the connection went above `#highWater`. */
  #warnedDrop = false;

  /** The connection's side of native topics, where the runtime has them. */
  readonly #topics: TopicReachable | undefined;
  /** Bytes buffered above which a broadcast is written rather than published. */
  readonly #publishLimit: number;

  /** A drain is closing this connection: CONNECTs are no longer admitted. */
  #shuttingDown = false;

  /** Made on first read: the Node-shaped view of the handshake request (`socket.request`). */
  #request: SocketRequest | undefined;

  constructor(server: SocketServer, readonly conn: EngineSocket) {
    this.#server = server;
    this.rateLimit = server.options.rateLimit;
    this.#slow = server.options.slowConsumer;
    this.#highWater = this.#slow.maxBufferedBytes;
    this.#topics = topicReachable(conn);
    // published frames skip the session's drain bookkeeping: keep them well below the point
    // where the slow-consumer policy or a drain watch would have to see them
    this.#publishLimit = Math.min(this.#highWater, DRAIN_LOW_WATER);
    this.#codec = server.options.parser;
    this.#decoder = this.#codec.createDecoder(decoderLimits(server), new ClientDecoderSink(this));
    server._clients.add(this);
    if (conn instanceof EngineSession) conn._read(this);
    else {
      conn.on("message", (data) => this._onmessage(data));
      conn.on("close", (reason, description) => this._onclose(reason, description));
    }
    this.#connectDeadline = new ConnectDeadline(() => {
      if (this.#sockets !== undefined) return;
      log.debug("no namespace joined in time", { sid: conn.id });
      conn.close();
    });
    connectDeadlines(server).schedule(
      this.#connectDeadline,
      Date.now() + server.options.connectTimeout,
    );
    // a Socket.IO v2 client (Engine.IO v3) is in the main namespace from the handshake on
    if (conn.protocol === 3) this.#connect("/", {});
  }

  /** The handshake request, shaped like Node's `IncomingMessage`. */
  get request(): SocketRequest {
    return this.#request ??= socketRequest(this.conn.request);
  }

  /** Whether the connection is closing (or closed): a CONNECT under way must not complete. */
  get closing(): boolean {
    return this.#shuttingDown || this.conn.readyState !== "open";
  }

  /** Encodes and writes a packet. */
  writePacket(packet: SocketPacket, flags: BroadcastFlags): boolean {
    return this.writeFrames(this.#codec.encode(packet), flags);
  }

  /**
   * Writes already encoded frames. Volatile frames are dropped when the transport cannot write
   * now or the connection holds more than `slowConsumer.maxBufferedBytes`; above
   * `hardLimitBytes` the slow-consumer action applies. Returns false when the frames were
   * dropped or the connection is above `maxBufferedBytes` (wait for "drain").
   */
  writeFrames(frames: Frames, flags: BroadcastFlags): boolean {
    const conn = this.conn;
    if (conn.readyState !== "open") return false;
    const buffered = conn.bufferedAmount;
    if (buffered > this.#highWater) return this.#writeUnderPressure(frames, flags, buffered);
    if (flags.volatile && !conn.writable) return false;
    // the flags are the engine's send options too (`compress`): no object per write
    for (let i = 0; i < frames.length; i++) conn.send(frames[i], flags);
    return true;
  }

  /**
   * @internal The connection's topics when a broadcast frame of `bytes` may be published to it
   * instead of written: not above the slow-consumer limit, and the engine can take it in order.
   */
  _topicMember(bytes: number): TopicMember | undefined {
    const topics = this.#topics;
    if (topics === undefined || this.#pressured) return undefined;
    return topics.topicMember(this.#publishLimit - bytes);
  }

  /** Registers a socket that completed its connection. */
  add(socket: AnyServerSocket): void {
    this.#sockets = withSocket(this.#sockets, socket);
    this.#connecting?.delete(socket.nsp.name);
    this.#cancelConnectDeadline();
  }

  /** Forgets a socket that left its namespace. */
  remove(socket: AnyServerSocket): void {
    this.#sockets = withoutSocket(this.#sockets, socket);
  }

  /** Disconnects every namespace, then closes the connection. */
  disconnectAll(): void {
    for (const socket of socketList(this.#sockets)) socket.disconnect();
    this.#sockets = undefined;
    this.conn.close();
  }

  /** Closes the connection, recording why for the sockets still on it. */
  close(reason: DisconnectReason): void {
    this.#closeReason ??= reason;
    this.conn.close();
  }

  /**
   * Shuts the connection down for a drain: once no handler of its sockets is running (their
   * acknowledgements written) and none started during a turn of the event loop (events the
   * runtime had received are handled), each socket disconnects with "server shutting down"
   * (with recovery, its session is kept first, and that is awaited), then the connection
   * closes once what is queued was sent. Without a DISCONNECT packet, the client reconnects on
   * its own. Resolves once the connection is closed.
   */
  async shutDown(): Promise<void> {
    const closed = whenClosed(this.conn);
    let settled = false;
    for (let round = 0; round < MAX_IDLE_ROUNDS; round++) {
      if (this.conn.readyState === "closed") return;
      const busy = this.#runningWork();
      if (busy) settled = false;
      else if (settled) break;
      else settled = true;
      await Promise.race([busy ?? nextTurn(), closed]);
    }
    // no await from the last check to here: a runtime that hands over WebSocket messages
    // between promise jobs (Deno) could otherwise start a handler on a socket closing now
    this.#shuttingDown = true;
    const kept: Promise<void>[] = [];
    for (const socket of socketList(this.#sockets)) {
      const persisted = socket._onclose("server shutting down");
      if (persisted) kept.push(persisted);
    }
    await Promise.all(kept);
    this.close("server shutting down");
    await closed;
  }

  /** Settles once the handlers running now on this connection's sockets have; undefined if none. */
  #runningWork(): Promise<unknown> | undefined {
    let busy: Promise<void>[] | undefined;
    for (const socket of socketList(this.#sockets)) {
      const idle = socket._inbox.idle();
      if (idle) (busy ??= []).push(idle);
    }
    return busy && Promise.all(busy);
  }

  #writeUnderPressure(frames: Frames, flags: BroadcastFlags, buffered: number): false {
    const conn = this.conn;
    if (!this.#pressured) {
      this.#pressured = true;
      conn.on("drain", this.#drainListener ??= () => this.#ondrain());
      log.debug("connection above slowConsumer.maxBufferedBytes", {
        sid: conn.id,
        bufferedAmount: buffered,
        maxBufferedBytes: this.#highWater,
      });
    }
    const metrics = this.#server.metrics;
    if (flags.volatile) {
      this.#dropped++;
      if (metrics !== undefined) metrics.slowConsumerDrops++;
      return false;
    }
    const { hardLimitBytes, action } = this.#slow;
    if (buffered <= hardLimitBytes) {
      for (let i = 0; i < frames.length; i++) conn.send(frames[i], flags);
      return false;
    }
    if (action === "drop") {
      this.#dropped++;
      if (metrics !== undefined) metrics.slowConsumerDrops++;
      if (!this.#warnedDrop) {
        this.#warnedDrop = true;
        log.warn("slow consumer: dropping packets", {
          sid: conn.id,
          address: conn.request.remoteAddress,
          bufferedAmount: buffered,
          hardLimitBytes,
        });
      }
      return false;
    }
    const description =
      `slow consumer: ${buffered} bytes buffered, over slowConsumer.hardLimitBytes (${hardLimitBytes})`;
    log.warn("slow consumer: connection closed", {
      sid: conn.id,
      address: conn.request.remoteAddress,
      bufferedAmount: buffered,
      hardLimitBytes,
    });
    if (metrics !== undefined) metrics.slowConsumerCloses++;
    // flushing first is pointless: the peer is not reading
    this.#closeReason ??= "forced close";
    conn.terminate("forced close", description);
    return false;
  }

  #ondrain(): void {
    if (!this.#pressured) return;
    this.#pressured = false;
    this.conn.off("drain", this.#drainListener!);
    this.#warnedDrop = false;
    if (this.#dropped > 0) {
      log.debug("connection drained", { sid: this.conn.id, dropped: this.#dropped });
      this.#dropped = 0;
    }
    for (const socket of socketList(this.#sockets)) socket._ondrain();
  }

  /** @internal A message arrived on the connection. */
  _onmessage(data: PacketData): void {
    this.#decoder.add(data);
  }

  /** @internal The decoder refused the input. */
  _onparseerror(reason: string): void {
    log.warn("invalid Socket.IO packet", {
      sid: this.conn.id,
      address: this.conn.request.remoteAddress,
      error: reason,
    });
    const error = new Error(reason);
    for (const socket of socketList(this.#sockets)) socket._onerror(error);
    this.close("parse error");
  }

  /** @internal The decoder made a packet. */
  _onpacket(packet: SocketPacket): void {
    if (packet.type === SocketPacketType.CONNECT) {
      if (this.conn.protocol === 3) this.#connectV2(packet.nsp);
      else this.#connect(packet.nsp, (packet.data ?? {}) as Record<string, unknown>);
      return;
    }
    const socket = socketIn(this.#sockets, packet.nsp);
    if (socket) socket._onpacket(packet);
    else if (packet.type === SocketPacketType.DISCONNECT || this.#connecting?.has(packet.nsp)) {
      // a DISCONNECT can cross the server's own on the wire
      log.debug("packet for a namespace not joined", { sid: this.conn.id, nsp: packet.nsp });
    } else this.#violation(packet.type, packet.nsp);
  }

  /** A packet that breaks the protocol's order (as the reference, the connection closes). */
  #violation(type: SocketPacketType, nsp: string): void {
    log.warn("protocol violation: connection closed", { sid: this.conn.id, type, nsp });
    this.close("forced server close");
  }

  /** A v2 client's CONNECT: the query in its namespace is the auth. */
  #connectV2(nsp: string): void {
    const parsed = parseV2Connect(nsp);
    if (parsed) {
      this.#connect(parsed.name, parsed.auth);
      return;
    }
    log.warn("invalid namespace in CONNECT", { sid: this.conn.id, nsp });
    this.close("parse error");
  }

  #connect(name: string, auth: Record<string, unknown>): void {
    if (this.#shuttingDown) {
      log.debug("CONNECT ignored: the connection is closing for a drain", { nsp: name });
      return;
    }
    const connecting = this.#connecting ??= new Set();
    if (connecting.has(name)) {
      log.debug("CONNECT while connecting ignored", { sid: this.conn.id, nsp: name });
      return;
    }
    if (socketIn(this.#sockets, name) !== undefined) {
      this.#violation(SocketPacketType.CONNECT, name);
      return;
    }
    const max = this.#server.options.maxNamespacesPerConnection;
    if (socketCount(this.#sockets) + connecting.size >= max) {
      log.warn("CONNECT refused: maxNamespacesPerConnection reached", {
        sid: this.conn.id,
        address: this.conn.request.remoteAddress,
        nsp: name,
        maxNamespacesPerConnection: max,
      });
      this.writePacket({
        type: SocketPacketType.CONNECT_ERROR,
        nsp: name,
        data: { message: "Too many namespaces" },
      }, {});
      return;
    }
    connecting.add(name);
    this.#server._resolveNamespace(name, auth).then(async (nsp) => {
      if (typeof nsp === "string") {
        this.writePacket({
          type: SocketPacketType.CONNECT_ERROR,
          nsp: name,
          data: { message: nsp },
        }, {});
        return;
      }
      try {
        await nsp._add(this, auth);
      } finally {
        nsp._unpin();
      }
    }).catch((error) => {
      log.error("namespace connection failed", { nsp: name, error });
    }).finally(() => {
      connecting.delete(name);
      if (connecting.size === 0 && this.#connecting === connecting) this.#connecting = undefined;
    });
  }

  #cancelConnectDeadline(): void {
    const deadline = this.#connectDeadline;
    if (deadline === undefined) return;
    deadline.queue?.cancel(deadline);
    this.#connectDeadline = undefined;
  }

  /** @internal The connection closed. */
  _onclose(reason: EngineCloseReason, description?: string): void {
    this.#server._clients.delete(this);
    this.#cancelConnectDeadline();
    const why: DisconnectReason = this.#closeReason ?? reason;
    for (const socket of socketList(this.#sockets)) socket._onclose(why, description);
    this.#sockets = undefined;
    this.#decoder.destroy();
  }
}
