/** Unit tests of Engine.IO refusals (src/engine/errors.ts). */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EngineErrorCode, payloadTooLarge, refusal } from "../../src/engine/errors.ts";

describe("EngineErrorCode", () => {
  it("numbers the codes like the reference server", () => {
    assert.deepEqual({ ...EngineErrorCode }, {
      TRANSPORT_UNKNOWN: 0,
      UNKNOWN_SID: 1,
      BAD_HANDSHAKE_METHOD: 2,
      BAD_REQUEST: 3,
      FORBIDDEN: 4,
      UNSUPPORTED_PROTOCOL_VERSION: 5,
    });
  });
});

describe("refusal", () => {
  const expected: Array<[number, number, string]> = [
    [0, 400, "Transport unknown"],
    [1, 400, "Session ID unknown"],
    [2, 400, "Bad handshake method"],
    [3, 400, "Bad request"],
    [4, 403, "Forbidden"],
    [5, 400, "Unsupported protocol version"],
  ];

  for (const [code, status, message] of expected) {
    it(`code ${code} is HTTP ${status} with message "${message}"`, () => {
      const result = refusal(code as EngineErrorCode);
      assert.equal(result.code, code);
      assert.equal(result.status, status);
      assert.equal(result.message, message);
    });
  }

  it("keeps the detail for the log, apart from the message", () => {
    const result = refusal(EngineErrorCode.UNKNOWN_SID, "sid abc");
    assert.equal(result.detail, "sid abc");
    assert.equal(result.message, "Session ID unknown");
  });

  it("has no detail when none is given", () => {
    assert.equal(refusal(EngineErrorCode.BAD_REQUEST).detail, undefined);
  });

  it("lets a custom message replace the standard one, keeping code and status", () => {
    const result = refusal(EngineErrorCode.FORBIDDEN, "allowRequest refused", "Not today");
    assert.equal(result.message, "Not today");
    assert.equal(result.code, 4);
    assert.equal(result.status, 403);
    assert.equal(result.detail, "allowRequest refused");
  });

  it("builds a body of exactly {code, message} from code and message", () => {
    const { code, message } = refusal(EngineErrorCode.TRANSPORT_UNKNOWN, "transport tobi");
    assert.equal(JSON.stringify({ code, message }), '{"code":0,"message":"Transport unknown"}');
  });
});

describe("payloadTooLarge", () => {
  it("is HTTP 413 with code 3 and message Payload too large", () => {
    const result = payloadTooLarge();
    assert.equal(result.status, 413);
    assert.equal(result.code, EngineErrorCode.BAD_REQUEST);
    assert.equal(result.message, "Payload too large");
  });
});
