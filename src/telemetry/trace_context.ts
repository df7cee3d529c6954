/**
 * W3C Trace Context (`traceparent`, `tracestate`) read from what a peer sent: a strict parse,
 * bounded in length, that never throws; a value that does not parse is ignored.
 * @module
 */
import {
  type Context,
  createTraceState,
  isSpanContextValid,
  type SpanContext,
  trace,
} from "@opentelemetry/api";

/** Longest `tracestate` read (the W3C limit: 32 members of at most 256 characters; 512 kept). */
const MAX_TRACESTATE_LENGTH = 512;
/** `version-traceid-parentid-flags`; a later version may append fields after a dash. */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
/** A `traceparent` of version 00 is 55 characters; later versions are read up to this. */
const MAX_TRACEPARENT_LENGTH = 256;

/**
 * The remote span context a `traceparent` (and `tracestate`) names, or undefined when the value
 * is absent, not a string or not valid (version ff, an all-zero id, extra fields on version 00).
 */
export function parseTraceparent(
  traceparent: unknown,
  tracestate?: unknown,
): SpanContext | undefined {
  if (typeof traceparent !== "string" || traceparent.length > MAX_TRACEPARENT_LENGTH) {
    return undefined;
  }
  const match = TRACEPARENT.exec(traceparent.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match;
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  const context: SpanContext = {
    traceId,
    spanId,
    traceFlags: parseInt(flags, 16),
    isRemote: true,
  };
  if (typeof tracestate === "string" && tracestate.length <= MAX_TRACESTATE_LENGTH) {
    try {
      context.traceState = createTraceState(tracestate);
    } catch {
      // an unreadable tracestate is dropped; the traceparent still counts
    }
  }
  return isSpanContextValid(context) ? context : undefined;
}

/** `base` with the remote span a `traceparent` names as its span, or undefined. */
export function contextFromTraceparent(
  base: Context,
  traceparent: unknown,
  tracestate?: unknown,
): Context | undefined {
  const remote = parseTraceparent(traceparent, tracestate);
  return remote && trace.setSpanContext(base, remote);
}
