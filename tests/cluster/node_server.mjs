// A Node socket.io 4.8 server with the official @socket.io/redis-adapter 8.3 (classic
// pub/sub), serving FIXTURE.md's events and cluster events on /, /custom and /auth, so that
// cluster tests can mix it with our Deno and Bun fixtures. Environment: CLUSTER_DEPS (folder
// whose node_modules holds socket.io, @socket.io/redis-adapter and redis), REDIS_URL,
// REDIS_KEY (default "socket.io"), PORT (0: any). Prints "listening on http://127.0.0.1:PORT".
// ADAPTER picks the official adapter: "redis" (default), "streams"
// (@socket.io/redis-streams-adapter 0.3, stream REDIS_KEY, channel prefix REDIS_KEY, session
// prefix REDIS_KEY:session:) or "sharded" (createShardedAdapter on the Redis Cluster whose
// nodes REDIS_CLUSTER_NODES lists, "host:port,host:port"; SUBSCRIPTION_MODE). RECOVERY=1
// turns connection state recovery on.
// Extra events for the tests: `node-broadcast-ack` (timeoutMs, ...args, ack) broadcasts
// `question` (...args) to every socket of the namespace with acknowledgements and acks
// { responses } or { error, responses }; `recovery-info` acks { pid, recovered }.
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(join(process.env.CLUSTER_DEPS, "package.json"));
const { Server } = require("socket.io");
const { createClient, createCluster } = require("redis");

const key = process.env.REDIS_KEY || "socket.io";
const kind = process.env.ADAPTER || "redis";
const clients = [];
const track = (client) => {
  client.on("error", (error) => console.error("redis error", error));
  clients.push(client);
  return client;
};

async function makeAdapter() {
  if (kind === "streams") {
    const { createAdapter } = require("@socket.io/redis-streams-adapter");
    const client = track(createClient({ url: process.env.REDIS_URL }));
    await client.connect();
    return createAdapter(client, {
      streamName: key,
      channelPrefix: key,
      sessionKeyPrefix: `${key}:session:`,
      blockTimeInMs: 1000,
    });
  }
  if (kind === "sharded") {
    const { createShardedAdapter } = require("@socket.io/redis-adapter");
    const rootNodes = process.env.REDIS_CLUSTER_NODES.split(",").map((node) => ({
      url: `redis://${node}`,
    }));
    const pubClient = track(createCluster({ rootNodes }));
    const subClient = track(pubClient.duplicate());
    await Promise.all([pubClient.connect(), subClient.connect()]);
    return createShardedAdapter(pubClient, subClient, {
      channelPrefix: key,
      subscriptionMode: process.env.SUBSCRIPTION_MODE || "dynamic",
    });
  }
  const { createAdapter } = require("@socket.io/redis-adapter");
  const pubClient = track(createClient({ url: process.env.REDIS_URL }));
  const subClient = track(pubClient.duplicate());
  await Promise.all([pubClient.connect(), subClient.connect()]);
  return createAdapter(pubClient, subClient, { key, requestsTimeout: 5000 });
}

const httpServer = createServer();
const io = new Server(httpServer, {
  adapter: await makeAdapter(),
  connectionStateRecovery: process.env.RECOVERY === "1"
    ? { maxDisconnectionDuration: 60_000, skipMiddlewares: true }
    : undefined,
  pingInterval: 300,
  pingTimeout: 200,
  connectTimeout: 1000,
  cors: { origin: true, credentials: true },
});
let port = 0;

const roomsOf = (room) => Array.isArray(room) ? room.map(String) : String(room);
const withAck = (args) => {
  const ack = typeof args[args.length - 1] === "function" ? args.pop() : undefined;
  return [args, ack];
};

function serve(nsp) {
  nsp.on("ping-cluster", (...args) => nsp.local.emit("cluster-ping", ...args));
  nsp.on("ping-cluster-ack", (...args) => {
    const callback = args.pop();
    callback({ port, args, sockets: nsp.sockets.size });
  });
  nsp.on("connection", (socket) => {
    if (nsp.name !== "/auth") socket.emit("auth", socket.handshake.auth);
    socket.on("message", (...args) => socket.emit("message-back", ...args));
    socket.on("echo", (...all) => {
      const [args, ack] = withAck(all);
      if (ack) ack(...args);
      else socket.emit("echo", ...args);
    });
    socket.on(
      "whoami",
      (ack) =>
        ack({
          id: socket.id,
          nsp: nsp.name,
          rooms: [...socket.rooms],
          auth: socket.handshake.auth,
        }),
    );
    socket.on("join", (room, ack) => {
      socket.join(String(room));
      ack?.(true);
    });
    socket.on("leave", (room, ack) => {
      socket.leave(String(room));
      ack?.(true);
    });
    socket.on("broadcast-room", (room, ...args) => nsp.to(String(room)).emit("broadcast", ...args));
    socket.on("broadcast-all", (...args) => socket.broadcast.emit("broadcast", ...args));
    socket.on("fetch-sockets", async (room, ack) => {
      try {
        const target = room === null || room === undefined ? nsp : nsp.in(roomsOf(room));
        const sockets = await target.fetchSockets();
        ack(sockets.map((found) => ({ id: found.id, rooms: [...found.rooms] })));
      } catch (error) {
        ack({ error: error.message });
      }
    });
    socket.on("sockets-join", (room, target, ack) => {
      if (room === null || room === undefined) nsp.socketsJoin(roomsOf(target));
      else nsp.in(roomsOf(room)).socketsJoin(roomsOf(target));
      ack?.(true);
    });
    socket.on("server-side-emit", (...all) => {
      const [args, ack] = withAck(all);
      nsp.serverSideEmit("ping-cluster", ...args);
      ack?.(true);
    });
    socket.on("server-side-emit-ack", (...all) => {
      const [args, ack] = withAck(all);
      nsp.serverSideEmit("ping-cluster-ack", ...args, (error, responses) => {
        ack?.(error ? { error: error.message, responses } : { responses });
      });
    });
    socket.on("count", (ack) => ack(nsp.sockets.size));
    socket.on("recovery-info", (ack) => ack({ pid: socket.pid, recovered: socket.recovered }));
    socket.on("emit-self", (...args) => socket.emit("self", ...args));
    socket.on(
      "broadcast-binary",
      (room) => nsp.to(String(room)).emit("binary", Buffer.from([1, 2, 3])),
    );
    socket.on("sockets-leave", (room, target, ack) => {
      nsp.in(roomsOf(room)).socketsLeave(roomsOf(target));
      ack?.(true);
    });
    socket.on(
      "broadcast-except",
      (room, except) => nsp.to(String(room)).except(String(except)).emit("broadcast", "except"),
    );
    socket.on("disconnect-room", (room, ack) => {
      if (room === null || room === undefined) nsp.disconnectSockets();
      else nsp.in(roomsOf(room)).disconnectSockets();
      ack?.(true);
    });
    socket.on("node-broadcast-ack", (timeout, ...all) => {
      const [args, ack] = withAck(all);
      nsp.timeout(Number(timeout)).emit("question", ...args, (error, responses) => {
        ack?.(error ? { error: error.message, responses } : { responses });
      });
    });
  });
}

serve(io.of("/"));
serve(io.of("/custom"));
const auth = io.of("/auth");
auth.use((socket, next) =>
  socket.handshake.auth?.token === "secret" ? next() : next(new Error("unauthorized"))
);
serve(auth);

// the adapters subscribe when their namespaces are created; give them a moment (the streams
// adapter reads from "$", so entries added before its first XREAD are not seen)
await new Promise((resolve) => setTimeout(resolve, kind === "redis" ? 50 : 500));
if (kind === "redis") {
  // a later command on the subscriber answers only after the adapters' subscriptions did
  await clients[1].subscribe(`${key}-node-ready`, () => {});
}

httpServer.listen(Number(process.env.PORT || 0), "127.0.0.1", () => {
  port = httpServer.address().port;
  console.log(`listening on http://127.0.0.1:${port}`);
});
