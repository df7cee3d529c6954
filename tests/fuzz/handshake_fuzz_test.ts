/**
 * Property tests of handshake routing: `routeRequest` and `checkProtocol` on random query
 * strings, methods and upgrade flags never throw and follow the reference's rules; the whole
 * HTTP endpoint (the Hono app, no network) answers random requests with a protocol answer.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { createEngineServer } from "../../engine.ts";
import { checkProtocol, routeRequest } from "../../src/engine/handshake.ts";
import type { EngineSession } from "../../src/engine/session.ts";
import type { TransportName } from "../../src/engine/transport.ts";
import { anyUnit, check, checkAsync, protocolText, runs } from "./_fuzz.ts";

const T = { timeout: 60_000 };

const MESSAGES = [
  "Transport unknown",
  "Session ID unknown",
  "Bad handshake method",
  "Bad request",
];

/** Stand-in sessions: routing only reads `transport`. */
const SESSIONS = new Map<string, EngineSession>([
  ["pollSid", { transport: "polling" } as unknown as EngineSession],
  ["wsSid", { transport: "websocket" } as unknown as EngineSession],
  ["a+b c", { transport: "polling" } as unknown as EngineSession],
]);

const keyArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("transport", "sid", "EIO", "t", "j", "b64") },
  { weight: 1, arbitrary: fc.string({ unit: anyUnit, maxLength: 6 }) },
);
const valueArb = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom("polling", "websocket", "4", "3", "", ...SESSIONS.keys()),
  },
  { weight: 1, arbitrary: fc.constantFrom("Polling", "websocket ", "flashsocket", "%00", "%zz") },
  { weight: 2, arbitrary: protocolText(8) },
  { weight: 1, arbitrary: fc.string({ unit: anyUnit, maxLength: 8 }) },
);

/** A query string: encoded properly, or raw with stray "&", "=", "%", "+" and "#". */
const queryArb: fc.Arbitrary<string> = fc.tuple(
  fc.array(fc.tuple(keyArb, valueArb), { maxLength: 6 }),
  fc.boolean(),
  fc.array(fc.constantFrom("&", "=", "%", "+", "#", "&&", "=="), { maxLength: 2 }),
).map(([pairs, encode, noise]) => {
  const text = encode
    ? new URLSearchParams(pairs).toString()
    : pairs.map(([key, value]) => `${key}=${value}`).join("&");
  return text + noise.join("");
});

const methodArb = fc.constantFrom("GET", "POST", "PUT", "OPTIONS", "DELETE", "PATCH", "HEAD");
const transportsArb = fc.constantFrom<readonly TransportName[]>(
  ["polling", "websocket"],
  ["polling"],
  ["websocket"],
);

describe("fuzz: handshake routing", () => {
  it(
    `routeRequest follows the reference's rules on random queries (${runs(20_000)} cases)`,
    T,
    () => {
      const arb = fc.record({
        query: queryArb,
        method: methodArb,
        isWebSocket: fc.boolean(),
        transports: transportsArb,
      });
      check(arb, runs(20_000), ({ query, method, isWebSocket, transports }) => {
        const params = new URLSearchParams(query);
        const route = routeRequest(
          { method, query: params, isWebSocket },
          transports,
          (sid) => SESSIONS.get(sid),
        );
        const transport = params.get("transport");
        const sid = params.get("sid");
        const known = transport !== null && (transports as readonly string[]).includes(transport);
        switch (route.kind) {
          case "refused": {
            const { refusal } = route;
            assert.equal(refusal.status, 400);
            assert.ok(refusal.code >= 0 && refusal.code <= 3, `code ${refusal.code}`);
            assert.equal(refusal.message, MESSAGES[refusal.code]);
            if (!known) {
              assert.equal(refusal.code, 0);
            } else if (sid && !SESSIONS.has(sid)) assert.equal(refusal.code, 1);
            break;
          }
          case "handshake":
            assert.ok(known && !sid, "a handshake has a known transport and no sid");
            assert.equal(method, "GET");
            assert.equal(route.transport, transport);
            assert.equal(isWebSocket, transport === "websocket");
            break;
          case "session":
            assert.ok(known && sid, "a session request names a known transport and a sid");
            assert.equal(route.session, SESSIONS.get(sid!));
            assert.equal(route.transport, transport);
            break;
          default:
            assert.fail(`unknown route ${JSON.stringify(route)}`);
        }
      });
    },
  );

  it(`checkProtocol accepts EIO=4 only (${runs(5_000)} cases)`, T, () => {
    check(queryArb, runs(5_000), (query) => {
      const params = new URLSearchParams(query);
      const refused = checkProtocol(params);
      if (params.get("EIO") === "4") assert.equal(refused, undefined);
      else assert.equal(refused?.code, 5);
    });
  });

  describe("the HTTP endpoint", () => {
    const engine = createEngineServer({ pingInterval: 60_000, pingTimeout: 60_000 });
    after(() => engine.close());

    it(`answers random requests with a protocol answer (${runs(3_000)} cases)`, T, async () => {
      let handshakes = 0;
      const arb = fc.record({
        path: fc.constantFrom("/engine.io/", "/engine.io", "/engine.io/x", "/", "/socket.io/"),
        // a valid handshake query, with noise, often enough for some handshakes to succeed
        query: fc.oneof(
          queryArb,
          queryArb.map((query) => `EIO=4&transport=polling&${query}`),
        ),
        method: fc.oneof({ weight: 2, arbitrary: fc.constant("GET") }, methodArb),
        body: fc.option(protocolText(16), { nil: undefined }),
        upgrade: fc.boolean(),
      });
      await checkAsync(arb, runs(3_000), async ({ path, query, method, body, upgrade }) => {
        let request: Request;
        try {
          request = new Request(`http://127.0.0.1${path}?${query}`, {
            method,
            body: method === "GET" || method === "HEAD" ? undefined : body,
            headers: upgrade ? { Upgrade: "websocket", Connection: "Upgrade" } : {},
          });
        } catch {
          return; // not a request a client could make
        }
        // random sids never name a live session, so no poll parks here
        const url = new URL(request.url);
        const response = await engine.fetch(request);
        await response.body?.cancel();
        assert.ok(
          [200, 400, 403, 404, 413].includes(response.status),
          `${method} ${path}?${query}: ${response.status}`,
        );
        if (response.status === 200) handshakes++;
        if (response.status === 200) {
          assert.ok(method === "GET" && !url.searchParams.get("sid"), "only handshakes succeed");
        }
      });
      assert.ok(handshakes > 0, "no random request made a handshake");
    });
  });
});
