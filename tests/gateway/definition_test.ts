/**
 * Programmer errors in `defineGateway` and `createServer` throw a TypeError at definition time,
 * with a message that says what to write instead. No network.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import * as v from "valibot";
import { createServer, defineGateway, type Gateway, validated } from "../../mod.ts";

/** Calls `define` with a loosely typed argument: these tests feed it what types would refuse. */
function defineLoosely(definition: unknown): Gateway {
  return (defineGateway as (definition: unknown) => Gateway)(definition);
}

function createLoosely(options: unknown): ReturnType<typeof createServer> {
  return (createServer as (options: unknown) => ReturnType<typeof createServer>)(options);
}

/** Asserts that `run` throws a TypeError whose message contains every one of `parts`. */
function throwsTypeError(run: () => unknown, ...parts: string[]): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof TypeError, `expected a TypeError, got ${String(error)}`);
    for (const part of parts) {
      assert.ok(
        error.message.includes(part),
        `message ${JSON.stringify(error.message)} should contain ${JSON.stringify(part)}`,
      );
    }
    return true;
  });
}

const noop = () => {};

describe("defineGateway: valid definitions", () => {
  it("returns a frozen gateway for the default namespace", () => {
    const gateway = defineGateway({ events: { ping: () => "pong" } });
    assert.equal(gateway.kind, "gateway");
    assert.equal(gateway.namespace, "/");
    assert.ok(Object.isFrozen(gateway));
  });

  it("accepts every option, a RegExp or predicate namespace, and each kind of event entry", () => {
    const full = defineGateway({
      namespace: "/chat",
      use: [noop, async () => {}],
      connect: noop,
      events: {
        plain: noop,
        zod: { schema: z.string(), handler: noop },
        valibot: { schema: v.string(), handler: noop },
        helper: validated(z.number(), noop),
      },
      disconnect: noop,
      onError: noop,
    });
    assert.equal(full.namespace, "/chat");
    const pattern = /^\/room-\d+$/;
    assert.equal(defineGateway({ namespace: pattern, events: {} }).namespace, pattern);
    const predicate = (name: string) => name.startsWith("/x");
    assert.equal(defineGateway({ namespace: predicate, events: {} }).namespace, predicate);
  });

  it("keeps optional keys that are present but undefined", () => {
    assert.doesNotThrow(() =>
      defineGateway({ namespace: undefined, connect: undefined, use: undefined, events: {} })
    );
  });
});

describe("defineGateway: programmer errors", () => {
  it("refuses something that is not an object", () => {
    throwsTypeError(() => defineLoosely(undefined), "defineGateway takes an object", "events");
    throwsTypeError(() => defineLoosely(null), "defineGateway takes an object");
    throwsTypeError(() => defineLoosely(() => {}), "defineGateway takes an object");
  });

  it("refuses an unknown option and lists the known ones", () => {
    throwsTypeError(
      () => defineLoosely({ events: {}, handlers: {} }),
      'unknown option "handlers"',
      "namespace",
      "use",
      "connect",
      "events",
      "disconnect",
      "onError",
    );
    // A likely slip: `on` instead of `events`.
    throwsTypeError(() => defineLoosely({ on: {}, events: {} }), 'unknown option "on"');
  });

  it("requires events", () => {
    throwsTypeError(() => defineLoosely({}), "events is required", "events: {");
    throwsTypeError(() => defineLoosely({ events: null }), "events is required");
  });

  for (
    const reserved of [
      "connect",
      "disconnect",
      "connect_error",
      "disconnecting",
      "newListener",
      "removeListener",
    ]
  ) {
    it(`refuses the reserved event name "${reserved}" and points to the hooks`, () => {
      throwsTypeError(
        () => defineLoosely({ events: { [reserved]: noop } }),
        `"${reserved}" is a reserved event name`,
        "connect/disconnect hooks",
        "rename",
      );
    });
  }

  it("refuses an event whose handler is not a function", () => {
    for (const entry of ["pong", 42, null, true, []]) {
      throwsTypeError(
        () => defineLoosely({ events: { ping: entry } }),
        'events["ping"]',
        "must be a function or { schema, handler }",
      );
    }
  });

  it("refuses { schema } without a handler, or with a handler that is not a function", () => {
    throwsTypeError(
      () => defineLoosely({ events: { say: { schema: z.string() } } }),
      'events["say"]',
      "{ schema, handler }",
    );
    throwsTypeError(
      () => defineLoosely({ events: { say: { schema: z.string(), handler: "reply" } } }),
      'events["say"]',
      "{ schema, handler }",
    );
  });

  it("refuses a schema that is not a Standard Schema", () => {
    const notSchemas: unknown[] = [
      { parse: (value: unknown) => value }, // zod-like, but no `~standard`
      { "~standard": {} }, // no validate
      { "~standard": { validate: "yes" } },
      "string",
      null,
    ];
    for (const schema of notSchemas) {
      throwsTypeError(
        () => defineLoosely({ events: { say: { schema, handler: noop } } }),
        'events["say"].schema must be a Standard Schema',
        "zod",
      );
    }
  });

  it("refuses a namespace that does not start with '/' and shows the fix", () => {
    throwsTypeError(
      () => defineLoosely({ namespace: "chat", events: {} }),
      'namespace "chat" must start with "/"',
      '"/chat"',
    );
    throwsTypeError(() => defineLoosely({ namespace: "", events: {} }), 'must start with "/"');
  });

  it("refuses a namespace that is neither a string, a RegExp nor a function", () => {
    throwsTypeError(
      () => defineLoosely({ namespace: 42, events: {} }),
      "namespace must be a string, a RegExp or a function",
    );
  });

  it("refuses `use` unless it is an array of functions", () => {
    for (const use of [noop, [noop, "auth"], "auth", {}, [null]]) {
      throwsTypeError(
        () => defineLoosely({ use, events: {} }),
        "use must be an array of functions",
        "(socket, auth)",
      );
    }
  });

  it("refuses connect, disconnect or onError that are not functions", () => {
    for (const hook of ["connect", "disconnect", "onError"]) {
      throwsTypeError(
        () => defineLoosely({ [hook]: "yes", events: {} }),
        `${hook} must be a function`,
      );
    }
  });
});

describe("createServer: programmer errors", () => {
  it("accepts every documented option", async () => {
    const io = createServer({
      gateways: [defineGateway({ events: {} })],
      path: "/io/",
      cors: { origin: "*" },
      cookie: false,
      allowRequest: () => true,
      connectTimeout: 1000,
      maxAttachments: 5,
      maxDepth: 16,
      transports: ["websocket"],
      allowUpgrades: false,
      pingInterval: 1000,
      pingTimeout: 1000,
      upgradeTimeout: 1000,
      maxHttpBufferSize: 1000,
      initialPacket: "hi",
    });
    assert.equal(io.path, "/io/");
    await io.close();
  });

  it("refuses an unknown option and lists the known ones", () => {
    throwsTypeError(
      () => createLoosely({ gateway: [] }),
      'unknown option "gateway"',
      "gateways",
      "pingInterval",
    );
    throwsTypeError(() => createLoosely({ port: 3000 }), 'unknown option "port"');
  });

  it("refuses two gateways on the same namespace and says to merge them", () => {
    const a = defineGateway({ namespace: "/chat", events: { a: noop } });
    const b = defineGateway({ namespace: "/chat", events: { b: noop } });
    throwsTypeError(
      () => createServer({ gateways: [a, b] }),
      'two gateways serve namespace "/chat"',
      "merge",
    );
    const main1 = defineGateway({ events: {} });
    const main2 = defineGateway({ namespace: "/", events: {} });
    throwsTypeError(() => createServer({ gateways: [main1, main2] }), 'namespace "/"');
  });

  it("checks the gateways before building anything (no adapter is created)", () => {
    let adaptersBuilt = 0;
    const gateway = defineGateway({ events: {} });
    throwsTypeError(() =>
      createServer({
        gateways: [gateway, gateway],
        adapter: () => {
          adaptersBuilt++;
          throw new Error("the adapter should not be built");
        },
      }), "two gateways");
    assert.equal(adaptersBuilt, 0);
  });

  it("refuses a gateway not made by defineGateway", () => {
    const notGateways: unknown[] = [
      { events: { ping: noop } }, // the definition itself, not defineGateway(definition)
      defineGateway, // the function, not its result
      undefined,
      null,
      "chat",
    ];
    for (const gateway of notGateways) {
      throwsTypeError(
        () => createLoosely({ gateways: [gateway] }),
        "gateways must be made with defineGateway",
      );
    }
  });

  it("refuses gateways that are not an array", () => {
    const gateway = defineGateway({ events: {} });
    throwsTypeError(
      () => createLoosely({ gateways: gateway }),
      "gateways must be an array",
      "gateways: [",
    );
  });
});
