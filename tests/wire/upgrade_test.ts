/** Wire tests of the polling → WebSocket upgrade, driven by hand. */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { EngineSocket } from "../../engine.ts";
import {
  hasParkedPoll,
  startEngineServer,
  type TestEngineServer,
} from "../_helpers/engine_server.ts";
import {
  closeAllWebSockets,
  handshake,
  type HttpReply,
  poll,
  push,
  RawWebSocket,
  SEP,
  websocketUrl,
} from "../_helpers/raw_client.ts";
import { nextEvent, sleep, waitUntil } from "../_helpers/wait.ts";

/** The messages of a poll response; NOOPs are skipped, anything else fails the test. */
function messagesOf(reply: HttpReply): string[] {
  assert.equal(reply.status, 200, reply.body);
  const messages: string[] = [];
  for (const packet of reply.body.split(SEP)) {
    if (packet === "6") continue;
    assert.ok(packet.startsWith("4"), `unexpected packet ${packet}`);
    messages.push(packet.slice(1));
  }
  return messages;
}

/** Opens the upgrade WebSocket of `sid` and runs the probe (2probe → 3probe). */
async function probe(server: TestEngineServer, sid: string): Promise<RawWebSocket> {
  const ws = new RawWebSocket(websocketUrl(server.wsUrl, sid));
  await ws.waitFor("open");
  ws.send("2probe");
  assert.equal(await ws.message(), "3probe");
  return ws;
}

/** Completes an upgrade after the probe and waits until the server switched. */
async function finishUpgrade(ws: RawWebSocket, session: EngineSocket): Promise<void> {
  ws.send("5");
  await waitUntil(() => session.transport === "websocket", "the server to switch transports");
}

describe("upgrade", () => {
  let server: TestEngineServer;
  before(async () => {
    // a long heartbeat, so no PING gets into the payloads these tests compare
    server = await startEngineServer({ pingInterval: 10_000, pingTimeout: 5_000 });
  });
  after(async () => {
    await closeAllWebSockets();
    await server.close();
  });

  it("a GET parked before the probe is released with a NOOP; then 5 switches", async () => {
    const { sid } = await handshake(server.httpUrl);
    const session = await server.socket(sid);
    const events: string[] = [];
    session.on("upgrading", (name) => events.push(`upgrading ${name}`));
    session.on("upgrade", (name) => events.push(`upgrade ${name}`));
    const parked = poll(server.httpUrl, sid);
    await waitUntil(() => hasParkedPoll(session), "the GET to park");
    const ws = await probe(server, sid);
    const released = await parked;
    assert.equal(released.status, 200);
    assert.equal(released.body, "6");
    assert.equal(session.transport, "polling");
    await finishUpgrade(ws, session);
    assert.deepEqual(events, ["upgrading websocket", "upgrade websocket"]);
    ws.send("4hello");
    assert.equal(await ws.message(), "4hello");
    ws.send(Uint8Array.from([1, 2, 3]));
    assert.deepEqual([...new Uint8Array((await ws.message()) as ArrayBuffer)], [1, 2, 3]);
    await ws.close();
  });

  it("a GET sent after the probe is released with a NOOP (as in the official suite)", async () => {
    const { sid } = await handshake(server.httpUrl);
    const session = await server.socket(sid);
    const ws = await probe(server, sid);
    const reply = await poll(server.httpUrl, sid);
    assert.equal(reply.status, 200);
    assert.equal(reply.body, "6");
    await finishUpgrade(ws, session);
    ws.send("4hello");
    assert.equal(await ws.message(), "4hello");
    await ws.close();
  });

  it("packets sent during the upgrade arrive exactly once and in order", async () => {
    const { sid } = await handshake(server.httpUrl);
    const session = await server.socket(sid);
    const got: string[] = [];
    session.send("before-probe");
    const ws = await probe(server, sid);
    // queued while no GET is parked: the next GET carries them
    session.send("a1");
    session.send("a2");
    got.push(...messagesOf(await poll(server.httpUrl, sid)));
    // sent while a GET may be parked, or already released by the upgrade's NOOP
    const racing = poll(server.httpUrl, sid);
    await sleep(5);
    session.send("b1");
    got.push(...messagesOf(await racing));
    // a client message over polling during the upgrade: the echo is queued too
    assert.equal((await push(server.httpUrl, sid, "4c1")).body, "ok");
    session.send("c2");
    await finishUpgrade(ws, session);
    session.send("d1");
    ws.send("4d2");
    const expected = ["before-probe", "a1", "a2", "b1", "c1", "c2", "d1", "d2"];
    while (got.length < expected.length) {
      const data = await ws.message();
      assert.equal(typeof data, "string");
      assert.ok((data as string).startsWith("4"), `unexpected frame ${data}`);
      got.push((data as string).slice(1));
    }
    assert.deepEqual(got, expected);
    // nothing is delivered twice
    await sleep(100);
    assert.equal(ws.pendingMessages, 0);
    await ws.close();
  });

  it("a GET held after the probe when 5 arrives is refused with 400, code 3", async () => {
    const { sid } = await handshake(server.httpUrl);
    const session = await server.socket(sid);
    const ws = await probe(server, sid);
    // a GET after the probe is held 100 ms before its NOOP: park one and switch at once (a
    // client sends 5 only once its last GET returned, so this one was sent after the 5)
    for (let attempt = 1;; attempt++) {
      let settled = false;
      const parked = poll(server.httpUrl, sid).finally(() => settled = true);
      await waitUntil(() => hasParkedPoll(session) || settled, "the GET to park");
      if (hasParkedPoll(session) || attempt === 10) {
        ws.send("5");
        const reply = await parked;
        assert.equal(reply.status, 400, reply.body);
        assert.deepEqual(JSON.parse(reply.body), { code: 3, message: "Bad request" });
        break;
      }
      // released by its NOOP before we saw it parked (a very slow run): try again
      assert.equal((await parked).body, "6");
    }
    await waitUntil(() => session.transport === "websocket", "the switch");
    ws.send("4after");
    assert.equal(await ws.message(), "4after");
    await ws.close();
  });

  it("5 then an immediate GET (the official suite's sequence) is 400, every time", async () => {
    for (let round = 0; round < 20; round++) {
      const { sid } = await handshake(server.httpUrl);
      const ws = await probe(server, sid);
      ws.send("5");
      const reply = await poll(server.httpUrl, sid);
      assert.equal(reply.status, 400, `round ${round}: ${reply.body}`);
      assert.deepEqual(JSON.parse(reply.body), { code: 3, message: "Bad request" });
      await ws.close();
    }
  });

  it("after the probe, queued messages wait for the WebSocket; a GET only gets a NOOP", async () => {
    const { sid } = await handshake(server.httpUrl);
    const session = await server.socket(sid);
    const ws = await probe(server, sid);
    session.send("queued");
    const started = Date.now();
    const reply = await poll(server.httpUrl, sid);
    assert.equal(reply.status, 200);
    assert.equal(reply.body, "6");
    assert.ok(Date.now() - started < 1000, "released within the probe check delay");
    await finishUpgrade(ws, session);
    assert.equal(await ws.message(), "4queued");
    await ws.close();
  });

  it("a WebSocket that closes after the probe gives the session back to polling", async () => {
    const { sid } = await handshake(server.httpUrl);
    const session = await server.socket(sid);
    const ws = await probe(server, sid);
    const parked = poll(server.httpUrl, sid);
    await waitUntil(() => hasParkedPoll(session), "the GET to park");
    session.send("queued");
    await ws.close();
    assert.equal((await parked).body, "4queued");
    assert.equal(session.transport, "polling");
    assert.equal((await push(server.httpUrl, sid, "4again")).body, "ok");
    assert.equal((await poll(server.httpUrl, sid)).body, "4again");
  });

  it("after the upgrade, polling requests with the sid get 400", async () => {
    const { sid } = await handshake(server.httpUrl);
    const session = await server.socket(sid);
    const ws = await probe(server, sid);
    await finishUpgrade(ws, session);
    const got = await poll(server.httpUrl, sid);
    assert.equal(got.status, 400);
    assert.deepEqual(JSON.parse(got.body), { code: 3, message: "Bad request" });
    const posted = await push(server.httpUrl, sid, "4x");
    assert.equal(posted.status, 400);
    assert.deepEqual(JSON.parse(posted.body), { code: 3, message: "Bad request" });
    // the session is not affected
    ws.send("4hello");
    assert.equal(await ws.message(), "4hello");
    assert.equal(session.readyState, "open");
    await ws.close();
  });

  it("a second WebSocket with the same sid is closed; the first keeps working", async () => {
    const { sid } = await handshake(server.httpUrl);
    const session = await server.socket(sid);
    const ws = await probe(server, sid);
    await finishUpgrade(ws, session);
    const second = new RawWebSocket(websocketUrl(server.wsUrl, sid));
    await second.waitFor("close");
    assert.equal(second.pendingMessages, 0);
    ws.send("4hello");
    assert.equal(await ws.message(), "4hello");
    assert.equal(session.readyState, "open");
    await ws.close();
  });

  it("a second WebSocket during the upgrade is closed; the first completes it", async () => {
    const { sid } = await handshake(server.httpUrl);
    const session = await server.socket(sid);
    const ws = await probe(server, sid);
    const second = new RawWebSocket(websocketUrl(server.wsUrl, sid));
    // whether it opens first or not, it must never get the session
    await second.waitFor("close");
    await finishUpgrade(ws, session);
    ws.send("4hello");
    assert.equal(await ws.message(), "4hello");
    await ws.close();
  });

  it("an upgrade WebSocket that does not probe first is closed; polling goes on", async () => {
    const { sid } = await handshake(server.httpUrl);
    const session = await server.socket(sid);
    const ws = new RawWebSocket(websocketUrl(server.wsUrl, sid));
    await ws.waitFor("open");
    ws.send("4not a probe");
    await ws.waitFor("close");
    assert.equal(session.transport, "polling");
    assert.equal(session.readyState, "open");
    assert.equal((await push(server.httpUrl, sid, "4still polling")).body, "ok");
    assert.equal((await poll(server.httpUrl, sid)).body, "4still polling");
    // and a later upgrade still works
    const again = await probe(server, sid);
    await finishUpgrade(again, session);
    again.send("4upgraded");
    assert.equal(await again.message(), "4upgraded");
    await again.close();
  });

  it("closing the session during the upgrade closes the upgrade WebSocket", async () => {
    const { sid } = await handshake(server.httpUrl);
    const session = await server.socket(sid);
    const closed = nextEvent(session, "close");
    const ws = await probe(server, sid);
    assert.equal((await push(server.httpUrl, sid, "1")).body, "ok");
    assert.equal((await closed)[0], "transport close");
    await ws.waitFor("close");
  });

  it("closing the upgraded WebSocket closes the session", async () => {
    const { sid } = await handshake(server.httpUrl);
    const session = await server.socket(sid);
    const ws = await probe(server, sid);
    await finishUpgrade(ws, session);
    const closed = nextEvent(session, "close");
    await ws.close();
    assert.equal((await closed)[0], "transport close");
    assert.equal((await poll(server.httpUrl, sid)).status, 400);
  });
});

describe("upgrade timeout", () => {
  let server: TestEngineServer;
  before(async () => {
    server = await startEngineServer({
      pingInterval: 10_000,
      pingTimeout: 5_000,
      upgradeTimeout: 300,
    });
  });
  after(async () => {
    await closeAllWebSockets();
    await server.close();
  });

  it("an upgrade that never completes is dropped after upgradeTimeout; polling goes on", async () => {
    const { sid } = await handshake(server.httpUrl);
    const session = await server.socket(sid);
    const ws = await probe(server, sid);
    await ws.waitFor("close", 5000);
    assert.equal(session.transport, "polling");
    assert.equal(session.readyState, "open");
    assert.equal((await push(server.httpUrl, sid, "4still polling")).body, "ok");
    assert.equal((await poll(server.httpUrl, sid)).body, "4still polling");
  });
});
