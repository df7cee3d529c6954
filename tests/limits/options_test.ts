/**
 * The limit options of `createServer` (and `maxConnections` of `createEngineServer`): their
 * defaults, and a TypeError that names the option, shows the bad value and suggests a good one
 * for every wrong value, thrown before anything runs.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type ServerOptions } from "../../mod.ts";
import { createEngineServer } from "../../engine.ts";
import { resolveServerOptions } from "../../src/options/server_options.ts";

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
    const { engine, socket } = resolveServerOptions();
    assert.equal(engine.maxHttpBufferSize, 1e6);
    assert.equal(engine.maxConnections, 10_000);
    assert.equal(socket.maxNamespacesPerConnection, 50);
    assert.equal(socket.maxDepth, 1000);
    assert.equal(socket.maxAttachments, 10);
    assert.equal(socket.rateLimit, undefined, "no rate limit unless asked for");
    assert.deepEqual(socket.slowConsumer, {
      maxBufferedBytes: 4 * 1024 * 1024,
      hardLimitBytes: 8 * 1024 * 1024,
      action: "disconnect",
    });
  });

  it("keeps every valid value given, Infinity included where it means no limit", () => {
    const { engine, socket } = resolveServerOptions({
      maxHttpBufferSize: 2048,
      maxConnections: Infinity,
      maxNamespacesPerConnection: 3,
      maxDepth: 4,
      maxAttachments: 0,
      rateLimit: { eventsPerSecond: 0.5, burst: 2, action: "warn" },
      slowConsumer: { maxBufferedBytes: Infinity },
    });
    assert.equal(engine.maxHttpBufferSize, 2048);
    assert.equal(engine.maxConnections, Infinity);
    assert.equal(socket.maxNamespacesPerConnection, 3);
    assert.equal(socket.maxDepth, 4);
    assert.equal(socket.maxAttachments, 0);
    assert.deepEqual(socket.rateLimit, { eventsPerSecond: 0.5, burst: 2, action: "warn" });
    assert.deepEqual(socket.slowConsumer, {
      maxBufferedBytes: Infinity,
      hardLimitBytes: Infinity,
      action: "disconnect",
    });
  });

  it("defaults rateLimit.burst to eventsPerSecond (at least 1) and action to drop", () => {
    const fast = resolveServerOptions({ rateLimit: { eventsPerSecond: 30 } }).socket;
    assert.deepEqual(fast.rateLimit, { eventsPerSecond: 30, burst: 30, action: "drop" });
    const slow = resolveServerOptions({ rateLimit: { eventsPerSecond: 0.2 } }).socket;
    assert.equal(slow.rateLimit?.burst, 1);
  });

  it("defaults slowConsumer.hardLimitBytes to twice maxBufferedBytes", () => {
    const { socket } = resolveServerOptions({
      slowConsumer: { maxBufferedBytes: 1000, action: "drop" },
    });
    assert.deepEqual(socket.slowConsumer, {
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
      throwsTypeError(() => createLoosely({ maxDepth: value }), "maxDepth", "maxDepth: 1000");
    });
  }

  it("maxAttachments must be a non-negative integer", () => {
    throwsTypeError(() => createLoosely({ maxAttachments: -1 }), "maxAttachments", "at least 0");
    throwsTypeError(() => createLoosely({ maxAttachments: 1.5 }), "maxAttachments");
  });

  it("rateLimit must be an object with eventsPerSecond", () => {
    throwsTypeError(
      () => createLoosely({ rateLimit: 10 }),
      "createServer: rateLimit must be an object, got 10, e.g. rateLimit: { eventsPerSecond: 20",
    );
    throwsTypeError(
      () => createLoosely({ rateLimit: {} }),
      "createServer: rateLimit.eventsPerSecond must be a positive number, got undefined",
      "e.g. rateLimit: { eventsPerSecond: 20 }",
    );
    throwsTypeError(
      () => createLoosely({ rateLimit: { eventsPerSec: 10 } }),
      'createServer: unknown option "rateLimit.eventsPerSec"; expected one of eventsPerSecond',
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
    throwsTypeError(
      () => createLoosely({ slowConsumer: true }),
      "createServer: slowConsumer must be an object, got true",
    );
    throwsTypeError(
      () => createLoosely({ slowConsumer: { maxBufferedBytes: 0 } }),
      "slowConsumer.maxBufferedBytes",
      "Infinity",
    );
    throwsTypeError(
      () => createLoosely({ slowConsumer: { maxBufferedBytes: 1000, hardLimitBytes: 10 } }),
      "createServer: slowConsumer.hardLimitBytes must be at least maxBufferedBytes (1000)",
      "got 10, e.g. slowConsumer: { hardLimitBytes: 2000 }",
    );
    throwsTypeError(
      () => createLoosely({ slowConsumer: { action: "ignore" } }),
      "slowConsumer.action",
      '"disconnect"',
      '"drop"',
    );
    throwsTypeError(
      () => createLoosely({ slowConsumer: { limit: 5 } }),
      'unknown option "slowConsumer.limit"',
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
