/**
 * The Socket.IO Admin UI for sio-gateway: `instrument(io, options)` speaks the protocol of the
 * `@socket.io/admin-ui` 0.5 page (https://admin.socket.io, or its `ui/dist` served by you) on
 * an admin namespace, on Deno, Bun and Node, for `createServer` and the compat `Server`, and
 * across a Redis cluster.
 *
 * @example
 * ```ts
 * import { createServer } from "@sio/gateway";
 * import { instrument } from "@sio/gateway/admin";
 *
 * const io = createServer({ cors: { origin: "https://admin.socket.io", credentials: true } });
 * instrument(io, {
 *   auth: { type: "basic", username: "admin", password: "$2b$10$..." }, // a bcrypt hash
 * });
 * Deno.serve({ port: 3000 }, io.fetch);
 * ```
 * @module
 */
export { instrument } from "./src/admin/instrument.ts";
export type { AdminInstrumentation, InstrumentedServer } from "./src/admin/instrument.ts";
export type { AdminMode, AdminOptions, BasicAuthentication } from "./src/admin/options.ts";
export { inMemorySessionStore } from "./src/admin/session_store.ts";
export type { AdminSessionStore } from "./src/admin/session_store.ts";
export type {
  AdminFeature,
  AggregatedEvent,
  NamespaceDetails,
  SerializedSocket,
  ServerStats,
} from "./src/admin/protocol.ts";

// The types the public API above refers to: the main entry's.
export type * from "./mod.ts";
