/**
 * `drain()` of a bare Engine.IO server (`createEngineServer`): handshakes are refused with 503
 * and `Retry-After` at once, a long-polling session gets what was queued for it and then the
 * close packet, a WebSocket session is closed, and the probes flip; `close()` refuses later
 * handshakes too.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startEngineServer, type TestEngineServer } from "../_helpers/engine_server.ts";
import { handshake, poll, request, SEP } from "../_helpers/raw_client.ts";
import { nextEvent, withTimeout } from "../_helpers/wait.ts";
import { closeRawClients, RawWsClient } from "../limits/_raw_ws.ts";

const servers: TestEngineServer[] = [];

async function server(): Promise<TestEngineServer> {
  const started = await startEngineServer({ echo: false });
  servers.push(started);
  return started;
}

describe("createEngineServer: drain()", () => {
  after(async () => {
    await closeRawClients();
    for (const started of servers) await started.close();
  });

  it("flushes each session, closes it, and refuses handshakes with 503 meanwhile", async () => {
    const s = await server();
    const { sid } = await handshake(s.httpUrl);
    const polling = await s.socket(sid);
    const ws = await RawWsClient.session(s.port, s.engine.path);
    const wsClosed = nextEvent(await s.socket(ws.sid), "close");
    polling.send("queued before the drain");
    assert.equal(s.engine.ready().status, 200);

    const draining = s.engine.drain({ deadline: 3000, retryAfter: 2 });
    assert.equal(s.engine.state, "draining");
    assert.equal(s.engine.ready().status, 503);
    assert.equal(s.engine.health().status, 200);
    const refused = await request(`${s.httpUrl}?EIO=4&transport=polling`);
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get("retry-after"), "2");
    assert.deepEqual(JSON.parse(refused.body), { code: 4, message: "Server shutting down" });

    // what was queued, then (on the next poll, behind a noop as engine.io) the close packet
    const received: string[] = [];
    for (let i = 0; i < 3 && !received.includes("1"); i++) {
      received.push(...(await poll(s.httpUrl, sid)).body.split(SEP));
    }
    assert.deepEqual(received.filter((packet) => packet !== "6"), [
      "4queued before the drain",
      "1",
    ]);
    await withTimeout(draining, 3000, "the drain");
    assert.deepEqual(await wsClosed, ["forced close", undefined]);
    assert.equal(s.engine.state, "closed");
    assert.equal(s.engine.clientsCount, 0);
    assert.equal(s.engine.health().status, 503);
  });

  it("close() ends every session at once and refuses later handshakes", async () => {
    const s = await server();
    await handshake(s.httpUrl);
    s.engine.close();
    assert.equal(s.engine.clientsCount, 0);
    assert.equal(s.engine.state, "closed");
    const refused = await request(`${s.httpUrl}?EIO=4&transport=polling`);
    assert.equal(refused.status, 503);
  });
});
