/**
 * The Admin UI across a Redis cluster: this process runs one node (`createServer`), a child
 * process of the other runtime runs the second (the compat `Server`), and, when tsx is there
 * (SIO_TSX_LOADER), a Node child a third. The UI connects to the first only, sees every
 * server, the other node's sockets and their events, and its actions reach the other node's
 * sockets. Skipped only when Redis is unreachable outside CI.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { hashSync } from "bcryptjs";
import { createClient as createRedisClient } from "redis";
import { type AdminInstrumentation, instrument, type SerializedSocket } from "../../admin.ts";
import type { ServerStats } from "../../admin.ts";
import { createRedisAdapter } from "../../redis.ts";
import { type SpawnedServer, spawnServer } from "../_helpers/spawn_fixture.ts";
import {
  type ClientSocket,
  closeAll,
  connect,
  once,
  startServer,
  type TestServer,
  WAIT_MS,
} from "../_helpers/socketio.ts";
import { waitUntil } from "../_helpers/wait.ts";
import { clusterSkip, REDIS_URL, uniqueKey } from "../cluster/cluster_nodes.ts";
import { type AdminUi, connectAdmin, PASSWORD, USERNAME } from "./admin_ui_client.ts";

const skip = await clusterSkip();
const inDeno = "Deno" in globalThis;
const HASH = hashSync(PASSWORD, 4);
const SCRIPT = "tests/admin/admin_cluster_node.ts";
const TSX_LOADER = (globalThis as unknown as { process: { env: Record<string, string> } })
  .process.env.SIO_TSX_LOADER;
/** Through Redis and another process on a busy machine: more than a local wait. */
const CLUSTER_WAIT_MS = 8000;

describe("admin UI across a Redis cluster (a member on each runtime)", { skip }, () => {
  const key = uniqueKey("admin");
  let remote: SpawnedServer | undefined;
  let nodeChild: SpawnedServer | undefined;
  let local: TestServer | undefined;
  let admin: AdminInstrumentation | undefined;
  let redis: { close(): Promise<unknown> }[] = [];
  let remoteUrl = "";

  before(async () => {
    const otherRuntime = inDeno ? ["bun", SCRIPT] : ["deno", "run", "-A", SCRIPT];
    const env = { REDIS_URL, REDIS_KEY: key, ADMIN_HASH: HASH };
    const starting = spawnServer(otherRuntime, { ...env, ADMIN_SERVER_ID: "node-b" }, "node-b");
    const startingNode = TSX_LOADER
      ? spawnServer(["node", "--import", TSX_LOADER, SCRIPT], {
        ...env,
        ADMIN_SERVER_ID: "node-c",
      }, "node-c")
      : undefined;
    const pubClient = createRedisClient({ url: REDIS_URL });
    const subClient = pubClient.duplicate();
    redis = [pubClient, subClient];
    await Promise.all([pubClient.connect(), subClient.connect()]);
    local = await startServer({
      adapter: createRedisAdapter(pubClient, subClient, { key, requestsTimeout: 3000 }),
    });
    admin = instrument(local.io, {
      auth: { type: "basic", username: USERNAME, password: HASH },
      serverId: "node-a",
    });
    await Promise.all([...local.io.namespaces()].map((nsp) => nsp.adapter.init()));
    [remote, nodeChild] = await Promise.all([starting, startingNode]);
    remoteUrl = `http://127.0.0.1:${remote.port}`;
  }, { timeout: 60_000 });

  after(async () => {
    admin?.close();
    await closeAll().catch(() => {});
    await Promise.allSettled([remote?.stop(), nodeChild?.stop()]);
    await Promise.allSettled(redis.map((client) => client.close()));
  });

  async function ui(): Promise<AdminUi> {
    return await connectAdmin(local!.url + "/admin");
  }

  it("reports every server to a UI connected to one", { timeout: 20_000 }, async () => {
    const view = await ui();
    for (const serverId of ["node-a", "node-b", ...(nodeChild ? ["node-c"] : [])]) {
      const [stats] = await view.next(
        "server_stats",
        ([s]) => (s as ServerStats).serverId === serverId,
        CLUSTER_WAIT_MS,
      ) as [ServerStats];
      assert.ok(stats.namespaces.some((nsp) => nsp.name === "/admin"), serverId);
    }
  });

  it("lists the other node's sockets and tells their arrival, events and departure", {
    timeout: 20_000,
  }, async () => {
    const early = await connect(remoteUrl, { transports: ["websocket"] });
    const view = await ui();
    const [sockets] = await view.next("all_sockets", undefined, CLUSTER_WAIT_MS) as [
      SerializedSocket[],
    ];
    const listed = sockets.find((socket) => socket.id === early.id);
    assert.ok(listed, "the other node's socket is listed");
    assert.equal(listed.nsp, "/");
    assert.equal(listed.transport, "websocket");
    assert.equal(listed.clientId, early.io.engine.id.slice(0, 12));

    const late = await connect(remoteUrl);
    const lateId = late.id;
    await view.next(
      "socket_connected",
      ([s]) => (s as SerializedSocket).id === lateId,
      CLUSTER_WAIT_MS,
    );
    assert.equal(await late.timeout(WAIT_MS).emitWithAck("hello", 1), "hello from node-b");
    const [, , args] = await view.next(
      "event_received",
      ([nsp, id]) => nsp === "/" && id === lateId,
      CLUSTER_WAIT_MS,
    );
    assert.deepEqual(args, ["hello", 1]);
    late.disconnect();
    await view.next("socket_disconnected", ([, id]) => id === lateId, CLUSTER_WAIT_MS);
  });

  it("the UI's actions reach the other node's sockets", { timeout: 20_000 }, async () => {
    const view = await ui();
    await view.next("config");
    const client: ClientSocket = await connect(remoteUrl, { transports: ["websocket"] });
    const id = client.id!;

    assert.deepEqual(await view.act("join", "/", "blue", id), { ok: true });
    await view.next(
      "room_joined",
      ([, room, who]) => room === "blue" && who === id,
      CLUSTER_WAIT_MS,
    );
    const inBlue = await local!.io.in("blue").fetchSockets();
    assert.deepEqual(inBlue.map((socket) => socket.id), [id]);

    const notice = once(client, "notice", CLUSTER_WAIT_MS);
    assert.deepEqual(await view.act("emit", "/", "blue", "notice", "from the admin"), { ok: true });
    assert.deepEqual(await notice, ["from the admin"]);

    assert.deepEqual(await view.act("leave", "/", "blue", id), { ok: true });
    await view.next("room_left", ([, room, who]) => room === "blue" && who === id, CLUSTER_WAIT_MS);

    const gone = once(client, "disconnect", CLUSTER_WAIT_MS);
    assert.deepEqual(await view.act("_disconnect", "/", false, id), { ok: true });
    assert.equal((await gone)[0], "io server disconnect");
    await view.next("socket_disconnected", ([, who]) => who === id, CLUSTER_WAIT_MS);
  });

  it("a UI on the other node sees this node's sockets", { timeout: 20_000 }, async () => {
    const client = await connect(local!.url);
    const view = await connectAdmin(remoteUrl + "/admin");
    const [sockets] = await view.next("all_sockets", undefined, CLUSTER_WAIT_MS) as [
      SerializedSocket[],
    ];
    assert.ok(sockets.some((socket) => socket.id === client.id));
    await view.next(
      "server_stats",
      ([s]) => (s as ServerStats).serverId === "node-a",
      CLUSTER_WAIT_MS,
    );
  });

  it("a UI on the Node member acts on a socket of this node", {
    timeout: 20_000,
    skip: TSX_LOADER ? false : "SIO_TSX_LOADER is not set (no Node member)",
  }, async () => {
    const client = await connect(local!.url, { transports: ["websocket"] });
    const id = client.id!;
    const view = await connectAdmin(`http://127.0.0.1:${nodeChild!.port}/admin`);
    const [sockets] = await view.next("all_sockets", undefined, CLUSTER_WAIT_MS) as [
      SerializedSocket[],
    ];
    assert.ok(sockets.some((socket) => socket.id === id));
    assert.deepEqual(await view.act("join", "/", "green", id), { ok: true });
    await waitUntil(
      () => local!.io.of("/").sockets.get(id)?.rooms.has("green") === true,
      "the socket in green",
      CLUSTER_WAIT_MS,
    );
  });
});
