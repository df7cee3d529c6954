/**
 * Serves sio-gateway on Node.js through `@hono/node-server`, WebSocket upgrades included.
 *
 * @example
 * ```ts
 * import { createEngineServer } from "@sio/gateway/engine";
 * import { serve } from "@sio/gateway/node";
 *
 * const engine = createEngineServer();
 * const server = await serve(engine, { port: 3000 });
 * console.log(`listening on ${server.port}`);
 * ```
 * @module
 */
export { serve } from "./src/runtime/node.ts";
export type { NodeServeOptions, NodeServer, Servable } from "./src/runtime/node.ts";
