/**
 * Unit and property tests of the MessagePack framing check (src/parser/msgpack_frame.ts):
 * every value a msgpack encoder writes passes; announced lengths beyond the frame, cut
 * headers, 0xc1, trailing bytes and deep nesting are refused, quickly.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { encode } from "@msgpack/msgpack";
import * as msgpackParser from "socket.io-msgpack-parser";
import { msgpackFrameError } from "../../src/parser/msgpack_frame.ts";

const notepack = new msgpackParser.Encoder();
const pack = (value: unknown) => (notepack.encode(value) as unknown as Uint8Array[])[0];

describe("msgpackFrameError", () => {
  it("passes what msgpack encoders write, every format included", () => {
    const values: unknown[] = [
      null,
      true,
      false,
      0,
      -1,
      -33,
      127,
      255,
      65535,
      2 ** 32,
      -(2 ** 40),
      1.5,
      "",
      "a".repeat(31),
      "b".repeat(40),
      "c".repeat(300),
      "d".repeat(70_000),
      new Uint8Array(0),
      new Uint8Array(300),
      new Uint8Array(70_000),
      [],
      new Array(16).fill(1),
      new Array(70_000).fill(0),
      {},
      Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])),
      { type: 2, nsp: "/", data: ["e", { deep: [[[1]]] }], id: 4 },
      new Date(0),
    ];
    for (const value of values) {
      assert.equal(msgpackFrameError(encode(value), 16), undefined, `@msgpack: ${typeof value}`);
      assert.equal(msgpackFrameError(pack(value), 16), undefined, `notepack: ${typeof value}`);
    }
    // notepack's ArrayBuffer (ext 8/16/32 of type 0) and undefined (fixext 1)
    for (const size of [1, 200, 300, 70_000]) {
      assert.equal(msgpackFrameError(pack(new ArrayBuffer(size)), 4), undefined);
    }
    assert.equal(msgpackFrameError(pack([undefined]), 4), undefined);
  });

  it("passes arbitrary JSON-like values as @msgpack/msgpack writes them", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        assert.equal(msgpackFrameError(encode(value), 16), undefined);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses lengths the frame does not hold, quickly", () => {
    const huge = [0xff, 0xff, 0xff, 0xff];
    const frames = [
      [0xc9, ...huge, 0x00], // ext 32 of type 0: notepack would fill a 4 GiB ArrayBuffer
      [0xc8, 0xff, 0xff, 0x00],
      [0xc7, 0x05, 0x00, 1, 2],
      [0xc6, ...huge],
      [0xdb, ...huge, 0x61],
      [0xdd, ...huge, 0x01], // array 32
      [0xdf, ...huge, 0x01, 0x01], // map 32
      [0x93, 0x01, 0x02], // fixarray of 3 with 2 items
      [0x81, 0xa1, 0x61], // fixmap with a key and no value
      [0xa5, 0x61], // fixstr of 5 with 1 byte
    ];
    for (const frame of frames) {
      const started = performance.now();
      assert.notEqual(msgpackFrameError(new Uint8Array(frame), 16), undefined, String(frame));
      assert.ok(performance.now() - started < 50);
    }
  });

  it("refuses cut headers, 0xc1, trailing bytes and an empty frame", () => {
    for (const frame of [[], [0xcd, 0x01], [0xc5, 0x00], [0xc1], [0x01, 0x02], [0x91]]) {
      assert.notEqual(msgpackFrameError(new Uint8Array(frame), 16), undefined, String(frame));
    }
  });

  it("refuses arrays and maps nested deeper than maxNesting", () => {
    let value: unknown = 1;
    for (let i = 0; i < 5; i++) value = [value];
    assert.equal(msgpackFrameError(encode(value), 5), undefined);
    assert.match(msgpackFrameError(encode([value]), 5)!, /too deep/);
    assert.match(msgpackFrameError(encode({ a: { b: { c: [[[1]]] } } }), 5)!, /too deep/);
    // a million nested fixarrays of one: refused at the limit, not parsed to the end
    const deep = new Uint8Array(1_000_001).fill(0x91);
    deep[deep.length - 1] = 0x01;
    assert.match(msgpackFrameError(deep, 1000)!, /too deep/);
  });
});
