import type { ChainStep } from "../_internal/chain.ts";
import { Emitter, ListenerList } from "../_internal/emitter.ts";
import { getLogger } from "../_internal/log.ts";
import type { AnyServerSocket } from "./socket.ts";

/** A connection middleware: `next()` admits the socket, `next(error)` refuses it. */
export type ConnectMiddleware = (socket: AnyServerSocket, next: (error?: Error) => void) => unknown;

/**
 * The handler of one event in a namespace's dispatch table: the socket, the event's arguments,
 * and the acknowledgement callback when the client asked for one. It may return a promise
 * that settles once an asynchronous handler has finished (an event's span ends then),
 * resolving with a `routeFailure` when the handler failed.
 */
export type EventRoute = (
  socket: AnyServerSocket,
  args: unknown[],
  ack: ((...args: unknown[]) => void) | undefined,
) => void | Promise<unknown>;

const log = getLogger("server");

const FAILED = Symbol("sio.routeFailed");

/** What a route's promise resolves with when its handler failed (the event's span records it). */
export interface RouteFailure {
  /** The error. */
  readonly [FAILED]: unknown;
}

/** The outcome of a route whose handler failed with `error`. */
export function routeFailure(error: unknown): RouteFailure {
  return { [FAILED]: error };
}

/** The error of a route's outcome, if it is a failure. */
export function failureOf(outcome: unknown): { error: unknown } | undefined {
  return typeof outcome === "object" && outcome !== null && FAILED in outcome
    ? { error: (outcome as RouteFailure)[FAILED] }
    : undefined;
}

/**
 * What a namespace runs for its sockets — connection middlewares, connection listeners, the
 * dispatch table (one route per event name) and listeners of other servers' `serverSideEmit` —
 * kept apart from the namespace so a parent of dynamic namespaces can share its own with every
 * child.
 */
export class NamespaceHooks {
  /** Connection middlewares, in order. */
  readonly middlewares: ChainStep<AnyServerSocket>[] = [];
  /** Listeners of `connection`. */
  readonly connection: ListenerList<(socket: AnyServerSocket) => unknown> = new ListenerList();
  /** The dispatch table: the route of each event name. */
  readonly routes: Map<string, EventRoute> = new Map();
  /** Listeners of events other servers send with `serverSideEmit`. */
  // deno-lint-ignore no-explicit-any
  readonly serverSide: Emitter<Record<string, any[]>> = new Emitter((error) =>
    log.error("a serverSideEmit listener threw", { error })
  );

  /** Adds the route of an event; an event has one route at most. */
  route(event: string, route: EventRoute): void {
    if (this.routes.has(event)) {
      throw new TypeError(
        `event "${event}" already has a handler in this namespace: handle it in one gateway`,
      );
    }
    this.routes.set(event, route);
  }
}

/** Reports an exception of a connection listener. */
export function reportConnectionListenerError(error: unknown): void {
  log.error("a connection listener threw", { error });
}
