/**
 * The conformance fixture as a separate process on each runtime — Deno, Bun and Node (through
 * @hono/node-server) — answering a polling handshake, an upgrade to WebSocket with echo, and
 * `/__stats`.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  handshake,
  poll,
  push,
  RawWebSocket,
  request,
  SEP,
  websocketUrl,
} from "../_helpers/raw_client.ts";
import {
  fixtureCommand,
  type FixtureRuntime,
  type SpawnedFixture,
  spawnFixture,
} from "../_helpers/spawn_fixture.ts";
import { io, type Socket } from "socket.io-client";
import { sleep, withTimeout } from "../_helpers/wait.ts";

function once(socket: Socket, event: string): Promise<unknown[]> {
  return withTimeout(
    new Promise((resolve) => socket.once(event, (...args: unknown[]) => resolve(args))),
    5000,
    `socket.io event ${event}`,
  );
}

const runtimes: FixtureRuntime[] = ["deno", "bun", "node"];

for (const runtime of runtimes) {
  const skip = fixtureCommand(runtime)
    ? false
    : `${runtime} is not available (run through deno task test)`;
  describe(`conformance fixture on ${runtime}`, { skip }, () => {
    let fixture: SpawnedFixture;
    let base: string;

    before(async () => {
      fixture = await spawnFixture(runtime, { PING_INTERVAL: "1000", PING_TIMEOUT: "1000" });
      base = `http://127.0.0.1:${fixture.port}/engine.io/`;
    });

    after(async () => {
      await fixture?.stop();
    });

    it("echoes over polling, then over WebSocket after the upgrade", async () => {
      const { sid, open } = await handshake(base);
      assert.deepEqual(open.upgrades, ["websocket"]);
      assert.equal((await push(base, sid, `4hello${SEP}bAQIDBA==`)).body, "ok");
      assert.equal((await poll(base, sid)).body, `4hello${SEP}bAQIDBA==`);

      const socket = new RawWebSocket(websocketUrl(base.replace("http", "ws"), sid));
      try {
        await socket.waitFor("open");
        socket.send("2probe");
        assert.equal(await socket.text(), "3probe");
        assert.equal((await poll(base, sid)).body, "6");
        socket.send("5");
        socket.send("4over websocket");
        assert.equal(await socket.text(), "4over websocket");
        socket.send(new Uint8Array([9, 8, 7]));
        const binary = await socket.message();
        assert.ok(binary instanceof ArrayBuffer);
        assert.deepEqual([...new Uint8Array(binary)], [9, 8, 7]);
      } finally {
        await socket.close();
      }
    });

    it("serves Socket.IO to the real socket.io-client, upgrading to WebSocket", async () => {
      const client = io(`http://127.0.0.1:${fixture.port}`, {
        forceNew: true,
        reconnection: false,
        auth: { token: "t" },
      });
      try {
        const [auth] = await once(client, "auth");
        assert.deepEqual(auth, { token: "t" });
        await withTimeout(
          new Promise<void>((resolve) => {
            if (client.io.engine.transport.name === "websocket") resolve();
            else client.io.engine.once("upgrade", () => resolve());
          }),
          5000,
          "upgrade",
        );
        const reply = await client.timeout(3000).emitWithAck("message-with-ack", 1, "two", {
          three: [new Uint8Array([3])],
        });
        assert.equal(reply, 1);
        const binary = await client.timeout(3000).emitWithAck("get-binary");
        assert.deepEqual([...new Uint8Array(binary.buf)], [1, 2, 3, 4]);
        assert.equal(binary.text, "ok");
      } finally {
        client.close();
      }
    });

    it("closes a session whose client left while its GET was parked", async () => {
      const { sid } = await handshake(base);
      const controller = new AbortController();
      const parked = poll(base, sid, { signal: controller.signal }).catch(() => undefined);
      await sleep(200);
      controller.abort();
      await parked;
      // the heartbeat would close it too, but only after pingInterval + pingTimeout (2 s)
      let status = 200;
      for (let i = 0; i < 20 && status === 200; i++) {
        await sleep(50);
        status = (await push(base, sid, "4still there?")).status;
      }
      assert.equal(status, 400, "the session is gone within a second");
    });

    it("reports open sessions on /__stats and drops to zero after they close", async () => {
      const stats = async () =>
        JSON.parse((await request(`http://127.0.0.1:${fixture.port}/__stats`)).body);
      const { sid } = await handshake(base);
      assert.ok((await stats()).clients >= 1);
      await push(base, sid, "1");
      let clients = -1;
      for (let i = 0; i < 30 && clients !== 0; i++) {
        clients = (await stats()).clients;
        if (clients !== 0) await sleep(50);
      }
      assert.equal(clients, 0);
    });
  });
}
