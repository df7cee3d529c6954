/** Unit tests of the long-polling payload codec (src/engine/payload.ts). */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Packet } from "../../src/engine/packet.ts";
import { decodePayload, encodePayload, RECORD_SEPARATOR } from "../../src/engine/payload.ts";

/** Decodes and asserts success, returning the packets. */
function decodeOk(payload: string): Packet[] {
  const result = decodePayload(payload);
  assert.ok(result.ok, `expected ${JSON.stringify(payload)} to decode`);
  return result.value;
}

/** Decodes and asserts the whole payload is refused. */
function assertRefused(payload: string): void {
  const result = decodePayload(payload);
  assert.equal(result.ok, false, `expected ${JSON.stringify(payload)} to be refused`);
  if (!result.ok) assert.ok(result.error.length > 0, "a refusal names its reason");
}

describe("RECORD_SEPARATOR", () => {
  it("is the ASCII record separator \\x1e", () => {
    assert.equal(RECORD_SEPARATOR, "\x1e");
    assert.equal(RECORD_SEPARATOR.charCodeAt(0), 30);
  });
});

describe("encodePayload", () => {
  it("encodes a single packet without any separator", () => {
    assert.equal(encodePayload([{ type: "message", data: "hello" }]), "4hello");
    assert.equal(encodePayload([{ type: "close" }]), "1");
  });

  it("joins packets with \\x1e and no trailing separator", () => {
    assert.equal(
      encodePayload([{ type: "message", data: "a" }, { type: "ping" }, { type: "noop" }]),
      "4a\x1e2\x1e6",
    );
  });

  it("mixes text and binary messages, binary as b<base64>", () => {
    assert.equal(
      encodePayload([
        { type: "message", data: "hello" },
        { type: "message", data: new Uint8Array([1, 2, 3, 4]) },
      ]),
      "4hello\x1ebAQIDBA==",
    );
  });

  it("encodes a lone binary message as b<base64>", () => {
    assert.equal(encodePayload([{ type: "message", data: new Uint8Array([1, 2, 3]) }]), "bAQID");
  });

  it("encodes an OPEN packet followed by an initial message", () => {
    assert.equal(
      encodePayload([{ type: "open", data: '{"sid":"s"}' }, { type: "message", data: "hi" }]),
      '0{"sid":"s"}\x1e4hi',
    );
  });

  it("keeps the order of the packets", () => {
    const packets: Packet[] = Array.from({ length: 20 }, (_, i) => ({
      type: "message",
      data: String(i),
    }));
    assert.equal(encodePayload(packets), packets.map((p) => "4" + p.data).join("\x1e"));
  });
});

describe("decodePayload", () => {
  it("decodes a single packet", () => {
    assert.deepEqual(decodeOk("4hello"), [{ type: "message", data: "hello" }]);
    assert.deepEqual(decodeOk("1"), [{ type: "close" }]);
  });

  it("decodes mixed text and binary messages", () => {
    const packets = decodeOk("4hello\x1ebAQIDBA==");
    assert.equal(packets.length, 2);
    assert.deepEqual(packets[0], { type: "message", data: "hello" });
    assert.equal(packets[1].type, "message");
    assert.ok(packets[1].data instanceof Uint8Array);
    assert.deepEqual([...packets[1].data], [1, 2, 3, 4]);
  });

  it("decodes control packets between messages, in order", () => {
    assert.deepEqual(decodeOk("3\x1e4a\x1e4b\x1e1"), [
      { type: "pong" },
      { type: "message", data: "a" },
      { type: "message", data: "b" },
      { type: "close" },
    ]);
  });

  it("refuses an empty payload", () => {
    assertRefused("");
  });

  it("refuses a payload that is only a separator", () => {
    assertRefused("\x1e");
  });

  it("refuses a payload with an empty segment (leading, trailing or doubled separator)", () => {
    assertRefused("\x1e4hello");
    assertRefused("4hello\x1e");
    assertRefused("4a\x1e\x1e4b");
  });

  it("refuses the whole payload when one segment has an unknown type", () => {
    assertRefused("4hello\x1ea");
    assertRefused("7\x1e4hello");
    assertRefused("4a\x1e9\x1e4b");
  });

  it("refuses the whole payload when one segment has malformed base64", () => {
    assertRefused("4hello\x1eb!!!");
    assertRefused("b!!!\x1e4hello");
  });

  it("refuses a payload that is not Engine.IO at all", () => {
    assertRefused("abc");
    assertRefused("hello world");
    assertRefused('{"json":true}');
  });

  it("never throws", () => {
    for (const input of ["", "\x1e\x1e", "\uD800", "b\uD800\x1e4", "4" + "\x1e".repeat(100)]) {
      assert.doesNotThrow(() => decodePayload(input), JSON.stringify(input));
    }
  });
});

describe("payload round trips", () => {
  const cases: Array<[string, Packet[]]> = [
    ["one text message", [{ type: "message", data: "hello" }]],
    ["one binary message", [{ type: "message", data: new Uint8Array([9, 8, 7]) }]],
    ["an empty binary message", [{ type: "message", data: new Uint8Array(0) }]],
    [
      "mixed text, binary and control packets",
      [
        { type: "open", data: '{"sid":"abc"}' },
        { type: "message", data: "text" },
        { type: "message", data: new Uint8Array([0, 1, 254, 255]) },
        { type: "ping" },
        { type: "pong", data: "probe" },
        { type: "noop" },
        { type: "close" },
      ],
    ],
    [
      "many messages with unicode",
      Array.from({ length: 50 }, (_, i) => ({ type: "message", data: `msg ${i} ✓ é` })),
    ],
    [
      "a large binary message",
      [{ type: "message", data: new Uint8Array(70_000).map((_, i) => (i * 31) & 0xff) }],
    ],
  ];

  for (const [name, packets] of cases) {
    it(`decode(encode(x)) == x: ${name}`, () => {
      assert.deepEqual(decodeOk(encodePayload(packets)), packets);
    });
  }

  it('encode(decode(x)) == x for "4hello\\x1ebAQIDBA=="', () => {
    const payload = "4hello\x1ebAQIDBA==";
    assert.equal(encodePayload(decodeOk(payload)), payload);
  });
});
