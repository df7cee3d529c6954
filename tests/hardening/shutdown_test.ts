/**
 * Graceful shutdown under load: 100 clients (half over WebSocket, half over long-polling) keep
 * emitting acknowledged events while the server runs `io.close()` (tests/hardening/
 * shutdown_server.ts, a child process). Every event the server acknowledged was handled exactly
 * once, no event was handled twice, and the process then exits by itself with code 0.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { io, type Socket } from "socket.io-client";
import { request } from "../_helpers/raw_client.ts";
import { waitUntil, withTimeout } from "../_helpers/wait.ts";
import { type ChildServer, spawnChild } from "./_child.ts";

const CLIENTS = 100;

describe("graceful shutdown under load", () => {
  let child: ChildServer | undefined;
  const sockets: Socket[] = [];
  after(async () => {
    for (const socket of sockets) socket.disconnect();
    await child?.stop();
  });

  it("acknowledged events were handled exactly once, and the process exits 0", {
    timeout: 60_000,
  }, async () => {
    child = await spawnChild({ script: "tests/hardening/shutdown_server.ts" });
    const server = child;
    for (let i = 0; i < CLIENTS; i++) {
      sockets.push(io(server.url, {
        forceNew: true,
        reconnection: false,
        timeout: 10_000,
        transports: i % 2 === 0 ? ["websocket"] : ["polling"],
      }));
    }
    await withTimeout(
      Promise.all(sockets.map((socket) =>
        new Promise<void>((resolve, reject) => {
          if (socket.connected) resolve();
          socket.once("connect", () => resolve());
          socket.once("connect_error", reject);
        })
      )),
      20_000,
      `${CLIENTS} clients to connect`,
    );

    const sent = new Set<string>();
    const acked: string[] = [];
    let stop = false;
    const loops = sockets.map(async (socket, client) => {
      for (let seq = 0; !stop && seq < 1000; seq++) {
        if (!socket.connected) return;
        const id = `c${client}-${seq}`;
        sent.add(id);
        try {
          const reply = await socket.timeout(5000).emitWithAck("work", id);
          assert.equal(reply, id);
          acked.push(id);
        } catch {
          return; // in flight when the server closed: "socket has been disconnected"
        }
      }
    });

    // let the load build up, then close the server while it is busiest
    await waitUntil(() => acked.length >= 1000, "1000 acknowledgements", 20_000);
    const closing = await request(`${server.url}/__close`);
    assert.equal(closing.status, 200);
    const exit = await withTimeout(server.exited, 15_000, "the server process to exit by itself");
    stop = true;
    await withTimeout(Promise.all(loops), 10_000, "the client loops to end");

    assert.deepEqual(exit, { code: 0, signal: null }, server.output().slice(-2000));
    const line = server.output().split("\n").find((text) => text.startsWith("HANDLED "));
    assert.ok(line, `no HANDLED line in:\n${server.output().slice(-2000)}`);
    const handled: Record<string, number> = JSON.parse(line.slice("HANDLED ".length));

    assert.ok(acked.length >= 1000);
    for (const id of acked) {
      assert.equal(handled[id], 1, `acknowledged ${id} handled ${handled[id]} times`);
    }
    for (const [id, times] of Object.entries(handled)) {
      assert.equal(times, 1, `${id} handled ${times} times`);
      assert.ok(sent.has(id), `${id} handled but never sent`);
    }
    // every client saw the shutdown
    await waitUntil(() => sockets.every((socket) => !socket.connected), "clients disconnected");
  });
});
