/**
 * Raw Engine.IO v3 exchanges (`allowEIO3`) with `fetch` and WebSocket: the handshake and its
 * refusal without the option, `<length>:<packet>` payloads, binary payloads and `b64=1`,
 * the client-driven heartbeat, and type-byte binary frames on WebSocket.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startEngineServer, type TestEngineServer } from "../_helpers/engine_server.ts";
import { bytes, closeAllWebSockets, RawWebSocket, request } from "../_helpers/raw_client.ts";
import { nextEvent, sleep } from "../_helpers/wait.ts";

const PING_INTERVAL = 200;
const PING_TIMEOUT = 150;

function url(base: string, sid?: string, extra = ""): string {
  return `${base}?EIO=3&transport=polling${sid ? `&sid=${sid}` : ""}${extra}`;
}

/** Opens a v3 polling session; returns its sid and the OPEN packet. */
async function open(base: string, extra = ""): Promise<{ sid: string; body: string }> {
  const reply = await request(url(base, undefined, extra));
  assert.equal(reply.status, 200, reply.body);
  const match = /^(\d+):0(\{.*\})$/.exec(reply.body);
  assert.ok(match, `a v3 OPEN payload: ${reply.body}`);
  assert.equal(Number(match[1]), match[2].length + 1);
  return { sid: JSON.parse(match[2]).sid, body: match[2] };
}

function post(base: string, sid: string, body: string | Uint8Array, binary = false) {
  return request(url(base, sid), {
    method: "POST",
    body: body as BodyInit,
    headers: binary ? { "Content-Type": "application/octet-stream" } : {},
  });
}

async function getBytes(base: string, sid: string): Promise<{ type: string; body: number[] }> {
  const response = await fetch(url(base, sid));
  return {
    type: response.headers.get("content-type") ?? "",
    body: [...new Uint8Array(await response.arrayBuffer())],
  };
}

describe("Engine.IO v3 on the wire (allowEIO3)", () => {
  let server: TestEngineServer;
  before(async () => {
    server = await startEngineServer({
      allowEIO3: true,
      pingInterval: PING_INTERVAL,
      pingTimeout: PING_TIMEOUT,
    });
  });
  after(async () => {
    await closeAllWebSockets();
    await server.close();
  });

  it("answers the handshake with a framed OPEN packet", async () => {
    const { body } = await open(server.httpUrl);
    const fields = JSON.parse(body);
    assert.deepEqual(fields.upgrades, ["websocket"]);
    assert.equal(fields.pingInterval, PING_INTERVAL);
    assert.equal(fields.pingTimeout, PING_TIMEOUT);
    const socket = await server.socket(fields.sid);
    assert.equal(socket.protocol, 3);
  });

  it("reads and writes <length>:<packet> text payloads; answers a ping with a pong", async () => {
    const { sid } = await open(server.httpUrl);
    assert.equal((await post(server.httpUrl, sid, "6:4héllo1:2")).body, "ok");
    const reply = await request(url(server.httpUrl, sid));
    assert.equal(reply.headers.get("content-type"), "text/plain; charset=UTF-8");
    assert.equal(reply.body, "6:4héllo1:3");
  });

  it("reads a binary POST and answers with a binary payload", async () => {
    const { sid } = await open(server.httpUrl);
    // a text record "4hi" and a binary record [4, 1, 2]
    const body = new Uint8Array([0, 3, 255, 0x34, 0x68, 0x69, 1, 3, 255, 4, 1, 2]);
    assert.equal((await post(server.httpUrl, sid, body, true)).body, "ok");
    const reply = await getBytes(server.httpUrl, sid);
    assert.equal(reply.type, "application/octet-stream");
    assert.deepEqual(reply.body, [...body]);
  });

  it("sends binary as b4<base64> to a b64=1 client", async () => {
    const { sid } = await open(server.httpUrl, "&b64=1");
    assert.equal((await post(server.httpUrl, sid, "6:b4AQI=")).body, "ok");
    const reply = await request(url(server.httpUrl, sid));
    assert.equal(reply.body, "6:b4AQI=");
  });

  it("refuses a malformed payload with 400 and closes the session", async () => {
    const { sid } = await open(server.httpUrl);
    const socket = await server.socket(sid);
    const closed = nextEvent(socket, "close");
    const reply = await post(server.httpUrl, sid, "9:4short");
    assert.equal(reply.status, 400);
    assert.equal((await closed)[0], "parse error");
  });

  it("closes on a pong from the client (wrong heartbeat direction)", async () => {
    const { sid } = await open(server.httpUrl);
    const socket = await server.socket(sid);
    const closed = nextEvent(socket, "close");
    await post(server.httpUrl, sid, "1:3");
    assert.deepEqual(await closed, ["transport error", "invalid heartbeat direction"]);
  });

  it("stays open while the client pings, and closes after pingInterval + pingTimeout without", async () => {
    const { sid } = await open(server.httpUrl);
    const socket = await server.socket(sid);
    const started = Date.now();
    for (let i = 0; i < 4; i++) {
      await sleep(PING_INTERVAL);
      await post(server.httpUrl, sid, "1:2");
      assert.equal((await request(url(server.httpUrl, sid))).body, "1:3");
    }
    assert.equal(socket.readyState, "open");
    const [reason] = await nextEvent(socket, "close", 2000);
    assert.equal(reason, "ping timeout");
    assert.ok(Date.now() - started >= 4 * PING_INTERVAL + PING_INTERVAL + PING_TIMEOUT - 50);
  });

  it("frames binary with a type byte on WebSocket, or as b4<base64> for b64=1", async () => {
    const wsUrl = `${server.wsUrl}?EIO=3&transport=websocket`;
    const ws = new RawWebSocket(wsUrl);
    assert.match(await ws.text(), /^0\{/);
    ws.send(new Uint8Array([4, 7, 8]));
    assert.deepEqual(bytes(await ws.message()), [4, 7, 8]);
    ws.send("4hi");
    assert.equal(await ws.text(), "4hi");
    ws.send("2");
    assert.equal(await ws.text(), "3");
    const b64 = new RawWebSocket(wsUrl + "&b64=1");
    assert.match(await b64.text(), /^0\{/);
    b64.send("b4AQI=");
    assert.equal(await b64.text(), "b4AQI=");
    await ws.close();
    await b64.close();
  });
});

describe("Engine.IO v3 without allowEIO3", () => {
  let server: TestEngineServer;
  before(async () => {
    server = await startEngineServer();
  });
  after(async () => await server.close());

  it("refuses EIO=3 with code 5", async () => {
    for (const query of ["EIO=3&transport=polling", "EIO=3&transport=polling&b64=1"]) {
      const reply = await request(`${server.httpUrl}?${query}`);
      assert.equal(reply.status, 400);
      assert.deepEqual(JSON.parse(reply.body), {
        code: 5,
        message: "Unsupported protocol version",
      });
    }
  });

  it("refuses a v3 WebSocket handshake", async () => {
    const ws = new RawWebSocket(`${server.wsUrl}?EIO=3&transport=websocket`);
    await ws.closed; // the upgrade is answered 400: no socket opens, no OPEN packet comes
    assert.equal(ws.pendingMessages, 0);
    assert.equal(server.sockets.size, 0);
  });
});
