/**
 * The compress flag inside the engine (src/engine/session.ts, polling.ts, websocket.ts): a
 * message sent with `compress: false` makes its polling payload incompressible and its
 * WebSocket frame uncompressed; frames below the transport's threshold go uncompressed too.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { HandshakeInfo } from "../../src/engine/handshake_info.ts";
import { PollingTransport, type PollOutcome } from "../../src/engine/polling.ts";
import { EngineSession } from "../../src/engine/session.ts";
import type { Transport, WsConnection } from "../../src/engine/transport.ts";
import { WebSocketTransport } from "../../src/engine/websocket.ts";
import { resolveEngineOptions } from "../../src/options/engine_options.ts";

const info: HandshakeInfo = {
  headers: new Headers(),
  query: new URLSearchParams("EIO=4&transport=polling"),
  url: "/engine.io/?EIO=4&transport=polling",
  remoteAddress: "127.0.0.1",
  secure: false,
  issued: 0,
};

/** A runtime connection that records each frame with its compress argument. */
class RecordingConnection implements WsConnection {
  readonly sent: [string | Uint8Array, boolean | undefined][] = [];
  bufferedAmount = 0;
  send(data: string | Uint8Array, compress?: boolean): void {
    this.sent.push([data, compress]);
  }
  close(): void {}
}

/** A session opened on `transport`, with timers far away; `end` closes it. */
function openSession(transport: Transport) {
  const options = resolveEngineOptions({ pingInterval: 60_000, pingTimeout: 60_000 });
  const session = new EngineSession("sid", transport, info, options, () => {});
  session.open();
  return { session, end: () => session.terminate("forced server close") };
}

async function nextPayload(transport: PollingTransport): Promise<PollOutcome> {
  return await transport.poll();
}

describe("the compress flag over polling", () => {
  it("leaves a payload of default messages compressible", async () => {
    const transport = new PollingTransport();
    const { session, end } = openSession(transport);
    try {
      await nextPayload(transport); // OPEN
      session.send("a");
      session.send(new Uint8Array([1]), { compress: true });
      const outcome = await nextPayload(transport);
      assert.equal(outcome.kind, "payload");
      assert.equal((outcome as { compressible: boolean }).compressible, true);
    } finally {
      end();
    }
  });

  it("makes a payload with one message sent with compress: false incompressible", async () => {
    const transport = new PollingTransport();
    const { session, end } = openSession(transport);
    try {
      await nextPayload(transport);
      session.send("a");
      session.send("b", { compress: false });
      const outcome = await nextPayload(transport);
      assert.deepEqual(outcome, { kind: "payload", body: "4a\x1e4b", compressible: false });
      // the next payload is judged on its own packets
      session.send("c");
      assert.equal((await nextPayload(transport) as { compressible: boolean }).compressible, true);
    } finally {
      end();
    }
  });
});

describe("the compress flag and the threshold over WebSocket", () => {
  function open(compressFrom?: number) {
    const connection = new RecordingConnection();
    const transport = new WebSocketTransport(1e6, () => {}, undefined, compressFrom);
    transport.handlers.onOpen(connection);
    const { session, end } = openSession(transport);
    connection.sent.length = 0; // the OPEN packet
    return { connection, session, end };
  }

  it("compresses nothing when perMessageDeflate is off (no threshold)", () => {
    const { connection, session, end } = open();
    try {
      session.send("x".repeat(5000));
      assert.deepEqual(connection.sent.map(([, compress]) => compress), [false]);
    } finally {
      end();
    }
  });

  it("compresses frames of the threshold or more, unless sent with compress: false", () => {
    const { connection, session, end } = open(10);
    try {
      session.send("123456789"); // frame "4123456789": 10 code units
      session.send("12345678"); // 9
      session.send(new Uint8Array(10)); // binary: 10 bytes, sent raw
      session.send(new Uint8Array(9));
      session.send("a long message", { compress: false });
      assert.deepEqual(connection.sent.map(([, compress]) => compress), [
        true,
        false,
        true,
        false,
        false,
      ]);
    } finally {
      end();
    }
  });

  it("compresses every frame with a threshold of 0, control packets included", () => {
    const { connection, session, end } = open(0);
    try {
      session.send("");
      assert.deepEqual(connection.sent, [["4", true]]);
    } finally {
      end();
    }
  });
});
