import { callSafely } from "../_internal/call_safely.ts";
import { getLogger } from "../_internal/log.ts";

/** An acknowledgement callback: the client's (or the server's) answer to one event. */
export type Ack = (...args: unknown[]) => void;

/**
 * Sends with an acknowledgement callback, as a promise of the response: `withTimeout`, the
 * callback takes an error first (the `timeout(ms)` form), which rejects the promise.
 */
export function ackPromise(withTimeout: boolean, send: (ack: Ack) => void): Promise<unknown> {
  return new Promise((resolve, reject) => {
    send(
      withTimeout
        ? (error: unknown, response: unknown) => error ? reject(error) : resolve(response)
        : (response: unknown) => resolve(response),
    );
  });
}

/** The message of the error an acknowledgement callback gets when its timeout expires. */
export const ACK_TIMEOUT_MESSAGE = "operation has timed out";

/** The error an acknowledgement callback gets when its timeout expires (one message everywhere). */
export function ackTimeoutError(): Error {
  return new Error(ACK_TIMEOUT_MESSAGE);
}

/** Why an awaited acknowledgement will not come. */
export type AckFailure = "timeout" | "disconnected";

/** Follows one acknowledgement the server awaits (metrics, tracing), told how it ends. */
export interface AckWatch {
  /** The client acknowledged. */
  acked(): void;
  /** No acknowledgement will come. */
  failed(reason: AckFailure): void;
}

/** Starts following the acknowledgement of an emit of `event` with packet id `id`. */
export type AckWatcher = (event: string, id: number) => AckWatch;

interface PendingAck {
  readonly callback: Ack;
  /** Set for a timed emit: the callback takes an error first. */
  readonly timer?: ReturnType<typeof setTimeout>;
  /** Set when metrics or tracing follow acknowledgements. */
  readonly watch?: AckWatch;
}

const log = getLogger("server");

function reportListenerError(error: unknown): void {
  log.error("an acknowledgement callback threw", { error });
}

/**
 * The acknowledgements one socket awaits from its client, by packet id: emits with a callback
 * (timed or not) and broadcasts with acknowledgements. Created empty; most sockets never ask
 * for one, so the map is made on first use.
 */
export class AckRegistry {
  #pending: Map<number, PendingAck> | undefined;
  readonly #watcher: AckWatcher | undefined;

  /** A registry whose acknowledgements `watcher` follows, when metrics or tracing are on. */
  constructor(watcher?: AckWatcher) {
    this.#watcher = watcher;
  }

  /**
   * Waits for the client's acknowledgement of packet `id` (an emit of `event`). Without
   * `timeout`, `callback` gets the client's arguments; with it, an error first: `null` then the
   * arguments, or a timeout error alone when none came within `timeout` ms.
   */
  expect(id: number, callback: Ack, timeout: number | undefined, event: string): void {
    const pending = this.#pending ??= new Map();
    const watch = this.#watcher?.(event, id);
    if (timeout === undefined) {
      pending.set(id, { callback, watch });
      return;
    }
    const timer = setTimeout(() => {
      pending.delete(id);
      watch?.failed("timeout");
      callSafely(callback, [ackTimeoutError()], reportListenerError);
    }, timeout);
    pending.set(id, { callback, timer, watch });
  }

  /**
   * Waits for the client's acknowledgement of broadcast packet `id` (of `event`): `callback`
   * gets the client's arguments. The broadcast keeps its own timer; it calls `forget` when that
   * expires.
   */
  expectBroadcast(id: number, callback: Ack, event = ""): void {
    (this.#pending ??= new Map()).set(id, { callback, watch: this.#watcher?.(event, id) });
  }

  /** Hands the client's acknowledgement to its callback; false when none waits for `id`. */
  settle(id: number, args: unknown[]): boolean {
    const entry = this.#pending?.get(id);
    if (!entry) return false;
    this.#pending!.delete(id);
    entry.watch?.acked();
    if (entry.timer === undefined) {
      callSafely(entry.callback, args, reportListenerError);
    } else {
      clearTimeout(entry.timer);
      callSafely(entry.callback, [null, ...args], reportListenerError);
    }
    return true;
  }

  /** Stops waiting for `id` without calling its callback (a broadcast's timeout expired). */
  forget(id: number): void {
    const entry = this.#pending?.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.#pending!.delete(id);
    entry.watch?.failed("timeout");
  }

  /**
   * Stops waiting for everything: timed callbacks get an Error with `message` (made only when
   * one waits: most sockets disconnect with none), the others are dropped.
   */
  clear(message: string): void {
    const pending = this.#pending;
    if (!pending) return;
    this.#pending = undefined;
    for (const entry of pending.values()) {
      entry.watch?.failed("disconnected");
      if (entry.timer === undefined) continue;
      clearTimeout(entry.timer);
      callSafely(entry.callback, [new Error(message)], reportListenerError);
    }
  }
}
