import { Emitter } from "../_internal/emitter.ts";
import { getLogger } from "../_internal/log.ts";
import type { EngineCounters } from "./engine_counters.ts";
import { Heartbeat, type HeartbeatOwner } from "./heartbeat.ts";
import type { HandshakeInfo } from "./handshake_info.ts";
import type { ResolvedEngineProtocolOptions } from "./options.ts";
import type { Packet, PacketData, PacketType } from "./packet.ts";
import {
  DRAIN_LOW_WATER,
  type Transport,
  type TransportListener,
  type TransportName,
} from "./transport.ts";
import type {
  EngineCloseReason,
  EngineSocket,
  EngineSocketEvents,
  SendOptions,
  SessionReader,
} from "./engine_socket.ts";
import type { TopicMember, TopicReachable } from "./native_topics.ts";
import { probeUpgrade } from "./upgrade_probe.ts";
import type { EngineProtocol } from "./wire_codec.ts";

const log = getLogger("engine");

/** The server side of one Engine.IO session: write buffer, heartbeat, upgrade. */
export class EngineSession
  implements EngineSocket, TopicReachable, TransportListener, HeartbeatOwner {
  readyState: "opening" | "open" | "closing" | "closed" = "opening";
  #transport: Transport;
  #writeBuffer: Packet[] = [];
  /** Bytes in `#writeBuffer` (text as UTF-16 code units). */
  #writeBufferBytes = 0;
  /** A flush happened and "drain" has not been emitted since. */
  #drainPending = false;
  /** Made on the first listener: a Socket.IO connection reads through `#reader` instead. */
  #events: Emitter<EngineSocketEvents> | undefined;
  /** The layer above, told of messages and the close before any listener (no closures). */
  #reader: SessionReader | undefined;
  /** Whether anyone ever listened to `packetCreate` (the hot path skips the event otherwise). */
  #packetsWatched = false;
  /** Whether "drain" has listeners (a published frame would not reach them). */
  #drainWatched = false;
  readonly #heartbeat: Heartbeat;
  #upgrading = false;
  #upgraded = false;
  #abortUpgrade: (() => void) | undefined;
  /** Closes a polling session whose client does not come back after the handshake. */
  #firstPollTimer: ReturnType<typeof setTimeout> | undefined;
  /** What the transport reports to: the session itself (no closures per session). */
  readonly #listener: TransportListener = this;

  constructor(
    readonly id: string,
    transport: Transport,
    readonly request: HandshakeInfo,
    private readonly options: ResolvedEngineProtocolOptions,
    private readonly onClosed: (session: EngineSession) => void,
    /** 3 for an `allowEIO3` client: it pings, the server answers. */
    readonly protocol: EngineProtocol = 4,
    /** What to count, when metrics are on. */
    private readonly counters?: EngineCounters,
  ) {
    this.#transport = transport;
    transport.bind(this.#listener);
    this.#heartbeat = new Heartbeat(options, protocol, this);
  }

  get transport(): TransportName {
    return this.#transport.name;
  }

  /** The transport object itself, for the HTTP layer. */
  get activeTransport(): Transport {
    return this.#transport;
  }

  get upgrading(): boolean {
    return this.#upgrading;
  }

  get upgraded(): boolean {
    return this.#upgraded;
  }

  get bufferedAmount(): number {
    return this.#writeBufferBytes + this.#transport.bufferedAmount;
  }

  get writable(): boolean {
    const transport = this.#transport;
    return this.readyState === "open" && transport.writable && transport.writing !== true;
  }

  topicMember(limit: number): TopicMember | undefined {
    // counters would miss the published bytes, `packetCreate` and `drain` listeners the packet
    if (
      this.readyState !== "open" || this.#writeBuffer.length > 0 || this.#packetsWatched ||
      this.counters !== undefined || this.#drainWatched
    ) return undefined;
    const transport = this.#transport;
    const member = transport.topicMember;
    return member !== undefined && member.fits(limit, transport) ? member : undefined;
  }

  /** Sends the OPEN packet (and the initial packet), then starts the heartbeat. */
  open(): void {
    this.readyState = "open";
    const { options } = this;
    const canUpgrade = this.#transport.name === "polling" && options.allowUpgrades &&
      options.transports.includes("websocket");
    this.#sendPacket(
      "open",
      JSON.stringify({
        sid: this.id,
        upgrades: canUpgrade ? ["websocket"] : [],
        pingInterval: options.pingInterval,
        pingTimeout: options.pingTimeout,
        maxPayload: options.maxHttpBufferSize,
      }),
    );
    if (options.initialPacket !== undefined) this.#sendPacket("message", options.initialPacket);
    this.#heartbeat.start();
    if (this.#transport.name === "polling") {
      this.#firstPollTimer = setTimeout(() => {
        log.debug("no request after the handshake", { sid: this.id });
        // nobody is polling, so no close packet can be delivered: remove the session at once
        this.#onClose("transport close", "no request within firstPollTimeout of the handshake");
      }, options.firstPollTimeout);
    }
  }

  /** The client made a request of its session (a GET, a POST or the upgrade): it is alive. */
  noteRequest(): void {
    if (this.#firstPollTimer === undefined) return;
    clearTimeout(this.#firstPollTimer);
    this.#firstPollTimer = undefined;
  }

  send(data: PacketData, options?: SendOptions): void {
    this.#sendPacket("message", data, options !== undefined && options.compress === false);
  }

  close(): void {
    if (this.readyState !== "open") return;
    this.readyState = "closing";
    if (this.#writeBuffer.length > 0) {
      this.#emitter().once("drain", () => this.#closeTransport());
      return;
    }
    this.#closeTransport();
  }

  /**
   * Closes the session with "ping timeout" if its PONG is overdue but the timer has not fired
   * yet (a busy event loop runs timers late); returns whether it is still open.
   */
  checkHeartbeat(now: number = Date.now()): boolean {
    if (this.#heartbeat.overdue(now) && this.readyState !== "closed") this.#onClose("ping timeout");
    return this.readyState !== "closed";
  }

  /** Ends the session at once, without waiting for queued packets. */
  terminate(reason: EngineCloseReason, description?: string): void {
    this.#onClose(reason, description);
  }

  on<K extends keyof EngineSocketEvents>(
    event: K,
    listener: (...args: EngineSocketEvents[K]) => void,
  ): void {
    if (event === "packetCreate") this.#packetsWatched = true;
    this.#emitter().on(event, listener);
    if (event === "drain") this.#drainWatched = true;
  }

  off<K extends keyof EngineSocketEvents>(
    event: K,
    listener: (...args: EngineSocketEvents[K]) => void,
  ): void {
    const events = this.#events;
    if (events === undefined) return;
    events.off(event, listener);
    if (event === "drain") this.#drainWatched = events.listenerCount("drain") > 0;
  }

  /**
   * @internal Hands this session's messages and its close to `reader` (the Socket.IO client on
   * it), ahead of the "message" and "close" listeners: one link rather than two closures.
   */
  _read(reader: SessionReader): void {
    this.#reader = reader;
  }

  #emitter(): Emitter<EngineSocketEvents> {
    return this.#events ??= new Emitter();
  }

  #onmessage(data: PacketData): void {
    try {
      this.#reader?._onmessage(data);
    } catch (error) {
      log.error("the session's reader threw", { error });
    }
    this.#events?.emit("message", data);
  }

  /**
   * Runs the upgrade handshake on a freshly opened WebSocket: answer `2probe` with `3probe`,
   * release parked polls with NOOPs, switch on `5`. Queued packets stay in the write buffer
   * across the switch, so nothing is lost or reordered.
   */
  upgradeTo(next: Transport): void {
    this.#upgrading = true;
    probeUpgrade(this.id, this.#transport, next, this.options.upgradeTimeout, {
      begin: (abandon) => this.#abortUpgrade = abandon,
      probed: (transport) => this.#events?.emit("upgrading", transport.name),
      canSwitch: () => this.readyState !== "closed",
      switchTo: (transport) => this.#switchTo(transport),
      ended: () => {
        this.#upgrading = false;
        this.#abortUpgrade = undefined;
      },
    });
  }

  /** @internal Heartbeat: time to PING. */
  heartbeatPing(): void {
    this.#sendPacket("ping");
  }

  /** @internal Heartbeat: the peer stayed silent. */
  heartbeatExpired(): void {
    if (this.readyState !== "closed") this.#onClose("ping timeout");
  }

  /** @internal Transport: a packet arrived. */
  onPacket(packet: Packet): void {
    this.#onPacket(packet);
  }

  /** @internal Transport: a MESSAGE packet arrived as text. */
  onTextMessage(data: string): void {
    if (this.readyState !== "open" && this.readyState !== "closing") return;
    if (this.counters !== undefined) this.counters.receivedBytes += 1 + data.length;
    this.#onmessage(data);
  }

  /** @internal Transport: it can take packets again. */
  onDrain(): void {
    this.#flush();
  }

  /** @internal Transport: it ended. */
  onClose(reason: EngineCloseReason, description?: string): void {
    this.#onClose(reason, description);
  }

  #switchTo(next: Transport): void {
    const previous = this.#transport;
    previous.discard();
    previous.close();
    this.#transport = next;
    this.#upgraded = true;
    if (this.counters !== undefined) this.counters.upgrades++;
    next.bind(this.#listener);
    log.debug("upgraded", { sid: this.id, transport: next.name });
    this.#events?.emit("upgrade", next.name);
    this.#flush();
    if (this.readyState === "closing") this.#closeTransport();
  }

  #sendPacket(type: PacketType, data?: PacketData, uncompressed = false): void {
    if (this.readyState === "closing" || this.readyState === "closed") return;
    const bytes = data === undefined
      ? 1
      : 1 + (typeof data === "string" ? data.length : data.byteLength);
    const transport = this.#transport;
    if (
      data !== undefined && type === "message" && this.#writeBuffer.length === 0 &&
      !this.#packetsWatched && transport.sendMessage !== undefined && transport.writable
    ) {
      // nothing queued ahead and a transport that writes at once: straight through
      if (this.counters !== undefined) this.counters.sentBytes += bytes;
      transport.sendMessage(data, uncompressed);
      this.#drainPending = true;
      this.#checkDrained(transport);
      return;
    }
    if (data === undefined) this.#writeBuffer.push({ type });
    // the flag only where it is set, so most packets keep the one shape `{ type, data }`
    else this.#writeBuffer.push(uncompressed ? { type, data, compress: false } : { type, data });
    this.#writeBufferBytes += bytes;
    if (this.counters !== undefined) this.counters.sentBytes += bytes;
    if (this.#packetsWatched) {
      this.#events?.emit("packetCreate", { type, data, options: { compress: !uncompressed } });
    }
    this.#flush();
  }

  /** Hands the queue to the transport if it can write; emits "drain" once the runtime is low. */
  #flush(): void {
    if (this.readyState === "closed") return;
    const transport = this.#transport;
    if (this.#writeBuffer.length > 0) {
      if (!transport.writable) return;
      const packets = this.#writeBuffer;
      this.#writeBuffer = [];
      this.#writeBufferBytes = 0;
      transport.send(packets);
      this.#drainPending = true;
    }
    this.#checkDrained(transport);
  }

  /** Emits "drain" after a send once the transport holds little enough. */
  #checkDrained(transport: Transport): void {
    // a transport left above the mark calls onDrain (→ here) once it falls back
    if (
      this.#drainPending &&
      !(transport.aboveLowWater ?? transport.bufferedAmount > DRAIN_LOW_WATER)
    ) {
      this.#drainPending = false;
      this.#events?.emit("drain");
    }
  }

  #closeTransport(): void {
    this.#transport.close(() => this.#onClose("forced close"));
  }

  #onPacket(packet: Packet): void {
    if (this.readyState !== "open" && this.readyState !== "closing") return;
    if (this.counters !== undefined) this.counters.receivedBytes += packetBytes(packet);
    switch (packet.type) {
      case "pong":
        if (this.protocol === 3) {
          this.#onClose("transport error", "invalid heartbeat direction");
          return;
        }
        this.#heartbeat.pong();
        this.#events?.emit("heartbeat");
        return;
      case "message":
        this.#onmessage(packet.data ?? "");
        return;
      case "ping":
        if (this.protocol === 3) {
          // in v3 the client pings and the server answers
          this.#heartbeat.clientPing();
          this.#sendPacket("pong");
          this.#events?.emit("heartbeat");
          return;
        }
        // in v4 only the server pings
        this.#onClose("transport error", "invalid heartbeat direction");
        return;
      default:
        return;
    }
  }

  #onClose(reason: EngineCloseReason, description?: string): void {
    if (this.readyState === "closed") return;
    this.readyState = "closed";
    this.#heartbeat.stop();
    this.noteRequest();
    this.#writeBuffer = [];
    this.#writeBufferBytes = 0;
    this.#abortUpgrade?.();
    const transport = this.#transport;
    // the session has left the table, so no later poll could fetch a close packet: close now
    transport.discard();
    transport.close();
    log.debug("session closed", { sid: this.id, reason, description });
    const closes = this.counters?.closes;
    closes?.set(reason, (closes.get(reason) ?? 0) + 1);
    this.onClosed(this);
    const reader = this.#reader;
    this.#reader = undefined;
    try {
      reader?._onclose(reason, description);
    } catch (error) {
      log.error("the session's reader threw", { error });
    }
    this.#events?.emit("close", reason, description);
    this.#events = undefined;
  }
}

/** A packet's size as the counters count it: its type, and its data (text in code units). */
function packetBytes(packet: Packet): number {
  const data = packet.data;
  if (data === undefined) return 1;
  return 1 + (typeof data === "string" ? data.length : data.byteLength);
}
