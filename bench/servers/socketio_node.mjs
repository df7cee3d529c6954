// The reference server for the bench: Node socket.io 4.8 (installed by the bench into
// bench/.deps), with the events of the conformance fixture that the scenarios use.
//
//   node bench/servers/socketio_node.mjs        (PORT=0 picks a free port)
//   bun bench/servers/socketio_node.mjs --bun-engine   (the same on Bun, @socket.io/bun-engine)
import { createRequire } from "node:module";
import { createServer } from "node:http";
import process from "node:process";
import { registerEvents } from "./socketio_events.mjs";

const require = createRequire(new URL("../.deps/package.json", import.meta.url));
const { Server } = require("socket.io");

const port = Number(process.env.PORT ?? 3000);
const options = {
  pingInterval: Number(process.env.PING_INTERVAL ?? 25000),
  pingTimeout: Number(process.env.PING_TIMEOUT ?? 20000),
  connectTimeout: Number(process.env.CONNECT_TIMEOUT ?? 45000),
  maxHttpBufferSize: Number(process.env.MAX_PAYLOAD ?? 1e6),
  // As the fixture: reflect the request's origin, with credentials.
  cors: { origin: true, credentials: true },
};

if (process.argv.includes("--bun-engine")) {
  const { Server: BunEngine } = require("@socket.io/bun-engine");
  const io = new Server(options);
  const engine = new BunEngine({ path: "/socket.io/", ...options });
  io.bind(engine);
  registerEvents(io);
  const server = globalThis.Bun.serve({ port, hostname: "127.0.0.1", ...engine.handler() });
  console.log(`listening on http://127.0.0.1:${server.port}`);
} else {
  const http = createServer();
  const io = new Server(http, options);
  registerEvents(io);
  http.listen(port, "127.0.0.1", () => {
    console.log(`listening on http://127.0.0.1:${http.address().port}`);
  });
}
