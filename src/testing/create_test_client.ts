import { type Engine, EngineServer } from "../engine/server.ts";
import type { HandshakeInfo } from "../engine/handshake_info.ts";
import type { DefaultEventsMap, EventsMap } from "../server/events.ts";
import { codecOf } from "../server/server.ts";
import { MemoryManager } from "./manager.ts";
import type { TestClient } from "./test_client.ts";

/**
 * What {@linkcode createTestClient} connects to: the server `createServer` returned (any
 * other object is refused).
 *
 * @example
 * ```ts
 * import { createServer } from "@sio/gateway";
 * import type { TestableServer } from "@sio/gateway/testing";
 * const io: TestableServer = createServer();
 * ```
 */
export interface TestableServer {
  /** The endpoint path, recorded in the handshake URL. */
  readonly path: string;
  /** The Engine.IO layer the in-memory connections open sessions on. */
  readonly engine: Engine;
}

/**
 * Options of {@linkcode createTestClient}: the namespace and auth of the first connection,
 * and what the handshake "request" carries.
 *
 * @example
 * ```ts
 * import type { TestClientOptions } from "@sio/gateway/testing";
 * const options: TestClientOptions = {
 *   namespace: "/chat",
 *   auth: { token: "secret" },
 *   headers: { "user-agent": "my-test" },
 *   query: { room: "lobby" },
 * };
 * ```
 */
export interface TestClientOptions {
  /** The namespace to connect. Default "/". */
  readonly namespace?: string;
  /** The CONNECT payload, which a gateway's `connect(socket, auth)` receives. Default `{}`. */
  readonly auth?: Record<string, unknown>;
  /** Headers of the handshake, in `socket.handshake.headers`. */
  readonly headers?: HeadersInit;
  /** Query parameters of the handshake, in `socket.handshake.query` (beside `EIO` and `transport`). */
  readonly query?: Record<string, string> | URLSearchParams | string;
  /** The client's address, `socket.handshake.address`. Default "127.0.0.1". */
  readonly address?: string;
  /** What Hono middlewares would have set (`c.set`), in `socket.handshake.vars`. */
  readonly vars?: Readonly<Record<string, unknown>>;
  /**
   * Milliseconds the connection, each `emitWithAck` and each `waitFor` may take before they
   * reject, so a test fails with a message instead of hanging. Default 2000.
   */
  readonly timeout?: number;
}

const KNOWN_OPTIONS = new Set([
  "namespace",
  "auth",
  "headers",
  "query",
  "address",
  "vars",
  "timeout",
]);
const DEFAULT_TIMEOUT = 2000;

/**
 * Connects an in-memory client to a server made by `createServer`, for tests: no port, no
 * HTTP, no real time spent. The connection is opened the way the HTTP layer opens one after a
 * handshake, so the Engine.IO session (heartbeat included), the namespaces, the middlewares
 * and the gateways all run as for a real client; only the HTTP-level checks (`allowRequest`,
 * CORS) are not involved. Packets are encoded with the Socket.IO codec both ways (binary
 * attachments as `Uint8Array`), and delivered asynchronously, as over a socket.
 *
 * Resolves once the namespace accepted the connection; rejects with a `ConnectError` (the
 * server's message and `data`) if it refused, or after `timeout`. Close the client (or the
 * server) at the end of the test: an open connection keeps the server's heartbeat timer.
 *
 * @example
 * ```ts
 * import { createServer, defineGateway } from "@sio/gateway";
 * import { createTestClient } from "@sio/gateway/testing";
 *
 * const chat = defineGateway({
 *   namespace: "/chat",
 *   connect(socket, auth) {
 *     if (auth.token !== "secret") throw new Error("unauthorized");
 *   },
 *   events: { "chat:message": (_socket, msg: { text: string }) => ({ ok: msg.text !== "" }) },
 * });
 * const io = createServer({ gateways: [chat] });
 * const client = await createTestClient(io, { namespace: "/chat", auth: { token: "secret" } });
 * await client.emitWithAck("chat:message", { text: "hi" }); // { ok: true }
 * await client.close();
 * ```
 */
export async function createTestClient<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = DefaultEventsMap,
>(
  io: TestableServer,
  options: TestClientOptions = {},
): Promise<TestClient<ListenEvents, EmitEvents>> {
  checkOptions(options);
  const engine = io?.engine;
  if (!(engine instanceof EngineServer)) {
    throw new TypeError(
      "createTestClient: pass the server createServer() returned, e.g. createTestClient(io)",
    );
  }
  const manager = new MemoryManager(engine, handshakeInfo(io.path, options), codecOf(engine), {
    auth: {},
    timeout: options.timeout ?? DEFAULT_TIMEOUT,
  });
  const socket = manager.socket<ListenEvents, EmitEvents>(options.namespace ?? "/", {
    auth: options.auth,
  });
  try {
    return await socket.connect();
  } catch (error) {
    await manager.close();
    throw error;
  }
}

/** What the handshake request of an in-memory client carries, as the HTTP layer records it. */
function handshakeInfo(path: string, options: TestClientOptions): HandshakeInfo {
  const query = new URLSearchParams(options.query);
  query.set("EIO", "4");
  query.set("transport", "websocket");
  return {
    headers: new Headers(options.headers),
    query,
    url: `${path}?${query}`,
    remoteAddress: options.address ?? "127.0.0.1",
    secure: false,
    issued: Date.now(),
    vars: options.vars,
  };
}

function checkOptions(options: TestClientOptions): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError('createTestClient: options must be an object, e.g. { namespace: "/" }');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw new TypeError(
        `createTestClient: unknown option "${key}"; expected one of ${
          [...KNOWN_OPTIONS].join(", ")
        }`,
      );
    }
  }
  const { timeout, namespace } = options;
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) {
    throw new TypeError(
      `createTestClient: timeout must be a positive number of ms, got ${timeout}`,
    );
  }
  if (namespace !== undefined && typeof namespace !== "string") {
    throw new TypeError('createTestClient: namespace must be a string, e.g. "/chat"');
  }
}
