import { Emitter } from "../_internal/emitter.ts";
import { generateId } from "../_internal/ids.ts";
import { getLogger } from "../_internal/log.ts";
import type { EngineSocket } from "../engine/engine_socket.ts";
import { type SocketPacket, SocketPacketType } from "../parser/packet.ts";
import { type Ack, ackPromise, AckRegistry } from "./acks.ts";
import type { Adapter } from "./adapter.ts";
import { BroadcastOperator } from "./broadcast.ts";
import type { Client } from "./client.ts";
import {
  type AnyListener,
  type DefaultEventsMap,
  type EventNames,
  type EventParams,
  type EventsMap,
  isLifecycleEvent,
  type PacketMiddleware,
  type SocketLifecycleEvents,
} from "./events.ts";
import { buildHandshake } from "./handshake.ts";
import type { Namespace } from "./namespace.ts";
import type { SocketRequest } from "./request.ts";
import { persistSession, RECOVERABLE_REASONS, type RecoveredSession } from "./recovery.ts";
import { reportListenerError, SocketInbox } from "./socket_inbox.ts";
import { SocketOutbox } from "./socket_outbox.ts";
import { v2SocketId } from "./v2_clients.ts";
import {
  type BroadcastFlags,
  type DisconnectReason,
  type Handshake,
  RESERVED_EVENTS,
  type Room,
  type SocketId,
} from "./types.ts";

/** A socket whatever its event map and data type, as the server internals handle it. */
// deno-lint-ignore no-explicit-any
export type AnyServerSocket = ServerSocket<any, any>;

const log = getLogger("server");

/**
 * One client's connection to one namespace: emit to it, put it in rooms, acknowledge its
 * events, disconnect it. Built by the namespace; not meant to be subclassed.
 */
export class ServerSocket<
  EmitEvents extends EventsMap = DefaultEventsMap,
  SocketData = Record<string, unknown>,
> {
  /** The socket id (also the name of its own room). */
  readonly id: SocketId;
  #data: SocketData | undefined;
  /** Free storage for the application (made on first read: most sockets hold none). */
  get data(): SocketData {
    return this.#data ??= {} as SocketData;
  }
  set data(value: SocketData) {
    this.#data = value;
  }
  /** Whether the socket is connected to its namespace. */
  connected = false;
  /**
   * Whether this socket is a recovered session (`connectionStateRecovery`): same id, rooms and
   * `data` as before the disconnection, missed events sent; the connection middlewares (and a
   * gateway's `connect` hook) did not run when `skipMiddlewares` is true.
   */
  readonly recovered: boolean;
  /** @ignore The private session id (`connectionStateRecovery` on), sent in the CONNECT reply. */
  readonly pid: string | undefined;
  /** The recovered session, until its rooms and missed packets are applied on connect. */
  #session: RecoveredSession | undefined;
  /** Built on first read: most sockets never read it. */
  #handshake: Handshake | undefined;

  /** @internal The acknowledgements this socket awaits (broadcasts register theirs here). */
  readonly _acks: AckRegistry;
  #inbox: SocketInbox | undefined;
  #flags: { -readonly [K in keyof BroadcastFlags]: BroadcastFlags[K] } | undefined;
  /** @internal Outgoing packets: held until connected, outgoing listeners, writes. */
  readonly _outbox: SocketOutbox;
  #lifecycle = new Emitter<SocketLifecycleEvents>(reportListenerError, undefined, this);

  /** Built by the namespace when a client connects; not meant to be called directly. */
  constructor(
    /** The namespace the socket belongs to. */
    readonly nsp: Namespace,
    /** @ignore The connection the socket runs on (internal). */
    readonly client: Client,
    /** @internal The CONNECT packet's auth payload (`handshake.auth`, without building it). */
    readonly _auth: Record<string, unknown>,
    /** @ignore A session recovered by `connectionStateRecovery` (internal). */
    session?: RecoveredSession,
  ) {
    if (session) {
      this.id = session.sid;
      this.pid = session.pid;
      this.data = session.data as SocketData;
      this.recovered = true;
      this.#session = session;
    } else {
      const v2 = client.conn.protocol === 3; // no recovery for v2 clients: they send no pid
      this.id = v2 ? v2SocketId(nsp.name, client.conn.id) : generateId();
      this.pid = nsp.recovery === undefined || v2 ? undefined : generateId();
      this.recovered = false;
    }
    this._acks = new AckRegistry(nsp._ackWatcherOf(this));
    this._outbox = new SocketOutbox(this);
  }

  /** @internal Incoming events: rate limit, listeners, middlewares, dispatch, running work. */
  get _inbox(): SocketInbox {
    return this.#inbox ??= new SocketInbox(this, this.client.rateLimit, this.#lifecycle);
  }

  /** What the handshake carried. */
  get handshake(): Handshake {
    return this.#handshake ??= buildHandshake(this.client.conn.request, this._auth);
  }

  /** The Engine.IO connection under this socket. */
  get conn(): EngineSocket {
    return this.client.conn;
  }

  /** The handshake request, shaped like Node's `IncomingMessage` (as in socket.io). */
  get request(): SocketRequest {
    return this.client.request;
  }

  /** The namespace's adapter. */
  get adapter(): Adapter {
    return this.nsp.adapter;
  }

  /** The rooms this socket is in (its own id included). */
  get rooms(): Set<Room> {
    return this.adapter.socketRooms(this.id) ?? new Set();
  }

  /** Whether the socket has disconnected. */
  get disconnected(): boolean {
    return !this.connected;
  }

  /** Bytes queued on the connection, unsent (shared by its namespaces; see `slowConsumer`). */
  get bufferedAmount(): number {
    return this.client.conn.bufferedAmount;
  }

  /**
   * Sends an event to this client. A function as last argument asks the client for an
   * acknowledgement (with `timeout(ms)`, it receives an error first if none comes in time).
   * Returns false when the packet was dropped (volatile, or a disconnected socket) or the
   * connection holds more than `slowConsumer.maxBufferedBytes` unsent: then wait for "drain".
   */
  emit<E extends EventNames<EmitEvents>>(event: E, ...args: EventParams<EmitEvents, E>): boolean {
    if (RESERVED_EVENTS.has(event)) throw new Error(`"${event}" is a reserved event name`);
    const data: unknown[] = [event, ...args];
    const flags = this.#takeFlags();
    const packet: SocketPacket = { type: SocketPacketType.EVENT, nsp: this.nsp.name, data };
    const last = data[data.length - 1];
    if (typeof last === "function") {
      data.pop();
      packet.id = this.nsp._nextAckId();
      this._acks.expect(packet.id, last as Ack, flags.timeout, event);
    } else if (this.pid !== undefined && !flags.volatile) {
      // connection state recovery: offset appended, packet kept for a reconnection
      const options = { rooms: new Set([this.id]), except: new Set<string>(), flags };
      if (this.adapter.recordAndSend) {
        this.adapter.recordAndSend(packet, options);
        return this.connected;
      }
      this.adapter.recordPacket?.(packet, options);
    }
    return this._outbox.send(data, this.nsp.codec.encode(packet), flags);
  }

  /** Sends an event and resolves with the client's acknowledgement (rejects on timeout). */
  emitWithAck<E extends EventNames<EmitEvents>>(event: E, ...args: unknown[]): Promise<unknown> {
    const emit = this.emit as (this: this, event: string, ...args: unknown[]) => boolean;
    return ackPromise(
      this.#flags?.timeout !== undefined,
      (ack) => emit.call(this, event, ...args, ack),
    );
  }

  /** Sends a `message` event. */
  send(...args: unknown[]): this {
    (this.emit as (event: string, ...args: unknown[]) => boolean)("message", ...args);
    return this;
  }

  /** Sets a timeout (ms) for the acknowledgement of the next emit. */
  timeout(ms: number): this {
    (this.#flags ??= {}).timeout = ms;
    return this;
  }

  /** Drops the next emit if the transport cannot write now or the connection is backed up. */
  get volatile(): this {
    (this.#flags ??= {}).volatile = true;
    return this;
  }

  /** Sets the compress flag of the next emit: `false` keeps the packet uncompressed. */
  compress(compress: boolean): this {
    (this.#flags ??= {}).compress = compress;
    return this;
  }

  /** Broadcasts to every other socket of the namespace. */
  get broadcast(): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator();
  }

  /** Broadcasts to sockets of this process only. */
  get local(): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().local;
  }

  /** Targets sockets in a room (or rooms), this socket excluded. */
  to(room: Room | readonly Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().to(room);
  }

  /** Same as `to`. */
  in(room: Room | readonly Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.to(room);
  }

  /** Targets every other socket except those in a room (or rooms). */
  except(room: Room | readonly Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().except(room);
  }

  /** Joins a room or rooms. */
  join(rooms: Room | readonly Room[]): void | Promise<void> {
    if (!this.connected && !this._outbox.holding) return;
    return this.adapter.addAll(this.id, new Set(typeof rooms === "string" ? [rooms] : rooms));
  }

  /** Leaves a room. */
  leave(room: Room): void | Promise<void> {
    return this.adapter.del(this.id, room);
  }

  /** Leaves the namespace ("io server disconnect"); `close`: closes the whole connection. */
  disconnect(close = false): this {
    if (!this.connected) return this;
    if (close) this.client.disconnectAll();
    else this._disconnectFor();
    return this;
  }

  /** Adds a per-packet middleware for incoming events. */
  use(middleware: PacketMiddleware): this {
    this._inbox.use(middleware);
    return this;
  }

  /** Listens to a client event, or to `disconnecting`, `disconnect`, `error` and `drain`. */
  on(event: string, listener: (...args: unknown[]) => void): this {
    if (isLifecycleEvent(event)) this.#lifecycle.on(event, listener as never);
    else this._inbox.on(event, listener);
    return this;
  }

  /** Removes a listener added with `on`. */
  off(event: string, listener?: (...args: unknown[]) => void): this {
    if (isLifecycleEvent(event)) this.#lifecycle.off(event, listener as never);
    else this._inbox.off(event, listener);
    return this;
  }

  /** Listens to every incoming event. */
  onAny(listener: AnyListener): this {
    this._inbox.any.add(listener);
    return this;
  }

  /** Listens to every incoming event, before the other catch-all listeners. */
  prependAny(listener: AnyListener): this {
    this._inbox.any.prepend(listener);
    return this;
  }

  /** Removes a catch-all listener (all of them without an argument). */
  offAny(listener?: AnyListener): this {
    this._inbox.any.remove(listener);
    return this;
  }

  /** The catch-all listeners of incoming events. */
  listenersAny(): AnyListener[] {
    return this._inbox.any.snapshot();
  }

  /** Listens to every outgoing event. */
  onAnyOutgoing(listener: AnyListener): this {
    this._outbox.any.add(listener);
    return this;
  }

  /** Listens to every outgoing event, before the other outgoing listeners. */
  prependAnyOutgoing(listener: AnyListener): this {
    this._outbox.any.prepend(listener);
    return this;
  }

  /** Removes an outgoing catch-all listener (all of them without an argument). */
  offAnyOutgoing(listener?: AnyListener): this {
    this._outbox.any.remove(listener);
    return this;
  }

  /** The catch-all listeners of outgoing events. */
  listenersAnyOutgoing(): AnyListener[] {
    return this._outbox.any.snapshot();
  }

  /** @internal The connection drained after being above `slowConsumer.maxBufferedBytes`. */
  _ondrain(): void {
    if (this.connected) this.#lifecycle.emit("drain");
  }

  /** @internal A malformed packet arrived on its connection (which closes). */
  _onerror(error: Error): void {
    if (this.connected) this._inbox.reportError(error);
  }

  /** @internal Completes the connection: own room, CONNECT reply, then what was held. */
  _onconnect(): void {
    this.connected = true;
    const session = this.#session;
    this.#session = undefined;
    this.adapter.addAll(this.id, new Set([this.id, ...(session?.rooms ?? [])]));
    this._outbox.open(session?.missedPackets ?? []);
  }

  /** @internal Abandons a socket whose connection was refused. */
  _abandon(): void {
    this._outbox.abandon();
    this.adapter.delAll(this.id);
  }

  /** @internal Handles a packet addressed to this namespace. */
  _onpacket(packet: SocketPacket): void {
    switch (packet.type) {
      case SocketPacketType.EVENT:
      case SocketPacketType.BINARY_EVENT:
        this._inbox.receive(packet);
        return;
      case SocketPacketType.ACK:
      case SocketPacketType.BINARY_ACK:
        if (!this._acks.settle(packet.id!, packet.data as unknown[])) {
          log.debug("acknowledgement for an unknown id", { sid: this.id, id: packet.id });
        }
        return;
      case SocketPacketType.DISCONNECT:
        this._onclose("client namespace disconnect");
        return;
    }
  }

  /** @internal Disconnects for `reason`; with recovery, resolves once its session is kept. */
  _onclose(reason: DisconnectReason, description?: unknown): Promise<void> | undefined {
    if (!this.connected) return;
    log.debug("socket disconnected", { sid: this.id, nsp: this.nsp.name, reason, description });
    this.#lifecycle.emit("disconnecting", reason, description);
    const { id: sid, pid, data } = this;
    const persisted = pid !== undefined && RECOVERABLE_REASONS.has(reason)
      ? persistSession(this.adapter, { sid, pid, rooms: [...this.rooms], data })
      : undefined;
    this.adapter.delAll(this.id);
    this.nsp._remove(this);
    this.client.remove(this);
    this.connected = false;
    this._acks.clear("socket has been disconnected");
    this.#lifecycle.emit("disconnect", reason, description);
    this.#lifecycle.removeAllListeners();
    this.#inbox?.clear();
    return persisted;
  }

  /** @internal Disconnects from the namespace on the server's initiative, for `description`. */
  _disconnectFor(description?: string): void {
    this.client.writePacket({ type: SocketPacketType.DISCONNECT, nsp: this.nsp.name }, {});
    this._onclose("server namespace disconnect", description);
  }

  #takeFlags(): BroadcastFlags {
    const flags = this.#flags ?? {};
    this.#flags = undefined;
    return flags;
  }

  #operator(): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator(this.nsp, new Set(), new Set([this.id]), this.#takeFlags());
  }
}
