/** Unit tests of the Engine.IO v4 packet codec (src/engine/packet.ts). */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  decodePacket,
  encodePacket,
  encodePacketAsText,
  type Packet,
  PACKET_TYPES,
  type PacketData,
  type PacketType,
} from "../../src/engine/packet.ts";

/** Every packet type with its wire digit, as the Engine.IO v4 protocol numbers them. */
const WIRE_DIGITS: ReadonlyArray<readonly [PacketType, string]> = [
  ["open", "0"],
  ["close", "1"],
  ["ping", "2"],
  ["pong", "3"],
  ["message", "4"],
  ["upgrade", "5"],
  ["noop", "6"],
];

/** Decodes and asserts success, returning the packet. */
function decodeOk(input: PacketData): Packet {
  const result = decodePacket(input);
  assert.ok(result.ok, `expected ${JSON.stringify(input)} to decode`);
  return result.value;
}

/** Decodes and asserts refusal, returning the reason. */
function decodeRefused(input: PacketData): string {
  const result = decodePacket(input);
  assert.equal(result.ok, false, `expected ${JSON.stringify(input)} to be refused`);
  if (result.ok) throw new Error("unreachable");
  assert.equal(typeof result.error, "string");
  assert.ok(result.error.length > 0, "a refusal names its reason");
  return result.error;
}

describe("PACKET_TYPES", () => {
  it("lists the seven v4 types in wire order", () => {
    assert.deepEqual([...PACKET_TYPES], WIRE_DIGITS.map(([type]) => type));
  });
});

describe("encodePacket (WebSocket frames)", () => {
  for (const [type, digit] of WIRE_DIGITS) {
    it(`encodes a bare ${type} packet as "${digit}"`, () => {
      assert.equal(encodePacket({ type }), digit);
    });

    it(`encodes a ${type} packet with text data as "${digit}" + data`, () => {
      assert.equal(encodePacket({ type, data: "probe" }), `${digit}probe`);
    });
  }

  it("encodes a text message with the type digit in front", () => {
    assert.equal(encodePacket({ type: "message", data: "hello" }), "4hello");
  });

  it("keeps an empty text message as just the digit", () => {
    assert.equal(encodePacket({ type: "message", data: "" }), "4");
  });

  it("keeps non-ASCII text as is", () => {
    assert.equal(encodePacket({ type: "message", data: "héllo €😀" }), "4héllo €😀");
  });

  it("sends a binary message as the raw bytes, with no type prefix", () => {
    const bytes = new Uint8Array([1, 2, 3, 4]);
    const encoded = encodePacket({ type: "message", data: bytes });
    assert.ok(encoded instanceof Uint8Array);
    assert.deepEqual([...encoded], [1, 2, 3, 4]);
  });

  it("sends an empty binary message as zero bytes", () => {
    const encoded = encodePacket({ type: "message", data: new Uint8Array(0) });
    assert.ok(encoded instanceof Uint8Array);
    assert.equal(encoded.byteLength, 0);
  });
});

describe("encodePacketAsText (long-polling form)", () => {
  for (const [type, digit] of WIRE_DIGITS) {
    it(`encodes a bare ${type} packet as "${digit}"`, () => {
      assert.equal(encodePacketAsText({ type }), digit);
    });
  }

  it("encodes text data after the type digit", () => {
    assert.equal(encodePacketAsText({ type: "message", data: "hello" }), "4hello");
    assert.equal(encodePacketAsText({ type: "ping", data: "probe" }), "2probe");
  });

  it('encodes a binary message as "b" + base64', () => {
    assert.equal(
      encodePacketAsText({ type: "message", data: new Uint8Array([1, 2, 3, 4]) }),
      "bAQIDBA==",
    );
  });

  it('encodes an empty binary message as a lone "b"', () => {
    assert.equal(encodePacketAsText({ type: "message", data: new Uint8Array(0) }), "b");
  });

  it("encodes every byte value faithfully", () => {
    const all = new Uint8Array(256).map((_, i) => i);
    const text = encodePacketAsText({ type: "message", data: all });
    assert.ok(text.startsWith("b"));
    const back = decodeOk(text);
    assert.deepEqual(back.data, all);
  });
});

describe("decodePacket", () => {
  for (const [type, digit] of WIRE_DIGITS) {
    it(`decodes "${digit}" as a ${type} packet without data`, () => {
      const packet = decodeOk(digit);
      assert.deepEqual(packet, { type });
      assert.equal("data" in packet, false, "no data key when the packet has no data");
    });

    it(`decodes "${digit}probe" as a ${type} packet with data "probe"`, () => {
      assert.deepEqual(decodeOk(`${digit}probe`), { type, data: "probe" });
    });
  }

  it("decodes a text message", () => {
    assert.deepEqual(decodeOk("4hello"), { type: "message", data: "hello" });
  });

  it("decodes the OPEN packet's JSON as text data", () => {
    const json = '{"sid":"abc","upgrades":[],"pingInterval":25000}';
    assert.deepEqual(decodeOk("0" + json), { type: "open", data: json });
  });

  it("keeps digits and separators inside message data", () => {
    assert.deepEqual(decodeOk("44242"), { type: "message", data: "4242" });
    assert.deepEqual(decodeOk("4b"), { type: "message", data: "b" });
  });

  it("decodes raw bytes as a binary message carrying the same bytes", () => {
    const bytes = new Uint8Array([1, 2, 3, 4]);
    const packet = decodeOk(bytes);
    assert.equal(packet.type, "message");
    assert.ok(packet.data instanceof Uint8Array);
    assert.deepEqual([...packet.data], [1, 2, 3, 4]);
  });

  it("decodes zero raw bytes as an empty binary message", () => {
    const packet = decodeOk(new Uint8Array(0));
    assert.equal(packet.type, "message");
    assert.deepEqual(packet.data, new Uint8Array(0));
  });

  it('decodes "b" + base64 as a binary message', () => {
    const packet = decodeOk("bAQIDBA==");
    assert.equal(packet.type, "message");
    assert.ok(packet.data instanceof Uint8Array);
    assert.deepEqual([...packet.data], [1, 2, 3, 4]);
  });

  it('decodes a lone "b" as an empty binary message', () => {
    const packet = decodeOk("b");
    assert.equal(packet.type, "message");
    assert.deepEqual(packet.data, new Uint8Array(0));
  });

  it("refuses an empty string", () => {
    decodeRefused("");
  });

  for (const input of ["a", "7", "9", "/", ":", "x", " 4hello", "B", "\u0000", "٤hello"]) {
    it(`refuses the unknown type character in ${JSON.stringify(input)}`, () => {
      decodeRefused(input);
    });
  }

  for (const input of ["b!!!", "bA", "bAB=C", "b====", "b€€€€", "bAQID*"]) {
    it(`refuses the malformed base64 in ${JSON.stringify(input)}`, () => {
      decodeRefused(input);
    });
  }

  it("never throws, whatever text it is given", () => {
    const inputs = [
      "",
      "\x1e",
      "\uD800",
      "b\uD800",
      "4\uD800",
      "b" + "A".repeat(5),
      "9".repeat(1000),
      "b%%%",
      "-1",
      "NaN",
    ];
    for (const input of inputs) {
      assert.doesNotThrow(() => decodePacket(input), `decodePacket(${JSON.stringify(input)})`);
    }
  });
});

describe("packet round trips", () => {
  const packets: Packet[] = [
    { type: "open", data: '{"sid":"x"}' },
    { type: "close" },
    { type: "ping" },
    { type: "ping", data: "probe" },
    { type: "pong", data: "probe" },
    { type: "message", data: "hello" },
    { type: "message", data: "ünïcödé ✓" },
    { type: "message", data: new Uint8Array([0, 255, 128, 7]) },
    { type: "upgrade" },
    { type: "noop" },
  ];

  for (const packet of packets) {
    const label = packet.data instanceof Uint8Array
      ? `${packet.type} (binary)`
      : `${packet.type} ${JSON.stringify(packet.data ?? null)}`;

    it(`WebSocket form: ${label}`, () => {
      assert.deepEqual(decodeOk(encodePacket(packet)), packet);
    });

    it(`text form: ${label}`, () => {
      assert.deepEqual(decodeOk(encodePacketAsText(packet)), packet);
    });
  }
});
