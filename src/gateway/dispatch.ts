import { getLogger } from "../_internal/log.ts";
import type { StandardSchemaIssue, StandardSchemaV1 } from "../_internal/standard_schema.ts";
import type { Ack } from "../server/acks.ts";
import { type EventRoute, type RouteFailure, routeFailure } from "../server/namespace_hooks.ts";
import type { AnyServerSocket } from "../server/socket.ts";
import type { AckArgs, EventContext } from "./types.ts";

/** A gateway's handler as the dispatcher calls it. */
export type HandlerFn = (
  this: EventContext,
  socket: AnyServerSocket,
  ...args: unknown[]
) => unknown;

/** One event of a gateway: its handler, and the schema validating its first argument. */
export interface GatewayEntry {
  readonly schema?: StandardSchemaV1;
  readonly handler: HandlerFn;
}

/** Where a gateway's failures go: logged, then to its `onError` hook. */
export type FailureReport = (error: unknown, socket: AnyServerSocket, event: string) => void;

/**
 * Most events of one socket that may wait behind a pending asynchronous validation; later ones
 * are dropped (or the socket disconnected, when the `rateLimit` action is "disconnect"), so a
 * client cannot make the server hold an unbounded queue of its events.
 */
export const MAX_WAITING_EVENTS = 32;

/** A socket's events waiting behind an asynchronous validation. */
interface Backlog {
  /** Settles once the last queued event has been handled. */
  tail: Promise<unknown>;
  /** Events queued behind the one being validated. */
  waiting: number;
  /** Whether an overflow was logged since the backlog formed. */
  warned: boolean;
}

const ACK_ARGS = Symbol("sio.ackArgs");
const log = getLogger("gateway");

/** Marks several acknowledgement arguments (see `ackArgs`). */
export function markAckArgs(args: unknown[]): AckArgs {
  return { args, [ACK_ARGS]: true } as AckArgs;
}

/**
 * The dispatcher of one gateway: builds the route of each of its events for the namespace's
 * dispatch table. A route validates the event's first argument (when the entry has a schema),
 * runs the handler and turns its result (or error) into the acknowledgement. Events of one
 * socket are handled in arrival order: while an asynchronous validation is pending, that
 * socket's later events wait behind it (at most `MAX_WAITING_EVENTS`); a socket that
 * disconnects meanwhile has its waiting events dropped, and no handler runs for it.
 */
export function createDispatcher(report: FailureReport): (
  event: string,
  entry: GatewayEntry,
) => EventRoute {
  const backlogs = new WeakMap<AnyServerSocket, Backlog>();
  /** How many sockets have an entry in `backlogs`. */
  let backlogCount = 0;
  /** The promises of validations under way that hold their socket's later events. */
  const holding = new WeakSet<Promise<unknown>>();

  const extend = (socket: AnyServerSocket, backlog: Backlog, next: Promise<unknown>): void => {
    backlog.tail = next;
    void next.finally(() => {
      if (backlog.tail === next && backlogs.delete(socket)) backlogCount--;
    });
  };

  const overflow = (socket: AnyServerSocket, event: string, backlog: Backlog): void => {
    const disconnect = socket.client.rateLimit?.action === "disconnect";
    if (disconnect || !backlog.warned) {
      backlog.warned = true;
      log.warn(
        "too many events waiting for validation: " + (disconnect ? "disconnected" : "dropped"),
        {
          event,
          sid: socket.id,
          address: socket.handshake.address,
          maxWaitingEvents: MAX_WAITING_EVENTS,
        },
      );
    }
    if (disconnect) socket._disconnectFor("too many events waiting for validation");
  };

  /**
   * What runs one event of `event`'s entry: validation (when the entry has a schema), the
   * handler, the acknowledgement. It returns a promise while the work goes on: one in
   * `holding` while an async validation holds the socket's later events, else the promise of
   * the handler's outcome (which holds nothing): a `RouteFailure` when it failed (resolved at
   * once for a synchronous failure), else nothing.
   */
  const runnerFor = (event: string, entry: GatewayEntry) => {
    const { schema, handler } = entry;
    // the handler's `this`: one per event name and ack request, not one per call, so frozen
    // (a handler writing to it must not change what the next call sees)
    const askedAck: EventContext = Object.freeze({ event, ackRequested: true });
    const askedNoAck: EventContext = Object.freeze({ event, ackRequested: false });
    const invoke = (
      socket: AnyServerSocket,
      args: unknown[],
      ack: Ack | undefined,
    ): Outcome => {
      let result: unknown;
      try {
        result = handler.call(ack === undefined ? askedNoAck : askedAck, socket, ...args);
      } catch (error) {
        return reported(fail(error, socket, event, ack));
      }
      if (result instanceof Promise) {
        // running work until its acknowledgement is written: a drain waits for it
        const done = result.then(
          (value) => respond(ack, value, socket, event),
          (error) => fail(error, socket, event, ack),
        );
        socket._inbox.track(done);
        return done;
      }
      return reported(respond(ack, result, socket, event));
    };
    const validated = (
      result: { value?: unknown; issues?: ReadonlyArray<StandardSchemaIssue> } | undefined,
      socket: AnyServerSocket,
      args: unknown[],
      ack: Ack | undefined,
    ): Outcome => {
      if (typeof result !== "object" || result === null) {
        const error = new TypeError("the schema returned no Standard Schema result");
        return reported(fail(error, socket, event, ack));
      } else if (result.issues) {
        log.warn("event failed validation", {
          event,
          sid: socket.id,
          address: socket.handshake.address,
        });
        const issues = result.issues.map(describeIssue);
        return reported(respond(ack, { error: "validation", issues }, socket, event));
      } else if (socket.connected) {
        return invoke(socket, [result.value, ...args.slice(1)], ack);
      }
      return undefined;
    };
    return (
      socket: AnyServerSocket,
      args: unknown[],
      ack: Ack | undefined,
    ): Outcome => {
      if (!schema) return invoke(socket, args, ack);
      let outcome;
      try {
        outcome = schema["~standard"].validate(args[0]);
      } catch (error) {
        return reported(fail(error, socket, event, ack));
      }
      if (!(outcome instanceof Promise)) return validated(outcome, socket, args, ack);
      // the hold ends once the handler has started, not once it has finished (an async
      // handler is then tracked for a drain on its own)
      const hold = outcome.then(
        (result) => void validated(result, socket, args, ack),
        (error) => void fail(error, socket, event, ack),
      );
      holding.add(hold);
      socket._inbox.track(hold);
      return hold;
    };
  };

  /** Sends the handler's result as the acknowledgement; one that cannot be encoded fails. */
  const respond = (
    ack: Ack | undefined,
    value: unknown,
    socket: AnyServerSocket,
    event: string,
  ): RouteFailure | undefined => {
    if (!ack) return undefined;
    try {
      if (value === undefined) ack();
      else if (isAckArgs(value)) ack(...value.args);
      else ack(value);
      return undefined;
    } catch (error) {
      return fail(error, socket, event, ack);
    }
  };

  /** Reports a failure and acknowledges `{ error }` if the client asked for an ack. */
  const fail = (
    error: unknown,
    socket: AnyServerSocket,
    event: string,
    ack: Ack | undefined,
  ): RouteFailure => {
    report(error, socket, event);
    try {
      ack?.({ error: errorMessage(error) });
    } catch (ackError) {
      log.error("could not send the error acknowledgement", { event, error: ackError });
    }
    return routeFailure(error);
  };

  return (event, entry) => {
    const run = runnerFor(event, entry);
    return (socket, args, ack) => {
      // most of the time no socket has a backlog: no lookup then
      const backlog = backlogCount === 0 ? undefined : backlogs.get(socket);
      if (!backlog) {
        const started = run(socket, args, ack);
        if (started === undefined || !holding.has(started)) return started;
        const formed: Backlog = { tail: started, waiting: 0, warned: false };
        backlogs.set(socket, formed);
        backlogCount++;
        extend(socket, formed, started);
        return started;
      }
      if (backlog.waiting >= MAX_WAITING_EVENTS) return overflow(socket, event, backlog);
      backlog.waiting++;
      const next = backlog.tail.then(() => {
        backlog.waiting--;
        if (!socket.connected) return undefined;
        const started = run(socket, args, ack);
        // only a validation holds the events behind, not a handler that is still running
        return started !== undefined && holding.has(started) ? started : undefined;
      });
      socket._inbox.track(next);
      extend(socket, backlog, next);
      return next;
    };
  };
}

/** What running one event returns: see `runnerFor`. */
type Outcome = Promise<RouteFailure | void> | undefined;

/** A synchronous failure as an outcome, so the event's span sees it. */
function reported(failure: RouteFailure | undefined): Outcome {
  return failure && Promise.resolve(failure);
}

function isAckArgs(value: unknown): value is AckArgs {
  return typeof value === "object" && value !== null && ACK_ARGS in value;
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === "string" ? error : "internal error";
}

function describeIssue(issue: StandardSchemaIssue): { message: string; path?: PropertyKey[] } {
  if (!issue.path) return { message: issue.message };
  const path = issue.path.map((segment) =>
    typeof segment === "object" && segment !== null ? segment.key : segment
  );
  return { message: issue.message, path };
}
