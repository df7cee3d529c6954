// The ceiling for Node: a raw WebSocket echo on node:http + `ws` (installed by the bench into
// bench/.deps). Every frame comes back to its sender unchanged, except text frames starting
// with "B", whose rest goes to every other open socket (the fan-out ceiling).
//
//   PORT=0 node bench/servers/raw_ws_node.mjs
import { createRequire } from "node:module";
import { createServer } from "node:http";
import process from "node:process";

const require = createRequire(new URL("../.deps/package.json", import.meta.url));
const { WebSocketServer } = require("ws");

const http = createServer((_request, response) => response.end("raw websocket echo"));
const wss = new WebSocketServer({ server: http, perMessageDeflate: false, maxPayload: 1e6 });
wss.on("connection", (socket) => {
  socket.on("error", () => {});
  socket.on("message", (data, isBinary) => {
    if (!isBinary && data[0] === 0x42) {
      const frame = data.subarray(1);
      for (const peer of wss.clients) {
        if (peer !== socket && peer.readyState === 1) peer.send(frame, { binary: false });
      }
    } else {
      socket.send(data, { binary: isBinary });
    }
  });
});
http.listen(Number(process.env.PORT ?? 3000), "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${http.address().port}`);
});
