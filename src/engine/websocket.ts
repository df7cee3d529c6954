import { currentTurn, isCurrentTurn } from "./event_loop_turn.ts";
import { readFrame } from "./frame.ts";
import { noteNativeTopics, TopicMember, wireBytesAtMost } from "./native_topics.ts";
import type { Packet, PacketData } from "./packet.ts";
import {
  DETACHED,
  DRAIN_LOW_WATER,
  type Transport,
  type TransportListener,
  type WsConnection,
  type WsHandlers,
} from "./transport.ts";
import { WIRE_V4, type WireCodec } from "./wire_codec.ts";

/** "4": an Engine.IO MESSAGE. */
const MESSAGE_DIGIT = 0x34;

/** Close code for a frame larger than maxPayload (RFC 6455 "message too big"). */
export const CLOSE_TOO_BIG = 1009;

/** How often a backed-up socket's buffered amount is read (Deno and Node have no drain event). */
const DRAIN_CHECK_MS = 50;

/**
 * The WebSocket transport: one Engine.IO packet per frame. It is built before the runtime
 * opens the socket, so frames that arrive before a session binds are held, not lost. It is its
 * own `WsHandlers` (methods, not closures: an idle connection costs less memory).
 */
export class WebSocketTransport implements Transport, WsHandlers {
  readonly name = "websocket";
  #listener: TransportListener = DETACHED;
  #connection: WsConnection | undefined;
  #closed = false;
  #lastWriteTurn = 0;
  #onOpen: ((transport: WebSocketTransport) => void) | undefined;
  #drainTimer: ReturnType<typeof setTimeout> | undefined;
  #topics: TopicMember | undefined;

  readonly #codec: WireCodec;
  readonly #compressFrom: number;
  readonly #maxPayload: number;

  /**
   * `codec` is the handshake's protocol revision (v4 unless `allowEIO3` admitted a v3 client);
   * frames of `compressFrom` bytes or more (text: UTF-16 code units) are sent compressed, unless
   * their packet was sent with `compress: false` (Infinity: none is).
   */
  constructor(
    maxPayload: number,
    onOpen: (transport: WebSocketTransport) => void,
    codec: WireCodec = WIRE_V4,
    compressFrom: number = Infinity,
  ) {
    this.#onOpen = onOpen;
    this.#codec = codec;
    this.#compressFrom = compressFrom;
    this.#maxPayload = maxPayload;
  }

  /** The callbacks to give the runtime adapter for this connection (the transport itself). */
  get handlers(): WsHandlers {
    return this;
  }

  /** Runtime adapter: the connection is open. */
  onOpen(connection: WsConnection): void {
    this.#connection = connection;
    if (connection.topics !== undefined) noteNativeTopics();
    const open = this.#onOpen;
    this.#onOpen = undefined;
    open?.(this);
  }

  /** Runtime adapter: a frame arrived. */
  onMessage(data: string | Uint8Array): void {
    this.#onFrame(data, this.#maxPayload);
  }

  /** Runtime adapter: the connection closed. */
  onClose(): void {
    this.#onPeerClose();
  }

  /** Runtime adapter: the runtime emptied its send buffer. */
  onDrain(): void {
    this.#checkDrain();
  }

  get writable(): boolean {
    return this.#connection !== undefined && !this.#closed;
  }

  get writing(): boolean {
    return isCurrentTurn(this.#lastWriteTurn) || this.bufferedAmount > 0 ||
      this.#topics?.publishedThisTurn === true;
  }

  /** Made on first use: a connection no broadcast reaches needs none. */
  get topicMember(): TopicMember | undefined {
    const connection = this.#connection;
    if (this.#closed || connection === undefined) return undefined;
    const topics = this.#topics;
    if (topics !== undefined) return topics;
    // a published frame is a v4 frame: v3 sessions are written one by one
    const native = connection.topics;
    if (native === undefined || this.#codec !== WIRE_V4) return undefined;
    return this.#topics = new TopicMember(native, this.#compressFrom);
  }

  get bufferedAmount(): number {
    return this.#connection?.bufferedAmount ?? 0;
  }

  /** Only a send that left the runtime above the mark starts the watch, so no read is needed before. */
  get aboveLowWater(): boolean {
    const connection = this.#connection;
    return this.#drainTimer !== undefined && connection !== undefined &&
      connection.bufferedAmount > DRAIN_LOW_WATER;
  }

  bind(listener: TransportListener): void {
    this.#listener = listener;
  }

  send(packets: readonly Packet[]): void {
    const connection = this.#connection;
    if (!connection || this.#closed) return;
    const encode = this.#codec.encodeFrame;
    const compressFrom = this.#compressFrom;
    const topics = this.#topics;
    for (const packet of packets) {
      const frame = encode(packet);
      const size = typeof frame === "string" ? frame.length : frame.byteLength;
      connection.send(frame, size >= compressFrom && packet.compress !== false);
      if (topics !== undefined) topics.noteWritten(wireBytesAtMost(frame));
    }
    this.#lastWriteTurn = currentTurn();
    this.#watchIfBackedUp(connection);
  }

  sendMessage(data: PacketData, uncompressed: boolean): void {
    if (this.#codec !== WIRE_V4) {
      this.send([
        uncompressed ? { type: "message", data, compress: false } : { type: "message", data },
      ]);
      return;
    }
    const connection = this.#connection;
    if (!connection || this.#closed) return;
    // a v4 MESSAGE frame: "4" + text, or the bytes as they are
    const frame = typeof data === "string" ? "4" + data : data;
    const size = typeof data === "string" ? frame.length : data.byteLength;
    connection.send(frame, !uncompressed && size >= this.#compressFrom);
    const topics = this.#topics;
    if (topics !== undefined) topics.noteWritten(wireBytesAtMost(frame));
    this.#lastWriteTurn = currentTurn();
    this.#watchIfBackedUp(connection);
  }

  close(done?: () => void, code?: number): void {
    if (!this.#closed) {
      this.#closed = true;
      this.#stopWatching();
      try {
        this.#connection?.close(code);
      } catch {
        // already closed by the runtime
      }
    }
    done?.();
  }

  discard(): void {
    this.#listener = DETACHED;
  }

  #onFrame(data: string | Uint8Array, maxPayload: number): void {
    if (this.#closed) return;
    // the common frame, a v4 text MESSAGE clearly within the limit: no packet object
    const listener = this.#listener;
    if (
      typeof data === "string" && data.charCodeAt(0) === MESSAGE_DIGIT &&
      data.length * 3 <= maxPayload && listener.onTextMessage !== undefined &&
      this.#codec === WIRE_V4
    ) {
      listener.onTextMessage(data.slice(1));
      return;
    }
    const outcome = readFrame(data, maxPayload, this.#codec.decodeFrame);
    if (outcome.kind === "packet") {
      this.#listener.onPacket(outcome.packet);
      return;
    }
    this.close(undefined, outcome.tooBig ? CLOSE_TOO_BIG : undefined);
    this.#listener.onClose(outcome.reason, outcome.description);
  }

  /**
   * After a send that leaves the runtime holding more than DRAIN_LOW_WATER bytes, reads the
   * buffered amount every DRAIN_CHECK_MS until it falls back, then reports onDrain. Bun's own
   * drain event only makes the check come sooner.
   */
  #watchIfBackedUp(connection: WsConnection): void {
    if (this.#drainTimer !== undefined || connection.bufferedAmount <= DRAIN_LOW_WATER) return;
    this.#drainTimer = setTimeout(() => {
      this.#drainTimer = undefined;
      this.#checkDrain();
    }, DRAIN_CHECK_MS);
  }

  #checkDrain(): void {
    const connection = this.#connection;
    if (!connection || this.#closed) return;
    if (connection.bufferedAmount > DRAIN_LOW_WATER) {
      this.#watchIfBackedUp(connection);
      return;
    }
    this.#stopWatching();
    this.#listener.onDrain();
  }

  #stopWatching(): void {
    clearTimeout(this.#drainTimer);
    this.#drainTimer = undefined;
  }

  #onPeerClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopWatching();
    this.#listener.onClose("transport close");
  }
}
