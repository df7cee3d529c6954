/**
 * Unit tests of the WebSocket transport with a fake runtime connection
 * (src/engine/websocket.ts), alone and under an EngineSession.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { resolveEngineOptions } from "../../src/options/engine_options.ts";
import type { Packet } from "../../src/engine/packet.ts";
import { EngineSession } from "../../src/engine/session.ts";
import type { EngineCloseReason } from "../../src/engine/engine_socket.ts";
import type { TransportCloseReason, WsConnection } from "../../src/engine/transport.ts";
import { CLOSE_TOO_BIG, WebSocketTransport } from "../../src/engine/websocket.ts";

/** A runtime WebSocket connection that records frames and close calls. */
class FakeConnection implements WsConnection {
  readonly frames: Array<string | Uint8Array> = [];
  readonly closeCodes: Array<number | undefined> = [];
  bufferedAmount = 0;
  throwOnClose = false;

  send(data: string | Uint8Array): void {
    this.frames.push(data);
  }
  close(code?: number): void {
    this.closeCodes.push(code);
    if (this.throwOnClose) throw new Error("already closed");
  }
}

interface Recorded {
  packets: Packet[];
  closes: Array<[TransportCloseReason, string | undefined]>;
  drains: number;
}

/** An opened WebSocketTransport bound to a recording listener. */
function openTransport(maxPayload = 1000) {
  const connection = new FakeConnection();
  const transport = new WebSocketTransport(maxPayload, () => {});
  const recorded: Recorded = { packets: [], closes: [], drains: 0 };
  transport.bind({
    onPacket: (packet) => recorded.packets.push(packet),
    onDrain: () => recorded.drains++,
    onClose: (reason, description) => recorded.closes.push([reason, description]),
  });
  transport.handlers.onOpen(connection);
  return { connection, transport, recorded };
}

describe("WebSocketTransport: opening", () => {
  it("is not writable until the runtime opens the connection", () => {
    const transport = new WebSocketTransport(1000, () => {});
    assert.equal(transport.name, "websocket");
    assert.equal(transport.writable, false);
    assert.equal(transport.bufferedAmount, 0);
    transport.send([{ type: "message", data: "dropped" }]);
    transport.handlers.onOpen(new FakeConnection());
    assert.equal(transport.writable, true);
  });

  it("calls onOpen once, with itself", () => {
    const opened: WebSocketTransport[] = [];
    const transport = new WebSocketTransport(1000, (t) => opened.push(t));
    transport.handlers.onOpen(new FakeConnection());
    transport.handlers.onOpen(new FakeConnection());
    assert.deepEqual(opened, [transport]);
  });

  it("reports the runtime's buffered amount", () => {
    const { connection, transport } = openTransport();
    connection.bufferedAmount = 4321;
    assert.equal(transport.bufferedAmount, 4321);
  });
});

describe("WebSocketTransport: sending", () => {
  it("writes one frame per packet, text with its type digit", () => {
    const { connection, transport } = openTransport();
    transport.send([{ type: "open", data: "{}" }, { type: "message", data: "hello" }, {
      type: "ping",
    }]);
    assert.deepEqual(connection.frames, ["0{}", "4hello", "2"]);
  });

  it("writes a binary message as a raw binary frame, not base64", () => {
    const { connection, transport } = openTransport();
    transport.send([{ type: "message", data: new Uint8Array([1, 2, 3]) }]);
    assert.equal(connection.frames.length, 1);
    assert.ok(connection.frames[0] instanceof Uint8Array);
    assert.deepEqual([...(connection.frames[0] as Uint8Array)], [1, 2, 3]);
  });

  it("writes nothing once closed", () => {
    const { connection, transport } = openTransport();
    transport.close();
    transport.send([{ type: "message", data: "late" }]);
    assert.deepEqual(connection.frames, []);
    assert.equal(transport.writable, false);
  });
});

describe("WebSocketTransport: receiving", () => {
  it("decodes a text frame into a packet", () => {
    const { transport, recorded } = openTransport();
    transport.handlers.onMessage("4hello");
    transport.handlers.onMessage("3");
    assert.deepEqual(recorded.packets, [{ type: "message", data: "hello" }, { type: "pong" }]);
  });

  it("decodes a binary frame into a binary message", () => {
    const { transport, recorded } = openTransport();
    transport.handlers.onMessage(new Uint8Array([9, 8, 7]));
    assert.equal(recorded.packets.length, 1);
    assert.equal(recorded.packets[0].type, "message");
    assert.deepEqual(recorded.packets[0].data, new Uint8Array([9, 8, 7]));
  });

  it("does not split a text frame on the record separator", () => {
    const { transport, recorded } = openTransport();
    transport.handlers.onMessage("4a\x1e4b");
    assert.deepEqual(recorded.packets, [{ type: "message", data: "a\x1e4b" }]);
  });

  it("reports a malformed frame as a parse error", () => {
    const { transport, recorded } = openTransport();
    transport.handlers.onMessage("x");
    assert.equal(recorded.closes.length, 1);
    assert.equal(recorded.closes[0][0], "parse error");
    assert.deepEqual(recorded.packets, []);
  });

  it("closes with 1009 and reports a transport error for a frame over maxPayload", () => {
    const { connection, transport, recorded } = openTransport(10);
    transport.handlers.onMessage("4" + "x".repeat(10));
    assert.deepEqual(connection.closeCodes, [CLOSE_TOO_BIG]);
    assert.equal(CLOSE_TOO_BIG, 1009);
    assert.deepEqual(recorded.closes, [["transport error", "message too big"]]);
    assert.deepEqual(recorded.packets, []);
  });

  it("accepts a frame of exactly maxPayload", () => {
    const { transport, recorded } = openTransport(10);
    transport.handlers.onMessage("4" + "x".repeat(9));
    transport.handlers.onMessage(new Uint8Array(10));
    assert.equal(recorded.packets.length, 2);
    assert.deepEqual(recorded.closes, []);
  });

  it("measures a binary frame in bytes against maxPayload", () => {
    const { transport, recorded } = openTransport(10);
    transport.handlers.onMessage(new Uint8Array(11));
    assert.deepEqual(recorded.closes, [["transport error", "message too big"]]);
  });

  it('a close packet ("1") closes the connection and reports transport close', () => {
    const { connection, transport, recorded } = openTransport();
    transport.handlers.onMessage("1");
    assert.equal(connection.closeCodes.length, 1);
    assert.deepEqual(recorded.closes, [["transport close", undefined]]);
    assert.equal(transport.writable, false);
  });

  it("ignores frames once closed", () => {
    const { transport, recorded } = openTransport();
    transport.close();
    transport.handlers.onMessage("4late");
    assert.deepEqual(recorded.packets, []);
  });

  it("forwards the runtime's drain to the listener", () => {
    const { transport, recorded } = openTransport();
    transport.handlers.onDrain();
    assert.equal(recorded.drains, 1);
  });
});

describe("WebSocketTransport: closing", () => {
  it("the peer closing reports transport close once", () => {
    const { transport, recorded } = openTransport();
    transport.handlers.onClose(1001, "going away");
    transport.handlers.onClose(1001, "going away");
    assert.deepEqual(recorded.closes, [["transport close", undefined]]);
    assert.equal(transport.writable, false);
  });

  it("close() closes the connection once and always calls done", () => {
    const { connection, transport, recorded } = openTransport();
    let done = 0;
    transport.close(() => done++);
    transport.close(() => done++);
    assert.equal(done, 2);
    assert.equal(connection.closeCodes.length, 1);
    assert.deepEqual(recorded.closes, [], "a close we started is not reported as the peer's");
  });

  it("close() tolerates a runtime that throws on close", () => {
    const { connection, transport } = openTransport();
    connection.throwOnClose = true;
    let done = 0;
    assert.doesNotThrow(() => transport.close(() => done++));
    assert.equal(done, 1);
  });

  it("after discard() nothing is reported", () => {
    const { transport, recorded } = openTransport();
    transport.discard();
    transport.handlers.onMessage("4hello");
    transport.handlers.onDrain();
    transport.handlers.onClose(1000, "");
    assert.deepEqual(recorded, { packets: [], closes: [], drains: 0 });
  });
});

describe("EngineSession over WebSocket", () => {
  function openSession(pingInterval = 60_000, pingTimeout = 60_000) {
    const connection = new FakeConnection();
    const closes: EngineCloseReason[] = [];
    const messages: unknown[] = [];
    let session: EngineSession | undefined;
    const transport = new WebSocketTransport(1000, (ws) => {
      session = new EngineSession(
        "ws-sid",
        ws,
        {
          headers: new Headers(),
          query: new URLSearchParams("EIO=4&transport=websocket"),
          url: "/engine.io/?EIO=4&transport=websocket",
          remoteAddress: "",
          secure: false,
          issued: Date.now(),
        },
        resolveEngineOptions({ pingInterval, pingTimeout }),
        () => {},
      );
      session.on("close", (reason) => closes.push(reason));
      session.on("message", (data) => messages.push(data));
      session.open();
    });
    transport.handlers.onOpen(connection);
    assert.ok(session);
    return { connection, session, closes, messages, transport };
  }

  it("sends the OPEN packet as the first frame, offering no upgrade", () => {
    const { connection, session } = openSession();
    try {
      assert.equal(connection.frames.length, 1);
      const frame = connection.frames[0] as string;
      assert.equal(frame[0], "0");
      const open = JSON.parse(frame.slice(1));
      assert.equal(open.sid, "ws-sid");
      assert.deepEqual(open.upgrades, []);
      assert.equal(session.transport, "websocket");
    } finally {
      session.terminate("forced server close");
    }
  });

  it("sends each message as its own frame, at once", () => {
    const { connection, session } = openSession();
    try {
      session.send("a");
      session.send(new Uint8Array([1]));
      assert.deepEqual(connection.frames.slice(1), ["4a", new Uint8Array([1])]);
    } finally {
      session.terminate("forced server close");
    }
  });

  it("delivers text and binary frames as messages", () => {
    const { transport, session, messages } = openSession();
    try {
      transport.handlers.onMessage("4hi");
      transport.handlers.onMessage(new Uint8Array([5]));
      assert.deepEqual(messages, ["hi", new Uint8Array([5])]);
    } finally {
      session.terminate("forced server close");
    }
  });

  it("pings in its own frame and closes with ping timeout when no pong comes", async () => {
    const { connection, closes } = openSession(20, 20);
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (let i = 0; i < 100 && closes.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.ok(connection.frames.includes("2"), "a ping frame was sent");
    assert.deepEqual(closes, ["ping timeout"]);
    assert.equal(connection.closeCodes.length, 1, "the connection is closed");
  });

  it("close() closes the connection and reports forced close", () => {
    const { connection, session, closes } = openSession();
    session.close();
    assert.equal(connection.closeCodes.length, 1);
    assert.deepEqual(closes, ["forced close"]);
    assert.equal(session.readyState, "closed");
  });

  it("the peer closing the socket closes the session with transport close", () => {
    const { transport, session, closes } = openSession();
    transport.handlers.onClose(1000, "");
    assert.deepEqual(closes, ["transport close"]);
    assert.equal(session.readyState, "closed");
  });

  it("a parse error closes the session with parse error", () => {
    const { transport, closes } = openSession();
    transport.handlers.onMessage("garbage");
    assert.deepEqual(closes, ["parse error"]);
  });
});
