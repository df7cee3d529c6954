/** Wire tests of the Engine.IO v4 handshake: OPEN packet, refusals, options. */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startEngineServer, type TestEngineServer } from "../_helpers/engine_server.ts";
import { captureLogs, type LogRecord, stopCapturingLogs } from "../_helpers/log_capture.ts";
import {
  bytes,
  closeAllWebSockets,
  handshake,
  openWebSocketSession,
  parseOpen,
  pollingUrl,
  RawWebSocket,
  request,
  SEP,
  websocketUrl,
} from "../_helpers/raw_client.ts";

const JSON_TYPE = "application/json";

/** Asserts an Engine.IO refusal: status, JSON content type and the exact body. */
function assertRefusal(
  reply: { status: number; headers: Headers; body: string },
  status: number,
  code: number,
  message: string,
): void {
  assert.equal(reply.status, status, `status of ${reply.body}`);
  assert.equal(reply.headers.get("content-type"), JSON_TYPE);
  assert.equal(reply.body, JSON.stringify({ code, message }));
}

describe("handshake: OPEN packet", () => {
  let server: TestEngineServer;
  before(async () => {
    server = await startEngineServer({
      pingInterval: 4000,
      pingTimeout: 3000,
      maxHttpBufferSize: 5000,
    });
  });
  after(async () => {
    await closeAllWebSockets();
    await server.close();
  });

  it("polling: OPEN has exactly sid, upgrades [websocket], pingInterval, pingTimeout, maxPayload", async () => {
    const { open, reply, rest } = await handshake(server.httpUrl);
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get("content-type"), "text/plain; charset=UTF-8");
    assert.deepEqual(Object.keys(open).sort(), [
      "maxPayload",
      "pingInterval",
      "pingTimeout",
      "sid",
      "upgrades",
    ]);
    assert.equal(typeof open.sid, "string");
    assert.ok(open.sid.length > 0);
    assert.deepEqual(open.upgrades, ["websocket"]);
    assert.equal(open.pingInterval, 4000);
    assert.equal(open.pingTimeout, 3000);
    assert.equal(open.maxPayload, 5000);
    assert.deepEqual(rest, []);
    assert.ok(server.engine.clientsCount >= 1);
  });

  it("polling: every handshake gets a distinct sid", async () => {
    const sids = new Set<string>();
    for (let i = 0; i < 5; i++) sids.add((await handshake(server.httpUrl)).sid);
    assert.equal(sids.size, 5);
  });

  it("websocket: OPEN is the first frame, with upgrades []", async () => {
    const { socket, open } = await openWebSocketSession(server.wsUrl);
    assert.deepEqual(Object.keys(open).sort(), [
      "maxPayload",
      "pingInterval",
      "pingTimeout",
      "sid",
      "upgrades",
    ]);
    assert.deepEqual(open.upgrades, []);
    assert.equal(open.pingInterval, 4000);
    assert.equal(open.pingTimeout, 3000);
    assert.equal(open.maxPayload, 5000);
    assert.ok(await server.socket(open.sid));
    await socket.close();
  });
});

describe("handshake: refusals", () => {
  let server: TestEngineServer;
  before(async () => {
    server = await startEngineServer({ pingInterval: 4000, pingTimeout: 3000 });
  });
  after(async () => {
    await closeAllWebSockets();
    await server.close();
  });

  it("code 0: missing or unknown transport", async () => {
    assertRefusal(await request(`${server.httpUrl}?EIO=4`), 400, 0, "Transport unknown");
    assertRefusal(
      await request(`${server.httpUrl}?EIO=4&transport=abc`),
      400,
      0,
      "Transport unknown",
    );
  });

  it("code 1: unknown sid", async () => {
    assertRefusal(
      await request(pollingUrl(server.httpUrl, "nope")),
      400,
      1,
      "Session ID unknown",
    );
    assertRefusal(
      await request(pollingUrl(server.httpUrl, "nope"), { method: "POST", body: "4x" }),
      400,
      1,
      "Session ID unknown",
    );
  });

  it("code 2: a handshake must be a GET", async () => {
    for (const method of ["POST", "PUT", "DELETE"]) {
      assertRefusal(
        await request(pollingUrl(server.httpUrl), { method, body: "4x" }),
        400,
        2,
        "Bad handshake method",
      );
    }
  });

  it("code 3: transport=websocket on a plain HTTP request", async () => {
    assertRefusal(await request(websocketUrl(server.httpUrl)), 400, 3, "Bad request");
  });

  it("code 3: polling request for a websocket session", async () => {
    const { socket, sid } = await openWebSocketSession(server.wsUrl);
    assertRefusal(await request(pollingUrl(server.httpUrl, sid)), 400, 3, "Bad request");
    // the websocket session is not affected
    socket.send("4still here");
    assert.equal(await socket.text(), "4still here");
    await socket.close();
  });

  it("code 5: missing or unsupported EIO", async () => {
    for (
      const query of [
        "?transport=polling",
        "?EIO=3&transport=polling",
        "?EIO=abc&transport=polling",
      ]
    ) {
      assertRefusal(
        await request(`${server.httpUrl}${query}`),
        400,
        5,
        "Unsupported protocol version",
      );
    }
  });

  it("websocket handshakes with a bad EIO or transport are closed", async () => {
    for (const query of ["?transport=websocket", "?EIO=abc&transport=websocket", "?EIO=4"]) {
      const socket = new RawWebSocket(`${server.wsUrl}${query}`);
      await socket.waitFor("close");
      assert.equal(socket.pendingMessages, 0);
    }
  });
});

describe("handshake: allowRequest", () => {
  let refusing: TestEngineServer;
  let throwing: TestEngineServer;
  let seen: string[] = [];
  before(async () => {
    refusing = await startEngineServer({
      allowRequest: (req) => {
        seen.push(new URL(req.url).searchParams.get("transport") ?? "");
        return new URL(req.url).searchParams.get("token") === "ok";
      },
    });
    throwing = await startEngineServer({
      allowRequest: async () => {
        await Promise.resolve();
        throw new Error("ECONNREFUSED 10.0.3.7:5432 (auth db)");
      },
    });
  });
  after(async () => {
    await closeAllWebSockets();
    await refusing.close();
    await throwing.close();
  });

  it("false gives 403 with code 4", async () => {
    seen = [];
    assertRefusal(await request(pollingUrl(refusing.httpUrl)), 403, 4, "Forbidden");
    assert.deepEqual(seen, ["polling"]);
    assert.equal(refusing.engine.clientsCount, 0);
    const { open } = await handshake(refusing.httpUrl, "&token=ok");
    assert.deepEqual(open.upgrades, ["websocket"]);
  });

  it("a throw gives 403 with code 4 and Forbidden; the error is logged, never sent", async () => {
    const records: LogRecord[] = [];
    await captureLogs(records, ["sio", "engine"], "error");
    try {
      const reply = await request(pollingUrl(throwing.httpUrl));
      assertRefusal(reply, 403, 4, "Forbidden");
      assert.ok(!reply.body.includes("ECONNREFUSED"));
    } finally {
      await stopCapturingLogs();
    }
    assert.equal(throwing.engine.clientsCount, 0);
    const logged = records.find((record) => record.properties.error instanceof Error);
    assert.ok(logged, "the error is logged at error level");
    assert.match((logged.properties.error as Error).message, /ECONNREFUSED/);
  });

  it("is not consulted for requests of an open session", async () => {
    const { sid } = await handshake(refusing.httpUrl, "&token=ok");
    seen = [];
    const reply = await request(pollingUrl(refusing.httpUrl, sid), { method: "POST", body: "4a" });
    assert.equal(reply.status, 200);
    assert.deepEqual(seen, []);
  });

  it("a refused websocket handshake never opens", async () => {
    const before = refusing.engine.clientsCount + throwing.engine.clientsCount;
    for (const base of [refusing.wsUrl, throwing.wsUrl]) {
      const socket = new RawWebSocket(websocketUrl(base));
      await socket.waitFor("close");
      assert.equal(socket.pendingMessages, 0);
    }
    assert.equal(refusing.engine.clientsCount + throwing.engine.clientsCount, before);
  });
});

describe("handshake: transports option", () => {
  let wsOnly: TestEngineServer;
  let pollingOnly: TestEngineServer;
  let noUpgrades: TestEngineServer;
  before(async () => {
    wsOnly = await startEngineServer({ transports: ["websocket"] });
    pollingOnly = await startEngineServer({ transports: ["polling"] });
    noUpgrades = await startEngineServer({ allowUpgrades: false });
  });
  after(async () => {
    await closeAllWebSockets();
    await wsOnly.close();
    await pollingOnly.close();
    await noUpgrades.close();
  });

  it('["websocket"] refuses polling with code 0 and accepts websocket', async () => {
    assertRefusal(await request(pollingUrl(wsOnly.httpUrl)), 400, 0, "Transport unknown");
    const { socket, open } = await openWebSocketSession(wsOnly.wsUrl);
    assert.deepEqual(open.upgrades, []);
    await socket.close();
  });

  it('["polling"] offers no upgrade and refuses websocket', async () => {
    const { open } = await handshake(pollingOnly.httpUrl);
    assert.deepEqual(open.upgrades, []);
    const socket = new RawWebSocket(websocketUrl(pollingOnly.wsUrl));
    await socket.waitFor("close");
    assert.equal(socket.pendingMessages, 0);
  });

  it("allowUpgrades: false offers no upgrade", async () => {
    const { open } = await handshake(noUpgrades.httpUrl);
    assert.deepEqual(open.upgrades, []);
  });
});

describe("handshake: cors, cookie, initialPacket", () => {
  let corsServer: TestEngineServer;
  let cookieServer: TestEngineServer;
  let initialServer: TestEngineServer;
  let binaryInitialServer: TestEngineServer;
  before(async () => {
    corsServer = await startEngineServer({
      cors: { origin: "http://example.test", credentials: true },
    });
    cookieServer = await startEngineServer({ cookie: true });
    initialServer = await startEngineServer({ initialPacket: "welcome" });
    binaryInitialServer = await startEngineServer({
      initialPacket: Uint8Array.from([7, 8, 9]),
    });
  });
  after(async () => {
    await closeAllWebSockets();
    await corsServer.close();
    await cookieServer.close();
    await initialServer.close();
    await binaryInitialServer.close();
  });

  it("cors: a preflight OPTIONS is answered with access-control-allow-origin", async () => {
    const reply = await request(pollingUrl(corsServer.httpUrl), {
      method: "OPTIONS",
      headers: {
        "Origin": "http://example.test",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
      },
    });
    assert.ok(reply.status === 204 || reply.status === 200, `status ${reply.status}`);
    assert.equal(reply.headers.get("access-control-allow-origin"), "http://example.test");
    assert.equal(reply.headers.get("access-control-allow-credentials"), "true");
    assert.match(reply.headers.get("access-control-allow-methods") ?? "", /POST/);
    assert.equal(corsServer.engine.clientsCount, 0);
  });

  it("cors: handshake and POST carry access-control-allow-origin", async () => {
    const headers = { "Origin": "http://example.test" };
    const reply = await request(pollingUrl(corsServer.httpUrl), { headers });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get("access-control-allow-origin"), "http://example.test");
    const sid = parseOpen(reply.body).sid;
    const posted = await request(pollingUrl(corsServer.httpUrl, sid), {
      method: "POST",
      body: "4x",
      headers,
    });
    assert.equal(posted.status, 200);
    assert.equal(posted.headers.get("access-control-allow-origin"), "http://example.test");
  });

  it("without cors, no access-control-allow-origin is sent", async () => {
    const reply = await request(pollingUrl(cookieServer.httpUrl), {
      headers: { "Origin": "http://example.test" },
    });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get("access-control-allow-origin"), null);
  });

  it("cookie: Set-Cookie io=<sid>; Path=/; HttpOnly; SameSite=Lax", async () => {
    const { sid, reply } = await handshake(cookieServer.httpUrl);
    assert.equal(reply.headers.get("set-cookie"), `io=${sid}; Path=/; HttpOnly; SameSite=Lax`);
    // only the handshake sets it
    const posted = await request(pollingUrl(cookieServer.httpUrl, sid), {
      method: "POST",
      body: "4x",
    });
    assert.equal(posted.headers.get("set-cookie"), null);
  });

  it("no cookie unless asked for", async () => {
    const { reply } = await handshake(initialServer.httpUrl);
    assert.equal(reply.headers.get("set-cookie"), null);
  });

  it("initialPacket follows the OPEN packet (polling)", async () => {
    const { reply, rest } = await handshake(initialServer.httpUrl);
    assert.equal(reply.body.split(SEP).length, 2);
    assert.deepEqual(rest, ["4welcome"]);
    const binary = await handshake(binaryInitialServer.httpUrl);
    assert.deepEqual(binary.rest, ["bBwgJ"]);
  });

  it("initialPacket follows the OPEN packet (websocket)", async () => {
    const text = await openWebSocketSession(initialServer.wsUrl);
    assert.equal(await text.socket.message(), "4welcome");
    const binary = await openWebSocketSession(binaryInitialServer.wsUrl);
    assert.deepEqual(bytes(await binary.socket.message()), [7, 8, 9]);
    await text.socket.close();
    await binary.socket.close();
  });
});
