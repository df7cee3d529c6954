/** Unit tests of Engine.IO option defaults and validation (src/options/engine_options.ts). */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { EngineProtocolOptions } from "../../src/engine/options.ts";
import { resolveEngineOptions } from "../../src/options/engine_options.ts";

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
    assert.equal(resolved.maxConnections, 10_000);
    assert.equal(resolved.allowEIO3, false);
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
      it(`throws a TypeError naming ${name} for ${value}, with a valid example`, () => {
        assert.throws(
          () => resolveEngineOptions({ [name]: value }),
          (error: unknown) => {
            assert.ok(error instanceof TypeError, `expected a TypeError, got ${error}`);
            assert.ok(
              error.message.startsWith(`createEngineServer: ${name} must be a positive number`),
              error.message,
            );
            assert.ok(error.message.includes(`, got ${value}, e.g. ${name}: `), error.message);
            return true;
          },
        );
      });
    }

    it(`throws a TypeError for ${name} given as a string (untyped callers)`, () => {
      assert.throws(
        () => resolveEngineOptions({ [name]: "1000" } as unknown as EngineProtocolOptions),
        (error: unknown) => error instanceof TypeError && error.message.includes(`got "1000"`),
      );
    });

    it(`throws a TypeError for ${name} given as null (untyped callers)`, () => {
      assert.throws(
        () => resolveEngineOptions({ [name]: null } as unknown as EngineProtocolOptions),
        (error: unknown) => error instanceof TypeError && error.message.includes(name),
      );
    });
  }

  it("prefixes the errors with the caller it is given", () => {
    assert.throws(
      () => resolveEngineOptions({ pingTimeout: 0 }, "createServer"),
      /^TypeError: createServer: pingTimeout must be a positive number of ms, got 0, e\.g\. pingTimeout: 20000$/,
    );
  });

  it("refuses a wrong allowUpgrades or initialPacket", () => {
    assert.throws(
      () => resolveEngineOptions({ allowUpgrades: "no" } as unknown as EngineProtocolOptions),
      /allowUpgrades must be a boolean, got "no", e\.g\. allowUpgrades: false/,
    );
    assert.throws(
      () => resolveEngineOptions({ initialPacket: 42 } as unknown as EngineProtocolOptions),
      /initialPacket must be a string or a Uint8Array, got 42/,
    );
  });

  it("takes allowEIO3 as a boolean only", () => {
    assert.equal(resolveEngineOptions({ allowEIO3: true }).allowEIO3, true);
    assert.throws(
      () => resolveEngineOptions({ allowEIO3: 1 } as unknown as EngineProtocolOptions),
      /^TypeError: createEngineServer: allowEIO3 must be a boolean, got 1, e\.g\. allowEIO3: true$/,
    );
  });

  it("refuses an unknown key, listing the engine options", () => {
    assert.throws(
      () => resolveEngineOptions({ pingIntreval: 5 } as unknown as EngineProtocolOptions),
      /createEngineServer: unknown option "pingIntreval"; expected one of transports, .*pingInterval/,
    );
  });

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
        assert.match(
          error.message,
          /^createEngineServer: transports must be a non-empty list of "polling" and "websocket", got "polling", e\.g\. transports: \["polling", "websocket"\]$/,
        );
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
