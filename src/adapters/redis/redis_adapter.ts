import { getLogger } from "../../_internal/log.ts";
import { type SocketPacket, SocketPacketType } from "../../parser/packet.ts";
import type { Adapter, RemoteSocketLike } from "../../server/adapter.ts";
import { InMemoryAdapter } from "../../server/in_memory_adapter.ts";
import type { Namespace } from "../../server/namespace.ts";
import type { RecoveredSession, SessionToPersist } from "../../server/recovery.ts";
import type { BroadcastOptions, Room } from "../../server/types.ts";
import type { PubSub } from "./clients.ts";
import { decodeMessage } from "./codec.ts";
import { localOptions, selectionOf, wireOptions, wirePacket, wireSocket } from "./conversions.ts";
import { PendingRequests } from "./pending_requests.ts";
import {
  broadcastChannel,
  type Channels,
  channelsOf,
  encodeAllRoomsRequest,
  encodeAllRoomsResponse,
  encodeBroadcast,
  encodeBroadcastAckRequest,
  encodeBroadcastAckResponse,
  encodeClientCountResponse,
  encodeDisconnectRequest,
  encodeEmptyResponse,
  encodeFetchRequest,
  encodeFetchResponse,
  encodeRoomsRequest,
  encodeServerSideEmitRequest,
  encodeServerSideEmitResponse,
  encodeSocketsResponse,
  parseBroadcast,
  parseRequest,
  parseResponse,
  parseSockets,
  randomId,
  type Request,
  RequestType,
  type Response,
  type WireBroadcastOptions,
  type WireSocket,
} from "./protocol.ts";
import { RedisSessionStore } from "./recovery_store.ts";
import { ClusterRemoteSocket } from "./remote_socket.ts";

const log = getLogger("redis");

/** The adapter `createRedisAdapter` gives each namespace. */
export interface RedisAdapter extends Adapter {
  /** This namespace's id in the cluster (6 characters), tagging what it publishes. */
  readonly uid: string;
  /** Every room of the namespace on every server (socket-id rooms included). */
  allRooms(): Promise<Set<Room>>;
}

/** Resolved options of the Redis adapter. */
export interface ResolvedRedisAdapterOptions {
  /** Channel prefix. */
  readonly key: string;
  /** Ms to wait for the other servers' answers. */
  readonly requestsTimeout: number;
}

type ServerSideAck = (error: Error | null, responses: unknown[]) => void;

const NO_SELECTION: WireBroadcastOptions = { rooms: [], except: [], flags: {} };

/**
 * The classic `@socket.io/redis-adapter` protocol for one namespace: everything the in-memory
 * adapter does locally, plus messages to and from the other servers on Redis pub/sub.
 * Operations that change sockets (broadcast, join, leave, disconnect) act locally at once and
 * then publish; the server ignores its own messages when they come back (by uid).
 */
export class RedisClusterAdapter extends InMemoryAdapter implements RedisAdapter {
  readonly uid: string = randomId();
  readonly #pub: PubSub;
  readonly #sub: PubSub;
  readonly #options: ResolvedRedisAdapterOptions;
  readonly #channels: Channels;
  readonly #requests = new PendingRequests();
  #ready: Promise<void> | undefined;
  #closed = false;
  /** Connection state recovery in Redis; undefined when the option is off. */
  readonly #store: RedisSessionStore | undefined;
  /** Recovery writes under way, awaited by `close`. */
  readonly #writes = new Set<Promise<unknown>>();

  /** The adapter of `nsp`, publishing on `pub` and listening on `sub`. */
  constructor(nsp: Namespace, pub: PubSub, sub: PubSub, options: ResolvedRedisAdapterOptions) {
    super(nsp);
    this.#pub = pub;
    this.#sub = sub;
    this.#options = options;
    this.#channels = channelsOf(options.key, nsp.name, this.uid);
    this.#store = nsp.recovery === undefined
      ? undefined
      : new RedisSessionStore(pub, options.key, nsp.name, nsp.recovery);
  }

  /**
   * Subscribes to the namespace's channels. Idempotent: every call returns the same promise,
   * so an application can await `io.of(name).adapter.init()` to know the node is in the
   * cluster (the server starts it without waiting).
   */
  override init(): Promise<void> {
    if (!this.#ready) {
      this.#ready = this.#subscribe();
      // handled here (logged) so that the server's fire-and-forget call never leaves an
      // unhandled rejection; callers awaiting init() still see the error
      this.#ready.catch((error) => {
        log.error("could not subscribe to Redis", { nsp: this.nsp.name, error });
      });
    }
    return this.#ready;
  }

  async #subscribe(): Promise<void> {
    const { pattern, request, response, specificResponse } = this.#channels;
    // the request channel exactly once: the cluster counts servers by its subscribers
    await Promise.all([
      this.#sub.psubscribe(pattern, this.#onBroadcast),
      this.#sub.subscribe(request, this.#onRequest),
      this.#sub.subscribe(response, this.#onResponse),
      this.#sub.subscribe(specificResponse, this.#onResponse),
    ]);
  }

  /** Unsubscribes and fails pending requests; the Redis clients stay open (they are yours). */
  override async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#requests.failAll(new Error("the adapter was closed"));
    // sessions persisted while the server shut down must reach Redis before the clients go
    await Promise.allSettled([...this.#writes]);
    if (!this.#ready) return;
    await this.#ready.catch(() => {});
    const { pattern, request, response, specificResponse } = this.#channels;
    await Promise.allSettled([
      this.#sub.punsubscribe(pattern, this.#onBroadcast),
      this.#sub.unsubscribe(request, this.#onRequest),
      this.#sub.unsubscribe(response, this.#onResponse),
      this.#sub.unsubscribe(specificResponse, this.#onResponse),
    ]);
  }

  /** How many servers share the namespace: `PUBSUB NUMSUB` of its request channel. */
  override async serverCount(): Promise<number> {
    await this.#ready?.catch(() => {});
    return await this.#pub.numsub(this.#channels.request);
  }

  /** Appends a packet with its offset to the namespace's log in Redis. */
  override storePacket(offset: string, data: unknown[], options: BroadcastOptions): void {
    if (this.#store) this.#track(this.#store.addPacket(offset, data, options), "log a packet");
  }

  /** Keeps a disconnected socket's session in Redis, where every server can restore it. */
  override persistSession(session: SessionToPersist): Promise<void> {
    if (!this.#store) return Promise.resolve();
    return this.#track(this.#store.persist(session), "persist a session");
  }

  /** Takes a session back from Redis, with the packets it missed from any server. */
  override restoreSession(pid: string, offset: string): Promise<RecoveredSession | undefined> {
    if (!this.#store) return Promise.resolve(undefined);
    return this.#store.restore(pid, offset);
  }

  #track<T>(write: Promise<T>, what: string): Promise<void> {
    const settled = write.then(
      () => {},
      (error) => log.error(`could not ${what} in Redis`, { nsp: this.nsp.name, error }),
    );
    this.#writes.add(settled);
    void settled.finally(() => this.#writes.delete(settled));
    return settled;
  }

  override broadcast(packet: SocketPacket, options: BroadcastOptions): void {
    super.broadcast(packet, options);
    if (options.flags.local) return;
    const opts = wireOptions(options);
    this.#publish(
      broadcastChannel(this.#channels, opts.rooms),
      encodeBroadcast({ uid: this.uid, packet: wirePacket(packet), opts }),
    );
  }

  override broadcastWithAck(
    packet: SocketPacket,
    options: BroadcastOptions,
    onClientCount: (count: number) => void,
    onAck: (...args: unknown[]) => void,
  ): void {
    super.broadcastWithAck(packet, options, onClientCount, onAck);
    if (options.flags.local) return;
    const requestId = randomId();
    const message = encodeBroadcastAckRequest(
      this.uid,
      requestId,
      wirePacket(packet),
      wireOptions(options),
    );
    // the operator decides when every ack is in; answers are accepted until its timeout
    const ms = options.flags.timeout ?? this.#options.requestsTimeout;
    this.#requests.listen(requestId, ms, (response) => {
      if (response.type === RequestType.BROADCAST_CLIENT_COUNT) {
        onClientCount(Number(response.clientCount) || 0);
      } else if (response.type === RequestType.BROADCAST_ACK) {
        onAck(response.packet);
      }
    });
    this.#publish(this.#channels.request, message);
  }

  override async fetchSockets(options: BroadcastOptions): Promise<RemoteSocketLike[]> {
    const local = await super.fetchSockets(options);
    if (options.flags.local) return local;
    const requestId = randomId();
    const message = encodeFetchRequest(this.uid, requestId, selectionOf(options));
    const expected = await this.serverCount() - 1;
    if (expected <= 0) return local;
    const remote: RemoteSocketLike[] = [];
    await this.#request(requestId, message, expected, (response) => {
      for (const socket of parseSockets(response.sockets)) {
        remote.push(new ClusterRemoteSocket(this.nsp, socket));
      }
    }, () => new Error("timeout reached while waiting for fetchSockets response"));
    return [...local, ...remote];
  }

  /** Every room of the namespace on every server (socket-id rooms included). */
  async allRooms(): Promise<Set<Room>> {
    const rooms = new Set(this.rooms.keys());
    const requestId = randomId();
    const message = encodeAllRoomsRequest(this.uid, requestId);
    const expected = await this.serverCount() - 1;
    if (expected <= 0) return rooms;
    await this.#request(requestId, message, expected, (response) => {
      if (!Array.isArray(response.rooms)) return;
      for (const room of response.rooms) rooms.add(String(room));
    }, () => new Error("timeout reached while waiting for allRooms response"));
    return rooms;
  }

  override addSockets(options: BroadcastOptions, rooms: Room[]): void {
    super.addSockets(options, rooms);
    if (options.flags.local) return;
    const message = encodeRoomsRequest(
      this.uid,
      RequestType.REMOTE_JOIN,
      selectionOf(options),
      rooms,
    );
    this.#publish(this.#channels.request, message);
  }

  override delSockets(options: BroadcastOptions, rooms: Room[]): void {
    super.delSockets(options, rooms);
    if (options.flags.local) return;
    const message = encodeRoomsRequest(
      this.uid,
      RequestType.REMOTE_LEAVE,
      selectionOf(options),
      rooms,
    );
    this.#publish(this.#channels.request, message);
  }

  override disconnectSockets(options: BroadcastOptions, close: boolean): void {
    super.disconnectSockets(options, close);
    if (options.flags.local) return;
    const message = encodeDisconnectRequest(this.uid, selectionOf(options), close);
    this.#publish(this.#channels.request, message);
  }

  /**
   * Publishes `[event, ...args]` to the other servers. With a function last, it receives
   * `(null, responses)` once every other server answered, or `(error, responses)` after
   * `requestsTimeout`.
   */
  override serverSideEmit(args: unknown[]): Promise<void> {
    const last = args[args.length - 1];
    if (typeof last !== "function") {
      const message = encodeServerSideEmitRequest(this.uid, undefined, args);
      return this.#publish(this.#channels.request, message);
    }
    const requestId = randomId();
    const message = encodeServerSideEmitRequest(this.uid, requestId, args.slice(0, -1));
    return this.#serverSideEmitWithAck(requestId, message, last as ServerSideAck);
  }

  async #serverSideEmitWithAck(
    requestId: string,
    message: string,
    ack: ServerSideAck,
  ): Promise<void> {
    const responses: unknown[] = [];
    let error: Error | null = null;
    try {
      const expected = await this.serverCount() - 1;
      if (expected > 0) {
        await this.#request(
          requestId,
          message,
          expected,
          (response) => responses.push(response.data),
          (received) =>
            new Error(`timeout reached: only ${received} responses received out of ${expected}`),
        );
      }
    } catch (caught) {
      error = caught instanceof Error ? caught : new Error(String(caught));
    }
    ack(error, responses);
  }

  /**
   * Publishes a request and resolves once `expected` answers arrived (each given to
   * `onResponse`); rejects with `timeoutError(received)` after `requestsTimeout`.
   */
  #request(
    requestId: string,
    message: string | Uint8Array,
    expected: number,
    onResponse: (response: Response) => void,
    timeoutError: (received: number) => Error,
  ): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("the adapter was closed"));
    const answered = this.#requests.wait(
      requestId,
      expected,
      this.#options.requestsTimeout,
      onResponse,
      timeoutError,
    );
    this.#pub.publish(this.#channels.request, message).catch((error) => {
      this.#requests.fail(requestId, error instanceof Error ? error : new Error(String(error)));
    });
    return answered;
  }

  #publish(channel: string, message: string | Uint8Array): Promise<void> {
    return this.#pub.publish(channel, message).catch((error) => {
      log.error("could not publish to Redis", { nsp: this.nsp.name, channel, error });
    });
  }

  // ---- incoming ----

  readonly #onBroadcast = (channel: string, message: Uint8Array): void => {
    const prefix = this.#channels.broadcast;
    if (!channel.startsWith(prefix)) return;
    // a room channel is only an optimisation: skip it when no local socket is in that room
    const room = channel.slice(prefix.length, -1);
    if (room !== "" && !this.rooms.has(room)) return;
    const decoded = decodeMessage(message);
    const parsed = decoded.ok ? parseBroadcast(decoded.value) : decoded;
    if (!parsed.ok) {
      log.debug("ignored a malformed broadcast", { channel, error: parsed.error });
      return;
    }
    const { uid, packet, opts } = parsed.value;
    if (uid === this.uid || packet.nsp !== this.nsp.name) return;
    try {
      // as it came: the sender appended the recovery offset, if any
      this.deliver(
        { type: SocketPacketType.EVENT, nsp: this.nsp.name, data: packet.data },
        localOptions(opts),
      );
    } catch (error) {
      log.error("could not deliver a broadcast from Redis", { nsp: this.nsp.name, error });
    }
  };

  readonly #onRequest = (_channel: string, message: Uint8Array): void => {
    const decoded = decodeMessage(message);
    const parsed = decoded.ok ? parseRequest(decoded.value) : decoded;
    if (!parsed.ok) {
      log.debug("ignored a malformed request", { nsp: this.nsp.name, error: parsed.error });
      return;
    }
    const request = parsed.value;
    // our own requests come back too: we applied them before publishing, or we asked
    if (request.uid === this.uid) return;
    try {
      this.#handleRequest(request);
    } catch (error) {
      log.error("could not handle a request from Redis", {
        nsp: this.nsp.name,
        type: request.type,
        error,
      });
    }
  };

  readonly #onResponse = (_channel: string, message: Uint8Array): void => {
    const decoded = decodeMessage(message);
    const parsed = decoded.ok ? parseResponse(decoded.value) : decoded;
    if (!parsed.ok) return;
    try {
      this.#requests.answer(parsed.value);
    } catch (error) {
      log.error("a response handler threw", { nsp: this.nsp.name, error });
    }
  };

  #handleRequest(request: Request): void {
    const { requestId } = request;
    const selection = localOptions(request.opts ?? NO_SELECTION);
    switch (request.type) {
      case RequestType.SOCKETS: {
        if (requestId === undefined) return;
        const ids: string[] = [];
        const rooms = { rooms: new Set(request.rooms), except: new Set<Room>(), flags: {} };
        this.apply(rooms, (socket) => ids.push(socket.id));
        this.#respond(encodeSocketsResponse(requestId, ids));
        return;
      }
      case RequestType.ALL_ROOMS:
        if (requestId !== undefined) {
          this.#respond(encodeAllRoomsResponse(requestId, [...this.rooms.keys()]));
        }
        return;
      case RequestType.REMOTE_JOIN:
      case RequestType.REMOTE_LEAVE: {
        const join = request.type === RequestType.REMOTE_JOIN;
        if (request.opts) {
          if (join) super.addSockets(selection, request.rooms);
          else super.delSockets(selection, request.rooms);
          return;
        }
        // legacy per-socket form
        const socket = request.sid === undefined ? undefined : this.nsp.sockets.get(request.sid);
        if (!socket || request.room === undefined) return;
        if (join) socket.join(request.room);
        else socket.leave(request.room);
        if (requestId !== undefined) this.#respond(encodeEmptyResponse(requestId));
        return;
      }
      case RequestType.REMOTE_DISCONNECT: {
        if (request.opts) {
          super.disconnectSockets(selection, request.close);
          return;
        }
        const socket = request.sid === undefined ? undefined : this.nsp.sockets.get(request.sid);
        if (!socket) return;
        socket.disconnect(request.close);
        if (requestId !== undefined) this.#respond(encodeEmptyResponse(requestId));
        return;
      }
      case RequestType.REMOTE_FETCH: {
        if (requestId === undefined) return;
        const sockets: WireSocket[] = [];
        this.apply(selection, (socket) => sockets.push(wireSocket(socket)));
        this.#respond(encodeFetchResponse(requestId, sockets));
        return;
      }
      case RequestType.SERVER_SIDE_EMIT: {
        const data = request.data;
        if (!data || typeof data[0] !== "string") return;
        if (requestId === undefined) {
          this.nsp._onServerSideEmit(data);
          return;
        }
        let answered = false;
        const callback = (response?: unknown) => {
          if (answered) return;
          answered = true;
          this.#respond(encodeServerSideEmitResponse(requestId, response));
        };
        this.nsp._onServerSideEmit([...data, callback]);
        return;
      }
      case RequestType.BROADCAST: {
        if (requestId === undefined || !request.packet) return;
        const packet: SocketPacket = {
          type: SocketPacketType.EVENT,
          nsp: this.nsp.name,
          data: request.packet.data,
        };
        super.broadcastWithAck(
          packet,
          selection,
          (count) => this.#respond(encodeClientCountResponse(requestId, count)),
          (...args) => this.#respond(encodeBroadcastAckResponse(requestId, args[0])),
        );
        return;
      }
    }
  }

  #respond(message: string | Uint8Array): void {
    void this.#publish(this.#channels.response, message);
  }
}
