/** Wire tests of the WebSocket transport on a session opened directly over WebSocket. */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startEngineServer, type TestEngineServer } from "../_helpers/engine_server.ts";
import { bytes, closeAllWebSockets, openWebSocketSession, poll } from "../_helpers/raw_client.ts";
import { nextEvent, waitUntil } from "../_helpers/wait.ts";

describe("websocket transport", () => {
  let server: TestEngineServer;
  const received: unknown[] = [];
  before(async () => {
    server = await startEngineServer({
      pingInterval: 10_000,
      pingTimeout: 5_000,
      maxHttpBufferSize: 1000,
    });
    server.engine.on("connection", (socket) => {
      socket.on("message", (data) => received.push(data));
    });
  });
  after(async () => {
    await closeAllWebSockets();
    await server.close();
  });

  it("opens a session that the server sees as a websocket session", async () => {
    const { socket, sid, open } = await openWebSocketSession(server.wsUrl);
    assert.deepEqual(open.upgrades, []);
    const session = await server.socket(sid);
    assert.equal(session.transport, "websocket");
    assert.equal(session.readyState, "open");
    await socket.close();
  });

  it("echoes text frames as text", async () => {
    const { socket } = await openWebSocketSession(server.wsUrl);
    received.length = 0;
    socket.send("4hello");
    assert.equal(await socket.message(), "4hello");
    socket.send("4");
    assert.equal(await socket.message(), "4");
    socket.send("4héllo €𝄞");
    assert.equal(await socket.message(), "4héllo €𝄞");
    assert.deepEqual(received, ["hello", "", "héllo €𝄞"]);
    await socket.close();
  });

  it("echoes binary frames as binary", async () => {
    const { socket } = await openWebSocketSession(server.wsUrl);
    received.length = 0;
    socket.send(Uint8Array.from([1, 2, 3, 4]));
    const data = await socket.message();
    assert.ok(data instanceof ArrayBuffer, "a binary frame comes back binary");
    assert.deepEqual(bytes(data), [1, 2, 3, 4]);
    assert.equal(received.length, 1);
    assert.ok(received[0] instanceof Uint8Array);
    assert.deepEqual(bytes(received[0]), [1, 2, 3, 4]);
    // an empty binary frame is an empty binary message
    socket.send(new Uint8Array(0));
    assert.deepEqual(bytes(await socket.message()), []);
    await socket.close();
  });

  it("keeps text and binary messages in order", async () => {
    const { socket } = await openWebSocketSession(server.wsUrl);
    const sent: (string | number[])[] = [];
    for (let i = 0; i < 20; i++) {
      if (i % 3 === 0) {
        socket.send(Uint8Array.from([i, i + 1]));
        sent.push([i, i + 1]);
      } else {
        socket.send(`4m${i}`);
        sent.push(`4m${i}`);
      }
    }
    const got: (string | number[])[] = [];
    for (let i = 0; i < 20; i++) {
      const data = await socket.message();
      got.push(typeof data === "string" ? data : bytes(data));
    }
    assert.deepEqual(got, sent);
    await socket.close();
  });

  it('"abc" closes the connection and the session', async () => {
    const { socket, sid } = await openWebSocketSession(server.wsUrl);
    const session = await server.socket(sid);
    const closed = nextEvent(session, "close");
    socket.send("abc");
    await socket.waitFor("close");
    assert.equal((await closed)[0], "parse error");
    assert.equal((await poll(server.httpUrl, sid)).status, 400);
  });

  it('a close packet ("1") closes the connection and the session', async () => {
    const { socket, sid } = await openWebSocketSession(server.wsUrl);
    const session = await server.socket(sid);
    const closed = nextEvent(session, "close");
    socket.send("1");
    await socket.waitFor("close");
    assert.equal((await closed)[0], "transport close");
  });

  it("the client closing the connection closes the session", async () => {
    const { socket, sid } = await openWebSocketSession(server.wsUrl);
    const session = await server.socket(sid);
    const closed = nextEvent(session, "close");
    await socket.close();
    assert.equal((await closed)[0], "transport close");
  });

  it("a frame larger than maxHttpBufferSize closes the connection", async () => {
    const { socket, sid } = await openWebSocketSession(server.wsUrl);
    const session = await server.socket(sid);
    const closed = nextEvent(session, "close");
    received.length = 0;
    socket.send("4" + "x".repeat(2000));
    const event = await socket.waitFor("close");
    assert.equal(event.code, 1009);
    await closed;
    assert.deepEqual(received, [], "the oversized message is never delivered");
    // and the server goes on serving
    const other = await openWebSocketSession(server.wsUrl);
    other.socket.send("4ok");
    assert.equal(await other.socket.message(), "4ok");
    await other.socket.close();
  });

  it("a binary frame larger than maxHttpBufferSize closes the connection", async () => {
    const { socket } = await openWebSocketSession(server.wsUrl);
    received.length = 0;
    socket.send(new Uint8Array(1500));
    const event = await socket.waitFor("close");
    assert.equal(event.code, 1009);
    assert.deepEqual(received, []);
  });

  it("a frame of exactly maxHttpBufferSize is accepted", async () => {
    const { socket } = await openWebSocketSession(server.wsUrl);
    const message = "4" + "y".repeat(999);
    socket.send(message);
    assert.equal(await socket.message(), message);
    await socket.close();
  });

  it("server-side close() sends queued messages, then closes the connection", async () => {
    const { socket, sid } = await openWebSocketSession(server.wsUrl);
    const session = await server.socket(sid);
    session.send("last");
    session.close();
    assert.equal(await socket.message(), "4last");
    await socket.waitFor("close");
    await waitUntil(() => session.readyState === "closed", "the session to close");
  });
});

describe("websocket heartbeat", () => {
  let server: TestEngineServer;
  before(async () => {
    server = await startEngineServer({ pingInterval: 150, pingTimeout: 1500 });
  });
  after(async () => {
    await closeAllWebSockets();
    await server.close();
  });

  it("the server pings, and answering PONG keeps the session", async () => {
    const { socket, sid } = await openWebSocketSession(server.wsUrl);
    const session = await server.socket(sid);
    let heartbeats = 0;
    session.on("heartbeat", () => heartbeats++);
    for (let i = 0; i < 3; i++) {
      assert.equal(await socket.message(), "2");
      socket.send("3");
    }
    await waitUntil(() => heartbeats === 3, "three heartbeats");
    assert.equal(session.readyState, "open");
    // messages still flow between pings
    socket.send("4after");
    let reply = await socket.message();
    while (reply === "2") {
      socket.send("3");
      reply = await socket.message();
    }
    assert.equal(reply, "4after");
    await socket.close();
  });

  it("a PING from the client closes the session", async () => {
    const { socket, sid } = await openWebSocketSession(server.wsUrl);
    const session = await server.socket(sid);
    const closed = nextEvent(session, "close");
    socket.send("2");
    assert.equal((await closed)[0], "transport error");
    await socket.waitFor("close");
  });
});

describe("websocket ping timeout", () => {
  let server: TestEngineServer;
  before(async () => {
    server = await startEngineServer({ pingInterval: 100, pingTimeout: 100 });
  });
  after(async () => {
    await closeAllWebSockets();
    await server.close();
  });

  it("a client that never answers PING is disconnected", async () => {
    const { socket, sid } = await openWebSocketSession(server.wsUrl);
    const session = await server.socket(sid);
    const closed = nextEvent(session, "close", 5000);
    assert.equal(await socket.message(), "2");
    await socket.waitFor("close", 5000);
    assert.equal((await closed)[0], "ping timeout");
    assert.equal(server.engine.clientsCount, 0);
  });
});
