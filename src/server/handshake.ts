import type { HandshakeInfo } from "../engine/handshake_info.ts";
import type { Handshake } from "./types.ts";

/** Where a handshake keeps the request its lazy `headers` and `query` are read from. */
const SOURCE: unique symbol = Symbol("handshake source");

type Lazy = Handshake & { [SOURCE]?: HandshakeInfo };

/** Replaces a lazy field by a plain data property holding `value`. */
function settle(handshake: Lazy, key: "headers" | "query", value: Record<string, string>): void {
  Object.defineProperty(handshake, key, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

function toRecord(entries: Headers | URLSearchParams): Record<string, string> {
  const record: Record<string, string> = {};
  entries.forEach((value, name) => {
    record[name] = value;
  });
  return record;
}

/**
 * `headers` and `query` are built into plain objects on first read (most sockets never read
 * them), then stay plain data properties; they are own and enumerable either way, so spreads
 * and JSON see them as before. The accessors are shared by every handshake.
 */
const LAZY_FIELDS: PropertyDescriptorMap = {
  headers: {
    enumerable: true,
    configurable: true,
    get(this: Lazy) {
      const value = toRecord(this[SOURCE]!.headers);
      settle(this, "headers", value);
      return value;
    },
    set(this: Lazy, value: Record<string, string>) {
      settle(this, "headers", value);
    },
  },
  query: {
    enumerable: true,
    configurable: true,
    get(this: Lazy) {
      const value = toRecord(this[SOURCE]!.query);
      settle(this, "query", value);
      return value;
    },
    set(this: Lazy, value: Record<string, string>) {
      settle(this, "query", value);
    },
  },
};

/** Whether the request had an Origin header, without building its `Headers` when it can. */
function hasOrigin(request: HandshakeInfo): boolean {
  return request.hasHeader ? request.hasHeader("origin") : request.headers.has("origin");
}

/** Builds a socket's handshake from its connection's HTTP request and its CONNECT auth. */
export function buildHandshake(request: HandshakeInfo, auth: Record<string, unknown>): Handshake {
  const handshake = {
    time: new Date(request.issued).toString(),
    address: request.remoteAddress,
    xdomain: hasOrigin(request),
    secure: request.secure,
    issued: request.issued,
    url: request.url,
    auth,
    vars: request.vars ?? {},
  } as Lazy;
  Object.defineProperty(handshake, SOURCE, { value: request });
  Object.defineProperties(handshake, LAZY_FIELDS);
  return handshake;
}
