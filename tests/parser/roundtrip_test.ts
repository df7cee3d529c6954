/** Round trips through the Socket.IO v5 encoder and decoder (src/parser/). */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { encodeSocketPacket } from "../../src/parser/encoder.ts";
import { SocketPacketDecoder } from "../../src/parser/decoder.ts";
import { type SocketPacket, SocketPacketType } from "../../src/parser/packet.ts";

const { CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR } = SocketPacketType;

const bytes = (...values: number[]) => Uint8Array.from(values);

/** Encodes a packet and feeds every frame to the decoder; expects exactly one packet back. */
function roundTrip(packet: SocketPacket, decoder = new SocketPacketDecoder()): SocketPacket {
  const frames = encodeSocketPacket(packet);
  let decoded: SocketPacket | undefined;
  frames.forEach((frame, i) => {
    const result = decoder.add(frame);
    if (!result.ok) assert.fail(`frame ${i} of ${frames[0]} refused: ${result.error}`);
    if (i < frames.length - 1) assert.equal(result.value, undefined, "waits for attachments");
    decoded = result.value;
  });
  assert.ok(decoded, `${frames[0]} decoded`);
  return decoded;
}

const textPackets: SocketPacket[] = [
  { type: CONNECT, nsp: "/" },
  { type: CONNECT, nsp: "/admin" },
  { type: CONNECT, nsp: "/", data: { token: "123" } },
  { type: CONNECT, nsp: "/admin", data: { token: "abc", nested: { list: [1, 2] } } },
  { type: DISCONNECT, nsp: "/" },
  { type: DISCONNECT, nsp: "/custom" },
  { type: EVENT, nsp: "/", data: ["message", 1, "2", { 3: [true] }] },
  { type: EVENT, nsp: "/chat", data: ["message"], id: 0 },
  { type: EVENT, nsp: "/", data: ["ünïcödé ✓ 😀", "line\nbreak", '"quoted"', "[{"], id: 42 },
  { type: EVENT, nsp: "/a/b-c_d.e", data: ["e", null, false, -1.5, 1e21, {}] },
  { type: ACK, nsp: "/", data: [], id: 1 },
  { type: ACK, nsp: "/chat", data: [1, "2", { 3: [false] }], id: Number.MAX_SAFE_INTEGER },
  { type: CONNECT_ERROR, nsp: "/", data: { message: "Invalid namespace" } },
  { type: CONNECT_ERROR, nsp: "/random", data: "not authorized" },
];

describe("round trips", () => {
  it("gives back every text packet type", () => {
    for (const packet of textPackets) assert.deepEqual(roundTrip(packet), packet);
  });

  it("gives back binary events and acks with Uint8Array attachments", () => {
    const packets: SocketPacket[] = [
      { type: EVENT, nsp: "/", data: ["message", bytes(1, 2, 3), bytes(4, 5, 6)] },
      { type: EVENT, nsp: "/files", data: ["upload", { name: "a", body: bytes(0) }], id: 7 },
      { type: ACK, nsp: "/", data: [bytes(), { deep: [[bytes(255)]] }], id: 789 },
      { type: EVENT, nsp: "/", data: ["many", ...Array.from({ length: 10 }, (_, i) => bytes(i))] },
    ];
    for (const packet of packets) assert.deepEqual(roundTrip(packet), packet);
  });

  it("turns ArrayBuffer and other views into Uint8Array over the same bytes", () => {
    const buffer = Uint8Array.from([1, 2, 3, 4]).buffer;
    const words = new Uint16Array([0x0102, 0x0304]);
    const dataView = new DataView(buffer, 1, 2);
    const decoded = roundTrip({
      type: EVENT,
      nsp: "/",
      data: ["e", buffer, { words, dataView }],
    });
    assert.deepEqual(decoded, {
      type: EVENT,
      nsp: "/",
      data: [
        "e",
        bytes(1, 2, 3, 4),
        { words: new Uint8Array(words.buffer), dataView: bytes(2, 3) },
      ],
    });
  });

  it("does not modify the packet it encodes", () => {
    const data = ["e", { body: bytes(1, 2) }, [new ArrayBuffer(1)]];
    const snapshot = structuredClone(data);
    const packet: SocketPacket = { type: EVENT, nsp: "/", data, id: 5 };
    const decoded = roundTrip(packet);
    assert.deepEqual(data, snapshot);
    assert.notEqual(decoded.data, data);
    assert.deepEqual(Object.keys(packet).sort(), ["data", "id", "nsp", "type"]);
  });

  it("decodes a stream of mixed packets on one decoder", () => {
    const decoder = new SocketPacketDecoder();
    const stream: SocketPacket[] = [
      ...textPackets,
      { type: EVENT, nsp: "/", data: ["bin", bytes(1)] },
      { type: ACK, nsp: "/", data: [bytes(2), bytes(3)], id: 2 },
      ...textPackets,
    ];
    for (const packet of stream) assert.deepEqual(roundTrip(packet, decoder), packet);
  });

  it("serializes toJSON values and decodes them as plain data", () => {
    const decoded = roundTrip({
      type: EVENT,
      nsp: "/",
      data: ["e", new Date(0), { toJSON: () => ({ file: bytes(9) }) }],
    });
    assert.deepEqual(decoded.data, ["e", "1970-01-01T00:00:00.000Z", { file: bytes(9) }]);
  });

  it("round-trips through a decoder with tight limits when the data fits them", () => {
    // depth counts the JSON text: a placeholder object is a level (here the fourth)
    const decoder = new SocketPacketDecoder({ maxAttachments: 2, maxDepth: 4 });
    const packet: SocketPacket = {
      type: EVENT,
      nsp: "/",
      data: ["e", { a: [bytes(1)] }, bytes(2)],
    };
    assert.deepEqual(roundTrip(packet, decoder), packet);
    const [text] = encodeSocketPacket({ type: EVENT, nsp: "/", data: ["e", { a: [[[1]]] }] });
    assert.equal(decoder.add(text).ok, false);
  });
});
