/**
 * Events both ways with the official socket.io-client, in each transport mode: handler return
 * values as acknowledgements (one, several, none, null), errors as `{ error }` plus `onError`,
 * async handlers, per-socket order, unknown events, server emits with client acknowledgements
 * and timeouts, binary data nested in events and acknowledgements, and volatile emits.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ackArgs, defineGateway, type EventContext, type GatewayErrorContext } from "../../mod.ts";
import {
  bytesOf,
  type ClientSocket,
  closeAll,
  collect,
  connect,
  connected,
  createClient,
  modeOptions,
  MODES,
  once,
  rawSocketIo,
  serverSocket,
  startServer,
  type TestServer,
  upgraded,
} from "../_helpers/socketio.ts";
import { sleep, waitUntil } from "../_helpers/wait.ts";

/** What the server saw of a value that may hold binary: bytes for binary, else the value. */
function describeValue(value: unknown): unknown {
  if (value instanceof ArrayBuffer) return { arrayBuffer: [...new Uint8Array(value)] };
  if (ArrayBuffer.isView(value)) return { bytes: bytesOf(value) };
  if (Array.isArray(value)) return value.map(describeValue);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, describeValue(v)]));
  }
  return value;
}

/** Same as `describeValue`, on the client side where binary comes as Buffer or ArrayBuffer. */
function clientView(value: unknown): unknown {
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return { bin: bytesOf(value) };
  if (Array.isArray(value)) return value.map(clientView);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clientView(v)]));
  }
  return value;
}

/** Emits with a plain acknowledgement callback and resolves with all of its arguments. */
function emitForArgs(client: ClientSocket, event: string, ...args: unknown[]): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    client.timeout(2000).emit(event, ...args, (error: Error | null, ...response: unknown[]) => {
      if (error) reject(error);
      else resolve(response);
    });
  });
}

describe("events with socket.io-client", () => {
  let server: TestServer;
  const errors: { error: unknown; context: GatewayErrorContext }[] = [];
  const sequences = new Map<string, number[]>();

  before(async () => {
    server = await startServer({
      gateways: [defineGateway({
        events: {
          echo: (_socket, ...args: unknown[]) => ackArgs(...args),
          value: () => ({ ok: 1, list: [1, "a", true, null] }),
          text: () => "plain",
          multi: () => ackArgs(1, "two", { three: 3 }),
          nothing: () => undefined,
          nil: () => null,
          boom() {
            throw new Error("boom");
          },
          async rejects() {
            await sleep(1);
            throw new Error("rejected");
          },
          async slow(_socket, ms: number, value: unknown) {
            await sleep(ms);
            return value;
          },
          flag(this: EventContext) {
            return this.ackRequested;
          },
          seq(socket, n: number) {
            const list = sequences.get(socket.id) ?? [];
            list.push(n);
            sequences.set(socket.id, list);
            return n;
          },
          binary: (_socket, ...args: unknown[]) =>
            ackArgs(describeValue(args), {
              back: new Uint8Array([9, 8, 7]),
              list: [new Uint8Array([6]), { deep: new Uint8Array(0) }],
            }),
        },
        onError(error, context) {
          errors.push({ error, context });
        },
      })],
    });
  });
  after(closeAll);

  for (const mode of MODES) {
    describe(mode.name, () => {
      let client: ClientSocket;
      before(async () => {
        client = await connect(server.url, modeOptions(mode));
      });
      after(() => {
        client.disconnect();
      });

      it("the return value is the acknowledgement", async () => {
        assert.deepEqual(await emitForArgs(client, "value"), [{
          ok: 1,
          list: [1, "a", true, null],
        }]);
        assert.deepEqual(await emitForArgs(client, "text"), ["plain"]);
        assert.deepEqual(await emitForArgs(client, "echo", "x", 2, { y: [3] }), ["x", 2, {
          y: [3],
        }]);
      });

      it("ackArgs(...) acknowledges with several arguments", async () => {
        assert.deepEqual(await emitForArgs(client, "multi"), [1, "two", { three: 3 }]);
      });

      it("undefined acknowledges with no argument, null with [null]", async () => {
        assert.deepEqual(await emitForArgs(client, "nothing"), []);
        assert.deepEqual(await emitForArgs(client, "nil"), [null]);
        assert.deepEqual(await emitForArgs(client, "echo"), []);
      });

      it("a thrown error → ack({ error }) and onError(error, { socket, event })", async () => {
        const before = errors.length;
        assert.deepEqual(await emitForArgs(client, "boom"), [{ error: "boom" }]);
        assert.equal(errors.length, before + 1);
        const { error, context } = errors[before];
        assert.ok(error instanceof Error);
        assert.equal(error.message, "boom");
        assert.equal(context.event, "boom");
        assert.equal(context.socket.id, client.id);
      });

      it("a rejected promise → ack({ error }) and onError", async () => {
        const before = errors.length;
        assert.deepEqual(await emitForArgs(client, "rejects"), [{ error: "rejected" }]);
        assert.equal(errors.length, before + 1);
        assert.equal((errors[before].error as Error).message, "rejected");
        assert.equal(errors[before].context.event, "rejects");
      });

      it("async handlers acknowledge with their resolved value", async () => {
        const [a, b] = await Promise.all([
          emitForArgs(client, "slow", 30, "later"),
          emitForArgs(client, "slow", 1, { sooner: true }),
        ]);
        assert.deepEqual(a, ["later"]);
        assert.deepEqual(b, [{ sooner: true }]);
      });

      it("this.ackRequested tells whether the client asked for an ack", async () => {
        assert.deepEqual(await emitForArgs(client, "flag"), [true]);
      });

      it("100 quick emits keep their order, handlers and acknowledgements", async () => {
        const acked: number[] = [];
        const all = Array.from({ length: 100 }, (_, n) =>
          new Promise<void>((resolve, reject) => {
            client.timeout(3000).emit("seq", n, (error: Error | null, value: number) => {
              if (error) return reject(error);
              acked.push(value);
              resolve();
            });
          }));
        await Promise.all(all);
        const expected = Array.from({ length: 100 }, (_, n) => n);
        assert.deepEqual(sequences.get(client.id!), expected);
        assert.deepEqual(acked, expected);
      });

      it("binary nested in objects and arrays goes both ways", async () => {
        const [seen, back] = await emitForArgs(
          client,
          "binary",
          { file: new Uint8Array([1, 2, 3]), name: "f" },
          [new Uint8Array([4]), { deep: new Uint8Array([5, 6]) }],
          new Uint8Array([255, 0]).buffer,
          "text",
        );
        assert.deepEqual(seen, [
          { file: { bytes: [1, 2, 3] }, name: "f" },
          [{ bytes: [4] }, { deep: { bytes: [5, 6] } }],
          { bytes: [255, 0] },
          "text",
        ]);
        assert.deepEqual(clientView(back), {
          back: { bin: [9, 8, 7] },
          list: [{ bin: [6] }, { deep: { bin: [] } }],
        });
      });

      it("server emit with a client acknowledgement (one and several args)", async () => {
        const socket = serverSocket(server, client);
        client.on("question", (n: number, ack: (...args: unknown[]) => void) => ack(n * 2));
        client.on("several", (ack: (...args: unknown[]) => void) => ack(1, "two", { three: 3 }));
        const answer = await new Promise((resolve) => socket.emit("question", 21, resolve));
        assert.equal(answer, 42);
        const args = await new Promise((resolve) =>
          socket.emit("several", (...args: unknown[]) => resolve(args))
        );
        assert.deepEqual(args, [1, "two", { three: 3 }]);
        assert.equal(await socket.emitWithAck("question", 5), 10);
        client.off("question");
        client.off("several");
      });

      it("socket.timeout(ms) acks resolve in time and reject on timeout", async () => {
        const socket = serverSocket(server, client);
        client.on("answer", (ack: (value: string) => void) => ack("yes"));
        client.on("silent", () => {});
        assert.equal(await socket.timeout(2000).emitWithAck("answer"), "yes");
        const viaCallback = await new Promise<unknown[]>((resolve) =>
          socket.timeout(2000).emit("answer", (...args: unknown[]) => resolve(args))
        );
        assert.deepEqual(viaCallback, [null, "yes"]);
        const started = Date.now();
        await assert.rejects(socket.timeout(150).emitWithAck("silent"), {
          message: "operation has timed out",
        });
        assert.ok(Date.now() - started >= 140, "waited for the timeout");
        const timedOut = await new Promise<unknown[]>((resolve) =>
          socket.timeout(50).emit("silent", (...args: unknown[]) => resolve(args))
        );
        assert.equal(timedOut.length, 1);
        assert.equal((timedOut[0] as Error).message, "operation has timed out");
        // the connection is fine afterwards
        assert.equal(await socket.timeout(2000).emitWithAck("answer"), "yes");
        client.off("answer");
        client.off("silent");
      });

      it("binary in server emits and in client acknowledgements", async () => {
        const socket = serverSocket(server, client);
        const received = once<unknown[]>(client, "bin");
        socket.emit("bin", { a: new Uint8Array([1]), b: [new Uint8Array([2, 3])] }, "t", 7);
        assert.deepEqual(clientView(await received), [
          { a: { bin: [1] }, b: [{ bin: [2, 3] }] },
          "t",
          7,
        ]);
        client.on("give", (ack: (value: unknown) => void) => {
          ack({ data: new Uint8Array([10, 11]), more: [new Uint8Array([12])] });
        });
        const answer = await socket.timeout(2000).emitWithAck("give");
        assert.deepEqual(describeValue(answer), {
          data: { bytes: [10, 11] },
          more: [{ bytes: [12] }],
        });
        client.off("give");
      });

      it("an unknown event with an ack gets no ack; the connection stays open", async () => {
        await assert.rejects(client.timeout(200).emitWithAck("no-such-event", 1), {
          message: "operation has timed out",
        });
        assert.equal(client.connected, true);
        assert.deepEqual(await emitForArgs(client, "echo", "still here"), ["still here"]);
      });

      it("a volatile emit on an idle connection arrives", async () => {
        if (mode.upgrades) await upgraded(client);
        const socket = serverSocket(server, client);
        // let the client park its next long-polling GET (polling is writable only then)
        await waitUntil(() => socket.conn.writable, "the connection to be writable");
        const got = once(client, "v");
        socket.volatile.emit("v", 1);
        assert.deepEqual(await got, [1]);
      });

      if (mode.upgrades) {
        it("ends on WebSocket", async () => {
          await upgraded(client);
          assert.equal(client.io.engine.transport.name, "websocket");
          assert.equal(serverSocket(server, client).conn.transport, "websocket");
        });
      }
    });
  }

  it("order holds both ways across the polling → WebSocket upgrade", async () => {
    // each side sends 0..9 once connected, up to 19 when the upgrade starts and up to 29 once
    // it is done (whichever of these already happened when the listeners were attached)
    const client = createClient(server.url);
    const fromServer = collect<[number]>(client, "n");
    const acked: number[] = [];
    let clientNext = 0;
    const clientUpTo = (end: number) => {
      for (; clientNext < end; clientNext++) {
        client.emit("seq", clientNext, (value: number) => acked.push(value));
      }
    };
    client.io.engine.on("upgrading", () => clientUpTo(20));
    client.io.engine.on("upgrade", () => clientUpTo(30));
    await connected(client);
    clientUpTo(10);
    const socket = serverSocket(server, client);
    let serverNext = 0;
    const serverUpTo = (end: number) => {
      for (; serverNext < end; serverNext++) socket.emit("n", serverNext);
    };
    serverUpTo(10);
    socket.conn.on("upgrading", () => serverUpTo(20));
    socket.conn.on("upgrade", () => serverUpTo(30));
    if (socket.conn.transport === "websocket") serverUpTo(30);
    await upgraded(client);
    const expected = Array.from({ length: 30 }, (_, n) => n);
    await waitUntil(() => acked.length === 30, "30 acknowledgements");
    await fromServer.waitFor(30);
    assert.deepEqual(acked, expected);
    assert.deepEqual(sequences.get(client.id!), expected);
    assert.deepEqual(fromServer.received.map(([n]) => n), expected);
    client.disconnect();
  });

  it("an acknowledgement due after the client left is dropped quietly", async () => {
    const client = await connect(server.url, { transports: ["websocket"] });
    const before = errors.length;
    client.emit("slow", 50, "too late", () => {});
    client.disconnect();
    await sleep(100);
    assert.equal(errors.length, before);
    const other = await connect(server.url, { transports: ["websocket"] });
    assert.deepEqual(await emitForArgs(other, "echo", 1), [1]);
    other.disconnect();
  });

  it("volatile emits are dropped while long-polling cannot write", async () => {
    const client = await connect(server.url, { transports: ["polling"] });
    const socket = serverSocket(server, client);
    const volatile = collect<[number]>(client, "v");
    await waitUntil(() => socket.conn.writable, "a parked GET");
    for (let i = 0; i < 20; i++) socket.volatile.emit("v", i);
    const end = once(client, "end");
    socket.emit("end");
    await end;
    const values = volatile.received.map(([n]) => n);
    assert.ok(values.length >= 1 && values.length < 20, `got ${values.length} of 20`);
    assert.equal(values[0], 0);
    client.disconnect();
  });

  it("volatile emits behind a write still in flight on a WebSocket are dropped", async () => {
    const client = await connect(server.url, { transports: ["websocket"] });
    const socket = serverSocket(server, client);
    const received = collect<[string]>(client, "v");
    await sleep(20);
    // as in socket.io: a write leaves the WebSocket busy until the code that made it returns
    socket.emit("v", "regular");
    socket.volatile.emit("v", "dropped: behind a regular write");
    await sleep(20);
    socket.volatile.emit("v", "first volatile");
    socket.volatile.emit("v", "dropped: behind a volatile write");
    await sleep(20);
    server.io.sockets.volatile.emit("v", "broadcast");
    const end = once(client, "end");
    await sleep(20);
    socket.emit("end");
    await end;
    assert.deepEqual(received.received.map(([text]) => text), [
      "regular",
      "first volatile",
      "broadcast",
    ]);
    client.disconnect();
  });

  it("errors of events sent without an ack go to onError only", async () => {
    const client = await connect(server.url, { transports: ["websocket"] });
    const before = errors.length;
    client.emit("boom");
    client.emit("rejects");
    await waitUntil(() => errors.length >= before + 2, "two onError calls");
    assert.deepEqual(errors.slice(before).map((e) => e.context.event).sort(), ["boom", "rejects"]);
    assert.equal(client.connected, true);
    client.disconnect();
  });

  it("a handler's value is dropped when no ack was asked (wire)", async () => {
    const { socket } = await rawSocketIo(server);
    socket.send('42["value"]');
    socket.send('42["boom"]');
    socket.send('42["flag"]');
    socket.send('421["echo","x"]');
    socket.send('422["flag"]');
    assert.equal(await socket.text(), '431["x"]');
    assert.equal(await socket.text(), "432[true]");
    await sleep(20);
    assert.equal(socket.pendingMessages, 0);
    await socket.close();
  });
});
