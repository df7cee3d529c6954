/** Unit tests of the Socket.IO v5 packet encoder (src/parser/encoder.ts). */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { encodeSocketPacket, hasBinary } from "../../src/parser/encoder.ts";
import { type SocketPacket, SocketPacketType } from "../../src/parser/packet.ts";

const { CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR, BINARY_EVENT, BINARY_ACK } =
  SocketPacketType;

/** The Engine.IO frame the official v5 test suite expects: "4" + the Socket.IO packet. */
const asSuiteFrame = (text: string) => "4" + text;

const bytes = (...values: number[]) => Uint8Array.from(values);

describe("encodeSocketPacket: text packets", () => {
  it("encodes CONNECT", () => {
    assert.deepEqual(encodeSocketPacket({ type: CONNECT, nsp: "/" }), ["0"]);
    assert.deepEqual(encodeSocketPacket({ type: CONNECT, nsp: "/admin" }), ["0/admin,"]);
    assert.deepEqual(encodeSocketPacket({ type: CONNECT, nsp: "/", data: { sid: "abc" } }), [
      '0{"sid":"abc"}',
    ]);
    assert.deepEqual(
      encodeSocketPacket({ type: CONNECT, nsp: "/admin", data: { sid: "abc" } }),
      ['0/admin,{"sid":"abc"}'],
    );
  });

  it("encodes DISCONNECT", () => {
    assert.deepEqual(encodeSocketPacket({ type: DISCONNECT, nsp: "/" }), ["1"]);
    assert.deepEqual(encodeSocketPacket({ type: DISCONNECT, nsp: "/custom" }), ["1/custom,"]);
  });

  it("encodes EVENT with namespace and ack id", () => {
    assert.deepEqual(encodeSocketPacket({ type: EVENT, nsp: "/", data: ["hello", 1] }), [
      '2["hello",1]',
    ]);
    assert.deepEqual(
      encodeSocketPacket({ type: EVENT, nsp: "/chat", data: ["hello"], id: 12 }),
      ['2/chat,12["hello"]'],
    );
    assert.deepEqual(encodeSocketPacket({ type: EVENT, nsp: "/", data: ["a"], id: 0 }), [
      '20["a"]',
    ]);
  });

  it("encodes ACK", () => {
    assert.deepEqual(encodeSocketPacket({ type: ACK, nsp: "/", data: [], id: 3 }), ["33[]"]);
    assert.deepEqual(encodeSocketPacket({ type: ACK, nsp: "/x", data: [null], id: 1 }), [
      "3/x,1[null]",
    ]);
  });

  it("encodes CONNECT_ERROR with an object or a string", () => {
    assert.deepEqual(
      encodeSocketPacket({ type: CONNECT_ERROR, nsp: "/", data: { message: "nope" } }),
      ['4{"message":"nope"}'],
    );
    assert.deepEqual(encodeSocketPacket({ type: CONNECT_ERROR, nsp: "/a", data: "nope" }), [
      '4/a,"nope"',
    ]);
  });

  it("leaves out null and undefined data, an empty namespace and a missing id", () => {
    assert.deepEqual(encodeSocketPacket({ type: CONNECT, nsp: "/", data: null }), ["0"]);
    assert.deepEqual(encodeSocketPacket({ type: CONNECT, nsp: "", data: undefined }), ["0"]);
    assert.deepEqual(encodeSocketPacket({ type: EVENT, nsp: "/", data: ["a"], id: undefined }), [
      '2["a"]',
    ]);
  });

  it("serializes through toJSON, as JSON.stringify does", () => {
    const data = ["time", new Date(0), { toJSON: () => ({ x: 1 }) }];
    assert.deepEqual(encodeSocketPacket({ type: EVENT, nsp: "/", data }), [
      '2["time","1970-01-01T00:00:00.000Z",{"x":1}]',
    ]);
  });

  it("produces the official suite's text replies", () => {
    const [plain] = encodeSocketPacket({
      type: EVENT,
      nsp: "/",
      data: ["message-back", 1, "2", { 3: [true] }],
    });
    assert.equal(asSuiteFrame(plain), '42["message-back",1,"2",{"3":[true]}]');
    const [ack] = encodeSocketPacket({
      type: ACK,
      nsp: "/",
      data: [1, "2", { 3: [false] }],
      id: 456,
    });
    assert.equal(asSuiteFrame(ack), '43456[1,"2",{"3":[false]}]');
    const [refusal] = encodeSocketPacket({
      type: CONNECT_ERROR,
      nsp: "/random",
      data: { message: "Invalid namespace" },
    });
    assert.equal(asSuiteFrame(refusal), '44/random,{"message":"Invalid namespace"}');
    const [auth] = encodeSocketPacket({
      type: EVENT,
      nsp: "/custom",
      data: ["auth", { token: "abc" }],
    });
    assert.equal(asSuiteFrame(auth), '42/custom,["auth",{"token":"abc"}]');
  });
});

describe("encodeSocketPacket: binary packets", () => {
  it("produces the official suite's binary event", () => {
    const frames = encodeSocketPacket({
      type: EVENT,
      nsp: "/",
      data: ["message-back", bytes(1, 2, 3), bytes(4, 5, 6)],
    });
    assert.equal(frames.length, 3);
    assert.equal(
      asSuiteFrame(frames[0]),
      '452-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]',
    );
    assert.deepEqual(frames.slice(1), [bytes(1, 2, 3), bytes(4, 5, 6)]);
  });

  it("produces the official suite's binary ack", () => {
    const frames = encodeSocketPacket({
      type: ACK,
      nsp: "/",
      data: [bytes(1, 2, 3), bytes(4, 5, 6)],
      id: 789,
    });
    assert.deepEqual(frames, [
      '62-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]',
      bytes(1, 2, 3),
      bytes(4, 5, 6),
    ]);
  });

  it("puts namespace and ack id after the attachment count", () => {
    assert.deepEqual(
      encodeSocketPacket({ type: EVENT, nsp: "/chat", data: ["f", bytes(7)], id: 3 }),
      ['51-/chat,3["f",{"_placeholder":true,"num":0}]', bytes(7)],
    );
  });

  it("finds binary nested in arrays and objects, in order", () => {
    const frames = encodeSocketPacket({
      type: EVENT,
      nsp: "/",
      data: ["e", { a: [1, { b: bytes(1) }], c: bytes(2) }, [[bytes(3)]]],
    });
    assert.deepEqual(frames, [
      '53-["e",{"a":[1,{"b":{"_placeholder":true,"num":0}}],"c":{"_placeholder":true,"num":1}},' +
      '[[{"_placeholder":true,"num":2}]]]',
      bytes(1),
      bytes(2),
      bytes(3),
    ]);
  });

  it("sends the same binary value twice as two attachments", () => {
    const shared = bytes(5);
    const frames = encodeSocketPacket({ type: EVENT, nsp: "/", data: ["e", shared, shared] });
    assert.equal(frames.length, 3);
    assert.equal(frames[1], shared);
    assert.equal(frames[2], shared);
  });

  it("views ArrayBuffer and other ArrayBufferViews as Uint8Array without copying", () => {
    const buffer = new ArrayBuffer(4);
    new Uint8Array(buffer).set([1, 2, 3, 4]);
    const view = new Uint8Array(buffer, 1, 2);
    const words = new Uint16Array([0x0201]);
    const dataView = new DataView(buffer, 2, 2);
    const frames = encodeSocketPacket({
      type: EVENT,
      nsp: "/",
      data: ["e", buffer, view, words, dataView],
    });
    const attachments = frames.slice(1) as Uint8Array[];
    assert.equal(attachments.length, 4);
    for (const attachment of attachments) assert.ok(attachment instanceof Uint8Array);
    assert.equal(attachments[0].buffer, buffer);
    assert.deepEqual([...attachments[0]], [1, 2, 3, 4]);
    assert.equal(attachments[1], view);
    assert.equal(attachments[2].buffer, words.buffer);
    assert.deepEqual([...attachments[2]], [...new Uint8Array(words.buffer)]);
    assert.equal(attachments[3].buffer, buffer);
    assert.deepEqual([...attachments[3]], [3, 4]);
  });

  it("sends a Buffer as binary, not through its toJSON", () => {
    const frames = encodeSocketPacket({ type: EVENT, nsp: "/", data: ["e", Buffer.from([1, 2])] });
    assert.equal(frames[0], '51-["e",{"_placeholder":true,"num":0}]');
    assert.deepEqual([...frames[1]], [1, 2]);
  });

  it("finds binary deep in plain data, in null-prototype objects and in class instances", () => {
    const deep = { a: { b: { c: { d: { e: [bytes(1)] } } } } };
    assert.deepEqual(encodeSocketPacket({ type: EVENT, nsp: "/", data: ["e", deep] }), [
      '51-["e",{"a":{"b":{"c":{"d":{"e":[{"_placeholder":true,"num":0}]}}}}}]',
      bytes(1),
    ]);
    const bare = Object.assign(Object.create(null), { x: bytes(2) });
    class Holder {
      constructor(readonly y = bytes(3)) {}
    }
    assert.deepEqual(
      encodeSocketPacket({ type: ACK, nsp: "/", id: 4, data: [bare, new Holder()] }),
      [
        '62-4[{"x":{"_placeholder":true,"num":0}},{"y":{"_placeholder":true,"num":1}}]',
        bytes(2),
        bytes(3),
      ],
    );
    assert.deepEqual(
      encodeSocketPacket({ type: ACK, nsp: "/", id: 5, data: [{ a: [1, "b", null, true] }] }),
      ['35[{"a":[1,"b",null,true]}]'],
    );
  });

  it("finds binary returned by toJSON", () => {
    const wrapper = { toJSON: () => ({ payload: bytes(9) }) };
    assert.deepEqual(encodeSocketPacket({ type: EVENT, nsp: "/", data: ["e", wrapper] }), [
      '51-["e",{"payload":{"_placeholder":true,"num":0}}]',
      bytes(9),
    ]);
    const direct = { toJSON: () => bytes(8) };
    assert.deepEqual(encodeSocketPacket({ type: ACK, nsp: "/", data: [direct], id: 1 }), [
      '61-1[{"_placeholder":true,"num":0}]',
      bytes(8),
    ]);
  });

  it("keeps an own __proto__ key of the caller's data as a plain key", () => {
    const record = JSON.parse('{"__proto__":{"x":1},"a":1}');
    record.b = bytes(1);
    assert.deepEqual(encodeSocketPacket({ type: EVENT, nsp: "/", data: ["e", record] }), [
      '51-["e",{"__proto__":{"x":1},"a":1,"b":{"_placeholder":true,"num":0}}]',
      bytes(1),
    ]);
  });

  it("calls toJSON with the key, as JSON.stringify does", () => {
    const keyed = { toJSON: (key: string) => `key:${key}` };
    assert.deepEqual(
      encodeSocketPacket({ type: EVENT, nsp: "/", data: ["e", keyed, { k: keyed, b: bytes(1) }] }),
      ['51-["e","key:1",{"k":"key:k","b":{"_placeholder":true,"num":0}}]', bytes(1)],
    );
  });

  it("treats BINARY_EVENT and BINARY_ACK given to it as EVENT and ACK", () => {
    assert.deepEqual(encodeSocketPacket({ type: BINARY_EVENT, nsp: "/", data: ["e", bytes(1)] }), [
      '51-["e",{"_placeholder":true,"num":0}]',
      bytes(1),
    ]);
    assert.deepEqual(encodeSocketPacket({ type: BINARY_EVENT, nsp: "/", data: ["e"] }), [
      '2["e"]',
    ]);
    assert.deepEqual(encodeSocketPacket({ type: BINARY_ACK, nsp: "/", data: [1], id: 2 }), [
      "32[1]",
    ]);
  });

  it("does not look for binary in CONNECT and CONNECT_ERROR packets", () => {
    assert.deepEqual(encodeSocketPacket({ type: CONNECT, nsp: "/", data: { b: bytes(1) } }), [
      '0{"b":{"0":1}}',
    ]);
  });

  it("does not modify the caller's data", () => {
    const inner = bytes(1, 2);
    const buffer = new ArrayBuffer(2);
    const data = ["e", { inner, list: [buffer, { deep: inner }], n: 1 }, inner];
    const snapshot = structuredClone(data);
    const packet: SocketPacket = { type: EVENT, nsp: "/chat", data, id: 4 };
    const packetSnapshot = { ...packet };
    const first = encodeSocketPacket(packet);
    assert.deepEqual(data, snapshot);
    assert.equal((data[1] as { inner: Uint8Array }).inner, inner);
    assert.equal(data[2], inner);
    assert.deepEqual(packet, packetSnapshot);
    assert.equal(Object.hasOwn(packet, "attachments"), false);
    assert.deepEqual(encodeSocketPacket(packet), first);
  });

  it("throws on data JSON.stringify cannot write, a programmer error", () => {
    const cyclic: unknown[] = ["e", bytes(1)];
    cyclic.push(cyclic);
    assert.throws(() => encodeSocketPacket({ type: EVENT, nsp: "/", data: cyclic }), RangeError);
    assert.throws(() => encodeSocketPacket({ type: EVENT, nsp: "/", data: ["e", 1n] }), TypeError);
  });

  it("works on frozen data", () => {
    const data = Object.freeze(["e", Object.freeze({ b: bytes(1) })]);
    const packet = Object.freeze({ type: EVENT, nsp: "/", data });
    assert.deepEqual(encodeSocketPacket(packet), [
      '51-["e",{"b":{"_placeholder":true,"num":0}}]',
      bytes(1),
    ]);
  });
});

describe("hasBinary", () => {
  it("is false for primitives and plain JSON data", () => {
    for (const value of [undefined, null, 0, "abc", true, [], {}, [1, "2", { 3: [null] }]]) {
      assert.equal(hasBinary(value), false, JSON.stringify(value));
    }
    assert.equal(hasBinary(new Date()), false);
    assert.equal(hasBinary(new Map([[1, bytes(1)]])), false); // JSON.stringify gives {}
  });

  it("is true for binary values at any depth", () => {
    assert.equal(hasBinary(bytes()), true);
    assert.equal(hasBinary(new ArrayBuffer(0)), true);
    assert.equal(hasBinary(new DataView(new ArrayBuffer(1))), true);
    assert.equal(hasBinary(new Float64Array(1)), true);
    assert.equal(hasBinary(Buffer.from("x")), true);
    assert.equal(hasBinary([1, [2, [3, { a: bytes(1) }]]]), true);
    assert.equal(hasBinary({ a: { b: { c: new ArrayBuffer(1) } } }), true);
  });

  it("looks through toJSON once, as JSON.stringify does", () => {
    assert.equal(hasBinary({ toJSON: () => bytes(1) }), true);
    assert.equal(hasBinary({ toJSON: () => ({ a: [bytes(1)] }) }), true);
    assert.equal(hasBinary({ toJSON: () => "text", raw: bytes(1) }), false);
  });

  it("ignores inherited properties", () => {
    const value = Object.create({ inherited: bytes(1) });
    assert.equal(hasBinary(value), false);
    assert.equal(hasBinary(["e", value]), false);
  });
});
