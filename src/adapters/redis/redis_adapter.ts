import { getLogger } from "../../_internal/log.ts";
import type { SocketPacket } from "../../parser/packet.ts";
import type { Adapter, RemoteSocketLike } from "../../server/adapter.ts";
import { InMemoryAdapter } from "../../server/in_memory_adapter.ts";
import type { Namespace } from "../../server/namespace.ts";
import type { RecoveredSession, SessionToPersist } from "../../server/recovery.ts";
import type { BroadcastOptions, Room } from "../../server/types.ts";
import type { PubSub } from "./clients.ts";
import { decodeMessage } from "./codec.ts";
import { selectionOf, wireOptions, wirePacket } from "./conversions.ts";
import { createPeerHandlers, type PeerHandlers } from "./peer_messages.ts";
import { PendingRequests } from "./pending_requests.ts";
import {
  broadcastChannel,
  type Channels,
  channelsOf,
  encodeAllRoomsRequest,
  encodeBroadcast,
  encodeBroadcastAckRequest,
  encodeDisconnectRequest,
  encodeFetchRequest,
  encodeRoomsRequest,
  encodeServerSideEmitRequest,
  parseResponse,
  parseSockets,
  randomId,
  RequestType,
  type Response,
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
  readonly #requests: PendingRequests;
  #ready: Promise<void> | undefined;
  #closed = false;
  /** Connection state recovery in Redis; undefined when the option is off. */
  readonly #store: RedisSessionStore | undefined;
  /** Recovery writes under way, awaited by `close`. */
  readonly #writes = new Set<Promise<unknown>>();
  /** Listeners of what the other servers publish (their broadcasts and requests). */
  readonly #peers: PeerHandlers;

  /** The adapter of `nsp`, publishing on `pub` and listening on `sub`. */
  constructor(nsp: Namespace, pub: PubSub, sub: PubSub, options: ResolvedRedisAdapterOptions) {
    super(nsp);
    this.#requests = new PendingRequests(nsp._instruments.metrics?.server);
    this.#pub = pub;
    this.#sub = sub;
    this.#options = options;
    this.#channels = channelsOf(options.key, nsp.name, this.uid);
    this.#store = nsp.recovery === undefined
      ? undefined
      : new RedisSessionStore(pub, options.key, nsp.name, nsp.recovery);
    this.#peers = createPeerHandlers({
      uid: this.uid,
      channels: this.#channels,
      // the in-memory operations: a peer's message applied here must not be published again
      local: {
        nsp,
        rooms: this.rooms,
        apply: (options, visit) => this.apply(options, visit),
        deliver: (packet, options) => this.deliver(packet, options),
        addSockets: (options, rooms) => super.addSockets(options, rooms),
        delSockets: (options, rooms) => super.delSockets(options, rooms),
        disconnectSockets: (options, close) => super.disconnectSockets(options, close),
        broadcastWithAck: (packet, options, onClientCount, onAck) =>
          super.broadcastWithAck(packet, options, onClientCount, onAck),
      },
      respond: (message) => void this.#publish(this.#channels.response, message),
    });
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
      this.#sub.psubscribe(pattern, this.#peers.onBroadcast),
      this.#sub.subscribe(request, this.#peers.onRequest),
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
      this.#sub.punsubscribe(pattern, this.#peers.onBroadcast),
      this.#sub.unsubscribe(request, this.#peers.onRequest),
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
    await this.#request(requestId, "fetchSockets", message, expected, (response) => {
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
    await this.#request(requestId, "allRooms", message, expected, (response) => {
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
          "serverSideEmit",
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
   * Publishes a request of `kind` and resolves once `expected` answers arrived (each given to
   * `onResponse`); rejects with `timeoutError(received)` after `requestsTimeout`.
   */
  #request(
    requestId: string,
    kind: string,
    message: string | Uint8Array,
    expected: number,
    onResponse: (response: Response) => void,
    timeoutError: (received: number) => Error,
  ): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("the adapter was closed"));
    const answered = this.#requests.wait(
      requestId,
      kind,
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

  /** Answers to this server's requests, routed to the request they answer. */
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
}
