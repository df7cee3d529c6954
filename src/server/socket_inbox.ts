import { runChain } from "../_internal/chain.ts";
import { Emitter, ListenerList } from "../_internal/emitter.ts";
import { getLogger } from "../_internal/log.ts";
import { type SocketPacket, SocketPacketType } from "../parser/packet.ts";
import { isReservedEvent } from "../parser/validate.ts";
import type { Ack } from "./acks.ts";
import type { EventTracing } from "./event_tracing.ts";
import type { AnyListener, PacketMiddleware, SocketLifecycleEvents } from "./events.ts";
import type { ResolvedRateLimit } from "./limits.ts";
import type { EventRoute } from "./namespace_hooks.ts";
import { RateLimiter } from "./rate_limit.ts";
import type { NamespaceMetrics } from "./server_metrics.ts";
import type { AnyServerSocket } from "./socket.ts";
import type { BroadcastFlags } from "./types.ts";

const log = getLogger("server");

/** The flags of an acknowledgement: none (one object for all, never changed). */
const ACK_FLAGS: BroadcastFlags = Object.freeze({});

/** Reports an exception of an application's socket listener. */
export function reportListenerError(error: unknown): void {
  log.error("a socket listener threw", { error });
}

/**
 * The path of a client's events into one socket: the rate limit, catch-all listeners, packet
 * middlewares, then the event's route in the namespace's dispatch table and the socket's own
 * `on` listeners. The acknowledgement callback is made here, once per event that asks for one.
 */
export class SocketInbox {
  readonly #socket: AnyServerSocket;
  readonly #rateLimiter: RateLimiter | undefined;
  readonly #lifecycle: Emitter<SocketLifecycleEvents>;
  /** The namespace's counters, when metrics are on. */
  readonly #metrics: NamespaceMetrics | undefined;
  /** The server's spans, when tracing is on. */
  readonly #tracing: EventTracing | undefined;
  /** Made on the first `use`. */
  #middlewares: PacketMiddleware[] | undefined;
  /** Listeners made on first use: most sockets of a gateway never get any. */
  #any: ListenerList<AnyListener> | undefined;
  // deno-lint-ignore no-explicit-any
  #listeners: Emitter<Record<string, any[]>> | undefined;
  /** Handlers' and listeners' promises not settled yet (what a drain waits for). */
  #running = 0;
  /** Made when a drain asks while work runs; settled when the last of it settles. */
  #idle: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(
    socket: AnyServerSocket,
    rateLimit: ResolvedRateLimit | undefined,
    lifecycle: Emitter<SocketLifecycleEvents>,
  ) {
    this.#socket = socket;
    this.#rateLimiter = rateLimit && new RateLimiter(rateLimit);
    this.#lifecycle = lifecycle;
    const instruments = socket.nsp._instruments;
    this.#metrics = instruments.metrics;
    this.#tracing = instruments.tracing;
  }

  /** The catch-all listeners of incoming events. */
  get any(): ListenerList<AnyListener> {
    return this.#any ??= new ListenerList();
  }

  /** Adds a packet middleware. */
  use(middleware: PacketMiddleware): void {
    (this.#middlewares ??= []).push(middleware);
  }

  /** Listens to one incoming event; a promise the listener returns is tracked as running work. */
  on(event: string, listener: (...args: unknown[]) => unknown): void {
    (this.#listeners ??= new Emitter(reportListenerError, (work) => this.track(work)))
      .on(event, listener);
  }

  /**
   * Counts `work` (an event's handler still running: its promise, up to its acknowledgement) as
   * running until it settles. Only asynchronous handlers get here, one `then` each.
   */
  track(work: PromiseLike<unknown>): void {
    this.#running++;
    const settled = () => {
      if (--this.#running > 0 || this.#idle === undefined) return;
      this.#idle.resolve();
      this.#idle = undefined;
    };
    work.then(settled, settled);
  }

  /** Resolves once no tracked work runs; undefined when none runs now. */
  idle(): Promise<void> | undefined {
    if (this.#running === 0) return undefined;
    if (this.#idle === undefined) {
      let resolve = () => {};
      const promise = new Promise<void>((done) => resolve = done);
      this.#idle = { promise, resolve };
    }
    return this.#idle.promise;
  }

  /** Removes a listener of one incoming event (all of them without one). */
  off(event: string, listener?: (...args: unknown[]) => unknown): void {
    this.#listeners?.off(event, listener);
  }

  /** Handles an EVENT or BINARY_EVENT packet of the socket's namespace. */
  receive(packet: SocketPacket): void {
    const args = packet.data as unknown[];
    if (this.#metrics !== undefined) this.#metrics.eventsReceived++;
    if (this.#rateLimiter !== undefined && !this.#admit(this.#rateLimiter, args[0])) return;
    const ack = packet.id === undefined ? undefined : this.#acknowledger(packet.id);
    const any = this.#any;
    if (any !== undefined && any.size > 0) {
      any.call((ack ? [...args, ack] : args) as [string, ...unknown[]], reportListenerError);
    }
    const middlewares = this.#middlewares;
    if (middlewares === undefined) {
      this.#dispatch(args[0] as string, args.slice(1), ack);
      return;
    }
    const withAck = ack ? [...args, ack] : [...args];
    runChain(middlewares, withAck, (error) => {
      if (error) return this.reportError(error);
      // as in the reference, what the middlewares left in the array is what gets dispatched
      const [name, ...rest] = withAck;
      const kept = ack !== undefined && rest[rest.length - 1] === ack
        ? rest.pop() as Ack
        : undefined;
      this.#dispatch(name as string, rest, kept);
    });
  }

  /** Drops every listener (the socket disconnected). */
  clear(): void {
    this.#listeners = undefined;
  }

  /** Hands an event to its route in the namespace's dispatch table, then to `on` listeners. */
  #dispatch(event: string, args: unknown[], ack: Ack | undefined): void {
    const socket = this.#socket;
    if (!socket.connected) return;
    if (isReservedEvent(event)) {
      log.warn("reserved event name from a client", { event, sid: socket.id });
      return;
    }
    const route = socket.nsp._route(event);
    const tracing = this.#tracing;
    if (tracing !== undefined && (route !== undefined || this.#listeners?.listenerCount(event))) {
      tracing.traceEvent(socket, event, ack, (traced) => this.#handle(route, event, args, traced));
      return;
    }
    this.#handle(route, event, args, ack);
  }

  /**
   * Runs the event's route and `on` listeners; returns what the route returned (a gateway
   * route's promise while its handler runs).
   */
  #handle(
    route: EventRoute | undefined,
    event: string,
    args: unknown[],
    ack: Ack | undefined,
  ): void | Promise<unknown> {
    const work = route?.(this.#socket, args, ack);
    this.#listeners?.emit(event, ...(ack ? [...args, ack] : args));
    return work;
  }

  /**
   * A packet middleware refused an event, or a malformed packet arrived: the socket's "error"
   * listeners hear it.
   */
  reportError(error: Error): void {
    if (this.#lifecycle.listenerCount("error") > 0) this.#lifecycle.emit("error", error);
    else log.debug("socket error without an error listener", { sid: this.#socket.id, error });
  }

  /** Applies the rate limit to an incoming event; false when it must not be handled. */
  #admit(limiter: RateLimiter, event: unknown): boolean {
    const verdict = limiter.admit(this.#socket, event);
    if (verdict === "handle") return true;
    const metrics = this.#metrics;
    if (verdict === "disconnect") {
      if (metrics !== undefined) metrics.rateLimitDisconnects++;
      this.#socket._disconnectFor("rate limit exceeded");
    } else if (metrics !== undefined) metrics.rateLimitDrops++;
    return false;
  }

  /**
   * The callback acknowledging client packet `id`: usable once, while connected. It encodes
   * first, so data that cannot be encoded throws and leaves the acknowledgement unsent (one
   * closure per acknowledged event: this runs for every event that asks for an ack).
   */
  #acknowledger(id: number): Ack {
    const socket = this.#socket;
    let sent = false;
    return (...args: unknown[]) => {
      if (sent || !socket.connected) return;
      const packet = { type: SocketPacketType.ACK, nsp: socket.nsp.name, id, data: args };
      const frames = socket.nsp.codec.encode(packet);
      sent = true;
      socket.client.writeFrames(frames, ACK_FLAGS);
    };
  }
}
