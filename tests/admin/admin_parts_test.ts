/**
 * The admin's small parts on their own: `socket.data` under watch, sockets and data as the UI
 * gets them (whatever the application keeps in `data`), the per-second counts and UTF-8 sizes,
 * and the in-memory session store.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EventCounts, utf8Length } from "../../src/admin/event_counts.ts";
import { serializeData, serializeSocket } from "../../src/admin/serialize.ts";
import { inMemorySessionStore } from "../../src/admin/session_store.ts";
import { unwatched, watchData } from "../../src/admin/watched_data.ts";

function ticks(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

describe("watchData", () => {
  it("reports sets and deletes at any depth, once per microtask", async () => {
    let changes = 0;
    const data = watchData<Record<string, unknown>>({ a: 1 }, () => changes++);
    data.a = 2;
    data.b = { c: [1] };
    await ticks();
    assert.equal(changes, 1, "coalesced");
    (data.b as { c: number[] }).c.push(2);
    await ticks();
    assert.equal(changes, 2);
    delete data.a;
    await ticks();
    assert.equal(changes, 3);
    assert.deepEqual(JSON.parse(JSON.stringify(data)), { b: { c: [1, 2] } });
  });

  it("leaves Maps, Dates, class instances and frozen objects as they are", async () => {
    let changes = 0;
    class Point {
      constructor(readonly x: number) {}
      norm() {
        return Math.abs(this.x);
      }
    }
    const frozen = Object.freeze({ deep: { v: 1 } });
    const raw: Record<string, unknown> = {};
    Object.defineProperty(raw, "fixed", { value: frozen, enumerable: true });
    const data = watchData(raw, () => changes++);
    const map = new Map([["k", 1]]);
    const date = new Date(0);
    data.map = map;
    data.date = date;
    data.point = new Point(-3);
    assert.equal(data.map, map);
    assert.equal((data.map as Map<string, number>).get("k"), 1);
    assert.equal((data.date as Date).getTime(), 0);
    assert.equal((data.point as Point).norm(), 3);
    assert.equal(data.fixed, frozen, "a non-writable, non-configurable property reads as itself");
    await ticks();
    assert.equal(changes, 1);
  });

  it("stores plain values, never proxies, and can watch the same object again", async () => {
    let first = 0;
    let second = 0;
    const raw = { inner: { n: 1 } };
    const a = watchData(raw, () => first++);
    const inner = a.inner;
    a.inner = inner; // a proxy assigned back is stored as the plain object
    assert.equal(unwatched(a).inner, raw.inner);
    const b = watchData(a, () => second++);
    assert.equal(unwatched(b), raw);
    b.inner.n = 2;
    await ticks();
    assert.equal(second, 1);
    assert.equal(raw.inner.n, 2);
  });
});

describe("serializeSocket / serializeData", () => {
  const handshake = {
    headers: { "x-forwarded-for": "10.1.2.3", host: "h" },
    address: "127.0.0.1",
    query: { EIO: "4" },
    issued: 1,
    secure: false,
    time: "now",
    url: "/socket.io/",
    xdomain: false,
    auth: { token: "secret" },
    vars: { user: "x" },
  };

  it("lists what the UI shows, never auth or middleware variables", () => {
    const socket = {
      id: "s1",
      rooms: new Set(["s1", "r"]),
      data: { _admin: { clientId: "abc", transport: "polling" }, user: "ada" },
      handshake,
    };
    const listed = serializeSocket(socket, "/chat");
    assert.deepEqual(listed, {
      id: "s1",
      clientId: "abc",
      transport: "polling",
      nsp: "/chat",
      data: { user: "ada" },
      handshake: {
        address: "10.1.2.3",
        headers: handshake.headers,
        query: { EIO: "4" },
        issued: 1,
        secure: false,
        time: "now",
        url: "/socket.io/",
        xdomain: false,
      },
      rooms: ["s1", "r"],
    });
  });

  it("copes with any data: cycles, BigInt, functions, non-objects, a malformed _admin", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    assert.equal(serializeData(cyclic), "[data that cannot be serialized]");
    assert.deepEqual(serializeData({ n: 10n, f: () => 1, u: undefined }), { n: "10" });
    assert.deepEqual(serializeData(undefined), {});
    assert.equal(serializeData("text"), "text");
    assert.deepEqual(serializeData([1, 2]), [1, 2]);
    const listed = serializeSocket({
      id: "s",
      rooms: new Set(),
      data: { _admin: { clientId: 5 } },
    }, "/");
    assert.equal(listed.clientId, undefined);
    assert.equal(listed.transport, undefined);
    assert.deepEqual(listed.data, {});
    assert.equal(listed.handshake.address, undefined);
  });
});

describe("EventCounts", () => {
  it("sums per second, type and sub-type, and starts afresh after take", () => {
    const counts = new EventCounts();
    counts.add("packetsIn");
    counts.add("packetsIn");
    counts.add("bytesIn", undefined, 10);
    counts.add("rawDisconnection", "ping timeout");
    counts.add("rawDisconnection", "transport close");
    const taken = counts.take();
    const sum = (type: string, subType?: string) =>
      taken.filter((e) => e.type === type && e.subType === subType)
        .reduce((total, e) => total + e.count, 0);
    assert.equal(sum("packetsIn"), 2);
    assert.equal(sum("bytesIn"), 10);
    assert.equal(sum("rawDisconnection", "ping timeout"), 1);
    assert.ok(taken.every((e) => e.timestamp % 1000 === 0));
    assert.deepEqual(counts.take(), []);
  });

  it("utf8Length is the UTF-8 size, lone surrogates included", () => {
    const samples = ["", "ascii", "é", "€", "😀", "a😀b€é", "\ud800", "\udc00x", "\ud800\ud800"];
    for (const text of samples) {
      assert.equal(utf8Length(text), new TextEncoder().encode(text).length, JSON.stringify(text));
    }
  });
});

describe("inMemorySessionStore", () => {
  it("remembers saved ids and nothing else", async () => {
    const store = inMemorySessionStore();
    await store.saveSession("a");
    assert.equal(await store.doesSessionExist("a"), true);
    assert.equal(await store.doesSessionExist("b"), false);
    assert.equal(await store.doesSessionExist("__proto__"), false);
  });
});
