/**
 * Unit tests of the checks on packets a user-supplied parser decoded
 * (src/parser/untrusted_packet.ts): what passes, how it is normalised, and every refusal.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { checkUntrustedPacket } from "../../src/parser/untrusted_packet.ts";
import type { SocketPacket } from "../../src/parser/packet.ts";

const DEPTH = 32;

function accept(value: unknown, maxDepth = DEPTH): SocketPacket {
  const checked = checkUntrustedPacket(value, maxDepth);
  if (!checked.ok) assert.fail(`refused: ${checked.error}`);
  return checked.value;
}

function refuse(value: unknown, maxDepth = DEPTH): string {
  const checked = checkUntrustedPacket(value, maxDepth);
  if (checked.ok) assert.fail(`accepted: ${JSON.stringify(checked.value)}`);
  assert.ok(checked.error.length > 0);
  return checked.error;
}

/** `depth` arrays nested in one another, the innermost holding 1. */
function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe("checkUntrustedPacket: accepted packets", () => {
  it("keeps type, nsp, data and id, and nothing else", () => {
    const packet = accept({ type: 2, nsp: "/chat", data: ["hi", 1], id: 7, extra: "x" });
    assert.deepEqual(packet, { type: 2, nsp: "/chat", data: ["hi", 1], id: 7 });
  });

  it("accepts each packet type a client sends, with and without data", () => {
    assert.deepEqual(accept({ type: 0, nsp: "/" }), { type: 0, nsp: "/" });
    assert.deepEqual(accept({ type: 0, nsp: "/", data: { token: "t" } }).data, { token: "t" });
    assert.deepEqual(accept({ type: 1, nsp: "/a" }), { type: 1, nsp: "/a" });
    assert.deepEqual(accept({ type: 3, nsp: "/", data: [], id: 0 }), {
      type: 3,
      nsp: "/",
      data: [],
      id: 0,
    });
    assert.equal(accept({ type: 4, nsp: "/", data: { message: "no" } }).type, 4);
  });

  it("gives BINARY_EVENT and BINARY_ACK back as EVENT and ACK", () => {
    assert.equal(accept({ type: 5, nsp: "/", data: ["f", new Uint8Array(1)] }).type, 2);
    assert.equal(accept({ type: 6, nsp: "/", data: [new Uint8Array(1)], id: 3 }).type, 3);
  });

  it("turns a numeric event name into its string form, as socket.io-parser accepts it", () => {
    assert.deepEqual(accept({ type: 2, nsp: "/", data: [42, "x"] }).data, ["42", "x"]);
    assert.deepEqual(accept({ type: 2, nsp: "/", data: [1.5] }).data, ["1.5"]);
  });

  it("hands binary values over as Uint8Array over the same bytes, at any depth", () => {
    const bytes = new Uint8Array([1, 2, 3, 4]);
    const data = [
      "bin",
      bytes.buffer,
      { deep: [new DataView(bytes.buffer, 1, 2)] },
      new Uint16Array([0x0102]),
      bytes,
    ];
    const packet = accept({ type: 2, nsp: "/", data });
    const out = packet.data as unknown[];
    assert.ok(out[1] instanceof Uint8Array);
    assert.deepEqual([...(out[1] as Uint8Array)], [1, 2, 3, 4]);
    const deep = (out[2] as { deep: Uint8Array[] }).deep[0];
    assert.ok(deep instanceof Uint8Array);
    assert.deepEqual([...deep], [2, 3]);
    assert.equal(deep.buffer, bytes.buffer);
    assert.ok(out[3] instanceof Uint8Array);
    assert.equal((out[3] as Uint8Array).byteLength, 2);
    assert.equal(out[4], bytes);
  });

  it("accepts objects whose prototype code made (Date, null prototype, class instances)", () => {
    const bare = Object.create(null);
    bare.a = 1;
    class Point {
      x = 1;
    }
    const data = ["e", new Date(0), bare, new Point(), new Map()];
    assert.equal((accept({ type: 2, nsp: "/", data }).data as unknown[]).length, 5);
  });

  it("accepts data exactly maxDepth levels deep (the arguments array is level 1)", () => {
    accept({ type: 2, nsp: "/", data: ["e", nested(DEPTH - 1)] });
  });
});

describe("checkUntrustedPacket: refusals", () => {
  it("refuses anything but an object", () => {
    for (const value of [undefined, null, 2, '2["x"]', [2, "/", []], new Uint8Array(3)]) {
      refuse(value);
    }
  });

  it("refuses an unknown or non-integer type", () => {
    for (const type of [-1, 7, 2.5, "2", NaN, undefined, null]) {
      assert.match(refuse({ type, nsp: "/", data: ["e"] }), /type/);
    }
  });

  it('refuses a namespace that is not a string starting with "/"', () => {
    for (const nsp of [undefined, null, 1, "", "chat", ["/"], { toString: () => "/" }]) {
      assert.match(refuse({ type: 2, nsp, data: ["e"] }), /namespace/);
    }
  });

  it("refuses an ack id that is not a safe integer ≥ 0, or where the type has none", () => {
    for (const id of [-1, 1.5, 2 ** 53, "1", null, NaN, Infinity]) {
      assert.match(refuse({ type: 2, nsp: "/", data: ["e"], id }), /ack id/);
    }
    refuse({ type: 3, nsp: "/", data: [] }); // an ACK needs one
    refuse({ type: 0, nsp: "/", id: 1 });
    refuse({ type: 1, nsp: "/", id: 1 });
  });

  it("refuses EVENT data that is not an array starting with a name", () => {
    for (const data of [undefined, null, "e", {}, [], [null], [{}], [true], [Infinity], [NaN]]) {
      refuse({ type: 2, nsp: "/", data });
    }
  });

  it("refuses reserved event names", () => {
    for (const name of ["connect", "connect_error", "disconnect", "disconnecting"]) {
      assert.match(refuse({ type: 2, nsp: "/", data: [name] }), /reserved/);
    }
  });

  it("refuses CONNECT data that is not a plain object, and data on a DISCONNECT", () => {
    for (const data of [null, "token", 1, ["a"], new Uint8Array(4)]) {
      refuse({ type: 0, nsp: "/", data });
    }
    refuse({ type: 1, nsp: "/", data: {} });
    refuse({ type: 3, nsp: "/", data: "x", id: 1 });
  });

  it("refuses data nested deeper than maxDepth, and a cycle", () => {
    assert.match(refuse({ type: 2, nsp: "/", data: ["e", nested(DEPTH)] }), /too deep/);
    const cycle: unknown[] = ["e"];
    cycle.push({ back: cycle });
    assert.match(refuse({ type: 2, nsp: "/", data: cycle }), /too deep/);
  });

  it("refuses an own __proto__ key and a prototype the data set", () => {
    const own = JSON.parse('["e",{"__proto__":{"admin":true}}]');
    assert.match(refuse({ type: 2, nsp: "/", data: own }), /__proto__/);
    // what a msgpack decoder's `value[key] = parsed map` does with a key "__proto__" where
    // the runtime has the __proto__ setter (Node, Bun; Deno makes an own key instead)
    const assigned = Object.setPrototypeOf({}, { admin: true });
    assert.match(refuse({ type: 0, nsp: "/", data: assigned }), /prototype/);
    assert.match(refuse({ type: 2, nsp: "/", data: ["e", [assigned]] }), /prototype/);
  });
});
