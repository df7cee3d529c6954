/**
 * An in-process test client for your gateways: `createTestClient(io)` connects to a server
 * made by `createServer` through an in-memory Engine.IO connection, so a test opens no port
 * and runs in milliseconds, while the server handles it exactly as a real client (sessions,
 * heartbeat, namespaces, middlewares, gateway hooks and handlers, binary attachments).
 *
 * The client speaks like socket.io-client (`on`, `emit`, `emitWithAck`, `disconnect`), and
 * adds bounded waits for tests: `waitFor(event)` resolves with an event's arguments, even one
 * that arrived before the call (such as what a connect hook emits).
 *
 * @example
 * ```ts
 * // chat_test.ts — run with `deno test` (or `bun test`)
 * import { test } from "node:test";
 * import assert from "node:assert/strict";
 * import { createServer, defineGateway } from "@sio/gateway";
 * import { createTestClient } from "@sio/gateway/testing";
 *
 * const chat = defineGateway({
 *   namespace: "/chat",
 *   connect(socket, auth) {
 *     if (auth.token !== "secret") throw new Error("unauthorized");
 *     socket.join("lobby");
 *     socket.emit("welcome", "hello");
 *   },
 *   events: {
 *     "chat:message"(socket, msg: { text: string }) {
 *       socket.to("lobby").emit("chat:message", msg);
 *       return { ok: true };
 *     },
 *   },
 * });
 *
 * test("messages reach the lobby", async () => {
 *   const io = createServer({ gateways: [chat] });
 *   const alice = await createTestClient(io, { namespace: "/chat", auth: { token: "secret" } });
 *   const bob = await createTestClient(io, { namespace: "/chat", auth: { token: "secret" } });
 *   assert.deepEqual(await alice.waitFor("welcome"), ["hello"]);
 *
 *   assert.deepEqual(await alice.emitWithAck("chat:message", { text: "hi" }), { ok: true });
 *   const [msg] = await bob.waitFor("chat:message", { timeout: 1000 });
 *   assert.deepEqual(msg, { text: "hi" });
 *
 *   await assert.rejects(
 *     createTestClient(io, { namespace: "/chat", auth: { token: "wrong" } }),
 *     { message: "unauthorized" },
 *   );
 *   await io.close(); // closes every client too
 * });
 * ```
 * @module
 */
export { createTestClient } from "./src/testing/create_test_client.ts";
export type { TestableServer, TestClientOptions } from "./src/testing/create_test_client.ts";
export type { TestClient, TestManager } from "./src/testing/test_client.ts";
export { ConnectError } from "./src/testing/types.ts";
export type {
  AckResult,
  TestDisconnectReason,
  TestListener,
  TestSocketOptions,
  WaitOptions,
} from "./src/testing/types.ts";
export type {
  DefaultEventsMap,
  EventNames,
  EventParams,
  EventsMap,
  ListenerArgs,
  ListenerResult,
} from "./src/server/events.ts";
