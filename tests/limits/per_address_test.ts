/**
 * Per-address limits and the first-poll reaper: one client address cannot take every place.
 * `maxConnectionsPerAddress` and `handshakesPerSecondPerAddress` refuse its handshakes beyond
 * them with HTTP 429 `{"code":4,"message":…}` (WebSocket handshakes before the upgrade), other
 * addresses carry on, and a polling session whose client never comes back after the handshake
 * is removed after `firstPollTimeout`, not after connectTimeout plus a closing state.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { defineGateway } from "../../mod.ts";
import { createEngineServer } from "../../engine.ts";
import { closeAll, connect, startServer, type TestServer } from "../_helpers/socketio.ts";
import { handshake, poll, request } from "../_helpers/raw_client.ts";
import { serveOnAnyRuntime } from "../fixtures/serve_any.ts";
import { waitUntil } from "../_helpers/wait.ts";
import { closeRawClients, RawWsClient } from "./_raw_ws.ts";
import { AddressLimits } from "../../src/engine/address_limits.ts";

const echo = defineGateway({ events: { echo: (_socket, value: unknown) => value } });
const TOO_MANY_CONNECTIONS = { code: 4, message: "Too many connections" };
const TOO_MANY_HANDSHAKES = { code: 4, message: "Too many handshakes" };

function engineUrl(server: TestServer): string {
  return `${server.url}/socket.io/`;
}

/** A polling handshake claiming to come from `address` (the server trusts X-Forwarded-For). */
function handshakeFrom(server: TestServer, address: string) {
  return request(`${engineUrl(server)}?EIO=4&transport=polling`, {
    headers: { "x-forwarded-for": address },
  });
}

describe("per-address limits", () => {
  after(async () => {
    await closeRawClients();
    await closeAll();
  });

  it("refuses a polling handshake past maxConnectionsPerAddress with 429; a place freed can be taken", async () => {
    const server = await startServer({ gateways: [echo], maxConnectionsPerAddress: 2 });
    const first = await handshake(engineUrl(server));
    await handshake(engineUrl(server));
    const refused = await request(`${engineUrl(server)}?EIO=4&transport=polling`);
    assert.equal(refused.status, 429);
    assert.match(refused.headers.get("content-type") ?? "", /application\/json/);
    assert.deepEqual(JSON.parse(refused.body), TOO_MANY_CONNECTIONS);
    assert.equal(server.io.clientsCount, 2, "the refused handshake opened nothing");
    // the first session leaves (a close packet), and its place is free again
    await request(`${engineUrl(server)}?EIO=4&transport=polling&sid=${first.sid}`, {
      method: "POST",
      body: "1",
    });
    await waitUntil(() => server.io.clientsCount === 1, "the first session to close");
    await handshake(engineUrl(server));
    await server.close();
  });

  it("refuses a WebSocket handshake past maxConnectionsPerAddress with 429 before upgrading", async () => {
    const server = await startServer({ gateways: [echo], maxConnectionsPerAddress: 1 });
    const first = await RawWsClient.session(server.port, "/socket.io/");
    const { client, response } = await RawWsClient.open(
      server.port,
      "/socket.io/?EIO=4&transport=websocket",
    );
    assert.equal(response.status, 429);
    assert.deepEqual(JSON.parse(response.body), TOO_MANY_CONNECTIONS);
    assert.equal(server.io.clientsCount, 1);
    await client.close();
    await first.client.close();
    await server.close();
  });

  it("refuses handshakes past handshakesPerSecondPerAddress (after the burst) with 429 and Retry-After", async () => {
    const server = await startServer({
      gateways: [echo],
      handshakesPerSecondPerAddress: 1,
      handshakeBurstPerAddress: 3,
    });
    for (let i = 0; i < 3; i++) await handshake(engineUrl(server));
    const refused = await request(`${engineUrl(server)}?EIO=4&transport=polling`);
    assert.equal(refused.status, 429);
    assert.deepEqual(JSON.parse(refused.body), TOO_MANY_HANDSHAKES);
    assert.ok(Number(refused.headers.get("retry-after")) >= 1);
    assert.equal(server.io.clientsCount, 3);
    await server.close();
  });

  it("a flood from one address leaves the others served, and its unpolled sessions go within firstPollTimeout", async () => {
    // the reproduction, bounded: one address fires 700 handshakes at once and never polls
    const server = await startServer({
      gateways: [echo],
      trustProxy: true,
      maxConnections: 1000,
      // long enough that no session of the flood expires while the flood is still arriving
      // (a loaded machine takes over a second for 700 handshakes)
      firstPollTimeout: 2000,
    });
    const started = Date.now();
    const replies = await Promise.all(
      Array.from({ length: 700 }, () => handshakeFrom(server, "203.0.113.7")),
    );
    const accepted = replies.filter((reply) => reply.status === 200).length;
    const refused = replies.filter((reply) => reply.status === 429).length;
    assert.equal(accepted, 500, "maxConnectionsPerAddress (default 500) places at most");
    assert.equal(refused, 200);
    assert.equal(server.io.clientsCount, 500);
    // another address is served at once, with a real client
    const other = await connect(server.url, {
      transports: ["polling"],
      extraHeaders: { "x-forwarded-for": "198.51.100.2" },
    });
    assert.equal(await other.timeout(2000).emitWithAck("echo", "hi"), "hi");
    // the flood's sessions never polled again: all gone soon after firstPollTimeout
    await waitUntil(() => server.io.clientsCount === 1, "the unpolled sessions to be reaped", 6000);
    assert.ok(Date.now() - started < 7000, `reaped in ${Date.now() - started} ms`);
    assert.equal(await other.timeout(2000).emitWithAck("echo", "still"), "still");
    await server.close();
  });

  it("a session whose client comes back for its first poll is not reaped", async () => {
    const server = await startServer({ gateways: [echo], firstPollTimeout: 300 });
    const { sid } = await handshake(engineUrl(server));
    const parked = poll(engineUrl(server), sid, {}, 2000).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.equal(server.io.clientsCount, 1, "the polling session is still open");
    await request(`${engineUrl(server)}?EIO=4&transport=polling&sid=${sid}`, {
      method: "POST",
      body: "1",
    });
    await parked;
    await server.close();
  });

  it("applies to the bare Engine.IO server too", async () => {
    const engine = createEngineServer({ maxConnectionsPerAddress: 1, firstPollTimeout: 200 });
    const running = await serveOnAnyRuntime({
      port: 0,
      fetch: engine.fetch,
      websocket: engine.websocket,
    });
    try {
      const base = `http://127.0.0.1:${running.port}/engine.io/`;
      await handshake(base);
      const refused = await request(`${base}?EIO=4&transport=polling`);
      assert.equal(refused.status, 429);
      assert.deepEqual(JSON.parse(refused.body), TOO_MANY_CONNECTIONS);
      await waitUntil(() => engine.clientsCount === 0, "the unpolled session to be reaped");
      await handshake(base);
    } finally {
      engine.close();
      await running.close();
    }
  });
});

describe("AddressLimits", () => {
  const limits = () =>
    new AddressLimits({
      maxConnectionsPerAddress: 2,
      handshakesPerSecondPerAddress: 10,
      handshakeBurstPerAddress: 2,
    });

  it("counts sessions per address, and leaves an unknown address (empty) unlimited", () => {
    const table = limits();
    table.opened("a");
    table.opened("a");
    assert.equal(table.checkOpen("a")?.status, 429);
    assert.equal(table.checkOpen("b"), undefined);
    table.closed("a");
    assert.equal(table.checkOpen("a"), undefined);
    for (let i = 0; i < 10; i++) table.opened("");
    assert.equal(table.admit("", 0), undefined);
  });

  it("refills a bucket over time, and forgets idle buckets once there are many", () => {
    const table = limits();
    assert.equal(table.admit("a", 0), undefined);
    assert.equal(table.admit("a", 0), undefined);
    assert.equal(table.admit("a", 0)?.message, "Too many handshakes");
    assert.equal(table.admit("a", 100), undefined, "one token back after 100 ms at 10/s");
    for (let i = 0; i < 10_000; i++) table.admit(`10.0.${i >> 8}.${i & 255}`, 1000 + i);
    assert.ok(table.trackedAddresses < 10_000, `${table.trackedAddresses} buckets kept`);
  });
});
