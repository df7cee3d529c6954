/**
 * Broadcasts through Bun's native pub/sub (Bun only): a room or namespace broadcast is
 * published once to the WebSocket sockets that can take it now, and written one by one to the
 * others, so every constraint of a broadcast still holds: `except` and `socket.to`, volatile,
 * binary, long-polling and upgrading clients, order with direct emits, the per-run byte budget,
 * slow consumers, recovery offsets, leaving rooms and namespaces.
 */
import { after, afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type ServerOptions, type SocketIoServer } from "../../mod.ts";
import {
  type ClientSocket,
  closeAll,
  collect,
  connect,
  createClient,
  once,
} from "../_helpers/socketio.ts";
import { sleep, waitUntil } from "../_helpers/wait.ts";
import { closeRawClients, RawWsClient } from "../limits/_raw_ws.ts";

const isBun = "Bun" in globalThis;

interface BunServer {
  readonly port: number;
  upgrade(request: Request, options: unknown): boolean;
  requestIP(request: Request): { address: string } | null;
  timeout(request: Request, seconds: number): void;
  publish(topic: string, data: string | Uint8Array, compress?: boolean): number;
  stop(force?: boolean): Promise<void>;
}

declare const Bun: { serve(options: Record<string, unknown>): BunServer };

interface CountingServer {
  readonly io: SocketIoServer;
  readonly url: string;
  readonly port: number;
  /** Calls of the Bun server's `publish` so far. */
  readonly publishes: number;
  close(): Promise<void>;
}

const running = new Set<CountingServer>();

/** A Socket.IO server on `Bun.serve` whose server object counts `publish` calls. */
function serve(options: ServerOptions = {}): CountingServer {
  const io = createServer(options);
  let publishes = 0;
  let counting: BunServer | undefined;
  const bun = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 0,
    fetch: (request: Request, server: BunServer) => io.fetch(request, counting ??= wrap(server)),
    websocket: io.websocket,
  });
  function wrap(server: BunServer): BunServer {
    return {
      port: server.port,
      upgrade: (request, upgrade) => server.upgrade(request, upgrade),
      requestIP: (request) => server.requestIP(request),
      timeout: (request, seconds) => server.timeout(request, seconds),
      publish(topic, data, compress) {
        publishes++;
        return server.publish(topic, data, compress);
      },
      stop: (force) => server.stop(force),
    };
  }
  const served: CountingServer = {
    io,
    url: `http://127.0.0.1:${bun.port}`,
    port: bun.port,
    get publishes() {
      return publishes;
    },
    async close() {
      running.delete(served);
      await io.close();
      await bun.stop(true);
    },
  };
  running.add(served);
  return served;
}

/** Connects a client and makes its server socket join `room`. */
async function member(
  server: CountingServer,
  room: string,
  transports: ("polling" | "websocket")[] = ["websocket"],
): Promise<ClientSocket> {
  const client = await connect(server.url, { transports });
  server.io.of("/").sockets.get(client.id!)!.join(room);
  return client;
}

describe("broadcasts through Bun's pub/sub", { skip: !isBun }, () => {
  afterEach(async () => {
    await closeAll();
    await closeRawClients();
    for (const server of [...running]) await server.close();
  });
  after(closeAll);

  it("a room broadcast is published once; long-polling members get it written", async () => {
    const server = serve();
    const ws = [await member(server, "r"), await member(server, "r"), await member(server, "r")];
    const polling = await member(server, "r", ["polling"]);
    const outsider = await connect(server.url, { transports: ["websocket"] });
    const got = [...ws, polling].map((client) => collect<[number]>(client, "b"));
    const stray = collect(outsider, "b");
    for (let i = 0; i < 3; i++) server.io.to("r").emit("b", i);
    for (const received of got) {
      assert.deepEqual((await received.waitFor(3)).map(([n]) => n), [0, 1, 2]);
    }
    assert.equal(server.publishes, 3, "one publish per broadcast");
    server.io.emit("b", 3); // the namespace's topic
    for (const received of got) await received.waitFor(4);
    await stray.waitFor(1);
    assert.equal(server.publishes, 4);
  });

  it("socket.to(room) leaves the sender out; except(room) leaves that room out", async () => {
    const server = serve();
    const [a, b, c] = [
      await member(server, "r"),
      await member(server, "r"),
      await member(server, "r"),
    ];
    const sockets = server.io.of("/").sockets;
    sockets.get(c.id!)!.join("x");
    const got = [a, b, c].map((client) => collect<[string]>(client, "b"));
    server.io.to("r").emit("b", "warm"); // every member subscribes
    for (const received of got) await received.waitFor(1);
    sockets.get(a.id!)!.to("r").emit("b", "from a");
    server.io.to("r").except("x").emit("b", "not x");
    server.io.to("r").emit("b", "all");
    await got[0].waitFor(3);
    await got[1].waitFor(4);
    await got[2].waitFor(3);
    await sleep(50);
    assert.deepEqual(got[0].received.map(([s]) => s), ["warm", "not x", "all"]);
    assert.deepEqual(got[1].received.map(([s]) => s), ["warm", "from a", "not x", "all"]);
    assert.deepEqual(got[2].received.map(([s]) => s), ["warm", "from a", "all"]);
  });

  it("volatile and binary broadcasts, and several rooms, are written one by one", async () => {
    const server = serve();
    const [a, b] = [await member(server, "r"), await member(server, "s")];
    const gotA = collect<unknown[]>(a, "b");
    const gotB = collect<unknown[]>(b, "b");
    server.io.to("r").volatile.emit("b", "volatile");
    await gotA.waitFor(1);
    server.io.to("r").emit("b", new Uint8Array([1, 2, 3]));
    server.io.to(["r", "s"]).emit("b", "two rooms");
    await gotA.waitFor(3);
    await gotB.waitFor(1);
    assert.equal(server.publishes, 0);
    assert.deepEqual([...(gotA.received[1][0] as Uint8Array)], [1, 2, 3]);
    // a volatile packet right behind a published frame is dropped, as behind a write
    server.io.to("r").emit("b", "published");
    server.io.of("/").sockets.get(a.id!)!.volatile.emit("b", "dropped");
    server.io.to("r").emit("b", "next");
    await gotA.waitFor(5);
    await sleep(50);
    assert.deepEqual(gotA.received.slice(3).map(([s]) => s), ["published", "next"]);
    assert.equal(server.publishes, 2);
  });

  it("direct emits around a broadcast keep their order; leaving right after still gets it", async () => {
    const server = serve();
    const [a, b] = [await member(server, "r"), await member(server, "r")];
    const gotA = collect<[number]>(a, "o");
    const gotB = collect<[number]>(b, "o");
    server.io.to("r").emit("o", 0);
    await gotA.waitFor(1);
    const socket = server.io.of("/").sockets.get(a.id!)!;
    socket.emit("o", 1);
    server.io.to("r").emit("o", 2);
    socket.emit("o", 3);
    socket.leave("r");
    server.io.to("r").emit("o", 4);
    await gotA.waitFor(4);
    await gotB.waitFor(3);
    await sleep(50);
    assert.deepEqual(gotA.received.map(([n]) => n), [0, 1, 2, 3]);
    assert.deepEqual(gotB.received.map(([n]) => n), [0, 2, 4]);
    assert.equal(server.publishes, 3);
  });

  it("a broadcast right before the server closes a connection still reaches it", async () => {
    const server = serve();
    const { client } = await RawWsClient.session(server.port, "/socket.io/");
    client.send("40");
    const id = JSON.parse((await client.text()).slice(2)).sid;
    const socket = server.io.of("/").sockets.get(id)!;
    socket.join("r");
    server.io.to("r").emit("w", 0); // subscribes
    assert.equal(await client.text(), '42["w",0]');
    server.io.to("r").emit("w", 1);
    socket.conn.close();
    assert.equal(await client.text(), '42["w",1]');
    await client.closed;
    assert.equal(server.publishes, 2);
  });

  it("a burst past the run's byte budget goes on written one by one, in order", async () => {
    const server = serve();
    const clients = [await member(server, "r"), await member(server, "r")];
    const got = clients.map((client) => collect<[number, string]>(client, "n"));
    const text = "t".repeat(1024);
    for (let i = 0; i < 100; i++) server.io.to("r").emit("n", i, text);
    for (const received of got) {
      const numbers = (await received.waitFor(100)).map(([n]) => n);
      assert.deepEqual(numbers, [...Array(100).keys()]);
    }
    assert.ok(server.publishes > 0 && server.publishes < 100, `${server.publishes} published`);
  });

  it("a client upgrading from long-polling gets every broadcast, in order", async () => {
    const server = serve();
    const steady = await member(server, "r");
    const upgrading = createClient(server.url, {});
    await once(upgrading, "connect");
    server.io.of("/").sockets.get(upgrading.id!)!.join("r");
    const got = [steady, upgrading].map((client) => collect<[number]>(client, "u"));
    for (let i = 0; i < 60; i++) {
      server.io.to("r").emit("u", i);
      await sleep(2);
    }
    for (const received of got) {
      assert.deepEqual((await received.waitFor(60)).map(([n]) => n), [...Array(60).keys()]);
    }
    assert.equal(upgrading.io.engine.transport.name, "websocket");
    assert.ok(server.publishes > 0);
  });

  it("a stalled reader falls back to the slow-consumer policy; others get everything", {
    timeout: 30_000,
  }, async () => {
    const KiB = 1024;
    const server = serve({
      slowConsumer: { maxBufferedBytes: 64 * KiB, hardLimitBytes: 128 * KiB },
    });
    const normal = await member(server, "r");
    const ticks = collect<[number]>(normal, "tick");
    const { client } = await RawWsClient.session(server.port, "/socket.io/");
    client.send("40");
    const sid = JSON.parse((await client.text()).slice(2)).sid;
    const stalled = server.io.of("/").sockets.get(sid)!;
    stalled.join("r");
    client.stopReading();
    const text = "s".repeat(2 * KiB);
    let sent = 0;
    while (sent < 20_000 && stalled.connected) {
      server.io.to("r").emit("tick", sent, text);
      sent++;
      if (sent % 4 === 0) await sleep(1);
    }
    assert.equal(stalled.connected, false, `closed within ${sent} broadcasts`);
    await waitUntil(() => ticks.received.length === sent, `${sent} ticks`, 10_000);
    assert.deepEqual(ticks.received.map(([n]) => n), [...Array(sent).keys()]);
    assert.ok(server.publishes > 0);
  });

  it("recovery: one offset per broadcast, the same for every member, missed ones replayed", async () => {
    const server = serve({ connectionStateRecovery: {} });
    const options = {
      transports: ["websocket" as const],
      reconnection: true,
      reconnectionDelay: 50,
    };
    const [a, b] = [
      await connect(server.url, options),
      await connect(server.url, options),
    ];
    for (const client of [a, b]) server.io.of("/").sockets.get(client.id!)!.join("r");
    const gotA = collect<[number, string]>(a, "t");
    const gotB = collect<[number, string]>(b, "t");
    server.io.to("r").emit("t", 0);
    server.io.to("r").emit("t", 1);
    await gotA.waitFor(2);
    await gotB.waitFor(2);
    assert.equal(server.publishes, 2);
    assert.deepEqual(gotA.received, gotB.received, "same offsets");
    server.io.of("/").sockets.get(a.id!)!.conn.close();
    await waitUntil(() => server.io.of("/").sockets.size === 1, "a to drop");
    server.io.to("r").emit("t", 2);
    await once(a, "connect");
    assert.equal(a.recovered, true);
    await gotA.waitFor(3);
    await gotB.waitFor(3);
    assert.deepEqual(gotA.received, gotB.received);
  });

  it("a socket that leaves the namespace leaves its topics; its connection stays", async () => {
    const server = serve();
    server.io.of("/b");
    const peer = await member(server, "r");
    const peerGot = collect<[number]>(peer, "z");
    const { client, sid: _sid } = await RawWsClient.session(server.port, "/socket.io/");
    client.send("40");
    const id = JSON.parse((await client.text()).slice(2)).sid;
    client.send("40/b,");
    assert.match(await client.text(), /^40\/b,/);
    server.io.of("/").sockets.get(id)!.join("r");
    server.io.to("r").emit("z", 1);
    assert.equal(await client.text(), '42["z",1]');
    server.io.of("/").sockets.get(id)!.disconnect();
    assert.equal(await client.text(), "41");
    server.io.to("r").emit("z", 2);
    server.io.emit("z", 3);
    await peerGot.waitFor(3);
    server.io.of("/b").emit("z", 4);
    assert.equal(await client.text(), '42/b,["z",4]', "nothing of / arrived before");
  });
});
