/**
 * OpenTelemetry spans of a server's sockets: one per handled event (a gateway handler or
 * `socket.on` listeners), one per acknowledgement the server awaits from a client. The parent
 * of a socket's spans is the trace context its client sent: `traceparent` (and `tracestate`)
 * in the CONNECT auth, else in the handshake's HTTP headers; without one, each event starts a
 * trace. Made only when a tracer exists (see telemetry/tracer.ts), so a server without one
 * makes no span or context.
 * @module
 */
import {
  type Attributes,
  type Context,
  context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from "@opentelemetry/api";
import { contextFromTraceparent } from "../telemetry/trace_context.ts";
import type { Ack } from "./acks.ts";
import { failureOf } from "./namespace_hooks.ts";
import type { AnyServerSocket } from "./socket.ts";

/** The value of `messaging.system` on every span. */
const SYSTEM = "socket.io";

/** Makes the spans of one server's sockets. */
export class EventTracing {
  readonly #tracer: Tracer;
  /** Each socket's parent context, read from its handshake once. */
  readonly #parents = new WeakMap<AnyServerSocket, Context>();

  /** Spans made with `tracer`. */
  constructor(tracer: Tracer) {
    this.#tracer = tracer;
  }

  /**
   * Runs the handling of one event in a span (active while `run` runs). The span ends once
   * `run`'s promise settles when it returns one (a gateway's handler, which acknowledges
   * before that; a `RouteFailure` marks the span failed), else once the acknowledgement is
   * sent if the client asked for one (a listener may send it later), else when `run` returns.
   */
  traceEvent(
    socket: AnyServerSocket,
    event: string,
    ack: Ack | undefined,
    run: (ack: Ack | undefined) => unknown,
  ): void {
    const parent = this.#parentOf(socket);
    const span = this.#tracer.startSpan(`socket.io event ${event}`, {
      kind: SpanKind.CONSUMER,
      attributes: {
        ...attributesOf(socket, event),
        "messaging.operation.type": "process",
        "socket.io.ack": ack !== undefined,
      },
    }, parent);
    let acked = false;
    let waitingForAck = false;
    const traced: Ack | undefined = ack && ((...args) => {
      acked = true;
      try {
        ack(...args);
      } finally {
        if (waitingForAck) {
          waitingForAck = false;
          span.end();
        }
      }
    });
    let work: unknown;
    try {
      work = context.with(trace.setSpan(parent, span), run, undefined, traced);
    } catch (error) {
      fail(span, error);
      span.end();
      throw error;
    }
    if (work instanceof Promise) {
      work.then((outcome) => {
        const failure = failureOf(outcome);
        if (failure) fail(span, failure.error);
        span.end();
      }, (error) => {
        fail(span, error);
        span.end();
      });
    } else if (traced !== undefined && !acked) waitingForAck = true;
    else span.end();
  }

  /**
   * Starts the span of an acknowledgement awaited from `socket`'s client for an emit of
   * `event`: a child of the active span (the event being handled, where a context manager
   * carries it), else of the socket's handshake context.
   */
  startAckSpan(socket: AnyServerSocket, event: string, id: number): Span {
    const active = context.active();
    const parent = trace.getSpan(active) ? active : this.#parentOf(socket);
    return this.#tracer.startSpan(`socket.io ack ${event || "(broadcast)"}`, {
      kind: SpanKind.CLIENT,
      attributes: {
        ...attributesOf(socket, event),
        "messaging.operation.type": "send",
        "socket.io.ack.id": id,
      },
    }, parent);
  }

  #parentOf(socket: AnyServerSocket): Context {
    let parent = this.#parents.get(socket);
    if (parent === undefined) {
      const { auth } = socket.handshake;
      const headers = socket.conn.request.headers;
      parent = contextFromTraceparent(ROOT_CONTEXT, auth.traceparent, auth.tracestate) ??
        contextFromTraceparent(
          ROOT_CONTEXT,
          headers.get("traceparent"),
          headers.get("tracestate"),
        ) ?? ROOT_CONTEXT;
      this.#parents.set(socket, parent);
    }
    return parent;
  }
}

/** Ends an acknowledgement's span as failed: it timed out, or its socket disconnected. */
export function failAckSpan(span: Span, message: string): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.end();
}

function attributesOf(socket: AnyServerSocket, event: string): Attributes {
  return {
    "messaging.system": SYSTEM,
    "messaging.destination.name": socket.nsp.name,
    "socket.io.namespace": socket.nsp.name,
    "socket.io.event": event,
    "socket.io.socket.id": socket.id,
    "socket.io.transport": socket.conn.transport,
  };
}

function fail(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}
