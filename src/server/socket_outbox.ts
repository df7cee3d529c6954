import { ListenerList } from "../_internal/emitter.ts";
import type { TopicMember } from "../engine/native_topics.ts";
import type { Frames } from "../parser/codec.ts";
import { SocketPacketType } from "../parser/packet.ts";
import type { AnyListener } from "./events.ts";
import type { NamespaceMetrics } from "./server_metrics.ts";
import type { AnyServerSocket } from "./socket.ts";
import { reportListenerError } from "./socket_inbox.ts";
import type { BroadcastFlags } from "./types.ts";

/**
 * The path of packets out of one socket: held until the CONNECT reply is out (a connection
 * listener may emit before it), shown to outgoing catch-all listeners, then written to the
 * connection under its slow-consumer policy.
 */
export class SocketOutbox {
  readonly #socket: AnyServerSocket;
  /** Frames written before the CONNECT reply, with their flags; undefined once it is out. */
  #held: [Frames, BroadcastFlags][] | undefined = [];
  /** Made on first use: most sockets never get one. */
  #any: ListenerList<AnyListener> | undefined;
  /** The namespace's counters, when metrics are on. */
  readonly #metrics: NamespaceMetrics | undefined;

  constructor(socket: AnyServerSocket) {
    this.#socket = socket;
    this.#metrics = socket.nsp._instruments.metrics;
  }

  /** Whether the CONNECT reply is not out yet (nor the socket abandoned). */
  get holding(): boolean {
    return this.#held !== undefined;
  }

  /** The catch-all listeners of outgoing events. */
  get any(): ListenerList<AnyListener> {
    return this.#any ??= new ListenerList();
  }

  /** Tells outgoing catch-all listeners about an event. */
  notify(data: readonly unknown[]): void {
    const any = this.#any;
    if (any !== undefined && any.size > 0) {
      any.call(data as [string, ...unknown[]], reportListenerError);
    }
  }

  /** Sends an event: outgoing catch-all listeners see `data`, then `frames` are written. */
  send(data: readonly unknown[], frames: Frames, flags: BroadcastFlags): boolean {
    if (this.#metrics !== undefined) this.#metrics.eventsSent++;
    this.notify(data);
    return this.write(frames, flags);
  }

  /**
   * Writes encoded frames, holding them until the CONNECT reply is out. False when they were
   * dropped or the connection is above `slowConsumer.maxBufferedBytes`.
   */
  write(frames: Frames, flags: BroadcastFlags): boolean {
    const held = this.#held;
    if (held) {
      if (flags.volatile) return false;
      held.push([frames, flags]);
      return true;
    }
    if (!this.#socket.connected) return false;
    return this.#socket.client.writeFrames(frames, flags);
  }

  /**
   * The connection's topics when a broadcast frame of `bytes` may be published to this socket
   * (connected, nothing held, no outgoing listener to call, the connection able to take it).
   */
  topicMember(bytes: number): TopicMember | undefined {
    const any = this.#any;
    if (this.#held !== undefined || (any !== undefined && any.size > 0)) return undefined;
    const socket = this.#socket;
    return socket.connected ? socket.client._topicMember(bytes) : undefined;
  }

  /**
   * Sends the events a recovered session missed, then the CONNECT reply (`{ sid }`, with `pid`
   * under connection state recovery; nothing for a v2 client), then what was held.
   */
  open(missed: readonly unknown[][]): void {
    const { client, nsp, id, pid } = this.#socket;
    let reply: { sid: string; pid?: string } | undefined;
    if (client.conn.protocol !== 3) reply = pid === undefined ? { sid: id } : { sid: id, pid };
    // missed packets go first, as in the reference; the client holds them until CONNECT
    for (const data of missed) {
      client.writePacket({ type: SocketPacketType.EVENT, nsp: nsp.name, data }, {});
    }
    client.writePacket({ type: SocketPacketType.CONNECT, nsp: nsp.name, data: reply }, {});
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const [frames, flags] of held) client.writeFrames(frames, flags);
  }

  /** Drops what was held: the connection was refused. */
  abandon(): void {
    this.#held = undefined;
  }
}
