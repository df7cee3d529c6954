// A small HTTP + WebSocket load balancer for the sticky-free cluster test, run by Node.
// BACKENDS="port,port,...": every request (and every WebSocket upgrade) goes to the next
// backend in turn, with no affinity. With AFFINITY="sid" and NODE_IDS="id,id,..." (one per
// backend), a request that carries a sid goes to the backend of the node its sid names (a
// sticky balancer), handshakes still in turn. A backend that refuses connections is taken out
// and the request goes to the next one; POST /__proxy/drain?port=N takes one out of rotation
// (requests and WebSockets under way carry on), as a balancer does before a node stops.
// GET /__proxy reports the WebSocket upgrades (sid → backend port) and the requests per backend.
import http from "node:http";
import net from "node:net";

const backends = process.env.BACKENDS.split(",").map(Number);
const nodeIds = (process.env.NODE_IDS ?? "").split(",");
const sticky = process.env.AFFINITY === "sid";
const down = new Set();
const upgrades = [];
const requests = Object.fromEntries(backends.map((port) => [port, 0]));
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
let next = 0;

function sidOf(url) {
  return new URL(url, "http://proxy").searchParams.get("sid");
}

function pick(url) {
  const sid = sidOf(url);
  if (sticky && sid) {
    const port = backends[nodeIds.indexOf(sid.slice(0, sid.indexOf(".")))];
    if (port !== undefined && !down.has(port)) return port;
  }
  for (let tries = 0; tries < backends.length; tries++) {
    const port = backends[next++ % backends.length];
    if (!down.has(port)) return port;
  }
  return undefined;
}

function refusedConnection(error) {
  return error.code === "ECONNREFUSED" || error.code === "ECONNRESET";
}

function forward(req, res, body, attempt) {
  const port = pick(req.url);
  if (port === undefined || attempt > backends.length) {
    res.writeHead(502).end();
    return;
  }
  requests[port]++;
  let answered = false;
  const upstream = http.request({
    host: "127.0.0.1",
    port,
    method: req.method,
    path: req.url,
    headers: req.headers,
    agent,
  }, (response) => {
    answered = true;
    res.writeHead(response.statusCode, response.headers);
    response.pipe(res);
    response.on("error", () => res.destroy());
  });
  upstream.on("error", (error) => {
    if (!answered && refusedConnection(error) && !res.headersSent && !upstream.reusedSocket) {
      down.add(port);
      forward(req, res, body, attempt + 1);
      return;
    }
    if (!answered && upstream.reusedSocket && !res.headersSent) {
      // a kept-alive socket to a backend that died: try afresh
      forward(req, res, body, attempt + 1);
      return;
    }
    res.destroy();
  });
  // the client left (a long-poll aborted): so does the forwarded request
  res.on("close", () => {
    if (!res.writableFinished) upstream.destroy();
  });
  upstream.end(body);
}

const server = http.createServer((req, res) => {
  if (req.method === "POST" && req.url.startsWith("/__proxy/drain")) {
    down.add(Number(new URL(req.url, "http://proxy").searchParams.get("port")));
    res.writeHead(204).end();
    return;
  }
  if (req.url === "/__proxy") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ upgrades, requests, down: [...down] }));
    return;
  }
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => forward(req, res, Buffer.concat(chunks), 0));
  req.on("error", () => res.destroy());
});

server.on("upgrade", (req, socket, head) => {
  const port = pick(req.url);
  if (port === undefined) {
    socket.destroy();
    return;
  }
  upgrades.push({ sid: sidOf(req.url), port });
  const upstream = net.connect(port, "127.0.0.1", () => {
    const lines = [`${req.method} ${req.url} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    }
    upstream.write(lines.join("\r\n") + "\r\n\r\n");
    if (head.length > 0) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  });
  upstream.on("error", (error) => {
    if (refusedConnection(error)) down.add(port);
    socket.destroy();
  });
  socket.on("error", () => upstream.destroy());
  upstream.on("close", () => socket.destroy());
  socket.on("close", () => upstream.destroy());
});

server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
process.on("SIGTERM", () => process.exit(0));
