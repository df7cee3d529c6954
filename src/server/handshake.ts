import type { HandshakeInfo } from "../engine/handshake_info.ts";
import type { Handshake } from "./types.ts";

/** Builds a socket's handshake from its connection's HTTP request and its CONNECT auth. */
export function buildHandshake(request: HandshakeInfo, auth: Record<string, unknown>): Handshake {
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const query: Record<string, string> = {};
  request.query.forEach((value, name) => {
    query[name] = value;
  });
  return {
    headers,
    time: new Date(request.issued).toString(),
    address: request.remoteAddress,
    xdomain: request.headers.has("origin"),
    secure: request.secure,
    issued: request.issued,
    url: request.url,
    query,
    auth,
    vars: request.vars ?? {},
  };
}
