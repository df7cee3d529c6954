import type { NativeTopicServer } from "../engine/native_topics.ts";
import type { WsConnection, WsHandlers } from "../engine/transport.ts";
import type { RuntimeBinding } from "./binding.ts";
import { type BunPublisher, type BunSubscriber, BunTopics, bunTopicServer } from "./bun_topics.ts";
import { guard } from "./guard.ts";
import { toWsConnection } from "./ws_connection.ts";

/** The part of Bun's `Server` we use. */
export interface BunServerLike {
  /** Upgrades a request to a WebSocket carrying `data`. */
  upgrade(request: Request, options: { data: BunSocketData }): boolean;
  /** The peer address of a request. */
  requestIP(request: Request): { address: string } | null;
  /** Sets a request's idle timeout in seconds (0 = none). */
  timeout?(request: Request, seconds: number): void;
  /** Sends `data` to every socket subscribed to `topic` (Bun's pub/sub). */
  publish?(topic: string, data: string | Uint8Array, compress?: boolean): number;
}

/** Data attached to each Bun WebSocket: the handlers of its transport. */
export interface BunSocketData {
  /** The transport's callbacks. */
  readonly handlers: WsHandlers;
  /** The connection object handed to the transport. */
  connection?: WsConnection;
  /** The server's pub/sub, when it has one (broadcasts publish to its topics). */
  topics?: NativeTopicServer;
}

/** The part of Bun's `ServerWebSocket` we use. */
export interface BunWebSocketLike {
  /** Data attached at upgrade. */
  readonly data: BunSocketData;
  /**
   * Sends a frame, compressed when `compress` is true and the socket negotiated
   * permessage-deflate; returns -1 (backpressure), 0 (dropped) or bytes sent.
   */
  send(data: string | Uint8Array, compress?: boolean): number;
  /** Closes the socket. */
  close(code?: number, reason?: string): void;
  /** Bytes buffered for this socket. */
  getBufferedAmount?(): number;
  /** 1 when open. */
  readonly readyState: number;
  /** Subscribes the socket to a topic (Bun's pub/sub). */
  subscribe?(topic: string): void;
  /** Unsubscribes the socket from a topic. */
  unsubscribe?(topic: string): void;
  /** Sends to every subscriber of a topic but this socket. */
  publish?(topic: string, data: string | Uint8Array, compress?: boolean): number;
}

/** The `websocket` handler object to give `Bun.serve`. */
export interface BunWebSocketHandlers {
  /** Called when a socket opens. */
  open(ws: BunWebSocketLike): void;
  /** Called for each frame. */
  message(ws: BunWebSocketLike, message: string | Uint8Array): void;
  /** Called when the socket closes. */
  close(ws: BunWebSocketLike, code: number, reason: string): void;
  /** Called when the send buffer empties. */
  drain(ws: BunWebSocketLike): void;
  /** Largest frame accepted; Bun closes with 1009 beyond it. */
  maxPayloadLength: number;
  /** Seconds of silence before Bun drops the socket; Engine.IO's heartbeat keeps it busy. */
  idleTimeout: number;
  /** Engine.IO pings at its own level, so Bun's protocol pings are off. */
  sendPings: boolean;
  /** Bytes Bun may buffer for one socket (Bun's default is 16 MiB). */
  backpressureLimit: number;
  /**
   * Close a socket whose buffer passes `backpressureLimit`, rather than let Bun drop frames
   * silently, which would corrupt the Engine.IO stream (true).
   */
  closeOnBackpressureLimit: boolean;
  /**
   * Whether Bun negotiates permessage-deflate with clients that offer it (`perMessageDeflate`);
   * each frame is then compressed only when its `send` asks.
   */
  perMessageDeflate: boolean;
}

/** Bun's own default `backpressureLimit`, kept unless a larger one is asked for. */
export const BUN_BACKPRESSURE_LIMIT = 16 * 1024 * 1024;

/** The binding of each Bun server: it depends on the server only, not on the request. */
const bindings = new WeakMap<BunServerLike, RuntimeBinding>();

/** Binds a request served by `Bun.serve` (env is the Bun server). */
export function bunBinding(server: BunServerLike): RuntimeBinding {
  let binding = bindings.get(server);
  if (!binding) bindings.set(server, binding = newBunBinding(server));
  return binding;
}

function newBunBinding(server: BunServerLike): RuntimeBinding {
  return {
    upgrade(request, handlers) {
      const topics = typeof server.publish === "function"
        ? bunTopicServer(server as BunPublisher)
        : undefined;
      const upgraded = server.upgrade(request, { data: { handlers, topics } });
      // Bun ignores the response of an upgraded request; Hono needs one to return.
      return upgraded ? new Response(null) : undefined;
    },
    remoteAddress: (request) => server.requestIP(request)?.address ?? "",
    holdOpen: (request) => server.timeout?.(request, 0),
    finish(request, response) {
      // Bun closes a `Connection: close` request's socket without saying so, and clients
      // with a keep-alive pool then reuse the dead socket.
      if (request.headers.get("connection")?.toLowerCase() === "close") {
        response.headers.set("Connection", "close");
      }
    },
  };
}

/** Tells whether `env` is a Bun server. */
export function isBunServer(env: unknown): env is BunServerLike {
  const candidate = env as Partial<BunServerLike> | undefined;
  return typeof candidate?.upgrade === "function" && typeof candidate.requestIP === "function";
}

/**
 * Builds the `websocket` handlers for `Bun.serve`. `backpressureLimit` (bytes) should sit above
 * any slow-consumer limit enforced above the transport, so that limit acts first.
 * `maxPayloadLength` bounds a frame once decompressed, too: Bun closes a socket whose
 * compressed frame inflates beyond it (1009).
 */
export function createBunWebSocketHandlers(
  maxPayloadLength: number,
  backpressureLimit: number = BUN_BACKPRESSURE_LIMIT,
  perMessageDeflate = false,
): BunWebSocketHandlers {
  return {
    maxPayloadLength,
    idleTimeout: 0,
    sendPings: false,
    backpressureLimit,
    closeOnBackpressureLimit: true,
    perMessageDeflate,
    open: guard("bun open", (ws: BunWebSocketLike) => {
      const server = ws.data.topics;
      const topics = server !== undefined && typeof ws.subscribe === "function"
        ? new BunTopics(server, ws as BunWebSocketLike & BunSubscriber)
        : undefined;
      const connection = toWsConnection(ws, undefined, undefined, topics);
      ws.data.connection = connection;
      ws.data.handlers.onOpen(connection);
    }),
    message: guard("bun message", (ws: BunWebSocketLike, message: string | Uint8Array) => {
      ws.data.handlers.onMessage(
        typeof message === "string"
          ? message
          : new Uint8Array(message.buffer, message.byteOffset, message.byteLength),
      );
    }),
    close: guard("bun close", (ws: BunWebSocketLike, code: number, reason: string) => {
      ws.data.handlers.onClose(code, reason);
    }),
    drain: guard("bun drain", (ws: BunWebSocketLike) => ws.data.handlers.onDrain()),
  };
}
