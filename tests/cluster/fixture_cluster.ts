/**
 * The Redis part of the conformance fixture (FIXTURE.md, "Cluster events"): the adapter on two
 * node-redis connections, the cluster events every namespace serves, and the listeners of the
 * server-side events other nodes send.
 */
import type { GatewaySocket, SocketIoServer } from "../../mod.ts";
import type { RedisAdapterFactory, SessionRelay } from "../../redis.ts";

/** The fixture's membership of a Redis cluster. */
export interface RedisCluster {
  /** The adapter factory for `createServer`. */
  readonly adapter: RedisAdapterFactory;
  /** The session relay (no sticky sessions needed), when the fixture was given a node id. */
  readonly relay: SessionRelay | undefined;
  /** Listens to the cluster's server-side events and waits until every namespace subscribed. */
  ready(io: SocketIoServer, port: number): Promise<void>;
  /** Closes both Redis connections (after the server closed). */
  close(): Promise<void>;
}

const NAMESPACES = ["/", "/custom", "/auth"];

/**
 * Connects to Redis and builds the adapter (channel prefix `key`, requestsTimeout 5000), and
 * the session relay when `relayNodeId` is given.
 */
export async function joinRedisCluster(
  url: string,
  key: string,
  relayNodeId?: string,
): Promise<RedisCluster> {
  const { createClient } = await import("redis");
  const { createRedisAdapter, createSessionRelay } = await import("../../redis.ts");
  const pubClient = createClient({ url });
  const subClient = pubClient.duplicate();
  for (const client of [pubClient, subClient]) {
    client.on("error", (error: unknown) => console.error("redis client error:", error));
  }
  await Promise.all([pubClient.connect(), subClient.connect()]);
  const relay = relayNodeId
    ? createSessionRelay(pubClient, subClient, { key, nodeId: relayNodeId })
    : undefined;
  return {
    adapter: createRedisAdapter(pubClient, subClient, { key, requestsTimeout: 5000 }),
    relay,
    async ready(io, port) {
      for (const name of NAMESPACES) {
        const nsp = io.of(name);
        nsp.on("ping-cluster", (...args: unknown[]) => {
          (nsp.local.emit as (event: string, ...args: unknown[]) => boolean)(
            "cluster-ping",
            ...args,
          );
        });
        nsp.on("ping-cluster-ack", (...args: unknown[]) => {
          const callback = args.pop();
          if (typeof callback !== "function") return;
          callback({ port, args, sockets: nsp.sockets.size });
        });
      }
      await Promise.all(NAMESPACES.map((name) => io.of(name).adapter.init()));
      await relay?.ready();
    },
    async close() {
      await relay?.close();
      await Promise.allSettled([pubClient.close(), subClient.close()]);
    },
  };
}

function roomsOf(room: unknown): string | string[] {
  return Array.isArray(room) ? room.map(String) : String(room);
}

/** The cluster events of FIXTURE.md, served on every namespace when REDIS_URL is set. */
export const clusterEvents = {
  async "fetch-sockets"(socket: GatewaySocket, room: unknown) {
    const nsp = socket.nsp;
    try {
      const sockets = room === null || room === undefined
        ? await nsp.fetchSockets()
        : await nsp.in(roomsOf(room)).fetchSockets();
      return sockets.map((found) => ({ id: found.id, rooms: [...found.rooms] }));
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  },
  "sockets-join"(socket: GatewaySocket, room: unknown, target: unknown) {
    const nsp = socket.nsp;
    const targets = roomsOf(target);
    if (room === null || room === undefined) nsp.socketsJoin(targets);
    else nsp.in(roomsOf(room)).socketsJoin(targets);
    return true;
  },
  "server-side-emit"(socket: GatewaySocket, ...args: unknown[]) {
    socket.nsp.serverSideEmit("ping-cluster", ...args);
    return true;
  },
  "server-side-emit-ack"(socket: GatewaySocket, ...args: unknown[]) {
    return new Promise((resolve) => {
      socket.nsp.serverSideEmit(
        "ping-cluster-ack",
        ...args,
        (error: Error | null, responses: unknown[]) =>
          resolve(error ? { error: error.message, responses } : { responses }),
      );
    });
  },
  "count"(socket: GatewaySocket) {
    return socket.nsp.sockets.size;
  },
  "disconnect-room"(socket: GatewaySocket, room: unknown) {
    const nsp = socket.nsp;
    // after the ack is written: the sender may be in the room, and it should still hear
    // `true` first (with Node's Redis adapter the disconnect lands later too)
    queueMicrotask(() => {
      if (room === null || room === undefined) nsp.disconnectSockets();
      else nsp.in(roomsOf(room)).disconnectSockets();
    });
    return true;
  },
};
