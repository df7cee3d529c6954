/**
 * `Server`, socket.io 4.8's server class over `createServer`: the one class of the codebase,
 * so that porting a socket.io server is changing its import line.
 * @module
 */
import type { Server as HttpServer } from "node:http";
import { createServer, type SocketIoServer } from "../create_server.ts";
import type { CorsOptions } from "../http/types.ts";
import type { BunWebSocketHandlers } from "../runtime/bun.ts";
import type { RemoteSocketLike } from "../server/adapter.ts";
import type { BroadcastOperator } from "../server/broadcast.ts";
import type { DefaultEventsMap, EventsMap } from "../server/events.ts";
import type {
  AnyArgsListener,
  AnySocket,
  CompatNamespaceMatcher,
  ConnectionListener,
  Namespace,
  Socket,
} from "./types.ts";
import type { ConnectMiddleware } from "../server/namespace_hooks.ts";
import type { ParentNamespace } from "../server/parent_namespace.ts";
import type { Room } from "../server/types.ts";
import { attachEndpoint, httpServerFor, isHttpServer, trimSlash } from "./attach.ts";
import type { Attachment } from "./node_bridge.ts";
import { type CompatEngine, compatEngine } from "./engine_adapter.ts";
import { type CompatServerOptions, toCoreOptions } from "./options.ts";
import { compatAdapter } from "./adapter_bridge.ts";
import { namespaceDecorator } from "./decorate.ts";

const DEFAULT_PATH = "/socket.io";

/**
 * A socket.io 4.8-compatible server on sio-gateway.
 *
 * @example
 * ```ts
 * import { Server } from "@sio/gateway/compat";
 *
 * const io = new Server(3000, { cors: { origin: "*" } });
 * io.on("connection", (socket) => {
 *   socket.on("hello", (name, ack) => ack(`hi ${name}`));
 * });
 * ```
 */
export class Server<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = Record<string, unknown>,
> {
  /** The `node:http` server the endpoint is attached to, once attached. */
  httpServer: HttpServer | undefined;
  /** The Engine.IO layer, shaped like engine.io's server. */
  readonly engine: CompatEngine;
  /** The sio-gateway server underneath (`fetch` for Deno.serve, `websocket` for Bun.serve). */
  readonly core: SocketIoServer<EmitEvents>;
  readonly #options: CompatServerOptions;
  readonly #incoming = new WeakMap<Request, unknown>();
  #path: string;
  #serveClient: boolean;
  #attachment: Attachment | undefined;
  #ownsHttpServer = false;
  /** Gives sockets of a namespace (or a parent's children) socket.io's shape. */
  readonly #decorate = namespaceDecorator();
  #cors: CorsOptions | undefined;

  /** `new Server()`, `new Server(port, opts)`, `new Server(httpServer, opts)`, `new Server(opts)`. */
  constructor(
    srv?: HttpServer | number | string | CompatServerOptions,
    opts: CompatServerOptions = {},
  ) {
    if (typeof srv === "object" && srv !== null && !isHttpServer(srv)) {
      opts = srv as CompatServerOptions;
      srv = undefined;
    }
    this.#options = { ...opts };
    this.#path = trimSlash(opts.path ?? DEFAULT_PATH);
    this.#serveClient = opts.serveClient !== false;
    const coreOptions = toCoreOptions(opts, (request) => this.#incoming.get(request));
    this.#cors = coreOptions.cors;
    const core = createServer<EmitEvents>({
      ...coreOptions,
      path: this.#path + "/",
      adapter: (nsp) => compatAdapter(nsp, this.#options),
    });
    this.core = core;
    this.engine = compatEngine(core.engine, () => {
      (core.engine as unknown as { close(): void }).close();
    });
    this.#decorate(core.sockets);
    core.on("new_namespace", (nsp) => this.#decorate(nsp));
    if (srv !== undefined) this.attach(srv as HttpServer | number, opts);
  }

  /** The main namespace ("/"). */
  get sockets(): Namespace<EmitEvents, SocketData> {
    return this.core.sockets as unknown as Namespace<EmitEvents, SocketData>;
  }

  /** @ignore socket.io's namespace table, by name (read-only view, for code that peeks at it). */
  get _nsps(): Map<string, Namespace<EmitEvents, SocketData>> {
    return new Map([...this.core.namespaces()].map((nsp) => [nsp.name, nsp as never]));
  }

  /** Ids of every socket of the main namespace (deprecated in socket.io 4: use `fetchSockets`). */
  async allSockets(): Promise<Set<string>> {
    return new Set((await this.fetchSockets()).map((socket) => socket.id));
  }

  /** The fetch handler, for `Deno.serve(io.fetch)` or `Bun.serve` (faster than node:http). */
  get fetch(): (request: Request, env?: unknown) => Response | Promise<Response> {
    return this.core.fetch;
  }

  /** The WebSocket handlers `Bun.serve({ fetch: io.fetch, websocket: io.websocket })` needs. */
  get websocket(): BunWebSocketHandlers {
    return this.core.websocket;
  }

  /** Whether the client bundle (from the installed socket.io-client) is served. */
  serveClient(): boolean;
  /** Sets whether the client bundle is served (before `attach`). */
  serveClient(value: boolean): this;
  serveClient(value?: boolean): boolean | this {
    if (value === undefined) return this.#serveClient;
    this.#serveClient = value;
    return this;
  }

  /** The endpoint path (getter), or sets it before `attach` (setter). */
  path(): string;
  /** Sets the endpoint path (before `attach`). */
  path(value: string): this;
  path(value?: string): string | this {
    if (value === undefined) return this.#path;
    this.#path = trimSlash(value);
    return this;
  }

  /** The connect timeout (getter), or sets it (setter; applies to the options given later). */
  connectTimeout(): number;
  /** Sets the connect timeout (recorded; the core keeps the constructor's). */
  connectTimeout(value: number): this;
  connectTimeout(value?: number): number | this {
    if (value === undefined) return this.#options.connectTimeout ?? 45000;
    this.#options.connectTimeout = value;
    return this;
  }

  /** The adapter option (getter). */
  adapter(): CompatServerOptions["adapter"];
  /**
   * Sets the adapter: each namespace gets a new one (its sockets keep their rooms), as do the
   * namespaces created later.
   */
  adapter(value: CompatServerOptions["adapter"]): this;
  adapter(value?: CompatServerOptions["adapter"]): CompatServerOptions["adapter"] | this {
    if (value === undefined) return this.#options.adapter;
    this.#options.adapter = value;
    for (const nsp of this.core.namespaces()) {
      nsp._replaceAdapter((n) => compatAdapter(n, this.#options));
    }
    return this;
  }

  /** Attaches to a `node:http` server, or creates one listening on `port`. */
  attach(srv: HttpServer | number | string, opts: CompatServerOptions = {}): this {
    if (typeof srv === "function") {
      throw new Error(
        "You are trying to attach socket.io to an express request handler function. Please pass a http.Server instance.",
      );
    }
    if (opts.path !== undefined) this.#path = trimSlash(opts.path);
    this.core._reopen(); // socket.io serves again after close() once attached again
    const { server, owned } = httpServerFor(srv);
    this.#ownsHttpServer = owned;
    this.#attachment?.detach();
    this.#attachment = attachEndpoint(server, {
      path: this.#path,
      serveClient: this.#serveClient,
      cors: this.#cors,
      core: this.core,
      engine: this.engine,
      incoming: this.#incoming,
    });
    this.httpServer = server;
    return this;
  }

  /** Same as `attach`. */
  listen(srv: HttpServer | number | string, opts: CompatServerOptions = {}): this {
    return this.attach(srv, opts);
  }

  /** Binds an engine (only this server's own engine is accepted). */
  bind(engine: CompatEngine): this {
    if (engine !== this.engine) throw new Error("io.bind() accepts only io.engine here");
    return this;
  }

  /** A namespace (created when missing), with an optional `connection` listener. */
  of(
    name: string,
    fn?: ConnectionListener<Socket<EmitEvents, SocketData>>,
  ): Namespace<EmitEvents, SocketData>;
  /** A parent of dynamic namespaces. */
  of(matcher: CompatNamespaceMatcher, fn?: ConnectionListener<AnySocket>): ParentNamespace;
  of(
    name: string | CompatNamespaceMatcher,
    fn?: ConnectionListener<never>,
  ): Namespace<EmitEvents, SocketData> | ParentNamespace {
    if (typeof name === "string") {
      const nsp = this.core.of(name) as unknown as Namespace<EmitEvents, SocketData>;
      if (fn) nsp.on("connection", fn as never);
      return nsp;
    }
    const matcher = name instanceof RegExp
      ? name
      : (child: string, auth: Record<string, unknown>) =>
        new Promise<boolean>((resolve) => {
          name(child, auth, (error, allowed) => resolve(!error && allowed));
        });
    const parent = this.core.of(matcher);
    this.#decorate(parent);
    if (fn) parent.on("connection", fn as never);
    return parent;
  }

  /** Listens to `connection` / `connect` on the main namespace. */
  on(
    event: "connection" | "connect",
    listener: (socket: Socket<EmitEvents, SocketData>) => unknown,
  ): this;
  /** Listens to `new_namespace`: a namespace was created. */
  on(event: "new_namespace", listener: (nsp: Namespace<EmitEvents, SocketData>) => unknown): this;
  /** Listens to another server's `serverSideEmit` event. */
  on(event: string, listener: AnyArgsListener): this;
  on(event: string, listener: AnyArgsListener): this {
    if (event === "new_namespace") this.core.on("new_namespace", listener as never);
    else this.sockets.on(event, listener as never);
    return this;
  }

  /** Listens once to `connection` / `connect` on the main namespace. */
  once(
    event: "connection" | "connect",
    listener: (socket: Socket<EmitEvents, SocketData>) => unknown,
  ): this;
  /** Listens once. */
  once(event: string, listener: AnyArgsListener): this;
  once(event: string, listener: AnyArgsListener): this {
    const fn = (...args: never[]) => {
      this.off(event, fn);
      return listener(...args);
    };
    return this.on(event, fn as AnyArgsListener);
  }

  /** Stops listening. */
  off(event: string, listener?: (...args: never[]) => unknown): this {
    if (event === "new_namespace") this.core.off("new_namespace", listener as never);
    else this.sockets.off(event, listener as never);
    return this;
  }

  /** Same as `off`. */
  removeListener(event: string, listener?: (...args: never[]) => unknown): this {
    return this.off(event, listener);
  }

  /** A connection middleware on the main namespace. */
  use(
    fn: (socket: Socket<EmitEvents, SocketData>, next: (error?: Error) => void) => unknown,
  ): this {
    this.core.sockets.use(fn as unknown as ConnectMiddleware);
    return this;
  }

  /** Targets rooms of the main namespace. */
  to(room: Room | readonly Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.sockets.to(room);
  }

  /** Same as `to`. */
  in(room: Room | readonly Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.sockets.in(room);
  }

  /** Every socket of the main namespace except those in rooms. */
  except(room: Room | readonly Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.sockets.except(room);
  }

  /** Emits to every socket of the main namespace. */
  emit(event: string, ...args: unknown[]): boolean {
    return (this.sockets.emit as (event: string, ...args: unknown[]) => boolean)(event, ...args);
  }

  /** Emits and resolves with every acknowledgement. */
  emitWithAck(event: string, ...args: unknown[]): Promise<unknown[]> {
    return (this.sockets.emitWithAck as (e: string, ...a: unknown[]) => Promise<unknown[]>)(
      event,
      ...args,
    );
  }

  /** Emits a `message` event. */
  send(...args: unknown[]): this {
    this.sockets.send(...args);
    return this;
  }

  /** Same as `send`. */
  write(...args: unknown[]): this {
    return this.send(...args);
  }

  /** Sets an acknowledgement timeout for the next broadcast. */
  timeout(ms: number): BroadcastOperator<EmitEvents, SocketData> {
    return this.sockets.timeout(ms);
  }

  /** Volatile broadcast (dropped for clients not ready). */
  get volatile(): BroadcastOperator<EmitEvents, SocketData> {
    return this.sockets.volatile;
  }

  /** Broadcast on this server only (cluster). */
  get local(): BroadcastOperator<EmitEvents, SocketData> {
    return this.sockets.local;
  }

  /** Sets the compress flag: `false` keeps the packet uncompressed. */
  compress(compress: boolean): BroadcastOperator<EmitEvents, SocketData> {
    return this.sockets.compress(compress);
  }

  /** Sockets of the main namespace. */
  fetchSockets(): Promise<RemoteSocketLike[]> {
    return this.sockets.fetchSockets();
  }

  /** Makes every socket of the main namespace join rooms. */
  socketsJoin(room: Room | readonly Room[]): void {
    this.sockets.socketsJoin(room);
  }

  /** Makes every socket of the main namespace leave rooms. */
  socketsLeave(room: Room | readonly Room[]): void {
    this.sockets.socketsLeave(room);
  }

  /** Disconnects every socket of the main namespace. */
  disconnectSockets(close = false): void {
    this.sockets.disconnectSockets(close);
  }

  /** Sends an event to the other servers (a last function argument receives their acks). */
  serverSideEmit(event: string, ...args: unknown[]): boolean {
    const last = args[args.length - 1];
    if (typeof last === "function") {
      this.sockets.serverSideEmitWithAck(event, ...args.slice(0, -1)).then(
        (responses) => last(null, responses),
        (error) => last(error, []),
      );
      return true;
    }
    return this.sockets.serverSideEmit(event, ...args);
  }

  /** Sends an event to the other servers and resolves with their acknowledgements. */
  serverSideEmitWithAck(event: string, ...args: unknown[]): Promise<unknown[]> {
    return this.sockets.serverSideEmitWithAck(event, ...args);
  }

  /**
   * Disconnects every socket, closes every connection, then closes the HTTP server it is
   * attached to — the one it created or the one you gave it, as socket.io does; `fn` gets that
   * close's error (`ERR_SERVER_NOT_RUNNING` for a server that was not listening).
   */
  async close(fn?: (error?: Error) => void): Promise<void> {
    await this.core.close();
    this.#attachment?.terminate();
    const server = this.httpServer;
    if (server) {
      await new Promise<void>((resolve) => {
        server.close((error) => {
          fn?.(error);
          resolve();
        });
        if (this.#ownsHttpServer) server.closeAllConnections?.();
      });
      return;
    }
    this.#attachment?.detach();
    this.#attachment = undefined;
    fn?.();
  }
}
