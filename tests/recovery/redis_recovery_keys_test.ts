/**
 * Recovery keys in Redis join the namespace and the pid with "#": both are escaped, so neither
 * a dynamic namespace name nor a pid a client sends can point into another namespace's
 * sessions (a session of "/a#session#X" must never be restored into "/a").
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import { pubSubOf } from "../../src/adapters/redis/clients.ts";
import { keyPart, RedisSessionStore } from "../../src/adapters/redis/recovery_store.ts";
import { clusterSkip, REDIS_URL, uniqueKey } from "../cluster/cluster_nodes.ts";

const skip = await clusterSkip();
const options = {
  maxDisconnectionDuration: 5000,
  skipMiddlewares: true,
  maxBufferedPackets: 100,
  maxBufferedBytes: Infinity,
};
const everyone = { rooms: new Set<string>(), except: new Set<string>(), flags: {} };

describe("Redis recovery keys", { skip }, () => {
  const redis = createClient({ url: REDIS_URL });
  before(() => redis.connect().then(() => {}));
  after(() => redis.quit().then(() => {}));

  it("escapes % and # in key parts", () => {
    assert.equal(keyPart("/a#session#X"), "/a%23session%23X");
    assert.equal(keyPart("/100%"), "/100%25");
    assert.notEqual(keyPart("/a%23"), keyPart("/a#"));
  });

  it("a namespace name cannot forge another namespace's session key", async () => {
    const key = uniqueKey("recovery-keys");
    const pubSub = pubSubOf(redis, "test");
    const target = new RedisSessionStore(pubSub, key, "/a", options);
    const forger = new RedisSessionStore(pubSub, key, "/a#session#X", options);
    await target.addPacket("o1", ["event"], everyone);
    await forger.addPacket("o2", ["event"], everyone);
    await forger.persist({ sid: "S2", pid: "P", rooms: ["S2", "private"], data: { user: 2 } });

    assert.equal(await target.restore("X#session#P", "o1"), undefined);
    const own = await forger.restore("P", "o2");
    assert.equal(own?.sid, "S2");
    assert.deepEqual(own?.rooms, ["S2", "private"]);
  });
});
