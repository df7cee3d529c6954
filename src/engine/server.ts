import { Emitter } from "../_internal/emitter.ts";
import { generateId } from "../_internal/ids.ts";
import { getLogger } from "../_internal/log.ts";
import { AddressLimits } from "./address_limits.ts";
import type { EngineCounters } from "./engine_counters.ts";
import { type EngineRefusal, serverFull, shuttingDown } from "./errors.ts";
import type { HandshakeInfo } from "./handshake_info.ts";
import type { ResolvedEngineProtocolOptions } from "./options.ts";
import { EngineSession } from "./session.ts";
import type { EngineSocket } from "./engine_socket.ts";
import type { Transport } from "./transport.ts";
import { type EngineProtocol, protocolOf } from "./wire_codec.ts";

/** Events of an Engine.IO server. */
export type EngineServerEvents = {
  /** A client completed the handshake. */
  connection: [socket: EngineSocket];
};

const log = getLogger("engine");

/**
 * Where a server is in its life: "running" takes new sessions; "draining" (from the first moment
 * of `drain()` or `close()`) refuses them with 503 while open sessions finish; "closed" once the
 * drain (or close) has finished.
 */
export type ServerState = "running" | "draining" | "closed";

/** The Engine.IO layer under a Socket.IO server (`io.engine`): its sessions. */
export interface Engine {
  /** Number of open Engine.IO sessions. */
  readonly clientsCount: number;
  /** "running", "draining" (new handshakes get 503) or "closed". */
  readonly state: ServerState;
  /** Listens to the engine's events (`connection`: a client completed its handshake). */
  on<K extends keyof EngineServerEvents>(
    event: K,
    listener: (...args: EngineServerEvents[K]) => void,
  ): void;
  /** Stops listening. */
  off<K extends keyof EngineServerEvents>(
    event: K,
    listener: (...args: EngineServerEvents[K]) => void,
  ): void;
}

/** The transport-independent part of an Engine.IO server: the session table. */
export class EngineServer implements Engine {
  readonly options: ResolvedEngineProtocolOptions;
  readonly #sessions = new Map<string, EngineSession>();
  /** One callback for every session's end (not a closure per session). */
  readonly #onSessionClosed = (closed: EngineSession): void => {
    if (this.#sessions.delete(closed.id)) this.addresses.closed(closed.request.remoteAddress);
  };
  readonly #events = new Emitter<EngineServerEvents>();
  #newId: () => string = generateId;
  /** Sessions and handshake rates by client address. */
  readonly addresses: AddressLimits;
  #state: ServerState = "running";
  /** The `Retry-After` (seconds) of handshakes refused while draining. */
  #retryAfter = 0;
  /** What the sessions count, when metrics are on. */
  readonly counters: EngineCounters | undefined;

  /**
   * Takes options already checked and defaulted (see src/options/engine_options.ts), and the
   * counters to keep when metrics are on.
   */
  constructor(options: ResolvedEngineProtocolOptions, counters?: EngineCounters) {
    this.options = options;
    this.addresses = new AddressLimits(options);
    this.counters = counters;
  }

  /** Makes the ids of the sessions opened from now on with `generate` (a cluster's ids name their node). */
  useSessionIds(generate: () => string): void {
    this.#newId = generate;
  }

  /** Number of open sessions. */
  get clientsCount(): number {
    return this.#sessions.size;
  }

  /** "running", "draining" or "closed" (see {@linkcode ServerState}). */
  get state(): ServerState {
    return this.#state;
  }

  /**
   * Refuses every handshake from now on (503 "Server shutting down", `Retry-After:
   * retryAfter` seconds); open sessions carry on. The first call's `retryAfter` stays.
   */
  stopAdmitting(retryAfter: number): void {
    if (this.#state !== "running") return;
    this.#state = "draining";
    this.#retryAfter = retryAfter;
    log.info("draining: new handshakes are refused", { sessions: this.#sessions.size });
  }

  /** Records that the drain (or close) has finished. */
  markClosed(): void {
    this.#state = "closed";
  }

  /** Admits handshakes again after a finished close. */
  reopen(): void {
    if (this.#state === "closed") this.#state = "running";
  }

  /** Whether `maxConnections` sessions are open: new handshakes are refused. */
  get full(): boolean {
    return this.#sessions.size >= this.options.maxConnections;
  }

  /**
   * Decides whether a handshake from `address` may open a session (spending one of the
   * address's handshake tokens): a refusal when the address is over its rate or its
   * `maxConnectionsPerAddress`, or the server is full.
   */
  admit(address: string): EngineRefusal | undefined {
    if (this.#state !== "running") return shuttingDown(this.#retryAfter);
    return this.addresses.admit(address) ?? this.#checkFull();
  }

  /**
   * Checks again, without spending a token, when a WebSocket handshake's socket has opened:
   * others may have taken the places meanwhile.
   */
  recheck(address: string): EngineRefusal | undefined {
    if (this.#state !== "running") return shuttingDown(this.#retryAfter);
    return this.#checkFull() ?? this.addresses.checkOpen(address);
  }

  #checkFull(): EngineRefusal | undefined {
    if (!this.full) return undefined;
    return serverFull(`maxConnections (${this.options.maxConnections}) reached`);
  }

  /** The session with this id, if it is open. */
  get(id: string): EngineSession | undefined {
    const session = this.#sessions.get(id);
    return session?.checkHeartbeat() ? session : undefined;
  }

  /** Every open session. */
  sessions(): IterableIterator<EngineSession> {
    return this.#sessions.values();
  }

  /** Adds a listener. */
  on<K extends keyof EngineServerEvents>(
    event: K,
    listener: (...args: EngineServerEvents[K]) => void,
  ): void {
    this.#events.on(event, listener);
  }

  /** Removes a listener. */
  off<K extends keyof EngineServerEvents>(
    event: K,
    listener: (...args: EngineServerEvents[K]) => void,
  ): void {
    this.#events.off(event, listener);
  }

  /**
   * Opens a session on a transport that passed the handshake checks; its protocol revision is
   * the handshake's (`EIO=3` only gets here with `allowEIO3`).
   */
  open(
    transport: Transport,
    request: HandshakeInfo,
    protocol: EngineProtocol = protocolOf(request.query),
  ): EngineSession {
    const id = this.#newId();
    const session = new EngineSession(
      id,
      transport,
      request,
      this.options,
      this.#onSessionClosed,
      protocol,
      this.counters,
    );
    if (this.counters !== undefined) this.counters.handshakes[transport.name]++;
    this.#sessions.set(id, session);
    this.addresses.opened(request.remoteAddress);
    session.open();
    log.debug("handshake", { sid: id, transport: transport.name, address: request.remoteAddress });
    this.#events.emit("connection", session);
    return session;
  }

  /** Closes every session at once. */
  close(): void {
    for (const session of [...this.#sessions.values()]) session.terminate("forced server close");
  }
}
