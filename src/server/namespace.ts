import { runChainAsync } from "../_internal/chain.ts";
import { getLogger } from "../_internal/log.ts";
import { BUILTIN_CODEC, type SocketCodec } from "../parser/codec.ts";
import { SocketPacketType } from "../parser/packet.ts";
import type { Adapter, RemoteSocketLike } from "./adapter.ts";
import { BroadcastOperator } from "./broadcast.ts";
import type { Client } from "./client.ts";
import type { DefaultEventsMap, EventNames, EventParams, EventsMap } from "./events.ts";
import type { AdapterFactory } from "./in_memory_adapter.ts";
import {
  type ConnectMiddleware,
  type EventRoute,
  NamespaceHooks,
  reportConnectionListenerError,
} from "./namespace_hooks.ts";
import type { AckWatcher } from "./acks.ts";
import { type NamespaceInstruments, NO_INSTRUMENTS } from "./namespace_instruments.ts";
import {
  findSession,
  persistSession,
  type RecoveredSession,
  type ResolvedRecovery,
  type SessionToPersist,
} from "./recovery.ts";
import { type AnyServerSocket, ServerSocket } from "./socket.ts";
import { v2ConnectErrorData } from "./v2_clients.ts";
import { RESERVED_EVENTS, type Room, type SocketId } from "./types.ts";

export type { ConnectMiddleware, EventRoute };

const log = getLogger("server");

/**
 * A Socket.IO namespace: its sockets, its rooms (through the adapter), its middlewares, and
 * the operations that reach many sockets at once.
 */
export class Namespace<
  EmitEvents extends EventsMap = DefaultEventsMap,
  SocketData = Record<string, unknown>,
> {
  /** Connected sockets by id. */
  readonly sockets: Map<SocketId, ServerSocket<EmitEvents, SocketData>> = new Map();
  #adapter: Adapter;
  readonly #hooks = new NamespaceHooks();
  #ackIds = 0;
  /** CONNECTs resolved to this namespace and not settled yet (see `_pin`). */
  #pinned = 0;
  /** Called when the last socket left and no CONNECT is under way (child namespaces). */
  #onEmpty: (() => void) | undefined;

  /** Built by the server (`io.of(name)`); not meant to be called directly. */
  constructor(
    /** The namespace name, e.g. "/chat". */
    readonly name: string,
    adapterFactory: AdapterFactory,
    /** @ignore Hooks shared with a parent of dynamic namespaces (internal). */
    readonly parentHooks?: NamespaceHooks,
    /** @ignore Connection state recovery settings (internal); undefined when it is off. */
    readonly recovery?: ResolvedRecovery,
    /** @ignore The server's packet codec (internal): what the namespace's packets are encoded with. */
    readonly codec: SocketCodec = BUILTIN_CODEC,
    /** @ignore Its counters and spans, when metrics or tracing are on (internal). */
    readonly _instruments: NamespaceInstruments = NO_INSTRUMENTS,
  ) {
    this.#adapter = adapterFactory(this as unknown as Namespace);
  }

  /** Where rooms live and how broadcasts travel. */
  get adapter(): Adapter {
    return this.#adapter;
  }

  /**
   * @internal Replaces the adapter (socket.io's `io.adapter(Class)` after construction): the
   * new one is initialized and told the rooms of the sockets here; the old one is closed.
   */
  _replaceAdapter(adapterFactory: AdapterFactory): void {
    const previous = this.#adapter;
    const next = adapterFactory(this as unknown as Namespace);
    for (const id of this.sockets.keys()) {
      const rooms = previous.socketRooms(id);
      if (rooms) void next.addAll(id, new Set(rooms));
    }
    this.#adapter = next;
    void next.init();
    void previous.close();
  }

  /** Adds a connection middleware. */
  use(middleware: ConnectMiddleware): this {
    this.#hooks.middlewares.push(middleware);
    return this;
  }

  /**
   * Routes one client event of this namespace to a handler (used by gateways): its entry in
   * the namespace's dispatch table. An event has one route at most.
   */
  route(event: string, route: EventRoute): this {
    this.#hooks.route(event, route);
    return this;
  }

  /**
   * Listens to `connection` (alias `connect`) with the new socket; any other name listens to
   * events other servers of a cluster send with `serverSideEmit`.
   */
  on(event: string, listener: (...args: never[]) => void): this {
    if (event === "connection" || event === "connect") {
      this.#hooks.connection.add(listener as (socket: AnyServerSocket) => void);
    } else {
      this.#hooks.serverSide.on(event, listener as (...args: unknown[]) => void);
    }
    return this;
  }

  /** Removes a listener added with `on` (every listener of the event without one). */
  off(event: string, listener?: (...args: never[]) => void): this {
    if (event === "connection" || event === "connect") {
      this.#hooks.connection.remove(listener as ((socket: AnyServerSocket) => void) | undefined);
    } else {
      this.#hooks.serverSide.off(event, listener as ((...args: unknown[]) => void) | undefined);
    }
    return this;
  }

  /** Targets sockets in a room or rooms. */
  to(room: Room | readonly Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().to(room);
  }

  /** Same as `to`. */
  in(room: Room | readonly Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.to(room);
  }

  /** Targets every socket except those in a room or rooms. */
  except(room: Room | readonly Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().except(room);
  }

  /** Emits to every socket of the namespace. */
  emit<E extends EventNames<EmitEvents>>(event: E, ...args: EventParams<EmitEvents, E>): boolean {
    return this.#operator().emit(event, ...args);
  }

  /** Emits to every socket and resolves with their acknowledgements. */
  emitWithAck<E extends EventNames<EmitEvents>>(event: E, ...args: unknown[]): Promise<unknown[]> {
    return this.#operator().emitWithAck(event, ...args);
  }

  /** Sends a `message` event to every socket. */
  send(...args: unknown[]): this {
    (this.#operator().emit as (event: string, ...args: unknown[]) => boolean)("message", ...args);
    return this;
  }

  /** Sets how long (ms) a broadcast waits for acknowledgements. */
  timeout(ms: number): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().timeout(ms);
  }

  /** Drops the packet for sockets that cannot write now or are backed up (see `slowConsumer`). */
  get volatile(): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().volatile;
  }

  /** Reaches sockets of this process only. */
  get local(): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().local;
  }

  /** Sets the compress flag of a broadcast: `false` keeps the packet uncompressed. */
  compress(compress: boolean): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().compress(compress);
  }

  /** Every socket of the namespace (across the cluster with a cluster adapter). */
  fetchSockets(): Promise<RemoteSocketLike[]> {
    return this.#operator().fetchSockets();
  }

  /** Makes every socket join a room or rooms. */
  socketsJoin(room: Room | readonly Room[]): void {
    this.#operator().socketsJoin(room);
  }

  /** Makes every socket leave a room or rooms. */
  socketsLeave(room: Room | readonly Room[]): void {
    this.#operator().socketsLeave(room);
  }

  /** Disconnects every socket; with `close`, closes their connections too. */
  disconnectSockets(close = false): void {
    this.#operator().disconnectSockets(close);
  }

  /**
   * Sends an event to the other servers of the cluster. Alone it reaches nobody; with a
   * function as last argument, that function receives `(null, [])` at once.
   */
  serverSideEmit(event: string, ...args: unknown[]): boolean {
    if (RESERVED_EVENTS.has(event)) throw new Error(`"${event}" is a reserved event name`);
    const sent = this.adapter.serverSideEmit([event, ...args]);
    if (sent instanceof Promise) {
      sent.catch((error) => log.error("serverSideEmit failed", { error }));
    }
    return true;
  }

  /** Sends an event to the other servers and resolves with their acknowledgements. */
  serverSideEmitWithAck(event: string, ...args: unknown[]): Promise<unknown[]> {
    return new Promise((resolve, reject) => {
      this.serverSideEmit(event, ...args, (error: Error | null, responses: unknown[]) => {
        if (error) reject(error);
        else resolve(responses);
      });
    });
  }

  /** @internal Delivers an event another server sent with `serverSideEmit`. */
  _onServerSideEmit(args: unknown[]): void {
    const [event, ...rest] = args as [string, ...unknown[]];
    this.parentHooks?.serverSide.emit(event, ...rest);
    this.#hooks.serverSide.emit(event, ...rest);
  }

  /** @internal Sockets going through the connection middlewares (the reference's name). */
  readonly _preConnectSockets: Map<SocketId, AnyServerSocket> = new Map();

  /** @internal Admits a client to this namespace through the middlewares. */
  async _add(client: Client, auth: Record<string, unknown>): Promise<void> {
    // v2 clients cannot recover: their CONNECT reply has no pid to send back
    const recovering = this.recovery !== undefined && client.conn.protocol !== 3;
    const session = recovering
      ? await findSession(this.adapter, this.name, auth, (sid) => this.sockets.has(sid))
      : undefined;
    const metrics = this._instruments.metrics;
    // an attempt: the CONNECT named a session (findSession needs both)
    if (metrics !== undefined && recovering && typeof auth.pid === "string") {
      if (session) metrics.recoveries++;
      else if (typeof auth.offset === "string") metrics.recoveryMisses++;
    }
    const socket = new ServerSocket(this as unknown as Namespace, client, auth, session);
    const skip = session !== undefined && this.recovery?.skipMiddlewares === true;
    let error: Error | undefined;
    if (!skip) {
      this._preConnectSockets.set(socket.id, socket);
      error = await this.#runMiddlewares(socket);
      this._preConnectSockets.delete(socket.id);
    }
    if (client.closing) {
      socket._abandon();
      // a session taken back for a connection closing meanwhile (a drain) is kept again
      if (session) persistSession(this.adapter, keptPart(session));
      return;
    }
    if (error) {
      if (metrics !== undefined) metrics.connectErrors++;
      socket._abandon();
      const data = (error as { data?: unknown }).data;
      client.writePacket({
        type: SocketPacketType.CONNECT_ERROR,
        nsp: this.name,
        data: client.conn.protocol === 3
          ? v2ConnectErrorData(error)
          : data === undefined
          ? { message: error.message }
          : { message: error.message, data },
      }, {});
      log.debug("connection refused by a middleware", { nsp: this.name, error: error.message });
      return;
    }
    this.sockets.set(socket.id, socket as unknown as ServerSocket<EmitEvents, SocketData>);
    if (metrics !== undefined) metrics.connections++;
    client.add(socket);
    socket._onconnect();
    this.parentHooks?.connection.call([socket], reportConnectionListenerError);
    this.#hooks.connection.call([socket], reportConnectionListenerError);
  }

  /** @internal Forgets a disconnected socket. */
  _remove(socket: AnyServerSocket): void {
    this.sockets.delete(socket.id);
    this.#checkEmpty();
  }

  /** @internal Holds the namespace while a CONNECT to it is under way (it is not empty). */
  _pin(): void {
    this.#pinned++;
  }

  /** @internal Releases a `_pin`, once the CONNECT has settled (admitted or refused). */
  _unpin(): void {
    this.#pinned--;
    this.#checkEmpty();
  }

  /** @internal Calls `callback` each time the namespace becomes empty (no socket, no CONNECT). */
  _whenEmpty(callback: () => void): void {
    this.#onEmpty = callback;
  }

  #checkEmpty(): void {
    if (this.sockets.size === 0 && this.#pinned === 0) this.#onEmpty?.();
  }

  /** @internal The route of an event: this namespace's, else its parent's. */
  _route(event: string): EventRoute | undefined {
    return this.#hooks.routes.get(event) ?? this.parentHooks?.routes.get(event);
  }

  /** @internal What follows the acknowledgements `socket` awaits, when metrics or tracing are on. */
  _ackWatcherOf(socket: AnyServerSocket): AckWatcher | undefined {
    const watch = this._instruments.watchAck;
    return watch && ((event, id) => watch(socket, event, id));
  }

  /** @internal The next acknowledgement id of this namespace. */
  _nextAckId(): number {
    return this.#ackIds++;
  }

  /** The connection middlewares (the parent's first), stopped by the first refusal. */
  #runMiddlewares(socket: AnyServerSocket): Promise<Error | undefined> {
    const own = this.#hooks.middlewares;
    const steps = this.parentHooks ? [...this.parentHooks.middlewares, ...own] : own;
    return runChainAsync(steps, socket, "connection refused");
  }

  #operator(): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator(this as unknown as Namespace);
  }
}

/** What a recovered session keeps when it is stored again (not the packets it missed). */
function keptPart({ sid, pid, rooms, data }: RecoveredSession): SessionToPersist {
  return { sid, pid, rooms, data };
}
