import type { HandshakeInfo } from "../engine/handshake_info.ts";

/**
 * The HTTP request that opened a connection, shaped like the parts of Node's `IncomingMessage`
 * that code written for socket.io reads from `socket.request` (cookie and session
 * middlewares, IP checks): lowercase `headers` as a plain object, `url`, `method`, and the
 * peer's address under `socket` / `connection`.
 */
export interface SocketRequest {
  /** The method of the handshake request ("GET"). */
  readonly method: string;
  /** The path and query of the handshake request. */
  readonly url: string;
  /** Request headers, names in lowercase (several values of one header joined by ", "). */
  readonly headers: Record<string, string>;
  /** The peer as Node's `request.socket` shows it. */
  readonly socket: { readonly remoteAddress: string };
  /** The same as `socket` (Node's older name). */
  readonly connection: { readonly remoteAddress: string };
  /** The query of the handshake request. */
  readonly _query: Record<string, string>;
}

/** Builds the Node-shaped view of a connection's handshake request. */
export function socketRequest(info: HandshakeInfo): SocketRequest {
  const peer = { remoteAddress: info.remoteAddress };
  return {
    method: "GET",
    url: info.url,
    headers: Object.fromEntries(info.headers),
    socket: peer,
    connection: peer,
    _query: Object.fromEntries(info.query),
  };
}
