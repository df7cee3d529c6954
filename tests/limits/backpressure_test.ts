/**
 * Backpressure made visible: `socket.bufferedAmount` counts the bytes a connection holds unsent
 * (messages waiting for a poll; what the runtime holds on a WebSocket whose client stopped
 * reading), `emit` returns false once that passes `slowConsumer.maxBufferedBytes`, and the
 * socket's `drain` event (and the Engine.IO socket's) fires once it is sent. Raw clients, so a
 * test decides when the client reads.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { defineGateway, type EngineSocket } from "../../mod.ts";
import { createEngineServer } from "../../engine.ts";
import { closeAll, startServer, type TestServer } from "../_helpers/socketio.ts";
import { handshake, poll, push, SEP } from "../_helpers/raw_client.ts";
import { serveOnAnyRuntime } from "../fixtures/serve_any.ts";
import { sleep, waitUntil, withTimeout } from "../_helpers/wait.ts";
import { closeRawClients, RawWsClient } from "./_raw_ws.ts";

const KiB = 1024;
const quiet = defineGateway({ events: {} });

/** Resolves when `emitter` emits `event` (bounded). */
function nextEvent(
  emitter: { on(event: "drain", listener: () => void): unknown },
  event: "drain",
  ms = 4000,
): Promise<void> {
  return withTimeout(
    new Promise<void>((resolve) => emitter.on(event, () => resolve())),
    ms,
    `"${event}"`,
  );
}

/** A raw Socket.IO client over WebSocket, joined to "/"; returns it and its server socket. */
async function rawSocketIoClient(server: TestServer) {
  const { client } = await RawWsClient.session(server.port, "/socket.io/");
  client.send("40");
  const reply = await client.text();
  assert.match(reply, /^40\{"sid":/);
  const sid = JSON.parse(reply.slice(2)).sid as string;
  const socket = server.io.of("/").sockets.get(sid);
  assert.ok(socket, "the server socket");
  return { client, socket };
}

describe("bufferedAmount and drain", () => {
  after(async () => {
    await closeRawClients();
    await closeAll();
  });

  it("long-polling: counts messages waiting for a poll; drain once a poll takes them", async () => {
    const server = await startServer({
      gateways: [quiet],
      slowConsumer: { maxBufferedBytes: 1000 },
    });
    const base = `${server.url}/socket.io/`;
    const { sid } = await handshake(base);
    assert.equal((await push(base, sid, "40")).status, 200);
    const connectReply = await poll(base, sid);
    const socketId = JSON.parse(connectReply.body.slice(2)).sid as string;
    const socket = server.io.of("/").sockets.get(socketId)!;
    assert.equal(socket.bufferedAmount, 0);

    const text = "x".repeat(600);
    const frame = `2["big","${text}"]`; // a Socket.IO EVENT; Engine.IO adds its type, "4"
    assert.equal(socket.emit("big", text), true);
    assert.equal(socket.bufferedAmount, frame.length + 1, "the message and its type byte");
    assert.equal(socket.conn.bufferedAmount, socket.bufferedAmount);
    assert.equal(socket.emit("big", text), true, "still under maxBufferedBytes before writing");
    assert.equal(socket.emit("big", text), false, "over maxBufferedBytes: wait for drain");
    const queued = socket.bufferedAmount;
    assert.equal(queued, 3 * (frame.length + 1));
    assert.equal(socket.volatile.emit("big", text), false, "a volatile packet is dropped");
    assert.equal(socket.bufferedAmount, queued, "and not queued");

    const drained = nextEvent(socket, "drain");
    const engineDrained = nextEvent(socket.conn, "drain");
    const reply = await poll(base, sid);
    assert.deepEqual(reply.body.split(SEP), ["4" + frame, "4" + frame, "4" + frame]);
    await drained;
    await engineDrained;
    assert.equal(socket.bufferedAmount, 0);
    await server.close();
  });

  it(
    "WebSocket: counts what the runtime holds for a client that stopped reading; drain when it reads again",
    {
      timeout: 20_000,
    },
    async () => {
      const server = await startServer({
        gateways: [quiet],
        slowConsumer: { maxBufferedBytes: 256 * KiB, hardLimitBytes: 1024 * 1024 * 1024 },
      });
      const { client, socket } = await rawSocketIoClient(server);
      client.stopReading();
      const payload = "y".repeat(32 * KiB);
      let sent = 0;
      let accepted = true;
      // the kernel's buffers take a few MB first; 64 MB at most
      while (accepted && sent < 2000) {
        accepted = socket.emit("chunk", payload);
        sent++;
        if (sent % 8 === 0) await sleep(1);
      }
      assert.equal(accepted, false, `emit returned false within ${sent} messages`);
      assert.ok(socket.bufferedAmount > 256 * KiB, `bufferedAmount ${socket.bufferedAmount}`);
      assert.ok(socket.connected, "under the hard limit the socket stays");

      const drained = nextEvent(socket, "drain", 10_000);
      client.resumeReading();
      await drained;
      assert.ok(socket.bufferedAmount <= 16 * KiB, `after drain: ${socket.bufferedAmount}`);
      await waitUntil(() => client.pendingTexts >= sent, `${sent} messages read`, 10_000);
      assert.equal(client.pendingTexts, sent, "nothing lost");
      assert.equal(socket.emit("chunk", "after"), true);
      await client.close();
      await server.close();
    },
  );

  it("the Engine.IO socket reports bufferedAmount and drain too", { timeout: 20_000 }, async () => {
    const engine = createEngineServer();
    const sockets: EngineSocket[] = [];
    engine.on("connection", (socket) => sockets.push(socket));
    const running = await serveOnAnyRuntime({
      port: 0,
      fetch: engine.fetch,
      websocket: engine.websocket,
    });
    const { client } = await RawWsClient.session(running.port, "/engine.io/");
    try {
      await waitUntil(() => sockets.length === 1, "the connection");
      const [socket] = sockets;
      client.stopReading();
      const payload = "z".repeat(64 * KiB);
      let sent = 0;
      while (socket.bufferedAmount <= 512 * KiB && sent < 1000) {
        socket.send(payload);
        sent++;
        if (sent % 4 === 0) await sleep(1);
      }
      assert.ok(socket.bufferedAmount > 512 * KiB, `bufferedAmount ${socket.bufferedAmount}`);
      const drained = nextEvent(socket, "drain", 10_000);
      client.resumeReading();
      await drained;
      assert.ok(socket.bufferedAmount <= 16 * KiB);
      await waitUntil(() => client.pendingTexts >= sent, `${sent} messages read`, 10_000);
    } finally {
      await client.close();
      engine.close();
      await running.close();
    }
  });
});
