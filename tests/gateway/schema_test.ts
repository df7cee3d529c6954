/**
 * Standard Schema validation of event arguments (zod 4, valibot 1, a hand-written schema), with
 * the real socket.io-client against `createServer` on 127.0.0.1: valid arguments reach the
 * handler as the schema's output, invalid ones are acknowledged with the issues and never reach
 * the handler, and async validation keeps each socket's events in order.
 */
import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import * as v from "valibot";
import { defineGateway, type StandardSchemaV1, validated } from "../../mod.ts";
import {
  type ClientSocket,
  emitForAck,
  type GatewayServer,
  serveGateways,
} from "../_helpers/gateway_server.ts";
import { sleep, waitUntil } from "../_helpers/wait.ts";

/** Handler calls by event name, reset before each test. */
let calls: Record<string, unknown[][]> = {};
/** What `onError` received. */
let errors: { error: unknown; event: string }[] = [];
/** The order in which handlers ran, for the ordering tests. */
let order: string[] = [];

function record(event: string, ...args: unknown[]): void {
  (calls[event] ??= []).push(args);
}

function callsOf(event: string): unknown[][] {
  return calls[event] ?? [];
}

/** A hand-written Standard Schema: a number, doubled. */
const doubledNumber: StandardSchemaV1<unknown, number> = {
  "~standard": {
    version: 1,
    vendor: "test",
    validate: (value) =>
      typeof value === "number"
        ? { value: value * 2 }
        : { issues: [{ message: "expected a number" }] },
  },
};

/** A Standard Schema whose validation throws (a bug in the schema, not bad input). */
const explodingSchema: StandardSchemaV1 = {
  "~standard": {
    version: 1,
    vendor: "test",
    validate: () => {
      throw new Error("schema exploded");
    },
  },
};

/** A Standard Schema whose async validation rejects. */
const rejectingSchema: StandardSchemaV1 = {
  "~standard": {
    version: 1,
    vendor: "test",
    validate: () => Promise.reject(new Error("async schema exploded")),
  },
};

/** A zod schema with an async refinement that takes `delay` ms. */
const slowZod = z.object({ i: z.number().int(), delay: z.number() }).refine(async (value) => {
  await sleep(value.delay);
  return value.i >= 0;
}, { message: "i must not be negative", path: ["i"] });

/** A valibot schema with an async check that takes `delay` ms. */
const slowValibot = v.pipeAsync(
  v.object({ i: v.number(), delay: v.number() }),
  v.checkAsync(async (value) => {
    await sleep(value.delay);
    return value.i >= 0;
  }, "i must not be negative"),
);

const gateway = defineGateway({
  events: {
    "zod:coerce": {
      schema: z.object({ n: z.coerce.number() }),
      handler(_socket, value) {
        record("zod:coerce", value);
        return value;
      },
    },
    "zod:transform": {
      schema: z.string().transform((text) => text.toUpperCase()),
      handler(_socket, value) {
        record("zod:transform", value);
        return value;
      },
    },
    "zod:rest": {
      schema: z.number().transform((n) => n + 1),
      handler(_socket, value, ...rest) {
        record("zod:rest", value, ...rest);
        return [value, ...rest];
      },
    },
    "zod:nested": {
      schema: z.object({ user: z.object({ name: z.string(), tags: z.array(z.string()) }) }),
      handler(_socket, value) {
        record("zod:nested", value);
        return "ok";
      },
    },
    "valibot:object": {
      schema: v.object({
        name: v.pipe(v.string(), v.minLength(2, "name is too short")),
        age: v.optional(v.number(), 18),
      }),
      handler(_socket, value) {
        record("valibot:object", value);
        return value;
      },
    },
    "valibot:transform": {
      schema: v.pipe(v.string(), v.trim(), v.transform((text) => text.length)),
      handler(_socket, value) {
        record("valibot:transform", value);
        return value;
      },
    },
    "helper:zod": validated(z.object({ a: z.number(), b: z.coerce.number() }), (_socket, value) => {
      record("helper:zod", value);
      return value.a + value.b;
    }),
    "helper:valibot": validated(v.array(v.number()), (_socket, value) => {
      record("helper:valibot", value);
      return value.reduce((sum, n) => sum + n, 0);
    }),
    "custom": {
      schema: doubledNumber,
      handler(_socket, value) {
        record("custom", value);
        return value;
      },
    },
    "exploding": {
      schema: explodingSchema,
      handler(_socket, value) {
        record("exploding", value);
      },
    },
    "rejecting": {
      schema: rejectingSchema,
      handler(_socket, value) {
        record("rejecting", value);
      },
    },
    "async:zod": {
      schema: slowZod,
      handler(_socket, value) {
        record("async:zod", value);
        order.push(`zod ${value.i}`);
        return value.i;
      },
    },
    "async:valibot": validated(slowValibot, (_socket, value) => {
      record("async:valibot", value);
      order.push(`valibot ${value.i}`);
      return value.i;
    }),
    "plain"(_socket, label) {
      record("plain", label);
      order.push(`plain ${String(label)}`);
      return label;
    },
  },
  onError(error, context) {
    errors.push({ error, event: context.event });
  },
});

/** The acknowledgement of invalid arguments, checked loosely on the messages. */
function assertValidationAck(
  ack: unknown[],
  expected: { message?: string | RegExp; path?: PropertyKey[] }[],
): void {
  assert.equal(ack.length, 1, `one acknowledgement argument, got ${JSON.stringify(ack)}`);
  const body = ack[0] as { error: unknown; issues: { message: unknown; path?: unknown }[] };
  assert.equal(body.error, "validation");
  assert.ok(Array.isArray(body.issues), "issues is an array");
  assert.equal(body.issues.length, expected.length, JSON.stringify(body.issues));
  expected.forEach((want, index) => {
    const issue = body.issues[index];
    assert.equal(typeof issue.message, "string");
    assert.ok((issue.message as string).length > 0, "the issue has a message");
    if (typeof want.message === "string") assert.equal(issue.message, want.message);
    else if (want.message) assert.match(issue.message as string, want.message);
    if (want.path) assert.deepEqual(issue.path, want.path);
    assert.deepEqual(Object.keys(issue).sort(), want.path ? ["message", "path"] : ["message"]);
  });
}

describe("gateway schemas", () => {
  let server: GatewayServer;
  let client: ClientSocket;

  before(async () => {
    server = await serveGateways([gateway]);
  });
  after(async () => {
    await server.close();
  });
  beforeEach(async () => {
    calls = {};
    errors = [];
    order = [];
    client = await server.connected();
  });

  describe("zod 4 in { schema, handler }", () => {
    it("hands the coerced output to the handler", async () => {
      assert.deepEqual(await emitForAck(client, "zod:coerce", [{ n: "42" }]), [{ n: 42 }]);
      assert.deepEqual(callsOf("zod:coerce"), [[{ n: 42 }]]);
    });

    it("hands the transformed output to the handler", async () => {
      assert.deepEqual(await emitForAck(client, "zod:transform", ["shout"]), ["SHOUT"]);
      assert.deepEqual(callsOf("zod:transform"), [["SHOUT"]]);
    });

    it("validates the first argument only and passes the others through", async () => {
      const ack = await emitForAck(client, "zod:rest", [1, "two", { three: 3 }]);
      assert.deepEqual(ack, [[2, "two", { three: 3 }]]);
      assert.deepEqual(callsOf("zod:rest"), [[2, "two", { three: 3 }]]);
    });

    it("acknowledges invalid arguments with the issues and does not call the handler", async () => {
      assertValidationAck(await emitForAck(client, "zod:coerce", [{ n: "not a number" }]), [
        { path: ["n"] },
      ]);
      assertValidationAck(await emitForAck(client, "zod:transform", [42]), [{ path: [] }]);
      assertValidationAck(await emitForAck(client, "zod:coerce", []), [{ path: [] }]);
      assert.deepEqual(callsOf("zod:coerce"), []);
      assert.deepEqual(callsOf("zod:transform"), []);
      assert.deepEqual(errors, [], "invalid input is not a handler error");
    });

    it("reports nested paths as plain keys and indexes", async () => {
      const ack = await emitForAck(client, "zod:nested", [{ user: { name: 7, tags: ["a", 2] } }]);
      assertValidationAck(ack, [{ path: ["user", "name"] }, { path: ["user", "tags", 1] }]);
      assert.deepEqual(callsOf("zod:nested"), []);
    });

    it("drops invalid arguments sent without an acknowledgement, and the socket stays usable", async () => {
      client.emit("zod:coerce", { n: "nope" });
      assert.deepEqual(await emitForAck(client, "zod:coerce", [{ n: 1 }]), [{ n: 1 }]);
      assert.deepEqual(callsOf("zod:coerce"), [[{ n: 1 }]]);
      assert.ok(client.connected);
    });
  });

  describe("valibot 1 in { schema, handler }", () => {
    it("hands the output (defaults applied) to the handler", async () => {
      const ack = await emitForAck(client, "valibot:object", [{ name: "Ada" }]);
      assert.deepEqual(ack, [{ name: "Ada", age: 18 }]);
      assert.deepEqual(callsOf("valibot:object"), [[{ name: "Ada", age: 18 }]]);
    });

    it("hands the transformed output to the handler", async () => {
      assert.deepEqual(await emitForAck(client, "valibot:transform", ["  four  "]), [4]);
      assert.deepEqual(callsOf("valibot:transform"), [[4]]);
    });

    it("acknowledges invalid arguments with the issues and their paths", async () => {
      const ack = await emitForAck(client, "valibot:object", [{ name: "A", age: "old" }]);
      assertValidationAck(ack, [{ message: "name is too short", path: ["name"] }, {
        path: ["age"],
      }]);
      assertValidationAck(await emitForAck(client, "valibot:transform", [null]), [{}]);
      assert.deepEqual(callsOf("valibot:object"), []);
      assert.deepEqual(callsOf("valibot:transform"), []);
    });
  });

  describe("validated(schema, handler)", () => {
    it("works with zod", async () => {
      assert.deepEqual(await emitForAck(client, "helper:zod", [{ a: 1, b: "2" }]), [3]);
      assert.deepEqual(callsOf("helper:zod"), [[{ a: 1, b: 2 }]]);
      assertValidationAck(await emitForAck(client, "helper:zod", [{ b: 2 }]), [{ path: ["a"] }]);
      assert.equal(callsOf("helper:zod").length, 1);
    });

    it("works with valibot", async () => {
      assert.deepEqual(await emitForAck(client, "helper:valibot", [[1, 2, 3]]), [6]);
      assertValidationAck(await emitForAck(client, "helper:valibot", [[1, "2"]]), [{
        path: [1],
      }]);
      assert.deepEqual(callsOf("helper:valibot"), [[[1, 2, 3]]]);
    });
  });

  describe("any Standard Schema", () => {
    it("uses a hand-written schema's output and issues (an issue without a path has none)", async () => {
      assert.deepEqual(await emitForAck(client, "custom", [21]), [42]);
      assert.deepEqual(callsOf("custom"), [[42]]);
      assertValidationAck(await emitForAck(client, "custom", ["21"]), [{
        message: "expected a number",
      }]);
      assert.equal(callsOf("custom").length, 1);
    });

    it("treats a throwing or rejecting schema as a handler error", async () => {
      assert.deepEqual(await emitForAck(client, "exploding", [1]), [{ error: "schema exploded" }]);
      assert.deepEqual(await emitForAck(client, "rejecting", [1]), [{
        error: "async schema exploded",
      }]);
      assert.deepEqual(callsOf("exploding"), []);
      assert.deepEqual(callsOf("rejecting"), []);
      assert.deepEqual(errors.map(({ event }) => event), ["exploding", "rejecting"]);
      assert.deepEqual(
        errors.map(({ error }) => (error as Error).message),
        ["schema exploded", "async schema exploded"],
      );
    });
  });

  describe("async schemas", () => {
    it("validates with an async zod refinement", async () => {
      assert.deepEqual(await emitForAck(client, "async:zod", [{ i: 1, delay: 5 }]), [1]);
      assertValidationAck(await emitForAck(client, "async:zod", [{ i: -1, delay: 5 }]), [{
        message: "i must not be negative",
        path: ["i"],
      }]);
      assert.deepEqual(callsOf("async:zod"), [[{ i: 1, delay: 5 }]]);
    });

    it("validates with an async valibot pipe", async () => {
      assert.deepEqual(await emitForAck(client, "async:valibot", [{ i: 3, delay: 5 }]), [3]);
      assertValidationAck(await emitForAck(client, "async:valibot", [{ i: -3, delay: 5 }]), [{
        message: "i must not be negative",
      }]);
      assert.deepEqual(callsOf("async:valibot"), [[{ i: 3, delay: 5 }]]);
    });

    it("keeps a socket's events in order although earlier validations take longer", async () => {
      const count = 20;
      const acks: Promise<unknown[]>[] = [];
      const ackOrder: unknown[] = [];
      for (let i = 0; i < count; i++) {
        // The first events validate slowest: without ordering, later ones would overtake them.
        const pending = emitForAck(client, "async:zod", [{ i, delay: (count - i) * 3 }]);
        acks.push(pending.then((ack) => (ackOrder.push(ack[0]), ack)));
      }
      const results = await Promise.all(acks);
      const expected = Array.from({ length: count }, (_, i) => i);
      assert.deepEqual(results.map((ack) => ack[0]), expected);
      assert.deepEqual(order, expected.map((i) => `zod ${i}`));
      assert.deepEqual(ackOrder, expected, "acknowledgements arrive in order");
    });

    it("keeps order across async, sync, invalid and unvalidated events of one socket", async () => {
      const sent: Promise<unknown[]>[] = [];
      for (let i = 0; i < 5; i++) {
        sent.push(emitForAck(client, "async:zod", [{ i, delay: 30 - i * 5 }]));
        sent.push(emitForAck(client, "plain", [`p${i}`]));
        sent.push(emitForAck(client, "async:valibot", [{ i, delay: 20 - i * 3 }]));
        sent.push(emitForAck(client, "async:zod", [{ i: -1, delay: 1 }])); // invalid: skipped
      }
      await Promise.all(sent);
      const expected = [0, 1, 2, 3, 4].flatMap((i) => [`zod ${i}`, `plain p${i}`, `valibot ${i}`]);
      assert.deepEqual(order, expected);
    });

    it("does not hold back other sockets while one socket's validation is pending", async () => {
      const other = await server.connected();
      const slow = emitForAck(client, "async:zod", [{ i: 1, delay: 400 }]);
      const fast = await emitForAck(other, "plain", ["fast"]);
      assert.deepEqual(fast, ["fast"]);
      assert.deepEqual(order, ["plain fast"], "the other socket's event ran first");
      assert.deepEqual(await slow, [1]);
      assert.deepEqual(order, ["plain fast", "zod 1"]);
    });

    it("still runs later events after a slow async validation fails", async () => {
      client.emit("async:zod", { i: -5, delay: 20 });
      client.emit("plain", "after");
      await waitUntil(() => order.length === 1, "the event after the failed validation");
      assert.deepEqual(order, ["plain after"]);
    });
  });
});
