/**
 * `io.drain({ deadline })` with the real socket.io-client: from its first moment new handshakes
 * (long-polling and WebSocket) get 503 `{"code":4,"message":"Server shutting down"}` with
 * `Retry-After` and `ready()` answers 503, while open sessions keep working; handlers running
 * when it began (gateway handlers and `socket.on` listeners returning promises) finish and
 * their acknowledgements arrive; at the deadline what still runs is abandoned; calling it twice
 * (or `close()` meanwhile) is safe; and `close()` refuses later handshakes too.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { type AnyServerSocket, defineGateway } from "../../mod.ts";
import {
  closeAll,
  connect,
  connectError,
  createClient,
  modeOptions,
  MODES,
  once,
  startServer,
  type TestServer,
} from "../_helpers/socketio.ts";
import { request } from "../_helpers/raw_client.ts";
import { sleep, waitUntil, withTimeout } from "../_helpers/wait.ts";
import { closeRawClients, RawWsClient } from "../limits/_raw_ws.ts";

const SHUTTING_DOWN = { code: 4, message: "Server shutting down" };

/** Handlers started and not finished, by the event that started them. */
let running = 0;

const gateway = defineGateway({
  events: {
    echo: (_socket, value: unknown) => value,
    async slow(_socket, ms: number) {
      running++;
      try {
        await sleep(ms);
        return `slept ${ms}`;
      } finally {
        running--;
      }
    },
    hang() {
      running++;
      return new Promise(() => {});
    },
  },
});

/** A server with the gateway, and a `socket.on` listener that acknowledges after `ms`. */
async function server(): Promise<TestServer> {
  running = 0;
  const started = await startServer({ gateways: [gateway] });
  started.io.on("connection", (socket: AnyServerSocket) => {
    socket.on("listener", async (ms, ack) => {
      running++;
      await sleep(ms as number);
      running--;
      (ack as (value: string) => void)(`listened ${ms}`);
    });
  });
  return started;
}

describe("io.drain()", () => {
  after(async () => {
    await closeRawClients();
    await closeAll();
  });

  it("refuses new handshakes with 503 and Retry-After over polling and WebSocket; open sessions keep working", async () => {
    const s = await server();
    const inside = await connect(s.url, { transports: ["websocket"] });
    const slow = inside.timeout(3000).emitWithAck("slow", 600);
    await waitUntil(() => running === 1, "the handler to start");
    const draining = s.io.drain({ deadline: 5000, retryAfter: 7 });
    assert.equal(s.io.state, "draining");

    const polling = await request(`${s.url}/socket.io/?EIO=4&transport=polling`);
    assert.equal(polling.status, 503);
    assert.equal(polling.headers.get("retry-after"), "7");
    assert.deepEqual(JSON.parse(polling.body), SHUTTING_DOWN);

    const { client, response } = await RawWsClient.open(
      s.port,
      "/socket.io/?EIO=4&transport=websocket",
    );
    assert.equal(response.status, 503);
    assert.equal(response.headers["retry-after"], "7");
    assert.deepEqual(JSON.parse(response.body), SHUTTING_DOWN);
    client.destroy();

    for (const mode of MODES) {
      const outside = createClient(s.url, modeOptions(mode));
      assert.ok((await connectError(outside)) instanceof Error, mode.name);
    }
    // the open session is still served while its handler runs
    assert.equal(await inside.timeout(2000).emitWithAck("echo", "still here"), "still here");
    assert.equal(await slow, "slept 600");
    await withTimeout(draining, 5000, "the drain");
    assert.equal(s.io.state, "closed");
    assert.equal(s.io.clientsCount, 0);
  });

  for (const mode of MODES) {
    it(`delivers the acknowledgements of handlers running when it began (${mode.name})`, async () => {
      const s = await server();
      const client = await connect(s.url, modeOptions(mode));
      const serverSide = s.io.sockets.sockets.get(client.id!)!;
      const serverReason = once<[string]>(serverSide, "disconnect", 5000);
      const clientReason = once<[string]>(client, "disconnect", 5000);
      const fromGateway = client.timeout(4000).emitWithAck("slow", 400);
      const fromListener = client.timeout(4000).emitWithAck("listener", 300);
      await waitUntil(() => running === 2, "both handlers to start");
      const began = Date.now();
      let drained = 0;
      const draining = s.io.drain({ deadline: 4000 }).then(() => drained = Date.now());
      assert.equal(await fromGateway, "slept 400");
      assert.equal(await fromListener, "listened 300");
      await withTimeout(draining, 5000, "the drain");
      assert.ok(
        drained - began >= 250,
        `the drain waited for the handlers (${drained - began} ms)`,
      );
      assert.ok(drained - began < 3000, `and not for its deadline (${drained - began} ms)`);
      assert.deepEqual(await serverReason, ["server shutting down", undefined]);
      // no DISCONNECT packet: the client sees its transport close and would reconnect
      assert.equal((await clientReason)[0], "transport close");
    });
  }

  it("abandons a handler still running at the deadline", async () => {
    const s = await server();
    const client = await connect(s.url, { transports: ["websocket"] });
    const never = client.timeout(3000).emitWithAck("hang").then(
      () => "acknowledged",
      (error: Error) => error.message,
    );
    await waitUntil(() => running === 1, "the handler to start");
    const began = Date.now();
    await withTimeout(s.io.drain({ deadline: 300 }), 3000, "the drain");
    const took = Date.now() - began;
    assert.ok(took >= 250 && took < 2000, `the drain ended at its deadline (${took} ms)`);
    assert.equal(s.io.state, "closed");
    assert.equal(s.io.clientsCount, 0);
    assert.notEqual(await never, "acknowledged");
  });

  it("is safe to call twice, and close() during a drain ends it now", async () => {
    const s = await server();
    const client = await connect(s.url, { transports: ["websocket"] });
    void client.timeout(3000).emitWithAck("hang").catch(() => {});
    await waitUntil(() => running === 1, "the handler to start");
    const first = s.io.drain({ deadline: 60_000 });
    const second = s.io.drain({ deadline: 60_000, retryAfter: 1 });
    assert.equal(first, second);
    const began = Date.now();
    await withTimeout(s.io.close(), 2000, "close() during the drain");
    await withTimeout(first, 1000, "the first drain");
    assert.ok(Date.now() - began < 1500);
    assert.equal(s.io.state, "closed");
    // once closed, both answer at once
    await withTimeout(s.io.drain(), 500, "a drain after the close");
    await withTimeout(s.io.close(), 500, "a second close");
    // the first call's Retry-After stays
    const refused = await request(`${s.url}/socket.io/?EIO=4&transport=polling`);
    assert.equal(refused.headers.get("retry-after"), "5");
  });

  it("turns ready() unready from its first moment, and health() once closed", async () => {
    const s = await server();
    const app = new Hono();
    app.get("/ready", s.io.ready);
    app.get("/health", s.io.health);
    const probe = async (path: string) => {
      const response = await app.request(path);
      assert.match(response.headers.get("content-type") ?? "", /application\/json/);
      return { status: response.status, body: await response.json() };
    };
    const client = await connect(s.url, { transports: ["websocket"] });
    assert.deepEqual(await probe("/ready"), {
      status: 200,
      body: { status: "running", sessions: 1 },
    });
    assert.equal((await probe("/health")).status, 200);

    void client.timeout(3000).emitWithAck("slow", 300).catch(() => {});
    await waitUntil(() => running === 1, "the handler to start");
    const draining = s.io.drain({ deadline: 3000 });
    assert.deepEqual(await probe("/ready"), {
      status: 503,
      body: { status: "draining", sessions: 1 },
    });
    assert.deepEqual(await probe("/health"), {
      status: 200,
      body: { status: "draining", sessions: 1 },
    });
    await withTimeout(draining, 4000, "the drain");
    assert.deepEqual(await probe("/ready"), {
      status: 503,
      body: { status: "closed", sessions: 0 },
    });
    assert.deepEqual(await probe("/health"), {
      status: 503,
      body: { status: "closed", sessions: 0 },
    });
    // plain request handlers too
    assert.equal(s.io.ready().status, 503);
  });

  it("close() refuses later handshakes with 503 (a new client no longer connects)", async () => {
    const s = await server();
    const first = await connect(s.url);
    await s.io.close();
    await waitUntil(() => !first.connected, "the client to see the close");
    const refused = await request(`${s.url}/socket.io/?EIO=4&transport=polling`);
    assert.equal(refused.status, 503);
    assert.deepEqual(JSON.parse(refused.body), SHUTTING_DOWN);
    assert.ok((await connectError(createClient(s.url))) instanceof Error);
  });

  it("throws on wrong options, naming the option and a valid value", async () => {
    const s = await server();
    assert.throws(
      () => s.io.drain({ deadline: -1 }),
      {
        name: "TypeError",
        message: "drain: deadline must be an integer of at least 0, got -1, e.g. deadline: 25000",
      },
    );
    assert.throws(
      () => s.io.drain({ deadline: 10, grace: 1 } as never),
      /drain: unknown option "grace"; expected one of deadline, retryAfter/,
    );
    assert.equal(s.io.state, "running");
  });
});
