/**
 * A Redis adapter for clusters of sio-gateway servers (Deno, Bun, Node), wire-compatible with
 * the Node package `@socket.io/redis-adapter` 8 (classic pub/sub) and with
 * `@socket.io/redis-emitter`: broadcasts, `fetchSockets`, `socketsJoin`, `socketsLeave`,
 * `disconnectSockets` and `serverSideEmit` reach every server of the cluster. With
 * `createSessionRelay`, the cluster needs no sticky sessions: any node takes any request.
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
 * Deno.serve({ port: 3000 }, io.fetch);
 * ```
 * @module
 */
export { createRedisAdapter } from "./src/adapters/redis/create_redis_adapter.ts";
export { createSessionRelay } from "./src/cluster/create_session_relay.ts";
export type { SessionRelay, SessionRelayOptions } from "./src/cluster/create_session_relay.ts";
export type { BoundRelay, HeaderList, RelayAnswer, RelayHost } from "./src/http/relay.ts";
export type { RuntimeBinding } from "./src/runtime/binding.ts";
export type { RedisAdapterOptions } from "./src/adapters/redis/create_redis_adapter.ts";
export { createRedisStreamsAdapter } from "./src/adapters/redis_streams/create_redis_streams_adapter.ts";
export type {
  RedisStreamsAdapterFactory,
  RedisStreamsAdapterOptions,
} from "./src/adapters/redis_streams/create_redis_streams_adapter.ts";
export { createShardedRedisAdapter } from "./src/adapters/redis/create_sharded_redis_adapter.ts";
export type {
  ShardedRedisAdapterFactory,
  ShardedRedisAdapterOptions,
} from "./src/adapters/redis/create_sharded_redis_adapter.ts";
export type { SubscriptionMode } from "./src/adapters/redis/sharded_adapter.ts";
export type { ClusterAdapter } from "./src/adapters/cluster/cluster_adapter.ts";
export type { RedisAdapter } from "./src/adapters/redis/redis_adapter.ts";
export type { RemoteSocket } from "./src/adapters/redis/remote_socket.ts";
export type { IoRedisClient, NodeRedisClient, RedisClient } from "./src/adapters/redis/clients.ts";
export type {
  AdapterNamespace,
  RedisAdapterFactory,
} from "./src/adapters/redis/create_redis_adapter.ts";
export type { RawListener } from "./src/adapters/redis/clients.ts";
export type { Adapter, RemoteSocketLike } from "./src/server/adapter.ts";
export type { BroadcastFlags, BroadcastOptions, Room, SocketId } from "./src/server/types.ts";
export type { SocketPacket, SocketPacketType } from "./src/parser/packet.ts";
