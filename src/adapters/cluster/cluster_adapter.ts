import { getLogger } from "../../_internal/log.ts";
import { type SocketPacket, SocketPacketType } from "../../parser/packet.ts";
import type { Adapter, RemoteSocketLike } from "../../server/adapter.ts";
import { InMemoryAdapter } from "../../server/in_memory_adapter.ts";
import type { Namespace } from "../../server/namespace.ts";
import type { BroadcastOptions, Room } from "../../server/types.ts";
import { selectionOf, wireOptions } from "../redis/conversions.ts";
import { PendingRequests } from "../redis/pending_requests.ts";
import { ClusterRemoteSocket } from "../redis/remote_socket.ts";
import { parseSockets } from "../redis/protocol.ts";
import { applyPeerMessage } from "./peer_messages.ts";
import {
  type ClusterMessage,
  clusterMessage,
  MessageType,
  randomHexId,
  requestIdOf,
  RESPONSE_TYPES,
} from "./message.ts";

const log = getLogger("redis");

/**
 * How a cluster adapter reaches the other servers of its namespace. `publish` resolves with
 * the message's offset when the transport has one (a Redis stream entry id).
 */
export interface ClusterLink {
  /** Sends a message to every server of the namespace (its sender ignores it). */
  publish(message: ClusterMessage): Promise<string | undefined>;
  /** Sends an answer to the server whose adapter has `requesterUid`. */
  publishResponse(requesterUid: string, response: ClusterMessage): Promise<void>;
  /** How many servers serve the namespace, this one included. */
  serverCount(): Promise<number>;
}

/** An answer to one of this server's requests, by request id. */
interface Answer {
  readonly requestId: string;
  readonly message: ClusterMessage;
}

type ServerSideAck = (error: Error | null, responses: unknown[]) => void;

/** A cluster adapter as `createRedisStreamsAdapter` and `createShardedRedisAdapter` give it. */
export interface ClusterAdapter extends Adapter {
  /** This namespace's id in the cluster (16 hex digits), tagging what it publishes. */
  readonly uid: string;
}

/**
 * socket.io-adapter 2.5's cluster protocol for one namespace over a `ClusterLink`: what the
 * in-memory adapter does locally, plus messages to the other servers. Operations that change
 * sockets act locally at once and then publish; messages from the others arrive through
 * `onMessage` (with their offset, for a stream) and are applied locally, never published again.
 */
export class ClusterProtocolAdapter extends InMemoryAdapter implements ClusterAdapter {
  readonly uid: string = randomHexId();
  readonly #requests: PendingRequests<Answer>;
  #closed = false;

  /** The adapter of `nsp`, talking through `link`; requests wait `requestsTimeout` ms. */
  constructor(
    nsp: Namespace,
    /** How the other servers are reached. */
    protected readonly link: ClusterLink,
    /** Ms to wait for the other servers' answers. */
    protected readonly requestsTimeout: number,
  ) {
    super(nsp);
    this.#requests = new PendingRequests<Answer>(nsp._instruments.metrics?.server);
  }

  /** Fails pending requests; a subclass stops its subscriptions. */
  override close(): void | Promise<void> {
    this.#closed = true;
    this.#requests.failAll(new Error("the adapter was closed"));
    super.close();
  }

  override serverCount(): Promise<number> {
    return this.link.serverCount();
  }

  /** Publishes a message of this namespace; failures are logged, the offset returned. */
  protected send(type: number, data?: Record<string, unknown>): Promise<string | undefined> {
    return this.link.publish(clusterMessage(type, data, this.uid, this.nsp.name)).catch(
      (error) => {
        log.error("could not publish to Redis", { nsp: this.nsp.name, type, error });
        return undefined;
      },
    );
  }

  override broadcast(packet: SocketPacket, options: BroadcastOptions): void {
    super.broadcast(packet, options);
    if (options.flags.local) return;
    void this.send(MessageType.BROADCAST, broadcastData(packet, options));
  }

  override broadcastWithAck(
    packet: SocketPacket,
    options: BroadcastOptions,
    onClientCount: (count: number) => void,
    onAck: (...args: unknown[]) => void,
  ): void {
    super.broadcastWithAck(packet, options, onClientCount, onAck);
    if (options.flags.local) return;
    const requestId = randomHexId();
    // the operator decides when every ack is in; answers are accepted until its timeout
    this.#requests.listen(requestId, options.flags.timeout ?? this.requestsTimeout, (answer) => {
      const data = answer.message.data;
      if (answer.message.type === MessageType.BROADCAST_CLIENT_COUNT) {
        onClientCount(Number(data?.clientCount) || 0);
      } else if (answer.message.type === MessageType.BROADCAST_ACK) {
        onAck(data?.packet);
      }
    });
    const { packet: wire, opts } = broadcastData(packet, options);
    void this.send(MessageType.BROADCAST, { packet: wire, requestId, opts });
  }

  override addSockets(options: BroadcastOptions, rooms: Room[]): void {
    super.addSockets(options, rooms);
    if (!options.flags.local) {
      void this.send(MessageType.SOCKETS_JOIN, { opts: plainOptions(options), rooms });
    }
  }

  override delSockets(options: BroadcastOptions, rooms: Room[]): void {
    super.delSockets(options, rooms);
    if (!options.flags.local) {
      void this.send(MessageType.SOCKETS_LEAVE, { opts: plainOptions(options), rooms });
    }
  }

  override disconnectSockets(options: BroadcastOptions, close: boolean): void {
    super.disconnectSockets(options, close);
    if (!options.flags.local) {
      void this.send(MessageType.DISCONNECT_SOCKETS, { opts: plainOptions(options), close });
    }
  }

  override async fetchSockets(options: BroadcastOptions): Promise<RemoteSocketLike[]> {
    const local = await super.fetchSockets(options);
    if (options.flags.local) return local;
    const expected = await this.serverCount() - 1;
    if (expected <= 0) return local;
    const requestId = randomHexId();
    const remote: RemoteSocketLike[] = [];
    await this.#request(
      "fetchSockets",
      requestId,
      expected,
      options.flags.timeout ?? this.requestsTimeout,
      () => this.send(MessageType.FETCH_SOCKETS, { opts: plainOptions(options), requestId }),
      (answer) => {
        for (const socket of parseSockets(answer.message.data?.sockets)) {
          remote.push(new ClusterRemoteSocket(this.nsp, socket));
        }
      },
      (received) =>
        new Error(`timeout reached: only ${received} responses received out of ${expected}`),
    );
    return [...local, ...remote];
  }

  /**
   * Publishes `[event, ...args]` to the other servers. With a function last, it receives
   * `(null, responses)` once every other server answered, or `(error, responses)` after
   * `requestsTimeout`.
   */
  override async serverSideEmit(args: unknown[]): Promise<void> {
    const ack = args[args.length - 1];
    if (typeof ack !== "function") {
      await this.send(MessageType.SERVER_SIDE_EMIT, { packet: args });
      return;
    }
    const packet = args.slice(0, -1);
    const responses: unknown[] = [];
    let error: Error | null = null;
    try {
      const expected = await this.serverCount() - 1;
      if (expected > 0) {
        const requestId = randomHexId();
        await this.#request(
          "serverSideEmit",
          requestId,
          expected,
          this.requestsTimeout,
          () => this.send(MessageType.SERVER_SIDE_EMIT, { requestId, packet }),
          (answer) => responses.push(answer.message.data?.packet),
          (received) =>
            new Error(`timeout reached: only ${received} responses received out of ${expected}`),
        );
      }
    } catch (caught) {
      error = caught instanceof Error ? caught : new Error(String(caught));
    }
    (ack as ServerSideAck)(error, responses);
  }

  /**
   * A message from another server (its offset when it came from a stream). Malformed parts
   * are skipped and errors logged: a peer's message never throws here.
   */
  onMessage(message: ClusterMessage, offset?: string): void {
    if (message.uid === this.uid || message.nsp !== this.nsp.name) return;
    if (RESPONSE_TYPES.has(message.type)) {
      this.onResponse(message);
      return;
    }
    try {
      applyPeerMessage(message, offset, {
        nsp: this.nsp,
        deliver: (packet, options) => this.deliver(packet, options),
        addSockets: (options, rooms) => super.addSockets(options, rooms),
        delSockets: (options, rooms) => super.delSockets(options, rooms),
        disconnectSockets: (options, close) => super.disconnectSockets(options, close),
        fetchSockets: (options) => super.fetchSockets(options),
        broadcastWithAck: (packet, options, onClientCount, onAck) =>
          super.broadcastWithAck(packet, options, onClientCount, onAck),
        respond: (type, data) => this.#respond(message.uid, type, data),
      });
    } catch (error) {
      log.error("could not apply a message from the cluster", { nsp: this.nsp.name, error });
    }
  }

  /** An answer to one of this server's requests. */
  onResponse(message: ClusterMessage): void {
    const requestId = requestIdOf(message.data);
    if (requestId === undefined) return;
    try {
      this.#requests.answer({ requestId, message });
    } catch (error) {
      log.error("a response handler threw", { nsp: this.nsp.name, error });
    }
  }

  #respond(requesterUid: string, type: number, data: Record<string, unknown>): void {
    const response = clusterMessage(type, data, this.uid, this.nsp.name);
    this.link.publishResponse(requesterUid, response).catch((error) => {
      log.error("could not publish a response", { nsp: this.nsp.name, type, error });
    });
  }

  /** Waits for `expected` answers after `publish`; rejects with `timeoutError` after `ms`. */
  #request(
    kind: string,
    requestId: string,
    expected: number,
    ms: number,
    publish: () => Promise<unknown>,
    onAnswer: (answer: Answer) => void,
    timeoutError: (received: number) => Error,
  ): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("the adapter was closed"));
    const answered = this.#requests.wait(requestId, kind, expected, ms, onAnswer, timeoutError);
    void publish();
    return answered;
  }
}

/** A broadcast's `{ packet, opts }` as the Node adapter publishes it. */
export function broadcastData(
  packet: SocketPacket,
  options: BroadcastOptions,
): { packet: { type: number; data: unknown[] }; opts: Record<string, unknown> } {
  return {
    packet: { type: SocketPacketType.EVENT, data: packet.data as unknown[] },
    opts: { ...wireOptions(options) },
  };
}

/** Rooms, exceptions and flags of a request (`local` left out). */
function plainOptions(options: BroadcastOptions): Record<string, unknown> {
  return { ...selectionOf(options), flags: wireOptions(options).flags };
}
