/**
 * Checks the RFC 6455 opening handshake of a WebSocket request before any runtime upgrades it,
 * so every runtime refuses the same requests the same way. The reference delegates this to
 * `ws` (`WebSocketServer#handleUpgrade`), which answers a bad handshake with a plain-text HTTP
 * error and closes the connection; the same statuses and messages are answered here.
 */

/** Why a WebSocket opening handshake is refused. */
export interface WebSocketHandshakeError {
  /** HTTP status: 405 for a method other than GET, else 400. */
  readonly status: 400 | 405;
  /** The plain-text body, as `ws` words it. */
  readonly message: string;
  /** Extra response headers (the supported version, for a bad version). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The only WebSocket protocol version served (RFC 6455); Deno and Bun accept no other. */
const SUPPORTED_VERSION = "13";
/** Base64 of exactly 16 bytes: 22 characters and two padding characters (RFC 6455 4.1). */
const KEY_PATTERN = /^[+/0-9A-Za-z]{22}==$/;

/**
 * Checks the method, `Sec-WebSocket-Key` and `Sec-WebSocket-Version` of a request that asks
 * for a WebSocket upgrade; undefined when the handshake is well formed.
 */
export function checkWebSocketHandshake(request: Request): WebSocketHandshakeError | undefined {
  if (request.method !== "GET") return { status: 405, message: "Invalid HTTP method" };
  const key = request.headers.get("sec-websocket-key");
  if (key === null || !KEY_PATTERN.test(key.trim())) {
    return { status: 400, message: "Missing or invalid Sec-WebSocket-Key header" };
  }
  if (request.headers.get("sec-websocket-version")?.trim() !== SUPPORTED_VERSION) {
    return {
      status: 400,
      message: "Missing or invalid Sec-WebSocket-Version header",
      headers: { "Sec-WebSocket-Version": SUPPORTED_VERSION },
    };
  }
  return undefined;
}

/** The HTTP answer to a refused WebSocket handshake: plain text, and the connection closes. */
export function webSocketHandshakeRefusal(error: WebSocketHandshakeError): Response {
  return new Response(error.message, {
    status: error.status,
    headers: { "Content-Type": "text/html", "Connection": "close", ...error.headers },
  });
}
