/**
 * `perMessageDeflate`: the permessage-deflate extension in the 101 on Bun and on node:http +
 * `ws` (the bridge the compat Server attaches with, here in-process), none under Deno.serve
 * (which cannot: the server still works, and says so once in its log); frames compressed from
 * the threshold on, never below it nor when sent with `compress: false`; corrupt compressed
 * frames and decompression bombs close their own connection only. Node itself, through
 * serve() from @sio/gateway/node: the fixture in a Node process. (serve() is not run in-process
 * here: @hono/node-server replaces the global Response, which Bun.serve then refuses.)
 */
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { io as connectClient, type Socket } from "socket.io-client";
import { createEngineServer, type EngineServerOptions } from "../../engine.ts";
import { createServer, defineGateway, type ServerOptions } from "../../mod.ts";
import { createServer as createHttpServer } from "node:http";
import { attachToNodeServer } from "../../src/compat/node_bridge.ts";
import { Server as CompatServer } from "../../compat.ts";
import type { BunWebSocketHandlers } from "../../src/runtime/bun.ts";
import { type RunningServer, serveOnAnyRuntime } from "../fixtures/serve_any.ts";
import { deflateMessage, DeflateWs, textOf } from "../_helpers/deflate_ws.ts";
import { captureLogs, type LogRecord, stopCapturingLogs } from "../_helpers/log_capture.ts";
import { fixtureCommand, type SpawnedFixture, spawnFixture } from "../_helpers/spawn_fixture.ts";
import { withTimeout } from "../_helpers/wait.ts";

const isBun = "Bun" in globalThis;
const MAX_PAYLOAD = 100_000;
const BIG = "a".repeat(2000);

interface Servable {
  fetch: (request: Request, env?: unknown) => Response | Promise<Response>;
  websocket: BunWebSocketHandlers;
}

/** Where a server runs, and whether that runtime negotiates permessage-deflate. */
interface Host {
  readonly name: string;
  readonly deflates: boolean;
  start(target: Servable): Promise<RunningServer>;
}

const HOSTS: readonly Host[] = [
  {
    name: isBun ? "Bun.serve" : "Deno.serve",
    deflates: isBun,
    start: (target) =>
      serveOnAnyRuntime({
        port: 0,
        fetch: target.fetch,
        websocket: target.websocket,
        maxPayload: MAX_PAYLOAD,
      }),
  },
  {
    name: "node:http + ws",
    deflates: true,
    start: async (target) => {
      const server = createHttpServer();
      const attachment = attachToNodeServer(server, {
        matches: () => true,
        rewrite: (url) => url,
        fetch: target.fetch,
        maxPayload: target.websocket.maxPayloadLength,
        perMessageDeflate: target.websocket.perMessageDeflate,
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const address = server.address();
      return {
        port: typeof address === "object" && address ? address.port : 0,
        close: () =>
          new Promise<void>((resolve) => {
            attachment.terminate();
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      };
    },
  },
];

/** An engine that echoes, except messages starting "plain:", sent back with compress false. */
function echoEngine(options: EngineServerOptions) {
  const engine = createEngineServer({ maxHttpBufferSize: MAX_PAYLOAD, ...options });
  engine.on("connection", (socket) => {
    socket.on("message", (data) => {
      const plain = typeof data === "string" && data.startsWith("plain:");
      socket.send(data, plain ? { compress: false } : undefined);
    });
  });
  return engine;
}

const PATH = "/engine.io/?EIO=4&transport=websocket";

/** A raw deflate-offering session that has read its OPEN packet. */
async function openRaw(port: number): Promise<DeflateWs> {
  const ws = await DeflateWs.open(port, PATH);
  const open = await ws.message();
  assert.ok(textOf(open)?.startsWith("0{"), "the OPEN packet arrives first");
  assert.equal(open?.compressed, false, "the OPEN packet is below the threshold");
  return ws;
}

/** The `ws` client's view of a connection: the 101's extensions header, and the socket. */
function wsClient(port: number): Promise<{ socket: WebSocket; offered: string | undefined }> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}${PATH}`);
  let offered: string | undefined;
  socket.on("upgrade", (response) => {
    const header = response.headers["sec-websocket-extensions"];
    offered = Array.isArray(header) ? header.join(", ") : header;
  });
  socket.on("error", () => {});
  return withTimeout(
    new Promise((resolve, reject) => {
      socket.once("open", () => resolve({ socket, offered }));
      socket.once("error", reject);
    }),
    3000,
    "ws client to open",
  );
}

function nextMessage(socket: WebSocket): Promise<string | Uint8Array> {
  return withTimeout(
    new Promise((resolve) => {
      socket.once("message", (data: Uint8Array | string, isBinary: boolean) => {
        resolve(isBinary ? new Uint8Array(data as Uint8Array) : String(data));
      });
    }),
    3000,
    "ws client message",
  );
}

for (const host of HOSTS) {
  describe(`perMessageDeflate on ${host.name}`, () => {
    let running: RunningServer;
    let engine: ReturnType<typeof echoEngine>;
    const sockets: (WebSocket | DeflateWs)[] = [];

    before(async () => {
      engine = echoEngine({ perMessageDeflate: { threshold: 1024 } });
      running = await host.start(engine);
    });

    afterEach(() => {
      for (const socket of sockets.splice(0)) {
        if (socket instanceof DeflateWs) socket.close();
        else socket.terminate();
      }
    });

    after(async () => {
      engine.close();
      await running.close();
    });

    it(`answers the ws client's offer ${host.deflates ? "with" : "without"} permessage-deflate`, async () => {
      const { socket, offered } = await wsClient(running.port);
      sockets.push(socket);
      assert.equal(
        offered?.includes("permessage-deflate") ?? false,
        host.deflates,
        String(offered),
      );
      assert.equal(socket.extensions.includes("permessage-deflate"), host.deflates);
    });

    it("round-trips large text and binary messages both ways with the ws client", async () => {
      const { socket } = await wsClient(running.port);
      sockets.push(socket);
      assert.ok(String(await nextMessage(socket)).startsWith("0{"));
      const text = "4" + "héllo wörld ".repeat(1000);
      socket.send(text);
      assert.equal(await nextMessage(socket), text);
      const binary = new Uint8Array(6000).map((_, i) => i % 7);
      socket.send(binary);
      assert.deepEqual(await nextMessage(socket), binary);
    });

    it("compresses frames from the threshold on; not below it, nor with compress false", async () => {
      const ws = await openRaw(running.port);
      sockets.push(ws);
      assert.equal(ws.negotiated, host.deflates, `extensions: ${ws.extensions}`);
      await ws.send("4" + BIG);
      const big = await ws.message();
      assert.equal(textOf(big), "4" + BIG);
      assert.equal(big?.compressed, host.deflates);
      if (host.deflates) assert.ok(big!.wireSize < 100, `compressed to ${big!.wireSize} bytes`);

      await ws.send("4" + "b".repeat(1000));
      const small = await ws.message();
      assert.equal(textOf(small), "4" + "b".repeat(1000));
      assert.equal(small?.compressed, false, "a frame below the threshold goes uncompressed");

      await ws.send("4plain:" + BIG);
      const plain = await ws.message();
      assert.equal(textOf(plain), "4plain:" + BIG);
      assert.equal(plain?.compressed, false, "compress: false is never compressed");
    });

    if (host.deflates) {
      it("reads frames the client compressed", async () => {
        const ws = await openRaw(running.port);
        sockets.push(ws);
        await ws.send("4" + BIG, true);
        assert.equal(textOf(await ws.message()), "4" + BIG);
      });
    }

    it("closes a client whose compressed frame is corrupt, and no other", async () => {
      const bystander = await openRaw(running.port);
      const attacker = await openRaw(running.port);
      sockets.push(bystander, attacker);
      await attacker.sendCompressedBytes(new Uint8Array([0xff, 0xfe, 0x00, 0x12, 0x34, 0x99]));
      const code = await attacker.closeCode();
      assert.ok(await attacker.tcp.waitClosed(3000), "the attacker's connection is closed");
      assert.ok(code === undefined || code >= 1002, `close code ${code}`);
      await bystander.send("4still here");
      assert.equal(textOf(await bystander.message()), "4still here");
    });

    it("closes a decompression bomb beyond maxHttpBufferSize with 1009, and no other", async () => {
      const bystander = await openRaw(running.port);
      const attacker = await openRaw(running.port);
      sockets.push(bystander, attacker);
      const bomb = deflateMessage("4" + "z".repeat(20 * MAX_PAYLOAD));
      assert.ok(bomb.byteLength < MAX_PAYLOAD / 10, "the bomb itself is small");
      await attacker.sendCompressedBytes(bomb);
      const code = await attacker.closeCode();
      assert.ok(await attacker.tcp.waitClosed(3000), "the attacker's connection is closed");
      // without the extension the frame is a protocol error (1002) before any inflating
      if (host.deflates) assert.equal(code, 1009);
      await bystander.send("4" + BIG);
      assert.equal(textOf(await bystander.message()), "4" + BIG);
    });
  });

  describe(`perMessageDeflate off on ${host.name}`, () => {
    let running: RunningServer;
    let engine: ReturnType<typeof echoEngine>;

    before(async () => {
      engine = echoEngine({});
      running = await host.start(engine);
    });

    after(async () => {
      engine.close();
      await running.close();
    });

    it("answers the ws client's offer without permessage-deflate, and sends frames as they are", async () => {
      const { socket, offered } = await wsClient(running.port);
      try {
        assert.equal(offered, undefined);
        assert.equal(socket.extensions, "");
      } finally {
        socket.terminate();
      }
      const ws = await openRaw(running.port);
      try {
        await ws.send("4" + BIG);
        const echo = await ws.message();
        assert.equal(textOf(echo), "4" + BIG);
        assert.equal(echo?.compressed, false);
      } finally {
        ws.close();
      }
    });
  });

  describe(`socket.io-client with perMessageDeflate and httpCompression on ${host.name}`, () => {
    let running: RunningServer;
    let io: ReturnType<typeof createServer>;
    const clients: Socket[] = [];

    before(async () => {
      const echo = defineGateway({ events: { echo: (_socket, text: string) => text } });
      const options: ServerOptions = {
        gateways: [echo],
        perMessageDeflate: true,
        httpCompression: { threshold: 0 },
      };
      io = createServer(options);
      running = await host.start(io);
    });

    after(async () => {
      for (const client of clients) client.disconnect();
      await io.close();
      await running.close();
    });

    for (const transports of [["websocket"], ["polling"], ["polling", "websocket"]]) {
      it(`connects over ${transports.join(" then ")} and echoes large and small events`, async () => {
        const client = connectClient(`http://127.0.0.1:${running.port}`, {
          forceNew: true,
          reconnection: false,
          transports,
        });
        clients.push(client);
        const large = "ü".repeat(50_000);
        assert.equal(await client.timeout(3000).emitWithAck("echo", large), large);
        assert.equal(await client.timeout(3000).emitWithAck("echo", "hi"), "hi");
      });
    }
  });
}

describe("perMessageDeflate under Deno.serve", () => {
  const records: LogRecord[] = [];
  before(() => captureLogs(records, ["sio", "runtime"], "warning"));
  after(() => stopCapturingLogs());

  it(`${isBun ? "logs nothing on Bun" : "logs one warning per server that asks for it"}`, () => {
    createServer({ perMessageDeflate: true });
    createEngineServer({ perMessageDeflate: { threshold: 0 } });
    createServer({});
    const warnings = records.filter((r) =>
      String(r.message.join("")).includes("perMessageDeflate")
    );
    assert.equal(warnings.length, isBun ? 0 : 2);
  });
});

const nodeSkip = fixtureCommand("node")
  ? false
  : "node is not available (run through deno task test)";

describe("perMessageDeflate on Node (the conformance fixture)", { skip: nodeSkip }, () => {
  let fixture: SpawnedFixture;

  before(async () => {
    fixture = await spawnFixture("node", {
      PER_MESSAGE_DEFLATE: "1024",
      MAX_PAYLOAD: String(MAX_PAYLOAD),
    });
  });

  after(async () => {
    await fixture?.stop();
  });

  it("negotiates permessage-deflate, compresses from the threshold on, closes bombs with 1009", async () => {
    const { socket, offered } = await wsClient(fixture.port);
    socket.terminate();
    assert.match(offered ?? "", /permessage-deflate/);

    const ws = await openRaw(fixture.port);
    const attacker = await openRaw(fixture.port);
    try {
      await ws.send("4" + BIG, true);
      const big = await ws.message();
      assert.equal(textOf(big), "4" + BIG);
      assert.equal(big?.compressed, true);
      await ws.send("4small");
      assert.equal((await ws.message())?.compressed, false);

      await attacker.sendCompressedBytes(deflateMessage("4" + "z".repeat(20 * MAX_PAYLOAD)));
      assert.equal(await attacker.closeCode(), 1009);
      await ws.send("4after");
      assert.equal(textOf(await ws.message()), "4after");
    } finally {
      ws.close();
      attacker.close();
    }
  });

  it("serves socket.io-client over WebSocket with compression", async () => {
    const client = connectClient(`http://127.0.0.1:${fixture.port}`, {
      forceNew: true,
      reconnection: false,
      transports: ["websocket"],
    });
    try {
      const large = "x".repeat(20_000);
      assert.deepEqual(await client.timeout(3000).emitWithAck("message-with-ack", large), large);
    } finally {
      client.disconnect();
    }
  });
});

describe("the compat Server's perMessageDeflate", () => {
  for (
    const [option, negotiated] of [[true, true], [
      { threshold: 10, serverNoContextTakeover: true },
      true,
    ], [false, false]] as const
  ) {
    it(`${JSON.stringify(option)}: ${negotiated ? "negotiated" : "not negotiated"} through ws`, async () => {
      const http = createHttpServer();
      const io = new CompatServer(http, { perMessageDeflate: option });
      await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
      const address = http.address();
      const port = typeof address === "object" && address ? address.port : 0;
      const socket = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
      socket.on("error", () => {});
      try {
        await withTimeout(
          new Promise((resolve, reject) => {
            socket.once("open", resolve);
            socket.once("error", reject);
          }),
          3000,
          "ws client to open",
        );
        assert.equal(socket.extensions.includes("permessage-deflate"), negotiated);
      } finally {
        socket.terminate();
        await new Promise<void>((resolve) => io.close(() => resolve()));
        await new Promise<void>((resolve) => http.close(() => resolve()));
      }
    });
  }
});
