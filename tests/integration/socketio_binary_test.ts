/**
 * Binary data with the official socket.io-client, in each transport mode: large payloads,
 * many attachments (and one too many), typed-array views that do not start at their buffer's
 * first byte, and binary-only arguments, in events and acknowledgements both ways. The client
 * hands binary over as a Buffer (or ArrayBuffer): tests compare bytes.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ackArgs, defineGateway, type GatewaySocket } from "../../mod.ts";
import {
  bytesOf,
  type ClientSocket,
  closeAll,
  connect,
  modeOptions,
  MODES,
  once,
  serverSocket,
  startServer,
  type TestServer,
} from "../_helpers/socketio.ts";
import { waitUntil } from "../_helpers/wait.ts";

/** A recognisable byte pattern. */
function pattern(length: number, seed = 0): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

/** Byte arrays (for deepEqual) of every binary value found in `value`, depth first. */
function binaries(value: unknown): number[][] {
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return [bytesOf(value)];
  if (Array.isArray(value)) return value.flatMap(binaries);
  if (typeof value === "object" && value !== null) return Object.values(value).flatMap(binaries);
  return [];
}

describe("binary data with socket.io-client", () => {
  let server: TestServer;
  const reasons = new Map<string, string>();

  before(async () => {
    server = await startServer({
      gateways: [defineGateway({
        events: {
          echo: (_socket, ...args: unknown[]) => ackArgs(...args),
          sizes: (_socket, ...args: unknown[]) => binaries(args).map((b) => b.length),
          kinds: (_socket, ...args: unknown[]) =>
            args.map((arg) => arg instanceof Uint8Array ? "Uint8Array" : typeof arg),
          views(socket: GatewaySocket) {
            const backing = pattern(10);
            socket.emit("view", backing.subarray(3, 7), { nested: backing.subarray(8) });
            return ackArgs(backing.subarray(1, 3));
          },
        },
        disconnect(socket, reason) {
          reasons.set(socket.id, reason);
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

      it("a 200 kB binary goes to the server and back unchanged", async () => {
        const big = pattern(200_000, 7);
        const [sizes, echoed] = await Promise.all([
          client.timeout(3000).emitWithAck("sizes", big),
          client.timeout(3000).emitWithAck("echo", big),
        ]);
        assert.deepEqual(sizes, [200_000]);
        assert.deepEqual(bytesOf(echoed), [...big]);
      });

      it("server handlers receive binary as Uint8Array", async () => {
        const kinds = await client.timeout(2000).emitWithAck(
          "kinds",
          new Uint8Array([1]),
          new Uint8Array([2]).buffer,
          "s",
          3,
        );
        assert.deepEqual(kinds, ["Uint8Array", "Uint8Array", "string", "number"]);
      });

      it("ten attachments in one packet, binary only and empty buffers", async () => {
        const parts = Array.from({ length: 10 }, (_, i) => pattern(i, i));
        const echoed = await new Promise<unknown[]>((resolve, reject) => {
          client.timeout(2000).emit("echo", ...parts, (error: Error | null, ...args: unknown[]) => {
            if (error) reject(error);
            else resolve(args);
          });
        });
        assert.deepEqual(echoed.map(bytesOf), parts.map((p) => [...p]));
      });

      it("typed-array views send only their own bytes, both ways", async () => {
        const backing = pattern(16);
        const sizes = await client.timeout(2000).emitWithAck("sizes", {
          middle: backing.subarray(4, 9),
          tail: backing.subarray(15),
        });
        assert.deepEqual(sizes, [5, 1]);
        const echoed = await client.timeout(2000).emitWithAck("echo", backing.subarray(4, 9));
        assert.deepEqual(bytesOf(echoed), [...backing.subarray(4, 9)]);

        const view = once<unknown[]>(client, "view");
        const ack = await client.timeout(2000).emitWithAck("views");
        const expected = pattern(10);
        assert.deepEqual(bytesOf(ack), [...expected.subarray(1, 3)]);
        const [first, second] = await view;
        assert.deepEqual(bytesOf(first), [...expected.subarray(3, 7)]);
        assert.deepEqual(binaries(second), [[...expected.subarray(8)]]);
      });

      it("binary mixed with text keeps its place among the arguments", async () => {
        const args = ["a", new Uint8Array([1]), { k: [null, new Uint8Array([2]), "b"] }, 4];
        const echoed = await new Promise<unknown[]>((resolve, reject) => {
          client.timeout(2000).emit("echo", ...args, (error: Error | null, ...back: unknown[]) => {
            if (error) reject(error);
            else resolve(back);
          });
        });
        assert.equal(echoed[0], "a");
        assert.deepEqual(bytesOf(echoed[1]), [1]);
        const obj = echoed[2] as { k: unknown[] };
        assert.equal(obj.k[0], null);
        assert.deepEqual(bytesOf(obj.k[1]), [2]);
        assert.equal(obj.k[2], "b");
        assert.equal(echoed[3], 4);
      });

      it("client acknowledgements carry binary to the server", async () => {
        const socket = serverSocket(server, client);
        client.on("need-bytes", (n: number, ack: (...args: unknown[]) => void) => {
          ack(pattern(n), { more: pattern(2, 9) });
        });
        const response = await new Promise<unknown[]>((resolve) =>
          socket.emit("need-bytes", 3, (...args: unknown[]) => resolve(args))
        );
        assert.ok(response[0] instanceof Uint8Array);
        assert.deepEqual(binaries(response), [[...pattern(3)], [...pattern(2, 9)]]);
        client.off("need-bytes");
      });
    });
  }

  it('eleven attachments exceed maxAttachments → "parse error"', async () => {
    const client = await connect(server.url, { transports: ["websocket"] });
    const bystander = await connect(server.url, { transports: ["websocket"] });
    const id = client.id!;
    const gone = once<[string]>(client, "disconnect");
    client.emit("echo", ...Array.from({ length: 11 }, (_, i) => new Uint8Array([i])));
    await waitUntil(() => reasons.has(id), "the server to drop the client");
    assert.equal(reasons.get(id), "parse error");
    assert.deepEqual((await gone)[0], "transport close");
    assert.deepEqual(bytesOf(await bystander.timeout(2000).emitWithAck("echo", pattern(3))), [
      ...pattern(3),
    ]);
    bystander.disconnect();
  });
});
