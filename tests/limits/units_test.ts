/**
 * The pieces under the limits, without I/O: the token bucket of `rateLimit`, and how the
 * WebSocket transport and the Engine.IO session measure buffered bytes and report "drain" (a
 * fake runtime connection whose buffered amount the test sets).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { resolveEngineOptions } from "../../src/options/engine_options.ts";
import { EngineSession } from "../../src/engine/session.ts";
import { DRAIN_LOW_WATER, type WsConnection } from "../../src/engine/transport.ts";
import { WebSocketTransport } from "../../src/engine/websocket.ts";
import { TokenBucket } from "../../src/_internal/token_bucket.ts";
import { sleep, waitUntil } from "../_helpers/wait.ts";

describe("TokenBucket", () => {
  it("spends a full bucket, then refuses", () => {
    const bucket = new TokenBucket(10, 3, 0);
    assert.deepEqual([1, 2, 3, 4].map(() => bucket.take(0)), [true, true, true, false]);
  });

  it("refills at its rate, never above its size", () => {
    const bucket = new TokenBucket(10, 2, 0);
    bucket.take(0);
    bucket.take(0);
    assert.equal(bucket.take(50), false, "half a token after 50 ms");
    assert.equal(bucket.take(100), true, "one token after 100 ms");
    assert.deepEqual([0, 0, 0].map(() => bucket.take(10_000)), [true, true, false]);
  });

  it("ignores a clock that goes backwards", () => {
    const bucket = new TokenBucket(1, 1, 1000);
    assert.equal(bucket.take(1000), true);
    assert.equal(bucket.take(0), false);
  });
});

/** A runtime connection whose buffered amount the test controls. */
class FakeConnection implements WsConnection {
  bufferedAmount = 0;
  readonly frames: (string | Uint8Array)[] = [];
  send(data: string | Uint8Array): void {
    this.frames.push(data);
  }
  close(): void {}
}

describe("WebSocketTransport: drain", () => {
  it("reports drain once a backed-up runtime buffer falls to the low-water mark", async () => {
    const connection = new FakeConnection();
    const transport = new WebSocketTransport(1e6, () => {});
    let drains = 0;
    transport.bind({ onPacket() {}, onClose() {}, onDrain: () => drains++ });
    transport.handlers.onOpen(connection);
    connection.bufferedAmount = DRAIN_LOW_WATER + 1;
    transport.send([{ type: "message", data: "x" }]);
    await sleep(120);
    assert.equal(drains, 0, "still backed up");
    connection.bufferedAmount = DRAIN_LOW_WATER;
    await waitUntil(() => drains === 1, "drain", 1000);
    await sleep(120);
    assert.equal(drains, 1, "once, and the watch stopped");
    transport.close();
  });

  it("a runtime drain event reports at once when the buffer is low, and is ignored when not", () => {
    const connection = new FakeConnection();
    const transport = new WebSocketTransport(1e6, () => {});
    let drains = 0;
    transport.bind({ onPacket() {}, onClose() {}, onDrain: () => drains++ });
    transport.handlers.onOpen(connection);
    connection.bufferedAmount = 10 * DRAIN_LOW_WATER;
    transport.handlers.onDrain();
    assert.equal(drains, 0);
    connection.bufferedAmount = 0;
    transport.handlers.onDrain();
    assert.equal(drains, 1);
    transport.close();
  });

  it("closing stops the watch", async () => {
    const connection = new FakeConnection();
    const transport = new WebSocketTransport(1e6, () => {});
    let drains = 0;
    transport.bind({ onPacket() {}, onClose() {}, onDrain: () => drains++ });
    transport.handlers.onOpen(connection);
    connection.bufferedAmount = DRAIN_LOW_WATER + 1;
    transport.send([{ type: "message", data: "x" }]);
    transport.close();
    connection.bufferedAmount = 0;
    await sleep(120);
    assert.equal(drains, 0);
  });
});

describe("EngineSession: bufferedAmount and drain over WebSocket", () => {
  function open() {
    const connection = new FakeConnection();
    const transport = new WebSocketTransport(1e6, () => {});
    transport.handlers.onOpen(connection);
    const session = new EngineSession(
      "sid",
      transport,
      {
        headers: new Headers(),
        query: new URLSearchParams(),
        url: "/",
        remoteAddress: "",
        secure: false,
        issued: 0,
        vars: {},
      },
      resolveEngineOptions({ pingInterval: 60_000 }),
      () => {},
    );
    session.open();
    return { connection, session };
  }

  it("is the runtime's buffered amount once everything is handed over", () => {
    const { connection, session } = open();
    connection.bufferedAmount = 1234;
    assert.equal(session.bufferedAmount, 1234);
    session.terminate("forced server close");
  });

  it("emits drain after a write only once the runtime is low again", async () => {
    const { connection, session } = open();
    let drains = 0;
    session.on("drain", () => drains++);
    session.send("small");
    assert.equal(drains, 1, "nothing held: drained at once");
    connection.bufferedAmount = 100 * 1024;
    session.send("big");
    assert.equal(drains, 1, "held by the runtime: not yet");
    connection.bufferedAmount = 0;
    await waitUntil(() => drains === 2, "the deferred drain", 1000);
    session.terminate("forced server close", "test over");
  });

  it("terminate passes its reason and description to close listeners", () => {
    const { session } = open();
    const closes: unknown[] = [];
    session.on("close", (...args) => closes.push(args));
    session.terminate("forced close", "slow consumer");
    assert.deepEqual(closes, [["forced close", "slow consumer"]]);
    assert.equal(session.bufferedAmount, 0);
  });
});
