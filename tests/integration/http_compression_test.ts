/**
 * `httpCompression`: long-polling responses compressed with gzip (or deflate when only that is
 * accepted) once they reach the threshold, with `Content-Encoding` and `Vary`; never below it,
 * nor when a packet in them was sent with `compress: false` (engine `send`, `socket.compress`,
 * `io.compress`, a broadcast's `compress`), nor with `httpCompression: false`. Requests go out
 * through node:http, which neither asks for nor decodes a coding by itself.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { gunzipSync, inflateSync } from "node:zlib";
import { Fetch } from "engine.io-client";
import { io as connectClient } from "socket.io-client";
import { createEngineServer, type EngineServerOptions, type EngineSocket } from "../../engine.ts";
import { createServer, defineGateway, type ServerSocket, type SocketIoServer } from "../../mod.ts";
import { type RunningServer, serveOnAnyRuntime } from "../fixtures/serve_any.ts";
import { withTimeout } from "../_helpers/wait.ts";

const SEP = "\x1e";

interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as sent (compressed or not). */
  raw: Uint8Array;
  /** The body decoded according to its Content-Encoding. */
  text: string;
}

/** One HTTP request with node:http (no automatic Accept-Encoding, no automatic decoding). */
function send(
  url: string,
  { method = "GET", headers = {}, body }: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
  } = {},
): Promise<RawReply> {
  return withTimeout(
    new Promise<RawReply>((resolve, reject) => {
      const req = httpRequest(url, { method, headers }, (res) => {
        const chunks: Uint8Array[] = [];
        res.on("data", (chunk: Uint8Array) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const raw = new Uint8Array(Buffer.concat(chunks));
          const coding = res.headers["content-encoding"];
          const decoded = coding === "gzip"
            ? gunzipSync(raw)
            : coding === "deflate"
            ? inflateSync(raw)
            : raw;
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            raw,
            text: new TextDecoder().decode(decoded),
          });
        });
      });
      req.on("error", reject);
      req.end(body);
    }),
    5000,
    `${method} ${url}`,
  );
}

/** A long-polling session opened by hand; `coding` is the Content-Encoding of its OPEN packet. */
async function handshake(base: string, coding?: string): Promise<string> {
  const reply = await send(`${base}?EIO=4&transport=polling`, {
    headers: { "accept-encoding": "gzip" },
  });
  assert.equal(reply.headers["content-encoding"], coding, "the OPEN packet's coding");
  return JSON.parse(reply.text.slice(1)).sid;
}

function pollUrl(base: string, sid: string): string {
  return `${base}?EIO=4&transport=polling&sid=${sid}`;
}

function poll(base: string, sid: string, acceptEncoding?: string): Promise<RawReply> {
  const headers: Record<string, string> = acceptEncoding === undefined
    ? {}
    : { "accept-encoding": acceptEncoding };
  return send(pollUrl(base, sid), { headers });
}

describe("httpCompression on the bare Engine.IO server", () => {
  const servers: { running: RunningServer; close(): void }[] = [];

  /** Starts an engine; `open` makes a session and gives its server-side socket. */
  async function start(options: EngineServerOptions = {}, openCoding?: string) {
    const engine = createEngineServer(options);
    const sockets = new Map<string, EngineSocket>();
    engine.on("connection", (socket) => sockets.set(socket.id, socket));
    const running = await serveOnAnyRuntime({
      port: 0,
      fetch: engine.fetch,
      websocket: engine.websocket,
    });
    servers.push({ running, close: () => engine.close() });
    const base = `http://127.0.0.1:${running.port}/engine.io/`;
    const open = async () => {
      const sid = await handshake(base, openCoding);
      return { sid, socket: sockets.get(sid)! };
    };
    return { base, open };
  }

  after(async () => {
    for (const { running, close } of servers) {
      close();
      await running.close();
    }
  });

  let server: Awaited<ReturnType<typeof start>>;
  before(async () => {
    server = await start({ cors: { origin: "https://app.example" } });
  });

  it("gzips a payload of 1024 bytes or more for Accept-Encoding: gzip, with Vary", async () => {
    const { sid, socket } = await server.open();
    const data = "x".repeat(1023); // "4" + 1023 = 1024 bytes
    socket.send(data);
    const reply = await poll(server.base, sid, "gzip, deflate, br");
    assert.equal(reply.status, 200);
    assert.equal(reply.headers["content-encoding"], "gzip");
    assert.match(String(reply.headers["vary"]), /Accept-Encoding/);
    assert.equal(reply.headers["content-type"], "text/plain; charset=UTF-8");
    assert.ok(reply.raw.byteLength < 100, `${reply.raw.byteLength} bytes on the wire`);
    assert.equal(reply.text, "4" + data);
  });

  it("keeps the CORS Vary: Origin beside Vary: Accept-Encoding", async () => {
    const { sid, socket } = await server.open();
    socket.send("y".repeat(3000));
    const reply = await send(pollUrl(server.base, sid), {
      headers: { "accept-encoding": "gzip", origin: "https://app.example" },
    });
    assert.equal(reply.headers["content-encoding"], "gzip");
    const vary = String(reply.headers["vary"]);
    assert.match(vary, /Origin/);
    assert.match(vary, /Accept-Encoding/);
    assert.equal(reply.headers["access-control-allow-origin"], "https://app.example");
  });

  it("sends a payload below the threshold as it is", async () => {
    const { sid, socket } = await server.open();
    socket.send("x".repeat(1022)); // 1023 bytes
    const reply = await poll(server.base, sid, "gzip");
    assert.equal(reply.headers["content-encoding"], undefined);
    assert.doesNotMatch(String(reply.headers["vary"]), /Accept-Encoding/);
    assert.equal(reply.text, "4" + "x".repeat(1022));
  });

  it("counts the threshold in UTF-8 bytes", async () => {
    const { sid, socket } = await server.open();
    socket.send("€".repeat(400)); // 400 code units, 1201 bytes
    const reply = await poll(server.base, sid, "gzip");
    assert.equal(reply.headers["content-encoding"], "gzip");
    assert.equal(reply.text, "4" + "€".repeat(400));
  });

  it("sends as it is a payload with a message sent with compress: false", async () => {
    const { sid, socket } = await server.open();
    socket.send("z".repeat(5000), { compress: false });
    const reply = await poll(server.base, sid, "gzip");
    assert.equal(reply.headers["content-encoding"], undefined);
    assert.equal(reply.text, "4" + "z".repeat(5000));
  });

  it("sends as it is a payload where only one of the messages was sent with compress: false", async () => {
    const { sid, socket } = await server.open();
    socket.send("a".repeat(3000));
    socket.send("secret", { compress: false });
    const reply = await poll(server.base, sid, "gzip");
    assert.equal(reply.headers["content-encoding"], undefined);
    assert.equal(reply.text, `4${"a".repeat(3000)}${SEP}4secret`);
  });

  it("deflates when only deflate is accepted, and picks by q-value", async () => {
    for (
      const [accept, coding] of [
        ["deflate", "deflate"],
        ["gzip;q=0, deflate", "deflate"],
        ["gzip;q=0.5, deflate;q=0.8", "deflate"],
        ["deflate, gzip", "gzip"],
        ["*", "gzip"],
        ["br", undefined],
        ["identity", undefined],
        ["gzip;q=0", undefined],
        ["", undefined],
      ] as const
    ) {
      const { sid, socket } = await server.open();
      socket.send("d".repeat(2000));
      const reply = await poll(server.base, sid, accept);
      assert.equal(reply.headers["content-encoding"], coding, `Accept-Encoding: ${accept}`);
      assert.equal(reply.text, "4" + "d".repeat(2000));
    }
  });

  it("sends as it is to a request without Accept-Encoding", async () => {
    const { sid, socket } = await server.open();
    socket.send("n".repeat(2000));
    const reply = await poll(server.base, sid);
    assert.equal(reply.headers["content-encoding"], undefined);
    assert.equal(reply.text, "4" + "n".repeat(2000));
  });

  it("takes a threshold of 0, and compresses nothing with httpCompression: false", async () => {
    const all = await start({ httpCompression: { threshold: 0 } }, "gzip");
    const none = await start({ httpCompression: false });
    const small = await all.open();
    small.socket.send("hi");
    const compressed = await poll(all.base, small.sid, "gzip");
    assert.equal(compressed.headers["content-encoding"], "gzip");
    assert.equal(compressed.text, "4hi");
    const large = await none.open();
    large.socket.send("l".repeat(50_000));
    const plain = await poll(none.base, large.sid, "gzip");
    assert.equal(plain.headers["content-encoding"], undefined);
    assert.equal(plain.text, "4" + "l".repeat(50_000));
  });

  it("compresses a payload of a megabyte (off the event loop) to what it was", async () => {
    const { sid, socket } = await server.open();
    const data = "0123456789abcdef".repeat(60_000);
    socket.send(data);
    const reply = await poll(server.base, sid, "gzip");
    assert.equal(reply.headers["content-encoding"], "gzip");
    assert.equal(reply.text, "4" + data);
  });
});

describe("the compress flag of Socket.IO emits, over long-polling", () => {
  let running: RunningServer;
  let io: SocketIoServer;
  let base: string;
  const sockets = new Map<string, ServerSocket>();

  before(async () => {
    io = createServer();
    io.on("connection", (socket) => {
      sockets.set(socket.id, socket);
      socket.join("room");
    });
    running = await serveOnAnyRuntime({ port: 0, fetch: io.fetch, websocket: io.websocket });
    base = `http://127.0.0.1:${running.port}/socket.io/`;
  });

  after(async () => {
    await io.close();
    await running.close();
  });

  /** A Socket.IO client on "/" over polling, by hand: its engine sid and server socket. */
  async function connect(): Promise<{ sid: string; socket: ServerSocket }> {
    const sid = await handshake(base);
    const posted = await send(pollUrl(base, sid), { method: "POST", body: "40" });
    assert.equal(posted.status, 200);
    const reply = await poll(base, sid, "gzip");
    const id = JSON.parse(reply.text.slice(2)).sid as string;
    return { sid, socket: sockets.get(id)! };
  }

  const big = "b".repeat(4000);

  it("compresses an emit by default, and not after compress(false)", async () => {
    const { sid, socket } = await connect();
    socket.emit("big", big);
    const compressed = await poll(base, sid, "gzip");
    assert.equal(compressed.headers["content-encoding"], "gzip");
    assert.equal(compressed.text, `42["big","${big}"]`);

    socket.compress(false).emit("big", big);
    const plain = await poll(base, sid, "gzip");
    assert.equal(plain.headers["content-encoding"], undefined);
    assert.equal(plain.text, `42["big","${big}"]`);

    // the flag is for that one emit
    socket.emit("big", big);
    assert.equal((await poll(base, sid, "gzip")).headers["content-encoding"], "gzip");
  });

  it("keeps io.compress(false) and a broadcast's compress(false) uncompressed", async () => {
    const { sid } = await connect();
    io.compress(false).emit("all", big);
    const all = await poll(base, sid, "gzip");
    assert.equal(all.headers["content-encoding"], undefined);
    assert.equal(all.text, `42["all","${big}"]`);

    io.to("room").compress(false).emit("room", big);
    const room = await poll(base, sid, "gzip");
    assert.equal(room.headers["content-encoding"], undefined);
    assert.equal(room.text, `42["room","${big}"]`);

    io.to("room").emit("room", big);
    assert.equal((await poll(base, sid, "gzip")).headers["content-encoding"], "gzip");
  });

  it("keeps compress(false) on an emit made before the CONNECT reply went out", async () => {
    const held = new Promise<void>((resolve) => {
      const listener = (socket: ServerSocket) => {
        socket.compress(false).emit("early", big);
        io.off("connection", listener as never);
        resolve();
      };
      io.on("connection", listener);
    });
    const sid = await handshake(base);
    await send(pollUrl(base, sid), { method: "POST", body: "40" });
    await withTimeout(held, 3000, "connection");
    const reply = await poll(base, sid, "gzip");
    assert.ok(reply.text.startsWith("40{"), reply.text.slice(0, 20));
    assert.ok(reply.text.endsWith(`42["early","${big}"]`));
    assert.equal(reply.headers["content-encoding"], undefined);
  });
});

describe("socket.io-client over fetch long-polling, with httpCompression", () => {
  it("gets compressed polling responses and decodes them", async () => {
    const codings: (string | null)[] = [];
    const echo = defineGateway({ events: { echo: (_socket, text: string) => text } });
    const io = createServer({ gateways: [echo] });
    const running = await serveOnAnyRuntime({
      port: 0,
      fetch: async (request, env) => {
        const response = await io.fetch(request, env);
        if (request.method === "GET") codings.push(response.headers.get("content-encoding"));
        return response;
      },
      websocket: io.websocket,
    });
    const client = connectClient(`http://127.0.0.1:${running.port}`, {
      forceNew: true,
      reconnection: false,
      transports: [Fetch],
    });
    try {
      const large = "ünïcödé ".repeat(10_000);
      assert.equal(await client.timeout(3000).emitWithAck("echo", large), large);
      assert.ok(codings.includes("gzip"), `codings seen: ${codings.join(", ")}`);
    } finally {
      client.disconnect();
      await io.close();
      await running.close();
    }
  });
});
