import type { Namespace } from "../../server/namespace.ts";
import { pubSubOf, type RedisClient } from "./clients.ts";
import { type RedisAdapter, RedisClusterAdapter } from "./redis_adapter.ts";

/** The namespace an adapter is built for, as the server passes it. */
export interface AdapterNamespace {
  /** The namespace name, e.g. "/chat". */
  readonly name: string;
}

/**
 * What `createRedisAdapter` returns, for `createServer({ adapter })`: the server calls it once
 * per namespace with that namespace.
 */
export type RedisAdapterFactory = (nsp: AdapterNamespace) => RedisAdapter;

/** Options of `createRedisAdapter`. */
export interface RedisAdapterOptions {
  /**
   * Prefix of every channel; servers sharing a cluster use the same one. Default
   * "socket.io" (the Node adapter's and emitter's default).
   */
  readonly key?: string;
  /**
   * Milliseconds to wait for the other servers' answers to `fetchSockets`, `allRooms` and
   * `serverSideEmit` with an acknowledgement. Default 5000.
   */
  readonly requestsTimeout?: number;
}

const KNOWN_OPTIONS = new Set(["key", "requestsTimeout"]);

/**
 * Puts the server in a cluster over Redis pub/sub, speaking the protocol of the Node package
 * `@socket.io/redis-adapter` 8 (`createAdapter`): Deno, Bun and Node servers, and
 * `@socket.io/redis-emitter`, can share one cluster. Broadcasts, `fetchSockets`,
 * `socketsJoin`/`socketsLeave`, `disconnectSockets` and `serverSideEmit` reach every server;
 * the `local` flag keeps an operation on this server.
 *
 * Pass two connected clients of `redis` (node-redis v4 or v5) or `ioredis`: one to publish and
 * one that the adapter puts in subscriber mode. They stay yours: the adapter never quits them.
 * Each server needs its own subscriber connection (the cluster counts servers by subscribers).
 *
 * @example
 * ```ts
 * import { createServer } from "@sio/gateway";
 * import { createRedisAdapter } from "@sio/gateway/redis";
 * import { createClient } from "redis";
 *
 * const pubClient = createClient({ url: "redis://127.0.0.1:6379" });
 * const subClient = pubClient.duplicate();
 * await Promise.all([pubClient.connect(), subClient.connect()]);
 *
 * const io = createServer({ adapter: createRedisAdapter(pubClient, subClient) });
 * await io.of("/").adapter.init(); // optional: resolves once subscribed
 * Deno.serve({ port: 3000 }, io.fetch);
 * ```
 */
export function createRedisAdapter(
  pubClient: RedisClient,
  subClient: RedisClient,
  options: RedisAdapterOptions = {},
): RedisAdapterFactory {
  if (pubClient === subClient) {
    throw new TypeError(
      "createRedisAdapter: pubClient and subClient must be two connections " +
        "(e.g. const subClient = pubClient.duplicate())",
    );
  }
  const pub = pubSubOf(pubClient, "pubClient");
  const sub = pubSubOf(subClient, "subClient");
  for (const name of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(name)) {
      throw new TypeError(
        `createRedisAdapter: unknown option "${name}"; expected one of ${
          [...KNOWN_OPTIONS].join(", ")
        }`,
      );
    }
  }
  const key = options.key ?? "socket.io";
  if (typeof key !== "string" || key === "") {
    throw new TypeError('createRedisAdapter: key must be a non-empty string (default "socket.io")');
  }
  const requestsTimeout = options.requestsTimeout ?? 5000;
  if (!Number.isFinite(requestsTimeout) || requestsTimeout <= 0) {
    throw new TypeError("createRedisAdapter: requestsTimeout must be a positive number of ms");
  }
  // the server always passes its Namespace; the public type names only what users can see
  return (nsp) => new RedisClusterAdapter(nsp as Namespace, pub, sub, { key, requestsTimeout });
}
