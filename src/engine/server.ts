import { Emitter } from "../_internal/emitter.ts";
import { generateId } from "../_internal/ids.ts";
import { getLogger } from "../_internal/log.ts";
import { AddressLimits } from "./address_limits.ts";
import { type EngineRefusal, serverFull } from "./errors.ts";
import type { HandshakeInfo } from "./handshake_info.ts";
import type { ResolvedEngineProtocolOptions } from "./options.ts";
import { EngineSession, type EngineSocket } from "./session.ts";
import type { Transport } from "./transport.ts";
import { protocolOf } from "./wire_codec.ts";

/** Events of an Engine.IO server. */
export type EngineServerEvents = {
  /** A client completed the handshake. */
  connection: [socket: EngineSocket];
};

const log = getLogger("engine");

/** The Engine.IO layer under a Socket.IO server (`io.engine`): its sessions. */
export interface Engine {
  /** Number of open Engine.IO sessions. */
  readonly clientsCount: number;
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
  readonly #events = new Emitter<EngineServerEvents>();
  #newId: () => string = generateId;
  /** Sessions and handshake rates by client address. */
  readonly addresses: AddressLimits;

  /** Takes options already checked and defaulted (see src/options/engine_options.ts). */
  constructor(options: ResolvedEngineProtocolOptions) {
    this.options = options;
    this.addresses = new AddressLimits(options);
  }

  /** Makes the ids of the sessions opened from now on with `generate` (a cluster's ids name their node). */
  useSessionIds(generate: () => string): void {
    this.#newId = generate;
  }

  /** Number of open sessions. */
  get clientsCount(): number {
    return this.#sessions.size;
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
    return this.addresses.admit(address) ?? this.#checkFull();
  }

  /**
   * Checks again, without spending a token, when a WebSocket handshake's socket has opened:
   * others may have taken the places meanwhile.
   */
  recheck(address: string): EngineRefusal | undefined {
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
  open(transport: Transport, request: HandshakeInfo): EngineSession {
    const id = this.#newId();
    const session = new EngineSession(
      id,
      transport,
      request,
      this.options,
      (closed) => {
        if (this.#sessions.delete(closed.id)) this.addresses.closed(closed.request.remoteAddress);
      },
      protocolOf(request.query),
    );
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
