/**
 * The Streams adapter's codec against messages the official `@socket.io/redis-streams-adapter`
 * 0.3 writes (tests/adapters/streams_samples.mjs runs it on Node): every stream entry and
 * every pub/sub message decodes, and encodes back to the same fields and bytes. Then hostile
 * input: malformed stream entries, pub/sub messages and stored sessions reach a running
 * server, which ignores them and keeps serving a bystander. Skipped without Redis outside CI.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { Buffer } from "node:buffer";
import { createClient } from "redis";
import { createRedisStreamsAdapter } from "../../redis.ts";
import { MessageType } from "../../src/adapters/cluster/message.ts";
import {
  decodePubSubMessage,
  decodeStreamFields,
  encodePubSubMessage,
  encodeStreamFields,
} from "../../src/adapters/redis_streams/stream_codec.ts";
import { entriesOfRange } from "../../src/adapters/redis_streams/stream_reader.ts";
import { closeAll, connect, once, startServer, type TestServer } from "../_helpers/socketio.ts";
import { sleep, withTimeout } from "../_helpers/wait.ts";
import {
  CLUSTER_DEPS,
  clusterSkip,
  ensureClusterDeps,
  REDIS_URL,
  ROOT,
  uniqueKey,
} from "../cluster/cluster_nodes.ts";

const skip = await clusterSkip();

type Redis = ReturnType<typeof createClient>;

function processEnv(): Record<string, string | undefined> {
  return (globalThis as unknown as { process: { env: Record<string, string | undefined> } })
    .process.env;
}

async function runSamples(key: string): Promise<void> {
  const child = spawn("node", ["tests/adapters/streams_samples.mjs"], {
    cwd: ROOT,
    env: { ...processEnv(), CLUSTER_DEPS, REDIS_URL, KEY: key },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stderr?.on("data", (chunk: Uint8Array) => output += new TextDecoder().decode(chunk));
  const exited = new Promise<void>((resolve, reject) => {
    child.once("error", reject);
    child.once(
      "exit",
      (code) => code === 0 ? resolve() : reject(new Error(`exit ${code}: ${output}`)),
    );
  });
  await withTimeout(exited, 20_000, "the samples script").catch((error) => {
    child.kill("SIGKILL");
    throw error;
  });
}

describe("redis streams codec against the official adapter's messages", { skip }, () => {
  const key = uniqueKey("streams-codec");
  const redis: Redis[] = [];
  const published: { channel: string; bytes: Uint8Array }[] = [];
  let entries: ReturnType<typeof entriesOfRange> = [];

  before(async () => {
    await ensureClusterDeps();
    const [main, sub] = [createClient({ url: REDIS_URL }), createClient({ url: REDIS_URL })];
    for (const client of [main, sub]) {
      client.on("error", () => {});
      await client.connect();
      redis.push(client);
    }
    // subscribed to the public channel, this connection counts as a second server
    await sub.subscribe(`${key}#/#`, (message, channel) => {
      published.push({ channel: String(channel), bytes: new Uint8Array(message) });
    }, true);
    await runSamples(key);
    entries = entriesOfRange(await main.sendCommand(["XRANGE", key, "-", "+"]));
  });

  after(async () => {
    if (redis[0]?.isOpen) await redis[0].del(key).catch(() => {});
    for (const client of redis) client.destroy();
  });

  it("decodes every stream entry and encodes it back to the same fields", () => {
    const types = entries.map((entry) => Number(entry.fields.type));
    assert.deepEqual(types, [3, 3, 3, 4, 5, 6]);
    for (const { fields } of entries) {
      const decoded = decodeStreamFields(fields);
      assert.ok(decoded.ok, JSON.stringify(fields));
      const pairs = encodeStreamFields(decoded.value, false);
      const again: Record<string, string> = {};
      for (let i = 0; i < pairs.length; i += 2) again[pairs[i]] = pairs[i + 1];
      assert.deepEqual(again, fields);
      assert.deepEqual(pairs.filter((_, i) => i % 2 === 0), Object.keys(fields));
    }
    const binary = decodeStreamFields(entries[1].fields);
    assert.ok(binary.ok);
    const packet = binary.value.data?.packet as { data: unknown[] };
    assert.deepEqual([...packet.data[1] as Uint8Array], [1, 2, 3]);
    assert.ok(!entries[1].fields.data.startsWith("{"), "bytes as base64 MessagePack");
  });

  it("decodes every pub/sub message and encodes it back byte for byte", () => {
    const types = published.map(({ bytes }) => {
      const decoded = decodePubSubMessage(bytes);
      assert.ok(decoded.ok);
      assert.deepEqual(encodePubSubMessage(decoded.value), bytes);
      return decoded.value.type;
    });
    assert.deepEqual(
      types.sort(),
      [
        MessageType.BROADCAST, // with an acknowledgement
        MessageType.FETCH_SOCKETS,
        MessageType.SERVER_SIDE_EMIT,
        MessageType.SERVER_SIDE_EMIT,
      ].sort(),
    );
  });
});

describe("redis streams adapter: hostile input", { skip }, () => {
  const key = uniqueKey("streams-hostile");
  let redis: Redis;
  let server: TestServer;

  before(async () => {
    redis = createClient({ url: REDIS_URL });
    redis.on("error", () => {});
    await redis.connect();
    server = await startServer({
      adapter: createRedisStreamsAdapter(redis, {
        streamName: key,
        channelPrefix: key,
        sessionKeyPrefix: `${key}:s:`,
        blockTimeInMs: 500,
      }),
      connectionStateRecovery: {},
    });
    await server.io.of("/").adapter.init();
  });

  after(async () => {
    await closeAll();
    if (redis?.isOpen) {
      await redis.del([key, `${key}:s:forged`]).catch(() => {});
      redis.destroy();
    }
  });

  it("ignores malformed stream entries and pub/sub messages, and keeps serving", async () => {
    const bystander = await connect(server.url, { transports: ["websocket"] });
    const xadd = (...fields: string[]) => redis.sendCommand(["XADD", key, "*", ...fields]);
    await xadd("nsp", "/", "type", "3", "uid", "u", "data", "{not json");
    await xadd("nsp", "/", "type", "3", "uid", "u", "data", "%%%not base64");
    await xadd("nsp", "/", "type", "3", "uid", "u", "data", Buffer.from([0xc1]).toString("base64"));
    await xadd("nsp", "/", "type", "3", "uid", "u", "data", '{"packet":{"type":2,"data":[1]}}');
    await xadd("nsp", "/", "type", "3", "uid", "u", "data", '{"packet":"x","opts":7}');
    await xadd("nsp", "/", "type", "4", "uid", "u", "data", '{"opts":{"rooms":{}},"rooms":5}');
    await xadd("nsp", "/", "type", "7", "uid", "u", "data", '{"requestId":{}}');
    await xadd("nsp", "/", "type", "nope", "uid", "u");
    await xadd("nsp", "/", "type", "99", "uid", "u", "data", "[]");
    await xadd("other", "field");
    const deep = "[".repeat(5000) + "]".repeat(5000);
    await xadd("nsp", "/", "type", "3", "uid", "u", "data", `{"packet":{"data":${deep}}}`);
    const channel = `${key}#/#`;
    for (
      const bytes of [
        new Uint8Array([0xc1]),
        new Uint8Array([0x93, 1, 2, 3]),
        new TextEncoder().encode("{}"),
        encodePubSubMessage({
          type: 8,
          data: { requestId: "none", sockets: 5 },
          uid: "u",
          nsp: "/",
        }),
        encodePubSubMessage({ type: 9, data: { packet: "x", requestId: 1 }, uid: "u", nsp: "/" }),
        encodePubSubMessage({ type: 3, data: { requestId: "r", packet: {} }, uid: "u", nsp: "/" }),
      ]
    ) {
      await redis.publish(channel, Buffer.from(bytes));
    }
    await sleep(300);
    const got = once<unknown[]>(bystander, "still");
    await xadd(
      "uid",
      "u",
      "nsp",
      "/",
      "type",
      "3",
      "data",
      '{"packet":{"type":2,"data":["still","here"]},"opts":{"rooms":[],"except":[],"flags":{}}}',
    );
    const [word, offset] = await got;
    assert.equal(word, "here");
    assert.match(String(offset), /^\d+-\d+$/);
  });

  it("refuses forged offsets and sessions that are not sessions", async () => {
    const adapter = server.io.of("/").adapter;
    assert.equal(await adapter.restoreSession?.("forged", "not-an-id"), undefined);
    await redis.set(`${key}:s:forged`, "%%%");
    assert.equal(await adapter.restoreSession?.("forged", "1-0"), undefined);
    await redis.set(`${key}:s:forged`, Buffer.from([0x93, 1, 2, 3]).toString("base64"));
    assert.equal(await adapter.restoreSession?.("forged", "1-0"), undefined);
  });
});
