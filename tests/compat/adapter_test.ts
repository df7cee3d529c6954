/**
 * socket.io's `adapter` option with a subclass of socket.io-adapter's `Adapter` (what custom and
 * database adapters extend): rooms, broadcasts (binary too), broadcasts with acknowledgements,
 * fetchSockets, socketsJoin and the room events go through that class; `io.adapter(Class)` after
 * construction gives every namespace a new one and the sockets keep their rooms.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Adapter } from "socket.io-adapter";
import { Server, type Socket } from "../../compat.ts";
import { client, closeCompatTests, listening, once, portOf, track } from "./_compat.ts";

after(closeCompatTests);

/** Counts what socket.io-adapter's in-memory adapter is asked to do. */
const calls: string[] = [];
class CountingAdapter extends Adapter {
  override broadcast(
    packet: Parameters<Adapter["broadcast"]>[0],
    opts: Parameters<Adapter["broadcast"]>[1],
  ) {
    calls.push("broadcast");
    super.broadcast(packet, opts);
  }
  override broadcastWithAck(...args: Parameters<Adapter["broadcastWithAck"]>) {
    calls.push("broadcastWithAck");
    super.broadcastWithAck(...args);
  }
}

async function started(io: Server): Promise<number> {
  await listening(io.httpServer!);
  return portOf(io.httpServer!);
}

describe("compat Server with a socket.io-adapter subclass", () => {
  it("carries rooms, broadcasts, acknowledgements and fetchSockets", async () => {
    const io = track(new Server(0, { adapter: CountingAdapter as never }));
    const port = await started(io);
    const created: string[] = [];
    (io.of("/").adapter as unknown as Adapter).on(
      "create-room",
      (room: string) => created.push(room),
    );
    io.on("connection", (socket: Socket) => {
      socket.join("room1");
      socket.on("ready", (ack: () => void) => ack());
    });
    const a = client(port);
    const b = client(port);
    await Promise.all([once(a, "connect"), once(b, "connect")]);
    await Promise.all([a.emitWithAck("ready"), b.emitWithAck("ready")]);
    assert.ok(io.of("/").adapter instanceof CountingAdapter);
    assert.ok(created.includes("room1"));

    const got = Promise.all([once<Uint8Array>(a, "bytes"), once<Uint8Array>(b, "bytes")]);
    io.to("room1").emit("bytes", new Uint8Array([1, 2, 3]));
    for (const bytes of await got) assert.deepEqual([...new Uint8Array(bytes)], [1, 2, 3]);
    assert.ok(calls.includes("broadcast"));

    a.on("ask", (value: number, ack: (n: number) => void) => ack(value + 1));
    b.on("ask", (value: number, ack: (n: number) => void) => ack(value + 2));
    const answers = await io.timeout(2000).emitWithAck("ask", 1);
    assert.deepEqual((answers as number[]).sort(), [2, 3]);
    assert.ok(calls.includes("broadcastWithAck"));

    const sockets = await io.in("room1").fetchSockets();
    assert.deepEqual(sockets.map((s) => s.id).sort(), [a.id, b.id].sort());
    io.in("room1").socketsJoin("room2");
    assert.equal((await io.in("room2").fetchSockets()).length, 2);
  });

  it("io.adapter(Class) after construction: a new adapter per namespace, rooms kept", async () => {
    const io = track(new Server(0));
    const port = await started(io);
    io.on("connection", (socket: Socket) => socket.join("kept"));
    const a = client(port);
    await once(a, "connect");
    await new Promise((resolve) => setTimeout(resolve, 50));
    io.adapter(CountingAdapter as never);
    assert.ok(io.of("/").adapter instanceof CountingAdapter);
    assert.ok(io.of("/later").adapter instanceof CountingAdapter);
    const got = once<string>(a, "news");
    io.to("kept").emit("news", "still in the room");
    assert.equal(await got, "still in the room");
  });
});
