/**
 * The CORS header computation (src/http/cors_policy.ts) against the `cors` npm package: each
 * row's expected headers and status are what cors@2.8.6 sets for the same options and request
 * (recorded by running the package; "next" means it passes the request on without answering).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { corsPolicy } from "../../src/http/cors_policy.ts";
import type { CorsOptions } from "../../src/http/types.ts";
import { resolveCorsOptions } from "../../src/options/cors_options.ts";

interface Row {
  name: string;
  options: CorsOptions;
  method: "GET" | "POST" | "OPTIONS";
  origin: string | null;
  requestHeaders?: string;
  status: number | "next";
  headers: Record<string, string>;
}

const ROWS: Row[] = [
  {
    name: "defaults, simple request",
    options: {},
    method: "GET",
    origin: "https://a.test",
    status: "next",
    headers: { "access-control-allow-origin": "*" },
  },
  {
    name: "defaults, preflight",
    options: {},
    method: "OPTIONS",
    origin: "https://a.test",
    requestHeaders: "content-type",
    status: 204,
    headers: {
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "GET,HEAD,PUT,PATCH,POST,DELETE",
      "vary": "Access-Control-Request-Headers",
      "access-control-allow-headers": "content-type",
    },
  },
  {
    name: '"*" without an Origin',
    options: { origin: "*" },
    method: "GET",
    origin: null,
    status: "next",
    headers: { "access-control-allow-origin": "*" },
  },
  {
    name: "fixed origin, same",
    options: { origin: "https://a.test" },
    method: "GET",
    origin: "https://a.test",
    status: "next",
    headers: { "access-control-allow-origin": "https://a.test", "vary": "Origin" },
  },
  {
    name: "fixed origin, another (sent as is)",
    options: { origin: "https://a.test" },
    method: "GET",
    origin: "https://b.test",
    status: "next",
    headers: { "access-control-allow-origin": "https://a.test", "vary": "Origin" },
  },
  {
    name: "true reflects, with credentials",
    options: { origin: true, credentials: true },
    method: "GET",
    origin: "https://b.test",
    status: "next",
    headers: {
      "access-control-allow-origin": "https://b.test",
      "vary": "Origin",
      "access-control-allow-credentials": "true",
    },
  },
  {
    name: "true without an Origin",
    options: { origin: true },
    method: "GET",
    origin: null,
    status: "next",
    headers: { "vary": "Origin" },
  },
  {
    name: "false: no CORS",
    options: { origin: false },
    method: "GET",
    origin: "https://b.test",
    status: "next",
    headers: {},
  },
  {
    name: "false: preflight passed on",
    options: { origin: false },
    method: "OPTIONS",
    origin: "https://b.test",
    status: "next",
    headers: {},
  },
  {
    name: "RegExp, match",
    options: { origin: /\.a\.test$/ },
    method: "GET",
    origin: "https://x.a.test",
    status: "next",
    headers: { "access-control-allow-origin": "https://x.a.test", "vary": "Origin" },
  },
  {
    name: "RegExp, miss",
    options: { origin: /\.a\.test$/ },
    method: "GET",
    origin: "https://b.test",
    status: "next",
    headers: { "vary": "Origin" },
  },
  {
    name: "list, RegExp match, exposed headers",
    options: { origin: ["https://a.test", /\.b\.test$/], exposedHeaders: ["x-id", "x-n"] },
    method: "POST",
    origin: "https://y.b.test",
    status: "next",
    headers: {
      "access-control-allow-origin": "https://y.b.test",
      "vary": "Origin",
      "access-control-expose-headers": "x-id,x-n",
    },
  },
  {
    name: "list, miss, preflight",
    options: { origin: ["https://a.test"] },
    method: "OPTIONS",
    origin: "https://c.test",
    requestHeaders: "x-a",
    status: 204,
    headers: {
      "vary": "Origin, Access-Control-Request-Headers",
      "access-control-allow-methods": "GET,HEAD,PUT,PATCH,POST,DELETE",
      "access-control-allow-headers": "x-a",
    },
  },
  {
    name: "preflight with every option",
    options: {
      origin: "https://a.test",
      methods: ["GET", "POST"],
      allowedHeaders: "content-type,authorization",
      exposedHeaders: "x-id",
      credentials: true,
      maxAge: 600,
      optionsSuccessStatus: 200,
    },
    method: "OPTIONS",
    origin: "https://a.test",
    requestHeaders: "x-other",
    status: 200,
    headers: {
      "access-control-allow-origin": "https://a.test",
      "vary": "Origin",
      "access-control-allow-credentials": "true",
      "access-control-allow-methods": "GET,POST",
      "access-control-allow-headers": "content-type,authorization",
      "access-control-max-age": "600",
      "access-control-expose-headers": "x-id",
    },
  },
  {
    name: "preflight, maxAge 0, no allowed headers",
    options: { origin: true, allowedHeaders: [], maxAge: 0 },
    method: "OPTIONS",
    origin: "https://a.test",
    requestHeaders: "x-a",
    status: 204,
    headers: {
      "access-control-allow-origin": "https://a.test",
      "vary": "Origin",
      "access-control-allow-methods": "GET,HEAD,PUT,PATCH,POST,DELETE",
      "access-control-max-age": "0",
    },
  },
  {
    name: "preflight that asks for no headers",
    options: { origin: true },
    method: "OPTIONS",
    origin: "https://a.test",
    status: 204,
    headers: {
      "access-control-allow-origin": "https://a.test",
      "vary": "Origin, Access-Control-Request-Headers",
      "access-control-allow-methods": "GET,HEAD,PUT,PATCH,POST,DELETE",
    },
  },
  {
    name: "callback(null, true)",
    options: { origin: (_origin, callback) => callback(null, true) },
    method: "GET",
    origin: "https://f.test",
    status: "next",
    headers: { "access-control-allow-origin": "https://f.test", "vary": "Origin" },
  },
  {
    name: "callback(null, false)",
    options: { origin: (_origin, callback) => callback(null, false) },
    method: "GET",
    origin: "https://f.test",
    status: "next",
    headers: {},
  },
  {
    name: "callback(error)",
    options: { origin: (_origin, callback) => callback(new Error("no")) },
    method: "GET",
    origin: "https://f.test",
    status: "next",
    headers: {},
  },
  {
    name: "callback with a fixed origin",
    options: { origin: (_origin, callback) => callback(null, "https://fixed.test") },
    method: "GET",
    origin: "https://f.test",
    status: "next",
    headers: { "access-control-allow-origin": "https://fixed.test", "vary": "Origin" },
  },
  {
    name: "callback with a list, preflight",
    options: { origin: (_origin, callback) => callback(null, [/f\.test$/]) },
    method: "OPTIONS",
    origin: "https://f.test",
    status: 204,
    headers: {
      "access-control-allow-origin": "https://f.test",
      "vary": "Origin, Access-Control-Request-Headers",
      "access-control-allow-methods": "GET,HEAD,PUT,PATCH,POST,DELETE",
    },
  },
];

/** Runs the policy as the endpoint does; headers merged as a Headers object would. */
async function run(row: Pick<Row, "options" | "method" | "origin" | "requestHeaders">) {
  const options = resolveCorsOptions(row.options, { caller: "test", name: "cors" })!;
  const policy = corsPolicy(options);
  const verdict = await policy.verdict(row.origin);
  const headers = new Headers();
  let status: number | "next" = "next";
  let list = verdict.headers;
  if (row.method === "OPTIONS") {
    const preflight = verdict.preflight(row.requestHeaders ?? null);
    if (preflight) {
      status = policy.preflightStatus;
      list = preflight;
    } else list = [];
  }
  for (const [name, value] of list) headers.append(name, value);
  return { status, headers: Object.fromEntries(headers), allowed: verdict.allowed };
}

describe("cors headers: as the cors package sets them", () => {
  for (const row of ROWS) {
    it(row.name, async () => {
      const { status, headers } = await run(row);
      assert.equal(status, row.status);
      assert.deepEqual(headers, row.headers);
    });
  }
});

describe("cors: origin functions answer every way", () => {
  const origin = "https://f.test";
  const cases: [string, CorsOptions["origin"], boolean][] = [
    ["sync true", () => true, true],
    ["sync false", () => false, false],
    ["sync undefined (no answer)", () => undefined, false],
    ["sync string (Hono style: the origin to allow)", (o: string) => o, true],
    ["async true", () => Promise.resolve(true), true],
    ["async RegExp", () => Promise.resolve(/^https:\/\/f\./), true],
    ["async rejection", () => Promise.reject(new Error("down")), false],
    ["throws", () => {
      throw new Error("bug");
    }, false],
    ["callback later", (_o, callback) => void setTimeout(() => callback(null, true), 1), true],
    ["async with a callback", async (_o, callback) => {
      await Promise.resolve();
      callback(null, true);
    }, true],
  ];
  for (const [name, decide, allowed] of cases) {
    it(name, async () => {
      const result = await run({ options: { origin: decide }, method: "GET", origin });
      assert.equal(result.allowed, allowed);
      assert.equal(result.headers["access-control-allow-origin"], allowed ? origin : undefined);
    });
  }

  it("is not asked without an Origin (the request is not cross-origin)", async () => {
    let asked = 0;
    const result = await run({
      options: { origin: () => (asked++, true) },
      method: "GET",
      origin: null,
    });
    assert.equal(asked, 0);
    assert.equal(result.allowed, true);
    assert.deepEqual(result.headers, { vary: "Origin" });
  });
});

describe("cors: which origins may open a session", () => {
  const allowed = (options: CorsOptions, origin: string | null) =>
    run({ options, method: "GET", origin }).then((r) => r.allowed);

  it("every origin under '*' and true; none under false", async () => {
    assert.equal(await allowed({ origin: "*" }, "https://x.test"), true);
    assert.equal(await allowed({ origin: true }, "https://x.test"), true);
    assert.equal(await allowed({ origin: false }, "https://x.test"), false);
  });

  it("the listed ones only", async () => {
    const options = { origin: ["https://a.test", /^https:\/\/[a-z]+\.b\.test$/] };
    assert.equal(await allowed(options, "https://a.test"), true);
    assert.equal(await allowed(options, "https://x.b.test"), true);
    assert.equal(await allowed(options, "https://a.test.evil.test"), false);
    assert.equal(await allowed(options, "null"), false);
    assert.equal(await allowed({ origin: "https://a.test" }, "https://b.test"), false);
  });

  it("requests without an Origin (not from a browser page)", async () => {
    assert.equal(await allowed({ origin: "https://a.test" }, null), true);
    assert.equal(await allowed({ origin: false }, null), true);
  });

  it("a global RegExp answers the same every time", async () => {
    const options = { origin: /a\.test$/g };
    for (let i = 0; i < 3; i++) assert.equal(await allowed(options, "https://a.test"), true);
  });

  it("restrictsOrigin: anything but '*' and true", () => {
    const restricts = (origin: CorsOptions["origin"]) => corsPolicy({ origin }).restrictsOrigin;
    assert.equal(restricts(undefined), false);
    assert.equal(restricts("*"), false);
    assert.equal(restricts(true), false);
    assert.equal(restricts(false), true);
    assert.equal(restricts("https://a.test"), true);
    assert.equal(restricts([]), true);
    assert.equal(restricts(() => true), true);
  });

  it("a static origin answers synchronously (no promise on the polling path)", () => {
    const policy = corsPolicy({ origin: ["https://a.test"] });
    assert.ok(!(policy.verdict("https://a.test") instanceof Promise));
  });
});
