/**
 * Property tests of a user-supplied parser as the server's codec (src/parser/parser_module.ts
 * with socket.io-msgpack-parser): arbitrary bytes, mutated msgpack encodings of real and
 * ill-shaped packets, and text frames never throw out of `add`, finish within a time bound,
 * report at most one refusal, only ever yield packets that pass the server's checks, and
 * never touch Object.prototype.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as msgpackParser from "socket.io-msgpack-parser";
import type { SocketPacket } from "../../src/parser/packet.ts";
import { parserCodec } from "../../src/parser/parser_module.ts";
import { checkUntrustedPacket } from "../../src/parser/untrusted_packet.ts";
import { assertNoPollution, bytes, check, protocolText, runs } from "./_fuzz.ts";

const T = { timeout: 60_000 };
const codec = parserCodec(msgpackParser);
const encoder = new msgpackParser.Encoder();

/** Feeds frames to a fresh decoder; checks what it reports. */
function feed(frames: (string | Uint8Array)[]): void {
  const packets: SocketPacket[] = [];
  const errors: string[] = [];
  const decoder = codec.createDecoder({ maxDepth: 16 }, {
    packet: (packet) => packets.push(packet),
    error: (reason) => errors.push(reason),
  });
  for (const frame of frames) decoder.add(frame);
  decoder.destroy();
  assert.ok(errors.length <= 1, `at most one refusal, got ${errors.length}`);
  for (const packet of packets) {
    const again = checkUntrustedPacket(structuredClone(packet), 16);
    assert.ok(again.ok, `a reported packet passes the checks: ${JSON.stringify(packet)}`);
  }
}

/** A msgpack frame of a packet-like object with any mix of right and wrong fields. */
const packetLike = fc.record({
  type: fc.oneof(fc.integer({ min: -1, max: 8 }), fc.constant("2"), fc.constant(null)),
  nsp: fc.oneof(fc.constant("/"), fc.constant("/chat"), fc.string({ maxLength: 6 })),
  data: fc.oneof(
    fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.constant(null)), {
      maxLength: 4,
    }),
    fc.dictionary(fc.string({ maxLength: 10 }), fc.integer(), { maxKeys: 3 }),
    fc.string({ maxLength: 6 }),
    fc.constant(undefined),
  ),
  id: fc.oneof(fc.constant(undefined), fc.integer({ min: -2, max: 1000 }), fc.double()),
}, { requiredKeys: ["type", "nsp"] });

function encode(value: unknown): Uint8Array {
  return (encoder.encode(value) as unknown as Uint8Array[])[0];
}

/** A valid encoding with a few bytes flipped, cut or appended. */
const mutatedFrame = fc.tuple(
  packetLike.map(encode),
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
  fc.nat(8),
).map(([frame, flips, cut]) => {
  const copy = frame.slice(0, Math.max(1, frame.length - (cut % 3 === 0 ? cut : 0)));
  for (const [at, value] of flips) copy[at % copy.length] = value;
  return copy;
});

describe("fuzz: socket.io-msgpack-parser as the server's codec", () => {
  after(assertNoPollution);

  it("arbitrary bytes and text", T, () => {
    check(
      fc.array(fc.oneof(bytes(48), protocolText(24)), { minLength: 1, maxLength: 4 }),
      runs(1500),
      feed,
    );
  });

  it("packet-like objects of every shape, as msgpack", T, () => {
    check(fc.array(packetLike.map(encode), { minLength: 1, maxLength: 4 }), runs(1500), feed);
  });

  it("mutated msgpack encodings", T, () => {
    check(fc.array(mutatedFrame, { minLength: 1, maxLength: 4 }), runs(1500), feed);
  });

  it('maps with a "__proto__" key never reach the server with a prototype of their own', () => {
    // fixmap of 1: "__proto__" → fixmap of 1: "admin" → true
    const proto = new TextEncoder().encode("__proto__");
    const admin = new TextEncoder().encode("admin");
    const map = new Uint8Array([
      0x81,
      0xa0 | proto.length,
      ...proto,
      0x81,
      0xa0 | admin.length,
      ...admin,
      0xc3,
    ]);
    const packet = encode({ type: 0, nsp: "/", data: { placeholder: 1 } });
    // replace the data map ({ placeholder: 1 }) with the crafted one
    const placeholder = new TextEncoder().encode("placeholder");
    const start = packet.findIndex((_, i) =>
      packet[i] === 0x81 && packet[i + 1] === (0xa0 | placeholder.length)
    );
    assert.ok(start > 0);
    const crafted = new Uint8Array([...packet.subarray(0, start), ...map]);
    const errors: string[] = [];
    const packets: SocketPacket[] = [];
    const decoder = codec.createDecoder({}, {
      packet: (p) => packets.push(p),
      error: (e) => errors.push(e),
    });
    decoder.add(crafted);
    assert.equal(packets.length + errors.length, 1);
    for (const p of packets) {
      assert.equal((p.data as Record<string, unknown>).admin, undefined, "no inherited admin");
    }
    assertNoPollution();
  });
});
