/**
 * The session relay between two in-process Engine.IO servers (of the runtime running the
 * tests) on one Redis: a session opened on one node is served by the other, raw requests show
 * the details (CORS, limits, aborts, unknown nodes), and garbage on the relay's channels harms
 * nobody. Skipped only when Redis is unreachable outside CI.
 */
import { Buffer } from "node:buffer";
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import { WebSocket } from "ws";
import { createServer } from "../../mod.ts";
import { createSessionRelay, type SessionRelay } from "../../redis.ts";
import { decodeRelayMessage, encodeRelayMessage } from "../../src/cluster/relay_messages.ts";
import { startEngineServer, type TestEngineServer } from "../_helpers/engine_server.ts";
import { sleep, waitUntil, withTimeout } from "../_helpers/wait.ts";
import { clusterSkip, REDIS_URL, uniqueKey } from "./cluster_nodes.ts";

const skip = await clusterSkip();
type Redis = ReturnType<typeof createClient>;

describe("the session relay between two nodes", { skip }, () => {
  const key = uniqueKey("relay");
  const connections: Redis[] = [];
  const relays: SessionRelay[] = [];
  const servers: TestEngineServer[] = [];
  const node = (index: number) => servers[index];

  after(async () => {
    await Promise.allSettled(servers.map((server) => server.close()));
    await Promise.allSettled(relays.map((relay) => relay.close()));
    await Promise.allSettled(connections.map((connection) => connection.close()));
  });

  async function connected(): Promise<Redis> {
    const client = createClient({ url: REDIS_URL });
    client.on("error", () => {});
    await client.connect();
    connections.push(client);
    return client;
  }

  /** Opens a polling session on node `on` and returns its sid. */
  async function handshake(on: number): Promise<string> {
    const response = await fetch(`${node(on).httpUrl}?EIO=4&transport=polling`);
    const body = await response.text();
    return JSON.parse(body.slice(1)).sid;
  }

  const url = (on: number, sid: string) => `${node(on).httpUrl}?EIO=4&transport=polling&sid=${sid}`;

  it("starts two nodes with relays", { timeout: 20_000 }, async () => {
    for (const nodeId of ["alpha", "beta"]) {
      const relay = createSessionRelay(await connected(), await connected(), { key, nodeId });
      relays.push(relay);
      await relay.ready();
      servers.push(
        await startEngineServer({
          cluster: relay,
          cors: { origin: "https://app.example" },
          maxHttpBufferSize: 1000,
          pingInterval: 1000,
          pingTimeout: 1000,
        }),
      );
    }
  });

  it("names the node in its session ids", { timeout: 10_000 }, async () => {
    assert.equal(servers.length, 2, "the nodes did not start");
    assert.match(await handshake(0), /^alpha\./);
    assert.match(await handshake(1), /^beta\./);
  });

  it("serves a session's POST and parked GET on the other node", { timeout: 10_000 }, async () => {
    const sid = await handshake(0);
    const poll = fetch(url(1, sid)); // parks on alpha, through beta
    await sleep(50);
    const posted = await fetch(url(1, sid), { method: "POST", body: "4hello" });
    assert.equal(posted.status, 200);
    assert.equal(await posted.text(), "ok");
    const polled = await withTimeout(poll, 5000, "the relayed poll");
    assert.equal(polled.status, 200);
    assert.equal(await polled.text(), "4hello"); // echoed by alpha's session
    assert.ok(node(0).sockets.has(sid) && !node(1).sockets.has(sid));
  });

  it("answers with this node's CORS headers, once", { timeout: 10_000 }, async () => {
    const sid = await handshake(0);
    const response = await fetch(url(1, sid), {
      method: "POST",
      body: "4x",
      headers: { origin: "https://app.example" },
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("access-control-allow-origin"), "https://app.example");
    await response.text();
  });

  it("refuses a sid of a node nobody runs with Session ID unknown", {
    timeout: 10_000,
  }, async () => {
    const response = await fetch(url(0, "gamma.AAAAAAAAAAAAAAAAAAAA"));
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), { code: 1, message: "Session ID unknown" });
    const local = await fetch(url(0, "alpha.unknown"));
    assert.deepEqual(await local.json(), { code: 1, message: "Session ID unknown" });
    const garbage = await fetch(url(0, "not%20a%20node.x"));
    assert.deepEqual(await garbage.json(), { code: 1, message: "Session ID unknown" });
  });

  it("refuses a POST over maxHttpBufferSize without carrying it, and ends the session", {
    timeout: 10_000,
  }, async () => {
    const sid = await handshake(0);
    const closed = new Promise((resolve) => node(0).sockets.get(sid)!.on("close", resolve));
    const response = await fetch(url(1, sid), { method: "POST", body: "4" + "x".repeat(5000) });
    assert.equal(response.status, 413);
    await response.text();
    await withTimeout(closed, 3000, "the session to end");
  });

  it("aborts the owner's parked poll when the client leaves the other node", {
    timeout: 10_000,
  }, async () => {
    const sid = await handshake(0);
    const reason = new Promise<string>((resolve) =>
      node(0).sockets.get(sid)!.on("close", (why) => resolve(why))
    );
    const controller = new AbortController();
    const poll = fetch(url(1, sid), { signal: controller.signal }).catch(() => undefined);
    await sleep(100);
    controller.abort();
    await poll;
    assert.equal(await withTimeout(reason, 3000, "the session to end"), "transport error");
  });

  it("upgrades a session to a WebSocket held by the other node", {
    timeout: 10_000,
  }, async () => {
    const sid = await handshake(0);
    const ws = new WebSocket(`${node(1).wsUrl}?EIO=4&transport=websocket&sid=${sid}`);
    const frames: string[] = [];
    ws.on("message", (data) => frames.push(data.toString()));
    await withTimeout(new Promise((resolve) => ws.once("open", resolve)), 3000, "open");
    ws.send("2probe");
    await waitUntil(() => frames.includes("3probe"), "3probe through the relay");
    ws.send("5");
    await waitUntil(() => node(0).sockets.get(sid)?.transport === "websocket", "the upgrade");
    ws.send("4ping-over-ws");
    await waitUntil(() => frames.includes("4ping-over-ws"), "the echo over the relay");
    ws.send(new Uint8Array([4, 1, 2, 3]));
    await waitUntil(() => frames.length >= 4, "a binary echo");
    const closed = new Promise((resolve) => node(0).sockets.get(sid)!.on("close", resolve));
    ws.close();
    await withTimeout(closed, 3000, "the session to end with its WebSocket");
  });

  it("drops garbage on a relay channel, and keeps serving", { timeout: 10_000 }, async () => {
    const publisher = connections[0];
    const channel = `${key}#relay#alpha#`;
    const garbage: (string | Buffer)[] = [
      "",
      "no newline",
      "{not json\n",
      '{"t":"zz","i":1}\n',
      '{"t":"q","i":1}\n',
      '{"t":"q","i":1,"f":"beta","m":"GET","u":"::bad url","h":[],"a":""}\n',
      '{"t":"q","i":2,"f":"beta","m":"GET","u":"http://x/elsewhere/","h":[],"a":""}\n',
      '{"t":"q","i":3,"f":"beta","m":"BREW","u":"http://x/engine.io/","h":[["a b","c"]],"a":""}\n',
      '{"t":"m","i":99,"f":"beta"}\nframe',
      '{"t":"o","i":99,"f":"beta"}\n',
      '{"t":"c","i":99,"f":"beta"}\n',
      '{"t":"r","i":12345,"s":200,"h":[]}\nbody',
      '{"t":"r","i":1,"s":"x","h":5}\n',
      '{"t":"w","i":1}\nframe',
      '{"t":"k","i":1}\n',
      Buffer.from([0xff, 0xfe, 10, 0]),
    ];
    for (const message of garbage) await publisher.publish(channel, message);
    await sleep(200);
    const sid = await handshake(0);
    const posted = await fetch(url(1, sid), { method: "POST", body: "4still" });
    assert.equal(await posted.text(), "ok");
  });

  it("decodes only well-formed relay messages", () => {
    const encoded = encodeRelayMessage({ t: "m", i: 7, f: "n", b: 1 }, new Uint8Array([10, 0]));
    const decoded = decodeRelayMessage(encoded);
    assert.ok(decoded.ok);
    assert.deepEqual([...decoded.value.body], [10, 0]);
    for (
      const bad of ["", "{}\n", '{"t":"q","i":1,"f":"n"}\n', '{"t":"r","i":1,"s":1,"h":[1]}\n']
    ) {
      assert.equal(decodeRelayMessage(new TextEncoder().encode(bad)).ok, false);
    }
  });

  it("checks its options", async () => {
    const client = await connected();
    assert.throws(() => createSessionRelay(client, client, { nodeId: "a.b" }), TypeError);
    assert.throws(
      () => createSessionRelay(client, client, { bogus: 1 } as never),
      /unknown option "bogus"/,
    );
    assert.throws(() => createSessionRelay({} as never, client), TypeError);
    assert.throws(() => createServer({ cluster: 5 as never }), /cluster must be a session relay/);
  });
});
