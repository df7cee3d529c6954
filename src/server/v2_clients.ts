/**
 * What the server does differently for Socket.IO v2 clients (Socket.IO protocol v4 over an
 * Engine.IO v3 connection, admitted by `allowEIO3`), as socket.io 4.8 does: the main
 * namespace is joined at the handshake; a CONNECT carries its query in the namespace
 * (`0/chat?token=abc`) instead of an auth payload; the CONNECT reply has no `{sid}`; a
 * refusal's CONNECT_ERROR data is the error's `data`, else its message; a socket's id is the
 * Engine.IO id (prefixed with `<nsp>#` outside "/").
 * @module
 */

/**
 * Splits a v2 client's CONNECT namespace into the name and the auth its query stands for;
 * undefined when it is not a URL path.
 *
 * @example
 * ```ts
 * import { parseV2Connect } from "./v2_clients.ts";
 * parseV2Connect("/chat?token=abc"); // { name: "/chat", auth: { token: "abc" } }
 * ```
 */
export function parseV2Connect(
  nsp: string,
): { name: string; auth: Record<string, unknown> } | undefined {
  let url: URL;
  try {
    url = new URL(nsp, "https://socket.io");
  } catch {
    return undefined;
  }
  return { name: url.pathname, auth: Object.fromEntries(url.searchParams) };
}

/** The CONNECT_ERROR data for a v2 client: the error's `data`, else its message. */
export function v2ConnectErrorData(error: Error): unknown {
  return (error as { data?: unknown }).data || error.message;
}

/** A v2 client's socket id: its Engine.IO id, prefixed with `<nsp>#` outside "/". */
export function v2SocketId(nsp: string, engineId: string): string {
  return (nsp === "/" ? "" : nsp + "#") + engineId;
}
