/**
 * socket.io's chat demo (examples/chat in socketio/socket.io), its server written for this
 * project: an Express app on a `node:http` server with a socket.io `Server` attached. The page in
 * public/ is socket.io's, unchanged (see LICENSE.md here). Porting it took one line, the import:
 * with `socket.io` installed instead, this file runs on socket.io as it is.
 *
 *   deno task chat:socketio                                    # Deno
 *   bun examples/chat-socketio/main.ts                         # Bun
 *   node --import tsx examples/chat-socketio/main.ts           # Node (through tsx)
 *
 * PORT=8080 to change the port (default 3000; 0: any free port). Open http://127.0.0.1:3000 in
 * two windows and pick nicknames. The page loads jQuery from its CDN, so the browser needs to reach
 * it (tests/browser/chat_socketio_browser_test.ts serves the `jquery` package in its place).
 */
import { createServer } from "node:http";
import process from "node:process";
import { fileURLToPath } from "node:url";
import express from "express";
// import { Server } from "socket.io";
import { Server } from "../../compat.ts";

const app = express();
const server = createServer(app);
const io = new Server(server);

app.use(express.static(fileURLToPath(new URL("./public", import.meta.url))));

/** People who picked a nickname, across every connection. */
let numUsers = 0;

io.on("connection", (socket) => {
  let loggedIn = false;
  let username: string | undefined;

  socket.on("add user", (name: string) => {
    if (loggedIn) return;
    loggedIn = true;
    username = name;
    numUsers += 1;
    socket.emit("login", { numUsers });
    socket.broadcast.emit("user joined", { username, numUsers });
  });

  socket.on("new message", (message: string) => {
    socket.broadcast.emit("new message", { username, message });
  });

  socket.on("typing", () => {
    socket.broadcast.emit("typing", { username });
  });

  socket.on("stop typing", () => {
    socket.broadcast.emit("stop typing", { username });
  });

  socket.on("disconnect", () => {
    if (!loggedIn) return;
    numUsers -= 1;
    socket.broadcast.emit("user left", { username, numUsers });
  });
});

const port = Number(process.env.PORT ?? 3000);
server.listen(port, "127.0.0.1", () => {
  const address = server.address();
  const actual = typeof address === "object" && address ? address.port : port;
  console.log(`listening on http://127.0.0.1:${actual}`);
});
