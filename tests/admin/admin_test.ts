/**
 * `instrument` against socket.io-client acting as the Admin UI (the page's own client, with
 * the page's connection options): authentication, what the UI is told (config, server_stats,
 * all_sockets, sockets, rooms, events), the actions, read-only and production modes, and
 * malformed actions. On Deno and Bun.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { hashSync } from "bcryptjs";
import { type AdminInstrumentation, type AdminOptions, instrument } from "../../admin.ts";
import type { SerializedSocket, ServerStats } from "../../admin.ts";
import {
  closeAll,
  connect,
  connectError,
  createClient,
  once,
  serverSocket,
  startServer,
  type TestServer,
  upgraded,
  WAIT_MS,
} from "../_helpers/socketio.ts";
import { sleep, waitUntil } from "../_helpers/wait.ts";
import { adminClient, connectAdmin, PASSWORD, USERNAME } from "./admin_ui_client.ts";

const HASH = hashSync(PASSWORD, 4);
const instrumentations: AdminInstrumentation[] = [];

after(async () => {
  for (const admin of instrumentations.splice(0)) admin.close();
  await closeAll();
});

async function instrumented(
  options: Partial<AdminOptions> = {},
): Promise<{ server: TestServer; admin: AdminInstrumentation }> {
  const server = await startServer();
  const admin = instrument(server.io, {
    auth: { type: "basic", username: USERNAME, password: HASH },
    serverId: "test-server",
    ...options,
  });
  instrumentations.push(admin);
  return { server, admin };
}

const ALL_FEATURES = [
  "EMIT",
  "JOIN",
  "LEAVE",
  "DISCONNECT",
  "MJOIN",
  "MLEAVE",
  "MDISCONNECT",
  "AGGREGATED_EVENTS",
  "ALL_EVENTS",
];

describe("admin UI: authentication", () => {
  it("refuses a wrong password, a wrong user and missing or malformed credentials", async () => {
    const { server } = await instrumented();
    const url = server.url + "/admin";
    const attempts: Record<string, unknown>[] = [
      { username: USERNAME, password: "wrong" },
      { username: "root", password: PASSWORD },
      {},
      { username: USERNAME },
      { username: USERNAME, password: 42 },
      { username: USERNAME, password: { $gt: "" } },
      { username: [USERNAME], password: [PASSWORD] },
      { sessionId: "made-up" },
      { sessionId: 7, username: USERNAME, password: null },
    ];
    for (const auth of attempts) {
      const error = await connectError(createClient(url, { auth }));
      assert.equal(error.message, "invalid credentials", JSON.stringify(auth));
    }
    assert.equal(server.io.of("/admin").sockets.size, 0);
    // the server is unaffected: the right password still gets in
    const ui = await connectAdmin(url);
    assert.ok(ui.socket.connected);
  });

  it("sends a session id that lets a reloaded page in without the password", async () => {
    const { server } = await instrumented();
    const url = server.url + "/admin";
    const ui = await connectAdmin(url);
    const [sessionId] = await ui.next("session");
    assert.equal(typeof sessionId, "string");
    assert.equal(ui.received[0].event, "session", "session is the first event");
    const again = await connectAdmin(url, { auth: { sessionId } });
    assert.ok(again.socket.connected);
    assert.equal(again.all("session").length, 0, "no new session for a session id");
  });

  it("lets anyone in with auth: false", async () => {
    const { server } = await instrumented({ auth: false });
    const ui = await connectAdmin(server.url + "/admin", { auth: {} });
    await ui.next("config");
  });

  it("refuses password checks beyond four at once (a flood cannot hog the CPU)", {
    timeout: 20_000,
  }, async () => {
    const server = await startServer();
    instrumentations.push(instrument(server.io, {
      auth: { type: "basic", username: USERNAME, password: hashSync(PASSWORD, 11) },
    }));
    const url = server.url + "/admin";
    const clients = Array.from(
      { length: 10 },
      () =>
        createClient(url, {
          transports: ["websocket"],
          auth: { username: USERNAME, password: "wrong" },
          timeout: 15_000,
        }),
    );
    const messages = await Promise.all(
      clients.map(async (client) => (await connectError(client, 15_000)).message),
    );
    assert.ok(messages.includes("too many login attempts, retry later"), messages.join());
    assert.ok(messages.includes("invalid credentials"), messages.join());
    const ui = await connectAdmin(url, { timeout: 15_000 });
    assert.ok(ui.socket.connected);
  });
});

describe("admin UI: what it is told", () => {
  it("config, then all_sockets with every socket, then server_stats every 2 s", {
    timeout: 15_000,
  }, async () => {
    const { server } = await instrumented();
    server.io.on("connection", (socket) => socket.join("lobby"));
    const client = await connect(server.url, { query: { who: "ada" } });
    const ui = await connectAdmin(server.url + "/admin");
    const [config] = await ui.next("config");
    assert.deepEqual((config as { supportedFeatures: string[] }).supportedFeatures, ALL_FEATURES);
    const [sockets] = await ui.next("all_sockets") as [SerializedSocket[]];
    const listed = sockets.find((socket) => socket.id === client.id);
    assert.ok(listed, "the client is listed");
    assert.equal(listed.nsp, "/");
    assert.deepEqual([...listed.rooms].sort(), [client.id, "lobby"].sort());
    assert.equal(listed.clientId, client.io.engine.id.slice(0, 12));
    assert.ok(listed.transport === "polling" || listed.transport === "websocket");
    assert.equal(listed.handshake.address, "127.0.0.1");
    assert.equal((listed.handshake.query as Record<string, string>).who, "ada");
    assert.equal("auth" in listed.handshake, false);
    assert.deepEqual(listed.data, {});
    assert.ok(sockets.some((socket) => socket.nsp === "/admin"), "the admin socket is listed");
    const [first] = await ui.next("server_stats") as [ServerStats];
    assert.equal(first.serverId, "test-server");
    assert.equal(typeof first.hostname, "string");
    assert.equal(typeof first.pid, "number");
    assert.ok(first.uptime > 0);
    assert.equal(first.clientsCount, 2);
    assert.deepEqual(
      first.namespaces.map((nsp) => [nsp.name, nsp.socketsCount]).sort(),
      [["/", 1], ["/admin", 1]],
    );
    const before = ui.all("server_stats").length;
    await waitUntil(
      () => ui.all("server_stats").length > before,
      "the next server_stats",
      4000,
    );
  });

  it("socket_connected, room_joined, room_left, socket_disconnected", async () => {
    const { server } = await instrumented();
    const ui = await connectAdmin(server.url + "/admin");
    await ui.next("all_sockets");
    const client = await connect(server.url + "/");
    const [socket, at] = await ui.next(
      "socket_connected",
      ([s]) => (s as SerializedSocket).id === client.id,
    ) as [SerializedSocket, string];
    assert.equal(socket.nsp, "/");
    assert.deepEqual(socket.rooms, [client.id]);
    assert.ok(!Number.isNaN(Date.parse(at)), "a timestamp");
    const own = serverSocket(server, client);
    own.join("room-1");
    await ui.next(
      "room_joined",
      ([nsp, room, id]) => nsp === "/" && room === "room-1" && id === client.id,
    );
    own.leave("room-1");
    await ui.next(
      "room_left",
      ([nsp, room, id]) => nsp === "/" && room === "room-1" && id === client.id,
    );
    const clientId = client.id;
    client.disconnect();
    const [nsp, id, reason] = await ui.next("socket_disconnected", ([, id]) => id === clientId);
    assert.deepEqual([nsp, id, reason], ["/", clientId, "client namespace disconnect"]);
    await ui.next("room_left", ([, room, id]) => room === clientId && id === clientId);
  });

  it("event_received and event_sent in development mode (acknowledgements left out)", async () => {
    const { server } = await instrumented();
    server.io.on("connection", (socket) => {
      socket.on("hello", (name: unknown, ack: unknown) => {
        socket.emit("welcome", `hi ${name}`);
        (ack as (reply: string) => void)("ok");
      });
    });
    const ui = await connectAdmin(server.url + "/admin");
    await ui.next("config");
    const client = await connect(server.url);
    assert.equal(await client.timeout(WAIT_MS).emitWithAck("hello", "ada"), "ok");
    const [nsp, id, args] = await ui.next("event_received", ([, id]) => id === client.id);
    assert.deepEqual([nsp, id, args], ["/", client.id, ["hello", "ada"]]);
    const [, , sent] = await ui.next("event_sent", ([, id]) => id === client.id);
    assert.deepEqual(sent, ["welcome", "hi ada"]);
    // nothing the admin namespace itself sends is reported (that would loop)
    assert.equal(ui.all("event_sent").filter(([nsp]) => nsp === "/admin").length, 0);
  });

  it("socket_updated when socket.data changes (at any depth) and on the upgrade", async () => {
    const { server } = await instrumented();
    const ui = await connectAdmin(server.url + "/admin");
    await ui.next("config");
    const client = await connect(server.url);
    const own = serverSocket(server, client);
    own.data.user = { name: "ada" };
    const [first] = await ui.next(
      "socket_updated",
      ([u]) => (u as { id: string; data?: unknown }).id === client.id && "data" in (u as object),
    );
    assert.deepEqual(first, { id: client.id, nsp: "/", data: { user: { name: "ada" } } });
    (own.data.user as { name: string }).name = "bob";
    own.data.tags = [];
    (own.data.tags as string[]).push("x");
    await ui.next("socket_updated", ([u]) =>
      JSON.stringify((u as { data?: unknown }).data) ===
        JSON.stringify({ user: { name: "bob" }, tags: ["x"] }));
    const map = new Map([["k", 1]]);
    own.data.map = map;
    assert.equal(own.data.map, map, "a Map is kept as it is");
    assert.equal((own.data.map as Map<string, number>).get("k"), 1);
    assert.equal(Object.keys(own.data).includes("_admin"), true);
    await upgraded(client);
    await ui.next(
      "socket_updated",
      ([u]) => (u as { transport?: string }).transport === "websocket",
    );
  });

  it("production mode: counts only, no socket list, no per-socket events", async () => {
    const { server, admin } = await instrumented({ mode: "production" });
    assert.deepEqual(admin.features, ALL_FEATURES.slice(0, -1));
    const ui = await connectAdmin(server.url + "/admin");
    await ui.next("config");
    const client = await connect(server.url);
    client.emit("ping-me", 1);
    const [stats] = await ui.next("server_stats") as [ServerStats];
    assert.equal(stats.serverId, "test-server");
    await sleep(200);
    for (const event of ["all_sockets", "socket_connected", "event_received", "room_joined"]) {
      assert.equal(ui.all(event).length, 0, event);
    }
  });

  it("aggregatedEvents count connections, packets and bytes both ways", {
    timeout: 15_000,
  }, async () => {
    const { server } = await instrumented({ mode: "production" });
    server.io.on(
      "connection",
      (socket) => socket.on("echo", (text, ack) => (ack as (t: unknown) => void)(text)),
    );
    const ui = await connectAdmin(server.url + "/admin", { transports: ["websocket"] });
    const client = await connect(server.url, { transports: ["websocket"] });
    assert.equal(
      await client.timeout(WAIT_MS).emitWithAck("echo", "é".repeat(100)),
      "é".repeat(100),
    );
    client.disconnect();
    const totals = new Map<string, number>();
    await waitUntil(
      () => {
        for (const [stats] of ui.all("server_stats") as [ServerStats][]) {
          for (const event of stats.aggregatedEvents) {
            const key = event.subType ? `${event.type}:${event.subType}` : event.type;
            totals.set(key, (totals.get(key) ?? 0) + event.count);
          }
        }
        const done = totals.has("rawDisconnection:transport close");
        if (!done) totals.clear();
        return done;
      },
      "a report counting the disconnection",
      6000,
    );
    assert.equal(totals.get("rawConnection"), 2);
    assert.ok(totals.get("packetsIn")! >= 3, `packetsIn ${totals.get("packetsIn")}`);
    assert.ok(totals.get("packetsOut")! >= 3, `packetsOut ${totals.get("packetsOut")}`);
    // the echo's 100 "é" are 200 bytes each way
    assert.ok(totals.get("bytesIn")! > 200, `bytesIn ${totals.get("bytesIn")}`);
    assert.ok(totals.get("bytesOut")! > 200, `bytesOut ${totals.get("bytesOut")}`);
  });
});

describe("admin UI: actions", () => {
  it("join, leave, emit and _disconnect on one socket (filter: its id) or a room", async () => {
    const { server } = await instrumented();
    const ui = await connectAdmin(server.url + "/admin");
    await ui.next("config");
    const ada = await connect(server.url);
    const bob = await connect(server.url);
    const adaSocket = serverSocket(server, ada);
    const bobSocket = serverSocket(server, bob);

    assert.deepEqual(await ui.act("join", "/", "team", ada.id), { ok: true });
    await waitUntil(() => adaSocket.rooms.has("team"), "ada in team");
    assert.equal(bobSocket.rooms.has("team"), false);
    await ui.next("room_joined", ([, room, id]) => room === "team" && id === ada.id);

    const got = once(ada, "notice");
    assert.deepEqual(await ui.act("emit", "/", "team", "notice", { text: "hi" }), { ok: true });
    assert.deepEqual(await got, [{ text: "hi" }]);

    assert.deepEqual(await ui.act("join", "/", "everyone"), { ok: true });
    await waitUntil(() => bobSocket.rooms.has("everyone"), "bob in everyone");
    assert.deepEqual(await ui.act("leave", "/", "everyone"), { ok: true });
    await waitUntil(() => !adaSocket.rooms.has("everyone"), "ada out of everyone");

    assert.deepEqual(await ui.act("leave", "/", "team", ada.id), { ok: true });
    await waitUntil(() => !adaSocket.rooms.has("team"), "ada out of team");

    const gone = once(bob, "disconnect");
    assert.deepEqual(await ui.act("_disconnect", "/", false, bob.id), { ok: true });
    assert.deepEqual(await gone, ["io server disconnect", undefined]);
    assert.ok(ada.connected, "only bob was disconnected");
  });

  it("the UI's own actions (no acknowledgement) work as the page sends them", async () => {
    const { server } = await instrumented();
    const ui = await connectAdmin(server.url + "/admin");
    await ui.next("config");
    const ada = await connect(server.url);
    ui.socket.emit("join", "/", "vip", ada.id);
    await waitUntil(() => serverSocket(server, ada).rooms.has("vip"), "ada in vip");
    const gone = once(ada, "disconnect");
    ui.socket.emit("_disconnect", "/", false, "vip");
    await gone;
  });

  it("read-only: announces no action and refuses every one", async () => {
    const { server, admin } = await instrumented({ readonly: true });
    assert.deepEqual(admin.features, ["AGGREGATED_EVENTS", "ALL_EVENTS"]);
    const ui = await connectAdmin(server.url + "/admin");
    const [config] = await ui.next("config");
    assert.deepEqual(config, { supportedFeatures: ["AGGREGATED_EVENTS", "ALL_EVENTS"] });
    const ada = await connect(server.url);
    for (
      const [action, ...args] of [
        ["join", "/", "team", ada.id],
        ["leave", "/", ada.id, ada.id],
        ["_disconnect", "/", true, ada.id],
        ["emit", "/", ada.id, "notice", 1],
      ]
    ) {
      const answer = await ui.act(action as string, ...args) as { error?: string };
      assert.match(answer.error ?? "", /read-only/, String(action));
    }
    ui.socket.emit("_disconnect", "/", true);
    await sleep(100);
    assert.ok(ada.connected);
    assert.deepEqual([...serverSocket(server, ada).rooms], [ada.id]);
  });

  it("malformed actions are answered with an error and change nothing", async () => {
    const { server } = await instrumented();
    const ui = await connectAdmin(server.url + "/admin");
    await ui.next("config");
    const ada = await connect(server.url);
    const namespacesBefore = [...server.io.namespaces()].map((nsp) => nsp.name).sort();
    const malformed: unknown[][] = [
      ["join"],
      ["join", 42, "room"],
      ["join", "/nowhere", "room"],
      ["join", "/", { room: 1 }],
      ["join", "/", ""],
      ["join", "/", [], ada.id],
      ["join", "/", ["a", 1]],
      ["join", "/", "room", 12],
      ["join", "/", "room", { $in: [] }],
      ["leave", "/", null],
      ["leave", null, null, null],
      ["_disconnect", "/", true, 5],
      ["_disconnect", "/nowhere", true],
      ["emit", "/", undefined, "connect"],
      ["emit", "/", undefined, "disconnecting"],
      ["emit", "/", undefined, 99],
      ["emit", "/", 3, "notice"],
      ["emit", "/".repeat(10_000), undefined, "x"],
    ];
    for (const [action, ...args] of malformed) {
      const answer = await ui.act(action as string, ...args) as { error?: string };
      assert.equal(typeof answer.error, "string", JSON.stringify([action, ...args]).slice(0, 80));
    }
    // the same without acknowledgements, and events the admin does not know
    for (const [action, ...args] of malformed) ui.socket.emit(action as string, ...args);
    ui.socket.emit("_join", "/", "room", ada.id);
    ui.socket.emit("not-an-action", { deep: { deeper: [1, 2, 3] } });
    await sleep(100);
    assert.ok(ada.connected);
    assert.deepEqual([...serverSocket(server, ada).rooms], [ada.id]);
    assert.deepEqual(
      [...server.io.namespaces()].map((nsp) => nsp.name).sort(),
      namespacesBefore,
      "no namespace was created",
    );
    assert.ok(ui.socket.connected);
  });
});

describe("admin UI: options", () => {
  it("throws at instrument time for a missing auth, a plain password or a bad option", async () => {
    const server = await startServer();
    const io = server.io;
    const bad: [unknown, RegExp][] = [
      [{}, /auth is required/],
      [{ auth: undefined }, /auth is required/],
      [{ auth: true }, /instrument: auth must be/],
      [{ auth: { type: "basic", username: "a", password: "changeit" } }, /bcrypt hash/],
      [{ auth: { type: "digest", username: "a", password: HASH } }, /auth must be/],
      [{ auth: { type: "basic", username: "", password: HASH } }, /auth\.username/],
      [{ auth: false, mode: "staging" }, /mode must be one of "development", "production"/],
      [{ auth: false, namespaceName: "admin" }, /namespaceName/],
      [{ auth: false, namespaceName: "/" }, /namespaceName/],
      [{ auth: false, readonly: "yes" }, /readonly must be a boolean/],
      [{ auth: false, store: {} }, /store must be/],
      [{ auth: false, nope: 1 }, /unknown option "nope"/],
    ];
    for (const [options, message] of bad) {
      assert.throws(
        () => instrument(io, options as AdminOptions),
        message,
        JSON.stringify(options),
      );
    }
  });

  it("a custom namespace name, and a custom session store", async () => {
    const saved: string[] = [];
    const { server } = await instrumented({
      namespaceName: "/ops",
      store: {
        doesSessionExist: (id) => saved.includes(id),
        saveSession: (id) => void saved.push(id),
      },
    });
    const ui = await connectAdmin(server.url + "/ops");
    const [sessionId] = await ui.next("session");
    assert.deepEqual(saved, [sessionId]);
    await connectAdmin(server.url + "/ops", { auth: { sessionId } });
    const error = await connectError(adminClient(server.url + "/admin").socket);
    assert.equal(error.message, "Invalid namespace");
  });

  it("a failing session store only costs the session id", async () => {
    const { server } = await instrumented({
      store: {
        doesSessionExist: () => Promise.reject(new Error("store down")),
        saveSession: () => {
          throw new Error("store down");
        },
      },
    });
    const error = await connectError(createClient(server.url + "/admin", {
      auth: { sessionId: "abc" },
    }));
    assert.equal(error.message, "invalid credentials");
    const ui = await connectAdmin(server.url + "/admin");
    await ui.next("config");
    assert.equal(ui.all("session").length, 0);
  });
});
