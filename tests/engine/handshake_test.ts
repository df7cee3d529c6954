/**
 * Unit tests of request routing and the protocol check (src/engine/handshake.ts), against the
 * error codes of the Node reference engine.io (`Server.verify` and `Server.handshake`).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { checkProtocol, type RequestRoute, routeRequest } from "../../src/engine/handshake.ts";
import type { EngineSession } from "../../src/engine/session.ts";
import type { TransportName } from "../../src/engine/transport.ts";

const BOTH: readonly TransportName[] = ["polling", "websocket"];

/** A stand-in session: routing only reads `transport`. */
function fakeSession(transport: TransportName): EngineSession {
  return { transport } as unknown as EngineSession;
}

const pollingSession = fakeSession("polling");
const websocketSession = fakeSession("websocket");
const SESSIONS = new Map<string, EngineSession>([
  ["poll-sid", pollingSession],
  ["ws-sid", websocketSession],
]);
const lookup = (sid: string) => SESSIONS.get(sid);

interface Req {
  method?: string;
  query: string;
  isWebSocket?: boolean;
  transports?: readonly TransportName[];
}

function route({ method = "GET", query, isWebSocket = false, transports = BOTH }: Req) {
  return routeRequest(
    { method, query: new URLSearchParams(query), isWebSocket },
    transports,
    lookup,
  );
}

/** Asserts a refusal with the reference's HTTP status, code and message. */
function assertRefused(
  result: RequestRoute,
  code: number,
  message: string,
  status = 400,
): void {
  assert.equal(result.kind, "refused", `expected a refusal, got ${result.kind}`);
  if (result.kind !== "refused") return;
  assert.equal(result.refusal.code, code, `code (${result.refusal.message})`);
  assert.equal(result.refusal.message, message);
  assert.equal(result.refusal.status, status);
}

describe("routeRequest: handshakes", () => {
  it("routes a GET polling request without sid to a polling handshake", () => {
    assert.deepEqual(route({ query: "EIO=4&transport=polling" }), {
      kind: "handshake",
      transport: "polling",
    });
  });

  it("routes a WebSocket upgrade without sid to a websocket handshake", () => {
    assert.deepEqual(route({ query: "EIO=4&transport=websocket", isWebSocket: true }), {
      kind: "handshake",
      transport: "websocket",
    });
  });

  it("does not look at EIO (the protocol is checked separately, after routing)", () => {
    assert.equal(route({ query: "EIO=3&transport=polling" }).kind, "handshake");
    assert.equal(route({ query: "transport=polling" }).kind, "handshake");
  });

  it("never consults the session table for a handshake", () => {
    let calls = 0;
    routeRequest(
      { method: "GET", query: new URLSearchParams("EIO=4&transport=polling"), isWebSocket: false },
      BOTH,
      () => {
        calls++;
        return undefined;
      },
    );
    assert.equal(calls, 0);
  });
});

describe("routeRequest: code 0, Transport unknown", () => {
  it("refuses a request without a transport parameter", () => {
    assertRefused(route({ query: "EIO=4" }), 0, "Transport unknown");
  });

  it("refuses an unknown transport name", () => {
    assertRefused(route({ query: "EIO=4&transport=tobi" }), 0, "Transport unknown");
    assertRefused(route({ query: "EIO=4&transport=flashsocket" }), 0, "Transport unknown");
    assertRefused(route({ query: "EIO=4&transport=webtransport" }), 0, "Transport unknown");
  });

  it("refuses an empty transport value", () => {
    assertRefused(route({ query: "EIO=4&transport=" }), 0, "Transport unknown");
  });

  it("matches transport names exactly (case-sensitive, no prototype names)", () => {
    assertRefused(route({ query: "EIO=4&transport=Polling" }), 0, "Transport unknown");
    assertRefused(route({ query: "EIO=4&transport=constructor" }), 0, "Transport unknown");
    assertRefused(route({ query: "EIO=4&transport=__proto__" }), 0, "Transport unknown");
  });

  it("refuses polling when only websocket is allowed", () => {
    assertRefused(
      route({ query: "EIO=4&transport=polling", transports: ["websocket"] }),
      0,
      "Transport unknown",
    );
  });

  it("refuses a websocket upgrade when only polling is allowed", () => {
    assertRefused(
      route({ query: "EIO=4&transport=websocket", isWebSocket: true, transports: ["polling"] }),
      0,
      "Transport unknown",
    );
  });

  it("checks the transport before the sid", () => {
    assertRefused(route({ query: "EIO=4&transport=tobi&sid=nope" }), 0, "Transport unknown");
    assertRefused(route({ query: "EIO=4&transport=tobi&sid=poll-sid" }), 0, "Transport unknown");
  });

  it("checks the transport before the method", () => {
    assertRefused(route({ method: "POST", query: "EIO=4" }), 0, "Transport unknown");
  });
});

describe("routeRequest: code 1, Session ID unknown", () => {
  it("refuses a polling GET with an unknown sid", () => {
    assertRefused(route({ query: "EIO=4&transport=polling&sid=nope" }), 1, "Session ID unknown");
  });

  it("refuses a polling POST with an unknown sid", () => {
    assertRefused(
      route({ method: "POST", query: "EIO=4&transport=polling&sid=nope" }),
      1,
      "Session ID unknown",
    );
  });

  it("refuses a websocket upgrade with an unknown sid", () => {
    assertRefused(
      route({ query: "EIO=4&transport=websocket&sid=nope", isWebSocket: true }),
      1,
      "Session ID unknown",
    );
  });

  it("refuses an unknown sid on a non-upgrade websocket request (the reference checks the sid first)", () => {
    assertRefused(route({ query: "EIO=4&transport=websocket&sid=nope" }), 1, "Session ID unknown");
  });
});

describe("routeRequest: code 2, Bad handshake method", () => {
  for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]) {
    it(`refuses a ${method} polling handshake`, () => {
      assertRefused(
        route({ method, query: "EIO=4&transport=polling" }),
        2,
        "Bad handshake method",
      );
    });
  }

  it("refuses a POST websocket handshake with code 2 (the reference checks the method first)", () => {
    assertRefused(
      route({ method: "POST", query: "EIO=4&transport=websocket" }),
      2,
      "Bad handshake method",
    );
  });

  it("accepts a POST on an existing session (only the handshake must be GET)", () => {
    const result = route({ method: "POST", query: "EIO=4&transport=polling&sid=poll-sid" });
    assert.equal(result.kind, "session");
  });
});

describe("routeRequest: code 3, Bad request", () => {
  it("refuses a websocket handshake that is not an upgrade request", () => {
    assertRefused(route({ query: "EIO=4&transport=websocket" }), 3, "Bad request");
  });

  it("refuses a polling GET for a websocket session (transport mismatch)", () => {
    assertRefused(route({ query: "EIO=4&transport=polling&sid=ws-sid" }), 3, "Bad request");
  });

  it("refuses a polling POST for a websocket session (transport mismatch)", () => {
    assertRefused(
      route({ method: "POST", query: "EIO=4&transport=polling&sid=ws-sid" }),
      3,
      "Bad request",
    );
  });

  it("refuses a non-upgrade websocket request for a polling session", () => {
    assertRefused(route({ query: "EIO=4&transport=websocket&sid=poll-sid" }), 3, "Bad request");
  });

  it("refuses an upgrade request that names the polling transport", () => {
    const result = route({ query: "EIO=4&transport=polling", isWebSocket: true });
    assertRefused(result, 3, "Bad request");
  });
});

describe("routeRequest: existing sessions", () => {
  it("routes a polling GET to its polling session", () => {
    const result = route({ query: "EIO=4&transport=polling&sid=poll-sid" });
    assert.equal(result.kind, "session");
    if (result.kind !== "session") return;
    assert.equal(result.transport, "polling");
    assert.equal(result.session, pollingSession);
  });

  it("routes a polling POST to its polling session", () => {
    const result = route({ method: "POST", query: "EIO=4&transport=polling&sid=poll-sid" });
    assert.equal(result.kind, "session");
    if (result.kind !== "session") return;
    assert.equal(result.session, pollingSession);
  });

  it("routes a websocket upgrade with the sid of a polling session (transport upgrade)", () => {
    const result = route({ query: "EIO=4&transport=websocket&sid=poll-sid", isWebSocket: true });
    assert.equal(result.kind, "session");
    if (result.kind !== "session") return;
    assert.equal(result.transport, "websocket");
    assert.equal(result.session, pollingSession);
  });

  it("passes the sid from the query to the lookup", () => {
    const seen: string[] = [];
    routeRequest(
      {
        method: "GET",
        query: new URLSearchParams("EIO=4&transport=polling&sid=a%2Bb"),
        isWebSocket: false,
      },
      BOTH,
      (sid) => {
        seen.push(sid);
        return undefined;
      },
    );
    assert.deepEqual(seen, ["a+b"]);
  });
});

describe("checkProtocol", () => {
  it("accepts EIO=4", () => {
    assert.equal(checkProtocol(new URLSearchParams("EIO=4&transport=polling")), undefined);
  });

  for (
    const query of ["transport=polling", "EIO=3", "EIO=abc", "EIO=", "EIO=5", "EIO=04", "eio=4"]
  ) {
    it(`refuses ${JSON.stringify(query)} with code 5, Unsupported protocol version`, () => {
      const refusal = checkProtocol(new URLSearchParams(query));
      assert.ok(refusal, "expected a refusal");
      assert.equal(refusal.status, 400);
      assert.equal(refusal.code, 5);
      assert.equal(refusal.message, "Unsupported protocol version");
    });
  }

  it("with allowEIO3, accepts EIO=3 and EIO=4 and still refuses the rest", () => {
    assert.equal(checkProtocol(new URLSearchParams("EIO=3"), true), undefined);
    assert.equal(checkProtocol(new URLSearchParams("EIO=4"), true), undefined);
    for (const query of ["transport=polling", "EIO=2", "EIO=5", "EIO=03"]) {
      assert.equal(checkProtocol(new URLSearchParams(query), true)?.code, 5, query);
    }
  });
});
