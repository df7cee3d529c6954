/**
 * A drain with connection state recovery on. In memory: every socket's session (id, rooms,
 * data) is kept before its connection closes, and the client sees "transport close" (so it
 * reconnects). With the Redis adapter: two in-process servers share one Redis behind a small
 * TCP balancer; server A drains while a handler of the client runs — the acknowledgement
 * arrives, the client is disconnected, meets A's 503 when it comes back, lands on B and
 * recovers there: same id, rooms and data, and the events sent to its room meanwhile.
 */
import { after, afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import {
  defineGateway,
  InMemoryAdapter,
  type Namespace,
  type SessionToPersist,
} from "../../mod.ts";
import { createRedisAdapter } from "../../redis.ts";
import {
  type ClientSocket,
  closeAll,
  collect,
  connect,
  connected,
  createManager,
  once,
  serverSocket,
  startServer,
  type TestServer,
  track,
  type TransportMode,
} from "../_helpers/socketio.ts";
import { openWebSocketSession } from "../_helpers/raw_client.ts";
import { sleep, waitUntil, withTimeout } from "../_helpers/wait.ts";
import { clusterSkip, REDIS_URL, uniqueKey } from "../cluster/cluster_nodes.ts";
import { type Balancer, startBalancer } from "./_balancer.ts";

type Redis = ReturnType<typeof createClient>;

let running = 0;

const gateway = defineGateway({
  connect(socket) {
    socket.data.user = "ada";
  },
  events: {
    async join(socket, room: string) {
      await socket.join(room);
      return true;
    },
    async slow(_socket, ms: number) {
      running++;
      await sleep(ms);
      running--;
      return `slept ${ms}`;
    },
  },
});

/** Joins room1 and receives one event, so that the client holds an offset. */
async function joinAndTick(client: ClientSocket, emitter: TestServer): Promise<void> {
  assert.equal(await client.timeout(2000).emitWithAck("join", "room1"), true);
  const first = once<[number, string]>(client, "tick");
  emitter.io.to("room1").emit("tick", 0);
  assert.equal((await first)[0], 0);
}

describe("drain with connection state recovery, in memory", () => {
  after(closeAll);

  it("keeps every socket's session before its connection closes", async () => {
    const kept: { session: SessionToPersist; connection: string | undefined }[] = [];
    class RecordingAdapter extends InMemoryAdapter {
      override persistSession(session: SessionToPersist): void {
        const socket = this.nsp.sockets.get(session.sid);
        kept.push({ session, connection: socket?.conn.readyState });
        super.persistSession(session);
      }
    }
    running = 0;
    const s = await startServer({
      gateways: [gateway],
      adapter: (nsp: Namespace) => new RecordingAdapter(nsp),
      connectionStateRecovery: {},
    });
    const client = await connect(s.url, { transports: ["websocket"] });
    const id = client.id;
    await joinAndTick(client, s);
    serverSocket(s, client).data.note = "kept";
    const reason = once<[string]>(client, "disconnect", 4000);
    const acked = client.timeout(3000).emitWithAck("slow", 200);
    await waitUntil(() => running === 1, "the handler to start");
    const draining = s.io.drain({ deadline: 3000 });
    assert.equal(await acked, "slept 200");
    assert.equal((await reason)[0], "transport close");
    await withTimeout(draining, 3000, "the drain");
    assert.equal(kept.length, 1);
    const [{ session, connection }] = kept;
    assert.equal(connection, "open", "kept before the connection closed");
    assert.equal(session.sid, id);
    assert.deepEqual([...session.rooms].sort(), [id, "room1"].sort());
    assert.deepEqual(session.data, { user: "ada", note: "kept" });
  });
});

describe("a CONNECT while a drain keeps the connection's sessions", () => {
  after(closeAll);

  it("is not admitted: the connection is about to close and the client to reconnect elsewhere", async () => {
    let persisting = 0;
    class SlowPersist extends InMemoryAdapter {
      override async persistSession(session: SessionToPersist) {
        persisting++;
        await sleep(300);
        super.persistSession(session);
      }
    }
    const s = await startServer({
      gateways: [gateway],
      adapter: (nsp: Namespace) => new SlowPersist(nsp),
      connectionStateRecovery: {},
    });
    let admitted = 0;
    s.io.of("/other").on("connection", () => admitted++);
    const manager = createManager(s.url, { transports: ["websocket"] });
    const main = track(manager.socket("/"));
    await connected(main);
    const closed = once<[string]>(main, "disconnect", 3000);
    const draining = s.io.drain({ deadline: 3000 });
    await waitUntil(() => persisting === 1, "the session to be kept");
    const other = track(manager.socket("/other"));
    assert.equal((await closed)[0], "transport close");
    await withTimeout(draining, 3000, "the drain");
    assert.equal(admitted, 0);
    assert.equal(other.connected, false);
  });
});

describe("a session taken back while its connection closes", () => {
  after(closeAll);

  it("is kept again, so the client recovers on its next connection", async () => {
    let restoring = 0;
    class SlowRestore extends InMemoryAdapter {
      override async restoreSession(pid: string, offset: string) {
        restoring++;
        await sleep(200);
        return super.restoreSession(pid, offset);
      }
    }
    const s = await startServer({
      gateways: [gateway],
      adapter: (nsp: Namespace) => new SlowRestore(nsp),
      connectionStateRecovery: {},
    });
    const first = await connect(s.url, { transports: ["websocket"] });
    const id = first.id;
    await joinAndTick(first, s);
    const { _pid: pid, _lastOffset: offset } = first as unknown as Record<string, string>;
    first.io.engine.close(); // the transport closes: the session is kept
    await waitUntil(() => s.io.sockets.sockets.size === 0, "the socket to leave");

    // its CONNECT, on a connection that closes (as a drain closes it) while it is taken back
    const raw = await openWebSocketSession(s.wsUrl);
    raw.socket.send(`40${JSON.stringify({ pid, offset })}`);
    await waitUntil(() => restoring === 1, "the restore to start");
    await raw.socket.close();
    await sleep(300);
    assert.equal(s.io.sockets.sockets.size, 0);

    const again = await connect(s.url, { transports: ["websocket"], auth: { pid, offset } });
    assert.equal(again.id, id);
    const onServer = serverSocket(s, again);
    assert.equal(onServer.recovered, true);
    assert.ok(onServer.rooms.has("room1"));
  });
});

const skip = await clusterSkip();

/** How each transport mode reaches the servers through the balancer. */
const REDIS_MODES: readonly (TransportMode & { sticky: boolean })[] = [
  // one TCP connection per session: round robin, so the first reconnection meets A's 503
  { name: 'transports ["websocket"]', transports: ["websocket"], upgrades: false, sticky: false },
  // several requests per session (sticky): connections go to A until it has closed
  { name: 'transports ["polling"]', transports: ["polling"], upgrades: false, sticky: true },
];

describe("drain with connection state recovery across servers (Redis)", { skip }, () => {
  const connections: Redis[] = [];
  let balancer: Balancer | undefined;

  async function redis(): Promise<Redis> {
    const client = createClient({ url: REDIS_URL });
    client.on("error", () => {});
    await client.connect();
    connections.push(client);
    return client;
  }

  async function node(key: string): Promise<TestServer> {
    const [pub, sub] = await Promise.all([redis(), redis()]);
    const started = await startServer({
      gateways: [gateway],
      adapter: createRedisAdapter(pub, sub, { key, requestsTimeout: 500 }),
      connectionStateRecovery: { maxDisconnectionDuration: 10_000 },
    });
    await started.io.of("/").adapter.init();
    return started;
  }

  afterEach(async () => {
    await balancer?.close();
    await closeAll().catch(() => {});
  });
  after(async () => {
    await Promise.allSettled(connections.map((client) => client.close()));
  });

  for (const mode of REDIS_MODES) {
    it(`a client drained from A recovers on B (${mode.name})`, { timeout: 20_000 }, async () => {
      running = 0;
      const key = uniqueKey("drain");
      const a = await node(key);
      const b = await node(key);
      let picks = 0;
      balancer = await startBalancer(() => {
        if (mode.sticky) return a.io.state !== "closed" ? a.port : b.port;
        return picks++ < 2 ? a.port : b.port;
      });
      const client = await connect(balancer.url, {
        transports: mode.transports,
        reconnection: true,
        reconnectionDelay: 100,
        reconnectionDelayMax: 100,
        randomizationFactor: 0,
      });
      await joinAndTick(client, b);
      const id = client.id!;
      serverSocket(a, client).data.note = "kept";

      const ticks = collect<[number, string]>(client, "tick");
      let reconnectErrors = 0;
      client.io.on("reconnect_error", () => reconnectErrors++);
      // events for the client while it is away, sent the moment it sees the close
      client.once("disconnect", () => {
        b.io.to("room1").emit("tick", 1);
        b.io.to(id).emit("tick", 2);
        b.io.to("other-room").emit("tick", 99);
      });
      const reason = once<[string]>(client, "disconnect", 5000);
      const acked = client.timeout(4000).emitWithAck("slow", 300);
      await waitUntil(() => running === 1, "the handler to start");
      const draining = a.io.drain({ deadline: 4000 });
      assert.equal(await acked, "slept 300", "the running handler's acknowledgement arrived");
      assert.equal((await reason)[0], "transport close");
      await withTimeout(draining, 5000, "A's drain");
      assert.equal(a.io.state, "closed");
      // A's process would exit now: its remaining connections go
      balancer.dropTo(a.port);

      await once(client, "connect", 8000);
      assert.equal(client.id, id);
      assert.equal(client.recovered, true);
      const onB = serverSocket(b, client);
      assert.equal(onB.recovered, true);
      assert.ok(onB.rooms.has("room1"));
      assert.deepEqual(onB.data, { user: "ada", note: "kept" });
      const got = (await ticks.waitFor(2, 3000)).map(([n]) => n);
      assert.deepEqual([...got].sort(), [1, 2]);
      if (!mode.sticky) {
        assert.ok(reconnectErrors >= 1, "the first reconnection met A's 503");
      }
      // it lives on B now
      assert.equal(await client.timeout(2000).emitWithAck("slow", 1), "slept 1");
      client.disconnect();
    });
  }
});
