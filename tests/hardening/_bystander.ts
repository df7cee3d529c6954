/**
 * Bystanders: well-behaved socket.io-client connections opened BEFORE an attack (one over
 * WebSocket, one over long-polling), which must still be connected and still get their
 * acknowledgements after it. Plus the liveness check of a child server.
 */
import assert from "node:assert/strict";
import { io, type Socket } from "socket.io-client";
import { withTimeout } from "../_helpers/wait.ts";
import { type ChildServer, stats } from "./_child.ts";

/** Connected clients that watch for unexpected disconnects. */
export interface Bystanders {
  /** The clients. */
  readonly sockets: readonly Socket[];
  /** Asserts every client is still connected and gets an ack for a fresh token. */
  check(what: string): Promise<void>;
  /** Disconnects every client. */
  close(): void;
}

let counter = 0;

/** Connects one WebSocket and one polling bystander to `url` (the `/` namespace). */
export async function connectBystanders(url: string): Promise<Bystanders> {
  const sockets = [
    io(url, { forceNew: true, reconnection: false, transports: ["websocket"], timeout: 5000 }),
    io(url, { forceNew: true, reconnection: false, transports: ["polling"], timeout: 5000 }),
  ];
  const lost: string[] = [];
  for (const socket of sockets) {
    socket.on("disconnect", (reason) => lost.push(reason));
  }
  try {
    await withTimeout(
      Promise.all(sockets.map((socket) =>
        new Promise<void>((resolve, reject) => {
          socket.once("connect", () => resolve());
          socket.once("connect_error", reject);
        })
      )),
      8000,
      "bystanders to connect",
    );
  } catch (error) {
    for (const socket of sockets) socket.disconnect();
    throw error;
  }
  return {
    sockets,
    async check(what) {
      assert.deepEqual(lost, [], `a bystander was disconnected by ${what}`);
      await Promise.all(sockets.map(async (socket, i) => {
        const token = `bystander-${i}-${++counter}`;
        const reply = await socket.timeout(5000).emitWithAck("message-with-ack", token, { what });
        assert.deepEqual(reply, token, `bystander ${i} acknowledged after ${what}`);
      }));
    },
    close() {
      for (const socket of sockets) socket.disconnect();
    },
  };
}

/** Asserts that the child is alive and answers `/__stats`. */
export async function assertAlive(child: ChildServer, what: string): Promise<void> {
  assert.ok(child.alive(), `the server process died after ${what}:\n${child.output()}`);
  const answer = await stats(child.url);
  assert.equal(typeof answer.clients, "number", `/__stats after ${what}`);
  assert.ok(child.alive(), `the server process died after ${what}:\n${child.output()}`);
}
