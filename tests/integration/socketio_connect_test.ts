/**
 * Connecting with the official socket.io-client: the main and custom namespaces, the auth
 * payload, refusals (CONNECT_ERROR with message and data), gateway middlewares, unknown and
 * dynamic namespaces, multiplexing over one Manager, and emits made while admitting a socket.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { defineGateway, type GatewaySocket } from "../../mod.ts";
import {
  closeAll,
  connect,
  connected,
  connectError,
  createClient,
  createManager,
  modeOptions,
  MODES,
  once,
  serverSocket,
  startServer,
  type TestServer,
  track,
  upgraded,
} from "../_helpers/socketio.ts";
import { sleep, waitUntil } from "../_helpers/wait.ts";

class DataError extends Error {
  constructor(message: string, readonly data: unknown) {
    super(message);
  }
}

describe("socket.io-client connects", () => {
  let server: TestServer;
  /** What each gateway's connect hook saw, by socket id. */
  const seen = new Map<string, { nsp: string; auth: Record<string, unknown> }>();
  /** The order in which the middlewares of "/guarded" ran, by `auth.run`. */
  const steps = new Map<string, string[]>();
  const record = (socket: GatewaySocket, auth: Record<string, unknown>) => {
    seen.set(socket.id, { nsp: socket.nsp.name, auth });
  };
  const whoami = (socket: GatewaySocket) => ({
    id: socket.id,
    nsp: socket.nsp.name,
    auth: socket.handshake.auth,
    data: socket.data,
  });
  const step = (name: string) => (_socket: GatewaySocket, auth: Record<string, unknown>) => {
    const run = String(auth.run);
    steps.set(run, [...(steps.get(run) ?? []), name]);
    if (auth.failAt === name) throw new Error(`refused by ${name}`);
  };

  before(async () => {
    server = await startServer({
      gateways: [
        defineGateway({ connect: record, events: { whoami } }),
        defineGateway({ namespace: "/chat", connect: record, events: { whoami } }),
        defineGateway({
          namespace: "/private",
          connect(socket, auth) {
            if (auth.token === "data") throw new DataError("forbidden", { code: 42, hint: "x" });
            if (auth.token === "async") return Promise.reject(new Error("async refusal"));
            if (auth.token === "room") {
              socket.join("refused-room");
              socket.emit("never", 1);
              throw new Error("refused after join");
            }
            if (auth.token !== "secret") throw new Error("unauthorized");
            socket.data.user = auth.user;
          },
          events: { whoami },
        }),
        defineGateway({
          namespace: "/guarded",
          use: [step("first"), async (socket, auth) => {
            await sleep(5);
            step("second")(socket, auth);
          }],
          connect: step("connect"),
          events: { whoami },
        }),
        defineGateway({
          namespace: /^\/dyn-\d+$/,
          connect: record,
          events: { whoami },
        }),
        defineGateway({
          namespace: async (name, auth) => {
            await sleep(1);
            return name.startsWith("/pred-") && auth.allow === true;
          },
          connect: record,
          events: { whoami },
        }),
        defineGateway({
          namespace: "/welcome",
          async connect(socket) {
            socket.emit("welcome", "first");
            await sleep(10);
            socket.emit("welcome", "second");
          },
          events: {},
        }),
      ],
    });
  });
  after(closeAll);

  for (const mode of MODES) {
    describe(mode.name, () => {
      it('connects to "/" with the same id on both sides', async () => {
        const client = await connect(server.url, modeOptions(mode));
        assert.equal(client.connected, true);
        assert.equal(typeof client.id, "string");
        const socket = serverSocket(server, client, "/");
        assert.equal(socket.connected, true);
        assert.deepEqual(seen.get(client.id!), { nsp: "/", auth: {} });
        assert.deepEqual(await client.timeout(2000).emitWithAck("whoami"), {
          id: client.id,
          nsp: "/",
          auth: {},
          data: {},
        });
        if (mode.upgrades) await upgraded(client);
        client.disconnect();
      });

      it("connects to a custom namespace with an auth payload", async () => {
        const auth = { token: "abc", n: 1, nested: { list: [1, "two", null] } };
        const client = await connect(server.url + "/chat", { ...modeOptions(mode), auth });
        assert.deepEqual(seen.get(client.id!), { nsp: "/chat", auth });
        assert.deepEqual(serverSocket(server, client).handshake.auth, auth);
        const reply = await client.timeout(2000).emitWithAck("whoami") as { nsp: string };
        assert.equal(reply.nsp, "/chat");
        assert.equal(server.io.of("/").sockets.has(client.id!), false);
        client.disconnect();
      });

      it("a connect hook that throws → connect_error with the message", async () => {
        const client = createClient(server.url + "/private", {
          ...modeOptions(mode),
          auth: { token: "wrong" },
        });
        const error = await connectError(client);
        assert.equal(error.message, "unauthorized");
        assert.equal(error.data, undefined);
        assert.equal(client.connected, false);
        assert.equal(server.io.of("/private").sockets.size, 0);
      });

      it("emits made inside connect() arrive after the client's connect event", async () => {
        const client = createClient(server.url + "/welcome", modeOptions(mode));
        const order: string[] = [];
        client.on("connect", () => order.push(`connect ${client.id !== undefined}`));
        client.on("welcome", (word: string) => order.push(`welcome ${word}`));
        await connected(client);
        await waitUntil(() => order.length >= 3, "two welcome events");
        assert.deepEqual(order, ["connect true", "welcome first", "welcome second"]);
        client.disconnect();
      });
    });
  }

  it("a thrown error with `data` → connect_error with message and data", async () => {
    const client = createClient(server.url + "/private", { auth: { token: "data" } });
    const error = await connectError(client);
    assert.equal(error.message, "forbidden");
    assert.deepEqual(error.data, { code: 42, hint: "x" });
  });

  it("a rejected connect hook → connect_error with the message", async () => {
    const client = createClient(server.url + "/private", { auth: { token: "async" } });
    const error = await connectError(client);
    assert.equal(error.message, "async refusal");
  });

  it("a refused socket leaves no room behind and its queued emits are dropped", async () => {
    const client = createClient(server.url + "/private", { auth: { token: "room" } });
    let got = false;
    client.on("never", () => got = true);
    const error = await connectError(client);
    assert.equal(error.message, "refused after join");
    assert.equal(server.io.of("/private").adapter.rooms.has("refused-room"), false);
    assert.equal(server.io.of("/private").adapter.sids.size, 0);
    assert.equal(got, false);
  });

  it("an accepted auth sets socket.data for later events", async () => {
    const client = await connect(server.url + "/private", {
      auth: { token: "secret", user: "ada" },
    });
    const reply = await client.timeout(2000).emitWithAck("whoami") as { data: unknown };
    assert.deepEqual(reply.data, { user: "ada" });
  });

  it("gateway `use` middlewares run in order, before connect", async () => {
    const client = await connect(server.url + "/guarded", { auth: { run: "ok" } });
    assert.deepEqual(steps.get("ok"), ["first", "second", "connect"]);
    assert.equal(client.connected, true);
  });

  it("a failing `use` middleware stops the chain and refuses the connection", async () => {
    const early = createClient(server.url + "/guarded", {
      auth: { run: "early", failAt: "first" },
    });
    assert.equal((await connectError(early)).message, "refused by first");
    assert.deepEqual(steps.get("early"), ["first"]);
    const late = createClient(server.url + "/guarded", {
      auth: { run: "late", failAt: "second" },
    });
    assert.equal((await connectError(late)).message, "refused by second");
    assert.deepEqual(steps.get("late"), ["first", "second"]);
  });

  it('an unknown namespace → connect_error "Invalid namespace"', async () => {
    const client = createClient(server.url + "/nowhere");
    const error = await connectError(client);
    assert.equal(error.message, "Invalid namespace");
    assert.equal(error.data, undefined);
  });

  it("several namespaces share one connection through a Manager", async () => {
    const manager = createManager(server.url);
    const main = track(manager.socket("/"));
    const chat = track(manager.socket("/chat", { auth: { who: "chat" } }));
    const missing = track(manager.socket("/nowhere"));
    const [, , missingError] = await Promise.all([
      connected(main),
      connected(chat),
      connectError(missing),
    ]);
    assert.equal(missingError.message, "Invalid namespace");
    const mainSocket = serverSocket(server, main, "/");
    const chatSocket = serverSocket(server, chat, "/chat");
    assert.notEqual(mainSocket.id, chatSocket.id);
    assert.equal(mainSocket.conn, chatSocket.conn, "one Engine.IO connection");
    assert.deepEqual(chatSocket.handshake.auth, { who: "chat" });
    const [a, b] = await Promise.all([
      main.timeout(2000).emitWithAck("whoami"),
      chat.timeout(2000).emitWithAck("whoami"),
    ]) as { nsp: string }[];
    assert.equal(a.nsp, "/");
    assert.equal(b.nsp, "/chat");

    // leaving one namespace keeps the other one and the connection
    chat.disconnect();
    const [reason] = await once<[string]>(chatSocket, "disconnect");
    assert.equal(reason, "client namespace disconnect");
    assert.equal(mainSocket.connected, true);
    assert.equal(mainSocket.conn.readyState, "open");
    assert.equal((await main.timeout(2000).emitWithAck("whoami") as { nsp: string }).nsp, "/");
  });

  it("a RegExp serves dynamic namespaces", async () => {
    const one = await connect(server.url + "/dyn-1");
    const two = await connect(server.url + "/dyn-22", { auth: { k: 2 } });
    assert.deepEqual(seen.get(one.id!), { nsp: "/dyn-1", auth: {} });
    assert.deepEqual(seen.get(two.id!), { nsp: "/dyn-22", auth: { k: 2 } });
    assert.equal((await two.timeout(2000).emitWithAck("whoami") as { nsp: string }).nsp, "/dyn-22");
    assert.equal(server.io.of("/dyn-1").sockets.has(one.id!), true);
    const miss = createClient(server.url + "/dyn-x");
    assert.equal((await connectError(miss)).message, "Invalid namespace");
  });

  it("a predicate serves dynamic namespaces; false → Invalid namespace", async () => {
    const ok = await connect(server.url + "/pred-a", { auth: { allow: true } });
    assert.deepEqual(seen.get(ok.id!), { nsp: "/pred-a", auth: { allow: true } });
    assert.equal((await ok.timeout(2000).emitWithAck("whoami") as { nsp: string }).nsp, "/pred-a");
    const refused = createClient(server.url + "/pred-b", { auth: { allow: false } });
    assert.equal((await connectError(refused)).message, "Invalid namespace");
    const unmatched = createClient(server.url + "/other", { auth: { allow: true } });
    assert.equal((await connectError(unmatched)).message, "Invalid namespace");
  });
});
