/** Unit tests of the Socket.IO v5 packet decoder (src/parser/decoder.ts). */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SocketPacketDecoder } from "../../src/parser/decoder.ts";
import type { SocketPacket } from "../../src/parser/packet.ts";
import type { Result } from "../../src/_internal/result.ts";

/**
 * Frames of the official v5 test suite are Engine.IO frames: "4" (message) followed by the
 * Socket.IO packet, which is what the decoder receives.
 */
function fromSuite(engineFrame: string): string {
  assert.equal(engineFrame[0], "4");
  return engineFrame.slice(1);
}

/** Decodes one frame on a fresh decoder and expects a complete packet. */
function decode(frame: string): SocketPacket {
  const result = new SocketPacketDecoder().add(frame);
  if (!result.ok) assert.fail(`${frame} refused: ${result.error}`);
  assert.notEqual(result.value, undefined, `${frame} should be complete`);
  return result.value!;
}

/** Feeds frames to a decoder and expects the last one to be refused; returns the reason. */
function refuse(frames: (string | Uint8Array)[], decoder = new SocketPacketDecoder()): string {
  for (let i = 0; i < frames.length - 1; i++) {
    const result = decoder.add(frames[i]);
    assert.ok(result.ok, `frame ${i} should be accepted`);
  }
  const result = decoder.add(frames[frames.length - 1]);
  if (result.ok) assert.fail(`${String(frames[frames.length - 1])} should be refused`);
  assert.equal(typeof result.error, "string");
  assert.ok(result.error.length > 0);
  return result.error;
}

/** Expects an accepted frame and returns its value (undefined: waiting for attachments). */
function value(result: Result<SocketPacket | undefined>): SocketPacket | undefined {
  if (!result.ok) assert.fail(`refused: ${result.error}`);
  return result.value;
}

const bytes = (...values: number[]) => Uint8Array.from(values);

describe("SocketPacketDecoder: packet types", () => {
  it("decodes CONNECT, with and without namespace and auth", () => {
    assert.deepEqual(decode("0"), { type: 0, nsp: "/" });
    assert.deepEqual(decode('0{"token":"123"}'), { type: 0, nsp: "/", data: { token: "123" } });
    assert.deepEqual(decode("0/custom,"), { type: 0, nsp: "/custom" });
    assert.deepEqual(decode("0/custom"), { type: 0, nsp: "/custom" });
    assert.deepEqual(decode('0/admin,{"sid":"abc"}'), {
      type: 0,
      nsp: "/admin",
      data: { sid: "abc" },
    });
  });

  it("decodes DISCONNECT", () => {
    assert.deepEqual(decode("1"), { type: 1, nsp: "/" });
    assert.deepEqual(decode("1/custom,"), { type: 1, nsp: "/custom" });
  });

  it("decodes EVENT, with namespace and ack id", () => {
    assert.deepEqual(decode('2["hello"]'), { type: 2, nsp: "/", data: ["hello"] });
    assert.deepEqual(decode('2/chat,["hello",{"a":[1,null]}]'), {
      type: 2,
      nsp: "/chat",
      data: ["hello", { a: [1, null] }],
    });
    assert.deepEqual(decode('212["hello"]'), { type: 2, nsp: "/", data: ["hello"], id: 12 });
    assert.deepEqual(decode('2/chat,0["hello"]'), {
      type: 2,
      nsp: "/chat",
      data: ["hello"],
      id: 0,
    });
  });

  it("decodes ACK", () => {
    assert.deepEqual(decode("31[]"), { type: 3, nsp: "/", data: [], id: 1 });
    assert.deepEqual(decode('3/chat,9007199254740991["ok"]'), {
      type: 3,
      nsp: "/chat",
      data: ["ok"],
      id: Number.MAX_SAFE_INTEGER,
    });
  });

  it("decodes CONNECT_ERROR with an object or a string", () => {
    assert.deepEqual(decode('4{"message":"nope"}'), {
      type: 4,
      nsp: "/",
      data: { message: "nope" },
    });
    assert.deepEqual(decode('4/admin,"nope"'), { type: 4, nsp: "/admin", data: "nope" });
  });

  it("decodes BINARY_EVENT as EVENT with Uint8Array attachments", () => {
    const decoder = new SocketPacketDecoder();
    assert.deepEqual(decoder.add('51-/chat,["file",{"_placeholder":true,"num":0}]'), {
      ok: true,
      value: undefined,
    });
    assert.deepEqual(decoder.add(bytes(1, 2)), {
      ok: true,
      value: { type: 2, nsp: "/chat", data: ["file", bytes(1, 2)] },
    });
  });

  it("decodes BINARY_ACK as ACK", () => {
    const decoder = new SocketPacketDecoder();
    assert.deepEqual(decoder.add('61-5[{"_placeholder":true,"num":0}]'), {
      ok: true,
      value: undefined,
    });
    assert.deepEqual(decoder.add(bytes(9)), {
      ok: true,
      value: { type: 3, nsp: "/", data: [bytes(9)], id: 5 },
    });
  });

  it("puts attachments at any depth, reused or unused", () => {
    const decoder = new SocketPacketDecoder();
    const text =
      '53-["e",{"a":[{"_placeholder":true,"num":2}],"b":{"_placeholder":true,"num":2}},' +
      '{"_placeholder":true,"num":0}]';
    assert.equal(value(decoder.add(text)), undefined);
    assert.equal(value(decoder.add(bytes(0))), undefined);
    assert.equal(value(decoder.add(bytes(1))), undefined);
    assert.deepEqual(value(decoder.add(bytes(2))), {
      type: 2,
      nsp: "/",
      data: ["e", { a: [bytes(2)], b: bytes(2) }, bytes(0)],
    });
  });

  it("leaves placeholder-like objects alone in text-only packets", () => {
    assert.deepEqual(decode('2["e",{"_placeholder":true,"num":"x"}]').data, [
      "e",
      { _placeholder: true, num: "x" },
    ]);
  });

  it("keeps a decoder usable across many packets", () => {
    const decoder = new SocketPacketDecoder();
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(value(decoder.add(`2${i}["n",${i}]`)), {
        type: 2,
        nsp: "/",
        data: ["n", i],
        id: i,
      });
      assert.equal(value(decoder.add('51-["b",{"_placeholder":true,"num":0}]')), undefined);
      assert.deepEqual(value(decoder.add(bytes(i))), { type: 2, nsp: "/", data: ["b", bytes(i)] });
    }
  });
});

describe("SocketPacketDecoder: frames of the official v5 test suite", () => {
  it("connects to the main and custom namespaces", () => {
    assert.deepEqual(decode(fromSuite("40")), { type: 0, nsp: "/" });
    assert.deepEqual(decode(fromSuite('40{"token":"123"}')), {
      type: 0,
      nsp: "/",
      data: { token: "123" },
    });
    assert.deepEqual(decode(fromSuite("40/custom,")), { type: 0, nsp: "/custom" });
    assert.deepEqual(decode(fromSuite('40/custom,{"token":"abc"}')), {
      type: 0,
      nsp: "/custom",
      data: { token: "abc" },
    });
    assert.deepEqual(decode(fromSuite("40/random")), { type: 0, nsp: "/random" });
    assert.deepEqual(decode(fromSuite("40/custom")), { type: 0, nsp: "/custom" });
  });

  it("disconnects", () => {
    assert.deepEqual(decode(fromSuite("41")), { type: 1, nsp: "/" });
    assert.deepEqual(decode(fromSuite("41/custom")), { type: 1, nsp: "/custom" });
  });

  it("decodes the server's replies", () => {
    assert.deepEqual(decode(fromSuite('44/random,{"message":"Invalid namespace"}')), {
      type: 4,
      nsp: "/random",
      data: { message: "Invalid namespace" },
    });
    assert.deepEqual(decode(fromSuite('43456[1,"2",{"3":[false]}]')), {
      type: 3,
      nsp: "/",
      data: [1, "2", { 3: [false] }],
      id: 456,
    });
  });

  it("decodes plain-text events, with and without ack", () => {
    assert.deepEqual(decode(fromSuite('42["message",1,"2",{"3":[true]}]')), {
      type: 2,
      nsp: "/",
      data: ["message", 1, "2", { 3: [true] }],
    });
    assert.deepEqual(decode(fromSuite('42["message","message to main namespace"]')).data, [
      "message",
      "message to main namespace",
    ]);
    assert.deepEqual(decode(fromSuite('42456["message-with-ack",1,"2",{"3":[false]}]')), {
      type: 2,
      nsp: "/",
      data: ["message-with-ack", 1, "2", { 3: [false] }],
      id: 456,
    });
  });

  it("decodes a binary event followed by its two attachments", () => {
    const decoder = new SocketPacketDecoder();
    const text = fromSuite(
      '452-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]',
    );
    assert.deepEqual(decoder.add(text), { ok: true, value: undefined });
    assert.deepEqual(decoder.add(bytes(1, 2, 3)), { ok: true, value: undefined });
    assert.deepEqual(decoder.add(bytes(4, 5, 6)), {
      ok: true,
      value: { type: 2, nsp: "/", data: ["message", bytes(1, 2, 3), bytes(4, 5, 6)] },
    });
  });

  it("decodes a binary event with an ack id", () => {
    const decoder = new SocketPacketDecoder();
    const text = fromSuite(
      '452-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]',
    );
    assert.equal(value(decoder.add(text)), undefined);
    assert.equal(value(decoder.add(bytes(1, 2, 3))), undefined);
    assert.deepEqual(value(decoder.add(bytes(4, 5, 6))), {
      type: 2,
      nsp: "/",
      data: ["message-with-ack", bytes(1, 2, 3), bytes(4, 5, 6)],
      id: 789,
    });
  });

  it("refuses the suite's invalid formats", () => {
    refuse([fromSuite("4abc")]); // unknown packet type
    refuse([fromSuite("42{}")]); // invalid payload format
    refuse([fromSuite('42abc["message-with-ack",1,"2",{"3":[false]}]')]); // invalid ack id
  });
});

describe("SocketPacketDecoder: refusals", () => {
  it("refuses empty frames and unknown types", () => {
    for (const frame of ["", "7", "9", "a", "/", ' 2["x"]', "-1"]) refuse([frame]);
    assert.match(refuse(["9"]), /unknown packet type/);
  });

  it("refuses malformed attachment counts", () => {
    for (
      const frame of [
        '5-["e",{"_placeholder":true,"num":0}]', // no digits
        '51["e",{"_placeholder":true,"num":0}]', // no "-"
        '5a-["e",{"_placeholder":true,"num":0}]',
        '5-1-["e",{"_placeholder":true,"num":0}]',
        '51.5-["e",{"_placeholder":true,"num":0}]',
        '50-["e"]', // a binary packet has at least one attachment, as the reference says
        "5",
        "61",
      ]
    ) {
      assert.match(refuse([frame]), /attachments/, frame);
    }
  });

  it("refuses more attachments than maxAttachments", () => {
    const text = (n: number) => `5${n}-["e",{"_placeholder":true,"num":0}]`;
    assert.equal(new SocketPacketDecoder().add(text(10)).ok, true);
    assert.match(refuse([text(11)]), /too many attachments/);
    assert.match(refuse(["5" + "9".repeat(400) + '-["e"]']), /too many attachments/);
    const decoder = new SocketPacketDecoder({ maxAttachments: 2 });
    assert.equal(decoder.add(text(2)).ok, true);
    decoder.reset();
    assert.match(refuse([text(3)], decoder), /too many attachments/);
    assert.match(refuse([text(1)], new SocketPacketDecoder({ maxAttachments: 0 })), /too many/);
  });

  it("refuses a binary frame when no binary packet is waiting", () => {
    assert.match(refuse([bytes(1)]), /binary data when not reconstructing/);
    const decoder = new SocketPacketDecoder();
    assert.equal(decoder.add('51-["e",{"_placeholder":true,"num":0}]').ok, true);
    assert.equal(decoder.add(bytes(1)).ok, true);
    assert.match(refuse([bytes(2)], decoder), /binary data when not reconstructing/);
  });

  it("refuses a text frame while attachments are expected, then starts afresh", () => {
    const decoder = new SocketPacketDecoder();
    assert.match(
      refuse(['52-["e",{"_placeholder":true,"num":0}]', bytes(1), '2["x"]'], decoder),
      /got plaintext data when reconstructing a packet/,
    );
    assert.deepEqual(value(decoder.add('2["x"]')), { type: 2, nsp: "/", data: ["x"] });
    assert.equal(decoder.add(bytes(1)).ok, false);
  });

  it("refuses invalid JSON", () => {
    for (
      const frame of [
        '2["x"',
        "2[x]",
        '2["x"]]',
        '2["x"]garbage',
        "0{token:1}",
        '2abc["x"]',
        "2undefined",
        '2["x",NaN]',
      ]
    ) {
      refuse([frame]);
    }
    assert.match(refuse(['2["x"']), /invalid JSON/);
  });

  it("refuses data that does not fit the packet type", () => {
    const cases: [string, RegExp][] = [
      ["0[]", /CONNECT data/],
      ["0null", /CONNECT data/],
      ['0"token"', /CONNECT data/],
      ["01", /CONNECT data|ack id/],
      ["1{}", /DISCONNECT/],
      ['1/custom,"x"', /DISCONNECT/],
      ["1null", /DISCONNECT/],
      ["2", /EVENT data/],
      ["2[]", /EVENT data/],
      ["2[1]", /EVENT data/],
      ['2{"0":"x"}', /EVENT data/],
      ['2"message"', /EVENT data/],
      ["2[null]", /EVENT data/],
      ['2["disconnect"]', /reserved event name/],
      ['2["connect",1]', /reserved event name/],
      ['2["newListener"]', /reserved event name/],
      ['2["removeListener"]', /reserved event name/],
      ['2["connect_error"]', /reserved event name/],
      ['2["disconnecting"]', /reserved event name/],
      ["31", /ACK data/],
      ["31{}", /ACK data/],
      ['31"x"', /ACK data/],
      ["4", /CONNECT_ERROR data/],
      ["4[1]", /CONNECT_ERROR data/],
      ["4null", /CONNECT_ERROR data/],
      ["41", /ack id/],
      ['51-[{"_placeholder":true,"num":0}]', /EVENT data/],
      ['61-1{"_placeholder":true,"num":0}', /ACK data/],
    ];
    for (const [frame, reason] of cases) assert.match(refuse([frame]), reason, frame);
  });

  it("refuses ack ids where they do not belong, missing or unsafe", () => {
    const cases: [string, RegExp][] = [
      ["0123", /ack id on a CONNECT packet/],
      ['05{"token":"x"}', /ack id on a CONNECT packet/],
      ["1/custom,7", /ack id on a DISCONNECT packet/],
      ['47"nope"', /ack id on a CONNECT_ERROR packet/],
      ["3[1]", /ACK packet without an ack id/],
      ['61-[{"_placeholder":true,"num":0}]', /ACK packet without an ack id/],
      ['29007199254740992["x"]', /invalid ack id/],
      ["2" + "9".repeat(5000) + '["x"]', /invalid ack id/],
      ["3" + "1".repeat(17) + "[]", /invalid ack id/],
    ];
    for (const [frame, reason] of cases) assert.match(refuse([frame]), reason, frame);
  });

  it("refuses invalid attachment placeholders (CVE-2022-2421)", () => {
    const placeholders = [
      '{"_placeholder":true,"num":"0"}',
      '{"_placeholder":true,"num":2}',
      '{"_placeholder":true,"num":-1}',
      '{"_placeholder":true,"num":0.5}',
      '{"_placeholder":true}',
      '{"_placeholder":true,"num":null}',
      '{"_placeholder":true,"num":[0]}',
      '{"_placeholder":true,"num":1e400}',
      '{"_placeholder":true,"num":"__proto__"}',
      '{"_placeholder":true,"num":"toString"}',
    ];
    for (const placeholder of placeholders) {
      for (
        const frame of [
          `52-["e",${placeholder}]`,
          `52-["e",{"deep":[[${placeholder}]]}]`,
          `62-3[${placeholder}]`,
        ]
      ) {
        // refused on the text frame, before any attachment is buffered
        assert.match(refuse([frame]), /invalid attachment placeholder/, frame);
      }
    }
  });

  it("accepts objects whose _placeholder is not exactly true", () => {
    const decoder = new SocketPacketDecoder();
    const text = '51-["e",{"_placeholder":"true","num":"x"},{"_placeholder":true,"num":0}]';
    assert.equal(value(decoder.add(text)), undefined);
    assert.deepEqual(value(decoder.add(bytes(7))), {
      type: 2,
      nsp: "/",
      data: ["e", { _placeholder: "true", num: "x" }, bytes(7)],
    });
  });

  it("refuses own __proto__ keys at any depth", () => {
    const frames = [
      '2["e",{"__proto__":{"polluted":true}}]',
      '2["e",[[{"a":{"__proto__":null}}]]]',
      '0{"__proto__":{"isAdmin":true}}',
      '4{"__proto__":"x"}',
      '31[{"__proto__":[]}]',
      '2["e",{"\\u005f_proto__":{}}]', // escaped spelling of the same key
      '2["e",{"__pro\\u0074o__":{}}]',
      '51-["e",{"_placeholder":true,"num":0},{"__proto__":1}]',
      '51-["e",{"__proto__":{"_placeholder":true,"num":0}}]', // would set a prototype
    ];
    for (const frame of frames) assert.match(refuse([frame]), /__proto__/, frame);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it("accepts __proto__ as a value or part of a longer key", () => {
    assert.deepEqual(decode('2["__proto__",{"a":"__proto__","__proto__x":1}]').data, [
      "__proto__",
      { a: "__proto__", __proto__x: 1 },
    ]);
    assert.deepEqual(decode('2["\\u00e9t\\u00e9"]').data, ["été"]);
  });
});

describe("SocketPacketDecoder: nesting limit", () => {
  const nested = (depth: number) => "[".repeat(depth - 1) + '["e"' + "]".repeat(depth);
  const nestedInEvent = (depth: number) =>
    '["e",' + "[".repeat(depth - 1) + "1" + "]".repeat(depth - 1) + "]";

  it("accepts 1000 levels and refuses 1001 by default", () => {
    assert.equal(new SocketPacketDecoder().add("2" + nestedInEvent(1000)).ok, true);
    assert.match(refuse(["2" + nestedInEvent(1001)]), /nested too deep \(limit: 1000 levels\)/);
    assert.match(refuse(['0{"a":' + '{"a":'.repeat(1000) + "1" + "}".repeat(1001)]), /nested/);
  });

  it("follows maxDepth", () => {
    const decoder = new SocketPacketDecoder({ maxDepth: 3 });
    assert.equal(decoder.add('2["e",{"a":[1]}]').ok, true);
    assert.match(refuse(['2["e",{"a":[[1]]}]'], decoder), /nested too deep \(limit: 3 levels\)/);
    assert.match(
      refuse(['2["e",{"a":[[1]]}]'], new SocketPacketDecoder({ maxDepth: 1 })),
      /limit: 1 /,
    );
  });

  it("does not count brackets inside strings, escaped quotes included", () => {
    const decoder = new SocketPacketDecoder({ maxDepth: 3 });
    const inString = '"' + "[{".repeat(100) + '\\"' + "[".repeat(100) + '\\\\"';
    assert.deepEqual(value(decoder.add(`2["e",{"k":[1]},${inString}]`)), {
      type: 2,
      nsp: "/",
      data: ["e", { k: [1] }, "[{".repeat(100) + '"' + "[".repeat(100) + "\\"],
    });
    assert.match(refuse(['2["e\\\\",[[[1]]]]'], decoder), /nested/);
  });

  it("refuses a 100k-deep array without throwing", () => {
    const deep = "[".repeat(100_000);
    const closed = deep + "]".repeat(100_000);
    for (const frame of ["2" + deep, "2" + closed, "0" + deep, "31" + closed]) {
      assert.match(refuse([frame]), /nested too deep \(limit: 1000 levels\)/);
    }
    assert.match(refuse(["2" + nested(100_000)]), /nested/);
    const lax = new SocketPacketDecoder({ maxDepth: 1_000_000_000 });
    assert.doesNotThrow(() => assert.equal(lax.add("2" + deep).ok, false));
    assert.doesNotThrow(() => lax.add("0" + '{"a":'.repeat(100_000) + "1" + "}".repeat(100_000)));
  });

  it("refuses a deep binary packet", () => {
    const frame = '51-["e",' + "[".repeat(1000) + '{"_placeholder":true,"num":0}' +
      "]".repeat(1000) + "]";
    assert.match(refuse([frame]), /nested/);
  });
});

describe("SocketPacketDecoder: options and reset", () => {
  it("takes its limits as given, defaulting each one (createServer checks them, not this)", () => {
    const attachments = (n: number) => `5${n}-["e",{"_placeholder":true,"num":0}]`;
    const decoder = new SocketPacketDecoder({ maxDepth: 2 });
    assert.equal(decoder.add(attachments(10)).ok, true);
    decoder.reset();
    assert.match(refuse([attachments(11)], decoder), /too many attachments \(more than 10\)/);
    assert.match(refuse(['2["e",[[1]]]'], decoder), /limit: 2 levels/);
  });

  it("reset() drops a half-received binary packet", () => {
    const decoder = new SocketPacketDecoder();
    assert.equal(value(decoder.add('52-["e",{"_placeholder":true,"num":1}]')), undefined);
    assert.equal(value(decoder.add(bytes(1))), undefined);
    decoder.reset();
    assert.equal(decoder.add(bytes(2)).ok, false);
    assert.deepEqual(value(decoder.add('2["x"]')), { type: 2, nsp: "/", data: ["x"] });
    decoder.reset();
    assert.deepEqual(value(decoder.add('2["y"]')), { type: 2, nsp: "/", data: ["y"] });
  });
});
