/** Wire tests of the long-polling transport, with raw `fetch` requests. */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  hasParkedPoll,
  startEngineServer,
  type TestEngineServer,
} from "../_helpers/engine_server.ts";
import { bytes, handshake, poll, pollingUrl, push, request, SEP } from "../_helpers/raw_client.ts";
import { nextEvent, sleep, waitUntil, withTimeout } from "../_helpers/wait.ts";

/** Asserts that `sid` no longer exists on the server. */
async function assertGone(server: TestEngineServer, sid: string): Promise<void> {
  const reply = await poll(server.httpUrl, sid);
  assert.equal(reply.status, 400);
  assert.deepEqual(JSON.parse(reply.body), { code: 1, message: "Session ID unknown" });
}

describe("polling transport", () => {
  let server: TestEngineServer;
  const received: unknown[] = [];
  before(async () => {
    // a long heartbeat, so no PING gets into the payloads these tests compare
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
    await server.close();
  });

  it("GET answers text/plain; charset=UTF-8 and POST answers ok as text/html", async () => {
    const { sid } = await handshake(server.httpUrl);
    const posted = await push(server.httpUrl, sid, "4hello");
    assert.equal(posted.status, 200);
    assert.equal(posted.body, "ok");
    assert.equal(posted.headers.get("content-type"), "text/html");
    const polled = await poll(server.httpUrl, sid);
    assert.equal(polled.status, 200);
    assert.equal(polled.headers.get("content-type"), "text/plain; charset=UTF-8");
    assert.equal(polled.body, "4hello");
  });

  it("several packets in one payload are joined by \\x1e, in order", async () => {
    const { sid } = await handshake(server.httpUrl);
    const payload = ["4test1", "4test2", "4test3", "4"].join(SEP);
    assert.equal((await push(server.httpUrl, sid, payload)).body, "ok");
    assert.equal((await poll(server.httpUrl, sid)).body, payload);
  });

  it("packets the server sends while no GET is parked are queued for the next GET", async () => {
    const { sid } = await handshake(server.httpUrl);
    const socket = await server.socket(sid);
    socket.send("one");
    socket.send(Uint8Array.from([1, 2]));
    socket.send("three");
    assert.equal((await poll(server.httpUrl, sid)).body, ["4one", "bAQI=", "4three"].join(SEP));
  });

  it("a parked GET is answered as soon as the server sends", async () => {
    const { sid } = await handshake(server.httpUrl);
    const socket = await server.socket(sid);
    const pending = poll(server.httpUrl, sid);
    await waitUntil(() => hasParkedPoll(socket), "the GET to park");
    socket.send("late");
    assert.equal((await pending).body, "4late");
  });

  it("binary packets travel as b<base64> both ways and arrive as bytes", async () => {
    const { sid } = await handshake(server.httpUrl);
    received.length = 0;
    assert.equal((await push(server.httpUrl, sid, `4hello${SEP}bAQIDBA==`)).body, "ok");
    assert.equal((await poll(server.httpUrl, sid)).body, `4hello${SEP}bAQIDBA==`);
    assert.equal(received.length, 2);
    assert.equal(received[0], "hello");
    assert.ok(received[1] instanceof Uint8Array);
    assert.deepEqual(bytes(received[1]), [1, 2, 3, 4]);
  });

  it("UTF-8 text survives the round trip", async () => {
    const { sid } = await handshake(server.httpUrl);
    const text = "4héllo €𝄞 ✓";
    assert.equal((await push(server.httpUrl, sid, text)).body, "ok");
    assert.equal((await poll(server.httpUrl, sid)).body, text);
  });

  it("a duplicate GET is refused with 400, the first GET gets a close packet, the sid is gone", async () => {
    const { sid } = await handshake(server.httpUrl);
    const socket = await server.socket(sid);
    const closed = nextEvent(socket, "close");
    const first = poll(server.httpUrl, sid);
    await waitUntil(() => hasParkedPoll(socket), "the first GET to park");
    const second = await request(pollingUrl(server.httpUrl, sid, "&t=burst"));
    assert.equal(second.status, 400);
    assert.equal(second.headers.get("content-type"), "application/json");
    assert.equal(JSON.parse(second.body).code, 3);
    const firstReply = await first;
    assert.equal(firstReply.status, 200);
    assert.equal(firstReply.body, "1");
    const [reason] = await closed;
    assert.equal(reason, "transport error");
    await assertGone(server, sid);
  });

  it("an aborted GET closes the session", async () => {
    const { sid } = await handshake(server.httpUrl);
    const socket = await server.socket(sid);
    const closed = nextEvent(socket, "close");
    const controller = new AbortController();
    const aborted = poll(server.httpUrl, sid, { signal: controller.signal }).then(
      () => "answered",
      () => "rejected",
    );
    await waitUntil(() => hasParkedPoll(socket), "the GET to park");
    controller.abort();
    assert.equal(await aborted, "rejected");
    const [reason] = await closed;
    assert.equal(reason, "transport error");
    await assertGone(server, sid);
  });

  it("an aborted GET settles its request handler", async () => {
    // called without a network, so the runtime cannot drop the handler behind our back
    const { sid } = await handshake(server.httpUrl);
    const socket = await server.socket(sid);
    const controller = new AbortController();
    const handled = Promise.resolve(
      server.engine.fetch(
        new Request(pollingUrl(server.httpUrl, sid), { signal: controller.signal }),
      ),
    );
    await waitUntil(() => hasParkedPoll(socket), "the GET to park");
    controller.abort();
    const response = await withTimeout(handled, 3000, "the handler to settle");
    await response.body?.cancel();
    assert.equal(socket.readyState, "closed");
  });

  it("a POST larger than maxHttpBufferSize gets 413 and the server keeps serving", async () => {
    const { sid } = await handshake(server.httpUrl);
    const reply = await push(server.httpUrl, sid, "4" + "x".repeat(2000));
    assert.equal(reply.status, 413);
    assert.equal(reply.headers.get("content-type"), "application/json");
    const body = JSON.parse(reply.body);
    assert.equal(typeof body.code, "number");
    assert.equal(typeof body.message, "string");
    // the message was never delivered, and other sessions work as before
    const other = await handshake(server.httpUrl);
    assert.equal((await push(server.httpUrl, other.sid, "4small")).body, "ok");
    assert.equal((await poll(server.httpUrl, other.sid)).body, "4small");
  });

  it("a streamed POST body (no content-length) over the limit gets 413", async () => {
    const { sid } = await handshake(server.httpUrl);
    const chunk = new TextEncoder().encode("x".repeat(400));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("4"));
      },
      pull(controller) {
        if (sent++ < 5) controller.enqueue(chunk);
        else controller.close();
      },
    });
    let status: number | string;
    try {
      status = (await request(pollingUrl(server.httpUrl, sid), {
        method: "POST",
        body,
        duplex: "half",
      } as RequestInit)).status;
    } catch {
      // a server may answer and close before the client finished sending
      status = "connection closed";
    }
    assert.ok(status === 413 || status === "connection closed", `got ${status}`);
    const other = await handshake(server.httpUrl);
    assert.equal((await push(server.httpUrl, other.sid, "4after")).body, "ok");
  });

  it("a POST exactly at maxHttpBufferSize is accepted", async () => {
    const { sid } = await handshake(server.httpUrl);
    const payload = "4" + "y".repeat(999);
    assert.equal((await push(server.httpUrl, sid, payload)).status, 200);
    assert.equal((await poll(server.httpUrl, sid)).body, payload);
  });

  it('an invalid POST ("abc") gets 400 and closes the session', async () => {
    const { sid } = await handshake(server.httpUrl);
    const socket = await server.socket(sid);
    const closed = nextEvent(socket, "close");
    const reply = await push(server.httpUrl, sid, "abc");
    assert.equal(reply.status, 400);
    assert.equal(reply.headers.get("content-type"), "application/json");
    assert.equal(JSON.parse(reply.body).code, 3);
    const [reason] = await closed;
    assert.equal(reason, "parse error");
    await assertGone(server, sid);
  });

  it("invalid base64 in a binary packet closes the session", async () => {
    const { sid } = await handshake(server.httpUrl);
    const reply = await push(server.httpUrl, sid, "b!!!");
    assert.equal(reply.status, 400);
    await assertGone(server, sid);
  });

  it('a close packet ("1") releases the parked GET with a NOOP and ends the session', async () => {
    const { sid } = await handshake(server.httpUrl);
    const socket = await server.socket(sid);
    const closed = nextEvent(socket, "close");
    const parked = poll(server.httpUrl, sid);
    await waitUntil(() => hasParkedPoll(socket), "the GET to park");
    assert.equal((await push(server.httpUrl, sid, "1")).body, "ok");
    assert.equal((await parked).body, "6");
    const [reason] = await closed;
    assert.equal(reason, "transport close");
    await assertGone(server, sid);
  });

  it("server-side close() delivers queued packets, then a close packet", async () => {
    const { sid } = await handshake(server.httpUrl);
    const socket = await server.socket(sid);
    const closed = nextEvent(socket, "close");
    socket.send("bye");
    socket.close();
    // the close packet may come with the queued one or in the next GET (NOOPs aside)
    const packets: string[] = [];
    for (let i = 0; i < 3 && !packets.includes("1"); i++) {
      const reply = await poll(server.httpUrl, sid);
      assert.equal(reply.status, 200);
      packets.push(...reply.body.split(SEP).filter((packet) => packet !== "6"));
    }
    assert.deepEqual(packets, ["4bye", "1"]);
    await closed;
    await assertGone(server, sid);
  });

  it("a PING from the client closes the session (only the server pings in v4)", async () => {
    const { sid } = await handshake(server.httpUrl);
    const socket = await server.socket(sid);
    const closed = nextEvent(socket, "close");
    await push(server.httpUrl, sid, "2");
    assert.equal((await closed)[0], "transport error");
    await assertGone(server, sid);
  });
});

describe("polling heartbeat", () => {
  let server: TestEngineServer;
  before(async () => {
    server = await startEngineServer({ pingInterval: 150, pingTimeout: 1500 });
  });
  after(async () => {
    await server.close();
  });

  it("the server pings, and answering PONG keeps the session", async () => {
    const { sid } = await handshake(server.httpUrl);
    const socket = await server.socket(sid);
    let heartbeats = 0;
    socket.on("heartbeat", () => heartbeats++);
    for (let i = 0; i < 3; i++) {
      const polled = await poll(server.httpUrl, sid);
      assert.equal(polled.status, 200);
      assert.equal(polled.body, "2");
      assert.equal((await push(server.httpUrl, sid, "3")).body, "ok");
    }
    assert.equal(heartbeats, 3);
    assert.equal(socket.readyState, "open");
  });
});

describe("polling ping timeout", () => {
  let server: TestEngineServer;
  before(async () => {
    server = await startEngineServer({ pingInterval: 100, pingTimeout: 100 });
  });
  after(async () => {
    await server.close();
  });

  it("a session that never answers PING is closed", async () => {
    const { sid } = await handshake(server.httpUrl);
    const socket = await server.socket(sid);
    const [reason] = await nextEvent(socket, "close", 5000);
    assert.equal(reason, "ping timeout");
    await assertGone(server, sid);
  });

  it("a GET parked when the ping timeout hits gets the close packet", async () => {
    const { sid } = await handshake(server.httpUrl);
    const socket = await server.socket(sid);
    const closed = nextEvent(socket, "close", 5000);
    const first = await poll(server.httpUrl, sid);
    assert.equal(first.body, "2");
    // no PONG: the next GET parks until the timeout closes the session
    const second = await poll(server.httpUrl, sid, {}, 5000);
    assert.equal(second.status, 200);
    assert.equal(second.body, "1");
    assert.equal((await closed)[0], "ping timeout");
    await sleep(0);
    await assertGone(server, sid);
  });
});

describe("server close", () => {
  let server: TestEngineServer;
  before(async () => {
    server = await startEngineServer({ pingInterval: 10_000, pingTimeout: 5_000 });
  });
  after(async () => {
    await server.close();
  });

  it("engine.close() ends every session and answers parked GETs with a close packet", async () => {
    const a = await handshake(server.httpUrl);
    const b = await handshake(server.httpUrl);
    const socketA = await server.socket(a.sid);
    const parked = poll(server.httpUrl, a.sid);
    await waitUntil(() => hasParkedPoll(socketA), "the GET to park");
    const reasons: string[] = [];
    socketA.on("close", (reason) => reasons.push(reason));
    (await server.socket(b.sid)).on("close", (reason) => reasons.push(reason));
    server.engine.close();
    const reply = await parked;
    assert.equal(reply.status, 200);
    assert.equal(reply.body, "1");
    assert.deepEqual(reasons, ["forced server close", "forced server close"]);
    assert.equal(server.engine.clientsCount, 0);
    await assertGone(server, b.sid);
  });
});
