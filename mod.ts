/**
 * sio-gateway: a Socket.IO v5 / Engine.IO v4 server for Deno and Bun (and Node), built on
 * web-standard Request/Response and a Hono app.
 *
 * This release ships the Engine.IO layer: both transports, the upgrade, heartbeats and limits.
 *
 * @example
 * ```ts
 * import { createEngineServer } from "@sio/gateway";
 *
 * const engine = createEngineServer();
 * engine.on("connection", (socket) => socket.on("message", (data) => socket.send(data)));
 * Deno.serve({ port: 3000 }, engine.fetch);
 * ```
 * @module
 */
export * from "./engine.ts";
export { configureLogging } from "./src/_internal/log.ts";
export type { LogLevel, LogRecord, LogSink } from "./src/_internal/log.ts";
