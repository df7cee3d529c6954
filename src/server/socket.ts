import { Emitter } from "../_internal/emitter.ts";
import { generateId } from "../_internal/ids.ts";
import { getLogger } from "../_internal/log.ts";
import type { EngineSocket } from "../engine/session.ts";
import { encodeSocketPacket } from "../parser/encoder.ts";
import { type SocketPacket, SocketPacketType } from "../parser/packet.ts";
import type { Adapter } from "./adapter.ts";
import { BroadcastOperator } from "./broadcast.ts";
import type { Client, Frames } from "./client.ts";
import type {
  AnyListener,
  DefaultEventsMap,
  EventNames,
  EventParams,
  EventsMap,
  PacketMiddleware,
} from "./events.ts";
import { buildHandshake } from "./handshake.ts";
import type { Namespace } from "./namespace.ts";
import { TokenBucket } from "./rate_limit.ts";
import { RECOVERABLE_REASONS, type RecoveredSession } from "./recovery.ts";
import {
  type BroadcastFlags,
  type DisconnectReason,
  type Handshake,
  RESERVED_EVENTS,
  type Room,
  type SocketId,
} from "./types.ts";

/** Lifecycle events of a server socket. */
export type SocketLifecycleEvents = {
  /** The socket is about to leave its rooms; `socket.rooms` is still readable. */
  disconnecting: [reason: DisconnectReason, description?: unknown];
  /** The socket is gone. */
  disconnect: [reason: DisconnectReason, description?: unknown];
  /** A packet middleware refused a packet. */
  error: [error: Error];
  /**
   * The connection's unsent data fell back to 16 KiB or less after a write found it above
   * `slowConsumer.maxBufferedBytes` (that `emit` returned false): a good time to send more.
   */
  drain: [];
};

const LIFECYCLE_EVENTS: ReadonlySet<string> = new Set<keyof SocketLifecycleEvents>([
  "disconnect",
  "disconnecting",
  "error",
  "drain",
]);

function isLifecycleEvent(event: string): event is keyof SocketLifecycleEvents {
  return LIFECYCLE_EVENTS.has(event);
}

type Listener = (...args: unknown[]) => void;

/** A socket whatever its event map and data type, as the server internals handle it. */
// deno-lint-ignore no-explicit-any
export type AnyServerSocket = ServerSocket<any, any>;
type Ack = (...args: unknown[]) => void;

const log = getLogger("server");
const TIMEOUT_ERROR = "operation has timed out";
/** At most one rate-limit warning per socket per this many ms. */
const RATE_WARN_MS = 1000;

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
  /** What the handshake carried. */
  readonly handshake: Handshake;
  /** Free storage for the application. */
  data: SocketData = {} as SocketData;
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

  /** Created on the first ack registered (most sockets never ask for one). */
  #acks: Map<number, Ack> | undefined;
  #timedAcks: Map<number, { timer: ReturnType<typeof setTimeout>; callback: Ack }> | undefined;
  #flags: { -readonly [K in keyof BroadcastFlags]: BroadcastFlags[K] } = {};
  #middlewares: PacketMiddleware[] = [];
  #anyIncoming: AnyListener[] | undefined;
  #anyOutgoing: AnyListener[] | undefined;
  #listeners = new Map<string, Listener[]>();
  #lifecycle = new Emitter<SocketLifecycleEvents>();
  /** Frames written before the CONNECT reply; undefined once connected. */
  #queued: Frames[] | undefined = [];
  /** The rate limit's bucket; undefined without `rateLimit`. */
  readonly #bucket: TokenBucket | undefined;
  /** When the last rate-limit warning was logged, and events over the limit since. */
  #rateWarnedAt = -Infinity;
  #overLimit = 0;

  /** Built by the namespace when a client connects; not meant to be called directly. */
  constructor(
    /** The namespace the socket belongs to. */
    readonly nsp: Namespace,
    /** @ignore The connection the socket runs on (internal). */
    readonly client: Client,
    auth: Record<string, unknown>,
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
      this.id = generateId();
      this.pid = nsp.recovery === undefined ? undefined : generateId();
      this.recovered = false;
    }
    this.handshake = buildHandshake(client.conn.request, auth);
    const limit = client.rateLimit;
    if (limit) this.#bucket = new TokenBucket(limit.eventsPerSecond, limit.burst, now());
  }

  /** The Engine.IO connection under this socket. */
  get conn(): EngineSocket {
    return this.client.conn;
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

  /**
   * Bytes queued on the connection and not yet sent: for long-polling, messages waiting for
   * the next poll; for WebSocket, what the runtime holds unsent. Shared by the connection's
   * namespaces. See the `slowConsumer` option and the `drain` event.
   */
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
      this.#registerAck(packet.id, last as Ack, flags.timeout);
    } else if (this.pid !== undefined && !flags.volatile) {
      // connection state recovery: offset appended, packet kept for a reconnection
      this.adapter.recordPacket?.(packet, { rooms: new Set([this.id]), except: new Set(), flags });
    }
    this._notifyOutgoing(data);
    return this._writeFrames(encodeSocketPacket(packet), flags);
  }

  /** Sends an event and resolves with the client's acknowledgement (rejects on timeout). */
  emitWithAck<E extends EventNames<EmitEvents>>(event: E, ...args: unknown[]): Promise<unknown> {
    const withTimeout = this.#flags.timeout !== undefined;
    return new Promise((resolve, reject) => {
      const callback = withTimeout
        ? (error: unknown, response: unknown) => error ? reject(error) : resolve(response)
        : (response: unknown) => resolve(response);
      (this.emit as (event: string, ...args: unknown[]) => boolean)(event, ...args, callback);
    });
  }

  /** Sends a `message` event. */
  send(...args: unknown[]): this {
    (this.emit as (event: string, ...args: unknown[]) => boolean)("message", ...args);
    return this;
  }

  /** Sets a timeout (ms) for the acknowledgement of the next emit. */
  timeout(ms: number): this {
    this.#flags.timeout = ms;
    return this;
  }

  /**
   * Drops the next emit if the transport cannot write now, or if the connection holds more than
   * `slowConsumer.maxBufferedBytes` unsent.
   */
  get volatile(): this {
    this.#flags.volatile = true;
    return this;
  }

  /** Sets the compress flag of the next emit. */
  compress(compress: boolean): this {
    this.#flags.compress = compress;
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
    return this.#operator().in(room);
  }

  /** Targets every other socket except those in a room (or rooms). */
  except(room: Room | readonly Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.#operator().except(room);
  }

  /** Joins a room or rooms. */
  join(rooms: Room | readonly Room[]): void | Promise<void> {
    if (!this.connected && this.#queued === undefined) return;
    return this.adapter.addAll(this.id, new Set(typeof rooms === "string" ? [rooms] : rooms));
  }

  /** Leaves a room. */
  leave(room: Room): void | Promise<void> {
    return this.adapter.del(this.id, room);
  }

  /**
   * Disconnects from the namespace (the client sees "io server disconnect"); with `close`,
   * closes the whole connection and every namespace on it.
   */
  disconnect(close = false): this {
    if (!this.connected) return this;
    if (close) {
      this.client.disconnectAll();
      return this;
    }
    this.client.writePacket({ type: SocketPacketType.DISCONNECT, nsp: this.nsp.name }, {});
    this._onclose("server namespace disconnect");
    return this;
  }

  /** Adds a per-packet middleware for incoming events. */
  use(middleware: PacketMiddleware): this {
    this.#middlewares.push(middleware);
    return this;
  }

  /**
   * Listens to an incoming event, or to the socket's own `disconnecting`, `disconnect`, `error`
   * and `drain` (those names never receive client events).
   */
  on(event: string, listener: (...args: unknown[]) => void): this {
    if (isLifecycleEvent(event)) {
      this.#lifecycle.on(event, listener as never);
      return this;
    }
    const list = this.#listeners.get(event);
    if (list) list.push(listener);
    else this.#listeners.set(event, [listener]);
    return this;
  }

  /** Removes a listener added with `on`. */
  off(event: string, listener?: (...args: unknown[]) => void): this {
    if (isLifecycleEvent(event)) {
      this.#lifecycle.off(event, listener as never);
      return this;
    }
    const list = this.#listeners.get(event);
    if (!list) return this;
    if (!listener) this.#listeners.delete(event);
    else if (list.includes(listener)) list.splice(list.indexOf(listener), 1);
    return this;
  }

  /** Listens to every incoming event. */
  onAny(listener: AnyListener): this {
    (this.#anyIncoming ??= []).push(listener);
    return this;
  }

  /** Listens to every incoming event, before the other catch-all listeners. */
  prependAny(listener: AnyListener): this {
    (this.#anyIncoming ??= []).unshift(listener);
    return this;
  }

  /** Removes a catch-all listener (all of them without an argument). */
  offAny(listener?: AnyListener): this {
    this.#anyIncoming = removeListener(this.#anyIncoming, listener);
    return this;
  }

  /** The catch-all listeners of incoming events. */
  listenersAny(): AnyListener[] {
    return [...(this.#anyIncoming ?? [])];
  }

  /** Listens to every outgoing event. */
  onAnyOutgoing(listener: AnyListener): this {
    (this.#anyOutgoing ??= []).push(listener);
    return this;
  }

  /** Listens to every outgoing event, before the other outgoing listeners. */
  prependAnyOutgoing(listener: AnyListener): this {
    (this.#anyOutgoing ??= []).unshift(listener);
    return this;
  }

  /** Removes an outgoing catch-all listener (all of them without an argument). */
  offAnyOutgoing(listener?: AnyListener): this {
    this.#anyOutgoing = removeListener(this.#anyOutgoing, listener);
    return this;
  }

  /** The catch-all listeners of outgoing events. */
  listenersAnyOutgoing(): AnyListener[] {
    return [...(this.#anyOutgoing ?? [])];
  }

  /**
   * @internal Writes encoded frames, holding them until the CONNECT reply is out. False when
   * they were dropped or the connection is above `slowConsumer.maxBufferedBytes`.
   */
  _writeFrames(frames: Frames, flags: BroadcastFlags): boolean {
    if (this.#queued) {
      if (flags.volatile) return false;
      this.#queued.push(frames);
      return true;
    }
    if (!this.connected) return false;
    return this.client.writeFrames(frames, flags);
  }

  /** @internal The connection drained after being above `slowConsumer.maxBufferedBytes`. */
  _ondrain(): void {
    if (this.connected) this.#lifecycle.emit("drain");
  }

  /** @internal Registers the callback of a broadcast with acknowledgement. */
  _registerAck(id: number, callback: Ack): void {
    (this.#acks ??= new Map()).set(id, callback);
  }

  /** @internal Tells outgoing catch-all listeners about an event. */
  _notifyOutgoing(data: readonly unknown[]): void {
    const listeners = this.#anyOutgoing;
    if (!listeners || listeners.length === 0) return;
    for (const listener of listeners.slice()) {
      callSafely(() => listener(...(data as [string, ...unknown[]])));
    }
  }

  /** @internal Completes the connection: own room, CONNECT reply, then what was queued. */
  _onconnect(): void {
    this.connected = true;
    const session = this.#session;
    this.#session = undefined;
    this.adapter.addAll(this.id, new Set([this.id, ...(session?.rooms ?? [])]));
    this.client.writePacket(
      {
        type: SocketPacketType.CONNECT,
        nsp: this.nsp.name,
        data: this.pid === undefined ? { sid: this.id } : { sid: this.id, pid: this.pid },
      },
      {},
    );
    for (const data of session?.missedPackets ?? []) {
      this.client.writePacket({ type: SocketPacketType.EVENT, nsp: this.nsp.name, data }, {});
    }
    const queued = this.#queued ?? [];
    this.#queued = undefined;
    for (const frames of queued) this.client.writeFrames(frames, {});
  }

  /** @internal Abandons a socket whose connection was refused. */
  _abandon(): void {
    this.#queued = undefined;
    this.adapter.delAll(this.id);
  }

  /** @internal Handles a packet addressed to this namespace. */
  _onpacket(packet: SocketPacket): void {
    switch (packet.type) {
      case SocketPacketType.EVENT:
      case SocketPacketType.BINARY_EVENT:
        if (this.#bucket !== undefined && !this.#withinRateLimit(this.#bucket, packet)) return;
        this.#onevent(packet);
        return;
      case SocketPacketType.ACK:
      case SocketPacketType.BINARY_ACK:
        this.#onack(packet);
        return;
      case SocketPacketType.DISCONNECT:
        this._onclose("client namespace disconnect");
        return;
    }
  }

  /** @internal Disconnects this socket for `reason`. */
  _onclose(reason: DisconnectReason, description?: unknown): void {
    if (!this.connected) return;
    log.debug("socket disconnected", { sid: this.id, nsp: this.nsp.name, reason, description });
    this.#lifecycle.emit("disconnecting", reason, description);
    if (this.pid !== undefined && RECOVERABLE_REASONS.has(reason)) this.#persist();
    this.adapter.delAll(this.id);
    this.nsp._remove(this);
    this.client.remove(this);
    this.connected = false;
    this.#acks?.clear();
    const timedAcks = this.#timedAcks;
    if (timedAcks) {
      for (const { timer, callback } of timedAcks.values()) {
        clearTimeout(timer);
        callSafely(() => callback(new Error("socket has been disconnected")));
      }
      timedAcks.clear();
    }
    this.#lifecycle.emit("disconnect", reason, description);
    this.#lifecycle.removeAllListeners();
    this.#listeners.clear();
  }

  /** Keeps the session for a reconnection (connection state recovery). */
  #persist(): void {
    try {
      const persisted = this.adapter.persistSession?.({
        sid: this.id,
        pid: this.pid!,
        rooms: [...this.rooms],
        data: this.data,
      });
      if (persisted instanceof Promise) {
        persisted.catch((error) => log.error("could not persist a session", { error }));
      }
    } catch (error) {
      log.error("could not persist a session", { sid: this.id, error });
    }
  }

  /** Spends a token for an incoming event; false when the event must not be handled. */
  #withinRateLimit(bucket: TokenBucket, packet: SocketPacket): boolean {
    const at = now();
    if (bucket.take(at)) return true;
    const { action, eventsPerSecond, burst } = this.client.rateLimit!;
    const event = (packet.data as unknown[])[0];
    if (action === "disconnect") {
      log.warn("rate limit exceeded: socket disconnected", {
        sid: this.id,
        nsp: this.nsp.name,
        address: this.handshake.address,
        event,
        eventsPerSecond,
        burst,
      });
      this.client.writePacket({ type: SocketPacketType.DISCONNECT, nsp: this.nsp.name }, {});
      this._onclose("server namespace disconnect", "rate limit exceeded");
      return false;
    }
    this.#overLimit++;
    if (at - this.#rateWarnedAt >= RATE_WARN_MS) {
      log.warn(
        action === "drop" ? "rate limit exceeded: events dropped" : "rate limit exceeded",
        {
          sid: this.id,
          nsp: this.nsp.name,
          address: this.handshake.address,
          event,
          overLimit: this.#overLimit,
          eventsPerSecond,
          burst,
        },
      );
      this.#rateWarnedAt = at;
      this.#overLimit = 0;
    }
    return action === "warn";
  }

  #onevent(packet: SocketPacket): void {
    const args = packet.data as unknown[];
    const event = args[0] as string;
    const ack = packet.id === undefined ? undefined : this.#ackFor(packet.id);
    const listeners = this.#anyIncoming;
    if (listeners && listeners.length > 0) {
      for (const listener of listeners.slice()) {
        callSafely(() => listener(...(args as [string, ...unknown[]]), ...(ack ? [ack] : [])));
      }
    }
    if (this.#middlewares.length === 0) {
      this.#dispatch(event, args.slice(1), ack);
      return;
    }
    const withAck = ack ? [...args, ack] : [...args];
    this.#runMiddlewares(withAck, (error) => {
      if (error) {
        this.#onerror(error);
        return;
      }
      // as in the reference, what the middlewares left in the array is what gets dispatched
      const [name, ...rest] = withAck;
      const kept = ack !== undefined && rest[rest.length - 1] === ack
        ? rest.pop() as Ack
        : undefined;
      this.#dispatch(name as string, rest, kept);
    });
  }

  #dispatch(event: string, args: unknown[], ack: Ack | undefined): void {
    if (!this.connected) return;
    if (RESERVED_EVENTS.has(event)) {
      log.warn("reserved event name from a client", { event, sid: this.id });
      return;
    }
    this.nsp._dispatch(this, event, args, ack);
    const listeners = this.#listeners.get(event);
    if (!listeners) return;
    const callArgs = ack ? [...args, ack] : args;
    for (const listener of listeners.slice()) callSafely(() => listener(...callArgs));
  }

  #runMiddlewares(event: unknown[], done: (error?: Error) => void): void {
    const middlewares = this.#middlewares.slice();
    const step = (index: number) => {
      if (index === middlewares.length) return done();
      let called = false;
      try {
        middlewares[index](event, (error) => {
          if (called) return;
          called = true;
          if (error) done(error);
          else step(index + 1);
        });
      } catch (error) {
        if (!called) done(error instanceof Error ? error : new Error(String(error)));
      }
    };
    step(0);
  }

  #onerror(error: Error): void {
    if (this.#lifecycle.listenerCount("error") > 0) this.#lifecycle.emit("error", error);
    else log.debug("packet middleware refused an event", { sid: this.id, error: error.message });
  }

  #ackFor(id: number): Ack {
    let sent = false;
    return (...args: unknown[]) => {
      if (sent || !this.connected) return;
      // encode first: data that cannot be encoded throws and leaves the ack unsent
      const frames = encodeSocketPacket({
        type: SocketPacketType.ACK,
        nsp: this.nsp.name,
        id,
        data: args,
      });
      sent = true;
      this.client.writeFrames(frames, {});
    };
  }

  #onack(packet: SocketPacket): void {
    const id = packet.id!;
    const ack = this.#acks?.get(id);
    if (!ack) {
      log.debug("acknowledgement for an unknown id", { sid: this.id, id });
      return;
    }
    this.#acks!.delete(id);
    callSafely(() => ack(...(packet.data as unknown[])));
  }

  #registerAck(id: number, callback: Ack, timeout: number | undefined): void {
    const acks = this.#acks ??= new Map();
    if (timeout === undefined) {
      acks.set(id, callback);
      return;
    }
    const timedAcks = this.#timedAcks ??= new Map();
    const timer = setTimeout(() => {
      acks.delete(id);
      timedAcks.delete(id);
      callSafely(() => callback(new Error(TIMEOUT_ERROR)));
    }, timeout);
    timedAcks.set(id, { timer, callback });
    acks.set(id, (...args: unknown[]) => {
      clearTimeout(timer);
      timedAcks.delete(id);
      callback(null, ...args);
    });
  }

  #takeFlags(): BroadcastFlags {
    const flags = this.#flags;
    this.#flags = {};
    return flags;
  }

  #operator(): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator(this.nsp, new Set(), new Set([this.id]), this.#takeFlags());
  }
}

function removeListener(
  list: AnyListener[] | undefined,
  listener: AnyListener | undefined,
): AnyListener[] | undefined {
  if (!list || !listener) return undefined;
  const index = list.indexOf(listener);
  if (index !== -1) list.splice(index, 1);
  return list;
}

/** A monotonic clock in ms. */
function now(): number {
  return performance.now();
}

function callSafely(call: () => void): void {
  try {
    call();
  } catch (error) {
    log.error("a socket listener threw", { error });
  }
}
