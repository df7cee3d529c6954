import type { Namespace } from "../../server/namespace.ts";
import type { ClusterAdapter } from "../cluster/cluster_adapter.ts";
import { pubSubOf, type RedisClient } from "../redis/clients.ts";
import type { AdapterNamespace } from "../redis/create_redis_adapter.ts";
import { duplicateConnection } from "./connections.ts";
import { RedisStreamsAdapter, type ResolvedStreamsOptions } from "./redis_streams_adapter.ts";
import { createStreamsHub } from "./streams_hub.ts";

/** Options of `createRedisStreamsAdapter` (the Node package's names and defaults). */
export interface RedisStreamsAdapterOptions {
  /** Name of the stream. Default "socket.io". */
  readonly streamName?: string;
  /**
   * How many streams the namespaces are spread over (`<streamName>-<i>`, by a hash of the
   * namespace name), each read on its own connection. Default 1.
   */
  readonly streamCount?: number;
  /** Prefix of the pub/sub channels (`<prefix>#<nsp>#`). Default "socket.io". */
  readonly channelPrefix?: string;
  /** SPUBLISH/SSUBSCRIBE (Redis 7 sharded pub/sub) instead of PUBLISH/SUBSCRIBE. Default false. */
  readonly useShardedPubSub?: boolean;
  /** Approximate most entries kept in the stream (`XADD MAXLEN ~`). Default 10000. */
  readonly maxLen?: number;
  /** Most entries per XREAD. Default 100. */
  readonly readCount?: number;
  /** Ms an XREAD blocks waiting for entries. Default 5000. */
  readonly blockTimeInMs?: number;
  /** Prefix of the keys of disconnected sessions. Default "sio:session:". */
  readonly sessionKeyPrefix?: string;
  /** Writes binary data as JSON rather than MessagePack. Default false. */
  readonly onlyPlaintext?: boolean;
  /** Accepted for the Node package's sake; unused (servers are counted by subscribers). */
  readonly heartbeatInterval?: number;
  /** Accepted for the Node package's sake; unused. */
  readonly heartbeatTimeout?: number;
  /** Ms to wait for the other servers' answers (fetchSockets, serverSideEmit). Default 5000. */
  readonly requestsTimeout?: number;
}

/** What `createRedisStreamsAdapter` returns, for `createServer({ adapter })`. */
export type RedisStreamsAdapterFactory = (nsp: AdapterNamespace) => ClusterAdapter;

const DEFAULTS: ResolvedStreamsOptions = {
  streamName: "socket.io",
  streamCount: 1,
  channelPrefix: "socket.io",
  useShardedPubSub: false,
  maxLen: 10_000,
  readCount: 100,
  blockTimeInMs: 5000,
  sessionKeyPrefix: "sio:session:",
  onlyPlaintext: false,
  requestsTimeout: 5000,
};

const POSITIVE = ["streamCount", "maxLen", "readCount", "blockTimeInMs", "requestsTimeout"];
const TEXT = ["streamName", "channelPrefix", "sessionKeyPrefix"];
const FLAGS = ["useShardedPubSub", "onlyPlaintext"];
const IGNORED = ["heartbeatInterval", "heartbeatTimeout"];

/**
 * Puts the server in a cluster over a Redis stream, speaking the protocol of the Node package
 * `@socket.io/redis-streams-adapter` 0.3: Deno, Bun and Node servers share one cluster.
 * Broadcasts, joins, leaves and disconnections go through the stream (XADD, read by every
 * server with XREAD BLOCK), so a server that lost Redis for a moment catches up; requests
 * that expect answers (`fetchSockets`, `serverSideEmit` with an acknowledgement, broadcasts
 * with acknowledgements) go over pub/sub. With `connectionStateRecovery`, sessions are kept
 * in Redis and missed events are read back from the stream, so a client recovers on any
 * server of the cluster, Node's included.
 *
 * Pass one connected client of `redis` (node-redis v4 or v5) or `ioredis`: it stays yours.
 * The adapter opens its own duplicates of it (one reading the stream, one subscriber) and
 * closes them when the last namespace's adapter closes.
 *
 * @example
 * ```ts
 * import { createServer } from "@sio/gateway";
 * import { createRedisStreamsAdapter } from "@sio/gateway/redis";
 * import { createClient } from "redis";
 *
 * const client = createClient({ url: "redis://127.0.0.1:6379" });
 * await client.connect();
 *
 * const io = createServer({
 *   adapter: createRedisStreamsAdapter(client),
 *   connectionStateRecovery: {},
 * });
 * await io.of("/").adapter.init(); // optional: reading the stream before taking traffic
 * Deno.serve({ port: 3000 }, io.fetch);
 * ```
 */
export function createRedisStreamsAdapter(
  client: RedisClient,
  options: RedisStreamsAdapterOptions = {},
): RedisStreamsAdapterFactory {
  const main = pubSubOf(client, "client");
  const resolved = resolveOptions(options);
  const hub = createStreamsHub(
    main,
    () => duplicateConnection(client, "createRedisStreamsAdapter"),
    resolved,
  );
  // the server always passes its Namespace; the public type names only what users can see
  return (nsp) => new RedisStreamsAdapter(nsp as Namespace, hub, resolved);
}

function resolveOptions(options: RedisStreamsAdapterOptions): ResolvedStreamsOptions {
  const resolved: Record<string, unknown> = { ...DEFAULTS };
  const known = [...POSITIVE, ...TEXT, ...FLAGS, ...IGNORED];
  for (const [name, value] of Object.entries(options)) {
    if (!known.includes(name)) {
      throw new TypeError(
        `createRedisStreamsAdapter: unknown option "${name}"; expected one of ${known.join(", ")}`,
      );
    }
    if (value === undefined || IGNORED.includes(name)) continue;
    const valid = POSITIVE.includes(name)
      ? typeof value === "number" && Number.isInteger(value) && value > 0
      : TEXT.includes(name)
      ? typeof value === "string" && value !== ""
      : typeof value === "boolean";
    if (!valid) {
      const expected = POSITIVE.includes(name)
        ? "a positive integer"
        : TEXT.includes(name)
        ? "a non-empty string"
        : "a boolean";
      throw new TypeError(`createRedisStreamsAdapter: ${name} must be ${expected}`);
    }
    resolved[name] = value;
  }
  return resolved as unknown as ResolvedStreamsOptions;
}
