/**
 * `maxNamespacesPerConnection`: a CONNECT beyond the limit is answered with CONNECT_ERROR
 * `{ message: "Too many namespaces" }`, the connection and its other namespaces carry on, and a
 * namespace left frees its place. Static and dynamic namespaces count alike; the default is 50.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { defineGateway } from "../../mod.ts";
import {
  closeAll,
  connected,
  connectError,
  createManager,
  startServer,
  track,
} from "../_helpers/socketio.ts";
import { waitUntil } from "../_helpers/wait.ts";
import { closeRawClients, RawWsClient } from "./_raw_ws.ts";

const echo = (namespace: string | RegExp) =>
  defineGateway({ namespace, events: { echo: (_socket, value: unknown) => value } });

describe("maxNamespacesPerConnection", () => {
  after(async () => {
    await closeRawClients();
    await closeAll();
  });

  for (const transports of [["websocket"], ["polling"]] as const) {
    it(`refuses the namespace past the limit with connect_error (${transports[0]})`, async () => {
      const server = await startServer({
        gateways: [echo("/"), echo("/a"), echo("/b")],
        maxNamespacesPerConnection: 2,
      });
      const manager = createManager(server.url, { transports: [...transports] });
      const [root, a, b] = ["/", "/a", "/b"].map((nsp) => track(manager.socket(nsp)));
      await Promise.all([connected(root), connected(a)]);
      const error = await connectError(b);
      assert.equal(error.message, "Too many namespaces");
      assert.equal(await root.timeout(2000).emitWithAck("echo", "root"), "root");
      assert.equal(await a.timeout(2000).emitWithAck("echo", "a"), "a");
      assert.equal(server.io.clientsCount, 1, "one connection, still open");
      await server.close();
    });
  }

  it("a namespace left frees its place", async () => {
    const server = await startServer({
      gateways: [echo("/"), echo("/a"), echo("/b")],
      maxNamespacesPerConnection: 2,
    });
    const manager = createManager(server.url, { transports: ["websocket"] });
    const [root, a, b] = ["/", "/a", "/b"].map((nsp) => track(manager.socket(nsp)));
    await Promise.all([connected(root), connected(a), connectError(b)]);
    const aId = a.id!;
    a.disconnect();
    await waitUntil(() => !server.io.of("/a").sockets.has(aId), "/a to leave");
    b.connect();
    await connected(b);
    assert.equal(await b.timeout(2000).emitWithAck("echo", "b"), "b");
    await server.close();
  });

  it("counts dynamic namespaces, and defaults to 50", async () => {
    const server = await startServer({ gateways: [echo("/"), echo(/^\/n\d+$/)] });
    const { client } = await RawWsClient.session(server.port, "/socket.io/");
    for (let i = 0; i < 55; i++) client.send(`40/n${i},`);
    const replies: string[] = [];
    for (let i = 0; i < 55; i++) replies.push(await client.text());
    const accepted = replies.filter((reply) => /^40\/n\d+,\{"sid"/.test(reply));
    const refused = replies.filter((reply) => reply.startsWith("44/n"));
    assert.equal(accepted.length, 50);
    assert.equal(refused.length, 5);
    for (const reply of refused) {
      assert.deepEqual(JSON.parse(reply.slice(reply.indexOf(",") + 1)), {
        message: "Too many namespaces",
      });
    }
    await client.close();
    await server.close();
  });
});
