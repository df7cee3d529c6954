/**
 * Broadcasts through a runtime's native topics, on any runtime: a fake Bun server and fake Bun
 * sockets (subscribe, publish, a buffered amount the test sets) driven through `io.fetch` and
 * `io.websocket`, so who gets a published frame and who gets it written is checked exactly:
 * buffered sockets, outgoing listeners, `except` and `socket.to`, acknowledgements, rooms left.
 */
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type ServerOptions, type SocketIoServer } from "../../mod.ts";

type Frame = string | Uint8Array;

class FakeBunServer {
  readonly sockets = new Set<FakeBunSocket>();
  /** `server.publish` calls, and `ws.publish` calls. */
  publishes = 0;
  socketPublishes = 0;
  #upgraded: unknown;

  constructor(private readonly io: SocketIoServer) {}

  upgrade(_request: Request, options: { data: unknown }): boolean {
    this.#upgraded = options.data;
    return true;
  }

  requestIP(): { address: string } {
    return { address: "127.0.0.1" };
  }

  publish(topic: string, data: Frame, _compress?: boolean): number {
    this.publishes++;
    this.deliver(topic, data);
    return 1;
  }

  deliver(topic: string, data: Frame, except?: FakeBunSocket): void {
    for (const socket of this.sockets) {
      if (socket !== except && socket.readyState === 1 && socket.topics.has(topic)) {
        socket.published.push(data);
        socket.receive(data);
      }
    }
  }

  /** Opens a WebSocket session on "/" and returns the socket with its socket id. */
  async connect(): Promise<{ ws: FakeBunSocket; id: string }> {
    const request = new Request("http://127.0.0.1/socket.io/?EIO=4&transport=websocket", {
      headers: {
        upgrade: "websocket",
        connection: "Upgrade",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        "sec-websocket-version": "13",
      },
    });
    await this.io.fetch(request, this);
    const ws = new FakeBunSocket(this, this.#upgraded);
    this.sockets.add(ws);
    this.io.websocket.open(ws as never);
    assert.match(String(ws.frames.shift()), /^0\{/);
    this.io.websocket.message(ws as never, "40");
    await waitFor(() => ws.frames.length > 0);
    const reply = String(ws.frames.shift());
    assert.match(reply, /^40\{/);
    return { ws, id: JSON.parse(reply.slice(2)).sid };
  }
}

class FakeBunSocket {
  readyState = 1;
  buffered = 0;
  readonly frames: Frame[] = [];
  readonly published: Frame[] = [];
  readonly topics = new Set<string>();

  constructor(private readonly server: FakeBunServer, readonly data: unknown) {}

  /** A stalled peer: every frame stays in the buffered amount. */
  stalled = false;

  send(data: Frame): number {
    if (this.readyState === 1) this.receive(data);
    return 1;
  }

  receive(data: Frame): void {
    this.frames.push(data);
    if (this.stalled) this.buffered += typeof data === "string" ? data.length : data.byteLength;
  }

  close(): void {
    this.readyState = 3;
  }

  getBufferedAmount(): number {
    return this.buffered;
  }

  subscribe(topic: string): void {
    this.topics.add(topic);
  }

  unsubscribe(topic: string): void {
    this.topics.delete(topic);
  }

  publish(topic: string, data: Frame): number {
    this.server.socketPublishes++;
    this.server.deliver(topic, data, this);
    return 1;
  }

  /** Frames received since the last call, as text. */
  take(): string[] {
    return this.frames.splice(0).map(String);
  }
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(condition(), "condition within 1 s");
}

const servers: SocketIoServer[] = [];

function start(options: ServerOptions = {}): { io: SocketIoServer; bun: FakeBunServer } {
  const io = createServer(options);
  servers.push(io);
  return { io, bun: new FakeBunServer(io) };
}

describe("broadcasts through native topics (a fake Bun)", () => {
  afterEach(async () => {
    for (const io of servers.splice(0)) await io.close();
  });

  it("publishes a room broadcast once to its members; a buffered socket gets it written", async () => {
    const { io, bun } = start();
    const a = await bun.connect();
    const b = await bun.connect();
    const outsider = await bun.connect();
    for (const { id } of [a, b]) io.of("/").sockets.get(id)!.join("r");
    io.to("r").emit("e", 1);
    assert.equal(bun.publishes, 1);
    assert.deepEqual(a.ws.take(), ['42["e",1]']);
    assert.deepEqual(b.ws.take(), ['42["e",1]']);
    assert.deepEqual(outsider.ws.take(), []);

    // b stops reading: once what it holds nears 16 KiB, it gets broadcasts written
    b.ws.stalled = true;
    const big = "x".repeat(4000);
    for (let i = 0; i < 6; i++) {
      io.to("r").emit("e", big);
      await new Promise((resolve) => setTimeout(resolve, 0)); // a new run: a new byte budget
    }
    assert.equal(a.ws.take().length, 6);
    assert.equal(b.ws.take().length, 6);
    assert.equal(a.ws.published.length, 7);
    assert.ok(b.ws.published.length < 7, `${b.ws.published.length - 1} of 6 published to b`);
    assert.equal(b.ws.topics.size, 0, "and out of the topic meanwhile");

    b.ws.stalled = false;
    b.ws.buffered = 0;
    const publishedToB = b.ws.published.length;
    io.to("r").emit("e", 3);
    assert.equal(b.ws.published.length, publishedToB + 1, "published again once drained");
    const publishes = bun.publishes;
    io.emit("all");
    assert.equal(bun.publishes, publishes + 1);
    assert.deepEqual(outsider.ws.take(), ['42["all"]']);
  });

  it("the slow-consumer limit bounds what is published (maxBufferedBytes below 16 KiB)", async () => {
    const { io, bun } = start({ slowConsumer: { maxBufferedBytes: 100 } });
    const a = await bun.connect();
    io.of("/").sockets.get(a.id)!.join("r");
    io.to("r").emit("e", "x".repeat(50));
    assert.equal(bun.publishes, 1);
    io.to("r").emit("e", "x".repeat(200)); // the frame alone passes the limit
    assert.equal(bun.publishes, 1);
    assert.equal(a.ws.take().length, 2);
  });

  it("socket.to(room) publishes through the sender; except(room) takes members out", async () => {
    const { io, bun } = start();
    const [a, b, c] = [await bun.connect(), await bun.connect(), await bun.connect()];
    const sockets = io.of("/").sockets;
    for (const { id } of [a, b, c]) sockets.get(id)!.join("r");
    sockets.get(c.id)!.join("x");
    io.to("r").emit("e", 0);
    sockets.get(a.id)!.to("r").emit("e", 1);
    assert.equal(bun.socketPublishes, 1);
    io.to("r").except("x").emit("e", 2);
    io.to("r").emit("e", 3);
    assert.deepEqual(a.ws.take(), ['42["e",0]', '42["e",2]', '42["e",3]']);
    assert.deepEqual(b.ws.take(), ['42["e",0]', '42["e",1]', '42["e",2]', '42["e",3]']);
    assert.deepEqual(c.ws.take(), ['42["e",0]', '42["e",1]', '42["e",3]']);
  });

  it("a socket with an outgoing listener gets the packet written and its listener called", async () => {
    const { io, bun } = start();
    const [a, b] = [await bun.connect(), await bun.connect()];
    const seen: unknown[][] = [];
    io.of("/").sockets.get(b.id)!.onAnyOutgoing((...args) => seen.push(args));
    io.emit("e", 1);
    assert.equal(bun.publishes, 1);
    assert.deepEqual(a.ws.published, ['42["e",1]']);
    assert.deepEqual(b.ws.published, []);
    assert.deepEqual(b.ws.take(), ['42["e",1]']);
    assert.deepEqual(seen, [["e", 1]]);
  });

  it("a broadcast with acknowledgements is published once and collects every one", async () => {
    const { io, bun } = start();
    const [a, b] = [await bun.connect(), await bun.connect()];
    const answers = io.timeout(1000).emitWithAck("q");
    assert.equal(bun.publishes, 1);
    const [frameA] = a.ws.take();
    assert.match(frameA, /^42\d+\["q"\]$/);
    assert.deepEqual(b.ws.take(), [frameA]);
    const ackId = frameA.slice(2, frameA.indexOf("["));
    io.websocket.message(a.ws as never, `43${ackId}["a"]`);
    io.websocket.message(b.ws as never, `43${ackId}["b"]`);
    assert.deepEqual((await answers).sort(), ["a", "b"]);
  });

  it("leaving a room or the namespace leaves the topics; binary and volatile are written", async () => {
    const { io, bun } = start();
    const a = await bun.connect();
    const socket = io.of("/").sockets.get(a.id)!;
    socket.join("r");
    io.to("r").emit("e");
    assert.equal(a.ws.topics.size, 1);
    socket.leave("r");
    assert.equal(a.ws.topics.size, 0);
    io.emit("e");
    io.to("r").emit("e");
    assert.equal(a.ws.topics.size, 1);
    io.sockets.volatile.emit("v");
    io.emit("bin", new Uint8Array([1]));
    assert.equal(bun.publishes, 2);
    const frames = a.ws.take();
    // the volatile packet is dropped: a frame was published to the socket in this run
    assert.deepEqual(frames.slice(0, 3), [
      '42["e"]',
      '42["e"]',
      '451-["bin",{"_placeholder":true,"num":0}]',
    ]);
    assert.equal(frames.length, 4);
    await new Promise((resolve) => setTimeout(resolve, 0));
    io.sockets.volatile.emit("v");
    assert.deepEqual(a.ws.take(), ['42["v"]'], "a later run sends it");
    socket.disconnect();
    assert.equal(a.ws.topics.size, 0);
  });
});
