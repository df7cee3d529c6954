/**
 * sio-gateway: a Socket.IO v5 / Engine.IO v4 server for Deno and Bun (and Node), built on
 * web-standard Request/Response and a Hono app. Applications are plain objects given to
 * `defineGateway`; the official socket.io-client connects unchanged.
 *
 * @example
 * ```ts
 * import { createServer, defineGateway } from "@sio/gateway";
 *
 * const chat = defineGateway({
 *   namespace: "/chat",
 *   connect(socket, auth) {
 *     if (auth.token !== "secret") throw new Error("unauthorized");
 *     socket.join("lobby");
 *   },
 *   events: {
 *     "chat:message"(socket, msg: { text: string }) {
 *       socket.to("lobby").emit("chat:message", msg);
 *       return { ok: true }; // the acknowledgement
 *     },
 *   },
 * });
 *
 * const io = createServer({ gateways: [chat] });
 * Deno.serve({ port: 3000 }, io.fetch);
 * ```
 * @module
 */

// The gateway API: define gateways, serve them.
export { createServer } from "./src/create_server.ts";
export type { Metrics, ServerOptions, SocketIoServer } from "./src/create_server.ts";
export { ackArgs, defineGateway, validated } from "./src/gateway/define.ts";
export type {
  AckArgs,
  EventContext,
  EventEntry,
  EventHandler,
  EventSchemas,
  Gateway,
  GatewayDefinition,
  GatewayErrorContext,
  GatewayEvents,
  GatewaySocket,
  ValidatedEvent,
} from "./src/gateway/types.ts";

// Typed event maps and schemas (Standard Schema: zod, valibot, arktype…).
export type {
  AnyListener,
  DefaultEventsMap,
  EventNames,
  EventParams,
  EventsMap,
  ListenerArgs,
  ListenerResult,
  PacketMiddleware,
  SocketLifecycleEvents,
} from "./src/server/events.ts";
export type {
  InferOutput,
  StandardSchemaIssue,
  StandardSchemaProps,
  StandardSchemaResult,
  StandardSchemaV1,
} from "./src/_internal/standard_schema.ts";

// The server and its sockets: namespaces, rooms, broadcasts.
export { ServerSocket } from "./src/server/socket.ts";
export type { AnyServerSocket } from "./src/server/socket.ts";
export type { SocketRequest } from "./src/server/request.ts";
export { Namespace } from "./src/server/namespace.ts";
export type { ConnectMiddleware, EventRoute } from "./src/server/namespace_hooks.ts";
export { ParentBroadcast, ParentNamespace } from "./src/server/parent_namespace.ts";
export { BroadcastOperator } from "./src/server/broadcast.ts";
export type { BroadcastAck } from "./src/server/broadcast.ts";
export type {
  NamespaceMatcher,
  SocketServerEvents,
  SocketServerOptions,
} from "./src/server/server.ts";
export type {
  BroadcastFlags,
  BroadcastOptions,
  DisconnectReason,
  Handshake,
  Room,
  SocketId,
} from "./src/server/types.ts";
export type { Engine, EngineServerEvents, ServerState } from "./src/engine/server.ts";
export type { DrainOptions } from "./src/engine/drain.ts";
export type {
  CreatedPacket,
  EngineCloseReason,
  EngineSocket,
  EngineSocketEvents,
  SendOptions,
} from "./src/engine/engine_socket.ts";
export type { PacketData } from "./src/engine/packet.ts";
export type { HandshakeInfo } from "./src/engine/handshake_info.ts";
export type { TransportCloseReason, TransportName } from "./src/engine/transport.ts";

// Options: HTTP, Engine.IO protocol, limits, recovery.
export type {
  CookieOptions,
  CorsOptions,
  CorsOriginAnswer,
  CorsOriginFunction,
  CorsStaticOrigin,
  Endpoint,
  HonoApp,
  HonoContextLike,
  HonoLike,
  HttpCompressionOptions,
  TrustProxy,
} from "./src/http/types.ts";
export type { EngineProtocolOptions, PerMessageDeflateOptions } from "./src/engine/options.ts";
export type {
  RateLimitAction,
  RateLimitOptions,
  SlowConsumerAction,
  SlowConsumerOptions,
} from "./src/server/limits.ts";
export type { ConnectionStateRecoveryOptions } from "./src/server/recovery.ts";
export type { ParserDecoder, ParserEncoder, SocketIoParser } from "./src/parser/parser_module.ts";

// Production: Prometheus metrics and OpenTelemetry tracing.
export type {
  MetricsOptions,
  TracerProviderLike,
  TracingOptions,
} from "./src/options/telemetry_options.ts";

// Adapters: rooms and broadcasts in memory, or across a cluster (see ./redis).
export { InMemoryAdapter } from "./src/server/in_memory_adapter.ts";
export type { AdapterEvents, AdapterFactory } from "./src/server/in_memory_adapter.ts";
export type { Adapter, RemoteSocketLike } from "./src/server/adapter.ts";
export type { RecoveredSession, SessionToPersist } from "./src/server/recovery.ts";
export { SocketPacketType } from "./src/parser/packet.ts";
export type { SocketPacket } from "./src/parser/packet.ts";

// Runtime bindings: Bun's WebSocket handlers (Deno and Node need none from here).
export type { BunSocketData, BunWebSocketHandlers, BunWebSocketLike } from "./src/runtime/bun.ts";
export type { WsConnection, WsHandlers } from "./src/engine/transport.ts";
