/**
 * socket.io-client 2.x (Engine.IO v3, Socket.IO protocol v4) against
 * `createServer({ allowEIO3: true })`, in each transport mode: the implicit main namespace, a
 * namespace with a query for auth, events, acknowledgements and binary both ways,
 * disconnects, and a heartbeat that keeps the session past pingInterval + pingTimeout.
 */
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
// @ts-types="./socket_io_client_v2.d.ts"
import ioV2 from "socket.io-client-v2";
import { ackArgs, defineGateway } from "../../mod.ts";
import { startServer, type TestServer, WAIT_MS } from "../_helpers/socketio.ts";
import { sleep, waitUntil, withTimeout } from "../_helpers/wait.ts";
import type { V2Socket } from "./socket_io_client_v2.d.ts";

const MODES = [
  { name: 'transports ["polling"]', transports: ["polling"] },
  { name: 'transports ["websocket"]', transports: ["websocket"] },
  { name: "default transports (polling then upgrade)", transports: undefined },
] as const;

const PING_INTERVAL = 150;
const PING_TIMEOUT = 100;

function next(socket: V2Socket, event: string, ms = WAIT_MS): Promise<unknown[]> {
  return withTimeout(
    new Promise<unknown[]>((resolve) => socket.once(event, (...args) => resolve(args))),
    ms,
    `v2 client event "${event}"`,
  );
}

function ack(socket: V2Socket, event: string, ...args: unknown[]): Promise<unknown[]> {
  return withTimeout(
    new Promise<unknown[]>((resolve) =>
      socket.emit(event, ...args, (...r: unknown[]) => resolve(r))
    ),
    WAIT_MS,
    `the acknowledgement of "${event}"`,
  );
}

function bytes(value: unknown): number[] {
  assert.ok(value instanceof Uint8Array || value instanceof ArrayBuffer, `binary: ${value}`);
  return [...new Uint8Array(value instanceof ArrayBuffer ? value : value)];
}

for (const mode of MODES) {
  describe(`socket.io-client 2.x, ${mode.name}`, () => {
    let server: TestServer;
    const clients: V2Socket[] = [];
    const reasons = new Map<string, string>();

    const connect = (nsp = "/", query?: Record<string, string>): V2Socket => {
      const socket = ioV2(server.url + nsp, {
        forceNew: true,
        reconnection: false,
        timeout: WAIT_MS,
        ...(mode.transports ? { transports: [...mode.transports] } : {}),
        ...(query ? { query } : {}),
      });
      clients.push(socket);
      return socket;
    };
    const connected = async (nsp = "/", query?: Record<string, string>) => {
      const socket = connect(nsp, query);
      await next(socket, "connect");
      if (mode.transports === undefined) {
        await waitUntil(
          () => socket.io.engine.transport.name === "websocket",
          "the upgrade",
          10_000,
        );
      }
      return socket;
    };

    before(async () => {
      server = await startServer({
        allowEIO3: true,
        pingInterval: PING_INTERVAL,
        pingTimeout: PING_TIMEOUT,
        gateways: [
          defineGateway({
            events: {
              echo: (_socket, ...args: unknown[]) => ackArgs(...args),
              whoami: (socket) => ({ id: socket.id }),
              async ask(socket, question: string) {
                return await socket.timeout(WAIT_MS).emitWithAck("question", question);
              },
              async askBytes(socket) {
                const reply = await socket.timeout(WAIT_MS).emitWithAck("give");
                return { isBytes: reply instanceof Uint8Array, bytes: [...(reply as Uint8Array)] };
              },
              sendBinary(socket) {
                socket.emit("binary", new Uint8Array([1, 2, 3]), { nested: new Uint8Array([4]) });
                return true;
              },
              kick(socket) {
                setTimeout(() => socket.disconnect(), 10);
                return true;
              },
            },
            disconnect(socket, reason) {
              reasons.set(socket.id, reason);
            },
          }),
          defineGateway({
            namespace: "/chat",
            connect(socket, auth) {
              if (auth.token !== "secret") throw new Error("unauthorized");
              socket.data.token = auth.token;
            },
            events: {
              hello: (socket, name: string) => ({ hi: name, id: socket.id, nsp: socket.nsp.name }),
            },
          }),
        ],
      });
    });

    afterEach(() => {
      for (const socket of clients.splice(0)) socket.close();
    });

    after(async () => await server.close());

    it("connects to the main namespace without a CONNECT, with the Engine.IO id", async () => {
      const socket = await connected();
      const [info] = await ack(socket, "whoami");
      assert.equal((info as { id: string }).id, socket.io.engine.id);
      assert.equal(socket.id, socket.io.engine.id);
    });

    it("emits with acknowledgements both ways", async () => {
      const socket = await connected();
      assert.deepEqual(await ack(socket, "echo", "a", 1, { b: [true, null] }), [
        "a",
        1,
        { b: [true, null] },
      ]);
      socket.on("question", (q: unknown, reply: (answer: unknown) => void) => reply(`${q}!`));
      assert.deepEqual(await ack(socket, "ask", "why"), ["why!"]);
    });

    // socket.io-client 2.x sends Buffer and ArrayBuffer as binary, not other typed arrays
    it("carries binary both ways, in events and acknowledgements", async () => {
      const socket = await connected();
      const [echoed, text] = await ack(socket, "echo", new Uint8Array([9, 8, 7]).buffer, "t");
      assert.deepEqual(bytes(echoed), [9, 8, 7]);
      assert.equal(text, "t");
      const received = next(socket, "binary");
      await ack(socket, "sendBinary");
      const [first, second] = await received;
      assert.deepEqual(bytes(first), [1, 2, 3]);
      assert.deepEqual(bytes((second as { nested: unknown }).nested), [4]);
    });

    it("acknowledges the server's emit with binary (a BINARY_ACK from the client)", async () => {
      const socket = await connected();
      socket.on("give", (reply: (data: unknown) => void) => reply(Buffer.from([6, 5, 4])));
      assert.deepEqual(await ack(socket, "askBytes"), [{ isBytes: true, bytes: [6, 5, 4] }]);
    });

    it("connects to a namespace with its query as auth, and refuses a bad one", async () => {
      const socket = await connected("/chat", { token: "secret" });
      const [reply] = await ack(socket, "hello", "bob");
      assert.deepEqual(reply, {
        hi: "bob",
        id: "/chat#" + socket.io.engine.id,
        nsp: "/chat",
      });
      const refused = connect("/chat", { token: "wrong" });
      const [error] = await next(refused, "error");
      assert.equal(error, "unauthorized");
    });

    it("sees client and server disconnects", async () => {
      const socket = await connected();
      const id = socket.id;
      socket.disconnect();
      await waitUntil(() => reasons.has(id), "the server-side disconnect");
      assert.equal(reasons.get(id), "client namespace disconnect");

      const kicked = await connected();
      const gone = next(kicked, "disconnect");
      await ack(kicked, "kick");
      assert.deepEqual(await gone, ["io server disconnect"]);
    });

    it("stays connected past pingInterval + pingTimeout (the client pings)", async () => {
      const socket = await connected();
      const pongs: unknown[] = [];
      socket.on("pong", (latency: unknown) => pongs.push(latency));
      await sleep((PING_INTERVAL + PING_TIMEOUT) * 3);
      assert.equal(socket.connected, true);
      assert.ok(pongs.length >= 2, `pongs: ${pongs.length}`);
      assert.deepEqual(await ack(socket, "echo", 1), [1]);
    });
  });
}

describe("allowEIO3 off", () => {
  it("refuses an Engine.IO v3 handshake with code 5", async () => {
    const server = await startServer({ gateways: [defineGateway({ events: {} })] });
    try {
      const response = await fetch(`${server.url}/socket.io/?EIO=3&transport=polling`);
      assert.equal(response.status, 400);
      assert.deepEqual(await response.json(), { code: 5, message: "Unsupported protocol version" });
      const socket = ioV2(server.url, { forceNew: true, reconnection: false, timeout: WAIT_MS });
      try {
        const [error] = await next(socket, "connect_error");
        assert.ok(error instanceof Error);
      } finally {
        socket.close();
      }
    } finally {
      await server.close();
    }
  });
});
