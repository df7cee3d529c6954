/**
 * The Node side of serving a fetch handler on `node:http` (used by `serve()` and by the compat
 * layer's attachment to an existing server): the runtime binding of a plain request, and an
 * HTTP upgrade request served through the handler — a WebSocket it accepts is wired to `ws`,
 * any other answer is written back raw on the socket.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { PerMessageDeflateOptions, RawData, WebSocket, WebSocketServer } from "ws";
import type { WsHandlers } from "../engine/transport.ts";
import type { RuntimeBinding } from "./binding.ts";
import { guard } from "./guard.ts";
import { RUNTIME_BINDING_KEY } from "./select.ts";
import { type CompressArgument, NO_COMPRESSION, toWsConnection } from "./ws_connection.ts";

/** `ws`'s `send(data, { compress })`; it copies the options, so two shared objects do. */
const WS_COMPRESS: CompressArgument = { yes: { compress: true }, no: { compress: false } };

/**
 * The `perMessageDeflate` setting of a `ws` server: off, or on with the transport deciding
 * which frames to compress (its threshold applies before `ws` sees a frame, so `ws` has none).
 * `ws` bounds a compressed frame once inflated by its `maxPayload` (closing with 1009).
 */
export function wsDeflateOptions(enabled: boolean): PerMessageDeflateOptions | false {
  return enabled ? { threshold: 0 } : false;
}

/** The `env` @hono/node-server hands a fetch handler: the request and response of node:http. */
export interface NodeEnv {
  /** The request. */
  incoming: IncomingMessage;
  /** Its response (absent on an upgrade). */
  outgoing?: ServerResponse;
}

/**
 * The binding of a plain (not upgrade) request: its peer address, and the client leaving
 * before `outgoing` is finished (its "close" comes first); no upgrade from here.
 */
export function nodeHttpBinding(
  incoming: IncomingMessage,
  outgoing: ServerResponse | undefined,
): RuntimeBinding {
  return new NodeHttpBinding(incoming, outgoing);
}

/** A class, not an object of closures: one is made per request. */
class NodeHttpBinding implements RuntimeBinding {
  readonly #incoming: IncomingMessage;
  readonly #outgoing: ServerResponse | undefined;

  constructor(incoming: IncomingMessage, outgoing: ServerResponse | undefined) {
    this.#incoming = incoming;
    this.#outgoing = outgoing;
  }

  upgrade(): undefined {
    return undefined;
  }

  remoteAddress(): string {
    return this.#incoming.socket.remoteAddress ?? "";
  }

  holdOpen(): void {}

  watchLeave(_request: Request, onLeave: () => void): () => void {
    const outgoing = this.#outgoing;
    if (!outgoing) return () => {};
    const onClose = () => {
      if (!outgoing.writableFinished) onLeave();
    };
    outgoing.once("close", onClose);
    return () => outgoing.off("close", onClose);
  }
}

/**
 * Serves an upgrade request through `fetch` (`env` carries `incoming` and the binding):
 * accepted as a WebSocket by `wss`, or answered with the handler's response, written raw.
 * `fallbackHost` names the host when the request has no Host header.
 */
export async function serveUpgrade(
  fetch: (request: Request, env: unknown) => Response | Promise<Response>,
  wss: WebSocketServer,
  incoming: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  fallbackHost: string,
): Promise<void> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (typeof value === "string") headers.set(name, value);
    else if (Array.isArray(value)) { for (const item of value) headers.append(name, item); }
  }
  const host = incoming.headers.host ?? fallbackHost;
  const request = new Request(`http://${host}${incoming.url ?? "/"}`, {
    method: incoming.method,
    headers,
  });
  let upgraded = false;
  const binding: RuntimeBinding = {
    upgrade(_request, handlers) {
      upgraded = true;
      wss.handleUpgrade(incoming, socket, head, (ws) => wire(ws, handlers));
      return new Response(null);
    },
    remoteAddress: () => incoming.socket.remoteAddress ?? "",
    holdOpen: () => {},
  };
  const response = await fetch(request, { incoming, [RUNTIME_BINDING_KEY]: binding });
  if (upgraded) return;
  const body = await response.text();
  const reason = response.statusText || STATUS_CODES[response.status] || "Error";
  const lines = [`HTTP/1.1 ${response.status} ${reason}`];
  response.headers.forEach((value, name) => {
    // both are set below, once
    if (name !== "connection" && name !== "content-length") lines.push(`${name}: ${value}`);
  });
  lines.push(`content-length: ${Buffer.byteLength(body)}`, "connection: close", "", body);
  socket.end(lines.join("\r\n"));
}

function wire(ws: WebSocket, handlers: WsHandlers): void {
  // ws exposes its readyState constants on each socket; without the extension negotiated,
  // `send` is called as it always was, with no options to copy
  const deflating = ws.extensions.includes("permessage-deflate");
  const connection = toWsConnection(ws, ws, deflating ? WS_COMPRESS : NO_COMPRESSION);
  ws.on(
    "message",
    guard("node message", (data: RawData, isBinary: boolean) => {
      handlers.onMessage(isBinary ? toBytes(data) : data.toString());
    }),
  );
  ws.on(
    "close",
    guard("node close", (code: number, reason: Buffer) => {
      handlers.onClose(code, reason.toString());
    }),
  );
  ws.on("error", () => {});
  guard("node open", () => handlers.onOpen(connection))();
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
