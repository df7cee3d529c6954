/**
 * A bare Engine.IO v4 server and its codecs.
 *
 * @example
 * ```ts
 * import { createEngineServer } from "@sio/gateway/engine";
 *
 * const engine = createEngineServer();
 * engine.on("connection", (socket) => socket.on("message", (data) => socket.send(data)));
 * Deno.serve({ port: 3000 }, engine.fetch);
 * ```
 * @module
 */
export { createEngineServer } from "./src/create_engine_server.ts";
export type { EngineIoServer, EngineServerOptions, Metrics } from "./src/create_engine_server.ts";
export type { MetricsOptions } from "./src/options/telemetry_options.ts";
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
  HttpOptions,
  TrustProxy,
} from "./src/http/types.ts";
export type { EngineProtocolOptions, PerMessageDeflateOptions } from "./src/engine/options.ts";
export type {
  CreatedPacket,
  EngineCloseReason,
  EngineSocket,
  EngineSocketEvents,
  SendOptions,
} from "./src/engine/engine_socket.ts";
export type { Engine, EngineServerEvents, ServerState } from "./src/engine/server.ts";
export type { DrainOptions } from "./src/engine/drain.ts";
export type { HandshakeInfo } from "./src/engine/handshake_info.ts";
export type { TransportCloseReason, TransportName } from "./src/engine/transport.ts";
export {
  decodePacket,
  encodePacket,
  encodePacketAsText,
  PACKET_TYPES,
} from "./src/engine/packet.ts";
export type { Packet, PacketData, PacketType } from "./src/engine/packet.ts";
export { decodePayload, encodePayload, RECORD_SEPARATOR } from "./src/engine/payload.ts";
export type { Result } from "./src/_internal/result.ts";
export type { BunSocketData, BunWebSocketHandlers, BunWebSocketLike } from "./src/runtime/bun.ts";
export type { WsConnection, WsHandlers } from "./src/engine/transport.ts";
export type { NativeTopics, NativeTopicServer } from "./src/engine/native_topics.ts";
