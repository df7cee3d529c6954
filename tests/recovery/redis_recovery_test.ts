/**
 * Connection state recovery across servers: two in-process servers share one Redis (Redis
 * adapter, recovery on). The socket.io-client reaches them through a small TCP proxy; the test
 * kills the connection and points the proxy at the other server, where the client — on its
 * own, with its pid and last offset — gets back its id, rooms, data and the events it missed.
 */
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createConnection, createServer as createTcpServer, type Socket } from "node:net";
import { createClient } from "redis";
import { createRedisAdapter } from "../../redis.ts";
import { defineGateway } from "../../mod.ts";
import {
  type ClientSocket,
  closeAll,
  collect,
  connected,
  createClient as createIoClient,
  once,
  serverSocket,
  startServer,
  type TestServer,
} from "../_helpers/socketio.ts";
import { waitUntil } from "../_helpers/wait.ts";
import { clusterSkip, REDIS_URL, uniqueKey } from "../cluster/cluster_nodes.ts";

const skip = await clusterSkip();

type Redis = ReturnType<typeof createClient>;

/** A TCP proxy on 127.0.0.1 forwarding to `target`, which the test may switch. */
interface Proxy {
  readonly url: string;
  target: number;
  /** Destroys every proxied connection (the client sees its transport close). */
  dropAll(): void;
  close(): Promise<void>;
}

async function startProxy(target: number): Promise<Proxy> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const proxy: { target: number } = { target };
  const server = createTcpServer((inbound) => {
    track(inbound);
    const outbound = createConnection({ host: "127.0.0.1", port: proxy.target });
    track(outbound);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    inbound.on("close", () => outbound.destroy());
    outbound.on("close", () => inbound.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    url: `http://127.0.0.1:${port}`,
    get target() {
      return proxy.target;
    },
    set target(value: number) {
      proxy.target = value;
    },
    dropAll,
    close() {
      dropAll();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe("connection state recovery across servers (Redis)", { skip }, () => {
  const key = uniqueKey("recovery");
  const connections: Redis[] = [];
  let a: TestServer;
  let b: TestServer;
  let proxy: Proxy;
  let connects = 0;

  async function redis(): Promise<Redis> {
    const client = createClient({ url: REDIS_URL });
    client.on("error", () => {});
    await client.connect();
    connections.push(client);
    return client;
  }

  const gateway = defineGateway({
    connect(socket) {
      connects++;
      socket.data.user = "ada";
    },
    events: {
      async join(socket, room: string) {
        await socket.join(room);
        return true;
      },
    },
  });

  async function node(): Promise<TestServer> {
    const [pub, sub] = await Promise.all([redis(), redis()]);
    const started = await startServer({
      gateways: [gateway],
      adapter: createRedisAdapter(pub, sub, { key, requestsTimeout: 500 }),
      connectionStateRecovery: { maxDisconnectionDuration: 5000 },
    });
    await started.io.of("/").adapter.init();
    return started;
  }

  before(async () => {
    a = await node();
    b = await node();
  });
  afterEach(async () => {
    await proxy?.close();
  });
  after(async () => {
    await closeAll().catch(() => {});
    await Promise.allSettled(connections.map((client) => client.close()));
  });

  /** A client on A through the proxy, in room1, holding an offset. */
  async function clientOnA(): Promise<ClientSocket> {
    proxy = await startProxy(a.port);
    const client = createIoClient(proxy.url, {
      transports: ["websocket"],
      reconnection: true,
      reconnectionDelay: 100,
      reconnectionDelayMax: 100,
      randomizationFactor: 0,
    });
    await connected(client);
    assert.equal(await client.timeout(2000).emitWithAck("join", "room1"), true);
    const first = once<[number, string]>(client, "tick");
    b.io.to("room1").emit("tick", 0); // from the other server, through Redis
    assert.equal((await first)[0], 0);
    return client;
  }

  it("recovers on the other server with id, rooms, data and missed events", async () => {
    const client = await clientOnA();
    const id = client.id!;
    serverSocket(a, client).data.note = "kept";
    const ticks = collect<[number, string]>(client, "tick");
    const connectsBefore = connects;
    proxy.target = b.port;
    proxy.dropAll();
    await waitUntil(() => a.io.sockets.sockets.size === 0, "the socket to leave A");
    // missed events sent from both servers, while the client is away
    a.io.to("room1").emit("tick", 1);
    b.io.to("room1").emit("tick", 2);
    a.io.to(id).emit("tick", 3);
    b.io.to("other-room").emit("tick", 99);
    await once(client, "connect");
    assert.equal(client.id, id);
    assert.equal(client.recovered, true);
    const onB = serverSocket(b, client);
    assert.equal(onB.recovered, true);
    assert.ok(onB.rooms.has("room1"));
    assert.deepEqual(onB.data, { user: "ada", note: "kept" });
    assert.equal(connects, connectsBefore, "middlewares skipped");
    const got = (await ticks.waitFor(3)).map(([n]) => n);
    // each server's packets in its order; between servers, the order they reached Redis
    assert.deepEqual([...got].sort(), [1, 2, 3]);
    assert.ok(got.indexOf(1) < got.indexOf(3), `A's packets in order: ${got}`);
    // and it lives on B now: broadcasts from A reach it through Redis
    const next = once<[number, string]>(client, "tick");
    a.io.to("room1").emit("tick", 4);
    assert.equal((await next)[0], 4);
    client.disconnect();
  });

  it("recovers a session once only, and not with a forged offset", async () => {
    const client = await clientOnA();
    const { _pid: pid } = client as unknown as { _pid: string };
    client.io.reconnection(false);
    proxy.dropAll();
    await waitUntil(() => a.io.sockets.sockets.size === 0, "the socket to leave A");
    const forged = createIoClient(b.url, {
      transports: ["websocket"],
      auth: { pid, offset: "forged" },
    });
    await connected(forged);
    assert.equal(serverSocket(b, forged).recovered, false);
    assert.notEqual(forged.id, client.id);
    forged.disconnect();
  });
});
