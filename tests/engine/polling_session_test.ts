/**
 * Unit tests of the long-polling transport and the Engine.IO session, without HTTP
 * (src/engine/polling.ts, src/engine/session.ts). A GET is `transport.poll()`, a POST body is
 * `transport.receive(body)`. Every test ends with its session closed and its poll drained, so
 * no heartbeat or close timer outlives it.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { HandshakeInfo } from "../../src/engine/handshake_info.ts";
import type { EngineProtocolOptions } from "../../src/engine/options.ts";
import { resolveEngineOptions } from "../../src/options/engine_options.ts";
import type { Packet, PacketData } from "../../src/engine/packet.ts";
import { PollingTransport, type PollOutcome, watchSignal } from "../../src/engine/polling.ts";
import { EngineSession } from "../../src/engine/session.ts";
import type { EngineCloseReason } from "../../src/engine/engine_socket.ts";
import {
  DETACHED,
  type Transport,
  type TransportListener,
  type TransportName,
} from "../../src/engine/transport.ts";

// ---------------------------------------------------------------------------------------------
// helpers

const SID = "test-sid";

/** Long enough that no heartbeat fires during a test that does not ask for one. */
const QUIET: EngineProtocolOptions = { pingInterval: 60_000, pingTimeout: 60_000 };

function handshakeInfo(): HandshakeInfo {
  return {
    headers: new Headers({ "user-agent": "unit-test" }),
    query: new URLSearchParams("EIO=4&transport=polling"),
    url: "/engine.io/?EIO=4&transport=polling",
    remoteAddress: "127.0.0.1",
    secure: false,
    issued: Date.now(),
  };
}

type CloseEvent = { reason: EngineCloseReason; description: string | undefined };

interface Harness {
  session: EngineSession;
  transport: PollingTransport;
  /** Every `close` event, in order. */
  closes: CloseEvent[];
  /** Every session the onClosed callback was called with. */
  reportedClosed: EngineSession[];
  /** Every `message` event, in order. */
  messages: PacketData[];
  /** Resolves with the first `close` event. */
  closed: Promise<CloseEvent>;
}

/** Builds a polling session around a fresh PollingTransport (not yet opened). */
function createSession(options: EngineProtocolOptions = {}): Harness {
  const transport = new PollingTransport();
  const reportedClosed: EngineSession[] = [];
  const session = new EngineSession(
    SID,
    transport,
    handshakeInfo(),
    resolveEngineOptions({ ...QUIET, ...options }),
    (closed) => reportedClosed.push(closed),
  );
  const closes: CloseEvent[] = [];
  const messages: PacketData[] = [];
  let resolveClosed: (event: CloseEvent) => void = () => {};
  const closed = new Promise<CloseEvent>((resolve) => (resolveClosed = resolve));
  session.on("close", (reason, description) => {
    const event = { reason, description };
    closes.push(event);
    resolveClosed(event);
  });
  session.on("message", (data) => messages.push(data));
  return { session, transport, closes, reportedClosed, messages, closed };
}

/** Closes whatever is still open and delivers a pending close packet, clearing its timer. */
function dispose(h: Harness): void {
  if (h.session.readyState !== "closed") h.session.terminate("forced server close");
  // A transport closed with no poll parked waits (30 s timer) for the next poll to carry the
  // close packet: this poll delivers it and clears the timer. On a fully closed transport it
  // simply never resolves, which holds no timer.
  void h.transport.poll();
}

/** Runs `body` on an opened session whose OPEN packet has already been polled. */
async function withOpenSession(
  options: EngineProtocolOptions,
  body: (h: Harness) => Promise<void> | void,
): Promise<void> {
  const h = createSession(options);
  try {
    h.session.open();
    const open = await payload(h.transport.poll());
    assert.ok(open.startsWith("0{"), `OPEN packet expected, got ${open}`);
    await body(h);
  } finally {
    dispose(h);
  }
}

/** Rejects if `promise` has not settled within `ms`; always clears its timer. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Awaits a poll and returns its payload body, failing on an overlap or a hang. */
async function payload(poll: Promise<PollOutcome>, what = "poll"): Promise<string> {
  const outcome = await within(poll, 2000, what);
  assert.equal(outcome.kind, "payload", `${what} should carry a payload`);
  if (outcome.kind !== "payload") throw new Error("unreachable");
  return outcome.body;
}

/** Whether a promise has settled, checked after the current microtasks ran. */
async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol("pending");
  const winner = await Promise.race([promise, Promise.resolve().then(() => marker)]);
  return winner !== marker;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A WebSocket-like transport that records what the session does with it. */
class FakeWebSocketTransport implements Transport {
  readonly name: TransportName = "websocket";
  writable = true;
  bufferedAmount = 0;
  readonly sent: Packet[] = [];
  closeCalls = 0;
  #listener: TransportListener = DETACHED;

  bind(listener: TransportListener): void {
    this.#listener = listener;
  }
  send(packets: readonly Packet[]): void {
    this.sent.push(...packets);
  }
  close(done?: () => void): void {
    this.closeCalls++;
    this.writable = false;
    done?.();
  }
  discard(): void {
    this.#listener = DETACHED;
  }
  /** Delivers a packet from the (fake) peer. */
  receive(packet: Packet): void {
    this.#listener.onPacket(packet);
  }
}

// ---------------------------------------------------------------------------------------------
// tests

describe("EngineSession.open over polling", () => {
  it("is opening before open() and open after", () => {
    const h = createSession();
    try {
      assert.equal(h.session.readyState, "opening");
      assert.equal(h.session.id, SID);
      assert.equal(h.session.transport, "polling");
      assert.equal(h.session.activeTransport, h.transport);
      h.session.open();
      assert.equal(h.session.readyState, "open");
    } finally {
      dispose(h);
    }
  });

  it("the first poll receives the OPEN packet with exactly the handshake fields", async () => {
    const h = createSession({ pingInterval: 4000, pingTimeout: 3000, maxHttpBufferSize: 5000 });
    try {
      h.session.open();
      const body = await payload(h.transport.poll());
      assert.equal(body[0], "0");
      assert.ok(!body.includes("\x1e"), "OPEN is alone in the payload");
      const open = JSON.parse(body.slice(1));
      assert.deepEqual(open, {
        sid: SID,
        upgrades: ["websocket"],
        pingInterval: 4000,
        pingTimeout: 3000,
        maxPayload: 5000,
      });
    } finally {
      dispose(h);
    }
  });

  it("a poll parked before open() receives the OPEN packet", async () => {
    const h = createSession();
    try {
      const poll = h.transport.poll();
      assert.equal(await isSettled(poll), false);
      h.session.open();
      const body = await payload(poll);
      assert.equal(JSON.parse(body.slice(1)).sid, SID);
    } finally {
      dispose(h);
    }
  });

  it("offers no upgrade when allowUpgrades is false", async () => {
    const h = createSession({ allowUpgrades: false });
    try {
      h.session.open();
      const body = await payload(h.transport.poll());
      assert.deepEqual(JSON.parse(body.slice(1)).upgrades, []);
    } finally {
      dispose(h);
    }
  });

  it("offers no upgrade when websocket is not an allowed transport", async () => {
    const h = createSession({ transports: ["polling"] });
    try {
      h.session.open();
      const body = await payload(h.transport.poll());
      assert.deepEqual(JSON.parse(body.slice(1)).upgrades, []);
    } finally {
      dispose(h);
    }
  });

  it("sends a text initial packet right after OPEN, in the same payload", async () => {
    const h = createSession({ initialPacket: "welcome" });
    try {
      h.session.open();
      const [open, initial, ...rest] = (await payload(h.transport.poll())).split("\x1e");
      assert.ok(open.startsWith("0{"));
      assert.equal(initial, "4welcome");
      assert.deepEqual(rest, []);
    } finally {
      dispose(h);
    }
  });

  it("sends a binary initial packet as b<base64> after OPEN", async () => {
    const h = createSession({ initialPacket: new Uint8Array([1, 2, 3]) });
    try {
      h.session.open();
      const segments = (await payload(h.transport.poll())).split("\x1e");
      assert.equal(segments.length, 2);
      assert.equal(segments[1], "bAQID");
    } finally {
      dispose(h);
    }
  });

  it("keeps the handshake request info", () => {
    const h = createSession();
    try {
      assert.equal(h.session.request.remoteAddress, "127.0.0.1");
      assert.equal(h.session.request.query.get("transport"), "polling");
      assert.equal(h.session.request.headers.get("user-agent"), "unit-test");
    } finally {
      dispose(h);
    }
  });
});

describe("PollingTransport: GET (poll)", () => {
  it("is writable only while a poll is parked", async () => {
    await withOpenSession({}, async ({ session, transport }) => {
      assert.equal(transport.writable, false);
      const poll = transport.poll();
      assert.equal(transport.writable, true);
      session.send("x");
      assert.equal(transport.writable, false);
      assert.equal(await payload(poll), "4x");
    });
  });

  it("the session is writable only while open with a poll parked", async () => {
    await withOpenSession({}, async ({ session, transport }) => {
      assert.equal(session.writable, false);
      const poll = transport.poll();
      assert.equal(session.writable, true);
      session.close();
      assert.equal(await payload(poll), "1");
      assert.equal(session.writable, false);
    });
  });

  it("parks a poll until the session sends a message", async () => {
    await withOpenSession({}, async ({ session, transport }) => {
      const poll = transport.poll();
      await sleep(5);
      assert.equal(await isSettled(poll), false, "nothing to send yet: the poll stays parked");
      session.send("hello");
      assert.equal(await payload(poll), "4hello");
    });
  });

  it("delivers messages sent with no poll parked, in order, in one payload", async () => {
    await withOpenSession({}, async ({ session, transport }) => {
      session.send("one");
      session.send("two");
      session.send("three");
      assert.equal(await payload(transport.poll()), "4one\x1e4two\x1e4three");
    });
  });

  it('emits "packetCreate" with each message queued for the peer, and none once closing', async () => {
    await withOpenSession({}, async ({ session, transport }) => {
      const sent: PacketData[] = [];
      session.on("packetCreate", (packet) => {
        if (packet.type === "message") sent.push(packet.data!);
      });
      session.send("one");
      session.send(new Uint8Array([1, 2]));
      assert.deepEqual(sent, ["one", new Uint8Array([1, 2])]);
      assert.equal(await payload(transport.poll()), "4one\x1ebAQI=");
      session.close();
      session.send("late");
      assert.equal(sent.length, 2);
    });
  });

  it("encodes binary messages as b<base64> in the payload", async () => {
    await withOpenSession({}, async ({ session, transport }) => {
      session.send(new Uint8Array([1, 2, 3, 4]));
      assert.equal(await payload(transport.poll()), "bAQIDBA==");
    });
  });

  it("mixes text and binary messages in one payload, in order", async () => {
    await withOpenSession({}, async ({ session, transport }) => {
      session.send("hello");
      session.send(new Uint8Array([1, 2, 3, 4]));
      session.send("bye");
      assert.equal(await payload(transport.poll()), "4hello\x1ebAQIDBA==\x1e4bye");
    });
  });

  it("releases a parked poll with a binary message on its own", async () => {
    await withOpenSession({}, async ({ session, transport }) => {
      const poll = transport.poll();
      session.send(new Uint8Array([255, 0]));
      assert.equal(await payload(poll), "b/wA=");
    });
  });

  it("emits drain when queued packets are handed to a poll", async () => {
    await withOpenSession({}, async ({ session, transport }) => {
      let drains = 0;
      session.on("drain", () => drains++);
      session.send("a");
      assert.equal(drains, 0, "no poll parked: nothing handed over yet");
      await payload(transport.poll());
      assert.equal(drains, 1);
    });
  });

  it("each poll takes only what was queued since the previous one", async () => {
    await withOpenSession({}, async ({ session, transport }) => {
      session.send("a");
      assert.equal(await payload(transport.poll()), "4a");
      session.send("b");
      session.send("c");
      assert.equal(await payload(transport.poll()), "4b\x1e4c");
    });
  });

  it("an overlapping poll gets {kind: overlap}, the first poll gets the close packet, the session closes with transport error", async () => {
    await withOpenSession({}, async (h) => {
      const first = h.transport.poll();
      const second = await within(h.transport.poll(), 1000, "overlapping poll");
      assert.deepEqual(second, { kind: "overlap" });
      assert.equal(await payload(first, "first poll"), "1");
      assert.deepEqual(h.closes, [{
        reason: "transport error",
        description: "overlap from client",
      }]);
      assert.equal(h.session.readyState, "closed");
      assert.deepEqual(h.reportedClosed, [h.session]);
    });
  });

  it("a poll aborted by the client closes the session with transport error", async () => {
    await withOpenSession({}, async (h) => {
      const controller = new AbortController();
      const poll = h.transport.poll(watchSignal(controller.signal));
      assert.equal(h.transport.writable, true);
      controller.abort();
      const closed = await within(h.closed, 1000, "close");
      assert.equal(closed.reason, "transport error");
      assert.equal(closed.description, "poll connection closed prematurely");
      assert.equal(h.transport.writable, false);
      assert.deepEqual(
        await within(poll, 1000, "aborted poll"),
        { kind: "aborted" },
        "the aborted GET settles, so its request handler does not wait forever",
      );
    });
  });

  it("aborting a poll that was already answered changes nothing", async () => {
    await withOpenSession({}, async (h) => {
      const controller = new AbortController();
      const poll = h.transport.poll(watchSignal(controller.signal));
      h.session.send("done");
      assert.equal(await payload(poll), "4done");
      controller.abort();
      await sleep(1);
      assert.equal(h.session.readyState, "open");
      assert.deepEqual(h.closes, []);
    });
  });
});

describe("PollingTransport: POST (receive)", () => {
  it("delivers a text message to the session", async () => {
    await withOpenSession({}, (h) => {
      assert.deepEqual(h.transport.receive("4hello"), { kind: "ok" });
      assert.deepEqual(h.messages, ["hello"]);
    });
  });

  it("delivers the messages of one payload in order, binary as bytes", async () => {
    await withOpenSession({}, (h) => {
      assert.deepEqual(h.transport.receive("4hello\x1ebAQIDBA==\x1e4bye"), { kind: "ok" });
      assert.equal(h.messages.length, 3);
      assert.equal(h.messages[0], "hello");
      assert.ok(h.messages[1] instanceof Uint8Array);
      assert.deepEqual([...(h.messages[1] as Uint8Array)], [1, 2, 3, 4]);
      assert.equal(h.messages[2], "bye");
    });
  });

  it('delivers an empty text message ("4") as an empty string', async () => {
    await withOpenSession({}, (h) => {
      h.transport.receive("4");
      assert.deepEqual(h.messages, [""]);
    });
  });

  it("ignores noop packets from the client", async () => {
    await withOpenSession({}, (h) => {
      assert.deepEqual(h.transport.receive("6"), { kind: "ok" });
      assert.equal(h.session.readyState, "open");
      assert.deepEqual(h.messages, []);
    });
  });

  it('a close packet ("1") releases a parked poll with a noop and closes with transport close', async () => {
    await withOpenSession({}, async (h) => {
      const poll = h.transport.poll();
      assert.deepEqual(h.transport.receive("1"), { kind: "ok" });
      assert.equal(await payload(poll), "6");
      assert.deepEqual(h.closes, [{ reason: "transport close", description: undefined }]);
      assert.equal(h.session.readyState, "closed");
      assert.deepEqual(h.reportedClosed, [h.session]);
    });
  });

  it('a close packet ("1") with no poll parked closes with transport close', async () => {
    await withOpenSession({}, (h) => {
      h.transport.receive("1");
      assert.deepEqual(h.closes, [{ reason: "transport close", description: undefined }]);
      assert.equal(h.session.readyState, "closed");
    });
  });

  it("packets after a close packet in the same payload are dropped", async () => {
    await withOpenSession({}, (h) => {
      h.transport.receive("4before\x1e1\x1e4after");
      assert.deepEqual(h.messages, ["before"]);
      assert.equal(h.closes.length, 1);
      assert.equal(h.closes[0].reason, "transport close");
    });
  });

  it("a malformed payload is invalid and closes the session with parse error", async () => {
    await withOpenSession({}, (h) => {
      const outcome = h.transport.receive("abc");
      assert.equal(outcome.kind, "invalid");
      if (outcome.kind === "invalid") assert.ok(outcome.error.length > 0);
      assert.equal(h.closes.length, 1);
      assert.equal(h.closes[0].reason, "parse error");
      assert.equal(h.session.readyState, "closed");
    });
  });

  it("a parse error releases a parked poll with the close packet", async () => {
    await withOpenSession({}, async (h) => {
      const poll = h.transport.poll();
      assert.equal(h.transport.receive("b!!!").kind, "invalid");
      assert.equal(await payload(poll), "1");
      assert.equal(h.closes[0].reason, "parse error");
    });
  });

  it("a payload with one malformed segment delivers none of its messages", async () => {
    await withOpenSession({}, (h) => {
      assert.equal(h.transport.receive("4first\x1e9oops\x1e4last").kind, "invalid");
      assert.deepEqual(h.messages, []);
      assert.equal(h.closes[0].reason, "parse error");
    });
  });

  it("an empty POST body is invalid", async () => {
    await withOpenSession({}, (h) => {
      assert.equal(h.transport.receive("").kind, "invalid");
      assert.equal(h.closes[0].reason, "parse error");
    });
  });

  it('a client ping ("2", wrong heartbeat direction) closes with transport error', async () => {
    await withOpenSession({}, (h) => {
      h.transport.receive("2");
      assert.deepEqual(h.closes, [{
        reason: "transport error",
        description: "invalid heartbeat direction",
      }]);
      assert.equal(h.session.readyState, "closed");
    });
  });

  it("beginReceive refuses an overlapping POST and closes with transport error", async () => {
    await withOpenSession({}, (h) => {
      assert.equal(h.transport.beginReceive(), true);
      assert.equal(h.transport.beginReceive(), false);
      assert.deepEqual(h.closes, [{
        reason: "transport error",
        description: "data request overlap from client",
      }]);
    });
  });

  it("beginReceive accepts sequential POSTs once endReceive marks each one done", async () => {
    await withOpenSession({}, (h) => {
      for (let i = 0; i < 3; i++) {
        assert.equal(h.transport.beginReceive(), true);
        h.transport.receive(`4m${i}`);
        h.transport.endReceive();
      }
      assert.deepEqual(h.messages, ["m0", "m1", "m2"]);
      assert.equal(h.session.readyState, "open");
    });
  });

  it("messages arriving after the session closed are not delivered", async () => {
    await withOpenSession({}, (h) => {
      h.session.terminate("forced server close");
      h.transport.receive("4late");
      assert.deepEqual(h.messages, []);
    });
  });
});

describe("EngineSession heartbeat", () => {
  it("a parked poll receives a ping after pingInterval; with no pong the session closes with ping timeout", async () => {
    await withOpenSession({ pingInterval: 20, pingTimeout: 20 }, async (h) => {
      const started = Date.now();
      assert.equal(await payload(h.transport.poll(), "ping poll"), "2");
      assert.ok(Date.now() - started >= 15, "the ping waits for pingInterval");
      const next = h.transport.poll();
      const closed = await within(h.closed, 2000, "ping timeout");
      assert.equal(closed.reason, "ping timeout");
      assert.equal(await payload(next, "poll parked at timeout"), "1");
      assert.equal(h.session.readyState, "closed");
      assert.deepEqual(h.reportedClosed, [h.session]);
    });
  });

  it("an overdue pong closes the session on the next check, before a late timer fires", async () => {
    await withOpenSession({ pingInterval: 20, pingTimeout: 5_000 }, async (h) => {
      assert.equal(await payload(h.transport.poll(), "ping poll"), "2");
      assert.equal(h.session.checkHeartbeat(), true, "the pong is not due yet");
      assert.equal(h.session.checkHeartbeat(Date.now() + 10_000), false);
      assert.equal(h.closes[0].reason, "ping timeout");
    });
  });

  it("a pong clears the deadline the check looks at", async () => {
    await withOpenSession({ pingInterval: 20, pingTimeout: 5_000 }, async (h) => {
      assert.equal(await payload(h.transport.poll(), "ping poll"), "2");
      h.transport.receive("3");
      assert.equal(h.session.checkHeartbeat(Date.now() + 10_000), true);
    });
  });

  it("a ping sent while no poll is parked waits for the next poll", async () => {
    await withOpenSession({ pingInterval: 20, pingTimeout: 500 }, async (h) => {
      await sleep(40);
      assert.equal(await payload(h.transport.poll()), "2");
      h.transport.receive("3");
    });
  });

  it("answering every ping with a pong keeps the session open across several intervals", async () => {
    await withOpenSession({ pingInterval: 20, pingTimeout: 30 }, async (h) => {
      let heartbeats = 0;
      h.session.on("heartbeat", () => heartbeats++);
      const started = Date.now();
      for (let i = 0; i < 4; i++) {
        assert.equal(await payload(h.transport.poll(), `ping #${i}`), "2");
        h.transport.receive("3");
      }
      assert.ok(Date.now() - started > 30, "ran past one pingTimeout");
      assert.equal(heartbeats, 4);
      assert.equal(h.session.readyState, "open");
      assert.deepEqual(h.closes, []);
    });
  });

  it("pings come after queued messages in the same payload", async () => {
    await withOpenSession({ pingInterval: 20, pingTimeout: 500 }, async (h) => {
      h.session.send("queued");
      await sleep(40);
      assert.equal(await payload(h.transport.poll()), "4queued\x1e2");
      h.transport.receive("3");
    });
  });
});

describe("EngineSession.close over polling", () => {
  it("with a parked poll: the poll receives the close packet and the session closes with forced close", async () => {
    await withOpenSession({}, async (h) => {
      const poll = h.transport.poll();
      h.session.close();
      assert.equal(await payload(poll), "1");
      assert.deepEqual(h.closes, [{ reason: "forced close", description: undefined }]);
      assert.equal(h.session.readyState, "closed");
      assert.deepEqual(h.reportedClosed, [h.session]);
    });
  });

  it("without a parked poll: the close packet goes out on the next poll", async () => {
    await withOpenSession({}, async (h) => {
      h.session.close();
      assert.equal(h.session.readyState, "closing");
      assert.deepEqual(h.closes, []);
      assert.equal(
        await payload(h.transport.poll()),
        "6\x1e1",
        "a noop, then the close packet, as the reference",
      );
      assert.deepEqual(h.closes, [{ reason: "forced close", description: undefined }]);
      assert.equal(h.session.readyState, "closed");
    });
  });

  it("flushes queued messages before the close packet", async () => {
    await withOpenSession({}, async (h) => {
      h.session.send("a");
      h.session.send("b");
      h.session.close();
      assert.equal(h.session.readyState, "closing");
      assert.equal(await payload(h.transport.poll()), "4a\x1e4b");
      assert.equal(await payload(h.transport.poll()), "6\x1e1");
      assert.deepEqual(h.closes, [{ reason: "forced close", description: undefined }]);
    });
  });

  it("drops messages sent once closing has started", async () => {
    await withOpenSession({}, async (h) => {
      h.session.close();
      h.session.send("too late");
      assert.equal(await payload(h.transport.poll()), "6\x1e1");
    });
  });

  it("a second close() is harmless: one close event, one onClosed call", async () => {
    await withOpenSession({}, async (h) => {
      const poll = h.transport.poll();
      h.session.close();
      h.session.close();
      await payload(poll);
      h.session.close();
      assert.equal(h.closes.length, 1);
      assert.equal(h.reportedClosed.length, 1);
    });
  });

  it("close() before open() does nothing", () => {
    const h = createSession();
    try {
      h.session.close();
      assert.equal(h.session.readyState, "opening");
      assert.deepEqual(h.closes, []);
    } finally {
      dispose(h);
    }
  });

  it("terminate() closes at once with the given reason, releasing a parked poll", async () => {
    await withOpenSession({}, async (h) => {
      const parked = h.transport.poll();
      h.session.terminate("forced server close");
      assert.equal(await payload(parked), "1");
      assert.deepEqual(h.closes, [{ reason: "forced server close", description: undefined }]);
      assert.deepEqual(h.reportedClosed, [h.session]);
    });
  });

  it("terminate() drops queued messages", async () => {
    await withOpenSession({}, async (h) => {
      h.session.send("dropped");
      h.session.terminate("forced server close");
      assert.equal(await payload(h.transport.poll()), "1");
    });
  });

  it("no listener is called after the close event", async () => {
    await withOpenSession({}, async (h) => {
      const poll = h.transport.poll();
      h.session.close();
      await payload(poll);
      h.transport.receive("4after");
      assert.deepEqual(h.messages, []);
      assert.equal(h.closes.length, 1);
    });
  });

  it("off() removes a listener", async () => {
    await withOpenSession({}, (h) => {
      const seen: PacketData[] = [];
      const listener = (data: PacketData) => seen.push(data);
      h.session.on("message", listener);
      h.transport.receive("4one");
      h.session.off("message", listener);
      h.transport.receive("4two");
      assert.deepEqual(seen, ["one"]);
      assert.deepEqual(h.messages, ["one", "two"]);
    });
  });

  it("a throwing listener does not break the session", async () => {
    await withOpenSession({}, (h) => {
      h.session.on("message", () => {
        throw new Error("listener bug");
      });
      h.transport.receive("4a\x1e4b");
      assert.deepEqual(h.messages, ["a", "b"]);
      assert.equal(h.session.readyState, "open");
    });
  });
});

describe("PollingTransport alone", () => {
  it("reports packets and drains to the bound listener", async () => {
    const transport = new PollingTransport();
    const packets: Packet[] = [];
    let drains = 0;
    transport.bind({
      onPacket: (packet) => packets.push(packet),
      onDrain: () => drains++,
      onClose: () => {},
    });
    assert.equal(transport.name, "polling");
    assert.equal(transport.bufferedAmount, 0);
    const poll = transport.poll();
    assert.equal(drains, 1, "a parked poll asks the listener for packets");
    transport.send([{ type: "message", data: "x" }, { type: "ping" }]);
    assert.equal(await payload(poll), "4x\x1e2");
    transport.receive("3\x1e4y");
    assert.deepEqual(packets, [{ type: "pong" }, { type: "message", data: "y" }]);
  });

  it("send() with no parked poll writes nothing and keeps no packet", async () => {
    const transport = new PollingTransport();
    transport.send([{ type: "message", data: "lost" }]);
    const poll = transport.poll();
    assert.equal(await isSettled(poll), false);
    transport.send([{ type: "message", data: "kept" }]);
    assert.equal(await payload(poll), "4kept");
  });

  it("close() with a parked poll sends the close packet and calls done", async () => {
    const transport = new PollingTransport();
    const poll = transport.poll();
    let done = 0;
    transport.close(() => done++);
    assert.equal(await payload(poll), "1");
    assert.equal(done, 1);
    transport.close(() => done++);
    assert.equal(done, 2, "closing a closed transport calls done at once");
  });

  it("close() with no parked poll calls done once the next poll carries the close packet", async () => {
    const transport = new PollingTransport();
    let done = 0;
    transport.close(() => done++);
    assert.equal(done, 0);
    transport.close(() => done++); // already closing: ignored
    assert.equal(await payload(transport.poll()), "6\x1e1");
    assert.equal(done, 1);
  });

  it("a discarded transport closes at once and reports nothing more", () => {
    const transport = new PollingTransport();
    const closes: string[] = [];
    transport.bind({ onPacket: () => {}, onDrain: () => {}, onClose: (r) => closes.push(r) });
    transport.discard();
    transport.receive("1");
    transport.receive("not a payload");
    assert.deepEqual(closes, []);
    let done = 0;
    transport.close(() => done++);
    assert.equal(done, 1);
  });

  it("closing a discarded transport releases a parked poll (as the reference sends a close packet to a writable transport)", async () => {
    const transport = new PollingTransport();
    const poll = transport.poll();
    transport.discard();
    let done = 0;
    transport.close(() => done++);
    assert.equal(done, 1);
    assert.equal(await payload(poll, "poll parked on the discarded transport"), "1");
  });
});

describe("EngineSession.upgradeTo (polling to a WebSocket transport)", () => {
  it("answers 2probe with 3probe, releases the parked poll with a noop, switches on 5", async () => {
    await withOpenSession({}, async (h) => {
      const ws = new FakeWebSocketTransport();
      const events: string[] = [];
      h.session.on("upgrading", (name) => events.push(`upgrading ${name}`));
      h.session.on("upgrade", (name) => events.push(`upgrade ${name}`));
      const parked = h.transport.poll();

      h.session.upgradeTo(ws);
      assert.equal(h.session.upgrading, true);
      ws.receive({ type: "ping", data: "probe" });
      assert.deepEqual(ws.sent, [{ type: "pong", data: "probe" }]);
      assert.equal(await payload(parked), "6");
      assert.deepEqual(events, ["upgrading websocket"]);

      h.session.send("queued during upgrade");
      ws.receive({ type: "upgrade" });
      assert.deepEqual(events, ["upgrading websocket", "upgrade websocket"]);
      assert.equal(h.session.transport, "websocket");
      assert.equal(h.session.activeTransport, ws);
      assert.equal(h.session.upgrading, false);
      assert.equal(h.session.upgraded, true);
      assert.deepEqual(ws.sent.slice(1), [{ type: "message", data: "queued during upgrade" }]);

      h.session.send("after");
      assert.deepEqual(ws.sent.at(-1), { type: "message", data: "after" });
      ws.receive({ type: "message", data: "from ws" });
      assert.deepEqual(h.messages, ["from ws"]);

      h.session.close();
      assert.equal(h.session.readyState, "closed");
      assert.equal(h.closes[0].reason, "forced close");
    });
  });

  it("a poll held after the probe when the upgrade completes is refused, not left hanging", async () => {
    await withOpenSession({}, async (h) => {
      const ws = new FakeWebSocketTransport();
      h.session.upgradeTo(ws);
      ws.receive({ type: "ping", data: "probe" });
      const parked = h.transport.poll();
      ws.receive({ type: "upgrade" });
      assert.equal(h.session.transport, "websocket");
      const outcome = await within(parked, 500, "poll parked across the upgrade");
      assert.equal(outcome.kind, "upgraded");
      h.session.close();
    });
  });

  it("after the probe, a poll is held, then released with a noop; packets wait", async () => {
    await withOpenSession({}, async (h) => {
      const ws = new FakeWebSocketTransport();
      h.session.upgradeTo(ws);
      ws.receive({ type: "ping", data: "probe" });
      h.session.send("queued");
      const outcome = await within(h.transport.poll(), 1000, "the held poll's noop");
      assert.deepEqual(outcome, { kind: "payload", body: "6", compressible: true });
      ws.receive({ type: "upgrade" });
      assert.deepEqual(ws.sent.at(-1), { type: "message", data: "queued" });
      h.session.close();
    });
  });

  it("closes the candidate transport when the upgrade times out", async () => {
    await withOpenSession({ upgradeTimeout: 20 }, async (h) => {
      const ws = new FakeWebSocketTransport();
      h.session.upgradeTo(ws);
      await sleep(50);
      assert.equal(ws.closeCalls, 1);
      assert.equal(h.session.upgrading, false);
      assert.equal(h.session.transport, "polling");
      assert.equal(h.session.readyState, "open");
    });
  });

  it("closes the candidate transport on an unexpected packet during the probe", async () => {
    await withOpenSession({}, (h) => {
      const ws = new FakeWebSocketTransport();
      h.session.upgradeTo(ws);
      ws.receive({ type: "message", data: "too early" });
      assert.equal(ws.closeCalls, 1);
      assert.equal(h.session.upgrading, false);
      assert.equal(h.session.transport, "polling");
      assert.deepEqual(h.messages, []);
    });
  });

  it("closing the session during the probe closes the candidate transport", async () => {
    await withOpenSession({}, (h) => {
      const ws = new FakeWebSocketTransport();
      h.session.upgradeTo(ws);
      ws.receive({ type: "ping", data: "probe" });
      h.session.terminate("forced server close");
      assert.equal(ws.closeCalls, 1);
      assert.equal(h.session.upgrading, false);
    });
  });
});
