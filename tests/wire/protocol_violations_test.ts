/**
 * Wire tests of packets that break the Socket.IO protocol's order, answered as socket.io 4.8
 * answers them: a second CONNECT to a namespace, or an EVENT to a namespace never joined, closes
 * the connection cleanly (over long-polling: the CONNECT reply, then a noop and the close
 * packet); a malformed packet reaches the sockets' "error" listeners before the connection
 * closes. A DISCONNECT for a namespace not joined is ignored: it may cross the server's own.
 * Other sessions are untouched throughout.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { AnyServerSocket } from "../../mod.ts";
import { handshake, poll, push, SEP } from "../_helpers/raw_client.ts";
import { closeAll, startServer, type TestServer } from "../_helpers/socketio.ts";
import { waitUntil } from "../_helpers/wait.ts";

describe("protocol violations", () => {
  let server: TestServer;
  const reasons = new Map<string, string>();
  const errors = new Map<string, string>();
  before(async () => {
    server = await startServer({ pingInterval: 10_000, pingTimeout: 5_000 });
    server.io.on("connection", (socket: AnyServerSocket) => {
      socket.on("error", (error) => errors.set(socket.id, (error as Error).message));
      socket.on("disconnect", (reason) => reasons.set(socket.id, reason as string));
    });
  });
  after(() => closeAll());

  /** A polling session connected to "/"; returns its sid and socket id. */
  async function connected(): Promise<{ sid: string; id: string }> {
    const { sid } = await handshake(server.url + "/socket.io/");
    await push(server.url + "/socket.io/", sid, "40");
    const reply = (await poll(server.url + "/socket.io/", sid)).body;
    assert.match(reply, /^40\{"sid":"/);
    return { sid, id: JSON.parse(reply.slice(2)).sid };
  }

  const base = () => server.url + "/socket.io/";

  it("a second CONNECT to a namespace joined closes the connection", async () => {
    const bystander = await connected();
    const { sid, id } = await connected();
    await push(base(), sid, "40");
    assert.equal((await poll(base(), sid)).body, `6${SEP}1`);
    await waitUntil(() => reasons.has(id), "the socket to disconnect");
    assert.equal(reasons.get(id), "forced server close");
    await push(base(), bystander.sid, '42["still here"]');
    assert.equal(reasons.has(bystander.id), false);
  });

  it("two CONNECTs in a row: the CONNECT reply, then a noop and the close packet", async () => {
    const { sid } = await handshake(base());
    await push(base(), sid, "40");
    await push(base(), sid, "40");
    assert.match((await poll(base(), sid)).body, /^40\{"sid":"/);
    assert.equal((await poll(base(), sid)).body, `6${SEP}1`);
  });

  it("an EVENT to a namespace not joined closes the connection", async () => {
    const { sid } = await handshake(base());
    await push(base(), sid, '42["some event"]');
    assert.equal((await poll(base(), sid)).body, `6${SEP}1`);
  });

  it("a DISCONNECT for a namespace not joined is ignored", async () => {
    const { sid, id } = await connected();
    await push(base(), sid, "41/elsewhere,");
    await push(base(), sid, '42["ping"]');
    const parked = poll(base(), sid);
    server.io.of("/").sockets.get(id)!.emit("still", "open");
    assert.equal((await parked).body, '42["still","open"]');
    assert.equal(reasons.has(id), false);
  });

  it("a malformed packet reaches the socket's error listeners, then the connection closes", async () => {
    for (const bad of ["45woooot", "45"]) {
      const { sid, id } = await connected();
      await push(base(), sid, bad);
      assert.equal((await poll(base(), sid)).body, `6${SEP}1`);
      await waitUntil(() => reasons.has(id), `${bad}: the socket to disconnect`);
      assert.match(errors.get(id) ?? "", /^Illegal attachments/);
      assert.equal(reasons.get(id), "parse error");
    }
  });
});
