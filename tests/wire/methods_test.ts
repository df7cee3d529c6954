/**
 * Wire tests of HTTP methods other than GET and POST, answered as the reference answers them:
 * a handshake is refused with code 2 (`verify` accepts only GET), and so is a request of an open
 * polling session (the reference answers an empty 500 there), and the session lives on.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startEngineServer, type TestEngineServer } from "../_helpers/engine_server.ts";
import { captureLogs, type LogRecord, stopCapturingLogs } from "../_helpers/log_capture.ts";
import { handshake, poll, pollingUrl, push, request } from "../_helpers/raw_client.ts";

const OTHER_METHODS = ["PUT", "PATCH", "DELETE", "OPTIONS"];

describe("HTTP methods other than GET and POST", () => {
  let server: TestEngineServer;
  let corsServer: TestEngineServer;
  before(async () => {
    // a long heartbeat, so no PING gets into the payloads compared here
    server = await startEngineServer({ pingInterval: 10_000, pingTimeout: 5_000 });
    corsServer = await startEngineServer({
      pingInterval: 10_000,
      pingTimeout: 5_000,
      cors: { origin: "http://example.test" },
    });
  });
  after(async () => {
    await stopCapturingLogs();
    await server.close();
    await corsServer.close();
  });

  it("a handshake with any of them (OPTIONS without cors too) gets 400, code 2", async () => {
    for (const method of OTHER_METHODS) {
      const reply = await request(pollingUrl(server.httpUrl), { method });
      assert.equal(reply.status, 400, method);
      assert.equal(reply.headers.get("content-type"), "application/json");
      assert.deepEqual(JSON.parse(reply.body), { code: 2, message: "Bad handshake method" });
    }
    assert.equal(server.engine.clientsCount, 0);
  });

  it("on an open polling session they get 400, code 2; the session is unaffected", async () => {
    const { sid } = await handshake(server.httpUrl);
    for (const method of OTHER_METHODS) {
      const body = method === "PUT" || method === "PATCH" ? "4sneaky" : undefined;
      const reply = await request(pollingUrl(server.httpUrl, sid), { method, body });
      assert.equal(reply.status, 400, `${method}: ${reply.body}`);
      assert.deepEqual(JSON.parse(reply.body), { code: 2, message: "Bad handshake method" });
    }
    // nothing was taken as a poll or as data: the session still exchanges normally
    assert.equal((await push(server.httpUrl, sid, "4hello")).body, "ok");
    const polled = await poll(server.httpUrl, sid);
    assert.equal(polled.status, 200);
    assert.equal(polled.body, "4hello");
    assert.equal((await server.socket(sid)).readyState, "open");
  });

  it("is logged under sio.engine", async () => {
    const records: LogRecord[] = [];
    await captureLogs(records, ["sio", "engine"], "warning");
    try {
      const { sid } = await handshake(server.httpUrl);
      const reply = await request(pollingUrl(server.httpUrl, sid), { method: "DELETE" });
      assert.equal(reply.status, 400);
      const logged = records.find((record) => String(record.properties.detail).includes("DELETE"));
      assert.ok(logged, "a record naming the method");
      assert.ok(String(logged.properties.detail).includes(sid));
    } finally {
      await stopCapturingLogs();
    }
  });

  it("with cors, OPTIONS on a session is a preflight, answered by the cors layer", async () => {
    const { sid } = await handshake(corsServer.httpUrl);
    const reply = await request(pollingUrl(corsServer.httpUrl, sid), {
      method: "OPTIONS",
      headers: { "Origin": "http://example.test", "Access-Control-Request-Method": "POST" },
    });
    assert.ok(reply.status === 204 || reply.status === 200, `status ${reply.status}`);
    assert.equal(reply.headers.get("access-control-allow-origin"), "http://example.test");
    const put = await request(pollingUrl(corsServer.httpUrl, sid), { method: "PUT" });
    assert.equal(put.status, 400);
  });
});
