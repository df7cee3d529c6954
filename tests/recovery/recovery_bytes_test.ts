/**
 * `connectionStateRecovery.maxBufferedBytes`: the packets kept for reconnecting clients are
 * capped in bytes as well as in count (the oldest go first, the newest always stays), in
 * memory and in Redis. Before, 400 packets of 1 MB were all kept (10,000 × maxHttpBufferSize
 * could be held per namespace).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import { createServer } from "../../mod.ts";
import { pubSubOf } from "../../src/adapters/redis/clients.ts";
import { RedisSessionStore } from "../../src/adapters/redis/recovery_store.ts";
import { approximateSize, InMemorySessionStore } from "../../src/server/recovery.ts";
import { clusterSkip, REDIS_URL, uniqueKey } from "../cluster/cluster_nodes.ts";

const everyone = { rooms: new Set<string>(), except: new Set<string>(), flags: {} };
const KIB = "x".repeat(1024);

function options(maxBufferedBytes: number, maxBufferedPackets = 10_000) {
  return {
    maxDisconnectionDuration: 60_000,
    skipMiddlewares: true,
    maxBufferedPackets,
    maxBufferedBytes,
  };
}

/** A function that collects garbage now, where the runtime offers one. */
function collectGarbage(): (() => void) | undefined {
  const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
  if (bun) return () => bun.gc(true);
  return (globalThis as { gc?: () => void }).gc;
}

const session = (pid: string) => ({ sid: `S-${pid}`, pid, rooms: [`S-${pid}`], data: {} });

describe("approximateSize", () => {
  it("counts strings, binary, numbers and structure; shared values and cycles once", () => {
    assert.ok(approximateSize(["e", KIB]) >= 1024);
    assert.ok(approximateSize(["e", new Uint8Array(4096)]) >= 4096);
    assert.ok(approximateSize({ a: 1, b: [true, null] }) > 0);
    const cyclic: Record<string, unknown> = { big: KIB };
    cyclic.self = cyclic;
    const size = approximateSize([cyclic, cyclic]);
    assert.ok(size >= 1024 && size < 2048, `${size}`);
  });
});

describe("in-memory recovery store: maxBufferedBytes", () => {
  it("keeps at most maxBufferedBytes (plus one packet), dropping the oldest", () => {
    const store = new InMemorySessionStore(options(64 * 1024));
    for (let i = 0; i < 400; i++) {
      store.addPacket(`o${i}`, ["big", KIB.repeat(4), `o${i}`], everyone);
    }
    const { packets, bytes } = store.size;
    assert.ok(bytes <= 64 * 1024, `${bytes} bytes held`);
    assert.ok(packets >= 14 && packets <= 16, `${packets} packets held`);
    store.persist(session("old"));
    store.persist(session("new"));
    assert.equal(store.restore("old", "o10"), undefined, "a dropped offset cannot recover");
    const recovered = store.restore("new", "o395");
    assert.deepEqual(recovered?.missedPackets.map((data) => data.at(-1)), [
      "o396",
      "o397",
      "o398",
      "o399",
    ]);
    store.clear();
  });

  it("always keeps the newest packet, even one above the cap", () => {
    const store = new InMemorySessionStore(options(1000));
    store.addPacket("a", ["e", KIB.repeat(2), "a"], everyone);
    store.addPacket("b", ["e", KIB.repeat(2), "b"], everyone);
    assert.equal(store.size.packets, 1);
    store.clear();
  });

  it("lets go of dropped packets at once (not when the array is next compacted)", {
    skip: collectGarbage() === undefined ? "no way to collect garbage in this runtime" : false,
  }, async () => {
    const store = new InMemorySessionStore(options(8 * 1024));
    let first: unknown[] | undefined = ["e", KIB.repeat(8), "o0"];
    const dropped = new WeakRef(first);
    store.addPacket("o0", first, everyone);
    first = undefined;
    for (let i = 1; i < 5; i++) store.addPacket(`o${i}`, ["e", KIB.repeat(8), `o${i}`], everyone);
    for (let i = 0; i < 5 && dropped.deref() !== undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      collectGarbage()?.();
    }
    assert.equal(dropped.deref(), undefined, "the dropped packet was collected");
    store.clear();
  });

  it("defaults to 16 MiB", () => {
    const io = createServer({ connectionStateRecovery: {} });
    const recovery = io.sockets.recovery;
    assert.equal(recovery?.maxBufferedBytes, 16 * 1024 * 1024);
    assert.throws(
      () => createServer({ connectionStateRecovery: { maxBufferedBytes: 0 } }),
      /^TypeError: createServer: connectionStateRecovery\.maxBufferedBytes must be a positive number of bytes, or Infinity for no limit, got 0, e\.g\. connectionStateRecovery: \{ maxBufferedBytes: 16777216 \}$/,
    );
  });
});

const skip = await clusterSkip();

describe("Redis recovery store: maxBufferedBytes", { skip }, () => {
  const redis = createClient({ url: REDIS_URL });
  before(() => redis.connect().then(() => {}));
  after(() => redis.quit().then(() => {}));

  /** Bytes of the packets in a log (the size of each entry's fields). */
  async function logged(log: string): Promise<{ entries: number; bytes: number }> {
    const entries = await redis.xRange(log, "-", "+");
    let bytes = 0;
    for (const entry of entries) bytes += entry.message.p.length + entry.message.o.length;
    return { entries: entries.length, bytes };
  }

  it("trims the log to about maxBufferedBytes of encoded packets; the newest offsets recover", async () => {
    const key = uniqueKey("recovery-bytes");
    const store = new RedisSessionStore(pubSubOf(redis, "test"), key, "/", options(64 * 1024));
    for (let i = 0; i < 200; i++) {
      await store.addPacket(`o${i}`, ["big", KIB.repeat(4), `o${i}`], everyone);
    }
    const { entries, bytes } = await logged(`${key}-recovery#/#log`);
    assert.ok(bytes <= 64 * 1024 + 6 * 1024, `${bytes} bytes in the log`);
    assert.ok(entries >= 9 && entries <= 12, `${entries} entries in the log`);
    await store.persist(session("old"));
    await store.persist(session("new"));
    assert.equal(await store.restore("old", "o10"), undefined, "a trimmed offset cannot recover");
    const recovered = await store.restore("new", "o197");
    assert.deepEqual(recovered?.missedPackets.map((data) => data.at(-1)), ["o198", "o199"]);
    await redis.del(`${key}-recovery#/#log`);
  });

  it("carries on a log written with time ids (before the byte cap)", async () => {
    const key = uniqueKey("recovery-bytes-old");
    const log = `${key}-recovery#/#log`;
    await redis.xAdd(log, "*", { o: "legacy", p: "" });
    const store = new RedisSessionStore(pubSubOf(redis, "test"), key, "/", options(64 * 1024));
    await store.addPacket("o1", ["e", "o1"], everyone);
    await store.addPacket("o2", ["e", "o2"], everyone);
    await store.persist(session("p"));
    const recovered = await store.restore("p", "o1");
    assert.deepEqual(recovered?.missedPackets, [["e", "o2"]]);
    await redis.del(log);
  });
});
