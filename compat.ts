/**
 * A drop-in for socket.io 4.8's server: `Server` with socket.io's constructor and methods, on
 * sio-gateway. Porting a socket.io server is changing its import line. On Node it attaches to a
 * `node:http` server (other requests keep reaching your own listeners); on Deno and Bun it runs
 * over their `node:http` too, and `Deno.serve(io.fetch)` / `Bun.serve` are the faster forms.
 *
 * @example
 * ```ts
 * import { Server } from "@sio/gateway/compat";
 *
 * const io = new Server(3000);
 * io.on("connection", (socket) => {
 *   socket.join("lobby");
 *   socket.on("chat", (text, ack) => {
 *     socket.to("lobby").emit("chat", text);
 *     ack?.("ok");
 *   });
 * });
 * ```
 * @module
 */
export { Server } from "./src/compat/server.ts";
export type { AnySocket, CompatNamespaceMatcher, ConnectionListener } from "./src/compat/types.ts";
export type {
  CompatAdapterOption,
  CompatCorsOptions,
  CompatCorsOrigin,
  CompatRequest,
  CompatServerOptions,
  CompatServerOptions as ServerOptions,
} from "./src/compat/options.ts";
export type {
  CompatConn,
  CompatEngine,
  CompatTransport,
  ConnectionError,
  Listener,
} from "./src/compat/engine_adapter.ts";
export { Namespace, Socket } from "./src/compat/types.ts";
export type { AnyArgsListener } from "./src/compat/types.ts";
export type { Namespace as CoreNamespace } from "./src/server/namespace.ts";
export type { ServerSocket } from "./src/server/socket.ts";
export { BroadcastOperator } from "./src/server/broadcast.ts";
export type { RemoteSocketLike as RemoteSocket } from "./src/server/adapter.ts";
export type { DisconnectReason, Room, SocketId } from "./src/server/types.ts";

// The types the public API above refers to: the main entry's (names above take precedence).
export type * from "./mod.ts";
export type { PacketData } from "./src/engine/packet.ts";
export type { ServerOptions as GatewayServerOptions } from "./src/create_server.ts";
