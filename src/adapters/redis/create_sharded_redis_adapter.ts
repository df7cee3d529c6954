import type { Namespace } from "../../server/namespace.ts";
import type { ClusterAdapter } from "../cluster/cluster_adapter.ts";
import { pubSubOf, type RedisClient } from "./clients.ts";
import type { AdapterNamespace } from "./create_redis_adapter.ts";
import { ShardedRedisAdapter, type SubscriptionMode } from "./sharded_adapter.ts";

/** Options of `createShardedRedisAdapter` (the Node adapter's names and defaults). */
export interface ShardedRedisAdapterOptions {
  /** Prefix of every channel (`<prefix>#<nsp>#`). Default "socket.io". */
  readonly channelPrefix?: string;
  /**
   * "static": two channels per namespace; "dynamic" (default): also one per public room, so a
   * broadcast to one room reaches only the servers that have it; "dynamic-private": one per
   * room, socket-id rooms too.
   */
  readonly subscriptionMode?: SubscriptionMode;
  /** Ms to wait for the other servers' answers (fetchSockets, serverSideEmit). Default 5000. */
  readonly requestsTimeout?: number;
}

/** What `createShardedRedisAdapter` returns, for `createServer({ adapter })`. */
export type ShardedRedisAdapterFactory = (nsp: AdapterNamespace) => ClusterAdapter;

const MODES: readonly SubscriptionMode[] = ["static", "dynamic", "dynamic-private"];
const KNOWN_OPTIONS = new Set(["channelPrefix", "subscriptionMode", "requestsTimeout"]);

/**
 * Puts the server in a cluster over Redis 7 sharded pub/sub (SPUBLISH/SSUBSCRIBE), speaking
 * the protocol of `createShardedAdapter` of the Node package `@socket.io/redis-adapter` 8.3,
 * so Deno, Bun and Node servers share one cluster, on a Redis Cluster or a single Redis 7.
 * Broadcasts, `fetchSockets`, `socketsJoin`/`socketsLeave`, `disconnectSockets`,
 * `serverSideEmit` and broadcasts with acknowledgements reach every server.
 *
 * Pass two connected clients of `redis` (node-redis 4.6+ or 5: `createClient` or
 * `createCluster`) or `ioredis` 5.3+ (a single Redis): one publishes, the other subscribes.
 * They stay yours: the adapter never quits them.
 *
 * @example
 * ```ts
 * import { createServer } from "@sio/gateway";
 * import { createShardedRedisAdapter } from "@sio/gateway/redis";
 * import { createCluster } from "redis";
 *
 * const pubClient = createCluster({ rootNodes: [{ url: "redis://127.0.0.1:7000" }] });
 * const subClient = pubClient.duplicate();
 * await Promise.all([pubClient.connect(), subClient.connect()]);
 *
 * const io = createServer({ adapter: createShardedRedisAdapter(pubClient, subClient) });
 * await io.of("/").adapter.init(); // optional: subscribed before taking traffic
 * Deno.serve({ port: 3000 }, io.fetch);
 * ```
 */
export function createShardedRedisAdapter(
  pubClient: RedisClient | object,
  subClient: RedisClient | object,
  options: ShardedRedisAdapterOptions = {},
): ShardedRedisAdapterFactory {
  if (pubClient === subClient) {
    throw new TypeError(
      "createShardedRedisAdapter: pubClient and subClient must be two connections " +
        "(e.g. const subClient = pubClient.duplicate())",
    );
  }
  const pub = pubSubOf(pubClient as RedisClient, "pubClient");
  const sub = pubSubOf(subClient as RedisClient, "subClient");
  for (const name of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(name)) {
      throw new TypeError(
        `createShardedRedisAdapter: unknown option "${name}"; expected one of ${
          [...KNOWN_OPTIONS].join(", ")
        }`,
      );
    }
  }
  const channelPrefix = options.channelPrefix ?? "socket.io";
  if (typeof channelPrefix !== "string" || channelPrefix === "") {
    throw new TypeError("createShardedRedisAdapter: channelPrefix must be a non-empty string");
  }
  const subscriptionMode = options.subscriptionMode ?? "dynamic";
  if (!MODES.includes(subscriptionMode)) {
    throw new TypeError(
      `createShardedRedisAdapter: subscriptionMode must be one of ${MODES.join(", ")}`,
    );
  }
  const requestsTimeout = options.requestsTimeout ?? 5000;
  if (!Number.isFinite(requestsTimeout) || requestsTimeout <= 0) {
    throw new TypeError("createShardedRedisAdapter: requestsTimeout must be a positive number");
  }
  const resolved = { channelPrefix, subscriptionMode, requestsTimeout };
  // the server always passes its Namespace; the public type names only what users can see
  return (nsp) => new ShardedRedisAdapter(nsp as Namespace, pub, sub, resolved);
}
