/**
 * The `parser` option with socket.io-msgpack-parser on both sides, against the official
 * socket.io-client in each transport mode: events, acknowledgements both ways, binary both
 * ways, room broadcasts (with and without acknowledgements), a namespace with auth. Peers
 * sending invalid msgpack, a packet of a bad shape or a text frame are closed ("parse error",
 * logged) while another client carries on. And without the option, the built-in parser.
 */
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import * as msgpackParser from "socket.io-msgpack-parser";
import { ackArgs, defineGateway, type GatewaySocket } from "../../mod.ts";
import { captureLogs, type LogRecord, stopCapturingLogs } from "../_helpers/log_capture.ts";
import { openWebSocketSession } from "../_helpers/raw_client.ts";
import {
  bytesOf,
  type ClientSocket,
  closeAll,
  connect,
  connectError,
  createClient,
  modeOptions,
  MODES,
  once,
  startServer,
  type TestServer,
  WAIT_MS,
} from "../_helpers/socketio.ts";
import { waitUntil } from "../_helpers/wait.ts";

const msgpack = { parser: msgpackParser };
const encoder = new msgpackParser.Encoder();

/** The one binary frame socket.io-msgpack-parser makes of a packet. */
function frameOf(packet: Record<string, unknown>): Uint8Array {
  return (encoder.encode(packet) as unknown as Uint8Array[])[0];
}

/** Decodes one msgpack frame the server sent (an ArrayBuffer from a raw WebSocket). */
function decodeFrame(data: string | ArrayBuffer): Record<string, unknown> {
  assert.ok(data instanceof ArrayBuffer, "a binary frame");
  const decoder = new msgpackParser.Decoder();
  let packet: Record<string, unknown> | undefined;
  decoder.on("decoded", (decoded: Record<string, unknown>) => packet = decoded);
  decoder.add(Buffer.from(data));
  assert.ok(packet);
  return packet;
}

const gateways = [
  defineGateway({
    events: {
      echo: (_socket, ...args: unknown[]) => ackArgs(...args),
      kinds: (_socket, ...args: unknown[]) =>
        args.map((arg) => arg instanceof Uint8Array ? "Uint8Array" : typeof arg),
      async ask(socket, question: string) {
        return await socket.timeout(WAIT_MS).emitWithAck("question", question);
      },
      sendBinary(socket: GatewaySocket) {
        socket.emit("binary", new Uint8Array([1, 2, 3]), { nested: Buffer.from([4, 5]) });
        return true;
      },
      join(socket, room: string) {
        socket.join(room);
        return true;
      },
      shout(socket, room: string, text: string) {
        socket.to(room).emit("shout", text, new Uint8Array([7]));
        return true;
      },
    },
  }),
  defineGateway({
    namespace: "/chat",
    connect(_socket, auth) {
      if (auth.token !== "secret") throw new Error("unauthorized");
    },
    events: {
      hello: (socket, name: string) => ({ hi: name, nsp: socket.nsp.name }),
    },
  }),
];

describe("parser: socket.io-msgpack-parser with socket.io-client", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ parser: msgpackParser, gateways });
  });
  after(closeAll);

  for (const mode of MODES) {
    describe(mode.name, () => {
      let client: ClientSocket;
      before(async () => {
        client = await connect(server.url, { ...msgpack, ...modeOptions(mode) });
      });
      after(() => {
        client.disconnect();
      });

      it("emits with an acknowledgement (client → server)", async () => {
        const answer = await new Promise<unknown[]>((resolve) =>
          client.emit("echo", "a", 1, { b: [true, null] }, (...args: unknown[]) => resolve(args))
        );
        assert.deepEqual(answer, ["a", 1, { b: [true, null] }]);
      });

      it("acknowledges the server's emit (server → client)", async () => {
        client.once("question", (q: string, reply: (a: string) => void) => reply(`${q}!`));
        assert.equal(await client.timeout(WAIT_MS).emitWithAck("ask", "why"), "why!");
      });

      it("carries binary both ways: Uint8Array and Buffer in, Uint8Array out", async () => {
        const kinds = await client.timeout(WAIT_MS).emitWithAck(
          "kinds",
          new Uint8Array([9, 8]),
          Buffer.from([7]),
          "text",
        );
        assert.deepEqual(kinds, ["Uint8Array", "Uint8Array", "string"]);
        const echoed = await client.timeout(WAIT_MS).emitWithAck("echo", new Uint8Array([5, 6]));
        assert.deepEqual(bytesOf(echoed), [5, 6]);
        const received = once<[unknown, { nested: unknown }]>(client, "binary");
        await client.timeout(WAIT_MS).emitWithAck("sendBinary");
        const [first, second] = await received;
        assert.deepEqual(bytesOf(first), [1, 2, 3]);
        assert.deepEqual(bytesOf(second.nested), [4, 5]);
      });

      it("connects to a namespace with auth, and its refusal is a connect_error", async () => {
        const chat = await connect(server.url + "/chat", {
          ...msgpack,
          ...modeOptions(mode),
          auth: { token: "secret" },
        });
        assert.deepEqual(await chat.timeout(WAIT_MS).emitWithAck("hello", "bob"), {
          hi: "bob",
          nsp: "/chat",
        });
        chat.disconnect();
        const refused = createClient(server.url + "/chat", {
          ...msgpack,
          ...modeOptions(mode),
          auth: { token: "wrong" },
        });
        assert.equal((await connectError(refused)).message, "unauthorized");
      });
    });
  }

  it("a room broadcast reaches both msgpack clients in the room, and no one else", async () => {
    const [a, b, outsider, sender] = await Promise.all([
      connect(server.url, { ...msgpack, transports: ["websocket"] }),
      connect(server.url, { ...msgpack, transports: ["polling"] }),
      connect(server.url, msgpack),
      connect(server.url, msgpack),
    ]);
    await a.timeout(WAIT_MS).emitWithAck("join", "room1");
    await b.timeout(WAIT_MS).emitWithAck("join", "room1");
    let outsiderHeard = 0;
    outsider.on("shout", () => outsiderHeard++);
    const heardA = once<[string, unknown]>(a, "shout");
    const heardB = once<[string, unknown]>(b, "shout");
    await sender.timeout(WAIT_MS).emitWithAck("shout", "room1", "hey");
    for (const [text, bytes] of [await heardA, await heardB]) {
      assert.equal(text, "hey");
      assert.deepEqual(bytesOf(bytes), [7]);
    }

    // a broadcast with acknowledgements, encoded once for the room
    a.on("poll", (reply: (v: string) => void) => reply("a"));
    b.on("poll", (reply: (v: string) => void) => reply("b"));
    const answers = await server.io.to("room1").timeout(WAIT_MS).emitWithAck("poll");
    assert.deepEqual([...answers].sort(), ["a", "b"]);
    assert.equal(outsiderHeard, 0);
  });
});

describe("parser: peers that break the msgpack protocol", () => {
  let server: TestServer;
  const records: LogRecord[] = [];
  const reasons: string[] = [];

  before(async () => {
    await captureLogs(records, ["sio", "server"], "warning");
    server = await startServer({ parser: msgpackParser, gateways });
    server.io.on("connection", (socket) => {
      socket.on("disconnect", (reason) => reasons.push(String(reason)));
    });
  });
  afterEach(() => {
    records.length = 0;
  });
  after(async () => {
    await closeAll();
    await stopCapturingLogs();
  });

  /** Opens a raw WebSocket session joined to "/" with a msgpack CONNECT. */
  async function rawConnected() {
    const session = await openWebSocketSession(server.wsUrl);
    session.socket.send(frameOf({ type: 0, nsp: "/" }));
    const reply = decodeFrame(await session.socket.message());
    assert.equal(reply.type, 0);
    return session;
  }

  const attacks: [string, () => string | Uint8Array][] = [
    ["invalid msgpack", () => new Uint8Array([0xc1, 0x00])],
    // notepack.io would allocate and fill 4 GiB for these 6 bytes, blocking every session
    ["an ext 32 header announcing 4 GiB", () => new Uint8Array([0xc9, 0xff, 0xff, 0xff, 0xff, 0])],
    ["truncated msgpack", () => frameOf({ type: 2, nsp: "/", data: ["echo", "x"] }).subarray(0, 6)],
    ["a namespace without a slash", () => frameOf({ type: 2, nsp: "chat", data: ["echo"] })],
    ["EVENT data that is not an array", () => frameOf({ type: 2, nsp: "/", data: "echo" })],
    ["a negative ack id", () => frameOf({ type: 2, nsp: "/", data: ["echo"], id: -1 })],
    ["an unknown packet type", () => frameOf({ type: 12, nsp: "/", data: ["echo"] })],
    ["a text frame (the built-in parser's)", () => '42["echo","x"]'],
  ];

  for (const [name, frame] of attacks) {
    it(`${name}: that connection closes with "parse error"; another client carries on`, async () => {
      const bystander = await connect(server.url, msgpack);
      const { socket } = await rawConnected();
      const before = reasons.length;
      socket.send(frame());
      await socket.closed;
      await waitUntil(() => reasons.length > before, "the raw socket's disconnect");
      assert.equal(reasons.at(-1), "parse error");
      assert.ok(
        records.some((record) => String(record.rawMessage).includes("invalid Socket.IO packet")),
        "the refusal is logged",
      );
      assert.equal(bystander.connected, true);
      assert.deepEqual(
        await bystander.timeout(WAIT_MS).emitWithAck("echo", "still here"),
        "still here",
      );
      bystander.disconnect();
    });
  }

  it("a CONNECT whose auth is not an object is refused the same way", async () => {
    const session = await openWebSocketSession(server.wsUrl);
    session.socket.send(frameOf({ type: 0, nsp: "/", data: "token" }));
    await session.socket.closed;
    assert.ok(
      records.some((record) => String(record.rawMessage).includes("invalid Socket.IO packet")),
    );
  });
});

describe("parser option absent: the built-in parser", () => {
  after(closeAll);

  it("serves socket.io-client's default parser (text frames, binary attachments)", async () => {
    const server = await startServer({ gateways });
    const client = await connect(server.url, { transports: ["websocket"] });
    const echoed = await new Promise<unknown[]>((resolve) =>
      client.emit("echo", "a", new Uint8Array([1, 2]), (...args: unknown[]) => resolve(args))
    );
    assert.equal(echoed[0], "a");
    assert.deepEqual(bytesOf(echoed[1]), [1, 2]);
    // a msgpack client cannot talk to it: its CONNECT is binary, the built-in parser refuses
    const mismatched = createClient(server.url, { ...msgpack, transports: ["websocket"] });
    await once(mismatched.io, "close");
    assert.equal(mismatched.connected, false);
  });
});
