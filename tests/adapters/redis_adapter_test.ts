/**
 * The Redis adapter in process, on a real Redis: what it publishes (watched by an observer
 * that PSUBSCRIBEs the key prefix, which does not count as a server), what it accepts from
 * peers and from the emitter, requestsTimeout with a mute server, the `local` flag, binary
 * acknowledgements, ioredis clients, and close(). Skipped only when Redis is unreachable
 * outside CI.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createClient } from "redis";
import { createRedisAdapter, type RedisAdapter, type RedisAdapterOptions } from "../../redis.ts";
import { decodeMessage, encodeMsgpack } from "../../src/adapters/redis/codec.ts";
import {
  bytesOf,
  type ClientSocket,
  closeAll,
  connect,
  once,
  serverSocket,
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
  requireClusterDep,
  uniqueKey,
} from "../cluster/cluster_nodes.ts";

const skip = await clusterSkip();
const QUIET_MS = 200;

type Redis = ReturnType<typeof createClient>;

interface Published {
  channel: string;
  bytes: Uint8Array;
}

describe("redis adapter (in process, real Redis)", { skip }, () => {
  const key = uniqueKey("adapter");
  const connections: Redis[] = [];
  const published: Published[] = [];
  let raw: Redis;
  let a: TestServer;
  let b: TestServer;
  let onA: ClientSocket;
  let onB: ClientSocket;

  async function redis(): Promise<Redis> {
    const client = createClient({ url: REDIS_URL });
    client.on("error", () => {});
    await client.connect();
    connections.push(client);
    return client;
  }

  async function server(options: RedisAdapterOptions = {}, k = key): Promise<TestServer> {
    const [pub, sub] = await Promise.all([redis(), redis()]);
    const started = await startServer({
      adapter: createRedisAdapter(pub, sub, { key: k, requestsTimeout: 500, ...options }),
    });
    await Promise.all(["/", "/custom"].map((name) => started.io.of(name).adapter.init()));
    return started;
  }

  function adapterOf(target: TestServer, nsp = "/"): RedisAdapter {
    return target.io.of(nsp).adapter as RedisAdapter;
  }

  /** Waits (bounded) for a published message on `channel` that `match` accepts. */
  async function publishedOn(
    channel: string,
    match: (value: unknown) => boolean = () => true,
    count = 1,
  ): Promise<{ bytes: Uint8Array; value: unknown }[]> {
    const found = () =>
      published.filter((entry) => entry.channel === channel).map((entry) => {
        const decoded = decodeMessage(entry.bytes);
        return { bytes: entry.bytes, value: decoded.ok ? decoded.value : undefined };
      }).filter((entry) => match(entry.value));
    await waitUntil(() => found().length >= count, `${count} message(s) on ${channel}`, WAIT_MS);
    return found();
  }

  function publish(channel: string, message: string | Uint8Array): Promise<unknown> {
    return raw.publish(channel, typeof message === "string" ? message : Buffer.from(message));
  }

  function received(socket: ClientSocket, event: string): unknown[][] {
    const list: unknown[][] = [];
    socket.on(event, (...args: unknown[]) => list.push(args));
    return list;
  }

  before(async () => {
    assert.ok(await redisReachable(), `Redis is not reachable at ${REDIS_URL} (CI: not skipped)`);
    raw = await redis();
    const observer = await redis();
    await observer.pSubscribe(`${key}*`, (message, channel) => {
      published.push({ channel: String(channel), bytes: new Uint8Array(message) });
    }, true);
    a = await server();
    b = await server();
    onA = await connect(a.url, { transports: ["websocket"] });
    onB = await connect(b.url, { transports: ["websocket"] });
    await serverSocket(a, onA).join("r1");
    await serverSocket(b, onB).join("r1");
  });

  after(async () => {
    await closeAll().catch(() => {});
    await Promise.allSettled(connections.map((client) => client.close()));
  });

  it("counts servers by subscribers of the request channel", async () => {
    assert.equal(await adapterOf(a).serverCount(), 2);
    assert.equal(await adapterOf(b, "/custom").serverCount(), 2);
    assert.match(adapterOf(a).uid, /^[A-Za-z0-9_-]{6}$/);
    assert.notEqual(adapterOf(a).uid, adapterOf(a, "/custom").uid);
  });

  it("publishes a one-room broadcast on the room channel as [uid, packet, opts]", async () => {
    const onBroadcast = once(onB, "ev");
    a.io.to("r1").emit("ev", 1, { x: [true, null] });
    const [message] = await publishedOn(`${key}#/#r1#`);
    const expected = [
      adapterOf(a).uid,
      { type: 2, data: ["ev", 1, { x: [true, null] }], nsp: "/" },
      { rooms: ["r1"], except: [], flags: {} },
    ];
    assert.deepEqual(message.value, expected);
    assert.deepEqual([...message.bytes], [...encodeMsgpack(expected)]);
    assert.deepEqual(await onBroadcast, [1, { x: [true, null] }]);
  });

  it("publishes other broadcasts on the namespace channel, flags and except included", async () => {
    const gotA = received(onA, "ev2");
    const gotB = received(onB, "ev2");
    a.io.except("nobody").volatile.emit("ev2", "y");
    const [message] = await publishedOn(`${key}#/#`, (value) => {
      const packet = (value as unknown[])[1] as { data: unknown[] };
      return packet.data[0] === "ev2";
    });
    assert.deepEqual((message.value as unknown[])[2], {
      rooms: [],
      except: ["nobody"],
      flags: { volatile: true },
    });
    await waitUntil(() => gotA.length === 1 && gotB.length === 1, "ev2 on both nodes");
    await sleep(QUIET_MS);
    // the sender delivered locally and ignored its own copy coming back from Redis
    assert.equal(gotA.length, 1);
    assert.equal(gotB.length, 1);
  });

  it("never publishes local operations", async () => {
    const before = published.length;
    const gotA = received(onA, "ev3");
    const gotB = received(onB, "ev3");
    a.io.sockets.local.emit("ev3");
    a.io.sockets.local.socketsJoin("local-room");
    assert.equal((await a.io.sockets.local.fetchSockets()).length, 1);
    await sleep(QUIET_MS);
    assert.equal(published.length, before);
    assert.equal(gotA.length, 1);
    assert.equal(gotB.length, 0);
    assert.ok(serverSocket(a, onA).rooms.has("local-room"));
  });

  it("delivers the emitter's broadcasts; drops other namespaces and rooms nobody here is in", async () => {
    const gotA = received(onA, "em");
    const gotB = received(onB, "em");
    const opts = { rooms: [], flags: {}, except: [] };
    await publish(`${key}#/#`, new Uint8Array([0x93, 0xc1])); // garbage first
    await publish(
      `${key}#/#`,
      encodeMsgpack(["e", { type: 2, data: ["em", "other"], nsp: "/x" }, opts]),
    );
    await publish(
      `${key}#/#ghost#`,
      encodeMsgpack(["e", { type: 2, data: ["em", "ghost"], nsp: "/" }, opts]),
    );
    await publish(`${key}#/#`, encodeMsgpack(["emitter", { type: 2, data: ["em", "all"] }, opts]));
    await waitUntil(() => gotA.length > 0 && gotB.length > 0, "the emitter's broadcast");
    await sleep(QUIET_MS);
    assert.deepEqual(gotA, [["all"]]);
    assert.deepEqual(gotB, [["all"]]);
  });

  it("acts on the emitter's uid-less join, leave and disconnect requests", async () => {
    const request = `${key}-request#/#`;
    const extra = await connect(b.url, { transports: ["websocket"] });
    await serverSocket(b, extra).join("to-drop");
    await publish(request, "{not json");
    await publish(
      request,
      JSON.stringify({ type: 2, opts: { rooms: ["r1"], except: [] }, rooms: ["em-room"] }),
    );
    await waitUntil(
      () => serverSocket(a, onA).rooms.has("em-room") && serverSocket(b, onB).rooms.has("em-room"),
      "the emitter's join",
    );
    await publish(
      request,
      JSON.stringify({ type: 3, opts: { rooms: [], except: [] }, rooms: ["em-room"] }),
    );
    await waitUntil(
      () =>
        !serverSocket(a, onA).rooms.has("em-room") && !serverSocket(b, onB).rooms.has("em-room"),
      "the emitter's leave",
    );
    const reason = once<[string]>(extra, "disconnect");
    await publish(
      request,
      JSON.stringify({ type: 4, opts: { rooms: ["to-drop"], except: [] }, close: false }),
    );
    assert.equal((await reason)[0], "io server disconnect");
    assert.ok(onA.connected && onB.connected);
  });

  it("answers peers' fetch, sockets, allRooms and legacy join requests", async () => {
    const socketA = serverSocket(a, onA);
    socketA.data = { user: "ada" };
    const request = `${key}-request#/#`;
    const response = `${key}-response#/#`;
    const withId = (id: string) => (value: unknown) =>
      (value as { requestId?: string }).requestId === id;

    await publish(
      request,
      JSON.stringify({
        uid: "peer01",
        requestId: "fetch1",
        type: 5,
        opts: { rooms: ["r1"], except: [] },
      }),
    );
    const answers = (await publishedOn(response, withId("fetch1"), 2)).map((entry) =>
      entry.value as { sockets: Record<string, unknown>[] }
    );
    assert.equal(answers.length, 2);
    const fromA = answers.flatMap((answer) => answer.sockets).find((s) => s.id === socketA.id)!;
    assert.deepEqual(Object.keys(fromA), ["id", "handshake", "rooms", "data"]);
    assert.deepEqual(fromA.data, { user: "ada" });
    assert.deepEqual(fromA.rooms, [...socketA.rooms]);
    const handshake = fromA.handshake as Record<string, unknown>;
    assert.equal(handshake.vars, undefined);
    for (const field of ["headers", "time", "address", "xdomain", "secure", "issued", "url"]) {
      assert.ok(field in handshake, field);
    }

    await publish(
      request,
      JSON.stringify({ uid: "peer01", requestId: "socks1", type: 0, rooms: ["r1"] }),
    );
    const ids = (await publishedOn(response, withId("socks1"), 2)).flatMap((entry) =>
      (entry.value as { sockets: string[] }).sockets
    );
    assert.ok(ids.includes(socketA.id));

    await publish(request, JSON.stringify({ uid: "peer01", requestId: "rooms1", type: 1 }));
    const rooms = (await publishedOn(response, withId("rooms1"), 2)).flatMap((entry) =>
      (entry.value as { rooms: string[] }).rooms
    );
    assert.ok(rooms.includes("r1") && rooms.includes(socketA.id));

    await publish(
      request,
      JSON.stringify({ requestId: "legacy1", sid: socketA.id, room: "legacy", type: 2 }),
    );
    const [legacy] = await publishedOn(response, withId("legacy1"));
    assert.equal(new TextDecoder().decode(legacy.bytes), '{"requestId":"legacy1"}');
    assert.ok(socketA.rooms.has("legacy"));
  });

  it("gives up after requestsTimeout on a mute server, and reads answers on its own channel", {
    timeout: 10_000,
  }, async () => {
    const mute = await redis();
    const answering = { on: false };
    await mute.subscribe(`${key}-request#/#`, (message) => {
      if (!answering.on || message[0] !== 0x7b) return;
      const request = JSON.parse(String(message)) as {
        uid: string;
        requestId?: string;
        type: number;
      };
      if (request.type !== 5 || !request.requestId) return;
      void raw.publish(
        `${key}-response#/#${request.uid}#`,
        JSON.stringify({
          requestId: request.requestId,
          sockets: [{ id: "ghost", handshake: {}, rooms: ["ghost"], data: {} }],
        }),
      );
    }, true);
    try {
      assert.equal(await adapterOf(a).serverCount(), 3);
      const started = Date.now();
      await assert.rejects(a.io.fetchSockets(), {
        message: "timeout reached while waiting for fetchSockets response",
      });
      assert.ok(Date.now() - started >= 450);
      await assert.rejects(adapterOf(a).allRooms(), {
        message: "timeout reached while waiting for allRooms response",
      });
      b.io.of("/").on("question", (value: unknown, callback: (answer: unknown) => void) => {
        callback({ from: "b", value });
      });
      const outcome = await new Promise<[Error | null, unknown[]]>((resolve) => {
        a.io.of("/").serverSideEmit("question", 7, (error: Error | null, responses: unknown[]) => {
          resolve([error, responses]);
        });
      });
      assert.equal(outcome[0]?.message, "timeout reached: only 1 responses received out of 2");
      assert.deepEqual(outcome[1], [{ from: "b", value: 7 }]);

      answering.on = true;
      const sockets = await a.io.fetchSockets();
      assert.deepEqual(
        sockets.map((socket) => socket.id).sort(),
        [
          "ghost",
          onA.id,
          onB.id,
        ].sort(),
      );
    } finally {
      await mute.unsubscribe();
    }
    assert.equal(await adapterOf(a).serverCount(), 2);
  });

  it("serverSideEmit reaches the other servers only, and their acknowledgements come back", async () => {
    const heardA: unknown[][] = [];
    const heardB: unknown[][] = [];
    a.io.of("/").on("sse", (...args: unknown[]) => heardA.push(args));
    b.io.of("/").on("sse", (...args: unknown[]) => heardB.push(args));
    a.io.serverSideEmit("sse", 1, { k: "v" });
    await waitUntil(() => heardB.length === 1, "sse on b");
    b.io.of("/").on("sse-ack", (x: unknown, callback: (answer: unknown) => void) => {
      callback({ from: "b", x });
      callback("ignored: only the first answer counts");
    });
    assert.deepEqual(await a.io.of("/").serverSideEmitWithAck("sse-ack", 5), [{
      from: "b",
      x: 5,
    }]);
    await sleep(QUIET_MS);
    assert.deepEqual(heardB, [[1, { k: "v" }]]);
    assert.deepEqual(heardA, []);

    const alone = await server({}, uniqueKey("alone"));
    assert.deepEqual(await alone.io.of("/").serverSideEmitWithAck("anything"), []);
    await alone.close();
  });

  it("collects binary acknowledgements of a broadcast from another node", async () => {
    onA.once("q", (callback: (answer: unknown) => void) => callback("from-a"));
    onB.once("q", (callback: (answer: unknown) => void) => callback(new Uint8Array([4, 5, 6])));
    const answers = await a.io.timeout(2000).emitWithAck("q");
    assert.equal(answers.length, 2);
    assert.ok(answers.includes("from-a"));
    const binary = answers.find((answer) => answer !== "from-a");
    assert.deepEqual(bytesOf(binary), [4, 5, 6]);
  });

  it("works with ioredis clients", { timeout: 120_000 }, async () => {
    await ensureClusterDeps();
    const { Redis: IoRedis } = requireClusterDep("ioredis") as {
      Redis: new (url: string) => {
        duplicate(): unknown;
        quit(): Promise<unknown>;
        on(event: string, listener: () => void): unknown;
      };
    };
    const pub = new IoRedis(REDIS_URL);
    const sub = pub.duplicate() as typeof pub;
    pub.on("error", () => {});
    sub.on("error", () => {});
    try {
      const c = await startServer({
        adapter: createRedisAdapter(pub as never, sub as never, { key, requestsTimeout: 500 }),
      });
      await c.io.of("/").adapter.init();
      const onC = await connect(c.url, { transports: ["websocket"] });
      assert.equal(await adapterOf(c).serverCount(), 3);
      const toC = once(onC, "ioredis");
      const toA = once(onA, "ioredis");
      a.io.emit("ioredis", new Uint8Array([1]));
      assert.deepEqual(bytesOf((await toC)[0]), [1]);
      await toA;
      const fromC = once(onB, "from-c");
      c.io.to("r1").emit("from-c", "hi");
      assert.deepEqual(await fromC, ["hi"]);
      const ids = (await c.io.fetchSockets()).map((socket) => socket.id).sort();
      assert.deepEqual(ids, [onA.id, onB.id, onC.id].sort());
      onC.disconnect();
      await c.close();
      assert.equal(await adapterOf(a).serverCount(), 2);
    } finally {
      await Promise.allSettled([pub.quit(), sub.quit()]);
    }
  });

  it("close() unsubscribes and leaves the Redis clients open", async () => {
    const [pub, sub] = await Promise.all([redis(), redis()]);
    const d = await startServer({ adapter: createRedisAdapter(pub, sub, { key }) });
    await d.io.of("/").adapter.init();
    assert.equal(await adapterOf(a).serverCount(), 3);
    await d.close();
    assert.equal(await adapterOf(a).serverCount(), 2);
    assert.equal(await pub.ping(), "PONG");
  });
});

describe("createRedisAdapter refuses mistakes at once", () => {
  const fake = {
    pSubscribe() {},
    publish() {},
    sendCommand() {},
  } as unknown as Parameters<typeof createRedisAdapter>[0];
  const other = { ...fake } as typeof fake;

  it("names the fix for a shared connection, a non-client, and bad options", () => {
    assert.throws(() => createRedisAdapter(fake, fake), /two connections.*duplicate\(\)/);
    assert.throws(
      () => createRedisAdapter({} as typeof fake, other),
      /pubClient must be a connected node-redis client/,
    );
    assert.throws(
      () => createRedisAdapter(fake, other, { prefix: "x" } as RedisAdapterOptions),
      /unknown option "prefix"; expected one of key, requestsTimeout/,
    );
    assert.throws(() => createRedisAdapter(fake, other, { key: "" }), /key must be a non-empty/);
    assert.throws(
      () => createRedisAdapter(fake, other, { requestsTimeout: 0 }),
      /requestsTimeout must be a positive/,
    );
    assert.equal(typeof createRedisAdapter(fake, other), "function");
  });
});
