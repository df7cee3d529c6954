/**
 * Dynamic child namespaces: `cleanupEmptyChildNamespaces` (default on) removes a child when its
 * last socket leaves (its adapter closed, a later CONNECT makes it anew), also when every
 * CONNECT to it was refused; `maxChildNamespaces` caps the live children of a parent, a
 * CONNECT beyond it getting CONNECT_ERROR "Too many child namespaces".
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type AdapterFactory, defineGateway, InMemoryAdapter, type Namespace } from "../../mod.ts";
import {
  closeAll,
  connect,
  connectError,
  createClient,
  startServer,
} from "../_helpers/socketio.ts";
import { sleep, waitUntil } from "../_helpers/wait.ts";

/** Children of /^\/dyn-/; a CONNECT with `auth.deny` is refused by the gateway. */
const dynamic = defineGateway({
  namespace: /^\/dyn-\w+$/,
  connect(_socket, auth: Record<string, unknown>) {
    if (auth.deny) throw new Error("denied");
  },
  events: { nsp: (socket) => socket.nsp.name },
});

/** An in-memory adapter factory that records which namespaces' adapters were closed. */
function recordingAdapter(closed: string[]): AdapterFactory {
  return (nsp: Namespace) => {
    const adapter = new InMemoryAdapter(nsp);
    const close = adapter.close.bind(adapter);
    adapter.close = () => {
      closed.push(nsp.name);
      close();
    };
    return adapter;
  };
}

describe("child namespaces", () => {
  after(closeAll);

  it("removes an empty child and closes its adapter; a later CONNECT makes it anew", async () => {
    const closed: string[] = [];
    const server = await startServer({ gateways: [dynamic], adapter: recordingAdapter(closed) });
    const first = await connect(`${server.url}/dyn-a`, { transports: ["websocket"] });
    assert.equal(await first.timeout(2000).emitWithAck("nsp"), "/dyn-a");
    first.disconnect();
    await waitUntil(() => closed.includes("/dyn-a"), "the child's adapter to close");
    const again = await connect(`${server.url}/dyn-a`, { transports: ["websocket"] });
    assert.equal(await again.timeout(2000).emitWithAck("nsp"), "/dyn-a");
    assert.deepEqual(closed, ["/dyn-a"], "the new child is open");
    await server.close();
  });

  it("keeps a child while one of its sockets is connected", async () => {
    const closed: string[] = [];
    const server = await startServer({ gateways: [dynamic], adapter: recordingAdapter(closed) });
    const one = await connect(`${server.url}/dyn-b`, { transports: ["websocket"] });
    const two = await connect(`${server.url}/dyn-b`, { transports: ["websocket"] });
    one.disconnect();
    await sleep(100);
    assert.equal(closed.length, 0);
    assert.equal(await two.timeout(2000).emitWithAck("nsp"), "/dyn-b");
    two.disconnect();
    await waitUntil(() => closed.includes("/dyn-b"), "the child's adapter to close");
    await server.close();
  });

  it("bounds live children: fresh names connected and left one after another never hit maxChildNamespaces", async () => {
    const server = await startServer({ gateways: [dynamic], maxChildNamespaces: 3 });
    for (let i = 0; i < 20; i++) {
      const client = await connect(`${server.url}/dyn-n${i}`, { transports: ["websocket"] });
      assert.equal(await client.timeout(2000).emitWithAck("nsp"), `/dyn-n${i}`);
      client.disconnect();
    }
    await server.close();
  });

  it("removes a child that every CONNECT was refused from", async () => {
    const closed: string[] = [];
    const server = await startServer({
      gateways: [dynamic],
      adapter: recordingAdapter(closed),
      maxChildNamespaces: 2,
    });
    for (let i = 0; i < 5; i++) {
      const error = await connectError(
        createClient(`${server.url}/dyn-d${i}`, { transports: ["websocket"], auth: { deny: 1 } }),
      );
      assert.equal(error.message, "denied");
    }
    await waitUntil(() => closed.length === 5, "the refused children's adapters to close");
    await server.close();
  });

  it("refuses a CONNECT past maxChildNamespaces with connect_error; the others carry on", async () => {
    const server = await startServer({ gateways: [dynamic], maxChildNamespaces: 2 });
    const a = await connect(`${server.url}/dyn-x`, { transports: ["websocket"] });
    const b = await connect(`${server.url}/dyn-y`, { transports: ["websocket"] });
    const error = await connectError(
      createClient(`${server.url}/dyn-z`, { transports: ["websocket"] }),
    );
    assert.equal(error.message, "Too many child namespaces");
    // an existing child still takes new sockets
    const a2 = await connect(`${server.url}/dyn-x`, { transports: ["websocket"] });
    assert.equal(await a2.timeout(2000).emitWithAck("nsp"), "/dyn-x");
    assert.equal(await b.timeout(2000).emitWithAck("nsp"), "/dyn-y");
    a.disconnect();
    a2.disconnect();
    // a place freed by a removed child can be taken
    await waitUntil(() => server.io.clientsCount === 1, "the /dyn-x clients to leave");
    const z = await connect(`${server.url}/dyn-z`, { transports: ["websocket"] });
    assert.equal(await z.timeout(2000).emitWithAck("nsp"), "/dyn-z");
    await server.close();
  });

  it("keeps every child with cleanupEmptyChildNamespaces: false (the reference's default)", async () => {
    const closed: string[] = [];
    const server = await startServer({
      gateways: [dynamic],
      adapter: recordingAdapter(closed),
      cleanupEmptyChildNamespaces: false,
      maxChildNamespaces: 2,
    });
    for (const name of ["/dyn-k1", "/dyn-k2"]) {
      const client = await connect(server.url + name, { transports: ["websocket"] });
      client.disconnect();
    }
    const error = await connectError(
      createClient(`${server.url}/dyn-k3`, { transports: ["websocket"] }),
    );
    assert.equal(error.message, "Too many child namespaces");
    assert.equal(closed.length, 0);
    await server.close();
  });

  it("with connectionStateRecovery, waits maxDisconnectionDuration before removing a child", async () => {
    const closed: string[] = [];
    const server = await startServer({
      gateways: [dynamic],
      adapter: recordingAdapter(closed),
      connectionStateRecovery: { maxDisconnectionDuration: 400 },
    });
    const client = await connect(`${server.url}/dyn-r`, { transports: ["websocket"] });
    const left = Date.now();
    client.disconnect();
    await sleep(200);
    assert.equal(closed.length, 0, "kept while its sessions may recover");
    await waitUntil(() => closed.includes("/dyn-r"), "the child to be removed");
    assert.ok(Date.now() - left >= 350, `removed after ${Date.now() - left} ms`);
    await server.close();
  });
});
