/**
 * The options of `createServer` and `createEngineServer` (src/options/): one error form for
 * every option, the options that used to go unchecked, and unknown-option lists derived from
 * the option tables.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type ServerOptions } from "../../mod.ts";
import { createEngineServer } from "../../engine.ts";
import type { EngineServerOptions } from "../../engine.ts";
import { ENGINE_OPTIONS } from "../../src/options/engine_options.ts";
import { HTTP_OPTION_NAMES } from "../../src/options/http_options.ts";
import {
  ENGINE_SERVER_OPTION_NAMES,
  resolveEngineServerOptions,
  resolveServerOptions,
  SERVER_OPTION_NAMES,
} from "../../src/options/server_options.ts";
import { SOCKET_OPTIONS } from "../../src/options/socket_options.ts";
import { typeErrorOf } from "../_helpers/type_error.ts";

const loosely = (options: Record<string, unknown>) => () =>
  resolveServerOptions(options as ServerOptions);
const engineLoosely = (options: Record<string, unknown>) => () =>
  resolveEngineServerOptions(options as EngineServerOptions);

describe("options: one error form", () => {
  it("createServer: <option> must be …, got …, e.g. <option>: <example>", () => {
    assert.equal(
      typeErrorOf(loosely({ pingInterval: -1 })),
      "createServer: pingInterval must be a positive number of ms, got -1, e.g. pingInterval: 25000",
    );
    assert.equal(
      typeErrorOf(loosely({ maxDepth: "32" })),
      'createServer: maxDepth must be an integer of at least 1, got "32", e.g. maxDepth: 1000',
    );
    assert.equal(
      typeErrorOf(loosely({ rateLimit: { eventsPerSecond: 5, action: "kick" } })),
      'createServer: rateLimit.action must be one of "drop", "warn", "disconnect", got "kick", ' +
        'e.g. rateLimit: { action: "drop" }',
    );
  });

  it("prefixes the bare engine's errors with createEngineServer:", () => {
    assert.equal(
      typeErrorOf(engineLoosely({ maxConnections: 0 })),
      "createEngineServer: maxConnections must be a positive integer, or Infinity for no limit, " +
        "got 0, e.g. maxConnections: 10000",
    );
    assert.equal(
      typeErrorOf(engineLoosely({ path: "engine.io" })),
      'createEngineServer: path must be a string starting with "/", got "engine.io", ' +
        'e.g. path: "/socket.io/"',
    );
  });

  it("checks maxHttpBufferSize once, in the engine's table, for both entry points", () => {
    const message = "maxHttpBufferSize must be a positive number of bytes, got 0, " +
      "e.g. maxHttpBufferSize: 1e6";
    assert.equal(typeErrorOf(loosely({ maxHttpBufferSize: 0 })), `createServer: ${message}`);
    assert.equal(
      typeErrorOf(engineLoosely({ maxHttpBufferSize: 0 })),
      `createEngineServer: ${message}`,
    );
  });

  it("throws from createServer and createEngineServer themselves", () => {
    assert.match(
      typeErrorOf(() => createServer({ connectTimeout: 0 })),
      /^createServer: connectTimeout must be/,
    );
    assert.match(
      typeErrorOf(() => createEngineServer({ pingTimeout: Number.NaN })),
      /^createEngineServer: pingTimeout must be/,
    );
  });
});

describe("options: the checks that were missing", () => {
  it("connectTimeout is a positive number of ms", () => {
    for (const connectTimeout of [0, -1, Infinity, "45000", null]) {
      assert.match(
        typeErrorOf(loosely({ connectTimeout })),
        /^createServer: connectTimeout must be a positive number of ms, got .*, e\.g\. connectTimeout: 45000$/,
      );
    }
    assert.equal(resolveServerOptions({ connectTimeout: 10 }).socket.connectTimeout, 10);
    assert.equal(resolveServerOptions().socket.connectTimeout, 45_000);
  });

  it("adapter is a function", () => {
    assert.match(
      typeErrorOf(loosely({ adapter: { name: "redis" } })),
      /^createServer: adapter must be a function, got \{"name":"redis"\}, e\.g\. adapter: /,
    );
    const adapter = () => {
      throw new Error("not called while resolving");
    };
    assert.equal(resolveServerOptions({ adapter }).socket.adapter, adapter);
    assert.equal(typeof resolveServerOptions().socket.adapter, "function");
  });

  it('path is a string starting with "/"', () => {
    for (const path of ["socket.io", "", 5, null]) {
      assert.match(
        typeErrorOf(loosely({ path })),
        /^createServer: path must be a string starting with "\/", got .*, e\.g\. path: "\/socket\.io\/"$/,
      );
    }
    assert.equal(resolveServerOptions({ path: "/io/" }).http.path, "/io/");
    assert.equal(resolveServerOptions().http.path, "/socket.io/");
    assert.equal(resolveEngineServerOptions().http.path, "/engine.io/");
  });

  it("allowRequest is a function", () => {
    assert.match(
      typeErrorOf(loosely({ allowRequest: true })),
      /^createServer: allowRequest must be a function, got true, e\.g\. allowRequest: \(request\) => true$/,
    );
    assert.equal(resolveServerOptions().http.allowRequest, undefined);
  });

  it("cookie is a boolean or an object", () => {
    assert.match(
      typeErrorOf(loosely({ cookie: "io" })),
      /^createServer: cookie must be a boolean or an object, got "io", e\.g\. cookie: /,
    );
    assert.equal(resolveServerOptions({ cookie: true }).http.cookie, true);
    assert.deepEqual(resolveServerOptions({ cookie: { name: "sid" } }).http.cookie, {
      name: "sid",
    });
  });

  it("cors is an object", () => {
    for (const cors of [true, "*", ["*"], null]) {
      assert.match(
        typeErrorOf(loosely({ cors })),
        /^createServer: cors must be an object, got .*, e\.g\. cors: \{ origin: /,
      );
    }
    assert.deepEqual(resolveServerOptions({ cors: { origin: "*" } }).http.cors, {
      origin: "*",
      methods: "GET,HEAD,PUT,PATCH,POST,DELETE",
      credentials: false,
      optionsSuccessStatus: 204,
    });
  });

  it("createEngineServer checks the HTTP options too", () => {
    assert.match(typeErrorOf(engineLoosely({ cors: "*" })), /^createEngineServer: cors must be/);
    assert.match(
      typeErrorOf(engineLoosely({ allowRequest: 1 })),
      /^createEngineServer: allowRequest must be a function/,
    );
  });
});

describe("options: unknown options", () => {
  it("lists every option of the tables, and nothing else", () => {
    assert.deepEqual(
      [...SERVER_OPTION_NAMES].sort(),
      [
        "gateways",
        ...HTTP_OPTION_NAMES,
        ...Object.keys(SOCKET_OPTIONS),
        ...Object.keys(ENGINE_OPTIONS),
        "metrics",
        "tracing",
      ].sort(),
    );
    assert.deepEqual(
      [...ENGINE_SERVER_OPTION_NAMES].sort(),
      [...HTTP_OPTION_NAMES, ...Object.keys(ENGINE_OPTIONS), "metrics"].sort(),
    );
    assert.equal(new Set(SERVER_OPTION_NAMES).size, SERVER_OPTION_NAMES.length, "no duplicates");
  });

  it("names the derived list in the error", () => {
    assert.equal(
      typeErrorOf(loosely({ port: 3000 })),
      `createServer: unknown option "port"; expected one of ${SERVER_OPTION_NAMES.join(", ")}`,
    );
    assert.equal(
      typeErrorOf(engineLoosely({ gateways: [] })),
      `createEngineServer: unknown option "gateways"; expected one of ${
        ENGINE_SERVER_OPTION_NAMES.join(", ")
      }`,
    );
  });

  it("accepts every listed option (each one is resolved by a table)", () => {
    for (const name of SERVER_OPTION_NAMES) {
      assert.doesNotThrow(loosely({ [name]: undefined }), name);
    }
    for (const name of ENGINE_SERVER_OPTION_NAMES) {
      assert.doesNotThrow(engineLoosely({ [name]: undefined }), name);
    }
  });

  it("checks the keys of nested options, quoting the dotted name", () => {
    assert.equal(
      typeErrorOf(loosely({ slowConsumer: { maxBuffered: 5 } })),
      'createServer: unknown option "slowConsumer.maxBuffered"; expected one of ' +
        "maxBufferedBytes, hardLimitBytes, action",
    );
    assert.equal(
      typeErrorOf(loosely({ connectionStateRecovery: { maxDuration: 5 } })),
      'createServer: unknown option "connectionStateRecovery.maxDuration"; expected one of ' +
        "maxDisconnectionDuration, skipMiddlewares, maxBufferedPackets, maxBufferedBytes",
    );
  });
});

describe("options: resolution", () => {
  it("groups the resolved options by layer, without the other layers' keys", () => {
    const resolved = resolveServerOptions({ pingInterval: 1000, maxDepth: 8, path: "/io/" });
    assert.equal(resolved.engine.pingInterval, 1000);
    assert.equal(resolved.socket.maxDepth, 8);
    assert.equal(resolved.http.path, "/io/");
    assert.deepEqual(resolved.gateways, []);
    assert.ok(!("maxDepth" in resolved.engine));
    assert.ok(!("pingInterval" in resolved.socket));
  });

  it("does not modify the options object it is given", () => {
    const options: ServerOptions = { rateLimit: { eventsPerSecond: 3 } };
    resolveServerOptions(options);
    assert.deepEqual(options, { rateLimit: { eventsPerSecond: 3 } });
  });
});

describe("options: per-address limits, trustProxy, firstPollTimeout", () => {
  it("defaults: 500 sessions, 100 handshakes/s with a burst of 500 per address; 5 s first poll; no proxy trusted", () => {
    const { engine, http } = resolveServerOptions();
    assert.equal(engine.maxConnectionsPerAddress, 500);
    assert.equal(engine.handshakesPerSecondPerAddress, 100);
    assert.equal(engine.handshakeBurstPerAddress, 500);
    assert.equal(engine.firstPollTimeout, 5000);
    assert.equal(http.trustProxy, false);
  });

  it("the counts are positive integers or Infinity; the rate a positive number or Infinity", () => {
    for (const name of ["maxConnectionsPerAddress", "handshakeBurstPerAddress"]) {
      for (const value of [0, 1.5, -1, "500", null]) {
        assert.match(
          typeErrorOf(loosely({ [name]: value })),
          new RegExp(
            `^createServer: ${name} must be a positive integer, or Infinity for no limit, got .*, e\\.g\\. ${name}: 500$`,
          ),
        );
      }
      assert.equal(
        resolveServerOptions({ [name]: Infinity }).engine[name as "maxConnections"],
        Infinity,
      );
    }
    assert.match(
      typeErrorOf(loosely({ handshakesPerSecondPerAddress: 0 })),
      /^createServer: handshakesPerSecondPerAddress must be a positive number, or Infinity for no limit, got 0, e\.g\. handshakesPerSecondPerAddress: 100$/,
    );
    assert.equal(
      resolveServerOptions({ handshakesPerSecondPerAddress: 0.5 }).engine
        .handshakesPerSecondPerAddress,
      0.5,
    );
    assert.match(
      typeErrorOf(loosely({ firstPollTimeout: -5 })),
      /^createServer: firstPollTimeout must be a positive number of ms, got -5, e\.g\. firstPollTimeout: 5000$/,
    );
  });

  it("trustProxy is a boolean, a hop count, a list of addresses or a function", () => {
    for (const trustProxy of ["yes", -1, 1.5, [""], [1], null]) {
      assert.match(
        typeErrorOf(loosely({ trustProxy })),
        /^createServer: trustProxy must be a boolean, a hop count \(an integer ≥ 0\), a list of proxy addresses or a function, got .*, e\.g\. trustProxy: \["10\.0\.0\.1"\]$/,
      );
    }
    const own = () => "1.2.3.4";
    for (const trustProxy of [true, 2, ["10.0.0.1"], own]) {
      assert.equal(resolveServerOptions({ trustProxy }).http.trustProxy, trustProxy);
    }
    assert.equal(resolveEngineServerOptions({ trustProxy: 1 }).http.trustProxy, 1);
  });
});

describe("options: child namespaces", () => {
  it("cleanupEmptyChildNamespaces is a boolean (default true); maxChildNamespaces a count (default 10000)", () => {
    const { socket } = resolveServerOptions();
    assert.equal(socket.cleanupEmptyChildNamespaces, true);
    assert.equal(socket.maxChildNamespaces, 10_000);
    assert.match(
      typeErrorOf(loosely({ cleanupEmptyChildNamespaces: "yes" })),
      /^createServer: cleanupEmptyChildNamespaces must be a boolean, got "yes", e\.g\. cleanupEmptyChildNamespaces: true$/,
    );
    assert.match(
      typeErrorOf(loosely({ maxChildNamespaces: 0 })),
      /^createServer: maxChildNamespaces must be a positive integer, or Infinity for no limit, got 0, e\.g\. maxChildNamespaces: 10000$/,
    );
    assert.equal(
      resolveServerOptions({ maxChildNamespaces: Infinity }).socket.maxChildNamespaces,
      Infinity,
    );
  });
});
