/**
 * `maxConnections`: once that many Engine.IO sessions are open, a new handshake is refused
 * with HTTP 503 `{"code":4,"message":"Server full"}`, over long-polling and before a WebSocket
 * upgrade; the sessions already open keep working (and may still upgrade), and a place freed
 * by a disconnection can be taken again. With the real socket.io-client and raw clients.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { defineGateway } from "../../mod.ts";
import { createEngineServer } from "../../engine.ts";
import {
  closeAll,
  connect,
  connectError,
  createClient,
  startServer,
  type TestServer,
  upgraded,
} from "../_helpers/socketio.ts";
import { handshake, request } from "../_helpers/raw_client.ts";
import { serveOnAnyRuntime } from "../fixtures/serve_any.ts";
import { waitUntil } from "../_helpers/wait.ts";
import { closeRawClients, RawWsClient } from "./_raw_ws.ts";

const echo = defineGateway({ events: { echo: (_socket, value: unknown) => value } });
const FULL_BODY = { code: 4, message: "Server full" };

/** The Engine.IO URL of a test server (for raw requests). */
function engineUrl(server: TestServer): string {
  return `${server.url}/socket.io/`;
}

describe("maxConnections", () => {
  after(async () => {
    await closeRawClients();
    await closeAll();
  });

  it("refuses a long-polling handshake with 503 {code, message} once full", async () => {
    const server = await startServer({ gateways: [echo], maxConnections: 2 });
    await handshake(engineUrl(server));
    await handshake(engineUrl(server));
    assert.equal(server.io.clientsCount, 2);
    const refused = await request(`${engineUrl(server)}?EIO=4&transport=polling`);
    assert.equal(refused.status, 503);
    assert.match(refused.headers.get("content-type") ?? "", /application\/json/);
    assert.deepEqual(JSON.parse(refused.body), FULL_BODY);
    assert.equal(server.io.clientsCount, 2, "the refused handshake opened nothing");
    await server.close();
  });

  it("refuses a WebSocket handshake with 503 before upgrading", async () => {
    const server = await startServer({ gateways: [echo], maxConnections: 1 });
    const first = await RawWsClient.session(server.port, "/socket.io/");
    assert.ok(first.sid);
    const { client, response } = await RawWsClient.open(
      server.port,
      "/socket.io/?EIO=4&transport=websocket",
    );
    assert.equal(response.status, 503);
    assert.deepEqual(JSON.parse(response.body), FULL_BODY);
    assert.equal(server.io.clientsCount, 1);
    await client.close();
    await first.client.close();
    await server.close();
  });

  for (const transports of [["polling"], ["websocket"]] as const) {
    it(`socket.io-client (${transports[0]}) gets connect_error while full; the connected client carries on`, async () => {
      const server = await startServer({ gateways: [echo], maxConnections: 1 });
      const inside = await connect(server.url, { transports: [...transports] });
      const outside = createClient(server.url, { transports: [...transports] });
      const error = await connectError(outside);
      assert.ok(error instanceof Error);
      assert.equal(await inside.timeout(2000).emitWithAck("echo", "still here"), "still here");
      assert.equal(server.io.clientsCount, 1);
      await server.close();
    });
  }

  it("frees the place when a session closes", async () => {
    const server = await startServer({ gateways: [echo], maxConnections: 1 });
    const first = await connect(server.url, { transports: ["websocket"] });
    first.disconnect();
    await waitUntil(() => server.io.clientsCount === 0, "the first session to close");
    const second = await connect(server.url, { transports: ["websocket"] });
    assert.equal(await second.timeout(2000).emitWithAck("echo", 2), 2);
    await server.close();
  });

  it("lets a full server's polling session upgrade to WebSocket (not a new session)", async () => {
    const server = await startServer({ gateways: [echo], maxConnections: 1 });
    const client = await connect(server.url); // polling, then the upgrade
    await upgraded(client);
    assert.equal(server.io.clientsCount, 1);
    assert.equal(await client.timeout(2000).emitWithAck("echo", "up"), "up");
    await server.close();
  });

  it("applies to the bare Engine.IO server too", async () => {
    const engine = createEngineServer({ maxConnections: 1 });
    const running = await serveOnAnyRuntime({
      port: 0,
      fetch: engine.fetch,
      websocket: engine.websocket,
    });
    try {
      const base = `http://127.0.0.1:${running.port}/engine.io/`;
      await handshake(base);
      const refused = await request(`${base}?EIO=4&transport=polling`);
      assert.equal(refused.status, 503);
      assert.deepEqual(JSON.parse(refused.body), FULL_BODY);
    } finally {
      engine.close();
      await running.close();
    }
  });
});
