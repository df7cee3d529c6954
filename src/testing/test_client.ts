import type {
  DefaultEventsMap,
  EventNames,
  EventParams,
  EventsMap,
  ListenerArgs,
} from "../server/events.ts";
import type {
  AckResult,
  ConnectError,
  TestDisconnectReason,
  TestListener,
  TestSocketOptions,
  WaitOptions,
} from "./types.ts";

/**
 * One namespace of an in-memory test connection, with the API of a socket.io-client socket
 * plus bounded waits for tests. `ListenEvents` types what the server emits to the client,
 * `EmitEvents` what the client emits (a handler's return type is its acknowledgement).
 *
 * @example
 * ```ts
 * import { createServer, defineGateway } from "@sio/gateway";
 * import { createTestClient } from "@sio/gateway/testing";
 *
 * const echo = defineGateway({ events: { echo: (_socket, text: string) => text } });
 * const io = createServer({ gateways: [echo] });
 * const client = await createTestClient(io);
 * await client.emitWithAck("echo", "hi"); // "hi"
 * await client.close();
 * ```
 */
export interface TestClient<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = DefaultEventsMap,
> {
  /** The socket id the server gave (undefined while not connected). */
  readonly id: string | undefined;
  /** Whether the namespace connection is established. */
  readonly connected: boolean;
  /** The namespace, e.g. "/chat". */
  readonly namespace: string;
  /** The in-memory connection under this socket, shared by its namespaces. */
  readonly manager: TestManager;

  /**
   * Connects to the namespace (again, after a disconnect). Resolves once the server accepted;
   * rejects with a {@linkcode ConnectError} (message and data) if it refused, or an Error on
   * timeout or when the connection closed.
   */
  connect(): Promise<this>;
  /** Connects another namespace over the same connection (as `manager.socket(name).connect()`). */
  connectNamespace<L extends EventsMap = ListenEvents, E extends EventsMap = EmitEvents>(
    namespace: string,
    options?: TestSocketOptions,
  ): Promise<TestClient<L, E>>;

  /** Listens to the namespace connection being established. */
  on(event: "connect", listener: () => unknown): this;
  /** Listens to the end of the namespace connection. */
  on(event: "disconnect", listener: (reason: TestDisconnectReason) => unknown): this;
  /** Listens to the server refusing the namespace connection. */
  on(event: "connect_error", listener: (error: ConnectError) => unknown): this;
  /**
   * Listens to an event from the server. When the server asked for an acknowledgement
   * (`socket.emitWithAck`, or a callback), the listener gets a callback as last argument.
   */
  on<E extends EventNames<ListenEvents>>(event: E, listener: TestListener<ListenEvents[E]>): this;
  /** Listens to the next connection only. */
  once(event: "connect", listener: () => unknown): this;
  /** Listens to the next disconnection only. */
  once(event: "disconnect", listener: (reason: TestDisconnectReason) => unknown): this;
  /** Listens to the next refusal only. */
  once(event: "connect_error", listener: (error: ConnectError) => unknown): this;
  /** Listens to the next occurrence of an event only. */
  once<E extends EventNames<ListenEvents>>(event: E, listener: TestListener<ListenEvents[E]>): this;
  /** Removes a listener, or every listener of the event when none is given. */
  off(event: string, listener?: TestListener): this;
  /** Listens to every event from the server: the name, then the arguments. */
  onAny(listener: (event: string, ...args: unknown[]) => unknown): this;
  /** Removes a catch-all listener, or all of them when none is given. */
  offAny(listener?: (event: string, ...args: unknown[]) => unknown): this;

  /**
   * Emits an event. A function as last argument asks for an acknowledgement and receives its
   * arguments (after `timeout(ms)`: an error or null first). Throws if not connected, or for a
   * reserved event name.
   */
  emit<E extends EventNames<EmitEvents>>(event: E, ...args: EventParams<EmitEvents, E>): this;
  /**
   * Emits an event and resolves with the first argument of its acknowledgement (for a
   * gateway: the handler's return value, or `{ error }` if it threw). Rejects after the
   * client's timeout, or `timeout(ms)`, or when the socket disconnects.
   */
  emitWithAck<E extends EventNames<EmitEvents>>(
    event: E,
    ...args: EventParams<EmitEvents, E>
  ): Promise<AckResult<EmitEvents[E]>>;
  /** Like `emitWithAck`, resolving with every argument of the acknowledgement. */
  emitWithAckArgs<E extends EventNames<EmitEvents>>(
    event: E,
    ...args: EventParams<EmitEvents, E>
  ): Promise<unknown[]>;
  /** Sets the acknowledgement timeout (ms) of the next emit. */
  timeout(ms: number): this;

  /** Resolves once connected (at once if connected now). */
  waitFor(event: "connect", options?: WaitOptions): Promise<[]>;
  /** Resolves with the reason of the (oldest unclaimed, or next) disconnection. */
  waitFor(event: "disconnect", options?: WaitOptions): Promise<[reason: TestDisconnectReason]>;
  /** Resolves with the (oldest unclaimed, or next) refusal. */
  waitFor(event: "connect_error", options?: WaitOptions): Promise<[error: ConnectError]>;
  /**
   * Resolves with the arguments of the oldest event of that name no `waitFor` has taken yet,
   * or of the next one (so events a connect hook emits are not missed); the acknowledgement
   * callback is last when the server asked for one. Rejects after the timeout, when the socket
   * disconnects while waiting, or once the connection is closed.
   */
  waitFor<E extends EventNames<ListenEvents>>(
    event: E,
    options?: WaitOptions,
  ): Promise<ListenerArgs<ListenEvents[E]>>;

  /**
   * Leaves the namespace: the server's socket disconnects with "client namespace disconnect".
   * Resolves once the server has handled it. The connection (and other namespaces) stay open.
   */
  disconnect(): Promise<void>;
  /**
   * Closes the whole in-memory connection: every namespace of it disconnects on the server
   * with "transport close". Resolves once the server has handled it.
   */
  close(): Promise<void>;
}

/**
 * The in-memory Engine.IO connection under test clients: one per `createTestClient`, shared
 * by the namespaces connected over it.
 *
 * @example
 * ```ts
 * import { createServer } from "@sio/gateway";
 * import { createTestClient } from "@sio/gateway/testing";
 *
 * const io = createServer();
 * io.of("/admin");
 * const client = await createTestClient(io);
 * const admin = client.manager.socket("/admin");
 * admin.on("notice", (text) => console.log(text)); // listen before connecting
 * await admin.connect();
 * await client.manager.close();
 * ```
 */
export interface TestManager {
  /** The Engine.IO session id (`sid`). */
  readonly id: string;
  /** Whether the connection is open. */
  readonly open: boolean;
  /**
   * The socket of a namespace on this connection, not connected yet: add listeners, then
   * `connect()`. The same object comes back for the same namespace.
   */
  socket<L extends EventsMap = DefaultEventsMap, E extends EventsMap = DefaultEventsMap>(
    namespace: string,
    options?: TestSocketOptions,
  ): TestClient<L, E>;
  /** Closes the connection ("transport close" on the server); resolves once handled. */
  close(): Promise<void>;
}
