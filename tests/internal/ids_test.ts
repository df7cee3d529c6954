/** Session and socket ids: 20 URL-safe characters, never the same twice. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { generateId } from "../../src/_internal/ids.ts";

describe("generateId", () => {
  it("makes 20 base64url characters", () => {
    for (let i = 0; i < 1000; i++) assert.match(generateId(), /^[A-Za-z0-9_-]{20}$/);
  });

  it("makes distinct ids, across refills of its random pool", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) seen.add(generateId());
    assert.equal(seen.size, 5000);
  });

  it("uses the whole alphabet", () => {
    const chars = new Set<string>();
    for (let i = 0; i < 200; i++) for (const char of generateId()) chars.add(char);
    assert.equal(chars.size, 64);
  });
});
