import { type Deadline, onceWithDeadline } from "../_internal/deadline.ts";
import { Emitter } from "../_internal/emitter.ts";
import { getLogger } from "../_internal/log.ts";
import type { EngineCounters } from "../engine/engine_counters.ts";
import { EngineServer } from "../engine/server.ts";
import { BUILTIN_CODEC, type SocketCodec } from "../parser/codec.ts";
import type { SocketIoParser } from "../parser/parser_module.ts";
import type { EngineProtocolOptions, ResolvedEngineProtocolOptions } from "../engine/options.ts";
import { Client } from "./client.ts";
import type { AdapterFactory } from "./in_memory_adapter.ts";
import type {
  RateLimitOptions,
  ResolvedRateLimit,
  ResolvedSlowConsumer,
  SlowConsumerOptions,
} from "./limits.ts";
import { Namespace } from "./namespace.ts";
import { NamespaceHooks } from "./namespace_hooks.ts";
import { namespaceInstruments, type ServerTelemetry } from "./namespace_instruments.ts";
import { ParentNamespace } from "./parent_namespace.ts";
import type { ConnectionStateRecoveryOptions, ResolvedRecovery } from "./recovery.ts";
import type { ServerMetrics } from "./server_metrics.ts";

const log = getLogger("server");

const codecs = new WeakMap<EngineServer, SocketCodec>();

/**
 * @internal The codec of the Socket.IO server over `engine` (the `parser` option), for clients
 * made in process (`createTestClient`); the built-in one for an engine without a server.
 */
export function codecOf(engine: EngineServer): SocketCodec {
  return codecs.get(engine) ?? BUILTIN_CODEC;
}

/** Decides whether a dynamic namespace exists for a name (and the CONNECT auth). */
export type NamespaceMatcher =
  | RegExp
  | ((name: string, auth: Record<string, unknown>) => boolean | Promise<boolean>);

/** Options of the Socket.IO layer (plus the Engine.IO protocol options). */
export interface SocketServerOptions extends EngineProtocolOptions {
  /** Ms a connection may take to join its first namespace. Default 45000. */
  connectTimeout?: number;
  /** Largest number of binary attachments in one packet (an integer ≥ 0). Default 10. */
  maxAttachments?: number;
  /**
   * Deepest nesting of arrays and objects in a packet's data (an integer ≥ 1); a deeper packet
   * closes the connection with "parse error". Default 1000 (deeper than any real document, shallow enough for every runtime to encode an echo).
   */
  maxDepth?: number;
  /**
   * Most namespaces one connection may join at once. A CONNECT beyond it is answered with
   * CONNECT_ERROR `{ message: "Too many namespaces" }` (the client's `connect_error`); the
   * connection and its other namespaces carry on. A positive integer, or `Infinity`.
   * Default 50.
   */
  maxNamespacesPerConnection?: number;
  /**
   * Whether a child namespace (made by a parent `io.of(regexp or function)`) is removed once
   * its last socket has left: its adapter is closed (a cluster adapter unsubscribes) and a
   * later CONNECT makes it anew. With `connectionStateRecovery` on, removal waits
   * `maxDisconnectionDuration`, so its sockets can still recover. Default true (the
   * reference's default is false: there, children live until the server stops).
   */
  cleanupEmptyChildNamespaces?: boolean;
  /**
   * Most child namespaces one parent keeps at once. A CONNECT that would make one more is
   * answered with CONNECT_ERROR `{ message: "Too many child namespaces" }`. A positive integer,
   * or `Infinity`. Default 10000, as `maxConnections`: a namespace per connection still fits.
   */
  maxChildNamespaces?: number;
  /**
   * A per-socket limit on incoming events (a token bucket), e.g.
   * `{ eventsPerSecond: 20, burst: 40, action: "drop" }`. Default: none.
   */
  rateLimit?: RateLimitOptions;
  /**
   * How much a connection may hold unsent before volatile packets are dropped (4 MiB) and
   * before a packet closes it (8 MiB). Default `{ maxBufferedBytes: 4194304, hardLimitBytes:
   * 8388608, action: "disconnect" }`; `{ maxBufferedBytes: Infinity }` turns it off.
   */
  slowConsumer?: SlowConsumerOptions;
  /** Builds each namespace's adapter. Default: in memory. */
  adapter?: AdapterFactory;
  /**
   * Connection state recovery, as in the reference server: a client whose connection dropped
   * (transport close or error, ping timeout, server shutdown…) and that reconnects within
   * `maxDisconnectionDuration` gets its socket back — same id, rooms and `data` — and the
   * events it missed; `socket.recovered` is then true on both sides. Every event sent to
   * clients carries an offset as its last argument (the client keeps the last one). A
   * recovered socket skips the connection middlewares, and so a gateway's `use` and `connect`
   * hooks, unless `skipMiddlewares` is false. Off when absent; `{}` turns it on with the
   * defaults `{ maxDisconnectionDuration: 120000, skipMiddlewares: true }`.
   */
  connectionStateRecovery?: ConnectionStateRecoveryOptions;
  /**
   * The Socket.IO packet parser, shaped like the socket.io-parser module (`{ Encoder, Decoder
   * }`), e.g. `import * as msgpackParser from "socket.io-msgpack-parser"`; every client must
   * use the same one. What its decoder emits is checked like the built-in parser's output (a
   * bad packet, or a decoder that throws, closes that connection with "parse error");
   * `maxDepth` applies, `maxAttachments` does not (the parser frames binary data its own way).
   * Binary values reach handlers as Uint8Array. Default: the built-in parser (socket.io-parser's
   * text protocol with binary attachments).
   */
  parser?: SocketIoParser;
}

/**
 * The Socket.IO options, checked and with defaults applied (by `resolveSocketOptions` in
 * src/options/, the one place options are checked).
 */
export interface ResolvedSocketServerOptions {
  readonly connectTimeout: number;
  readonly maxAttachments: number;
  readonly maxDepth: number;
  readonly maxNamespacesPerConnection: number;
  readonly cleanupEmptyChildNamespaces: boolean;
  readonly maxChildNamespaces: number;
  readonly rateLimit: ResolvedRateLimit | undefined;
  readonly slowConsumer: ResolvedSlowConsumer;
  readonly adapter: AdapterFactory;
  readonly connectionStateRecovery: ResolvedRecovery | undefined;
  /** The codec of every connection: the built-in one, or the `parser` option's. */
  readonly parser: SocketCodec;
}

/** Events of the Socket.IO server itself. */
export type SocketServerEvents = {
  /** A namespace was created: by `io.of(name)`, or a dynamic one on its first connection. */
  new_namespace: [namespace: Namespace];
};

/** The Socket.IO server core: namespaces on top of an Engine.IO session table. */
export class SocketServer {
  readonly engine: EngineServer;
  readonly options: ResolvedSocketServerOptions;
  /** Listeners of the server's own events (`new_namespace`). */
  readonly events: Emitter<SocketServerEvents> = new Emitter();
  readonly #namespaces = new Map<string, Namespace>();
  readonly #parents: ParentNamespace[] = [];
  /** Empty child namespaces waiting for `maxDisconnectionDuration` before their removal. */
  readonly #retiring = new Map<Namespace, ReturnType<typeof setTimeout>>();
  #closing = false;
  /** @internal The connections (each registers itself, and leaves when it closes). */
  readonly _clients: Set<Client> = new Set();
  /** Runs the drain once; a later call may bring its deadline forward. */
  #drain = onceWithDeadline((deadline) => this.#drainWithin(deadline));
  /** What the server counts and traces (each when on). */
  readonly #telemetry: ServerTelemetry;

  /**
   * Takes options already checked and defaulted, for each layer, and the telemetry to keep
   * (the engine's counters with it).
   */
  constructor(
    engineOptions: ResolvedEngineProtocolOptions,
    options: ResolvedSocketServerOptions,
    telemetry: ServerTelemetry & { readonly engine?: EngineCounters } = {},
  ) {
    this.engine = new EngineServer(engineOptions, telemetry.engine);
    this.options = options;
    this.#telemetry = telemetry;
    codecs.set(this.engine, options.parser);
    this.engine.on("connection", (conn) => new Client(this, conn));
    this.of("/");
  }

  /** The server's counters, when metrics are on. */
  get metrics(): ServerMetrics | undefined {
    return this.#telemetry.metrics;
  }

  /** The namespace of that name, created if needed. */
  of(name: string): Namespace;
  /** A parent of dynamic namespaces whose names match. */
  of(matcher: NamespaceMatcher): ParentNamespace;
  of(name: string | NamespaceMatcher): Namespace | ParentNamespace {
    if (typeof name !== "string") {
      const parent = new ParentNamespace(name, new NamespaceHooks());
      this.#parents.push(parent);
      return parent;
    }
    const normalized = name.startsWith("/") ? name : "/" + name;
    let nsp = this.#namespaces.get(normalized);
    if (!nsp) {
      // a name a RegExp parent matches becomes its child, as in the reference
      const parent = this.#parents.find((p) =>
        p.matcher instanceof RegExp && p.matcher.test(normalized)
      );
      if (parent) return this.#addChild(parent, normalized);
      nsp = new Namespace(
        normalized,
        this.options.adapter,
        undefined,
        this.options.connectionStateRecovery,
        this.options.parser,
        namespaceInstruments(this.#telemetry),
      );
      this.#namespaces.set(normalized, nsp);
      void nsp.adapter.init();
      this.events.emit("new_namespace", nsp);
    }
    return nsp;
  }

  /** Every namespace that exists now. */
  namespaces(): IterableIterator<Namespace> {
    return this.#namespaces.values();
  }

  /**
   * @internal The namespace a CONNECT addresses (static, or made from a matching parent),
   * pinned until the caller's `_unpin`; else the CONNECT_ERROR message.
   */
  async _resolveNamespace(
    name: string,
    auth: Record<string, unknown>,
  ): Promise<Namespace | string> {
    const existing = this.#namespaces.get(name);
    if (existing) return this.#pin(existing);
    for (const parent of this.#parents) {
      if (!(await parent.matches(name, auth))) continue;
      const again = this.#namespaces.get(name);
      if (again) return this.#pin(again);
      const max = this.options.maxChildNamespaces;
      if (parent.children.size >= max) {
        log.warn("CONNECT refused: maxChildNamespaces reached", {
          nsp: name,
          maxChildNamespaces: max,
        });
        return "Too many child namespaces";
      }
      return this.#pin(this.#addChild(parent, name));
    }
    return "Invalid namespace";
  }

  #addChild(parent: ParentNamespace, name: string): Namespace {
    const child = new Namespace(
      name,
      this.options.adapter,
      parent.hooks,
      this.options.connectionStateRecovery,
      this.options.parser,
      namespaceInstruments(this.#telemetry),
    );
    this.#namespaces.set(name, child);
    parent.children.add(child);
    if (this.options.cleanupEmptyChildNamespaces) {
      child._whenEmpty(() => this.#retire(parent, child));
    }
    void child.adapter.init();
    this.events.emit("new_namespace", child);
    return child;
  }

  #pin(nsp: Namespace): Namespace {
    nsp._pin();
    const timer = this.#retiring.get(nsp);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.#retiring.delete(nsp);
    }
    return nsp;
  }

  /** Removes an empty child namespace: at once, or after its sessions could have recovered. */
  #retire(parent: ParentNamespace, child: Namespace): void {
    if (this.#closing || this.#namespaces.get(child.name) !== child) return;
    if (this.#retiring.has(child)) return;
    const recovery = child.recovery;
    if (recovery === undefined) {
      this.#removeChild(parent, child);
      return;
    }
    this.#retiring.set(
      child,
      setTimeout(() => {
        this.#retiring.delete(child);
        if (child.sockets.size === 0) this.#removeChild(parent, child);
      }, recovery.maxDisconnectionDuration),
    );
  }

  #removeChild(parent: ParentNamespace, child: Namespace): void {
    if (this.#namespaces.get(child.name) !== child) return;
    this.#namespaces.delete(child.name);
    parent.children.delete(child);
    log.debug("empty child namespace removed", { nsp: child.name });
    try {
      const closed = child.adapter.close();
      if (closed instanceof Promise) {
        closed.catch((error) =>
          log.error("could not close an adapter", { nsp: child.name, error })
        );
      }
    } catch (error) {
      log.error("could not close an adapter", { nsp: child.name, error });
    }
  }

  /**
   * Drains the server: new handshakes are refused at once (503, `Retry-After: retryAfter`);
   * each connection closes once its handlers have finished and their acknowledgements are
   * written, its sockets disconnecting with "server shutting down" (their sessions kept first
   * when recovery is on, so their clients recover elsewhere). At `deadline` ms, whatever still
   * runs is abandoned and every connection closes at once; then the adapters close. A second
   * call returns the same promise, its deadline brought forward if it asks for a sooner one.
   */
  drain(deadline: number, retryAfter: number): Promise<void> {
    this.engine.stopAdmitting(retryAfter);
    return this.#drain(deadline);
  }

  /** Disconnects every socket ("server shutting down"), closes adapters and connections. */
  close(retryAfter = 5): Promise<void> {
    return this.drain(0, retryAfter);
  }

  /** @internal Takes new sessions again once closed (socket.io's `close()`, then `listen()`). */
  _reopen(): void {
    if (this.engine.state !== "closed") return;
    this.#closing = false;
    this.#drain = onceWithDeadline((deadline) => this.#drainWithin(deadline));
    this.engine.reopen();
    for (const nsp of this.#namespaces.values()) void nsp.adapter.init();
  }

  async #drainWithin(deadline: Deadline): Promise<void> {
    this.#closing = true;
    for (const timer of this.#retiring.values()) clearTimeout(timer);
    this.#retiring.clear();
    if (!deadline.passed) {
      await deadline.within(Promise.all([...this._clients].map((client) => client.shutDown())));
    }
    // what is left at the deadline (all of it for `close()`) closes at once
    for (const nsp of [...this.#namespaces.values()]) {
      for (const socket of [...nsp.sockets.values()]) socket._onclose("server shutting down");
      await nsp.adapter.close();
    }
    this.engine.close();
    this.engine.markClosed();
  }
}
