/**
 * A runtime's native publish/subscribe for WebSockets (Bun's): the runtime writes one frame to
 * every subscriber of a topic, so a broadcast is encoded once and crosses into the runtime once
 * instead of once per socket. The server layer decides who may be subscribed; this module only
 * keeps what the engine must know to stay correct: which topics a connection is in, and what
 * was published during the current run of code (volatile packets and buffer limits see it).
 * @module
 */
import { currentTurn, isCurrentTurn } from "./event_loop_turn.ts";
import { encodePacket, type PacketData } from "./packet.ts";

/**
 * The server side of a runtime's native topics: writes a frame to every subscriber of a topic.
 * One object per runtime server (subscriptions belong to a server).
 *
 * @example
 * ```ts
 * import type { NativeTopicServer } from "./native_topics.ts";
 * declare const server: { publish(topic: string, data: string, compress?: boolean): number };
 * const topics: NativeTopicServer = { publish: (topic, frame, compress) => void server.publish(topic, frame as string, compress) };
 * ```
 */
export interface NativeTopicServer {
  /** Writes `frame` to every subscriber of `topic`; `compress` as a connection's `send` takes it. */
  publish(topic: string, frame: string | Uint8Array, compress: boolean): void;
}

/**
 * One WebSocket connection's side of its runtime's native topics (`WsConnection.topics`).
 *
 * @example
 * ```ts
 * import type { NativeTopics } from "./native_topics.ts";
 * declare const topics: NativeTopics;
 * topics.subscribe("room");
 * topics.publishToOthers("room", "4hello", false); // every subscriber but this connection
 * ```
 */
export interface NativeTopics {
  /** The runtime server the connection belongs to (the same object for all its connections). */
  readonly server: NativeTopicServer;
  /** Subscribes the connection to a topic. */
  subscribe(topic: string): void;
  /** Unsubscribes the connection from a topic (nothing once it is closed). */
  unsubscribe(topic: string): void;
  /** Writes `frame` to every subscriber of `topic` except this connection. */
  publishToOthers(topic: string, frame: string | Uint8Array, compress: boolean): void;
}

let inUse = false;

/** Whether any connection of this process has native topics (until then broadcasts skip them). */
export function nativeTopicsInUse(): boolean {
  return inUse;
}

/** A connection with native topics opened: broadcasts look for them from now on. */
export function noteNativeTopics(): void {
  inUse = true;
}

const hubs = new WeakMap<NativeTopicServer, TopicHub>();

/** A WebSocket frame's header, at most. */
const FRAME_HEADER_BYTES = 14;

/**
 * The most bytes a frame can add to a runtime's buffered amount: text of `size` UTF-16 code
 * units takes up to 3 bytes each in UTF-8, plus the frame's header.
 */
export function wireBytesAtMost(frame: string | Uint8Array): number {
  return (typeof frame === "string" ? 3 * frame.length : frame.byteLength) + FRAME_HEADER_BYTES;
}

/**
 * The publishing side for one runtime server: encodes an Engine.IO message once and publishes
 * it, remembering which topics got a frame during the current run and how many bytes.
 */
export class TopicHub {
  readonly #server: NativeTopicServer;
  #turn = 0;
  #bytes = 0;
  #topics = new Set<string>();
  /** The most bytes all frames published since the hub was made can take on the wire. */
  #total = 0;

  private constructor(server: NativeTopicServer) {
    this.#server = server;
  }

  /** The hub of a runtime server. */
  static of(server: NativeTopicServer): TopicHub {
    let hub = hubs.get(server);
    if (hub === undefined) hubs.set(server, hub = new TopicHub(server));
    return hub;
  }

  /**
   * Bytes published during the current run: the runtime may hold them outside a socket's
   * buffered amount until the run ends, so buffer limits add them.
   */
  get bytesThisTurn(): number {
    return isCurrentTurn(this.#turn) ? this.#bytes : 0;
  }

  /** The most bytes all frames published since the hub was made can take on the wire. */
  get totalBytes(): number {
    return this.#total;
  }

  /** Whether a frame was published to `topic` during the current run. */
  publishedThisTurn(topic: string): boolean {
    return isCurrentTurn(this.#turn) && this.#topics.has(topic);
  }

  /**
   * Publishes one Engine.IO message (v4 frame) to the subscribers of `topic`, but `except`.
   * It is compressed when it has `compressFrom` bytes or more and `compress` is not false, as a
   * WebSocket transport decides for one packet.
   */
  publish(
    topic: string,
    data: PacketData,
    compress: boolean | undefined,
    compressFrom: number,
    except?: TopicMember,
  ): void {
    const frame = encodePacket({ type: "message", data });
    const size = typeof frame === "string" ? frame.length : frame.byteLength;
    const compressed = size >= compressFrom && compress !== false;
    const turn = currentTurn();
    if (this.#turn !== turn) {
      this.#turn = turn;
      this.#bytes = 0;
      this.#topics.clear();
    }
    this.#bytes += size;
    this.#total += wireBytesAtMost(frame);
    this.#topics.add(topic);
    if (except === undefined) this.#server.publish(topic, frame, compressed);
    else except.publishToOthers(topic, frame, compressed);
  }
}

/** One WebSocket connection's topics, kept on its transport. */
export class TopicMember {
  /** The hub of the connection's runtime server. */
  readonly hub: TopicHub;
  /** Frames this many bytes or more are compressed (the transport's threshold). */
  readonly compressFrom: number;
  readonly #native: NativeTopics;
  readonly #topics = new Set<string>();
  /** The connection's buffered amount when last read. */
  #measured = 0;
  /** The hub's bytes published before the run of that read. */
  #hubBytesThen = 0;
  /** Bytes written to the connection one by one since that read (`noteWritten`). */
  #written = 0;

  /** The member for a connection with native topics. */
  constructor(native: NativeTopics, compressFrom: number) {
    this.hub = TopicHub.of(native.server);
    this.compressFrom = compressFrom;
    this.#native = native;
  }

  /**
   * Whether at most `limit` bytes are buffered for the connection, counting what was published
   * this run. The buffered amount only grows by what is written or published, so while the
   * last read plus everything since stays within `limit`, no new read (a call into the
   * runtime) is needed.
   */
  fits(limit: number, connection: { readonly bufferedAmount: number }): boolean {
    const hub = this.hub;
    const total = hub.totalBytes;
    if (this.#measured + (total - this.#hubBytesThen) + this.#written <= limit) return true;
    const buffered = connection.bufferedAmount;
    const pending = hub.bytesThisTurn;
    this.#measured = buffered;
    this.#hubBytesThen = total - pending;
    this.#written = 0;
    return buffered + pending <= limit;
  }

  /** Counts bytes written to the connection outside topics (`wireBytesAtMost` of each frame). */
  noteWritten(bytes: number): void {
    this.#written += bytes;
  }

  /** Whether the connection is subscribed to `topic`. */
  has(topic: string): boolean {
    return this.#topics.has(topic);
  }

  /** Subscribes to `topic`. */
  join(topic: string): void {
    if (this.#topics.has(topic)) return;
    this.#topics.add(topic);
    this.#native.subscribe(topic);
  }

  /** Unsubscribes from `topic`. */
  leave(topic: string): void {
    if (this.#topics.delete(topic)) this.#native.unsubscribe(topic);
  }

  /** Whether a frame was published during the current run to a topic this connection is in. */
  get publishedThisTurn(): boolean {
    for (const topic of this.#topics) if (this.hub.publishedThisTurn(topic)) return true;
    return false;
  }

  /** Publishes a frame to the topic's other subscribers (through the hub only). */
  publishToOthers(topic: string, frame: string | Uint8Array, compress: boolean): void {
    this.#native.publishToOthers(topic, frame, compress);
  }
}

/** An engine socket that tells whether a message published now would reach its peer in order. */
export interface TopicReachable {
  /**
   * The connection's topics when a published message would be its next one on the wire (open,
   * nothing queued in the session, nobody watching each packet) and at most `limit` bytes are
   * buffered for it, counting what was published this run; otherwise undefined.
   */
  topicMember(limit: number): TopicMember | undefined;
}

/** The engine socket's `TopicReachable` side, if it has one. */
export function topicReachable(socket: object): TopicReachable | undefined {
  const candidate = socket as Partial<TopicReachable>;
  return typeof candidate.topicMember === "function" ? candidate as TopicReachable : undefined;
}
