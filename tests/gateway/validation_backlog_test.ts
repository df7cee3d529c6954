/**
 * Events waiting behind an asynchronous validation are bounded per socket (`MAX_WAITING_EVENTS`)
 * and dropped when their socket disconnects: a client cannot make the server hold an unbounded
 * queue of its events, nor run handlers for a socket that is gone.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  createServer,
  defineGateway,
  type ServerOptions,
  type StandardSchemaV1,
} from "../../mod.ts";
import { createTestClient } from "../../testing.ts";
import { MAX_WAITING_EVENTS } from "../../src/gateway/dispatch.ts";
import { captureLogs, type LogRecord, stopCapturingLogs } from "../_helpers/log_capture.ts";

/** A Standard Schema that accepts anything after `ms`. */
function slowSchema(ms: number): StandardSchemaV1<unknown, unknown> {
  return {
    "~standard": {
      version: 1,
      vendor: "test",
      validate: (value) => new Promise((resolve) => setTimeout(() => resolve({ value }), ms)),
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function serverCounting(handled: unknown[], options: ServerOptions = {}) {
  const gateway = defineGateway({
    events: {
      slow: { schema: slowSchema(60), handler: (_socket, value) => void handled.push(value) },
      plain: (_socket, value: unknown) => void handled.push(value),
    },
  });
  return createServer({ ...options, gateways: [gateway] });
}

describe("events waiting behind an asynchronous validation", () => {
  const records: LogRecord[] = [];
  before(() => captureLogs(records, ["sio", "gateway"], "warning"));
  after(() => stopCapturingLogs());

  it(`keeps at most ${MAX_WAITING_EVENTS} waiting; later ones are dropped with one warning`, async () => {
    records.length = 0;
    const handled: unknown[] = [];
    const io = serverCounting(handled);
    try {
      const client = await createTestClient(io);
      client.emit("slow", 0);
      for (let i = 1; i <= 100; i++) client.emit("plain", i);
      await sleep(200);
      assert.equal(handled.length, 1 + MAX_WAITING_EVENTS);
      assert.deepEqual(handled.slice(0, 3), [0, 1, 2]);
      const warnings = records.filter((r) => r.message.join("").startsWith("too many events"));
      assert.equal(warnings.length, 1);
      // the backlog drained: the socket is served again
      client.emit("plain", "after");
      await sleep(20);
      assert.equal(handled.at(-1), "after");
    } finally {
      await io.close();
    }
  });

  it("disconnects the socket on overflow when the rateLimit action is disconnect", async () => {
    const handled: unknown[] = [];
    const io = serverCounting(handled, {
      rateLimit: { eventsPerSecond: 10_000, burst: 10_000, action: "disconnect" },
    });
    try {
      const client = await createTestClient(io);
      client.emit("slow", 0);
      for (let i = 1; i <= MAX_WAITING_EVENTS + 1; i++) client.emit("plain", i);
      assert.equal(
        await client.waitFor("disconnect").then(([reason]) => reason),
        "io server disconnect",
      );
      await sleep(100);
      assert.deepEqual(handled, []);
    } finally {
      await io.close();
    }
  });

  it("runs no handler once the socket has disconnected", async () => {
    const handled: unknown[] = [];
    const io = serverCounting(handled);
    try {
      const client = await createTestClient(io);
      client.emit("slow", 0);
      client.emit("slow", 1);
      client.emit("plain", 2);
      await sleep(10);
      await client.close();
      await sleep(200);
      assert.deepEqual(handled, []);
    } finally {
      await io.close();
    }
  });
});
