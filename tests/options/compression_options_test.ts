/**
 * `perMessageDeflate` and `httpCompression` through `createServer` / `createEngineServer`
 * option resolution (src/options/compression_options.ts): defaults, accepted values, and the
 * one error form for the rest.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  resolveEngineServerOptions,
  resolveServerOptions,
  type ServerOptions,
} from "../../src/options/server_options.ts";
import { toCoreOptions } from "../../src/compat/options.ts";

describe("compression options: defaults", () => {
  it("has perMessageDeflate off and httpCompression on from 1024 bytes, as the reference", () => {
    for (const resolved of [resolveServerOptions(), resolveEngineServerOptions()]) {
      assert.equal(resolved.engine.perMessageDeflate, false);
      assert.deepEqual(resolved.http.httpCompression, { threshold: 1024 });
    }
  });
});

describe("compression options: accepted values", () => {
  const cases: [unknown, unknown][] = [
    [true, { threshold: 1024 }],
    [{}, { threshold: 1024 }],
    [{ threshold: undefined }, { threshold: 1024 }],
    [{ threshold: 0 }, { threshold: 0 }],
    [{ threshold: 64.5 }, { threshold: 64.5 }],
    [{ threshold: Infinity }, { threshold: Infinity }],
    [false, false],
  ];
  for (const [given, expected] of cases) {
    it(`${String(JSON.stringify(given))} → ${JSON.stringify(expected)}`, () => {
      const options = { perMessageDeflate: given, httpCompression: given } as ServerOptions;
      const resolved = resolveServerOptions(options);
      assert.deepEqual(resolved.engine.perMessageDeflate, expected);
      assert.deepEqual(resolved.http.httpCompression, expected);
      const engine = resolveEngineServerOptions(options);
      assert.deepEqual(engine.engine.perMessageDeflate, expected);
      assert.deepEqual(engine.http.httpCompression, expected);
    });
  }
});

describe("compression options: refusals", () => {
  for (const name of ["perMessageDeflate", "httpCompression"]) {
    for (const value of ["yes", 1, null, [1024]]) {
      it(`refuses ${name}: ${JSON.stringify(value)} with an example`, () => {
        assert.throws(
          () => resolveServerOptions({ [name]: value } as ServerOptions),
          new TypeError(
            `createServer: ${name} must be a boolean or { threshold }, got ${
              Array.isArray(value) ? "[1024]" : JSON.stringify(value)
            }, e.g. ${name}: { threshold: 1024 }`,
          ),
        );
      });
    }

    for (const threshold of [-1, "1024", Number.NaN, null]) {
      it(`refuses ${name}.threshold: ${String(threshold)}`, () => {
        assert.throws(
          () => resolveEngineServerOptions({ [name]: { threshold } } as ServerOptions),
          (error: unknown) => {
            assert.ok(error instanceof TypeError);
            assert.match(
              error.message,
              new RegExp(
                `^createEngineServer: ${name}\\.threshold must be a number of bytes .*, e\\.g\\. ${name}: \\{ threshold: 1024 \\}$`,
              ),
            );
            return true;
          },
        );
      });
    }

    it(`refuses an unknown key of ${name} (zlib's and ws's options are not taken)`, () => {
      assert.throws(
        () => resolveServerOptions({ [name]: { threshold: 1, level: 9 } } as ServerOptions),
        new TypeError(`createServer: unknown option "${name}.level"; expected one of threshold`),
      );
    });
  }
});

describe("compression options: socket.io's, through compat", () => {
  const incoming = () => undefined;

  it("keeps the threshold of ws's and zlib's option objects, and nothing else", () => {
    const core = toCoreOptions({
      perMessageDeflate: { threshold: 2048, zlibDeflateOptions: { level: 1 } },
      httpCompression: { threshold: 512, level: 9 },
    }, incoming);
    assert.deepEqual(core.perMessageDeflate, { threshold: 2048 });
    assert.deepEqual(core.httpCompression, { threshold: 512 });
  });

  it("reads engine.io's defaults: perMessageDeflate from 1024, httpCompression: true on everything", () => {
    const core = toCoreOptions({
      perMessageDeflate: { serverNoContextTakeover: true },
      httpCompression: true,
    }, incoming);
    assert.deepEqual(core.perMessageDeflate, {});
    assert.deepEqual(core.httpCompression, { threshold: 0 });
    const plain = toCoreOptions(
      { perMessageDeflate: true, httpCompression: { level: 1 } },
      incoming,
    );
    assert.equal(plain.perMessageDeflate, true);
    assert.deepEqual(plain.httpCompression, { threshold: 0 });
  });

  it("passes false, leaves absent options to the core's defaults, and garbage to its errors", () => {
    const core = toCoreOptions({ perMessageDeflate: false, httpCompression: false }, incoming);
    assert.equal(core.perMessageDeflate, false);
    assert.equal(core.httpCompression, false);
    const absent = toCoreOptions({}, incoming);
    assert.ok(!("perMessageDeflate" in absent) && !("httpCompression" in absent));
    const wrong = toCoreOptions({ perMessageDeflate: "on" as unknown as boolean }, incoming);
    assert.throws(() => resolveServerOptions(wrong), /perMessageDeflate must be a boolean/);
  });
});
