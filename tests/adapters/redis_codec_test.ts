/**
 * The Redis adapter's codec and messages against real traffic captured from Node's
 * `@socket.io/redis-adapter` 8.3 and `@socket.io/redis-emitter` 5.1 (redis_samples.json,
 * base64 of the raw bytes): every sample decodes to its recorded view, and every message our
 * adapter also sends re-encodes to the very same bytes.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import samples from "./redis_samples.json" with { type: "json" };
import { decodeMessage, decodeMsgpack, encodeMsgpack } from "../../src/adapters/redis/codec.ts";
import {
  broadcastChannel,
  channelsOf,
  encodeAllRoomsRequest,
  encodeAllRoomsResponse,
  encodeBroadcast,
  encodeBroadcastAckRequest,
  encodeBroadcastAckResponse,
  encodeClientCountResponse,
  encodeDisconnectRequest,
  encodeFetchRequest,
  encodeFetchResponse,
  encodeRoomsRequest,
  encodeServerSideEmitRequest,
  encodeServerSideEmitResponse,
  parseBroadcast,
  parseRequest,
  parseResponse,
  parseSockets,
  randomId,
  RequestType,
  type WirePacket,
} from "../../src/adapters/redis/protocol.ts";

interface Sample {
  note: string;
  channel: string;
  format: string;
  decoded: unknown;
  base64: string;
}

const classic = [...samples.classic_captured, ...samples.classic_extra] as Sample[];

function sample(notePrefix: string): Sample {
  const found = classic.find((entry) => entry.note.startsWith(notePrefix));
  if (!found) throw new Error(`no sample "${notePrefix}"`);
  return found;
}

function raw(entry: Sample): Uint8Array {
  return Uint8Array.from(atob(entry.base64), (char) => char.charCodeAt(0));
}

function text(bytes: string | Uint8Array): string {
  return typeof bytes === "string" ? bytes : new TextDecoder().decode(bytes);
}

/** The samples' decoded view writes binary as { $binary: base64 }: turn it into bytes. */
function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (typeof value !== "object" || value === null) return value;
  const record = value as Record<string, unknown>;
  if (typeof record.$binary === "string" && Object.keys(record).length === 1) {
    return Uint8Array.from(atob(record.$binary), (char) => char.charCodeAt(0));
  }
  return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, revive(item)]));
}

/** Compares decoded data with a view, binary values by their bytes. */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return { bytes: [...value] };
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, plain(item)]));
}

function decoded(entry: Sample): unknown {
  const result = decodeMessage(raw(entry));
  assert.ok(result.ok, result.ok ? "" : result.error);
  return result.value;
}

describe("redis adapter: captured broadcasts", () => {
  const broadcasts = classic.filter((entry) =>
    entry.format === "msgpack" && Array.isArray(entry.decoded)
  );

  it("decodes every captured broadcast to its recorded view", () => {
    assert.ok(broadcasts.length >= 6);
    for (const entry of broadcasts) {
      const parsed = parseBroadcast(decoded(entry));
      assert.ok(parsed.ok, entry.note);
      const [uid, packet, opts] = revive(entry.decoded) as [string, WirePacket, object];
      assert.equal(parsed.value.uid, uid, entry.note);
      assert.deepEqual(plain(parsed.value.packet), plain(packet), entry.note);
      const { rooms, except, flags } = opts as Record<string, unknown>;
      assert.deepEqual(parsed.value.opts, { rooms, except, flags }, entry.note);
    }
  });

  it("re-encodes the adapter's broadcasts byte for byte (room channel, except, binary)", () => {
    const ours = broadcasts.filter((entry) => (entry.decoded as unknown[])[0] !== "emitter");
    assert.equal(ours.length, 3);
    for (const entry of ours) {
      const parsed = parseBroadcast(decoded(entry));
      assert.ok(parsed.ok);
      assert.deepEqual([...encodeBroadcast(parsed.value)], [...raw(entry)], entry.note);
      const channels = channelsOf("socket.io", "/", parsed.value.uid);
      assert.equal(broadcastChannel(channels, parsed.value.opts.rooms), entry.channel, entry.note);
    }
  });

  it("keeps packet type 2 and inline bin for binary arguments", () => {
    const entry = sample("broadcast with binary");
    const bytes = raw(entry);
    assert.equal(bytes[0], 0x93); // fixarray of 3
    const parsed = parseBroadcast(decoded(entry));
    assert.ok(parsed.ok);
    assert.equal(parsed.value.packet.type, 2);
    const [, payload, tail] = parsed.value.packet.data as [
      string,
      { big: Uint8Array; nested: { list: unknown[] } },
      Uint8Array,
    ];
    assert.ok(payload.big instanceof Uint8Array);
    assert.equal(payload.big.length, 256);
    assert.deepEqual([...payload.nested.list[0] as Uint8Array], [0xc8, 0xcf, 0xd6]);
    assert.deepEqual([...payload.nested.list[2] as Uint8Array], []);
    assert.deepEqual([...tail], [9, 8, 7]);
  });

  it("reads the emitter's broadcasts (uid emitter, rooms/flags/except key order)", () => {
    for (const note of ["emitter: broadcast to two rooms", "emitter: broadcast with except"]) {
      const parsed = parseBroadcast(decoded(sample(note)));
      assert.ok(parsed.ok);
      assert.equal(parsed.value.uid, "emitter");
      assert.equal(parsed.value.packet.nsp, "/");
    }
    const custom = parseBroadcast(decoded(sample("emitter: /custom")));
    assert.ok(custom.ok);
    assert.equal(custom.value.packet.nsp, "/custom");
    assert.equal(
      sample("emitter: /custom").channel,
      channelsOf("socket.io", "/custom", "x").broadcast,
    );
  });
});

describe("redis adapter: captured requests and responses", () => {
  it("re-encodes fetchSockets request and response byte for byte", () => {
    const request = sample("REMOTE_FETCH request");
    const parsed = parseRequest(decoded(request));
    assert.ok(parsed.ok);
    const { uid, requestId, type, opts } = parsed.value;
    assert.equal(type, RequestType.REMOTE_FETCH);
    assert.equal(text(encodeFetchRequest(uid!, requestId!, opts!)), text(raw(request)));

    for (const note of ["REMOTE_FETCH response", "REMOTE_FETCH response with publish"]) {
      const response = sample(note);
      const read = parseResponse(decoded(response));
      assert.ok(read.ok);
      const sockets = parseSockets(read.value.sockets);
      assert.equal(sockets.length, 1);
      assert.equal(text(encodeFetchResponse(read.value.requestId, sockets)), text(raw(response)));
    }
  });

  it("re-encodes join and disconnect requests, and reads the emitter's uid-less ones", () => {
    const join = sample("REMOTE_JOIN request from a node");
    const parsed = parseRequest(decoded(join));
    assert.ok(parsed.ok);
    const { uid, opts, rooms } = parsed.value;
    assert.equal(
      text(encodeRoomsRequest(uid!, RequestType.REMOTE_JOIN, opts!, rooms)),
      text(raw(join)),
    );

    const disconnect = sample("REMOTE_DISCONNECT request");
    const read = parseRequest(decoded(disconnect));
    assert.ok(read.ok);
    assert.equal(
      text(encodeDisconnectRequest(read.value.uid!, read.value.opts!, read.value.close)),
      text(raw(disconnect)),
    );

    for (
      const [note, type] of [
        ["REMOTE_JOIN request from the emitter", RequestType.REMOTE_JOIN],
        ["REMOTE_LEAVE request from the emitter", RequestType.REMOTE_LEAVE],
      ] as const
    ) {
      const emitter = parseRequest(decoded(sample(note)));
      assert.ok(emitter.ok);
      assert.equal(emitter.value.type, type);
      assert.equal(emitter.value.uid, undefined);
      assert.deepEqual(emitter.value.opts, { rooms: ["r2"], except: [], flags: {} });
      assert.deepEqual(emitter.value.rooms, ["em-room"]);
    }
  });

  it("re-encodes serverSideEmit requests (with and without ack) and the ack response", () => {
    for (const note of ["SERVER_SIDE_EMIT without ack", "SERVER_SIDE_EMIT with ack: request"]) {
      const entry = sample(note);
      const parsed = parseRequest(decoded(entry));
      assert.ok(parsed.ok);
      const { uid, requestId, data } = parsed.value;
      assert.equal(text(encodeServerSideEmitRequest(uid!, requestId, data!)), text(raw(entry)));
    }
    const emitter = parseRequest(decoded(sample("SERVER_SIDE_EMIT from the emitter")));
    assert.ok(emitter.ok);
    assert.equal(emitter.value.uid, "emitter");
    assert.equal(emitter.value.requestId, undefined);

    const response = sample("SERVER_SIDE_EMIT with ack: response");
    const read = parseResponse(decoded(response));
    assert.ok(read.ok);
    assert.equal(read.value.type, RequestType.SERVER_SIDE_EMIT);
    assert.equal(
      text(encodeServerSideEmitResponse(read.value.requestId, read.value.data)),
      text(raw(response)),
    );
  });

  it("re-encodes the broadcast-with-ack request (7), client count (8) and ack (9)", () => {
    const request = sample("BROADCAST with ack: request");
    assert.notEqual(raw(request)[0], 0x7b); // MessagePack, not JSON
    const parsed = parseRequest(decoded(request));
    assert.ok(parsed.ok);
    const { uid, requestId, packet, opts } = parsed.value;
    assert.deepEqual(opts, { rooms: [], except: [], flags: { timeout: 2000 } });
    assert.deepEqual(
      [...encodeBroadcastAckRequest(uid!, requestId!, packet!, opts!)],
      [...raw(request)],
    );

    const count = sample("BROADCAST with ack: client count");
    const counted = parseResponse(decoded(count));
    assert.ok(counted.ok);
    assert.equal(
      text(encodeClientCountResponse(counted.value.requestId, counted.value.clientCount as number)),
      text(raw(count)),
    );

    const ack = sample("BROADCAST with ack: one client's ack");
    const acked = parseResponse(decoded(ack));
    assert.ok(acked.ok);
    assert.equal(acked.value.type, RequestType.BROADCAST_ACK);
    assert.deepEqual(acked.value.packet, { answer: 42 });
    assert.deepEqual(
      [...encodeBroadcastAckResponse(acked.value.requestId, acked.value.packet)],
      [...raw(ack)],
    );
  });

  it("re-encodes allRooms request and response", () => {
    const request = sample("ALL_ROOMS request");
    const parsed = parseRequest(decoded(request));
    assert.ok(parsed.ok);
    assert.equal(
      text(encodeAllRoomsRequest(parsed.value.uid!, parsed.value.requestId!)),
      text(raw(request)),
    );
    const response = sample("ALL_ROOMS response");
    const read = parseResponse(decoded(response));
    assert.ok(read.ok);
    assert.equal(
      text(encodeAllRoomsResponse(read.value.requestId, read.value.rooms as string[])),
      text(raw(response)),
    );
  });

  it("names the channels as the captures show", () => {
    const channels = channelsOf("socket.io", "/", "QX417y");
    assert.deepEqual(channels, {
      broadcast: "socket.io#/#",
      pattern: "socket.io#/#*",
      request: "socket.io-request#/#",
      response: "socket.io-response#/#",
      specificResponse: "socket.io-response#/#QX417y#",
    });
    assert.equal(sample("REMOTE_FETCH response with publish").channel, channels.specificResponse);
    assert.equal(sample("REMOTE_FETCH request").channel, channels.request);
    assert.equal(sample("ALL_ROOMS response").channel, channels.response);
    assert.equal(broadcastChannel(channels, ["r1"]), "socket.io#/#r1#");
    assert.equal(broadcastChannel(channels, []), "socket.io#/#");
    assert.equal(broadcastChannel(channels, ["r1", "r2"]), "socket.io#/#");
    // glob characters of a namespace are escaped in the pattern only
    assert.equal(channelsOf("p", "/a*b", "u").pattern, "p#/a\\*b#*");
    assert.equal(channelsOf("p", "/a*b", "u").broadcast, "p#/a*b#");
  });

  it("makes 6-character URL-safe ids", () => {
    const ids = new Set(Array.from({ length: 50 }, randomId));
    assert.ok(ids.size > 45);
    for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{6}$/);
  });
});

describe("redis adapter: MessagePack as notepack.io writes it", () => {
  it("leaves out map keys holding undefined or a function, writes nil elsewhere", () => {
    assert.deepEqual([...encodeMsgpack({ a: 1, b: undefined, f: () => {} })], [
      0x81,
      0xa1,
      0x61,
      0x01,
    ]);
    assert.deepEqual([...encodeMsgpack([undefined, null])], [0x92, 0xc0, 0xc0]);
    assert.deepEqual([...encodeMsgpack(undefined)], [0xc0]);
  });

  it("writes every kind of binary as bin, and decodes bin as Uint8Array", () => {
    const bytes = new Uint8Array([0, 1, 2, 3, 4, 5]);
    for (
      const value of [
        bytes.subarray(1, 4),
        bytes.buffer.slice(1, 4),
        new DataView(bytes.buffer, 1, 3),
        Buffer.from([1, 2, 3]),
      ]
    ) {
      const encoded = encodeMsgpack({ b: value });
      assert.deepEqual([...encoded], [0x81, 0xa1, 0x62, 0xc4, 3, 1, 2, 3]);
      const back = decodeMsgpack(encoded);
      assert.ok(back.ok);
      const b = (back.value as { b: Uint8Array }).b;
      assert.ok(b instanceof Uint8Array);
      assert.deepEqual([...b], [1, 2, 3]);
    }
    assert.deepEqual([...encodeMsgpack(new Uint8Array(300))].slice(0, 3), [0xc5, 0x01, 0x2c]);
  });

  it("writes dates as timestamps and other toJSON objects as what toJSON returns", () => {
    const date = new Date(1_700_000_000_000);
    const encoded = encodeMsgpack(date);
    assert.deepEqual([...encoded.subarray(0, 2)], [0xd6, 0xff]); // timestamp 32
    const back = decodeMsgpack(encoded);
    assert.ok(back.ok && back.value instanceof Date);
    assert.equal((back.value as Date).getTime(), date.getTime());
    const custom = { toJSON: () => ({ x: 1 }) };
    assert.deepEqual([...encodeMsgpack(custom)], [...encodeMsgpack({ x: 1 })]);
  });

  it("reads notepack's legacy extension 0: undefined and raw bytes", () => {
    const undef = decodeMsgpack(new Uint8Array([0x91, 0xd4, 0x00, 0x00]));
    assert.ok(undef.ok);
    assert.deepEqual(undef.value, [undefined]);
    const buffer = decodeMsgpack(new Uint8Array([0xc7, 0x03, 0x00, 7, 8, 9]));
    assert.ok(buffer.ok);
    assert.deepEqual([...buffer.value as Uint8Array], [7, 8, 9]);
  });

  it("tells JSON from MessagePack by the first byte and refuses garbage", () => {
    const json = decodeMessage(new TextEncoder().encode('{"type":1}'));
    assert.deepEqual(json, { ok: true, value: { type: 1 } });
    const msgpack = decodeMessage(encodeMsgpack({ type: 1 }));
    assert.deepEqual(msgpack, { ok: true, value: { type: 1 } });
    assert.equal(decodeMessage(new Uint8Array()).ok, false);
    assert.equal(decodeMessage(new TextEncoder().encode("{nope")).ok, false);
    assert.equal(decodeMessage(new Uint8Array([0xc1])).ok, false);
    assert.equal(decodeMessage(new Uint8Array([0x93, 0xa1])).ok, false);
  });
});

describe("redis adapter: lenient parsing of peer messages", () => {
  it("refuses broadcasts that are not [uid, event packet, opts]", () => {
    assert.equal(parseBroadcast({}).ok, false);
    assert.equal(parseBroadcast(["u"]).ok, false);
    assert.equal(parseBroadcast(["u", { type: 3, data: ["x"] }, {}]).ok, false);
    assert.equal(parseBroadcast(["u", { type: 2, data: [] }, {}]).ok, false);
    assert.equal(parseBroadcast(["u", { type: 2, data: "x" }, {}]).ok, false);
  });

  it("fills in what a peer left out: nsp /, empty selections, no flags", () => {
    const parsed = parseBroadcast(["u", { type: 5, data: ["ev", 1] }]);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.value, {
      uid: "u",
      packet: { type: 2, data: ["ev", 1], nsp: "/" },
      opts: { rooms: [], except: [], flags: {} },
    });
  });

  it("reads the legacy per-socket join without a selection", () => {
    const parsed = parseRequest({ requestId: "abc", sid: "s1", room: "r", type: 2 });
    assert.ok(parsed.ok);
    assert.equal(parsed.value.opts, undefined);
    assert.equal(parsed.value.sid, "s1");
    assert.equal(parsed.value.room, "r");
    assert.equal(parseRequest({ uid: "x" }).ok, false);
    assert.equal(parseResponse({ type: 8 }).ok, false);
  });

  it("skips fetched sockets without an id and defaults their fields", () => {
    assert.deepEqual(parseSockets("nope"), []);
    assert.deepEqual(parseSockets([{ rooms: ["a"] }, { id: "s", rooms: ["s", 3] }]), [
      { id: "s", handshake: {}, rooms: ["s", "3"], data: {} },
    ]);
  });
});
