/**
 * Property tests of the Engine.IO v4 codecs (src/engine/packet.ts, payload.ts): arbitrary and
 * mutated input never throws and decodes within a time bound, whatever decodes re-encodes to
 * something that decodes the same, and valid packets and payloads round-trip exactly.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodePacket,
  encodePacket,
  encodePacketAsText,
  type Packet,
  PACKET_TYPES,
} from "../../src/engine/packet.ts";
import { decodePayload, encodePayload, RECORD_SEPARATOR } from "../../src/engine/payload.ts";
import {
  anyUnit,
  bytes,
  check,
  mutated,
  normalize,
  protocolText,
  runs,
  sameBytes,
} from "./_fuzz.ts";

const T = { timeout: 60_000 };

/** A packet the encoders accept: binary data only on messages, text data without \x1e. */
const packetArb: fc.Arbitrary<Packet> = fc.oneof(
  fc.record({
    type: fc.constantFrom(...PACKET_TYPES),
    data: fc.option(
      fc.string({ unit: anyUnit, minLength: 1, maxLength: 40 }).filter((text) =>
        !text.includes(RECORD_SEPARATOR)
      ),
      { nil: undefined },
    ),
  }, { requiredKeys: ["type"] }).map((packet) =>
    packet.data === undefined ? { type: packet.type } : packet
  ),
  bytes(64).map((data): Packet => ({ type: "message", data })),
);

/** Asserts that a decoded packet is well formed. */
function assertPacket(packet: Packet): void {
  assert.ok((PACKET_TYPES as readonly string[]).includes(packet.type));
  if (packet.data instanceof Uint8Array) assert.equal(packet.type, "message");
  else if (packet.data !== undefined) assert.equal(typeof packet.data, "string");
}

function samePacket(a: Packet, b: Packet): boolean {
  if (a.type !== b.type) return false;
  if (a.data instanceof Uint8Array || b.data instanceof Uint8Array) {
    return a.data instanceof Uint8Array && b.data instanceof Uint8Array &&
      sameBytes(a.data, b.data);
  }
  return a.data === b.data;
}

describe("fuzz: Engine.IO packet and payload codecs", () => {
  it(`decodePacket never throws on arbitrary text (${runs(15_000)} cases)`, T, () => {
    const input = fc.oneof(
      { weight: 3, arbitrary: fc.tuple(fc.constantFrom(..."0123456b"), protocolText(48)) },
      { weight: 1, arbitrary: fc.tuple(fc.constant("b"), fc.base64String({ maxLength: 48 })) },
      { weight: 1, arbitrary: fc.tuple(fc.constant(""), protocolText(48)) },
      {
        weight: 1,
        arbitrary: fc.tuple(fc.constant(""), fc.string({ unit: anyUnit, maxLength: 48 })),
      },
    ).map(([head, rest]) => head + rest);
    check(input, runs(15_000), (input) => {
      const decoded = decodePacket(input);
      if (!decoded.ok) {
        assert.equal(typeof decoded.error, "string");
        return;
      }
      assertPacket(decoded.value);
      // what decoded re-encodes to text that decodes to the same packet
      const again = decodePacket(encodePacketAsText(decoded.value));
      assert.ok(again.ok && samePacket(again.value, decoded.value), JSON.stringify(input));
      // a packet that is not "b…" comes back character for character
      if (input[0] !== "b") assert.equal(encodePacket(decoded.value), input);
    });
  });

  it(`decodePacket takes any bytes as a binary message (${runs(2_000)} cases)`, T, () => {
    check(bytes(256), runs(2_000), (input) => {
      const decoded = decodePacket(input);
      assert.ok(decoded.ok);
      assert.equal(decoded.value.type, "message");
      assert.ok(sameBytes(decoded.value.data as Uint8Array, input));
    });
  });

  it(`valid packets round-trip as frames and as text (${runs(8_000)} cases)`, T, () => {
    check(packetArb, runs(8_000), (packet) => {
      for (const encoded of [encodePacket(packet), encodePacketAsText(packet)]) {
        const decoded = decodePacket(encoded);
        assert.ok(
          decoded.ok,
          `${JSON.stringify(normalize(packet))}: ${!decoded.ok && decoded.error}`,
        );
        assert.ok(samePacket(decoded.value, packet), JSON.stringify(normalize(packet)));
      }
    });
  });

  it(
    `decodePayload never throws on arbitrary or mutated payloads (${runs(12_000)} cases)`,
    T,
    () => {
      const validPayload = fc.array(packetArb, { minLength: 1, maxLength: 6 }).map(encodePayload);
      const input = fc.oneof(protocolText(96), mutated(validPayload));
      check(input, runs(12_000), (payload) => {
        const decoded = decodePayload(payload);
        if (!decoded.ok) {
          assert.equal(typeof decoded.error, "string");
          return;
        }
        for (const packet of decoded.value) assertPacket(packet);
        assert.equal(decoded.value.length, payload.split(RECORD_SEPARATOR).length);
        const again = decodePayload(encodePayload(decoded.value));
        assert.ok(again.ok);
        assert.equal(again.value.length, decoded.value.length);
        again.value.forEach((packet, i) => assert.ok(samePacket(packet, decoded.value[i])));
      });
    },
  );

  it(`valid payloads round-trip exactly (${runs(6_000)} cases)`, T, () => {
    check(fc.array(packetArb, { minLength: 1, maxLength: 8 }), runs(6_000), (packets) => {
      const decoded = decodePayload(encodePayload(packets));
      assert.ok(decoded.ok);
      assert.equal(decoded.value.length, packets.length);
      decoded.value.forEach((packet, i) => assert.ok(samePacket(packet, packets[i])));
    });
  });

  it(`large payloads decode in bounded time (${runs(40)} cases)`, T, () => {
    const big = fc.tuple(protocolText(8), fc.noBias(fc.integer({ min: 1_000, max: 50_000 }))).map((
      [piece, times],
    ) => piece.repeat(times));
    check(big, runs(40), (payload) => {
      decodePayload(payload);
      decodePacket(payload);
    }, 2000);
  });
});
