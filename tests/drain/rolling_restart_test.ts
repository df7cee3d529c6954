/**
 * A rolling restart: three nodes (Deno, Bun and Node — Node through SIO_TSX_LOADER, else a
 * second Deno) share one Redis behind a round-robin TCP balancer (tests/drain/_balancer.ts).
 * 60 socket.io-clients (ROLLING_CLIENTS) over WebSocket send acknowledged events without pause (a `work` event
 * of 0–20 ms, 30 ms between events); each node in turn gets SIGTERM (it drains, and stays in
 * the rotation until its process exits, as with a balancer whose probe lags: reconnections
 * that reach it meanwhile get 503), and a node of the same runtime replaces it. A client whose acknowledgement did not come (its connection closed)
 * sends the same id again once reconnected. Printed and checked: acknowledged events lost (0),
 * events handled twice (0), sessions recovered / moved, the longest pause a client saw.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { io, type Socket } from "socket.io-client";
import { type ChildServer, spawnChild } from "../hardening/_child.ts";
import { sleep, withTimeout } from "../_helpers/wait.ts";
import { clusterSkip, REDIS_URL, uniqueKey } from "../cluster/cluster_nodes.ts";
import { type Balancer, roundRobin, startBalancer } from "./_balancer.ts";

/** 60 in the suite; ROLLING_CLIENTS=300 for the full figure (`deno test -A` this file). */
const CLIENTS = Number(process.env.ROLLING_CLIENTS ?? 60);
const THINK_MS = 30;
const LOAD_BEFORE_MS = 2000;
const LOAD_BETWEEN_MS = 2500;
const RUNTIMES = ["deno", "bun", process.env.SIO_TSX_LOADER ? "node" : "deno"] as const;
const SCRIPT = "tests/drain/rolling_node.ts";

const skip = await clusterSkip();

/** What one client saw. */
interface ClientRecord {
  readonly socket: Socket;
  sent: number;
  retries: number;
  reconnects: number;
  recovered: number;
  moves: number;
  longestPause: number;
}

describe("rolling restart of a three-node cluster", { skip }, () => {
  const key = uniqueKey("rolling");
  const everyProcess: ChildServer[] = [];
  let balancer: Balancer | undefined;
  const clients: ClientRecord[] = [];

  after(async () => {
    for (const client of clients) client.socket.disconnect();
    await withTimeout(balancer?.close() ?? Promise.resolve(), 2000, "the balancer to close")
      .catch(() => {});
    await Promise.all(everyProcess.map((child) => child.stop()));
  });

  const handledFiles: string[] = [];
  async function startNode(runtime: (typeof RUNTIMES)[number], name: string) {
    const file = join(tmpdir(), `${key}-${name}.json`);
    handledFiles.push(file);
    const child = await spawnChild({
      script: SCRIPT,
      runtime,
      env: { REDIS_URL, REDIS_KEY: key, NODE_NAME: name, HANDLED_FILE: file },
    });
    everyProcess.push(child);
    return child;
  }

  it("loses no acknowledged event, handles none twice, and recovers every moved session", {
    timeout: 120_000,
  }, async () => {
    const nodes: ChildServer[] = [];
    for (const [i, runtime] of RUNTIMES.entries()) {
      nodes.push(await startNode(runtime, `${runtime}${i}`));
    }
    // the balancer keeps a node in its rotation until the process exits
    const inRotation = () => nodes.filter((node) => node.alive()).map((node) => node.port);
    balancer = await startBalancer(roundRobin(inRotation));

    const acked = new Set<string>();
    const sent = new Set<string>();
    let stop = false;
    const loops = Array.from({ length: CLIENTS }, (_, index) => {
      const socket = io(balancer!.url, {
        forceNew: true,
        transports: ["websocket"],
        reconnectionDelay: 100,
        reconnectionDelayMax: 1000,
        timeout: 5000,
      });
      const record: ClientRecord = {
        socket,
        sent: 0,
        retries: 0,
        reconnects: 0,
        recovered: 0,
        moves: 0,
        longestPause: 0,
      };
      clients.push(record);
      let first = true;
      socket.on("connect", () => {
        if (first) first = false;
        else {
          record.reconnects++;
          if (socket.recovered) record.recovered++;
        }
      });
      return runClient(index, record, sent, acked, () => stop);
    });

    await sleep(LOAD_BEFORE_MS);
    const drains: number[] = [];
    for (const [i, runtime] of RUNTIMES.entries()) {
      const old = nodes[i];
      old.signal("SIGTERM");
      const exit = await withTimeout(old.exited, 20_000, `${runtime} node ${i} to exit`);
      assert.deepEqual(exit, { code: 0, signal: null }, old.output().slice(-2000));
      drains.push(Number(/DRAINED (\d+)/.exec(old.output())?.[1] ?? NaN));
      balancer.dropTo(old.port);
      nodes[i] = await startNode(runtime, `${runtime}${i}-restarted`);
      await sleep(LOAD_BETWEEN_MS);
    }
    stop = true;
    await withTimeout(Promise.all(loops), 30_000, "the clients to finish");
    for (const node of nodes) node.signal("SIGTERM");
    await withTimeout(Promise.all(nodes.map((node) => node.exited)), 20_000, "the nodes to exit");

    const handled = new Map<string, number>();
    for (const file of handledFiles) {
      const counts = JSON.parse(readFileSync(file, "utf8")) as Record<string, number>;
      rmSync(file);
      for (const [id, times] of Object.entries(counts)) {
        handled.set(id, (handled.get(id) ?? 0) + times);
      }
    }
    const lost = [...sent].filter((id) => !acked.has(id));
    const twice = [...handled].filter(([, times]) => times > 1).map(([id]) => id);
    const sum = (pick: (client: ClientRecord) => number) =>
      clients.reduce((total, client) => total + pick(client), 0);
    const figures = {
      clients: CLIENTS,
      runtimes: RUNTIMES.join(","),
      eventsAcknowledged: acked.size,
      acknowledgedEventsLost: lost.length,
      eventsHandledTwice: twice.length,
      resentAfterAClose: sum((client) => client.retries),
      reconnections: sum((client) => client.reconnects),
      sessionsRecovered: sum((client) => client.recovered),
      sessionsMoved: sum((client) => client.moves),
      longestPauseMs: Math.max(...clients.map((client) => client.longestPause)),
      drainMs: drains.join(","),
    };
    console.log(`ROLLING RESTART ${JSON.stringify(figures)}`);
    assert.deepEqual(lost.slice(0, 5), [], "every event was acknowledged");
    assert.deepEqual(twice.slice(0, 5), [], "no event was handled twice");
    for (const id of acked) assert.ok(handled.has(id), `${id} acknowledged but never handled`);
    assert.ok(figures.sessionsMoved >= CLIENTS, `every client moved at least once`);
    assert.equal(figures.sessionsRecovered, figures.reconnections, "every reconnection recovered");
  });
});

/**
 * One client: sends `work` with a fresh id, waits for the acknowledgement, thinks, again; an id
 * whose acknowledgement did not come is sent again once connected (at most 20 times).
 */
async function runClient(
  index: number,
  record: ClientRecord,
  sent: Set<string>,
  acked: Set<string>,
  stopped: () => boolean,
): Promise<void> {
  const { socket } = record;
  let lastAck = Date.now();
  let lastNode: string | undefined;
  for (let seq = 0; !stopped() && seq < 100_000; seq++) {
    const id = `c${index}-${seq}`;
    sent.add(id);
    record.sent++;
    for (let attempt = 0; attempt < 20; attempt++) {
      if (!socket.connected) await connected(socket).catch(() => {});
      try {
        const reply = await socket.timeout(5000).emitWithAck("work", id) as {
          id: string;
          node: string;
        };
        const now = Date.now();
        if (seq > 0) record.longestPause = Math.max(record.longestPause, now - lastAck);
        lastAck = now;
        if (lastNode !== undefined && reply.node !== lastNode) record.moves++;
        lastNode = reply.node;
        acked.add(id);
        break;
      } catch {
        record.retries++;
      }
    }
    await sleep(THINK_MS);
  }
}

/** Waits (10 s at most) for the socket's next `connect`. */
function connected(socket: Socket): Promise<void> {
  let listener: (() => void) | undefined;
  return withTimeout(
    new Promise<void>((resolve) => {
      listener = resolve;
      socket.once("connect", listener);
    }),
    10_000,
    "a reconnection",
  ).finally(() => socket.off("connect", listener));
}
