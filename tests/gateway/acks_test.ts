/**
 * Acknowledgements and error policy of gateways, with the real socket.io-client against
 * `createServer` on 127.0.0.1: the handler's return value is the ack, thrown or rejected errors
 * become `{ error: message }` and reach `onError` once, the connect hook refuses with
 * CONNECT_ERROR (and its `data`), and the disconnect hook gets the reason without its errors
 * escaping.
 */
import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ackArgs, defineGateway, type GatewaySocket } from "../../mod.ts";
import {
  type ClientSocket,
  emitForAck,
  type GatewayServer,
  nextEvent,
  serveGateways,
} from "../_helpers/gateway_server.ts";
import { sleep, waitUntil } from "../_helpers/wait.ts";

/** What `onError` received, by gateway. */
interface ReportedError {
  error: unknown;
  event: string;
  socketId: string;
}
let reported: ReportedError[] = [];
/** `this` as handlers saw it. */
let contexts: { event: string; ackRequested: boolean }[] = [];
/** Reasons the disconnect hook received, with the socket's data. */
let disconnects: { reason: string; id: string }[] = [];

function onError(error: unknown, context: { socket: { id: string }; event: string }): void {
  reported.push({ error, event: context.event, socketId: context.socket.id });
}

/** Settles long enough for a stray second call to show up. */
const SETTLE_MS = 50;

const main = defineGateway({
  events: {
    value: (_socket, value) => ({ echo: value }),
    several: () => ackArgs(null, "ok", 3),
    none: () => undefined,
    noReturn: () => {},
    nothingToAck: () => ackArgs(),
    null: () => null,
    zero: () => 0,
    false: () => false,
    emptyString: () => "",
    async: async (_socket, n) => {
      await sleep(5);
      return (n as number) * 2;
    },
    asyncSeveral: async () => {
      await sleep(1);
      return ackArgs("a", "b");
    },
    asyncNone: async () => {
      await sleep(1);
    },
    throws: () => {
      throw new Error("boom");
    },
    rejects: async () => {
      await sleep(1);
      throw new Error("async boom");
    },
    throwsString: () => {
      throw "plain string";
    },
    throwsNumber: () => {
      throw 42;
    },
    context(socket) {
      contexts.push({ event: this.event, ackRequested: this.ackRequested });
      socket.emit("context", this.event, this.ackRequested);
      return this.ackRequested;
    },
  },
  onError,
});

const fragile = defineGateway({
  namespace: "/fragile",
  events: {
    throws: () => {
      throw new Error("handler failed");
    },
    fine: () => "still here",
  },
  onError(error) {
    reported.push({ error, event: "onError threw", socketId: "" });
    throw new Error("onError itself failed");
  },
});

/** Refuses unless `auth.token` is "secret"; `auth.mode` picks how it refuses. */
const guarded = defineGateway<
  { whoami: () => string },
  { welcome: (user: string) => void },
  { user: string; steps: string[] }
>({
  namespace: "/guarded",
  use: [(socket, auth) => {
    socket.data.steps = ["use"];
    if (auth.mode === "use") throw new Error("refused by use");
  }],
  async connect(socket, auth) {
    socket.data.steps.push("connect");
    if (auth.mode === "async") {
      await sleep(1);
      throw Object.assign(new Error("async unauthorized"), { data: { retry: false } });
    }
    if (auth.mode === "object") throw { data: { reason: "not an Error" } };
    if (auth.mode === "string") throw "go away";
    if (auth.token !== "secret") {
      throw Object.assign(new Error("unauthorized"), {
        data: { code: 401, hint: "send auth.token" },
      });
    }
    socket.data.user = String(auth.user);
    socket.emit("welcome", socket.data.user);
  },
  events: {
    whoami: (socket) => `${socket.data.user} (${socket.data.steps.join(", ")})`,
  },
  onError,
});

/** Records the reason; `auth.mode` makes the hook throw or reject. */
const farewell = defineGateway({
  namespace: "/farewell",
  connect(socket, auth) {
    socket.data.mode = auth.mode;
  },
  events: {
    kick(socket: GatewaySocket) {
      setTimeout(() => socket.disconnect(), 1);
      return "bye";
    },
  },
  disconnect(socket, reason) {
    disconnects.push({ reason, id: socket.id });
    if (socket.data.mode === "throw") throw new Error("disconnect hook failed");
    if (socket.data.mode === "reject") return Promise.reject(new Error("async hook failed"));
  },
  onError,
});

/** The acknowledgement's error message, checked to be the only argument. */
function ackError(ack: unknown[]): unknown {
  assert.equal(ack.length, 1, JSON.stringify(ack));
  const body = ack[0] as Record<string, unknown>;
  assert.deepEqual(Object.keys(body), ["error"]);
  return body.error;
}

describe("gateway acknowledgements and errors", () => {
  let server: GatewayServer;
  let client: ClientSocket;

  before(async () => {
    server = await serveGateways([main, fragile, guarded, farewell]);
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => {
    reported = [];
    contexts = [];
    disconnects = [];
  });

  describe("return values", () => {
    beforeEach(async () => {
      client = await server.connected();
    });

    it("acknowledges with the return value", async () => {
      assert.deepEqual(await emitForAck(client, "value", [{ a: [1, "two"] }]), [{
        echo: { a: [1, "two"] },
      }]);
    });

    it("acknowledges with several arguments from ackArgs", async () => {
      assert.deepEqual(await emitForAck(client, "several", []), [null, "ok", 3]);
      assert.deepEqual(await emitForAck(client, "nothingToAck", []), []);
    });

    it("acknowledges undefined (or no return) with no argument", async () => {
      assert.deepEqual(await emitForAck(client, "none", []), []);
      assert.deepEqual(await emitForAck(client, "noReturn", []), []);
    });

    it("acknowledges null, 0, false and '' as one argument", async () => {
      assert.deepEqual(await emitForAck(client, "null", []), [null]);
      assert.deepEqual(await emitForAck(client, "zero", []), [0]);
      assert.deepEqual(await emitForAck(client, "false", []), [false]);
      assert.deepEqual(await emitForAck(client, "emptyString", []), [""]);
    });

    it("acknowledges with what a promise resolves to", async () => {
      assert.deepEqual(await emitForAck(client, "async", [21]), [42]);
      assert.deepEqual(await emitForAck(client, "asyncSeveral", []), ["a", "b"]);
      assert.deepEqual(await emitForAck(client, "asyncNone", []), []);
    });

    it("works with emitWithAck", async () => {
      assert.deepEqual(await client.timeout(3000).emitWithAck("value", 7), { echo: 7 });
    });

    it("tells the handler whether an acknowledgement was asked for", async () => {
      assert.deepEqual(await emitForAck(client, "context", []), [true]);
      const seen = nextEvent(client, "context");
      client.emit("context");
      assert.deepEqual(await seen, ["context", false]);
      assert.deepEqual(contexts, [
        { event: "context", ackRequested: true },
        { event: "context", ackRequested: false },
      ]);
    });
  });

  describe("handler errors", () => {
    beforeEach(async () => {
      client = await server.connected();
    });

    it("acknowledges a thrown error with its message and calls onError once", async () => {
      assert.equal(ackError(await emitForAck(client, "throws", [])), "boom");
      await sleep(SETTLE_MS);
      assert.equal(reported.length, 1);
      const [{ error, event, socketId }] = reported;
      assert.ok(error instanceof Error);
      assert.equal(error.message, "boom");
      assert.equal(event, "throws");
      assert.equal(socketId, client.id, "the context carries the server socket");
    });

    it("acknowledges a rejected promise with its message and calls onError once", async () => {
      assert.equal(ackError(await emitForAck(client, "rejects", [])), "async boom");
      await sleep(SETTLE_MS);
      assert.equal(reported.length, 1);
      assert.equal((reported[0].error as Error).message, "async boom");
      assert.equal(reported[0].event, "rejects");
      assert.equal(reported[0].socketId, client.id);
    });

    it("uses a thrown string as the message, and a generic one for anything else", async () => {
      assert.equal(ackError(await emitForAck(client, "throwsString", [])), "plain string");
      assert.equal(ackError(await emitForAck(client, "throwsNumber", [])), "internal error");
      assert.deepEqual(reported.map(({ error }) => error), ["plain string", 42]);
    });

    it("reports errors of events sent without an acknowledgement, and keeps the socket", async () => {
      client.emit("throws");
      client.emit("rejects");
      await waitUntil(() => reported.length === 2, "two reported errors");
      await sleep(SETTLE_MS);
      assert.deepEqual(reported.map(({ event }) => event), ["throws", "rejects"]);
      assert.deepEqual(await emitForAck(client, "value", [1]), [{ echo: 1 }]);
      assert.ok(client.connected);
    });

    it("survives an onError hook that throws", async () => {
      const socket = await server.connected("/fragile");
      assert.equal(ackError(await emitForAck(socket, "throws", [])), "handler failed");
      assert.deepEqual(await emitForAck(socket, "fine", []), ["still here"]);
      assert.equal(reported.length, 1);
    });
  });

  describe("connect hook", () => {
    it("admits a client, which then sees what the hook did", async () => {
      const socket = server.client("/guarded", { auth: { token: "secret", user: "ada" } });
      const welcome = nextEvent(socket, "welcome");
      await nextEvent(socket, "connect");
      assert.deepEqual(await welcome, ["ada"], "emits of the hook arrive after CONNECT");
      assert.deepEqual(await emitForAck(socket, "whoami", []), ["ada (use, connect)"]);
      assert.deepEqual(reported, []);
    });

    it("refuses with connect_error carrying the error's message and data", async () => {
      const socket = server.client("/guarded", { auth: { token: "wrong" } });
      const [error] = await nextEvent(socket, "connect_error") as [Error & { data?: unknown }];
      assert.equal(error.message, "unauthorized");
      assert.deepEqual(error.data, { code: 401, hint: "send auth.token" });
      assert.equal(socket.connected, false);
    });

    it("refuses when the hook rejects", async () => {
      const socket = server.client("/guarded", { auth: { mode: "async" } });
      const [error] = await nextEvent(socket, "connect_error") as [Error & { data?: unknown }];
      assert.equal(error.message, "async unauthorized");
      assert.deepEqual(error.data, { retry: false });
    });

    it("refuses with a generic message when something else than an Error is thrown", async () => {
      const object = server.client("/guarded", { auth: { mode: "object" } });
      const [objectError] = await nextEvent(object, "connect_error") as [
        Error & { data?: unknown },
      ];
      assert.equal(objectError.message, "connection refused");
      assert.deepEqual(objectError.data, { reason: "not an Error" });
      const string = server.client("/guarded", { auth: { mode: "string" } });
      const [stringError] = await nextEvent(string, "connect_error") as [Error];
      assert.equal(stringError.message, "go away");
    });

    it("refuses from a `use` middleware before connect runs", async () => {
      const socket = server.client("/guarded", { auth: { mode: "use", token: "secret" } });
      const [error] = await nextEvent(socket, "connect_error") as [Error & { data?: unknown }];
      assert.equal(error.message, "refused by use");
      assert.equal(error.data, undefined);
    });

    it("reports each refusal to onError once, as event 'connect'", async () => {
      const socket = server.client("/guarded", { auth: { token: "wrong" } });
      await nextEvent(socket, "connect_error");
      await sleep(SETTLE_MS);
      assert.equal(reported.length, 1);
      assert.equal(reported[0].event, "connect");
      assert.equal((reported[0].error as Error).message, "unauthorized");
    });
  });

  describe("disconnect hook", () => {
    it("receives 'client namespace disconnect' when the client leaves", async () => {
      const socket = await server.connected("/farewell");
      const id = socket.id;
      socket.disconnect();
      await waitUntil(() => disconnects.length === 1, "the disconnect hook");
      assert.deepEqual(disconnects, [{ reason: "client namespace disconnect", id }]);
    });

    it("receives 'server namespace disconnect' when the server disconnects the socket", async () => {
      const socket = await server.connected("/farewell");
      const closed = nextEvent(socket, "disconnect");
      assert.deepEqual(await emitForAck(socket, "kick", []), ["bye"]);
      assert.equal((await closed)[0], "io server disconnect");
      await waitUntil(() => disconnects.length === 1, "the disconnect hook");
      assert.equal(disconnects[0].reason, "server namespace disconnect");
    });

    it("receives 'transport close' when the connection drops", async () => {
      const socket = await server.connected("/farewell");
      socket.io.engine.close();
      await waitUntil(() => disconnects.length === 1, "the disconnect hook");
      assert.equal(disconnects[0].reason, "transport close");
    });

    it("sends errors thrown or rejected by the hook to onError, and the server goes on", async () => {
      const throwing = await server.connected("/farewell", { auth: { mode: "throw" } });
      const rejecting = await server.connected("/farewell", { auth: { mode: "reject" } });
      const ids = [throwing.id, rejecting.id];
      throwing.disconnect();
      await waitUntil(() => reported.length === 1, "the thrown error");
      rejecting.disconnect();
      await waitUntil(() => reported.length === 2, "the rejection");
      await sleep(SETTLE_MS);
      assert.deepEqual(reported.map(({ event }) => event), ["disconnect", "disconnect"]);
      assert.deepEqual(reported.map(({ socketId }) => socketId), ids);
      assert.deepEqual(
        reported.map(({ error }) => (error as Error).message),
        ["disconnect hook failed", "async hook failed"],
      );
      assert.equal(disconnects.length, 2);
      const next = await server.connected("/farewell");
      assert.deepEqual(await emitForAck(next, "kick", []), ["bye"]);
      await waitUntil(() => disconnects.length === 3, "the disconnect hook of the kicked socket");
      assert.equal(reported.length, 2);
    });
  });

  it("calls the disconnect hook with 'server shutting down' when the server closes", async () => {
    const own = await serveGateways([farewell]);
    try {
      const socket = await own.connected("/farewell");
      const id = socket.id;
      await own.io.close();
      await waitUntil(() => disconnects.some((entry) => entry.id === id), "the disconnect hook");
      assert.deepEqual(disconnects, [{ reason: "server shutting down", id }]);
    } finally {
      await own.close();
    }
  });
});
