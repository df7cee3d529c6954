/** Unit tests of Engine.IO option defaults and validation (src/engine/options.ts). */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type EngineProtocolOptions, resolveEngineOptions } from "../../src/engine/options.ts";

describe("resolveEngineOptions: defaults", () => {
  it("applies the reference defaults when called without options", () => {
    const resolved = resolveEngineOptions();
    assert.deepEqual([...resolved.transports], ["polling", "websocket"]);
    assert.equal(resolved.allowUpgrades, true);
    assert.equal(resolved.pingInterval, 25_000);
    assert.equal(resolved.pingTimeout, 20_000);
    assert.equal(resolved.upgradeTimeout, 10_000);
    assert.equal(resolved.maxHttpBufferSize, 1e6);
    assert.equal(resolved.initialPacket, undefined);
  });

  it("applies the same defaults to an empty object", () => {
    assert.deepEqual(resolveEngineOptions({}), resolveEngineOptions());
  });

  it("treats explicitly undefined values as unset", () => {
    const resolved = resolveEngineOptions({
      transports: undefined,
      allowUpgrades: undefined,
      pingInterval: undefined,
      pingTimeout: undefined,
      upgradeTimeout: undefined,
      maxHttpBufferSize: undefined,
    });
    assert.deepEqual(resolved, resolveEngineOptions());
  });
});

describe("resolveEngineOptions: given values", () => {
  it("keeps every valid value given", () => {
    const initialPacket = new Uint8Array([1, 2]);
    const resolved = resolveEngineOptions({
      transports: ["websocket"],
      allowUpgrades: false,
      pingInterval: 300,
      pingTimeout: 200,
      upgradeTimeout: 100,
      maxHttpBufferSize: 5000,
      initialPacket,
    });
    assert.deepEqual([...resolved.transports], ["websocket"]);
    assert.equal(resolved.allowUpgrades, false);
    assert.equal(resolved.pingInterval, 300);
    assert.equal(resolved.pingTimeout, 200);
    assert.equal(resolved.upgradeTimeout, 100);
    assert.equal(resolved.maxHttpBufferSize, 5000);
    assert.equal(resolved.initialPacket, initialPacket);
  });

  it("accepts polling only, and a text initial packet", () => {
    const resolved = resolveEngineOptions({ transports: ["polling"], initialPacket: "hello" });
    assert.deepEqual([...resolved.transports], ["polling"]);
    assert.equal(resolved.initialPacket, "hello");
  });

  it("accepts the transports in either order", () => {
    const resolved = resolveEngineOptions({ transports: ["websocket", "polling"] });
    assert.deepEqual([...resolved.transports], ["websocket", "polling"]);
  });

  it("accepts fractional positive numbers", () => {
    assert.equal(resolveEngineOptions({ pingInterval: 0.5 }).pingInterval, 0.5);
  });
});

describe("resolveEngineOptions: refusals", () => {
  const numeric = ["pingInterval", "pingTimeout", "upgradeTimeout", "maxHttpBufferSize"] as const;
  for (const name of numeric) {
    for (const value of [0, -1, -0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      it(`throws a RangeError naming ${name} for ${value}`, () => {
        assert.throws(
          () => resolveEngineOptions({ [name]: value }),
          (error: unknown) => {
            assert.ok(error instanceof RangeError, `expected a RangeError, got ${error}`);
            assert.match(error.message, new RegExp(name));
            assert.match(error.message, new RegExp(String(value)));
            assert.match(error.message, /positive/);
            return true;
          },
        );
      });
    }

    it(`throws a RangeError for ${name} given as a string (untyped callers)`, () => {
      assert.throws(
        () => resolveEngineOptions({ [name]: "1000" } as unknown as EngineProtocolOptions),
        (error: unknown) => error instanceof RangeError && error.message.includes(name),
      );
    });

    it(`throws a RangeError for ${name} given as null (untyped callers)`, () => {
      assert.throws(
        () => resolveEngineOptions({ [name]: null } as unknown as EngineProtocolOptions),
        (error: unknown) => error instanceof RangeError && error.message.includes(name),
      );
    });
  }

  it("throws a TypeError for an empty transports list", () => {
    assert.throws(
      () => resolveEngineOptions({ transports: [] }),
      (error: unknown) => {
        assert.ok(error instanceof TypeError, `expected a TypeError, got ${error}`);
        assert.match(error.message, /transports/);
        assert.match(error.message, /non-empty/);
        assert.match(error.message, /\[\]/, "shows what was given");
        return true;
      },
    );
  });

  it("throws a TypeError naming the allowed values for an unknown transport", () => {
    assert.throws(
      () =>
        resolveEngineOptions({
          transports: ["polling", "flashsocket"],
        } as unknown as EngineProtocolOptions),
      (error: unknown) => {
        assert.ok(error instanceof TypeError, `expected a TypeError, got ${error}`);
        assert.match(error.message, /"polling"/);
        assert.match(error.message, /"websocket"/);
        assert.match(error.message, /flashsocket/);
        return true;
      },
    );
  });

  it("throws the helpful TypeError for transports given as a string instead of a list", () => {
    assert.throws(
      () => resolveEngineOptions({ transports: "polling" } as unknown as EngineProtocolOptions),
      (error: unknown) => {
        assert.ok(error instanceof TypeError, `expected a TypeError, got ${error}`);
        assert.match(error.message, /transports must be a non-empty list/);
        return true;
      },
    );
  });

  it("does not modify the options object it is given", () => {
    const options: EngineProtocolOptions = { pingInterval: 1000 };
    resolveEngineOptions(options);
    assert.deepEqual(options, { pingInterval: 1000 });
  });
});
