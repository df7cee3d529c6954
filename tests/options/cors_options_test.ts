/**
 * The `cors` and `enforceCorsOrigin` options (src/options/cors_options.ts): every form the
 * `cors` npm package takes is accepted, Hono's names are folded into its names, and anything
 * else is refused at createServer with the one error form.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type ServerOptions } from "../../mod.ts";
import { resolveServerOptions } from "../../src/options/server_options.ts";
import { CORS_OPTION_NAMES } from "../../src/options/cors_options.ts";
import { typeErrorOf } from "../_helpers/type_error.ts";

/** createServer with options its types would refuse. */
function loosely(options: Record<string, unknown>): () => unknown {
  return () => createServer(options as ServerOptions).close();
}

const resolved = (cors: unknown) =>
  resolveServerOptions({ cors } as ServerOptions).http.cors as Record<string, unknown>;

describe("options: cors accepts what the cors package accepts", () => {
  it("every origin form", () => {
    const forms: unknown[] = [
      true,
      false,
      "*",
      "https://example.com",
      "http://127.0.0.1:3000",
      "null",
      /\.example\.com$/,
      [],
      ["https://a.example", /\.b\.example$/],
      (_origin: string, callback: (e: null, o: boolean) => void) => callback(null, true),
      (origin: string) => origin === "https://a.example",
      (origin: string) => Promise.resolve(origin),
    ];
    for (const origin of forms) assert.equal(resolved({ origin }).origin, origin);
  });

  it("defaults: origin '*', the cors package's methods, 204", () => {
    assert.deepEqual(resolved({}), {
      origin: "*",
      methods: "GET,HEAD,PUT,PATCH,POST,DELETE",
      credentials: false,
      optionsSuccessStatus: 204,
    });
  });

  it("lists as strings or arrays, and every other key", () => {
    assert.deepEqual(
      resolved({
        origin: "https://a.example",
        methods: ["GET", "POST"],
        allowedHeaders: "content-type, authorization",
        exposedHeaders: ["x-id"],
        credentials: true,
        maxAge: 600,
        optionsSuccessStatus: 200,
        preflightContinue: false,
      }),
      {
        origin: "https://a.example",
        methods: "GET,POST",
        allowedHeaders: "content-type, authorization",
        exposedHeaders: "x-id",
        credentials: true,
        maxAge: 600,
        optionsSuccessStatus: 200,
      },
    );
  });

  it("Hono's names are aliases", () => {
    const cors = resolved({
      origin: "https://a.example",
      allowMethods: ["GET"],
      allowHeaders: ["x-a", "x-b"],
      exposeHeaders: ["x-id"],
    });
    assert.equal(cors.methods, "GET");
    assert.equal(cors.allowedHeaders, "x-a,x-b");
    assert.equal(cors.exposedHeaders, "x-id");
    assert.equal("allowMethods" in cors, false);
  });

  it("enforceCorsOrigin defaults to true", () => {
    assert.equal(resolveServerOptions({}).http.enforceCorsOrigin, true);
    assert.equal(resolveServerOptions({ enforceCorsOrigin: false }).http.enforceCorsOrigin, false);
  });
});

describe("options: cors refuses anything else, in the one error form", () => {
  it("an unknown key, listing the known ones", () => {
    assert.equal(
      typeErrorOf(loosely({ cors: { origins: "*" } })),
      `createServer: unknown option "cors.origins"; expected one of ${
        CORS_OPTION_NAMES.join(", ")
      }`,
    );
  });

  it("origins that are not origins", () => {
    for (const origin of ["", "example.com", "https://example.com/", 3, null, [3], [""], {}]) {
      assert.match(
        typeErrorOf(loosely({ cors: { origin } })),
        /^createServer: cors\.origin must be true, false, "\*", an origin like .*, got .*, e\.g\. cors: \{ origin: \[/,
        String(origin),
      );
    }
  });

  it("header and method lists (no CR/LF can reach a header)", () => {
    for (
      const [key, value] of [
        ["methods", "GET\r\nX-Evil: 1"],
        ["methods", ""],
        ["allowedHeaders", ["content type"]],
        ["exposedHeaders", 5],
        ["allowMethods", [1]],
      ] as const
    ) {
      assert.match(
        typeErrorOf(loosely({ cors: { [key]: value } })),
        new RegExp(
          `^createServer: cors\\.${key} must be a comma-separated string or a list of header or method names, got .*, e\\.g\\. cors: \\{ ${key}: \\[`,
        ),
      );
    }
  });

  it("an alias given with its name", () => {
    assert.match(
      typeErrorOf(loosely({ cors: { methods: "GET", allowMethods: ["POST"] } })),
      /^createServer: cors\.allowMethods must be left out when methods is given \(it is an alias of methods\), got \["POST"\], e\.g\. cors: \{ allowMethods: /,
    );
  });

  it("credentials, maxAge, optionsSuccessStatus, preflightContinue", () => {
    const cases: [string, unknown, RegExp][] = [
      ["credentials", "true", /cors\.credentials must be a boolean, got "true"/],
      ["maxAge", -1, /cors\.maxAge must be an integer of at least 0, got -1/],
      ["maxAge", "600", /cors\.maxAge must be an integer of at least 0, got "600"/],
      ["optionsSuccessStatus", 404, /cors\.optionsSuccessStatus must be an integer from 200/],
      ["preflightContinue", true, /cors\.preflightContinue must be false \(the endpoint/],
    ];
    for (const [key, value, pattern] of cases) {
      assert.match(typeErrorOf(loosely({ cors: { [key]: value } })), pattern, key);
    }
  });

  it("cors itself is an object; enforceCorsOrigin a boolean", () => {
    for (const cors of [true, "*", ["*"], null, () => ({})]) {
      assert.match(typeErrorOf(loosely({ cors })), /^createServer: cors must be an object, got/);
    }
    assert.match(
      typeErrorOf(loosely({ enforceCorsOrigin: "no" })),
      /^createServer: enforceCorsOrigin must be a boolean, got "no", e\.g\. enforceCorsOrigin: false$/,
    );
  });
});
