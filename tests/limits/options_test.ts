/**
 * The limit options of `createServer` (and `maxConnections` of `createEngineServer`): their
 * defaults, and a TypeError that names the option, shows the bad value and suggests a good one
 * for every wrong value, thrown before anything runs.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type ServerOptions } from "../../mod.ts";
import { createEngineServer } from "../../engine.ts";
import { SocketServer } from "../../src/server/server.ts";

/** Asserts that `run` throws a TypeError whose message contains every one of `parts`. */
function throwsTypeError(run: () => unknown, ...parts: string[]): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof TypeError, `expected a TypeError, got ${String(error)}`);
    for (const part of parts) {
      assert.ok(error.message.includes(part), `"${error.message}" should mention "${part}"`);
    }
    return true;
  });
}

/** `createServer` with options its types would refuse, as an untyped caller passes them. */
function createLoosely(options: Record<string, unknown>): unknown {
  return createServer(options as ServerOptions);
}

describe("limit options: defaults", () => {
  it("applies safe defaults to every limit", () => {
    const server = new SocketServer();
    assert.equal(server.engine.options.maxHttpBufferSize, 1e6);
    assert.equal(server.engine.options.maxConnections, 10_000);
    assert.equal(server.options.maxNamespacesPerConnection, 50);
    assert.equal(server.options.maxDepth, 32);
    assert.equal(server.options.maxAttachments, 10);
    assert.equal(server.options.rateLimit, undefined, "no rate limit unless asked for");
    assert.deepEqual(server.options.slowConsumer, {
      maxBufferedBytes: 4 * 1024 * 1024,
      hardLimitBytes: 8 * 1024 * 1024,
      action: "disconnect",
    });
  });

  it("keeps every valid value given, Infinity included where it means no limit", () => {
    const server = new SocketServer({
      maxHttpBufferSize: 2048,
      maxConnections: Infinity,
      maxNamespacesPerConnection: 3,
      maxDepth: 4,
      maxAttachments: 0,
      rateLimit: { eventsPerSecond: 0.5, burst: 2, action: "warn" },
      slowConsumer: { maxBufferedBytes: Infinity },
    });
    assert.equal(server.engine.options.maxHttpBufferSize, 2048);
    assert.equal(server.engine.options.maxConnections, Infinity);
    assert.equal(server.options.maxNamespacesPerConnection, 3);
    assert.equal(server.options.maxDepth, 4);
    assert.equal(server.options.maxAttachments, 0);
    assert.deepEqual(server.options.rateLimit, { eventsPerSecond: 0.5, burst: 2, action: "warn" });
    assert.deepEqual(server.options.slowConsumer, {
      maxBufferedBytes: Infinity,
      hardLimitBytes: Infinity,
      action: "disconnect",
    });
  });

  it("defaults rateLimit.burst to eventsPerSecond (at least 1) and action to drop", () => {
    const fast = new SocketServer({ rateLimit: { eventsPerSecond: 30 } });
    assert.deepEqual(fast.options.rateLimit, { eventsPerSecond: 30, burst: 30, action: "drop" });
    const slow = new SocketServer({ rateLimit: { eventsPerSecond: 0.2 } });
    assert.equal(slow.options.rateLimit?.burst, 1);
  });

  it("defaults slowConsumer.hardLimitBytes to twice maxBufferedBytes", () => {
    const server = new SocketServer({ slowConsumer: { maxBufferedBytes: 1000, action: "drop" } });
    assert.deepEqual(server.options.slowConsumer, {
      maxBufferedBytes: 1000,
      hardLimitBytes: 2000,
      action: "drop",
    });
  });

  it("sets Bun's backpressure limit above the hard limit and closes at it", () => {
    const io = createServer({ slowConsumer: { maxBufferedBytes: 32 * 1024 * 1024 } });
    assert.equal(io.websocket.closeOnBackpressureLimit, true);
    assert.ok(io.websocket.backpressureLimit > 64 * 1024 * 1024);
    assert.equal(createServer().websocket.backpressureLimit, 16 * 1024 * 1024);
  });
});

describe("limit options: refusals at createServer", () => {
  const counts = ["maxConnections", "maxNamespacesPerConnection"] as const;
  for (const name of counts) {
    for (const value of [0, -1, 1.5, Number.NaN, "10", null]) {
      it(`${name}: ${JSON.stringify(value)} is refused, naming the option and a valid value`, () => {
        throwsTypeError(
          () => createLoosely({ [name]: value }),
          name,
          "positive integer",
          "Infinity",
          `${name}: `,
        );
      });
    }
  }

  for (const value of [0, -5, Number.NaN, Infinity, "1e6"]) {
    it(`maxHttpBufferSize: ${String(value)} is refused with a TypeError`, () => {
      throwsTypeError(
        () => createLoosely({ maxHttpBufferSize: value }),
        "maxHttpBufferSize",
        "1e6",
      );
    });
  }

  for (const value of [0, -1, 2.5, Number.NaN, Infinity, "32"]) {
    it(`maxDepth: ${String(value)} is refused at createServer, not at the first connection`, () => {
      throwsTypeError(() => createLoosely({ maxDepth: value }), "maxDepth", "maxDepth: 32");
    });
  }

  it("maxAttachments must be a non-negative integer", () => {
    throwsTypeError(() => createLoosely({ maxAttachments: -1 }), "maxAttachments", "at least 0");
    throwsTypeError(() => createLoosely({ maxAttachments: 1.5 }), "maxAttachments");
  });

  it("rateLimit must be an object with eventsPerSecond", () => {
    throwsTypeError(() => createLoosely({ rateLimit: 10 }), "rateLimit must be an object");
    throwsTypeError(
      () => createLoosely({ rateLimit: {} }),
      "rateLimit.eventsPerSecond is required",
    );
    throwsTypeError(
      () => createLoosely({ rateLimit: { eventsPerSec: 10 } }),
      "unknown option rateLimit.eventsPerSec",
      "eventsPerSecond",
    );
  });

  it("rateLimit numbers must be positive and burst at least one event", () => {
    for (const eventsPerSecond of [0, -1, Infinity, Number.NaN, "5"]) {
      throwsTypeError(
        () => createLoosely({ rateLimit: { eventsPerSecond } }),
        "rateLimit.eventsPerSecond",
        "positive number",
      );
    }
    throwsTypeError(
      () => createLoosely({ rateLimit: { eventsPerSecond: 5, burst: 0.5 } }),
      "rateLimit.burst",
      "at least 1",
    );
    throwsTypeError(
      () => createLoosely({ rateLimit: { eventsPerSecond: 5, burst: -2 } }),
      "rateLimit.burst",
    );
  });

  it("rateLimit.action must be drop, warn or disconnect", () => {
    throwsTypeError(
      () => createLoosely({ rateLimit: { eventsPerSecond: 5, action: "kick" } }),
      "rateLimit.action",
      '"drop"',
      '"warn"',
      '"disconnect"',
      '"kick"',
    );
  });

  it("slowConsumer values are checked", () => {
    throwsTypeError(() => createLoosely({ slowConsumer: true }), "slowConsumer must be an object");
    throwsTypeError(
      () => createLoosely({ slowConsumer: { maxBufferedBytes: 0 } }),
      "slowConsumer.maxBufferedBytes",
      "Infinity",
    );
    throwsTypeError(
      () => createLoosely({ slowConsumer: { maxBufferedBytes: 1000, hardLimitBytes: 10 } }),
      "hardLimitBytes (10) must be at least maxBufferedBytes (1000)",
    );
    throwsTypeError(
      () => createLoosely({ slowConsumer: { action: "ignore" } }),
      "slowConsumer.action",
      '"disconnect"',
      '"drop"',
    );
    throwsTypeError(
      () => createLoosely({ slowConsumer: { limit: 5 } }),
      "unknown option slowConsumer.limit",
    );
  });

  it("createEngineServer checks maxConnections too", () => {
    throwsTypeError(
      () => createEngineServer({ maxConnections: 0 }),
      "maxConnections",
      "positive integer",
    );
    assert.doesNotThrow(() => createEngineServer({ maxConnections: 1 }));
  });
});
