/**
 * The slow-consumer policy under a fan-out: a raw client that stops reading (WebSocket, done by
 * hand over node:net so it can stall) or stops polling, while the server broadcasts large
 * messages and a normal socket.io-client keeps receiving every one of them. The stalled
 * connection's buffered bytes never pass `hardLimitBytes` plus one message: by default it is
 * closed ("forced close", the cause logged at warning); volatile packets above
 * `maxBufferedBytes` are dropped; with `action: "drop"` it stays, and packets are dropped.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type AnyServerSocket,
  defineGateway,
  type DisconnectReason,
  type SlowConsumerOptions,
} from "../../mod.ts";
import {
  type ClientSocket,
  closeAll,
  connect,
  startServer,
  type TestServer,
} from "../_helpers/socketio.ts";
import { handshake, poll, push } from "../_helpers/raw_client.ts";
import { sleep, waitUntil } from "../_helpers/wait.ts";
import { closeRawClients, RawWsClient } from "./_raw_ws.ts";
import { captureLogs, type LogRecord, stopCapturingLogs } from "../_helpers/log_capture.ts";

const KiB = 1024;
const MESSAGE = "m".repeat(32 * KiB);
/** A broadcast frame's size on the stalled connection, with room for the event name and index. */
const FRAME_BYTES = MESSAGE.length + 64;

/** Records every disconnection the gateway sees, with its description. */
function recordingGateway() {
  const disconnects = new Map<string, { reason: DisconnectReason; description: unknown }>();
  const gateway = defineGateway({
    connect(socket) {
      socket.on("disconnect", (reason, description) => {
        disconnects.set(socket.id, { reason: reason as DisconnectReason, description });
      });
    },
    events: {},
  });
  return { gateway, disconnects };
}

/** Counts the `tick` events a socket.io-client receives. */
function countTicks(client: ClientSocket): { readonly count: number } {
  const counter = { count: 0 };
  client.on("tick", () => counter.count++);
  return counter;
}

/** A raw WebSocket client joined to "/" that then stops reading; with its server socket. */
async function stalledWebSocket(server: TestServer) {
  const { client } = await RawWsClient.session(server.port, "/socket.io/");
  client.send("40");
  const reply = await client.text();
  const socket = server.io.of("/").sockets.get(JSON.parse(reply.slice(2)).sid)!;
  assert.ok(socket, "the stalled client's server socket");
  client.stopReading();
  return { client, socket };
}

/**
 * Broadcasts `tick` (a 32 KiB message) to everyone up to `max` times, yielding now and then so
 * the runtime can write, until `done()` holds; tracks the largest bufferedAmount of `watched`.
 */
async function fanOut(
  server: TestServer,
  watched: AnyServerSocket,
  { max, volatile = false, done = () => false }: {
    max: number;
    volatile?: boolean;
    done?: () => boolean;
  },
): Promise<{ sent: number; peak: number }> {
  let sent = 0;
  let peak = 0;
  while (sent < max && !done()) {
    const target = volatile ? server.io.sockets.volatile : server.io.sockets;
    target.emit("tick", sent, MESSAGE);
    sent++;
    if (watched.connected) peak = Math.max(peak, watched.bufferedAmount);
    // volatile packets sent in one run behind a write are dropped (a write is in flight)
    if (volatile || sent % 4 === 0) await sleep(1);
  }
  return { sent, peak };
}

describe("slow consumers", () => {
  const records: LogRecord[] = [];

  before(async () => {
    await captureLogs(records, ["sio", "server"], "warning");
  });

  after(async () => {
    await closeRawClients();
    await closeAll();
    await stopCapturingLogs();
  });

  async function serve(slowConsumer: SlowConsumerOptions) {
    const recording = recordingGateway();
    const server = await startServer({ gateways: [recording.gateway], slowConsumer });
    return { ...recording, server };
  }

  it(
    "a stalled WebSocket client is disconnected at the hard limit; a normal client gets every message",
    {
      timeout: 30_000,
    },
    async () => {
      records.length = 0;
      const hardLimitBytes = 512 * KiB;
      const { server, disconnects } = await serve({ maxBufferedBytes: 256 * KiB, hardLimitBytes });
      const normal = await connect(server.url, { transports: ["websocket"] });
      const ticks = countTicks(normal);
      const { client, socket } = await stalledWebSocket(server);

      // a few MB fill the kernel's buffers first; 64 MB at most
      const { sent, peak } = await fanOut(server, socket, {
        max: 2000,
        done: () => !socket.connected,
      });
      assert.equal(socket.connected, false, `disconnected within ${sent} broadcasts`);
      assert.ok(peak <= hardLimitBytes + FRAME_BYTES, `bounded: peak ${peak}`);
      const recorded = disconnects.get(socket.id);
      assert.equal(recorded?.reason, "forced close");
      assert.match(String(recorded?.description), /slow consumer/);
      const warning = records.find((r) => r.rawMessage === "slow consumer: connection closed");
      assert.ok(warning, "the cause is logged at warning");
      assert.equal(warning.properties.address, "127.0.0.1");
      assert.equal(warning.properties.hardLimitBytes, hardLimitBytes);

      await waitUntil(() => ticks.count === sent, `the normal client to get ${sent} ticks`, 10_000);
      assert.ok(normal.connected, "the normal client stays");
      assert.equal(server.io.clientsCount, 1, "only the normal connection is left");
      await client.close();
      await server.close();
    },
  );

  it("volatile packets are dropped above maxBufferedBytes; the stalled client stays", {
    timeout: 30_000,
  }, async () => {
    const maxBufferedBytes = 256 * KiB;
    const { server } = await serve({ maxBufferedBytes, hardLimitBytes: 1024 * 1024 * 1024 });
    const normal = await connect(server.url, { transports: ["websocket"] });
    const ticks = countTicks(normal);
    const { client, socket } = await stalledWebSocket(server);

    // fill the kernel's buffers and pass maxBufferedBytes with ordinary packets
    await fanOut(server, socket, {
      max: 2000,
      done: () => socket.bufferedAmount > maxBufferedBytes,
    });
    assert.ok(socket.bufferedAmount > maxBufferedBytes, "over maxBufferedBytes");
    const before = socket.bufferedAmount;
    const regular = ticks.count;
    const { sent, peak } = await fanOut(server, socket, { max: 300, volatile: true });
    assert.ok(socket.connected, "volatile packets never close a connection");
    assert.ok(peak <= before, `nothing more was queued: ${peak} <= ${before}`);
    assert.equal(socket.volatile.emit("tick", -1, MESSAGE), false);
    await waitUntil(
      () => ticks.count >= regular + sent,
      "the normal client to get the volatile ticks",
      10_000,
    );
    await client.close();
    await server.close();
  });

  it('action "drop" keeps the stalled connection and drops what passes the hard limit', {
    timeout: 30_000,
  }, async () => {
    records.length = 0;
    const hardLimitBytes = 512 * KiB;
    const { server } = await serve({
      maxBufferedBytes: 256 * KiB,
      hardLimitBytes,
      action: "drop",
    });
    const normal = await connect(server.url, { transports: ["websocket"] });
    const ticks = countTicks(normal);
    const { client, socket } = await stalledWebSocket(server);

    let dropped = 0;
    const { sent, peak } = await fanOut(server, socket, {
      max: 2000,
      done: () => {
        if (socket.bufferedAmount > hardLimitBytes) dropped++;
        return dropped > 50;
      },
    });
    assert.ok(socket.connected, "the connection stays");
    assert.ok(dropped > 50, `the hard limit was reached within ${sent} broadcasts`);
    assert.ok(peak <= hardLimitBytes + FRAME_BYTES, `bounded: peak ${peak}`);
    assert.ok(
      records.some((r) => r.rawMessage === "slow consumer: dropping packets"),
      "the drops are logged at warning",
    );
    await waitUntil(() => ticks.count === sent, `the normal client to get ${sent} ticks`, 10_000);

    // once it reads again, the connection drains and carries new messages
    const drained = new Promise<void>((resolve) => socket.on("drain", () => resolve()));
    client.resumeReading();
    await Promise.race([drained, sleep(10_000)]);
    assert.ok(socket.bufferedAmount <= 16 * KiB, `drained: ${socket.bufferedAmount}`);
    assert.equal(socket.emit("after", "hello"), true);
    // ticks the kernel still held come first
    let text = "";
    while (!text.startsWith('42["after"')) text = await client.text(5000);
    assert.equal(text, '42["after","hello"]');
    await client.close();
    await server.close();
  });

  it("a long-polling client that stops polling is closed at the hard limit", async () => {
    const hardLimitBytes = 256 * KiB;
    const { server, disconnects } = await serve({ maxBufferedBytes: 128 * KiB, hardLimitBytes });
    const base = `${server.url}/socket.io/`;
    const { sid } = await handshake(base);
    await push(base, sid, "40");
    const socketId = JSON.parse((await poll(base, sid)).body.slice(2)).sid as string;
    const socket = server.io.of("/").sockets.get(socketId)!;

    const { sent, peak } = await fanOut(server, socket, {
      max: 100,
      done: () => !socket.connected,
    });
    assert.equal(socket.connected, false, `closed within ${sent} broadcasts`);
    assert.ok(sent <= Math.ceil(hardLimitBytes / MESSAGE.length) + 2, `${sent} broadcasts`);
    assert.ok(peak <= hardLimitBytes + FRAME_BYTES, `bounded: peak ${peak}`);
    assert.equal(disconnects.get(socketId)?.reason, "forced close");
    const late = await poll(base, sid);
    assert.equal(late.status, 400, "the session is gone");
    assert.deepEqual(JSON.parse(late.body), { code: 1, message: "Session ID unknown" });
    await server.close();
  });
});
