/** Unit tests of the base64 helpers used for binary packets (src/_internal/base64.ts). */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodeBase64, encodeBase64 } from "../../src/_internal/base64.ts";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** A plain, obviously correct base64 encoder to check the real one against. */
function referenceEncode(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i];
    const b = i + 1 < bytes.length ? bytes[i + 1] : 0;
    const c = i + 2 < bytes.length ? bytes[i + 2] : 0;
    out += ALPHABET[a >> 2];
    out += ALPHABET[((a & 3) << 4) | (b >> 4)];
    out += i + 1 < bytes.length ? ALPHABET[((b & 15) << 2) | (c >> 6)] : "=";
    out += i + 2 < bytes.length ? ALPHABET[c & 63] : "=";
  }
  return out;
}

/** Deterministic pseudo-random bytes (xorshift32), so failures reproduce. */
function randomBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

const text = (s: string) => new TextEncoder().encode(s);

describe("encodeBase64", () => {
  it("encodes the RFC 4648 test vectors", () => {
    assert.equal(encodeBase64(text("")), "");
    assert.equal(encodeBase64(text("f")), "Zg==");
    assert.equal(encodeBase64(text("fo")), "Zm8=");
    assert.equal(encodeBase64(text("foo")), "Zm9v");
    assert.equal(encodeBase64(text("foob")), "Zm9vYg==");
    assert.equal(encodeBase64(text("fooba")), "Zm9vYmE=");
    assert.equal(encodeBase64(text("foobar")), "Zm9vYmFy");
  });

  it("uses the standard alphabet (+ and /), with padding", () => {
    assert.equal(encodeBase64(new Uint8Array([0xfb, 0xff])), "+/8=");
    assert.equal(encodeBase64(new Uint8Array([0, 0, 0])), "AAAA");
    assert.equal(encodeBase64(new Uint8Array([1, 2, 3, 4])), "AQIDBA==");
  });

  it("encodes every byte value", () => {
    const all = new Uint8Array(256).map((_, i) => i);
    assert.equal(encodeBase64(all), referenceEncode(all));
  });

  it("encodes only the viewed part of a subarray", () => {
    const whole = new Uint8Array([9, 9, 1, 2, 3, 9]);
    assert.equal(encodeBase64(whole.subarray(2, 5)), "AQID");
  });

  for (const length of [32_767, 32_768, 32_769, 65_536, 100_003]) {
    it(`encodes ${length} bytes (across the 32 KiB chunk boundary) like a plain encoder`, () => {
      const bytes = randomBytes(length, length);
      const encoded = encodeBase64(bytes);
      assert.equal(encoded.length, 4 * Math.ceil(length / 3));
      assert.equal(encoded, referenceEncode(bytes));
    });
  }
});

describe("decodeBase64", () => {
  it("decodes the RFC 4648 test vectors", () => {
    const decoder = new TextDecoder();
    for (
      const [encoded, plain] of [
        ["", ""],
        ["Zg==", "f"],
        ["Zm8=", "fo"],
        ["Zm9v", "foo"],
        ["Zm9vYg==", "foob"],
        ["Zm9vYmE=", "fooba"],
        ["Zm9vYmFy", "foobar"],
      ]
    ) {
      const bytes = decodeBase64(encoded);
      assert.ok(bytes instanceof Uint8Array, encoded);
      assert.equal(decoder.decode(bytes), plain);
    }
  });

  it("decodes the empty string to zero bytes", () => {
    assert.deepEqual(decodeBase64(""), new Uint8Array(0));
  });

  it("decodes bytes above 127 without text decoding (latin-1 safe)", () => {
    assert.deepEqual(decodeBase64("+/8="), new Uint8Array([0xfb, 0xff]));
    assert.deepEqual(decodeBase64("gICA/w=="), new Uint8Array([0x80, 0x80, 0x80, 0xff]));
  });

  for (
    const invalid of [
      "!!!",
      "A",
      "AAAAA",
      "AB=C",
      "====",
      "Zg===",
      "€€€€",
      "AQID*",
      "Zm9v-_",
      "\uD800AAA",
    ]
  ) {
    it(`returns undefined for the invalid input ${JSON.stringify(invalid)}`, () => {
      assert.equal(decodeBase64(invalid), undefined);
    });
  }
});

describe("base64 round trips", () => {
  for (const length of [0, 1, 2, 3, 4, 5, 17, 255, 1024, 32_767, 32_768, 32_769, 200_000]) {
    it(`decode(encode(bytes)) returns the same ${length} bytes`, () => {
      const bytes = randomBytes(length, 0x9e3779b9 ^ length);
      const back = decodeBase64(encodeBase64(bytes));
      assert.ok(back instanceof Uint8Array);
      assert.equal(back.length, length);
      assert.deepEqual(back, bytes);
    });
  }

  it("round trips 200 random arrays of random lengths", () => {
    let seed = 12345;
    for (let i = 0; i < 200; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const bytes = randomBytes(seed % 600, seed);
      assert.deepEqual(decodeBase64(encodeBase64(bytes)), bytes, `array #${i}`);
    }
  });
});
