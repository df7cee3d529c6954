// A Node socket.io 4.8 server with the official @socket.io/redis-adapter 8.3 (classic
// pub/sub), serving FIXTURE.md's events and cluster events on /, /custom and /auth, so that
// cluster tests can mix it with our Deno and Bun fixtures. Environment: CLUSTER_DEPS (folder
// whose node_modules holds socket.io, @socket.io/redis-adapter and redis), REDIS_URL,
// REDIS_KEY (default "socket.io"), PORT (0: any). Prints "listening on http://127.0.0.1:PORT".
// One extra event for the tests: `node-broadcast-ack` (timeoutMs, ...args, ack) broadcasts
// `question` (...args) to every socket of the namespace with acknowledgements and acks
// { responses } or { error, responses }.
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(join(process.env.CLUSTER_DEPS, "package.json"));
const { Server } = require("socket.io");
const { createAdapter } = require("@socket.io/redis-adapter");
const { createClient } = require("redis");

const key = process.env.REDIS_KEY || "socket.io";
const pubClient = createClient({ url: process.env.REDIS_URL });
const subClient = pubClient.duplicate();
pubClient.on("error", (error) => console.error("redis error", error));
subClient.on("error", (error) => console.error("redis error", error));
await Promise.all([pubClient.connect(), subClient.connect()]);

const httpServer = createServer();
const io = new Server(httpServer, {
  adapter: createAdapter(pubClient, subClient, { key, requestsTimeout: 5000 }),
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

// the adapters subscribed when their namespaces were created; a later command on the same
// connection answers only after those subscriptions did
await subClient.subscribe(`${key}-node-ready`, () => {});

httpServer.listen(Number(process.env.PORT || 0), "127.0.0.1", () => {
  port = httpServer.address().port;
  console.log(`listening on http://127.0.0.1:${port}`);
});
