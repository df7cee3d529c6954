/**
 * Logging through LogTape: silent until configured; with a sink on the `sio` category it
 * records handshakes and disconnect reasons at debug, refused input at warning with the remote
 * address, and handler errors at error.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { io as connect } from "socket.io-client";
import { createServer, defineGateway } from "../../mod.ts";
import { type RunningServer, serveOnAnyRuntime } from "../fixtures/serve_any.ts";
import { waitUntil, withTimeout } from "../_helpers/wait.ts";
import { captureLogs, type LogRecord, stopCapturingLogs } from "../_helpers/log_capture.ts";

describe("logging", () => {
  const records: LogRecord[] = [];
  let running: RunningServer;
  let url: string;
  const io = createServer({
    gateways: [defineGateway({
      events: {
        boom() {
          throw new Error("kaboom");
        },
      },
    })],
  });

  before(async () => {
    await captureLogs(records, ["sio"], "debug");
    running = await serveOnAnyRuntime({ port: 0, fetch: io.fetch, websocket: io.websocket });
    url = `http://127.0.0.1:${running.port}`;
  });

  after(async () => {
    await io.close();
    await running?.close();
    await stopCapturingLogs();
  });

  const find = (level: string, message: string) =>
    records.find((r) => r.level === level && r.rawMessage === message);

  it("records refused requests at warning, with the remote address", async () => {
    const response = await fetch(`${url}/socket.io/?EIO=3&transport=polling`);
    await response.body?.cancel();
    const record = find("warning", "request refused");
    assert.ok(record, "a warning record");
    assert.deepEqual(record.category, ["sio", "engine"]);
    assert.equal(record.properties.address, "127.0.0.1");
    assert.equal(record.properties.code, 5);
  });

  it("records handshakes and disconnect reasons at debug, handler errors at error", async () => {
    const client = connect(url, { forceNew: true, reconnection: false, transports: ["websocket"] });
    try {
      await withTimeout(
        new Promise<void>((resolve) => client.once("connect", () => resolve())),
        3000,
        "connect",
      );
      const ack = await client.timeout(3000).emitWithAck("boom");
      assert.deepEqual(ack, { error: "kaboom" });
      const failure = find("error", "gateway handler failed");
      assert.ok(failure, "an error record");
      assert.deepEqual(failure.category, ["sio", "gateway"]);
      assert.equal(failure.properties.event, "boom");
    } finally {
      client.close();
    }
    await waitUntil(() => find("debug", "socket disconnected") !== undefined, "disconnect log");
    assert.equal(
      find("debug", "socket disconnected")!.properties.reason,
      "client namespace disconnect",
    );
    assert.ok(find("debug", "handshake"));
  });
});
