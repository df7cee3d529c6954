/**
 * Unit tests of the in-memory Engine.IO transport (src/testing/memory_transport.ts), alone and
 * under an EngineSession: asynchronous, ordered delivery both ways, copies of binary frames,
 * closes from either side, and the frame size limit.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemoryTransport } from "../../src/testing/memory_transport.ts";
import { resolveEngineOptions } from "../../src/options/engine_options.ts";
import type { Packet, PacketData } from "../../src/engine/packet.ts";
import { EngineSession } from "../../src/engine/session.ts";
import type { EngineCloseReason } from "../../src/engine/engine_socket.ts";
import type { TransportCloseReason } from "../../src/engine/transport.ts";

/** Lets every queued microtask (and what they queue) run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A transport with a recording peer and a recording listener. */
function openTransport(maxPayload?: number) {
  const peer = { frames: [] as PacketData[], closes: 0 };
  const transport = new MemoryTransport({
    onFrame: (frame) => peer.frames.push(frame),
    onClose: () => peer.closes++,
  }, maxPayload);
  const server = {
    packets: [] as Packet[],
    closes: [] as Array<[TransportCloseReason, string | undefined]>,
  };
  transport.bind({
    onPacket: (packet) => server.packets.push(packet),
    onDrain: () => {},
    onClose: (reason, description) => server.closes.push([reason, description]),
  });
  return { transport, peer, server };
}

describe("MemoryTransport: server → peer", () => {
  it("is a writable 'websocket' with nothing buffered", () => {
    const { transport } = openTransport();
    assert.equal(transport.name, "websocket");
    assert.equal(transport.writable, true);
    assert.equal(transport.bufferedAmount, 0);
  });

  it("delivers frames in a microtask, in order, encoded as on a WebSocket", async () => {
    const { transport, peer } = openTransport();
    transport.send([{ type: "open", data: "{}" }, { type: "message", data: "a" }]);
    transport.send([{ type: "ping" }, { type: "message", data: new Uint8Array([1]) }]);
    assert.deepEqual(peer.frames, [], "nothing is delivered synchronously");
    await Promise.resolve();
    assert.deepEqual(peer.frames, ["0{}", "4a", "2", new Uint8Array([1])]);
  });

  it("copies binary frames", async () => {
    const { transport, peer } = openTransport();
    const bytes = new Uint8Array([1, 2, 3]);
    transport.send([{ type: "message", data: bytes }]);
    bytes[0] = 9;
    await settle();
    assert.deepEqual(peer.frames, [new Uint8Array([1, 2, 3])]);
  });

  it("close(): frames sent before still arrive, then the peer hears the close once", async () => {
    const { transport, peer } = openTransport();
    let done = 0;
    transport.send([{ type: "message", data: "last" }]);
    transport.close(() => done++);
    transport.close(() => done++);
    assert.equal(done, 2, "done runs at once, every time");
    assert.equal(transport.writable, false);
    transport.send([{ type: "message", data: "dropped" }]);
    await settle();
    assert.deepEqual(peer.frames, ["4last"]);
    assert.equal(peer.closes, 1);
  });
});

describe("MemoryTransport: peer → server", () => {
  it("decodes frames for the listener in a microtask", async () => {
    const { transport, server } = openTransport();
    transport.receive("3");
    transport.receive("4hello");
    transport.receive(new Uint8Array([5]));
    assert.deepEqual(server.packets, []);
    await settle();
    assert.deepEqual(server.packets, [
      { type: "pong" },
      { type: "message", data: "hello" },
      { type: "message", data: new Uint8Array([5]) },
    ]);
  });

  it("peerClose() → 'transport close', and no frame after it", async () => {
    const { transport, peer, server } = openTransport();
    transport.receive("4before");
    transport.peerClose();
    transport.receive("4after");
    transport.send([{ type: "message", data: "unread" }]);
    await settle();
    assert.deepEqual(server.packets, [{ type: "message", data: "before" }]);
    assert.deepEqual(server.closes, [["transport close", undefined]]);
    assert.deepEqual(peer.frames, [], "a peer that closed reads nothing more");
    assert.equal(peer.closes, 0, "and is not told of its own close");
  });

  it("a close packet, garbage and oversized frames end it as a WebSocket would", async () => {
    const closePacket = openTransport();
    closePacket.transport.receive("1");
    const garbage = openTransport();
    garbage.transport.receive("x");
    const big = openTransport(4);
    big.transport.receive("4abcd");
    await settle();
    assert.deepEqual(closePacket.server.closes, [["transport close", undefined]]);
    assert.equal(garbage.server.closes[0][0], "parse error");
    assert.deepEqual(big.server.closes, [["transport error", "message too big"]]);
    for (const { peer } of [closePacket, garbage, big]) assert.equal(peer.closes, 1);
  });
});

describe("MemoryTransport under an EngineSession", () => {
  it("gets OPEN without upgrades, pings, and closes with the peer", async () => {
    const { transport, peer } = openTransport();
    const options = resolveEngineOptions({ pingInterval: 5, pingTimeout: 50 });
    const reasons: EngineCloseReason[] = [];
    const session = new EngineSession(
      "sid",
      transport,
      {
        headers: new Headers(),
        query: new URLSearchParams(),
        url: "/socket.io/?EIO=4&transport=websocket",
        remoteAddress: "127.0.0.1",
        secure: false,
        issued: Date.now(),
      },
      options,
      () => {},
    );
    session.on("close", (reason) => reasons.push(reason));
    session.open();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const open = JSON.parse((peer.frames[0] as string).slice(1));
    assert.deepEqual(open.upgrades, []);
    assert.equal(open.sid, "sid");
    assert.equal(peer.frames[1], "2", "the session pings");
    transport.receive("3");
    transport.peerClose();
    await settle();
    assert.deepEqual(reasons, ["transport close"]);
    assert.equal(session.readyState, "closed");
  });
});
