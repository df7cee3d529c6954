/**
 * Unit tests of src/http/compression.ts: the coding negotiated from `Accept-Encoding`, the
 * threshold read from the option, and compression that decodes back to its input (small bodies
 * synchronously, large ones on the thread pool).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { gunzipSync, inflateSync } from "node:zlib";
import { compressBody, compressionThreshold, negotiateCoding } from "../../src/http/compression.ts";

describe("negotiateCoding", () => {
  const cases: [string | null, "gzip" | "deflate" | undefined][] = [
    [null, undefined],
    ["", undefined],
    ["gzip", "gzip"],
    ["GZIP", "gzip"],
    ["x-gzip", "gzip"],
    ["deflate", "deflate"],
    ["gzip, deflate, br", "gzip"],
    ["deflate, gzip", "gzip"],
    ["br, zstd", undefined],
    ["identity", undefined],
    ["*", "gzip"],
    ["*;q=0", undefined],
    ["*, gzip;q=0", "deflate"],
    ["gzip;q=0", undefined],
    ["gzip;q=0, deflate", "deflate"],
    ["gzip;q=0.2, deflate;q=0.9", "deflate"],
    ["gzip;q=1.0, deflate;q=1", "gzip"],
    ["gzip ; q=0.5 , deflate ; q=0.4", "gzip"],
    ["deflate;level=1", "deflate"],
    ["gzip;q=abc, deflate", "deflate"],
    ["gzip;q=2", undefined],
    [",,;;,=,q=,", undefined],
    ["gzip;q=0.001", "gzip"],
  ];
  for (const [header, expected] of cases) {
    it(`${JSON.stringify(header)} → ${expected ?? "none"}`, () => {
      assert.equal(negotiateCoding(header), expected);
    });
  }

  it("reads a long hostile header without trouble", () => {
    const header = "x;q=0.5, ".repeat(2000) + "deflate";
    assert.equal(negotiateCoding(header), "deflate");
  });
});

describe("compressionThreshold", () => {
  it("reads the option with the reference's default", () => {
    assert.equal(compressionThreshold(undefined), 1024);
    assert.equal(compressionThreshold(true), 1024);
    assert.equal(compressionThreshold({}), 1024);
    assert.equal(compressionThreshold({ threshold: 0 }), 0);
    assert.equal(compressionThreshold(false), undefined);
  });
});

describe("compressBody", () => {
  const small = new TextEncoder().encode("hello ".repeat(100));
  const large = new TextEncoder().encode("0123456789".repeat(20_000)); // above the sync limit

  for (const [name, body] of [["a small body", small], ["a 200 kB body", large]] as const) {
    it(`gzips and deflates ${name} to what decodes back to it`, async () => {
      const gzipped = await compressBody(body, "gzip");
      assert.ok(gzipped.byteLength < body.byteLength);
      assert.deepEqual(new Uint8Array(gunzipSync(gzipped)), body);
      const deflated = await compressBody(body, "deflate");
      assert.deepEqual(new Uint8Array(inflateSync(deflated)), body);
    });
  }
});
