/**
 * Unit tests of the Engine.IO v3 codecs (`allowEIO3`): packets (src/engine/packet_v3.ts),
 * payloads (src/engine/payload_v3.ts) and the per-handshake choice (src/engine/wire_codec.ts).
 * Malformed input is refused with a reason, never thrown.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Packet } from "../../src/engine/packet.ts";
import {
  decodePacketV3,
  encodePacketAsTextV3,
  encodePacketV3,
} from "../../src/engine/packet_v3.ts";
import { decodePayloadV3, encodePayloadV3 } from "../../src/engine/payload_v3.ts";
import { codecFor, protocolOf, WIRE_V4 } from "../../src/engine/wire_codec.ts";

const bin = (...values: number[]) => new Uint8Array(values);

function decodeOk(body: string | Uint8Array): Packet[] {
  const result = decodePayloadV3(body);
  assert.ok(result.ok, `expected ${JSON.stringify(body)} to decode: ${!result.ok && result.error}`);
  return result.value;
}

function assertRefused(body: string | Uint8Array): void {
  let result;
  assert.doesNotThrow(() => result = decodePayloadV3(body));
  assert.equal(result!.ok, false, `expected ${JSON.stringify(body)} to be refused`);
}

describe("v3 packets", () => {
  it("encodes text packets as v4 does", () => {
    assert.equal(encodePacketV3({ type: "message", data: "hi" }, true), "4hi");
    assert.equal(encodePacketV3({ type: "pong" }, true), "3");
    assert.equal(encodePacketAsTextV3({ type: "pong", data: "probe" }), "3probe");
  });

  it("encodes binary with a type byte, or as b4<base64> without binary support", () => {
    assert.deepEqual(encodePacketV3({ type: "message", data: bin(1, 2) }, true), bin(4, 1, 2));
    assert.equal(encodePacketV3({ type: "message", data: bin(1, 2) }, false), "b4AQI=");
    assert.equal(encodePacketAsTextV3({ type: "message", data: bin(255) }), "b4/w==");
  });

  it("decodes text, base64 and type-byte packets", () => {
    assert.deepEqual(decodePacketV3("2"), { ok: true, value: { type: "ping" } });
    assert.deepEqual(decodePacketV3("2probe"), {
      ok: true,
      value: { type: "ping", data: "probe" },
    });
    assert.deepEqual(decodePacketV3("b4AQI="), {
      ok: true,
      value: { type: "message", data: bin(1, 2) },
    });
    assert.deepEqual(decodePacketV3(bin(4, 7, 8)), {
      ok: true,
      value: { type: "message", data: bin(7, 8) },
    });
    assert.deepEqual(decodePacketV3(bin(4)), { ok: true, value: { type: "message", data: bin() } });
  });

  it("refuses malformed packets", () => {
    for (const input of ["", "9", "x", "b", "b2AQI=", "b4!!!", bin(), bin(2, 1), bin(9)]) {
      let result;
      assert.doesNotThrow(() => result = decodePacketV3(input));
      assert.equal(result!.ok, false, `expected ${JSON.stringify(input)} to be refused`);
    }
  });
});

describe("v3 text payloads", () => {
  it("frames packets as <length>:<packet>, the length in UTF-16 code units", () => {
    assert.equal(
      encodePayloadV3([{ type: "open", data: "{}" }, { type: "message", data: "héllo😀" }], true),
      "3:0{}8:4héllo😀",
    );
    assert.equal(encodePayloadV3([{ type: "noop" }], false), "1:6");
  });

  it("writes an empty payload as 0:", () => {
    assert.equal(encodePayloadV3([], true), "0:");
    assert.equal(encodePayloadV3([], false), "0:");
  });

  it("stays text when nothing is binary, and base64s binary for b64 clients", () => {
    assert.equal(encodePayloadV3([{ type: "message", data: "a" }], true), "2:4a");
    assert.equal(
      encodePayloadV3([{ type: "message", data: "a" }, { type: "message", data: bin(1) }], false),
      "2:4a6:b4AQ==",
    );
  });

  it("decodes what it encodes, and skips empty records", () => {
    const packets: Packet[] = [
      { type: "ping" },
      { type: "message", data: "x:y 9:z😀" },
      { type: "message", data: bin(0, 200) },
      { type: "close" },
    ];
    assert.deepEqual(decodeOk(encodePayloadV3(packets, false)), packets);
    assert.deepEqual(decodeOk("0:1:2"), [{ type: "ping" }]);
    assert.deepEqual(decodeOk("0:"), []);
  });

  it("refuses malformed payloads", () => {
    for (
      const body of ["", "4", "2:4", "1:4x", ":4", "a:4", "-1:4", "1.0:4", " 1:4", "2:9x", "1:2x:"]
    ) assertRefused(body);
    assertRefused("99999999999999999999:4");
  });
});

describe("v3 binary payloads", () => {
  it("is used when the client takes binary and a packet is binary", () => {
    const body = encodePayloadV3(
      [{ type: "message", data: "é" }, { type: "message", data: bin(9, 9) }],
      true,
    );
    // text record: 0, length 3 (UTF-8 bytes of "4é"), 255, bytes; binary: 1, length 3, 255, 4, data
    assert.deepEqual(body, bin(0, 3, 255, 0x34, 0xc3, 0xa9, 1, 3, 255, 4, 9, 9));
  });

  it("writes lengths of several digits one byte per digit", () => {
    const data = new Uint8Array(120).fill(7);
    const body = encodePayloadV3([{ type: "message", data }], true) as Uint8Array;
    assert.deepEqual([...body.subarray(0, 6)], [1, 1, 2, 1, 255, 4]);
    assert.equal(body.byteLength, 6 + 120);
  });

  it("decodes what it encodes", () => {
    const packets: Packet[] = [
      { type: "message", data: "hé😀" },
      { type: "message", data: bin(1, 2, 3) },
      { type: "ping" },
    ];
    assert.deepEqual(decodeOk(encodePayloadV3(packets, true)), packets);
  });

  it("refuses malformed binary payloads", () => {
    for (
      const body of [
        bin(),
        bin(2, 1, 255, 0x34), // unknown marker
        bin(0, 1), // no 255 after the length
        bin(0, 255, 0x34), // no length digits
        bin(0, 12, 255, 0x34), // a length byte over 9
        bin(0, 5, 255, 0x34), // shorter than its length
        bin(1, 2, 255, 3, 1), // a binary record that is not a message
        bin(0, 1, 255, 0x39), // unknown packet type
        new Uint8Array([0, ...new Array(20).fill(1), 255]),
      ]
    ) assertRefused(body);
  });
});

describe("codecFor", () => {
  it("picks v4 for EIO=4 and anything else than EIO=3", () => {
    assert.equal(codecFor(new URLSearchParams("EIO=4")), WIRE_V4);
    assert.equal(codecFor(new URLSearchParams("")), WIRE_V4);
    assert.equal(protocolOf(new URLSearchParams("EIO=3")), 3);
  });

  it("picks v3 with binary, or base64 when b64 is set", () => {
    const binary = codecFor(new URLSearchParams("EIO=3"));
    assert.equal(binary.protocol, 3);
    assert.deepEqual(binary.encodeFrame({ type: "message", data: bin(1) }), bin(4, 1));
    const base64 = codecFor(new URLSearchParams("EIO=3&b64=1"));
    assert.equal(base64.encodeFrame({ type: "message", data: bin(1) }), "b4AQ==");
    assert.equal(base64.encodePayload([{ type: "message", data: bin(1) }]), "6:b4AQ==");
  });

  it("v4 refuses a binary POST body", () => {
    assert.equal(WIRE_V4.decodePayload(bin(4, 1)).ok, false);
  });
});
