/**
 * A cluster without sticky sessions: three nodes (our fixture under Deno, Bun and Node, each
 * with the Redis adapter and a session relay) behind a round-robin HTTP + WebSocket proxy with
 * no affinity (tests/cluster/round_robin_proxy.mjs): every request, and every WebSocket
 * upgrade, goes to the next node. Polling-only, WebSocket-only and default socket.io-client
 * clients connect, emit with acks, join rooms and hear broadcasts from other nodes; order is
 * kept; a node that stops takes only its own sessions (and the WebSockets it carried).
 * Also measured against a sticky proxy (affinity by the sid's node): the added latency per
 * polled packet, and the Redis messages per event. Skipped only when Redis is unreachable
 * outside CI.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createClient as createRedisClient } from "redis";
import { type ClientSocket, closeAll, connect, MODES, WAIT_MS } from "../_helpers/socketio.ts";
import { fixtureCommand, type SpawnedServer, spawnServer } from "../_helpers/spawn_fixture.ts";
import { sleep, waitUntil } from "../_helpers/wait.ts";
import {
  CLUSTER_DEPS,
  clusterSkip,
  REDIS_URL,
  redisReachable,
  uniqueKey,
} from "./cluster_nodes.ts";

const skip = await clusterSkip();
const RUNTIMES = ["deno", "bun", "node"] as const;
/** Slow enough for a loaded machine, fast enough that a dead owner shows within seconds. */
const PING = { PING_INTERVAL: "1000", PING_TIMEOUT: "1500" };

interface Node {
  readonly id: string;
  readonly port: number;
  readonly server: SpawnedServer;
}

function ack(socket: ClientSocket, event: string, ...args: unknown[]): Promise<unknown> {
  return socket.timeout(WAIT_MS * 2).emitWithAck(event, ...args);
}

/** The node that owns a client's session (its sid's prefix). */
function ownerOf(socket: ClientSocket): string {
  const sid = socket.io.engine.id;
  return sid.slice(0, sid.indexOf("."));
}

function startProxy(nodes: Node[], sticky: boolean): Promise<SpawnedServer> {
  return spawnServer(["node", "tests/cluster/round_robin_proxy.mjs"], {
    BACKENDS: nodes.map((node) => node.port).join(","),
    NODE_IDS: nodes.map((node) => node.id).join(","),
    AFFINITY: sticky ? "sid" : "",
  }, sticky ? "sticky proxy" : "round-robin proxy");
}

async function proxyReport(port: number) {
  const response = await fetch(`http://127.0.0.1:${port}/__proxy`);
  return await response.json() as {
    upgrades: { sid: string | null; port: number }[];
    requests: Record<string, number>;
  };
}

describe("a cluster behind a round-robin balancer, without sticky sessions", { skip }, () => {
  const key = uniqueKey("sticky-free");
  const nodes: Node[] = [];
  let proxy: SpawnedServer | undefined;
  let stickyProxy: SpawnedServer | undefined;
  const url = () => `http://127.0.0.1:${proxy!.port}`;
  const clients = new Map<string, ClientSocket>();

  after(async () => {
    await closeAll().catch(() => {});
    await Promise.allSettled([proxy?.stop(), stickyProxy?.stop()]);
    await Promise.allSettled(nodes.map((node) => node.server.stop()));
  });

  it("starts three nodes (Deno, Bun, Node) and the proxy", { timeout: 120_000 }, async () => {
    assert.ok(await redisReachable(), `Redis is not reachable at ${REDIS_URL} (CI: not skipped)`);
    const runtimes = RUNTIMES.filter((runtime) => fixtureCommand(runtime) !== undefined);
    assert.ok(runtimes.length >= 2, "at least two runtimes (SIO_TSX_LOADER adds Node)");
    const started = await Promise.all(runtimes.map(async (runtime) => {
      const id = `${runtime}-${Math.random().toString(36).slice(2, 6)}`;
      const server = await spawnServer(fixtureCommand(runtime)!, {
        REDIS_URL,
        REDIS_KEY: key,
        CLUSTER_DEPS,
        RELAY_NODE_ID: id,
        ...PING,
      }, `${runtime} fixture`);
      return { id, port: server.port, server };
    }));
    nodes.push(...started);
    proxy = await startProxy(nodes, false);
    stickyProxy = await startProxy(nodes, true);
  });

  for (const mode of MODES) {
    it(`connects a ${mode.name} client and acks every event`, { timeout: 30_000 }, async () => {
      assert.ok(proxy, "the cluster did not start");
      const socket = await connect(url(), { transports: mode.transports, timeout: WAIT_MS * 2 });
      clients.set(mode.name, socket);
      for (let i = 0; i < 10; i++) {
        assert.equal(await ack(socket, "message-with-ack", i, { i }), i);
      }
      const me = await ack(socket, "whoami") as { id: string };
      assert.equal(me.id, socket.id);
      if (mode.upgrades) {
        await waitUntil(
          () => socket.io.engine.transport.name === "websocket",
          "the upgrade through the proxy",
          WAIT_MS * 3,
        );
        assert.equal(await ack(socket, "message-with-ack", "after"), "after");
      }
    });
  }

  it("joins rooms and hears broadcasts sent from other nodes", { timeout: 30_000 }, async () => {
    assert.equal(clients.size, MODES.length, "the clients did not connect");
    const sockets = [...clients.values()];
    const heard = sockets.map(() => [] as unknown[][]);
    sockets.forEach((socket, index) =>
      socket.on("broadcast", (...args: unknown[]) => heard[index].push(args))
    );
    for (const socket of sockets) assert.equal(await ack(socket, "join", "sticky-room"), true);
    for (const [from, socket] of sockets.entries()) {
      socket.emit("broadcast-room", "sticky-room", "from", from);
    }
    await waitUntil(
      () => heard.every((list) => list.length === sockets.length),
      "every broadcast at every client",
      WAIT_MS * 3,
    );
    for (const list of heard) {
      assert.deepEqual(list.map((args) => args[1]).sort(), sockets.map((_, i) => i));
    }
  });

  it("keeps the order of many packets both ways", { timeout: 60_000 }, async () => {
    assert.equal(clients.size, MODES.length, "the clients did not connect");
    const COUNT = 300;
    for (const socket of clients.values()) {
      const back: number[] = [];
      socket.on("message-back", (n: number) => back.push(n));
      for (let n = 0; n < COUNT; n++) socket.emit("message", n);
      await waitUntil(() => back.length === COUNT, "every message back", WAIT_MS * 5);
      assert.deepEqual(back, Array.from({ length: COUNT }, (_, n) => n));
      socket.off("message-back");
    }
  });

  it("measures the added latency per polled packet and the Redis messages per event", {
    timeout: 90_000,
  }, async () => {
    assert.ok(proxy && stickyProxy, "the cluster did not start");
    const ROUNDS = 60;
    // the earlier clients' heartbeats would count as relayed messages
    for (const socket of clients.values()) socket.disconnect();
    await sleep(200);
    const monitor = createRedisClient({ url: REDIS_URL });
    await monitor.connect();
    let relayed = 0;
    let adapter = 0;
    await monitor.pSubscribe(`${key}*`, (_message, channel) => {
      if (channel.includes("#relay#")) relayed++;
      else adapter++;
    });
    try {
      const figures: string[] = [];
      for (const [name, port] of [["sticky", stickyProxy.port], ["round-robin", proxy.port]]) {
        for (const mode of [MODES[0], MODES[2]]) {
          const socket = await connect(`http://127.0.0.1:${port}`, {
            transports: mode.transports,
            timeout: WAIT_MS * 2,
          });
          if (mode.upgrades) {
            await waitUntil(
              () => socket.io.engine.transport.name === "websocket",
              "the upgrade",
              WAIT_MS * 3,
            );
          }
          await ack(socket, "message-with-ack", "warm-up");
          await sleep(50);
          relayed = 0;
          adapter = 0;
          const started = performance.now();
          for (let i = 0; i < ROUNDS; i++) await ack(socket, "message-with-ack", i);
          const perRound = (performance.now() - started) / ROUNDS;
          await sleep(100);
          figures.push(
            `${name} ${mode.upgrades ? "upgraded" : "polling"}: ${
              perRound.toFixed(2)
            } ms per ack round trip, ${(relayed / ROUNDS).toFixed(2)} relay messages per event`,
          );
          socket.disconnect();
        }
      }
      console.log(`sticky-free cluster figures (${ROUNDS} rounds):\n  ${figures.join("\n  ")}`);
      assert.equal(adapter, 0, "an ack crosses no adapter channel");
    } finally {
      await monitor.close().catch(() => {});
    }
  });

  it("loses only the sessions of a node that stops (and the WebSockets it carried)", {
    timeout: 60_000,
  }, async () => {
    assert.ok(proxy && nodes.length >= 2, "the cluster did not start");
    const victim = nodes[0];
    const sockets: ClientSocket[] = [];
    // enough clients of every mode that each node owns some
    for (let round = 0; round < 3; round++) {
      for (const mode of MODES) {
        const socket = await connect(url(), { transports: mode.transports, timeout: WAIT_MS * 2 });
        if (mode.upgrades) {
          await waitUntil(
            () => socket.io.engine.transport.name === "websocket",
            "the upgrade",
            WAIT_MS * 3,
          );
        }
        await ack(socket, "join", "survivors");
        sockets.push(socket);
      }
    }
    const { upgrades } = await proxyReport(proxy.port);
    const carriedByVictim = new Set(
      upgrades.filter((upgrade) => upgrade.port === victim.port).map((upgrade) => upgrade.sid),
    );
    const doomed = (socket: ClientSocket) =>
      ownerOf(socket) === victim.id || carriedByVictim.has(socket.io.engine.id);
    const survivors = sockets.filter((socket) => !doomed(socket));
    const lost = sockets.filter(doomed);
    assert.ok(lost.some((socket) => ownerOf(socket) === victim.id), "the victim owns sessions");
    assert.ok(survivors.length > 0, "other nodes own sessions");
    const ids = new Map(survivors.map((socket) => [socket, socket.id]));
    const sids = new Map(sockets.map((socket) => [socket, socket.io.engine.id]));
    const disconnected = new Set<ClientSocket>();
    for (const socket of sockets) socket.on("disconnect", () => disconnected.add(socket));

    // as a balancer does before a node stops: out of rotation, then the polls it carries for
    // other nodes' sessions end within a heartbeat (a request cut mid-way ends any session)
    await fetch(`http://127.0.0.1:${proxy.port}/__proxy/drain?port=${victim.port}`, {
      method: "POST",
    });
    await sleep(Number(PING.PING_INTERVAL) + 500);
    await victim.server.stop();
    await waitUntil(
      () => lost.every((socket) => disconnected.has(socket)),
      "the killed node's sessions to end",
      15_000,
    );
    // a few heartbeats later, everything else is still there, with its ids
    await sleep(3000);
    for (const socket of survivors) {
      assert.ok(!disconnected.has(socket), `${sids.get(socket)} survived`);
      assert.equal(socket.id, ids.get(socket));
    }
    const heard = new Set<ClientSocket>();
    for (const socket of survivors) socket.on("broadcast", () => heard.add(socket));
    survivors[0].emit("broadcast-room", "survivors", "after the kill");
    await waitUntil(
      () => survivors.every((socket) => heard.has(socket)),
      "a broadcast after the kill at every survivor",
      WAIT_MS * 3,
    );
    for (const socket of survivors) {
      assert.equal(await ack(socket, "message-with-ack", "still"), "still");
    }
  });
});
