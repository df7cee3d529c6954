/**
 * Property tests of the Socket.IO v5 decoder (src/parser/decoder.ts and the text decoding,
 * placeholder walk and binary reconstruction behind it): arbitrary and mutated text frames,
 * and random sequences of text and binary frames into one decoder, never throw, finish within
 * a time bound, only ever yield well-formed packets, leave the decoder usable, and never touch
 * Object.prototype; valid packets (binary ones included) round-trip through the encoder.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { SocketPacketDecoder } from "../../src/parser/decoder.ts";
import { encodeSocketPacket } from "../../src/parser/encoder.ts";
import { type SocketPacket, SocketPacketType } from "../../src/parser/packet.ts";
import { ackIdError, dataError, RESERVED_EVENTS } from "../../src/parser/validate.ts";
import {
  anyUnit,
  assertNoPollution,
  bytes,
  check,
  mutated,
  normalize,
  protocolText,
  runs,
} from "./_fuzz.ts";

const T = { timeout: 60_000 };
const LIMITS = { maxAttachments: 10, maxDepth: 32 };

/** JSON-able data (with binary leaves if asked), no "__proto__"/"_placeholder" keys. */
function dataOf(withBytes: boolean): fc.Arbitrary<unknown> {
  return fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.constant(null),
      fc.boolean(),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.string({ unit: anyUnit, maxLength: 12 }),
      withBytes ? bytes(8) : fc.string({ maxLength: 4 }),
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(keyArb, tie("value"), { maxKeys: 4 }),
    ),
  })).value;
}

const keyArb = fc.string({ maxLength: 8 }).filter((key) =>
  key !== "__proto__" && key !== "_placeholder"
);
/** Event and ack arguments: binary allowed (sent as BINARY_EVENT / BINARY_ACK). */
const dataArb = dataOf(true);
/** CONNECT and CONNECT_ERROR payloads: JSON only, as in the reference. */
const jsonArb = dataOf(false);

const nspArb = fc.oneof(
  fc.constant("/"),
  fc.string({ unit: anyUnit, maxLength: 10 }).filter((name) => !name.includes(",")).map((name) =>
    "/" + name
  ),
);
const idArb = fc.oneof(fc.nat(1000), fc.constant(Number.MAX_SAFE_INTEGER), fc.nat());
const eventNameArb = fc.string({ unit: anyUnit, maxLength: 12 }).filter((name) =>
  !RESERVED_EVENTS.has(name)
);
const objectArb = fc.dictionary(keyArb, jsonArb, { maxKeys: 4 });

/** Packets the encoder writes and a peer could legitimately send. */
const packetArb: fc.Arbitrary<SocketPacket> = fc.oneof(
  fc.record({
    type: fc.constant(SocketPacketType.CONNECT),
    nsp: nspArb,
    data: fc.option(objectArb, { nil: undefined }),
  }),
  fc.record({ type: fc.constant(SocketPacketType.DISCONNECT), nsp: nspArb }),
  fc.record({
    type: fc.constant(SocketPacketType.EVENT),
    nsp: nspArb,
    id: fc.option(idArb, { nil: undefined }),
    data: fc.tuple(eventNameArb, fc.array(dataArb, { maxLength: 4 })).map(([name, args]) => [
      name,
      ...args,
    ]),
  }),
  fc.record({
    type: fc.constant(SocketPacketType.ACK),
    nsp: nspArb,
    id: idArb,
    data: fc.array(dataArb, { maxLength: 4 }),
  }),
  fc.record({
    type: fc.constant(SocketPacketType.CONNECT_ERROR),
    nsp: nspArb,
    data: fc.oneof(fc.string({ maxLength: 12 }), objectArb),
  }),
).map((packet) => {
  const clean: SocketPacket = { type: packet.type, nsp: packet.nsp };
  const { data, id } = packet as { data?: unknown; id?: number };
  if (data !== undefined) clean.data = data;
  if (id !== undefined) clean.id = id;
  return clean;
});

/** Frames of a valid packet (text first, then attachments), when within the limits. */
const framesArb = packetArb.map(encodeSocketPacket).filter((frames) =>
  frames.length - 1 <= LIMITS.maxAttachments
);

/** `arbitrary` with weight `some`, or "" with weight `none`. */
function maybe(arbitrary: fc.Arbitrary<string>, some: number, none: number): fc.Arbitrary<string> {
  return fc.oneof({ weight: some, arbitrary }, { weight: none, arbitrary: fc.constant("") });
}

/** JSON text shaped like event arguments, placeholders sometimes among them. */
const argsText: fc.Arbitrary<string> = fc.tuple(
  fc.string({ maxLength: 6 }),
  fc.array(
    fc.oneof(
      { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
      { weight: 1, arbitrary: fc.nat(3).map((num) => ({ _placeholder: true, num })) },
    ),
    { maxLength: 3 },
  ),
).map(([name, args]) => JSON.stringify([name, ...args]));

/**
 * Text with a plausible header (type digit, then an attachment count, namespace and ack id
 * where that type takes one, and rarely where it does not) and a JSON-ish body.
 */
const headedText: fc.Arbitrary<string> = fc.constantFrom(..."0123456").chain((type) => {
  const binary = type === "5" || type === "6";
  const withId = binary || type === "2" || type === "3";
  return fc.tuple(
    fc.constant(type),
    binary
      ? fc.oneof({ weight: 6, arbitrary: fc.nat(12).map((n) => `${n}-`) }, {
        weight: 1,
        arbitrary: fc.oneof(fc.nat().map((n) => `${n}-`), fc.constant(""), fc.nat(9).map(String)),
      })
      : maybe(fc.nat(12).map((n) => `${n}-`), 1, 12),
    maybe(nspArb.map((nsp) => `${nsp},`), 1, 2),
    maybe(fc.oneof(fc.nat(99), fc.nat(), fc.constant(2 ** 53)).map(String), 1, withId ? 1 : 12),
    fc.oneof(
      { weight: 4, arbitrary: argsText },
      { weight: 1, arbitrary: mutated(argsText) },
      { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
      { weight: 1, arbitrary: protocolText(32) },
      { weight: 1, arbitrary: fc.constant("") },
    ),
  ).map((parts) => parts.join(""));
});

/** Asserts a decoded packet is one a handler may safely see. */
function assertWellFormed(packet: SocketPacket): void {
  assert.ok(packet.type >= 0 && packet.type <= 4, `type ${packet.type}`);
  assert.equal(typeof packet.nsp, "string");
  assert.equal(packet.nsp[0], "/");
  assert.equal(dataError(packet.type, packet.data), undefined);
  assert.equal(ackIdError(packet.type, packet.id), undefined);
  if (packet.id !== undefined) assert.ok(Number.isSafeInteger(packet.id) && packet.id >= 0);
  assertNoPlaceholderLeft(packet.data, packet);
}

/** No own "__proto__" key anywhere; every value is plain JSON data or a Uint8Array. */
function assertNoPlaceholderLeft(value: unknown, packet: SocketPacket): void {
  const stack = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== "object" || node === null || node instanceof Uint8Array) continue;
    const proto = Object.getPrototypeOf(node);
    assert.ok(proto === Object.prototype || proto === Array.prototype, "plain data only");
    assert.ok(!Object.hasOwn(node, "__proto__"), `"__proto__" key in ${JSON.stringify(packet)}`);
    for (const key of Object.keys(node)) stack.push((node as Record<string, unknown>)[key]);
  }
}

/** A frame a peer may send: text (arbitrary, mutated valid, or valid) or binary. */
const frameArb: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  { weight: 2, arbitrary: headedText },
  { weight: 1, arbitrary: protocolText(48) },
  { weight: 3, arbitrary: mutated(framesArb.map((frames) => frames[0])) },
  { weight: 2, arbitrary: framesArb.map((frames) => frames[0]) },
  { weight: 2, arbitrary: bytes(8) },
);

describe("fuzz: Socket.IO decoder", () => {
  after(() => assertNoPollution());

  it(`arbitrary text frames never throw (${runs(20_000)} cases)`, T, () => {
    const text = fc.oneof(
      { weight: 4, arbitrary: headedText },
      { weight: 1, arbitrary: protocolText(64) },
      { weight: 1, arbitrary: fc.string({ unit: anyUnit, maxLength: 64 }) },
    );
    check(text, runs(20_000), (text) => {
      const decoded = new SocketPacketDecoder(LIMITS).add(text);
      if (!decoded.ok) {
        assert.equal(typeof decoded.error, "string");
        return;
      }
      if (decoded.value) assertWellFormed(decoded.value);
    });
  });

  it(`mutated valid frames never throw (${runs(25_000)} cases)`, T, () => {
    check(mutated(framesArb.map((frames) => frames[0])), runs(25_000), (text) => {
      const decoder = new SocketPacketDecoder(LIMITS);
      const decoded = decoder.add(text);
      if (decoded.ok && decoded.value) assertWellFormed(decoded.value);
      // a binary packet waits for attachments: feed some and stay well-formed
      if (decoded.ok && decoded.value === undefined) {
        for (let i = 0; i < LIMITS.maxAttachments + 1; i++) {
          const next = decoder.add(new Uint8Array([i]));
          if (!next.ok) break;
          if (next.value) {
            assertWellFormed(next.value);
            break;
          }
        }
      }
    });
  });

  it(`random sequences of text and binary frames never throw (${runs(12_000)} cases)`, T, () => {
    check(fc.array(frameArb, { minLength: 1, maxLength: 12 }), runs(12_000), (frames) => {
      const decoder = new SocketPacketDecoder(LIMITS);
      for (const frame of frames) {
        const decoded = decoder.add(frame);
        if (decoded.ok && decoded.value) assertWellFormed(decoded.value);
      }
      // whatever happened, a valid packet decodes right after a reset
      decoder.reset();
      const fresh = decoder.add('2["ok",1]');
      assert.ok(fresh.ok && fresh.value?.type === SocketPacketType.EVENT);
    });
  });

  it(
    `valid packets round-trip, binary attachments rebuilt in place (${runs(15_000)} cases)`,
    T,
    () => {
      check(packetArb, runs(15_000), (packet) => {
        const frames = encodeSocketPacket(packet);
        fc.pre(frames.length - 1 <= 64);
        const decoder = new SocketPacketDecoder({ maxAttachments: 64, maxDepth: 32 });
        let result: SocketPacket | undefined;
        for (let i = 0; i < frames.length; i++) {
          const decoded = decoder.add(frames[i]);
          assert.ok(decoded.ok, `${frames[0]}: ${!decoded.ok && decoded.error}`);
          if (i < frames.length - 1) {
            assert.equal(decoded.value, undefined, "waits for attachments");
          } else result = decoded.value;
        }
        assert.ok(result);
        assert.deepEqual(normalize(result), normalize(packet));
      });
    },
  );

  it(
    `binary packets with lying counts or placeholders are refused (${runs(6_000)} cases)`,
    T,
    () => {
      const placeholder = fc.oneof(
        fc.integer({ min: -3, max: 12 }),
        fc.constantFrom('"0"', "0.5", "null", "{}", "[]", '"__proto__"', "1e400", "-0"),
      );
      const arb = fc.record({
        count: fc.integer({ min: 0, max: 14 }),
        nums: fc.array(placeholder, { maxLength: 4 }),
        sent: fc.integer({ min: 0, max: 14 }),
      });
      check(arb, runs(6_000), ({ count, nums, sent }) => {
        const holders = nums.map((num) => `{"_placeholder":true,"num":${num}}`).join(",");
        const decoder = new SocketPacketDecoder(LIMITS);
        let decoded = decoder.add(`5${count}-["file"${holders ? "," + holders : ""}]`);
        for (let i = 0; i < sent && decoded.ok && decoded.value === undefined; i++) {
          decoded = decoder.add(new Uint8Array([i]));
        }
        if (!decoded.ok || decoded.value === undefined) return;
        // accepted: every placeholder named a real attachment, and was replaced by it
        assertWellFormed(decoded.value);
        const args = decoded.value.data as unknown[];
        for (let i = 1; i < args.length; i++) assert.ok(args[i] instanceof Uint8Array);
        assert.ok(count >= 1 && count <= LIMITS.maxAttachments);
      });
    },
  );

  it(`large and deeply nested frames decode in bounded time (${runs(60)} cases)`, T, () => {
    const big = fc.tuple(
      fc.constantFrom("2", "21", "51-", "2/a,", "3"),
      fc.constantFrom("[", "{", '{"a":', "[[]", '"', "\\", ",", "[1,"),
      fc.noBias(fc.integer({ min: 1_000, max: 200_000 })),
    ).map(([head, piece, times]) => head + piece.repeat(times));
    check(big, runs(60), (text) => {
      const decoded = new SocketPacketDecoder(LIMITS).add(text);
      if (decoded.ok && decoded.value) assertWellFormed(decoded.value);
    }, 2000);
  });
});
