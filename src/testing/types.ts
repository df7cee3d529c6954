import type { ListenerArgs, ListenerResult } from "../server/events.ts";

/**
 * Why a test client left its namespace: the server disconnected it ("io server disconnect"),
 * the test did (`disconnect()` or `close()`: "io client disconnect"), the server closed the
 * whole connection ("transport close"), or the server sent something the client could not
 * decode ("parse error").
 *
 * @example
 * ```ts
 * import type { TestDisconnectReason } from "@sio/gateway/testing";
 * const reason: TestDisconnectReason = "io server disconnect";
 * ```
 */
export type TestDisconnectReason =
  | "io server disconnect"
  | "io client disconnect"
  | "transport close"
  | "parse error";

/**
 * A listener of a test client: its parameters are those of the event in the event map, plus
 * a trailing acknowledgement callback when the server asked for one. Compared bivariantly, so
 * a listener whose parameters are annotated fits the default (loose) event map.
 *
 * @example
 * ```ts
 * import type { TestListener } from "@sio/gateway/testing";
 * const listener: TestListener = (text: string, ack: (reply: string) => void) => ack(text);
 * ```
 */
export type TestListener<Signature = (...args: unknown[]) => unknown> = {
  listener(...args: ListenerArgs<Signature>): unknown;
}["listener"];

/**
 * What `emitWithAck` resolves with for an event of the client→server map: the handler's
 * result (gateways acknowledge with their handler's return value).
 *
 * @example
 * ```ts
 * import type { AckResult } from "@sio/gateway/testing";
 * type Reply = AckResult<(text: string) => { ok: boolean }>; // { ok: boolean }
 * ```
 */
export type AckResult<Signature> = Awaited<ListenerResult<Signature>>;

/**
 * Options of one wait (`waitFor`).
 *
 * @example
 * ```ts
 * import type { WaitOptions } from "@sio/gateway/testing";
 * const options: WaitOptions = { timeout: 500 };
 * ```
 */
export interface WaitOptions {
  /** Milliseconds before the wait rejects. Default: the client's `timeout` (2000). */
  readonly timeout?: number;
}

/**
 * Options of one namespace connection of a test client.
 *
 * @example
 * ```ts
 * import type { TestSocketOptions } from "@sio/gateway/testing";
 * const options: TestSocketOptions = { auth: { token: "secret" }, timeout: 1000 };
 * ```
 */
export interface TestSocketOptions {
  /** The CONNECT payload, which a gateway's `connect(socket, auth)` receives. Default `{}`. */
  readonly auth?: Record<string, unknown>;
  /**
   * Milliseconds the connection, `emitWithAck` and `waitFor` may take before they reject.
   * Default: the client's `timeout` (2000).
   */
  readonly timeout?: number;
}

/**
 * The refusal of a namespace connection (a CONNECT_ERROR from the server): the message and
 * the `data` the server attached to its error, as socket.io-client reports them.
 *
 * @example
 * ```ts
 * import { ConnectError } from "@sio/gateway/testing";
 * const error = new ConnectError("unauthorized", { retry: false });
 * error.message; // "unauthorized"
 * error.data; // { retry: false }
 * ```
 */
export class ConnectError extends Error {
  /** The `data` of the server's error, if it had one. */
  readonly data: unknown;

  /** Builds the error from the CONNECT_ERROR's message and data. */
  constructor(message: string, data?: unknown) {
    super(message);
    this.name = "ConnectError";
    this.data = data;
  }
}
