/**
 * `rateLimit`: a token bucket per socket on incoming events. "drop" discards the events past
 * the limit (no handler, no acknowledgement), "warn" lets them through with a warning,
 * "disconnect" disconnects the socket ("server namespace disconnect", described as "rate limit
 * exceeded"); each logs a warning on `sio.server`. Other sockets keep their own budget, the
 * bucket refills, and the client's acknowledgements of server emits are not counted. With the
 * real socket.io-client; LogTape records what is logged.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { defineGateway, type RateLimitOptions } from "../../mod.ts";
import {
  type ClientSocket,
  closeAll,
  connect,
  once,
  serverSocket,
  startServer,
  type TestServer,
} from "../_helpers/socketio.ts";
import { sleep, waitUntil } from "../_helpers/wait.ts";
import { captureLogs, type LogRecord, stopCapturingLogs } from "../_helpers/log_capture.ts";

/** A gateway whose `count` handler records every event it handles and acknowledges it. */
function countingGateway() {
  const handled: unknown[] = [];
  const disconnects: string[] = [];
  const gateway = defineGateway({
    events: {
      count(_socket, n: unknown) {
        handled.push(n);
        return n;
      },
    },
    disconnect(_socket, reason) {
      disconnects.push(reason);
    },
  });
  return { gateway, handled, disconnects };
}

/** Emits `count` n times at once, each asking for an ack; resolves with the acks that came. */
async function burst(client: ClientSocket, n: number, ackMs = 400): Promise<unknown[]> {
  const results = await Promise.allSettled(
    Array.from({ length: n }, (_, i) => client.timeout(ackMs).emitWithAck("count", i)),
  );
  return results.filter((r) => r.status === "fulfilled").map((r) => r.value);
}

describe("rateLimit", () => {
  const records: LogRecord[] = [];
  const warnings = (message: string) =>
    records.filter((r) => r.level === "warning" && r.rawMessage === message);

  before(async () => {
    await captureLogs(records, ["sio", "server"], "warning");
  });

  after(async () => {
    await closeAll();
    await stopCapturingLogs();
  });

  async function serve(rateLimit: RateLimitOptions) {
    const counting = countingGateway();
    const server: TestServer = await startServer({ gateways: [counting.gateway], rateLimit });
    return { ...counting, server };
  }

  for (const transports of [["websocket"], ["polling"]] as const) {
    it(`"drop" discards events past the burst, without an ack (${transports[0]})`, async () => {
      records.length = 0;
      const { server, handled } = await serve({ eventsPerSecond: 2, burst: 3, action: "drop" });
      const client = await connect(server.url, { transports: [...transports] });
      const acks = await burst(client, 10);
      assert.deepEqual(acks, [0, 1, 2], "only the burst is acknowledged");
      assert.deepEqual(handled, [0, 1, 2], "only the burst reaches the handler");
      assert.ok(client.connected, "the client stays connected");
      const [warning] = warnings("rate limit exceeded: events dropped");
      assert.ok(warning, "a warning is logged");
      assert.equal(warning.properties.sid, serverSocket(server, client).id);
      assert.equal(warning.properties.address, "127.0.0.1");
      assert.equal(warning.properties.event, "count");
      assert.equal(
        warnings("rate limit exceeded: events dropped").length,
        1,
        "at most one warning a second",
      );
      await server.close();
    });
  }

  it('"drop": the bucket refills at eventsPerSecond', { timeout: 10_000 }, async () => {
    const { server, handled } = await serve({ eventsPerSecond: 5, burst: 1, action: "drop" });
    const client = await connect(server.url, { transports: ["websocket"] });
    assert.deepEqual(await burst(client, 3), [0], "a burst of one");
    await sleep(250); // a token every 200 ms
    assert.equal(await client.timeout(1000).emitWithAck("count", "later"), "later");
    assert.deepEqual(handled, [0, "later"]);
    await server.close();
  });

  it("each socket has its own bucket", async () => {
    const { server, handled } = await serve({ eventsPerSecond: 1, burst: 2, action: "drop" });
    const greedy = await connect(server.url, { transports: ["websocket"] });
    const polite = await connect(server.url, { transports: ["websocket"] });
    assert.deepEqual(await burst(greedy, 5), [0, 1]);
    assert.equal(await polite.timeout(1000).emitWithAck("count", "mine"), "mine");
    assert.deepEqual(handled, [0, 1, "mine"]);
    await server.close();
  });

  it('"warn" lets every event through and logs a warning', async () => {
    records.length = 0;
    const { server, handled } = await serve({ eventsPerSecond: 1, burst: 2, action: "warn" });
    const client = await connect(server.url, { transports: ["websocket"] });
    const acks = await burst(client, 6, 2000);
    assert.deepEqual(acks, [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(handled, [0, 1, 2, 3, 4, 5]);
    const logged = warnings("rate limit exceeded");
    assert.equal(logged.length, 1, "one warning for the burst");
    assert.equal(logged[0].properties.eventsPerSecond, 1);
    assert.equal(logged[0].properties.burst, 2);
    await server.close();
  });

  it('"disconnect" disconnects the socket past the burst; others carry on', async () => {
    records.length = 0;
    const { server, handled, disconnects } = await serve({
      eventsPerSecond: 1,
      burst: 2,
      action: "disconnect",
    });
    const abuser = await connect(server.url, { transports: ["websocket"] });
    const bystander = await connect(server.url, { transports: ["websocket"] });
    const socket = serverSocket(server, abuser);
    const serverSide = once<[string, unknown]>(socket, "disconnect");
    const clientSide = once<[string]>(abuser, "disconnect");
    for (let i = 0; i < 5; i++) abuser.emit("count", i);
    const [reason, description] = await serverSide;
    assert.equal(reason, "server namespace disconnect");
    assert.equal(description, "rate limit exceeded");
    const [clientReason] = await clientSide;
    assert.equal(clientReason, "io server disconnect");
    await waitUntil(() => disconnects.length === 1, "the disconnect hook");
    assert.deepEqual(disconnects, ["server namespace disconnect"]);
    assert.deepEqual(handled, [0, 1], "nothing past the limit was handled");
    const [warning] = warnings("rate limit exceeded: socket disconnected");
    assert.ok(warning, "the cause is logged at warning");
    assert.equal(warning.properties.sid, socket.id);
    assert.equal(await bystander.timeout(1000).emitWithAck("count", "ok"), "ok");
    await server.close();
  });

  it("does not count the client's acknowledgements of server emits", async () => {
    const { server } = await serve({ eventsPerSecond: 1, burst: 1, action: "disconnect" });
    const client = await connect(server.url, { transports: ["websocket"] });
    client.on("question", (n: number, ack: (answer: number) => void) => ack(n * 2));
    const socket = serverSocket(server, client);
    const answers = await Promise.all(
      [1, 2, 3, 4].map((n) => socket.timeout(2000).emitWithAck("question", n)),
    );
    assert.deepEqual(answers, [2, 4, 6, 8]);
    assert.ok(client.connected);
    await server.close();
  });
});
