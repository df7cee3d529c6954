/**
 * The official `engine.io-client` against the server, in each transport mode: its Node
 * transports (XMLHttpRequest polyfill and `ws`, what it picks by default under Deno and Bun)
 * and its web transports (`Fetch` and the global `WebSocket`).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Fetch, type SocketOptions, WebSocket as GlobalWebSocket } from "engine.io-client";
import type { EngineSocket } from "../../engine.ts";
import { startEngineServer, type TestEngineServer } from "../_helpers/engine_server.ts";
import { closeAllClients, connectClient, type EngineClient } from "../_helpers/engine_client.ts";
import { bytes } from "../_helpers/raw_client.ts";
import { sleep, waitUntil } from "../_helpers/wait.ts";

/**
 * engine.io-client's web WebSocket transport, reading binary frames as ArrayBuffers.
 *
 * Under Deno and Bun the client loads its Node build, whose default `binaryType` is
 * "nodebuffer", and the transport copies that onto the global WebSocket as it opens, which the
 * Socket constructor does before a test can set `socket.binaryType = "arraybuffer"`. Bun's
 * WebSocket knows "nodebuffer"; Deno's ignores the value and keeps "blob", which the client's
 * parser cannot read (binary messages then arrive as `undefined`). A transport created later,
 * like the upgrade's WebSocket, already gets "arraybuffer". This is a client-side matter: the
 * server sends the same binary frames either way.
 */
class ArrayBufferWebSocket extends GlobalWebSocket {
  override doOpen(): this {
    const result = super.doOpen();
    if (this.ws) this.ws.binaryType = "arraybuffer";
    return result;
  }
}

interface Mode {
  name: string;
  transports?: SocketOptions["transports"];
  /** The transport the session opens on. */
  first: "polling" | "websocket";
  /** Whether the client upgrades to WebSocket. */
  upgrades: boolean;
}

const MODES: Mode[] = [
  { name: 'transports ["polling"]', transports: ["polling"], first: "polling", upgrades: false },
  {
    name: 'transports ["websocket"]',
    transports: ["websocket"],
    first: "websocket",
    upgrades: false,
  },
  { name: "default transports (upgrade)", first: "polling", upgrades: true },
  { name: "transports [Fetch]", transports: [Fetch], first: "polling", upgrades: false },
  {
    name: "transports [global WebSocket]",
    transports: [ArrayBufferWebSocket],
    first: "websocket",
    upgrades: false,
  },
  {
    name: "transports [Fetch, global WebSocket] (upgrade)",
    transports: [Fetch, GlobalWebSocket],
    first: "polling",
    upgrades: true,
  },
];

/** Tags for sessions that take part in the ordering test (by the client's `test` query). */
function driveOrderingTest(socket: EngineSocket): void {
  if (socket.request.query.get("test") !== "order") return;
  const sendRange = (from: number, to: number) => {
    for (let i = from; i < to; i++) socket.send(`s${i}`);
  };
  sendRange(0, 10);
  socket.on("upgrading", () => sendRange(10, 30));
  socket.on("upgrade", () => sendRange(30, 50));
}

describe("engine.io-client", () => {
  let server: TestEngineServer;
  before(async () => {
    server = await startEngineServer({ pingInterval: 150, pingTimeout: 1500 });
    server.engine.on("connection", driveOrderingTest);
  });
  after(async () => {
    await closeAllClients();
    await server.close();
  });

  /** Connects in `mode` and, for upgrading modes, waits for the upgrade. */
  async function connect(mode: Mode, query?: Record<string, string>): Promise<EngineClient> {
    const options: Partial<SocketOptions> = { query };
    if (mode.transports) options.transports = mode.transports;
    const client = await connectClient(server.port, options);
    assert.equal(client.transport, mode.first);
    if (mode.upgrades) assert.equal(await client.upgrade(), "websocket");
    return client;
  }

  for (const mode of MODES) {
    describe(mode.name, () => {
      it("opens a session on the expected transport(s)", async () => {
        const client = await connect(mode);
        const session = await server.socket(client.id);
        const final = mode.upgrades ? "websocket" : mode.first;
        assert.equal(client.transport, final);
        await waitUntil(() => session.transport === final, `the server session on ${final}`);
        assert.equal(session.readyState, "open");
        await client.close();
      });

      it("echoes strings", async () => {
        const client = await connect(mode);
        // No empty string: the client hands an empty message over as undefined, whatever the
        // server. No "\x1e" either: long-polling payloads cannot carry the record separator.
        const texts = ["hello", "héllo €𝄞", "x".repeat(10_000), '{"json":true}', "4", "1"];
        for (const text of texts) client.send(text);
        assert.deepEqual(await client.messages(texts.length), texts);
        await client.close();
      });

      it("echoes binary (Uint8Array and ArrayBuffer) as binary", async () => {
        const client = await connect(mode);
        client.send(Uint8Array.from([1, 2, 3, 4]));
        client.send(Uint8Array.from([255, 0, 128]).buffer);
        client.send("between");
        client.send(new Uint8Array(0));
        const [first, second, text, empty] = await client.messages(4);
        assert.ok(first instanceof ArrayBuffer);
        assert.deepEqual(bytes(first), [1, 2, 3, 4]);
        assert.ok(second instanceof ArrayBuffer);
        assert.deepEqual(bytes(second), [255, 0, 128]);
        assert.equal(text, "between");
        assert.ok(empty instanceof ArrayBuffer);
        assert.equal(empty.byteLength, 0);
        await client.close();
      });

      it("stays connected across several heartbeats", async () => {
        const client = await connect(mode);
        const session = await server.socket(client.id);
        let heartbeats = 0;
        session.on("heartbeat", () => heartbeats++);
        // pingInterval is 150 ms: wait several of them
        await waitUntil(() => heartbeats >= 4, "four heartbeats", 5000);
        assert.equal(session.readyState, "open");
        assert.deepEqual(client.errors, []);
        client.send("still alive");
        assert.equal(await client.message(), "still alive");
        await client.close();
      });

      it("server-side close() gives the client a close event", async () => {
        const client = await connect(mode);
        const session = await server.socket(client.id);
        session.send("goodbye");
        session.close();
        assert.equal(await client.message(), "goodbye");
        const [reason] = await client.closeEvent();
        assert.equal(reason, "transport close");
      });

      it("a client close() ends the server session", async () => {
        const client = await connect(mode);
        const session = await server.socket(client.id);
        let reason = "";
        session.on("close", (why) => reason = why);
        await client.close();
        await waitUntil(() => session.readyState === "closed", "the server session to close");
        assert.equal(reason, "transport close");
      });

      if (mode.upgrades) {
        it("50 messages each way stay in order across the upgrade", async () => {
          const client = await connectClient(server.port, {
            query: { test: "order" },
            ...(mode.transports ? { transports: mode.transports } : {}),
          });
          const sendRange = (from: number, to: number) => {
            for (let i = from; i < to; i++) client.send(`c${i}`);
          };
          sendRange(0, 10);
          client.socket.on("upgrading", () => sendRange(10, 30));
          client.socket.on("upgrade", () => sendRange(30, 50));
          const received = await client.messages(100);
          assert.equal(client.transport, "websocket");
          const fromClient = received.filter((m) => typeof m === "string" && m.startsWith("c"));
          const fromServer = received.filter((m) => typeof m === "string" && m.startsWith("s"));
          assert.deepEqual(fromClient, Array.from({ length: 50 }, (_, i) => `c${i}`));
          assert.deepEqual(fromServer, Array.from({ length: 50 }, (_, i) => `s${i}`));
          await sleep(100);
          assert.equal(client.pending, 0, "nothing is delivered twice");
          await client.close();
        });
      }
    });
  }

  it("clientsCount counts open clients and returns to 0 once they close", async () => {
    await closeAllClients();
    await waitUntil(() => server.engine.clientsCount === 0, "earlier sessions to end");
    const clients = await Promise.all(MODES.map((mode) => connect(mode)));
    assert.equal(server.engine.clientsCount, MODES.length);
    await Promise.all(clients.map((client) => client.close()));
    await waitUntil(() => server.engine.clientsCount === 0, "clientsCount to return to 0");
  });
});
