/**
 * One Redis cluster of four servers — our fixture under Deno and under Bun (child processes),
 * a Node socket.io 4.8 server with the official `@socket.io/redis-adapter` 8.3 (child
 * process), and one in-process server of whichever runtime runs the tests — with real
 * socket.io-client clients on each, plus runs of the official `@socket.io/redis-emitter`.
 * Everything crosses every node in every direction. Skipped only when Redis is unreachable
 * outside CI.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { defineGateway, type GatewaySocket } from "../../mod.ts";
import type { RedisAdapter, RemoteSocket } from "../../redis.ts";
import {
  bytesOf,
  type ClientSocket,
  closeAll,
  connect,
  once,
  startServer,
  type TestServer,
  WAIT_MS,
} from "../_helpers/socketio.ts";
import { sleep, waitUntil } from "../_helpers/wait.ts";
import {
  clusterSkip,
  ensureClusterDeps,
  REDIS_URL,
  redisReachable,
  runEmitter,
  startFixtureNode,
  startNodeServer,
  uniqueKey,
} from "./cluster_nodes.ts";
import { clusterEvents, joinRedisCluster, type RedisCluster } from "./fixture_cluster.ts";

const skip = await clusterSkip();
const runtime = "Deno" in globalThis ? "deno" : "bun";
/** How long to keep listening for something that must not arrive. */
const QUIET_MS = 250;

interface ClusterNode {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

/** Arguments of every `event` a socket receives from now on. */
function inbox(socket: ClientSocket, event: string) {
  const list: unknown[][] = [];
  socket.on(event, (...args: unknown[]) => list.push(args));
  return {
    list,
    /** The messages whose first argument is `token`. */
    with(token: string): unknown[][] {
      return list.filter((args) => args[0] === token);
    },
    /** Waits (bounded) until a message with first argument `token` arrived. */
    async has(token: string, what: string): Promise<unknown[]> {
      await waitUntil(() => list.some((args) => args[0] === token), what, WAIT_MS);
      return list.find((args) => args[0] === token)!;
    },
  };
}

type Inbox = ReturnType<typeof inbox>;

function ack(socket: ClientSocket, event: string, ...args: unknown[]): Promise<unknown> {
  return socket.timeout(WAIT_MS).emitWithAck(event, ...args);
}

function token(what: string): string {
  return `${what}-${Math.random().toString(36).slice(2, 10)}`;
}

/** The gateways of the in-process node: the fixture's cluster events and a few basics. */
function localGateways() {
  const events = {
    ...clusterEvents,
    join: async (socket: GatewaySocket, room: unknown) => {
      await socket.join(String(room));
      return true;
    },
    whoami: (socket: GatewaySocket) => ({ id: socket.id, rooms: [...socket.rooms] }),
    "broadcast-room": (socket: GatewaySocket, room: unknown, ...args: unknown[]) => {
      (socket.nsp.to(String(room)).emit as (event: string, ...args: unknown[]) => boolean)(
        "broadcast",
        ...args,
      );
    },
    "broadcast-all": (socket: GatewaySocket, ...args: unknown[]) => {
      (socket.broadcast.emit as (event: string, ...args: unknown[]) => boolean)(
        "broadcast",
        ...args,
      );
    },
  };
  return [
    defineGateway({ namespace: "/", events }),
    defineGateway({ namespace: "/custom", events }),
    defineGateway({
      namespace: "/auth",
      connect(_socket, auth) {
        if (auth.token !== "secret") throw new Error("unauthorized");
      },
      events,
    }),
  ];
}

describe("a Redis cluster of Deno, Bun, Node and in-process servers", { skip }, () => {
  const key = uniqueKey("cluster");
  const nodes: ClusterNode[] = [];
  let local: { server: TestServer; cluster: RedisCluster } | undefined;
  /** Per node: a "/" client in room "r", and one outside it (long-polling). */
  const members: ClientSocket[] = [];
  const outsiders: ClientSocket[] = [];
  const broadcasts = new Map<ClientSocket, Inbox>();
  const pings = new Map<ClientSocket, Inbox>();

  /** A "/" client of node `index`, answering `question` with its id. */
  async function rootClient(
    index: number,
    transports: ("polling" | "websocket")[],
  ): Promise<ClientSocket> {
    const socket = await connect(nodes[index].url, { transports });
    socket.on("question", (value: unknown, callback: (answer: unknown) => void) => {
      callback({ id: socket.id, value });
    });
    broadcasts.set(socket, inbox(socket, "broadcast"));
    pings.set(socket, inbox(socket, "cluster-ping"));
    return socket;
  }

  function everyone(): ClientSocket[] {
    return [...members, ...outsiders];
  }

  function ready(): void {
    assert.equal(members.length, 4, "the cluster did not start");
  }

  after(async () => {
    await closeAll().catch(() => {});
    await local?.cluster.close();
    await Promise.allSettled(nodes.map((node) => node.stop()));
  });

  it("starts the four nodes and connects clients to each", { timeout: 120_000 }, async () => {
    assert.ok(await redisReachable(), `Redis is not reachable at ${REDIS_URL} (CI: not skipped)`);
    await ensureClusterDeps();
    const started = await Promise.allSettled([
      startFixtureNode("deno", key),
      startFixtureNode("bun", key),
      startNodeServer(key),
    ]);
    for (const [index, result] of started.entries()) {
      if (result.status === "rejected") continue;
      const name = ["deno fixture", "bun fixture", "node socket.io"][index];
      const port = result.value.port;
      nodes.push({ name, port, url: `http://127.0.0.1:${port}`, stop: result.value.stop });
    }
    const failed = started.find((result) => result.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;

    const cluster = await joinRedisCluster(REDIS_URL, key);
    const server = await startServer({ adapter: cluster.adapter, gateways: localGateways() });
    local = { server, cluster };
    await cluster.ready(server.io, server.port);
    nodes.push({
      name: `in-process ${runtime}`,
      port: server.port,
      url: server.url,
      stop: () => server.close(),
    });

    for (const index of nodes.keys()) {
      const member = await rootClient(index, ["websocket"]);
      assert.equal(await ack(member, "join", "r"), true);
      members.push(member);
      outsiders.push(await rootClient(index, ["polling"]));
    }
    // four servers share the namespace's request channel
    const adapter = server.io.of("/").adapter;
    assert.equal(await adapter.serverCount(), 4);
  });

  it("counts each node's own sockets", { timeout: 10_000 }, async () => {
    ready();
    for (const member of members) assert.equal(await ack(member, "count"), 2);
  });

  it("delivers a room broadcast from every node to that room on every node", {
    timeout: 10_000,
  }, async () => {
    ready();
    const sent = nodes.map((node) => token(`room-${node.name}`));
    members.forEach((member, index) => member.emit("broadcast-room", "r", sent[index], index));
    for (const member of members) {
      for (const [index, value] of sent.entries()) {
        const args = await broadcasts.get(member)!.has(value, `${value} at a member`);
        assert.deepEqual(args, [value, index]);
      }
    }
    await sleep(QUIET_MS);
    for (const socket of everyone()) {
      for (const value of sent) {
        const expected = members.includes(socket) ? 1 : 0;
        assert.equal(broadcasts.get(socket)!.with(value).length, expected, value);
      }
    }
  });

  it("delivers broadcast-all everywhere except to its sender (except crosses nodes)", {
    timeout: 10_000,
  }, async () => {
    ready();
    const sent = members.map((_, index) => token(`all-${index}`));
    members.forEach((member, index) => member.emit("broadcast-all", sent[index]));
    for (const socket of everyone()) {
      for (const [index, value] of sent.entries()) {
        if (socket === members[index]) continue;
        await broadcasts.get(socket)!.has(value, `${value} from node ${index}`);
      }
    }
    await sleep(QUIET_MS);
    for (const socket of everyone()) {
      for (const [index, value] of sent.entries()) {
        const expected = socket === members[index] ? 0 : 1;
        assert.equal(broadcasts.get(socket)!.with(value).length, expected, value);
      }
    }
  });

  it("keeps binary arguments intact across nodes", { timeout: 10_000 }, async () => {
    ready();
    const big = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) % 256);
    const sent = members.map((_, index) => token(`bin-${index}`));
    members.forEach((member, index) => {
      member.emit("broadcast-room", "r", sent[index], {
        small: new Uint8Array([1, 2, 3, index]),
        nested: { list: [new Uint8Array([200, 201]), "text", new Uint8Array(0)] },
        big,
      }, new Uint8Array([9, 8, 7]));
    });
    for (const member of members) {
      for (const [index, value] of sent.entries()) {
        const [, payload, tail] = await broadcasts.get(member)!.has(value, `${value}`) as [
          string,
          { small: unknown; nested: { list: unknown[] }; big: unknown },
          unknown,
        ];
        assert.deepEqual(bytesOf(payload.small), [1, 2, 3, index]);
        assert.deepEqual(bytesOf(payload.nested.list[0]), [200, 201]);
        assert.equal(payload.nested.list[1], "text");
        assert.deepEqual(bytesOf(payload.nested.list[2]), []);
        assert.deepEqual(bytesOf(payload.big), [...big]);
        assert.deepEqual(bytesOf(tail), [9, 8, 7]);
      }
    }
  });

  it(
    "fetchSockets from any node lists the sockets of every node",
    { timeout: 10_000 },
    async () => {
      ready();
      const memberIds = members.map((member) => member.id).sort();
      const allIds = everyone().map((socket) => socket.id).sort();
      for (const member of members) {
        const found = await ack(member, "fetch-sockets", "r") as { id: string; rooms: string[] }[];
        assert.ok(Array.isArray(found), JSON.stringify(found));
        assert.deepEqual(found.map((socket) => socket.id).sort(), memberIds);
        for (const socket of found) {
          assert.ok(socket.rooms.includes("r") && socket.rooms.includes(socket.id));
        }
        const all = await ack(member, "fetch-sockets", null) as { id: string }[];
        assert.deepEqual(all.map((socket) => socket.id).sort(), allIds);
      }
    },
  );

  it("returns remote sockets with handshake and data that can be reached through the cluster", {
    timeout: 10_000,
  }, async () => {
    ready();
    const io = local!.server.io;
    const found = await io.in("r").fetchSockets();
    assert.equal(found.length, 4);
    const remote = found.filter((socket) => !io.sockets.sockets.has(socket.id)) as RemoteSocket[];
    assert.equal(remote.length, 3);
    for (const socket of remote) {
      assert.match(String(socket.handshake.url), /^\/socket\.io\/\?EIO=4/);
      assert.equal(typeof socket.handshake.issued, "number");
      assert.deepEqual(socket.handshake.auth, {});
      assert.deepEqual(socket.data, {});
      assert.ok(socket.rooms.has("r"));
    }
    const target = remote[0];
    const client = members.find((member) => member.id === target.id)!;
    const value = token("direct");
    const direct = once(client, "direct");
    target.emit("direct", value);
    assert.deepEqual(await direct, [value]);
  });

  it("allRooms lists the rooms of every node", { timeout: 10_000 }, async () => {
    ready();
    const adapter = local!.server.io.of("/").adapter as RedisAdapter;
    const rooms = await adapter.allRooms();
    assert.ok(rooms.has("r"));
    for (const socket of everyone()) assert.ok(rooms.has(socket.id!), String(socket.id));
  });

  it("socketsJoin from any node makes the sockets of every node join", {
    timeout: 10_000,
  }, async () => {
    ready();
    for (const [index, member] of members.entries()) {
      const room = token(`joined-${index}`);
      assert.equal(await ack(member, "sockets-join", "r", room), true);
      for (const socket of members) {
        await eventually(async () => (await roomsOf(socket)).includes(room), `${room} joined`);
      }
      for (const socket of outsiders) {
        assert.ok(!(await roomsOf(socket)).includes(room));
      }
    }
  });

  it("serverSideEmit reaches every other node and never the emitting one", {
    timeout: 10_000,
  }, async () => {
    ready();
    for (const [index, member] of members.entries()) {
      const value = token(`sse-${index}`);
      assert.equal(await ack(member, "server-side-emit", value, { n: index }), true);
      for (const [other, socket] of everyone().entries()) {
        if (other % members.length === index) continue;
        assert.deepEqual(await pings.get(socket)!.has(value, value), [value, { n: index }]);
      }
    }
    await sleep(QUIET_MS);
    // nsp.local.emit stays on the node: exactly one copy each, none on the emitting node
    for (const [index] of members.entries()) {
      for (const [other, socket] of everyone().entries()) {
        const copies = pings.get(socket)!.list.filter((args) =>
          String(args[0]).startsWith(`sse-${index}-`)
        );
        assert.equal(copies.length, other % members.length === index ? 0 : 1);
      }
    }
  });

  it("serverSideEmit with an acknowledgement gets one answer from each other node", {
    timeout: 15_000,
  }, async () => {
    ready();
    for (const [index, member] of members.entries()) {
      const value = token(`sse-ack-${index}`);
      const result = await member.timeout(8000).emitWithAck("server-side-emit-ack", value, 1) as {
        error?: string;
        responses: { port: number; args: unknown[]; sockets: number }[];
      };
      assert.equal(result.error, undefined, JSON.stringify(result));
      const ports = result.responses.map((response) => response.port).sort();
      const others = nodes.filter((_, other) => other !== index).map((node) => node.port).sort();
      assert.deepEqual(ports, others);
      for (const response of result.responses) {
        assert.deepEqual(response.args, [value, 1]);
        assert.equal(response.sockets, 2);
      }
    }
  });

  it("broadcasts with acknowledgements collect every client's ack across nodes (7/8/9)", {
    timeout: 15_000,
  }, async () => {
    ready();
    const ids = everyone().map((socket) => socket.id).sort();
    const io = local!.server.io;
    const ours = await io.timeout(3000).emitWithAck("question", "from-ours") as {
      id: string;
      value: unknown;
    }[];
    assert.deepEqual(ours.map((answer) => answer.id).sort(), ids);
    assert.ok(ours.every((answer) => answer.value === "from-ours"));

    const node = members[nodes.findIndex((entry) => entry.name === "node socket.io")];
    const result = await node.timeout(8000).emitWithAck(
      "node-broadcast-ack",
      3000,
      "from-node",
    ) as {
      error?: string;
      responses: { id: string; value: unknown }[];
    };
    assert.equal(result.error, undefined, JSON.stringify(result));
    assert.deepEqual(result.responses.map((answer) => answer.id).sort(), ids);
  });

  it("keeps namespaces apart (/custom, /auth)", { timeout: 15_000 }, async () => {
    ready();
    const custom = await Promise.all(
      nodes.map((node) => connect(`${node.url}/custom`, { transports: ["websocket"] })),
    );
    const customInbox = new Map(custom.map((socket) => [socket, inbox(socket, "broadcast")]));
    const onRoot = token("root-only");
    members[0].emit("broadcast-all", onRoot);
    for (const socket of outsiders) await broadcasts.get(socket)!.has(onRoot, onRoot);

    const onCustom = token("custom-only");
    custom[1].emit("broadcast-all", onCustom);
    for (const socket of custom) {
      if (socket !== custom[1]) await customInbox.get(socket)!.has(onCustom, onCustom);
    }
    await sleep(QUIET_MS);
    for (const socket of custom) assert.equal(customInbox.get(socket)!.with(onRoot).length, 0);
    for (const socket of everyone()) assert.equal(broadcasts.get(socket)!.with(onCustom).length, 0);

    const listed = await ack(custom[2], "fetch-sockets", null) as { id: string }[];
    assert.deepEqual(
      listed.map((socket) => socket.id).sort(),
      custom.map((socket) => socket.id).sort(),
    );

    const auth = await Promise.all(
      nodes.map((node) =>
        connect(`${node.url}/auth`, { transports: ["websocket"], auth: { token: "secret" } })
      ),
    );
    const authInbox = new Map(auth.map((socket) => [socket, inbox(socket, "broadcast")]));
    const onAuth = token("auth");
    auth[3].emit("broadcast-all", onAuth);
    for (const socket of auth.slice(0, 3)) await authInbox.get(socket)!.has(onAuth, onAuth);
    for (const socket of [...custom, ...auth]) socket.disconnect();
  });

  it(
    "accepts the official redis-emitter: rooms, all, except, binary, /custom, joins, serverSideEmit",
    {
      timeout: 20_000,
    },
    async () => {
      ready();
      const custom = await Promise.all(
        nodes.map((node) => connect(`${node.url}/custom`, { transports: ["websocket"] })),
      );
      const customInbox = new Map(custom.map((socket) => [socket, inbox(socket, "broadcast")]));
      const [room, all, except, binary, multi, onCustom, joined, sse] = [
        "em-room",
        "em-all",
        "em-except",
        "em-bin",
        "em-multi",
        "em-custom",
        "em-joined",
        "em-sse",
      ].map(token);
      await runEmitter(key, [
        { to: "r", emit: ["broadcast", room] },
        { emit: ["broadcast", all] },
        { except: "r", emit: ["broadcast", except] },
        { to: "r", emit: ["broadcast", binary, { $bytes: [1, 2, 3] }] },
        { to: ["r", "nobody-here"], emit: ["broadcast", multi] },
        { nsp: "/custom", emit: ["broadcast", onCustom] },
        { to: "r", socketsJoin: joined },
        { serverSideEmit: ["ping-cluster", sse] },
      ]);
      for (const member of members) {
        for (const value of [room, all, multi]) await broadcasts.get(member)!.has(value, value);
        const [, bytes] = await broadcasts.get(member)!.has(binary, binary);
        assert.deepEqual(bytesOf(bytes), [1, 2, 3]);
      }
      for (const socket of outsiders) {
        for (const value of [all, except]) await broadcasts.get(socket)!.has(value, value);
      }
      for (const socket of custom) await customInbox.get(socket)!.has(onCustom, onCustom);
      // the emitter's serverSideEmit reaches every node, the Node one included
      for (const socket of everyone()) await pings.get(socket)!.has(sse, sse);
      for (const member of members) {
        await eventually(async () => (await roomsOf(member)).includes(joined), `${joined} joined`);
      }
      await sleep(QUIET_MS);
      for (const member of members) assert.equal(broadcasts.get(member)!.with(except).length, 0);
      for (const socket of outsiders) {
        for (const value of [room, binary, multi]) {
          assert.equal(broadcasts.get(socket)!.with(value).length, 0);
        }
      }
      for (const socket of everyone()) {
        assert.equal(broadcasts.get(socket)!.with(onCustom).length, 0);
        assert.equal(pings.get(socket)!.with(sse).length, 1);
      }
      for (const socket of custom) socket.disconnect();
    },
  );

  it("disconnectSockets from one node (and from the emitter) disconnects the room everywhere", {
    timeout: 15_000,
  }, async () => {
    ready();
    for (const origin of ["bun fixture", "node socket.io", "emitter"]) {
      const doomed = await Promise.all(
        nodes.map((node) => connect(node.url, { transports: ["websocket"] })),
      );
      const room = token("doomed");
      for (const socket of doomed) assert.equal(await ack(socket, "join", room), true);
      const reasons = doomed.map((socket) => once<[string]>(socket, "disconnect", WAIT_MS));
      if (origin === "emitter") await runEmitter(key, [{ to: room, disconnectSockets: false }]);
      else {
        // the sender is in the room: it gets its acknowledgement, then is disconnected too
        const index = nodes.findIndex((node) => node.name === origin);
        assert.equal(await ack(doomed[index], "disconnect-room", room), true);
      }
      for (const reason of reasons) assert.equal((await reason)[0], "io server disconnect");
    }
    for (const socket of everyone()) assert.ok(socket.connected);
  });
});

// ---- rooms of a client, as its server reports them (`whoami`) ----

async function roomsOf(socket: ClientSocket): Promise<string[]> {
  return (await ack(socket, "whoami") as { rooms: string[] }).rooms;
}

/** Polls an async check every 25 ms until it holds; rejects after `ms`. */
async function eventually(check: () => Promise<boolean>, what: string, ms = WAIT_MS) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(25);
  }
}
